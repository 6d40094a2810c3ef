"""An independent judge of reasons and cautions: is each one true of the raw rows?

It reads the contract CSV files as text (``csv`` module, no ``matcher`` code) and the
reference tables shipped in ``matcher/data`` (dongs, programs, skill synonyms, the KSCO
dictionary), and decides for every sentence of a list whether the rows support it. It
knows the sentences only by their published wording (``shared/spec/data-format.md``,
"Reasons and cautions"), never by the code that wrote them.

``Judge.check(side, seeker_id, opening_id, reasons, cautions)`` returns the problems of
one list row: a false sentence, one of no known kind, a caution missing where the spec
requires one, or a sentence an employer may not see.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "matcher" / "data"
DISTANCE_BANDS_KM = (1.0, 3.0, 5.0, 10.0)
NEAR_KM = 3.0  # "집에서 …km" without a stated commute limit
INTEREST = {"viewed", "applied", "interviewed", "hired", "retained", "rejected", "declined"}
EMPLOYER_INTEREST = {"interviewed", "hired", "retained"}
EDUCATION_RANK = {
    "none": 0, "middle": 1, "high": 2, "vocational_high": 2, "college": 3, "university": 4, "graduate": 5,
}  # fmt: skip
EDUCATION_KO = {
    "none": "학력무관", "middle": "중졸", "high": "고졸", "vocational_high": "특성화고졸", "college": "전문대졸",
    "university": "대졸", "graduate": "대학원졸",
}  # fmt: skip
ACCESS_KO = {
    "step_free_entrance": "계단 없는 출입구",
    "elevator": "엘리베이터",
    "accessible_toilet": "장애인 화장실",
    "seated_work": "앉아서 하는 일",
    "sign_language": "수어 지원",
    "flexible_hours": "근무시간 조정",
}
# What an employer must never read in a candidate's reasons or cautions.
EMPLOYER_FORBIDDEN = re.compile(
    r"청년|어르신|노인|중장년|경력단절|장애|저소득|기초생활|특성화고 학생|\d+\s*세|만 \d+|접근성|편의|휠체어|수어|"
    r"\d+\.\d+\s*km|통근|집에서"
)
_SPACE = re.compile(r"[\s·_\-/()\[\]]+")
# An intro clause that only hopes or prepares for something does not hold it ("취업을 준비하고 있습니다").
_ASPIRATION = re.compile(r"준비|배우|싶|희망|예정|관심|하려|없습니다|못")


def norm(term: str) -> str:
    return _SPACE.sub("", str(term)).casefold()


def items(cell: str) -> list[str]:
    return [x.strip() for x in (cell or "").split(";") if x.strip()]


def number(cell: str) -> float | None:
    text = (cell or "").replace(",", "").strip()
    return float(text) if text else None


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    (lat1, lon1), (lat2, lon2) = (map(math.radians, p) for p in (a, b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(min(1.0, h)))


def hourly(wage_type: str, amount: float | None, hours: float | None) -> float | None:
    """KRW per hour as the spec defines it: a month is (weekly hours + paid rest) × 365/7/12."""
    if not wage_type or amount is None:
        return None
    h = hours if hours and hours > 0 else 40.0
    rest = min(h / 40.0, 1.0) * 8.0 if h >= 15 else 0.0
    month = (h + rest) * 365.0 / 7.0 / 12.0
    return {"hourly": amount, "monthly": amount / month, "annual": amount / 12.0 / month}.get(wage_type)


def hours_tolerance(desired: float) -> float:
    """Hours within this of the desired weekly hours fit (the spec: 4 hours or a fifth, the larger)."""
    return max(4.0, 0.2 * desired)


@dataclass
class Reference:
    """The reference tables, read straight from their files."""

    dongs: dict[str, tuple[float, float]] = field(default_factory=dict)
    programs: dict[str, dict[str, str]] = field(default_factory=dict)
    synonyms: dict[str, str] = field(default_factory=dict)
    ksco: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls) -> Reference:
        ref = cls()
        ref.dongs = {r["dong"]: (float(r["lat"]), float(r["lon"])) for r in read_rows(DATA / "dongs.csv")}
        ref.programs = {r["program"]: r for r in read_rows(DATA / "programs.csv")}
        for r in read_rows(DATA / "skill_synonyms.csv"):
            ref.synonyms[norm(r["variant"])] = r["canonical"]
        with (DATA / "ksco_job_dictionary.csv").open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))[3:]
        for row in rows:
            code, name = row[3].strip(), row[8].strip()
            if not code or not name:
                continue
            names = [name] + [n.strip() for extra in row[9:11] for n in extra.split(",")]
            for n in names:
                if n and len(n) <= 30:
                    ref.ksco.setdefault(norm(n), code)
        return ref

    def skill(self, name: str) -> str:
        return self.synonyms.get(norm(name), name.strip())

    def skills(self, names: Iterable[str]) -> list[str]:
        return list(dict.fromkeys(self.skill(n) for n in names if n.strip()))

    def skills_in_intro(self, intro: str) -> set[str]:
        """Canonical skills an intro says the seeker has (not in a clause that only hopes or prepares)."""
        found = set()
        for clause in re.split(r"[.!?\n,]", intro or ""):
            if _ASPIRATION.search(clause):
                continue
            text = norm(clause)
            found |= {skill for variant, skill in self.synonyms.items() if len(variant) >= 2 and variant in text}
        return found

    def code(self, occupation: str) -> str | None:
        return self.ksco.get(norm(occupation))

    def same_occupation(self, a: str, b: str) -> bool:
        return norm(a) == norm(b) or (self.code(a) is not None and self.code(a) == self.code(b))

    def same_family(self, a: str, b: str) -> bool:
        ca, cb = self.code(a), self.code(b)
        return ca is not None and cb is not None and ca[:3] == cb[:3]


class World:
    """The raw rows of one contract folder."""

    def __init__(self, folder: Path, reference: Reference | None = None) -> None:
        self.ref = reference or Reference.read()
        self.seekers = {r["seeker_id"]: r for r in read_rows(folder / "seekers.csv")}
        self.openings = {r["opening_id"]: r for r in read_rows(folder / "openings.csv")}
        events = folder / "events.csv"
        self.events = read_rows(events) if events.is_file() else []
        for e in self.events:
            e["at"] = datetime.fromisoformat(e["occurred_at"])

    def place(self, row: dict[str, str]) -> tuple[float, float]:
        if row.get("lat") and row.get("lon"):
            return float(row["lat"]), float(row["lon"])
        return self.ref.dongs[row["dong"]]

    def before(self, moment: datetime) -> list[dict]:
        return [e for e in self.events if e["at"] < moment]


@dataclass
class Row:
    """One list row to judge, with everything the checks read."""

    side: str
    seeker: dict[str, str]
    opening: dict[str, str]
    known: list[dict]  # events before the list's moment
    world: World

    @property
    def ref(self) -> Reference:
        return self.world.ref

    def km(self) -> float:
        return haversine_km(self.world.place(self.seeker), self.world.place(self.opening))

    def age_bounds(self) -> tuple[float | None, float | None]:
        program = self.ref.programs[self.opening.get("program") or "general"]
        lows = [v for v in (number(program["age_min"]), number(self.opening.get("age_min", ""))) if v is not None]
        highs = [v for v in (number(program["age_max"]), number(self.opening.get("age_max", ""))) if v is not None]
        return (max(lows) if lows else None), (min(highs) if highs else None)

    def required(self) -> list[str]:
        return self.ref.skills(items(self.opening.get("required_skills", "")))

    def held(self) -> set[str]:
        return set(self.ref.skills(items(self.seeker.get("skills", ""))))

    def interest(self, seeker_id: str) -> list[dict]:
        return [e for e in self.known if e["seeker_id"] == seeker_id and e["event"] in INTEREST]

    def without_names(self, text: str) -> str:
        """The sentence without the occupation, industry and skill names it may quote
        ('장애인활동지원사', '편의점판매원' name work, not the seeker)."""
        names = [self.opening.get(c, "") for c in ("occupation", "industry", "title")]
        names += [n for c in ("occupations", "desired_occupations", "skills") for n in items(self.seeker.get(c, ""))]
        names += items(self.opening.get("required_skills", "")) + items(self.opening.get("preferred_skills", ""))
        for name in sorted(filter(None, names), key=len, reverse=True):
            text = text.replace(name, "")
        return text

    def opening_of(self, event: dict) -> dict[str, str]:
        return self.world.openings[event["opening_id"]]


def _names(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


# --------------------------------------------------------------------------- reasons


def _skills(row: Row, m: re.Match) -> bool:
    n, k, named = int(m[1]), int(m[2]), _names(m[3])
    required, held = row.required(), row.held()
    common = [s for s in required if s in held]
    return n == len(required) and k == len(common) >= 1 and set(named) <= set(common) and named


def _intro_skill(row: Row, m: re.Match) -> bool:
    named = _names(m[1])
    said = row.ref.skills_in_intro(row.seeker.get("intro", ""))
    return bool(named) and all(s in row.required() and s in said and s not in row.held() for s in named)


def _preferred(row: Row, m: re.Match) -> bool:
    wanted = row.ref.skills(items(row.opening.get("preferred_skills", "")))
    named = _names(m[1])
    return bool(named) and all(s in wanted and s in row.held() for s in named)


def _desired(row: Row, m: re.Match) -> bool:
    x = m[1]
    return norm(x) == norm(row.opening.get("occupation", "")) and any(
        row.ref.same_occupation(d, x) for d in items(row.seeker.get("desired_occupations", ""))
    )


def _past(row: Row, m: re.Match) -> bool:
    x = m[1]
    return norm(x) == norm(row.opening.get("occupation", "")) and any(
        row.ref.same_occupation(p, x) for p in items(row.seeker.get("occupations", ""))
    )


def _related(column: str):
    def check(row: Row, m: re.Match) -> bool:
        y, x = m[1], m[2]
        return (
            y in items(row.seeker.get(column, ""))
            and norm(x) == norm(row.opening.get("occupation", ""))
            and row.ref.same_family(y, x)
        )

    return check


def _old_related(row: Row, m: re.Match) -> bool:
    """The old '관련 직종 경험 (X)': experience, so a past occupation of X's family."""
    x = m[1]
    return any(row.ref.same_family(p, x) or row.ref.same_occupation(p, x)
               for p in items(row.seeker.get("occupations", "")))  # fmt: skip


