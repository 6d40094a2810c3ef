"""The records of the data contract, declared once: seeker, opening, employer, event.

Each column says its kind, whether it is required, its codes, range, length and default. The CSV checks
(matcher.validation), the API's bodies (service.record_schemas) and the database's tables (service.tables) are
derived from these declarations; none of them states a limit of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from matcher import domain, reference

LIST_SEP = ";"
MAX_INT = 2**53  # beyond this a CSV number cannot be held exactly
ID_LENGTH = 64  # characters of every id (seeker, opening, employer)
NAME_LENGTH = 200  # a person's or an employer's name, an occupation, an industry
PLACE_LENGTH = 100  # a dong
TITLE_LENGTH = 300  # an opening's title

# What one request to the service may hold where the contract sets no limit (a form, not a file).
FREE_TEXT_LENGTH = 5000  # characters of an intro or a description
LIST_ITEMS = 50  # items of a free list (skills, occupations, ...)
ITEM_LENGTH = 100  # characters of one item of a free list


@dataclass(frozen=True)
class Column:
    """One column of a record: its kind and what it may hold.

    ``kind``: text, int, float, bool, date, enum, list (free items) or enum_list (codes from ``choices``).
    ``max_length``: characters of a text (checked everywhere) or of an enum code (the stored width).
    ``request_limit``: what one request to the service may hold where the contract sets no limit: characters of
    free text, the highest number, the items of a free list. Files are not held to it.
    ``identifier``: an id (in a request, without spaces or ``; , / ? #``: it is part of URLs).
    """

    name: str
    kind: str
    required: bool = False
    choices: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None
    default: object = None
    max_length: int | None = None
    request_limit: float | None = None
    identifier: bool = False

    @property
    def is_list(self) -> bool:
        """Whether the column holds a list (``;``-separated in a CSV cell, a JSON array in the database)."""
        return self.kind in ("list", "enum_list")


def _id(name: str) -> Column:
    return Column(name, "text", required=True, max_length=ID_LENGTH, identifier=True)


def _free_list(name: str) -> Column:
    return Column(name, "list", request_limit=LIST_ITEMS)


def _codes(name: str, choices: tuple[str, ...]) -> Column:
    return Column(name, "enum_list", choices=choices)


LAT = Column("lat", "float", low=-90, high=90)
LON = Column("lon", "float", low=-180, high=180)
DONG = Column("dong", "text", max_length=PLACE_LENGTH)
# Kinds of column several records share; each is given its name with dataclasses.replace.
YEARS = Column("years", "float", low=0, high=80)
HOURS = Column("hours", "int", low=1, high=168)
WAGE = Column("wage", "int", low=0)
WAGE_TYPE = Column("wage_type", "enum", choices=domain.WAGE_TYPES, max_length=16)
EDUCATION = Column("education", "enum", choices=domain.EDUCATION_LEVELS, max_length=32)
AGE = Column("age", "int", low=0, high=120)

EMPLOYER_COLUMNS: tuple[Column, ...] = (
    _id("employer_id"),
    Column("name", "text", required=True, max_length=NAME_LENGTH),
)

SEEKER_COLUMNS: tuple[Column, ...] = (
    _id("seeker_id"),
    Column("name", "text", max_length=NAME_LENGTH),  # for the center's staff only: never a feature, never shown
    Column("birth_year", "int", required=True, low=1930, high=2012),
    Column("gender", "enum", choices=domain.GENDERS, max_length=1),
    DONG,
    LAT,
    LON,
    _codes("groups", domain.GROUPS),
    replace(EDUCATION, name="education"),
    replace(YEARS, name="experience_years"),
    _free_list("occupations"),
    _free_list("skills"),
    _free_list("desired_occupations"),
    _free_list("desired_industries"),
    replace(WAGE_TYPE, name="desired_wage_type"),
    replace(WAGE, name="desired_wage_amount"),
    replace(HOURS, name="desired_hours"),
    Column("max_commute_km", "float", low=0, request_limit=1000),
    Column("intro", "text", request_limit=FREE_TEXT_LENGTH),
    Column("consent_employer_view", "bool", default=False),
    _codes("access_needs", domain.ACCESS_KINDS),
)

OPENING_COLUMNS: tuple[Column, ...] = (
    _id("opening_id"),
    EMPLOYER_COLUMNS[0],
    replace(EMPLOYER_COLUMNS[1], name="employer_name"),  # the employer's record, held in each opening's row
    Column("title", "text", required=True, max_length=TITLE_LENGTH),
    Column("occupation", "text", max_length=NAME_LENGTH),
    Column("industry", "text", max_length=NAME_LENGTH),
    DONG,
    LAT,
    LON,
    replace(WAGE_TYPE, name="wage_type"),
    replace(WAGE, name="wage_amount"),
    replace(HOURS, name="hours_per_week"),
    Column("employment_type", "enum", choices=domain.EMPLOYMENT_TYPES, max_length=16),
    _free_list("required_skills"),
    _free_list("preferred_skills"),
    replace(EDUCATION, name="education_min"),
    replace(YEARS, name="experience_min_years"),
    Column("program", "enum", choices=reference.program_codes(), default="general", max_length=32),
    _codes("target_groups", domain.GROUPS),
    replace(AGE, name="age_min"),
    replace(AGE, name="age_max"),
    Column("positions", "int", low=1, default=1, request_limit=100_000),
    Column("posted_at", "date", required=True),
    Column("deadline", "date"),
    Column("description", "text", request_limit=FREE_TEXT_LENGTH),
    _codes("access_offered", domain.ACCESS_KINDS),
    _codes("access_not_offered", domain.ACCESS_KINDS),
)

EVENT_COLUMNS: tuple[Column, ...] = (
    _id("seeker_id"),
    _id("opening_id"),
    Column("event", "enum", required=True, choices=domain.EVENT_KINDS, max_length=16),
    Column("occurred_at", "date", required=True),
)

# The contract's files (the employer's record is held in openings.csv).
FILES: dict[str, tuple[Column, ...]] = {
    "seekers": SEEKER_COLUMNS,
    "openings": OPENING_COLUMNS,
    "events": EVENT_COLUMNS,
}
RECORDS: dict[str, tuple[Column, ...]] = {**FILES, "employers": EMPLOYER_COLUMNS}
TEXT_FIELDS: dict[str, tuple[str, ...]] = {
    name: tuple(c.name for c in cols if c.kind in ("text", "list")) for name, cols in FILES.items()
}
HOURLY_WAGE = {"seekers": "desired_wage_hourly", "openings": "wage_hourly"}  # columns computed from the record


def column(kind: str, name: str) -> Column:
    """The column ``name`` of the record ``kind`` (seekers, openings, employers, events)."""
    return next(c for c in RECORDS[kind] if c.name == name)
