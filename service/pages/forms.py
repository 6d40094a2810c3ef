"""Forms built from the API's own request models, read back into them, and their errors placed beside each field.

A form field is derived from the model's JSON schema (enum → choices, list of enum → check boxes, list of
text → one comma-separated line, number → number box with the schema's bounds), so a field added to the
API's model shows up on the page without a template change. Validation is the API's: the model itself, then
the data contract, with the API's Korean messages (service.errors).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from matcher import domain, reference
from matcher.contract import redact
from service.errors import ContractRefused, field_errors

# Korean labels of the fields the pages know; a field not named here shows its schema description or title.
LABELS: dict[str, str] = {
    "seeker_id": "구직자 ID",
    "name": "이름",
    "birth_year": "출생 연도",
    "gender": "성별 (통계용, 추천에 쓰지 않음)",
    "dong": "사는 동",
    "lat": "위도",
    "lon": "경도",
    "groups": "해당 대상",
    "education": "최종 학력",
    "experience_years": "경력 (년)",
    "occupations": "해 본 일 (직종)",
    "skills": "기술·자격",
    "desired_occupations": "희망 직종",
    "desired_industries": "희망 업종",
    "desired_wage_type": "희망 임금 종류",
    "desired_wage_amount": "희망 임금 (원)",
    "desired_hours": "희망 근무시간 (주당 시간)",
    "max_commute_km": "통근 가능 거리 (km)",
    "intro": "자기소개",
    "consent_employer_view": "기업이 가린 프로필을 보는 데 동의함",
    "employer_id": "기업 ID",
    "opening_id": "공고 ID",
    "title": "공고 제목",
    "occupation": "직종",
    "industry": "업종",
    "wage_type": "임금 종류",
    "wage_amount": "임금 (원)",
    "hours_per_week": "주당 근무시간",
    "employment_type": "고용 형태",
    "required_skills": "필수 기술",
    "preferred_skills": "우대 기술",
    "education_min": "최소 학력",
    "experience_min_years": "최소 경력 (년)",
    "program": "사업",
    "target_groups": "대상 (비우면 누구나)",
    "age_min": "최소 나이",
    "age_max": "최대 나이",
    "positions": "모집 인원",
    "posted_at": "게시일",
    "deadline": "마감일",
    "description": "공고 설명",
    "access_needs": "필요한 근무 편의",
    "access_offered": "제공하는 근무 편의",
    "access_not_offered": "제공하지 않는 근무 편의",
}
HINTS: dict[str, str] = {
    "skills": "쉼표(,)로 구분해 여러 개를 적을 수 있습니다. 예: 미싱, 재단",
    "desired_occupations": "쉼표로 구분. 예: 바리스타, 매장관리",
    "max_commute_km": "집에서 직선거리",
    "desired_hours": "예: 시간제는 20, 전일제는 40",
    "access_needs": "고른 편의를 제공하지 않는다고 밝힌 공고는 보여 주지 않습니다. 기업에는 보이지 않습니다.",
    "access_not_offered": "여기 고른 편의가 필요한 구직자에게는 이 공고가 추천되지 않습니다.",
}
GENDER_KO = {"F": "여성", "M": "남성", "X": "밝히지 않음"}


PROGRAM_KO = {code: p.name_ko for code, p in reference.programs().items()}
WAGE_KO = {"hourly": "시급", "monthly": "월급", "annual": "연봉"}
# Korean names of the values of the enumerated fields the pages know.
FIELD_CHOICES: dict[str, dict[str, str]] = {
    "gender": GENDER_KO,
    "groups": domain.GROUP_NAMES_KO,
    "target_groups": domain.GROUP_NAMES_KO,
    "education": domain.EDUCATION_NAMES_KO,
    "education_min": domain.EDUCATION_NAMES_KO,
    "desired_wage_type": WAGE_KO,
    "wage_type": WAGE_KO,
    "employment_type": domain.EMPLOYMENT_TYPE_NAMES_KO,
    "program": PROGRAM_KO,
    "access_needs": domain.ACCESS_NAMES_KO,
    "access_offered": domain.ACCESS_NAMES_KO,
    "access_not_offered": domain.ACCESS_NAMES_KO,
}


def _domain_names() -> dict[str, str]:
    """Korean names of enumerated values from the matcher's ``*_KO`` tables, for fields added later."""
    names: dict[str, str] = {}
    for attribute in dir(domain):
        table = getattr(domain, attribute)
        if attribute.endswith("_KO") and isinstance(table, dict):
            names.update({str(k): str(v) for k, v in table.items()})
    return names