def _within_limit(row: Row, km: float) -> bool:
    limit = number(row.seeker.get("max_commute_km", ""))
    return km <= limit + 1e-9 if limit is not None else km <= NEAR_KM


def _home(row: Row, m: re.Match) -> bool:
    km = row.km()
    return abs(float(m[1]) - km) <= 0.051 and _within_limit(row, km)


def _band(row: Row, m: re.Match) -> bool:
    km, band = row.km(), float(m[1])
    smallest = next((b for b in DISTANCE_BANDS_KM if km <= b), None)
    return smallest == band and _within_limit(row, km)


def _wage(row: Row, m: re.Match) -> bool:
    o, s = row.opening, row.seeker
    offered = hourly(o.get("wage_type", ""), number(o.get("wage_amount", "")), number(o.get("hours_per_week", "")))
    wanted = hourly(s.get("desired_wage_type", ""), number(s.get("desired_wage_amount", "")),
                    number(s.get("desired_hours", "")))  # fmt: skip
    shown = float(m[1].replace(",", ""))
    return offered is not None and wanted is not None and offered >= wanted - 1e-6 and abs(shown - offered) <= 5.01


def _industry(row: Row, m: re.Match) -> bool:
    x = m[1]
    wanted = {norm(i) for i in items(row.seeker.get("desired_industries", ""))}
    return norm(x) == norm(row.opening.get("industry", "")) and norm(x) in wanted


