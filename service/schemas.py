"""Request and response bodies, split by audience (FastAPI + pydantic, ``extra="forbid"`` on inputs).

Input types mirror the data contract (``matcher.contract``); after pydantic has
checked the types, the route runs the same contract validation as a CSV import
(``matcher.contract.parse_records``), so both paths accept the same rows.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

from matcher import cells, domain, reference
from matcher.contract import ID_LENGTH, MAX_INT
from service.clock import with_offset

RRN_MESSAGE = "주민등록번호로 보이는 값은 저장할 수 없습니다 (resident registration numbers are never stored)"
CONTROL_MESSAGE = "제어 문자(NUL 등)는 쓸 수 없습니다 (control characters are refused)"


def plain_text(value: str) -> str:
    """Refuse text holding a registration number (however written) or a control character (matcher.cells)."""
    if cells.has_control(value):
        raise ValueError(CONTROL_MESSAGE)
    if cells.has_rrn(value):
        raise ValueError(RRN_MESSAGE)  # the value itself is never echoed
    return value


# Every text a caller sends goes through plain_text; lengths are those of the database columns (service.tables).
Id = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=ID_LENGTH, pattern=r"^[^\s;,/?#]+$"),
    AfterValidator(plain_text),
]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), AfterValidator(plain_text)
]
Place = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), AfterValidator(plain_text)
]
Item = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[^;]+$"),
    AfterValidator(plain_text),
]
Items = Annotated[list[Item], Field(max_length=50)]
Text = Annotated[str, StringConstraints(max_length=5000), AfterValidator(plain_text)]
Group = Literal[domain.GROUPS]
Access = Literal[domain.ACCESS_KINDS]
AccessList = Annotated[list[Access], Field(max_length=len(domain.ACCESS_KINDS))]
Education = Literal[domain.EDUCATION_LEVELS]
WageType = Literal[domain.WAGE_TYPES]
EmploymentType = Literal[domain.EMPLOYMENT_TYPES]
Program = Literal[reference.program_codes()]
EventKind = Literal[domain.EVENT_KINDS]
Money = Annotated[int, Field(ge=0, le=MAX_INT)]
Lat = Annotated[float, Field(ge=-90, le=90)]
Lon = Annotated[float, Field(ge=-180, le=180)]
Years = Annotated[float, Field(ge=0, le=80)]
Hours = Annotated[int, Field(ge=1, le=168)]


# Stored Seoul wall-clock times, answered with their offset (RFC 3339).
LocalDateTime = Annotated[
    datetime,
    PlainSerializer(with_offset, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- seekers -----------------------------------------------------------------------------------
class SeekerProfile(Input):
    """A seeker's profile without the id: what ``POST /search`` takes."""

    birth_year: int = Field(ge=1930, le=2012, examples=[1999])
    gender: Literal[domain.GENDERS] | None = Field(None, description="reporting only; never used for ranking")
    dong: Place | None = Field(None, examples=["성수1가1동"])
    lat: Lat | None = None
    lon: Lon | None = None
    groups: list[Group] = Field(default_factory=list, examples=[["youth"]])
    education: Education | None = None
    experience_years: Years | None = None
    occupations: Items = Field(default_factory=list)
    skills: Items = Field(default_factory=list, examples=[["미싱", "재단"]])
    desired_occupations: Items = Field(default_factory=list)
    desired_industries: Items = Field(default_factory=list)
    desired_wage_type: WageType | None = None
    desired_wage_amount: Money | None = None
    desired_hours: Hours | None = None
    max_commute_km: Annotated[float, Field(ge=0, le=1000)] | None = None
    intro: Text | None = None
    access_needs: AccessList = Field(
        default_factory=list,
        examples=[["step_free_entrance"]],
        description="workplace access the seeker needs (never shown to employers); an opening that states "
        "it does not offer one is never listed",
    )


class SeekerFields(SeekerProfile):
    """Everything stored about a seeker but the id."""

    name: Name | None = Field(None, description="as the center records it; staff only, never shown to employers")
    consent_employer_view: bool = False


class SeekerCreate(SeekerFields):
    seeker_id: Id


class SeekerPublic(SeekerFields):
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
class EmployerFields(Input):
    name: Name


class EmployerCreate(EmployerFields):
    employer_id: Id


class EmployerPublic(BaseModel):
    employer_id: str
    name: str


class OpeningFields(Input):
    employer_id: Id
    title: Name
    occupation: Name | None = None
    industry: Name | None = None
    dong: Place | None = None
    lat: Lat | None = None
    lon: Lon | None = None
    wage_type: WageType | None = None
    wage_amount: Money | None = None
    hours_per_week: Hours | None = None
    employment_type: EmploymentType | None = None
    required_skills: Items = Field(default_factory=list)
    preferred_skills: Items = Field(default_factory=list)
    education_min: Education | None = None
    experience_min_years: Years | None = None
    program: Program = "general"
    target_groups: list[Group] = Field(default_factory=list)
    age_min: Annotated[int, Field(ge=0, le=120)] | None = None
    age_max: Annotated[int, Field(ge=0, le=120)] | None = None
    positions: Annotated[int, Field(ge=1, le=100_000)] = 1
    posted_at: date | datetime
    deadline: date | datetime | None = None
    description: Text | None = None
    access_offered: AccessList = Field(default_factory=list, examples=[["step_free_entrance", "elevator"]])
    access_not_offered: AccessList = Field(default_factory=list, examples=[["seated_work"]])

    @model_validator(mode="after")
    def _access_once(self) -> OpeningFields:
        both = sorted(set(self.access_offered) & set(self.access_not_offered))
        if both:
            raise ValueError(f"같은 편의를 제공함과 제공하지 않음에 함께 적을 수 없습니다: {', '.join(both)}")
        return self


class OpeningCreate(OpeningFields):
    opening_id: Id


class OpeningPublic(BaseModel):
    opening_id: str
    employer_id: str
    employer_name: str
    title: str
    occupation: str | None = None
    industry: str | None = None
    dong: str | None = None
    lat: float | None = None
    lon: float | None = None
    wage_type: str | None = None
    wage_amount: int | None = None
    hours_per_week: int | None = None
    employment_type: str | None = None
    required_skills: list[str] = []
    preferred_skills: list[str] = []
    education_min: str | None = None
    experience_min_years: float | None = None
    program: str
    target_groups: list[str] = []
    age_min: int | None = None
    age_max: int | None = None
    positions: int
    posted_at: LocalDateTime
    deadline: LocalDateTime | None = None
    description: str | None = None
    access_offered: list[str] = []
    access_not_offered: list[str] = []


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
class EventCreate(Input):
    seeker_id: Id
    opening_id: Id
    event: EventKind
    occurred_at: datetime | None = Field(None, description="default: now")


class EventPublic(BaseModel):
    event_id: int
    seeker_id: str
    opening_id: str
    event: str
    occurred_at: LocalDateTime


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