DOMAIN_KO = _domain_names()
SPLIT = re.compile(r"[,;\n]")


@dataclass(frozen=True)
class Field:
    """One control of a form."""

    name: str
    label: str
    kind: str  # text, textarea, number, select, checks, list, checkbox, date
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    hint: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    step: str = "1"
    max_length: int | None = None
    extra: dict = field(default_factory=dict)


def _plain(prop: dict, defs: dict) -> dict:
    """The property without ``null`` alternatives and references."""
    if "$ref" in prop:
        prop = {**defs[prop["$ref"].rsplit("/", 1)[-1]], **{k: v for k, v in prop.items() if k != "$ref"}}
    options = [p for p in prop.get("anyOf", []) if p.get("type") != "null"]
    if len(options) == 1:
        prop = {**_plain(options[0], defs), **{k: v for k, v in prop.items() if k != "anyOf"}}
    return prop


def fields_of(model: type[BaseModel], *, omit: Iterable[str] = (), only: Sequence[str] | None = None) -> list[Field]:
    """The form fields of ``model``'s properties (all, or ``only`` in that order), less ``omit``."""
    schema = model.model_json_schema()
    defs, required = schema.get("$defs", {}), set(schema.get("required", []))
    names = [n for n in (only or list(schema["properties"])) if n not in set(omit) and n in schema["properties"]]
    return [_field(name, _plain(schema["properties"][name], defs), name in required) for name in names]


def _field(name: str, prop: dict, required: bool) -> Field:
    label = LABELS.get(name) or prop.get("description") or prop.get("title") or name
    hint = HINTS.get(name) or (prop.get("description") if name in LABELS else None)
    kind, choices = "text", ()
    if "enum" in prop or "const" in prop:
        kind = "select"
        choices = _choices(name, prop.get("enum", [prop.get("const")]))
    elif prop.get("type") == "array":
        items = prop.get("items", {})
        if "enum" in items:
            kind = "checks"
            choices = _choices(name, items["enum"])
        else:
            kind = "list"
    elif prop.get("type") in ("integer", "number"):
        kind = "number"
    elif prop.get("type") == "boolean":
        kind = "checkbox"
    elif prop.get("format") in ("date", "date-time"):
        kind = "date"
    elif prop.get("type") == "string" and (prop.get("maxLength") or 0) > 1000:
        kind = "textarea"
    minimum = prop.get("minimum", prop.get("exclusiveMinimum"))
    maximum = prop.get("maximum", prop.get("exclusiveMaximum"))
    step = "1" if prop.get("type") == "integer" else "any"
    return Field(name, label, kind, required, choices, hint, minimum, maximum, step, prop.get("maxLength"))


def _choices(name: str, values: list) -> tuple[tuple[str, str], ...]:
    names = FIELD_CHOICES.get(name, DOMAIN_KO)
    return tuple((str(v), names.get(str(v), str(v))) for v in values)


def read(form: FormData, fields: Sequence[Field]) -> dict:
    """The submitted values of ``fields`` as the model takes them (empty boxes left out: the model's default)."""
    data: dict = {}
    for f in fields:
        if f.kind == "checks":
            data[f.name] = [str(v) for v in form.getlist(f.name)]
        elif f.kind == "list":
            data[f.name] = [part.strip() for part in SPLIT.split(str(form.get(f.name) or "")) if part.strip()]
        elif f.kind == "checkbox":
            data[f.name] = form.get(f.name) == "true"
        else:
            value = str(form.get(f.name) or "").strip()
            if value:
                data[f.name] = value
    return data


def scrubbed(values: dict) -> dict:
    """Submitted values to show again, with anything shaped like a registration number masked (never echoed)."""
    return {
        k: redact(v) if isinstance(v, str) else [redact(i) for i in v] if isinstance(v, list) else v
        for k, v in values.items()
    }


def errors_by_field(exc: ValidationError | ContractRefused) -> dict[str, str]:
    """The API's Korean messages, one per field (the first), keyed by the top-level field name."""
    errors = exc.errors if isinstance(exc, ContractRefused) else field_errors(list(exc.errors()))
    out: dict[str, str] = {}
    for error in errors:
        top = str(error["field"]).split(".", 1)[0]
        out.setdefault(top, error["message"])
    return out