def _program(row: Row, m: re.Match) -> bool:
    program = row.ref.programs[row.opening.get("program") or "general"]
    if m[1] != program["name_ko"] or program["program"] == "general":
        return False
    low, high = row.age_bounds()
    bounds = [f"만 {low:g}세 이상"] if low is not None else []
    bounds += [f"만 {high:g}세 이하"] if high is not None else []
    return (m[3] or "") == ", ".join(bounds)


def _experience(row: Row, m: re.Match) -> bool:
    need, have = number(row.opening.get("experience_min_years", "")), number(row.seeker.get("experience_years", ""))
    stated_have = float(m[2]) if m[2] is not None else have
    return (
        need is not None and need > 0 and have is not None and have >= need
        and float(m[1]) == need and stated_have == have
    )  # fmt: skip


def _hours(row: Row, m: re.Match) -> bool:
    h, d = number(row.opening.get("hours_per_week", "")), number(row.seeker.get("desired_hours", ""))
    return h is not None and d is not None and float(m[1]) == h and abs(h - d) <= hours_tolerance(d)


def _same_employer(row: Row, m: re.Match) -> bool:
    employer = row.opening["employer_id"]
    return m[1] == row.opening["employer_name"] and any(
        row.opening_of(e)["employer_id"] == employer for e in row.interest(row.seeker["seeker_id"])
    )


