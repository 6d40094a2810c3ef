"""Request and response bodies, split by audience (FastAPI + pydantic, ``extra="forbid"`` on inputs).

The record bodies (seekers, employers, openings, events) are derived from ``matcher.records`` by
``service.record_schemas``: their fields, types, codes, ranges and lengths are the contract's. After pydantic has
checked them, the route runs the same contract validation as a CSV import (``matcher.record_checks``), so both
paths accept the same rows.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from matcher import records
from service.record_schemas import (
    CONTROL_MESSAGE,
    RRN_MESSAGE,
    LocalDateTime,
    fields_of,
    plain_text,
    public_model,
    record_model,
    request_type,
)

__all__ = ["CONTROL_MESSAGE", "RRN_MESSAGE", "LocalDateTime", "plain_text"]

# Types other bodies share with the records.
Id = request_type(records.column("seekers", "seeker_id"))
Name = request_type(records.column("employers", "name"))
Program = request_type(records.column("openings", "program"))
EmploymentType = request_type(records.column("openings", "employment_type"))
Group = Literal[records.column("seekers", "groups").choices]  # type: ignore[valid-type]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- seekers -----------------------------------------------------------------------------------
SEEKER_NOTES = {
    "birth_year": {"examples": [1999]},
    "gender": {"description": "reporting only; never used for ranking"},
    "dong": {"examples": ["성수1가1동"]},
    "groups": {"examples": [["youth"]]},
    "skills": {"examples": [["미싱", "재단"]]},
    "access_needs": {
        "examples": [["step_free_entrance"]],
        "description": "workplace access the seeker needs (never shown to employers); an opening that states "
        "it does not offer one is never listed",
    },
    "name": {"description": "as the center records it; staff only, never shown to employers"},
}
# What stays with the center: a seeker's id, name and consent are not part of a profile.
SeekerProfile = record_model(
    "SeekerProfile",
    "seekers",
    fields_of("seekers", leave_out=("seeker_id", "name", "consent_employer_view")),
    base=Input,
    doc="A seeker's profile without the id: what ``POST /search`` takes.",
    notes=SEEKER_NOTES,
)
SeekerFields = record_model(
    "SeekerFields",
    "seekers",
    ("name", "consent_employer_view"),
    base=SeekerProfile,
    doc="Everything stored about a seeker but the id.",
    notes=SEEKER_NOTES,
)
SeekerCreate = record_model("SeekerCreate", "seekers", ("seeker_id",), base=SeekerFields)


class SeekerPublic(SeekerFields):  # type: ignore[misc, valid-type]
    """A seeker as the center's staff see it."""

    seeker_id: str


class Consent(Input):
    consent_employer_view: bool


class SeekerForEmployer(BaseModel):
    """What an employer may see of a consenting candidate: no name, contact, birth year, location or groups."""

    seeker_id: str
    age_band: str = Field(examples=["30대"])
    dong: str | None
    education: str | None
    experience_years: float | None
    skills: list[str]
    desired_occupations: list[str]


# -- employers and openings ----------------------------------------------------------------------
EmployerFields = record_model("EmployerFields", "employers", ("name",), base=Input)
EmployerCreate = record_model("EmployerCreate", "employers", ("employer_id",), base=EmployerFields)
EmployerPublic = public_model("EmployerPublic", "employers")


class OpeningRules(Input):
    """What an opening's fields must hold together."""

    @model_validator(mode="after")
    def _access_once(self) -> OpeningRules:
        both = sorted(set(getattr(self, "access_offered", ())) & set(getattr(self, "access_not_offered", ())))
        if both:
            raise ValueError(f"같은 편의를 제공함과 제공하지 않음에 함께 적을 수 없습니다: {', '.join(both)}")
        return self


# The employer's name is the employer's record, not the opening's.
OpeningFields = record_model(
    "OpeningFields",
    "openings",
    fields_of("openings", leave_out=("opening_id", "employer_name")),
    base=OpeningRules,
    notes={
        "access_offered": {"examples": [["step_free_entrance", "elevator"]]},
        "access_not_offered": {"examples": [["seated_work"]]},
    },
)
OpeningCreate = record_model("OpeningCreate", "openings", ("opening_id",), base=OpeningFields)
OpeningPublic = public_model("OpeningPublic", "openings")


class OpeningSummary(BaseModel):
    """The opening as shown beside a match."""

    title: str
    employer_name: str
    dong: str | None
    wage: str | None = Field(description="the wage as posted, e.g. '월 2,300,000원'")
    wage_hourly: float | None = Field(description="normalised to KRW per hour")
    hours: int | None
    program: str
    deadline: date | None