def _same_kind(row: Row, m: re.Match) -> bool:
    x = m[1]
    return norm(x) == norm(row.opening.get("occupation", "")) and any(
        row.ref.same_occupation(row.opening_of(e).get("occupation", ""), x)
        for e in row.interest(row.seeker["seeker_id"])
    )


def _co_interest(row: Row, m: re.Match) -> bool:
    me = row.seeker["seeker_id"]
    mine = {e["opening_id"] for e in row.interest(me)}
    liked = [e for e in row.known if e["event"] in INTEREST]
    here = {e["seeker_id"] for e in liked if e["opening_id"] == row.opening["opening_id"]}
    others = {e["seeker_id"] for e in liked if e["opening_id"] in mine} - {me}
    return bool(mine) and bool(here & others)


def _access_met(row: Row, m: re.Match) -> bool:
    needs = set(items(row.seeker.get("access_needs", "")))
    offered = set(items(row.opening.get("access_offered", "")))
    named = _names(m[1])
    names = {ACCESS_KO[c]: c for c in ACCESS_KO}
    return bool(named) and all(n in names and names[n] in needs & offered for n in named)


def _employer_hired_like(row: Row, m: re.Match) -> bool:
    y = m[1]
    if y not in items(row.seeker.get("occupations", "")):
        return False
    employer = row.opening["employer_id"]
    picked = {e["seeker_id"] for e in row.known if e["event"] in EMPLOYER_INTEREST
              and row.opening_of(e)["employer_id"] == employer} - {row.seeker["seeker_id"]}  # fmt: skip
    return any(
        row.ref.same_occupation(p, y) for t in picked for p in items(row.world.seekers[t].get("occupations", ""))
    )


def _old_history(row: Row, m: re.Match) -> bool:
    """The old '전에 관심을 보인 공고와 비슷함': at least some interest before the list's moment."""
    return bool(row.interest(row.seeker["seeker_id"]))


def _old_employer(row: Row, m: re.Match) -> bool:
    """The old '이 기업이 면접·채용한 인재와 비슷한 이력': the employer interviewed or hired someone before."""
    employer = row.opening["employer_id"]
    return any(e["event"] in EMPLOYER_INTEREST and row.opening_of(e)["employer_id"] == employer for e in row.known)


# --------------------------------------------------------------------------- cautions


def _hours_caution(row: Row, m: re.Match) -> bool:
    h, d = number(row.opening.get("hours_per_week", "")), number(row.seeker.get("desired_hours", ""))
    return h is not None and d is not None and (float(m[1]), float(m[2])) == (h, d) and abs(h - d) > hours_tolerance(d)


def _commute_caution(row: Row, m: re.Match) -> bool:
    limit, km = number(row.seeker.get("max_commute_km", "")), row.km()
    return limit is not None and float(m[1]) == limit and km > limit and abs(float(m[2]) - km) <= 0.051


def _wage_caution(row: Row, m: re.Match) -> bool:
    o, s = row.opening, row.seeker
    offered = hourly(o.get("wage_type", ""), number(o.get("wage_amount", "")), number(o.get("hours_per_week", "")))
    wanted = hourly(s.get("desired_wage_type", ""), number(s.get("desired_wage_amount", "")),
                    number(s.get("desired_hours", "")))  # fmt: skip
    shown = (float(m[1].replace(",", "")), float(m[2].replace(",", "")))
    return (
        offered is not None and wanted is not None and offered < wanted
        and abs(shown[0] - offered) <= 5.01 and abs(shown[1] - wanted) <= 5.01
    )  # fmt: skip


def _experience_caution(row: Row, m: re.Match) -> bool:
    need, have = number(row.opening.get("experience_min_years", "")), number(row.seeker.get("experience_years", ""))
    if need is None or need <= 0 or float(m[1]) != need:
        return False
    if m[2] == "미기재":
        return have is None
    return have is not None and have < need and float(m[2].removesuffix("년")) == have


def _education_caution(row: Row, m: re.Match) -> bool:
    need, have = row.opening.get("education_min", ""), row.seeker.get("education", "")
    if not need or m[1] != EDUCATION_KO[need]:
        return False
    if m[2] == "미기재":
        return not have
    return bool(have) and m[2] == EDUCATION_KO[have] and EDUCATION_RANK[have] < EDUCATION_RANK[need]


def _skills_caution(row: Row, m: re.Match) -> bool:
    required = row.required()
    said = row.ref.skills_in_intro(row.seeker.get("intro", ""))
    return bool(required) and not (set(required) & (row.held() | said)) and set(_names(m[1])) <= set(required)


def _access_caution(row: Row, m: re.Match) -> bool:
    needs = set(items(row.seeker.get("access_needs", "")))
    stated = set(items(row.opening.get("access_offered", ""))) | set(items(row.opening.get("access_not_offered", "")))
    names = {ACCESS_KO[c]: c for c in ACCESS_KO}
    named = _names(m[1])
    unknown = needs - stated
    return bool(named) and {names.get(n) for n in named} == unknown


# --------------------------------------------------------------------------- the catalogue