# -- pages ------------------------------------------------------------------------------------
T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    offset: int
    limit: int


# -- matches, candidates ----------------------------------------------------------------------
class MatchItem(BaseModel):
    rank: int
    opening_id: str
    score: float
    reasons: list[str] = Field(description="what raised the score, true of the data (up to four; may be none)")
    cautions: list[str] = Field(default_factory=list, description="stated preferences the opening misses")
    opening: OpeningSummary


class MatchList(BaseModel):
    seeker_id: str
    model_version: str
    as_of: date
    matches: list[MatchItem]


class SearchResult(BaseModel):
    model_version: str
    as_of: date
    matches: list[MatchItem]


class CandidateItem(BaseModel):
    rank: int
    seeker_id: str
    score: float
    reasons: list[str] = Field(description="what raised the score (only what an employer may read)")
    cautions: list[str] = Field(default_factory=list, description="what the seeker lacks of the opening's demands")
    profile: SeekerForEmployer


class CandidateList(BaseModel):
    opening_id: str
    model_version: str
    candidates: list[CandidateItem]


# -- events -----------------------------------------------------------------------------------
EventCreate = record_model(
    "EventCreate",
    "events",
    ("seeker_id", "opening_id", "event"),
    base=Input,
    own={"occurred_at": (datetime | None, Field(None, description="default: now"))},  # the service's clock
)
EventPublic = public_model("EventPublic", "events", first={"event_id": (int, ...)})


class InterviewAsk(Input):
    """An employer asks the center to arrange an interview with one of its opening's candidates."""

    seeker_id: Id


class InterviewAsked(BaseModel):
    """The recorded ask; the center arranges the interview, so no contact data is ever in it."""

    event_id: int
    opening_id: str
    seeker_id: str
    asked_at: LocalDateTime


# -- assignments ------------------------------------------------------------------------------
Pair = Annotated[list[Id], Field(min_length=2, max_length=2, description="[seeker_id, opening_id]")]


class AssignmentRequest(Input):
    program: Program | None = Field(None, examples=["youth_1on1"])
    opening_ids: Annotated[list[Id], Field(max_length=5000)] | None = None
    seeker_ids: Annotated[list[Id], Field(max_length=5000)] | None = None
    pinned: Annotated[list[Pair], Field(max_length=5000)] = Field(default_factory=list)
    excluded: Annotated[list[Pair], Field(max_length=50000)] = Field(default_factory=list)
    as_of: date | None = None


class Placement(BaseModel):
    seeker_id: str
    opening_id: str
    score: float
    pinned: bool
    reasons: list[str]
    cautions: list[str] = Field(default_factory=list)


class Unplaced(BaseModel):
    seeker_id: str
    reason: str


class AssignmentResult(BaseModel):
    model_version: str
    as_of: date
    placements: list[Placement]
    unplaced: list[Unplaced]
    total_score: float
    greedy_total_score: float
    greedy_placed: int


# -- health, model ----------------------------------------------------------------------------
class Health(BaseModel):
    status: Literal["ok", "degraded"]
    model_version: str | None
    database: bool


class ModelInfo(BaseModel):
    version: str
    trained_at: str | None
    metrics: dict


# -- errors -----------------------------------------------------------------------------------
class ErrorBody(BaseModel):
    """Every error: a Korean message a counselor can act on."""

    detail: str
    reason: str | None = Field(None, description="technical cause, where there is one (e.g. why no model is loaded)")


class FieldError(BaseModel):
    field: str
    loc: list[str]
    type: str | None
    message: str


class ValidationErrorBody(BaseModel):
    """422: which fields to fix and why (the refused values are never echoed)."""

    detail: str
    errors: list[FieldError]


ERROR_RESPONSES: dict[int | str, dict] = {
    401: {"model": ErrorBody, "description": "no valid bearer token"},
    403: {"model": ErrorBody, "description": "the caller's role may not use this route"},
    404: {"model": ErrorBody, "description": "unknown id, or an id the caller may not reach"},
    409: {"model": ErrorBody, "description": "conflicts with what is stored (duplicate id, no position left, ...)"},
    413: {"model": ErrorBody, "description": "request body too large"},
    422: {"model": ValidationErrorBody, "description": "invalid input; each field named"},
    429: {"model": ErrorBody, "description": "rate or daily limit reached"},
    503: {"model": ErrorBody, "description": "database unreachable or no model loaded"},
}