# (kind, sides, pattern, check); check None: a sentence of that kind is never true as a reason (filler).
REASONS: list[tuple[str, str, re.Pattern, object]] = [
    ("skills", "both", re.compile(r"요구 기술 (\d+)개 중 (\d+)개 보유: (.+)"), _skills),
    ("intro_skill", "seeker", re.compile(r"자기소개에 적힌 요구 기술: (.+)"), _intro_skill),
    ("preferred", "both", re.compile(r"우대 기술 보유: (.+)"), _preferred),
    ("desired", "both", re.compile(r"희망 직종과 일치: (.+)"), _desired),
    ("past", "both", re.compile(r"같은 직종 경력: (.+)"), _past),
    ("related_past", "both", re.compile(r"관련 직종 경력: (.+) → (.+)"), _related("occupations")),
    ("related_desired", "both", re.compile(r"희망 직종과 비슷한 일: (.+) → (.+)"), _related("desired_occupations")),
    ("home", "seeker", re.compile(r"집에서 ([\d.]+)km"), _home),
    ("band", "opening", re.compile(r"근무지에서 ([\d.]+)km 이내"), _band),
    ("wage", "seeker", re.compile(r"희망 시급 이상 \(([\d,]+)원\)"), _wage),
    ("industry", "seeker", re.compile(r"희망 업종: (.+)"), _industry),
    ("experience", "both", re.compile(r"요구 경력 충족 \(([\d.]+)년 이상(?:, 경력 ([\d.]+)년)?\)"), _experience),
    ("hours", "both", re.compile(r"희망 근무시간과 맞음 \(주 (\d+)시간\)"), _hours),
    ("same_employer", "seeker", re.compile(r"전에 관심을 보인 기업: (.+)"), _same_employer),
    ("same_kind", "seeker", re.compile(r"전에 관심을 보인 일과 같은 직종: (.+)"), _same_kind),
    ("co_interest", "seeker", re.compile(r"비슷한 구직자들이 관심을 보인 공고"), _co_interest),
    ("access_met", "seeker", re.compile(r"필요한 편의 제공: (.+)"), _access_met),
    (
        "employer_hired_like",
        "opening",
        re.compile(r"이 기업이 면접·채용한 사람과 같은 직종 경력: (.+)"),
        _employer_hired_like,
    ),
    ("program", "seeker", re.compile(r"(.+) 대상( \((.+)\))?"), _program),
    # the wording before issue 12, judged on what each claims
    ("old_related", "both", re.compile(r"관련 직종 경험 \((.+)\)"), _old_related),
    ("old_history", "seeker", re.compile(r"전에 관심을 보인 공고와 비슷함"), _old_history),
    ("old_employer", "opening", re.compile(r"이 기업이 면접·채용한 인재와 비슷한 이력"), _old_employer),
    ("old_text", "both", re.compile(r"경력·자기소개가 공고 내용과 비슷함"), None),
    ("old_open", "both", re.compile(r".*모집 중.*"), None),
    ("old_eligible", "both", re.compile(r"지원 자격 충족"), None),
]
CAUTIONS: list[tuple[str, str, re.Pattern, object]] = [
    ("hours", "both", re.compile(r"주 (\d+)시간 \(희망 주 (\d+)시간\)"), _hours_caution),
    ("commute", "seeker", re.compile(r"통근 한도 ([\d.]+)km 초과 \(([\d.]+)km\)"), _commute_caution),
    ("wage", "seeker", re.compile(r"희망 시급 미만 \(시급 ([\d,]+)원, 희망 ([\d,]+)원\)"), _wage_caution),
    ("experience", "both", re.compile(r"요구 경력 ([\d.]+)년 \(경력 ([\d.]+년|미기재)\)"), _experience_caution),
    ("education", "both", re.compile(r"요구 학력 (\S+) \(학력 (\S+)\)"), _education_caution),
    ("skills", "both", re.compile(r"요구 기술 미보유: (.+)"), _skills_caution),
    ("access", "seeker", re.compile(r"접근성 확인 필요 \((.+)\)"), _access_caution),
]
# Kinds whose sentence is never true as a reason: filler, or a claim no row can decide.
UNDECIDABLE = {"old_text"}
FILLER = {"old_open", "old_eligible"}


def _kind(catalogue: list, text: str, side: str) -> tuple[str, str, re.Match | None, object]:
    for kind, sides, pattern, check in catalogue:
        found = pattern.fullmatch(text)
        if found:
            return kind, sides, found, check
    return "unknown", "both", None, None


@dataclass
class Verdict:
    kind: str
    text: str
    ok: bool
    why: str = ""


class Judge:
    """Judges the reasons and cautions of list rows of one world at one moment."""

    def __init__(self, world: World, moment: datetime) -> None:
        self.world = world
        self.moment = moment
        self.known = world.before(moment)

    @classmethod
    def for_day(cls, world: World, day: str) -> Judge:
        """Lists for a day know every event of that day (as the hard rules do)."""
        return cls(world, datetime.fromisoformat(day) + timedelta(days=1))

    def row(self, side: str, seeker: dict[str, str], opening_id: str) -> Row:
        return Row(side, seeker, self.world.openings[opening_id], self.known, self.world)

    def reasons(self, row: Row, reasons: Iterable[str]) -> list[Verdict]:
        out = []
        for text in reasons:
            kind, sides, found, check = _kind(REASONS, text, row.side)
            if found is None:
                out.append(Verdict(kind, text, False, "no known kind"))
            elif sides not in ("both", row.side):
                out.append(Verdict(kind, text, False, f"a {sides}-side sentence on the {row.side} side"))
            elif kind in FILLER:
                out.append(Verdict(kind, text, False, "filler: says nothing about the pair"))
            elif kind in UNDECIDABLE:
                out.append(Verdict(kind, text, False, "undecidable from the rows"))
            else:
                out.append(Verdict(kind, text, bool(check(row, found)), "false"))
        return out

    def cautions(self, row: Row, cautions: Iterable[str]) -> list[Verdict]:
        out = []
        for text in cautions:
            kind, sides, found, check = _kind(CAUTIONS, text, row.side)
            if found is None:
                out.append(Verdict(kind, text, False, "no known kind"))
            elif sides not in ("both", row.side):
                out.append(Verdict(kind, text, False, f"a {sides}-side caution on the {row.side} side"))
            else:
                out.append(Verdict(kind, text, bool(check(row, found)), "false"))
        return out

    def missing_cautions(self, row: Row, cautions: Iterable[str]) -> list[str]:
        """Stated preferences a seeker-side pair misses without the caution the spec requires."""
        if row.side != "seeker":
            return []
        kinds = {_kind(CAUTIONS, text, row.side)[0] for text in cautions}
        missing = []
        h, d = number(row.opening.get("hours_per_week", "")), number(row.seeker.get("desired_hours", ""))
        if h is not None and d is not None and abs(h - d) > hours_tolerance(d) and "hours" not in kinds:
            missing.append("hours")
        limit = number(row.seeker.get("max_commute_km", ""))
        if limit is not None and row.km() > limit + 0.05 and "commute" not in kinds:
            missing.append("commute")
        need = number(row.opening.get("experience_min_years", ""))
        have = number(row.seeker.get("experience_years", ""))
        if need and (have is None or have < need) and "experience" not in kinds:
            missing.append("experience")
        needs = set(items(row.seeker.get("access_needs", "")))
        stated = set(items(row.opening.get("access_offered", ""))) | set(
            items(row.opening.get("access_not_offered", ""))
        )
        if needs - stated and "access" not in kinds:
            missing.append("access")
        return missing

    def check(
        self, side: str, seeker: dict[str, str], opening_id: str, reasons: Iterable[str], cautions: Iterable[str] = ()
    ) -> list[str]:
        """Every problem of one list row, as readable lines (empty: all true)."""
        row = self.row(side, seeker, opening_id)
        reasons, cautions = list(reasons), list(cautions)
        where = f"{side} {seeker['seeker_id']}→{opening_id}"
        problems = [f"{where}: reason [{v.kind}] {v.why}: {v.text}" for v in self.reasons(row, reasons) if not v.ok]
        problems += [f"{where}: caution [{v.kind}] {v.why}: {v.text}" for v in self.cautions(row, cautions) if not v.ok]
        problems += [f"{where}: no caution for the missed {kind}" for kind in self.missing_cautions(row, cautions)]
        if side == "opening":
            problems += [f"{where}: an employer may not read: {t}" for t in reasons + cautions
                         if EMPLOYER_FORBIDDEN.search(row.without_names(t))]  # fmt: skip
        if len(reasons) > 4 or len(set(reasons)) != len(reasons):
            problems.append(f"{where}: more than four reasons, or one twice: {reasons}")
        return problems
