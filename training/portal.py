"""Import national job-portal postings (고용24 / WorkNet) into a contract ``openings.csv``.

The portal shows each posting as about thirty Korean text fields (임금조건, 근무시간,
학력, 경력조건, 자격면허, 근무예정지, ...). :func:`convert_postings` reads a CSV of them,
one posting a row, and writes the contract's ``openings.csv`` (shared/spec/data-format.md)
plus ``<out stem>-report.csv`` listing every row that could not be converted fully,
with the reason in Korean for the job-center staff. Every input row is either written
or reported: nothing is dropped silently.

How the fields are read (the rules behind the parsers below):

- Wage: the lower bound of 임금조건 (``월급 2,900,000원 이상 ~ 3,400,000원 이하``),
  else of ``wage_summary`` (``월급 290 만원 ~ 340 만원``). A daily wage (일급) is not
  in the contract: it becomes an hourly wage divided by the day's hours (8 if
  unknown); a weekly wage (주급) likewise by the week's hours (40 if unknown).
- Hours per week: ``주 소정근로시간 : 40시간`` when stated, else the first shift
  of the day (start to end, minus the stated break, or minus the legal minimum
  break: 30 min from 4 h of work, 1 h from 8 h) times the days of 근무형태
  (``주 5일 근무``).
- Employment type: 일용 → daily; 시간(선택)제, or fewer than 30 hours a week
  (the OECD part-time line) → part_time; 기간의 정함이 있는 → contract;
  기간의 정함이 없는 → full_time.
- Education and experience: the lower bound of a range; experience that is only
  preferred (우대) is not a minimum (0).
- Licences (자격면허): ``X(필수)`` → required, ``X(우대)`` → preferred, keeping the
  portal's names (the synonym table normalises them at ranking time). A short
  licence name in the free ``기타 :`` part is taken as preferred unless it says
  (필수); longer free text there is reported, not guessed.
- Age: only an explicit eligibility bound in the text (``참여대상자 50세 ~ 64세``,
  ``지원자격 ... 만 55세 이상``), never a preference (우대) or a retirement age
  (정년); each one is reported so staff can confirm it.
- Location: an address in 서울특별시 성동구 gives the administrative dong (행정동)
  directly, or through the legal dong (법정동) written in the address and
  ``matcher/data/legal_dongs.csv``; lat/lon stay empty (the loader fills the dong
  centroid). Five legal dongs span several administrative dongs; the table maps
  each to the one that holds most of it and the row is reported for a check:

  ========== ====================== =========================================
  법정동       mapped to              also covers
  ========== ====================== =========================================
  성수동1가     성수1가1동               성수1가2동
  성수동2가     성수2가1동               성수2가3동 (성수2가1동: 21,430 residents,
                                      1.18 km²; 성수2가3동: 12,440, 1.03 km²;
                                      2011 figures)
  행당동       행당1동 (왕십리역, 구청)    행당2동, 사근동 (east of the 경원선)
  하왕십리동     왕십리2동 (only 하왕십리동)  왕십리도선동
  송정동       송정동                   용답동
  ========== ====================== =========================================

  홍익동 lies wholly in 왕십리도선동. A road-name address with no legal dong
  (``서울특별시 성동구 아차산로 143``) cannot be placed without a geocoder: the major
  roads (왕십리로, 아차산로, 뚝섬로, 고산자로, 마장로, 독서당로, 금호로...) each cross
  several dongs, so no road table is kept and such rows are reported. An address
  outside the district keeps its own dong name (``창전동``; prefixed with the
  region when the name also exists in Seongdong, e.g. ``광산구 송정동``) with
  lat/lon empty, and is reported: the contract loader refuses such a row until
  staff give it lat/lon.

The report file is written with a UTF-8 BOM so that Excel opens the Korean text;
``openings.csv`` is plain UTF-8 like every contract file the project writes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from matcher import cells, contract, reference
from matcher.domain import WEEKS_PER_MONTH

OPENING_FIELDS: tuple[str, ...] = tuple(c.name for c in contract.OPENING_COLUMNS)
OPENING_TEXT = frozenset(c.name for c in contract.OPENING_COLUMNS if c.kind in ("text", "list"))
REPORT_FIELDS: tuple[str, ...] = (
    "line",
    "wanted_auth_no",
    "column",
    "value",
    "kind",
    "reason",
    "converted",
)
PART_TIME_BELOW_HOURS = 30
MAX_PLAUSIBLE_WEEKLY_HOURS = 60
DEFAULT_DAY_HOURS = 8.0
DEFAULT_WEEK_HOURS = 40.0
SHOWN_VALUE_CHARS = 200

# Legal dongs that more than one administrative dong covers; the first named is the one
# legal_dongs.csv maps it to (see the module docstring for why).
SHARED_LEGAL_DONGS: dict[str, tuple[str, ...]] = {
    "성수동1가": ("성수1가1동", "성수1가2동"),
    "성수동2가": ("성수2가1동", "성수2가3동"),
    "행당동": ("행당1동", "행당2동", "사근동"),
    "하왕십리동": ("왕십리2동", "왕십리도선동"),
    "송정동": ("송정동", "용답동"),
}

# --- regular expressions (each with a sample of the text it matches) -----------------

# "월급 2,900,000원 이상 ~ 3,400,000원 이하", "시급 10,030원 이상"
_WAGE = re.compile(r"(시급|일급|주급|월급|연봉)\s*([\d,]+)\s*원")
# "월급 290 만원 ~ 340 만원", "연봉 2,600 만원 ~ 3,400 만원", "시급 10,030 원 이상"
_WAGE_SUMMARY = re.compile(r"(시급|일급|주급|월급|연봉)\s*([\d,]+)\s*(만\s*원|원)")
# "주 소정근로시간 : 40시간", "주 소정근로시간 : 14.5시간"
_STATED_HOURS = re.compile(r"주\s*소정\s*근로\s*시간\s*:?\s*(\d+(?:\.\d+)?)\s*시간")
# "주15시간", "주 40시간" (but not a cap: "주 52시간 내 초과근무")
_WEEK_HOURS = re.compile(r"주\s*(\d+(?:\.\d+)?)\s*시간(?!\s*(?:내|이내|이하|초과|미만|까지))")
# "월 165시간" (three digits: not "매월 10시간 초과근무")
_MONTH_HOURS = re.compile(r"월\s*(\d{3})\s*시간")
# "1일 6시간", "하루 8시간", "실근로시간 4.5시간", "일근무시간8시간"
_DAY_HOURS = re.compile(
    r"(?:1일|하루|실근로\s*시간|일\s*근무\s*시간)\s*:?\s*(\d+(?:\.\d+)?)\s*시간(?!\s*(?:이내|이상|초과))"
)
# "(오전) 9시 00분", "(오후) 5시 30분", "(정오) 12시 00분", "(오전)12시 30분", "오전4시"
_CLOCK_KO = r"\(?(오전|오후|정오)\)?\s*(\d{1,2})\s*시\s*(?:(\d{1,2})\s*분)?"
# "(오전) 9시 00분 ~ (오후) 6시 00분"
_RANGE_KO = re.compile(_CLOCK_KO + r"\s*~\s*" + _CLOCK_KO)
# "07:30~12:00", "08:00 - 18:00", "16:40~익일08:40"
_RANGE_DIGITS = re.compile(r"(\d{1,2}):(\d{2})\s*[~-]\s*(?:익일\s*)?(\d{1,2}):(\d{2})")
# "06시30분~15시30분", "9시~18시" (a 24-hour clock in Korean words)
_RANGE_HOURS = re.compile(r"(\d{1,2})\s*시\s*(?:(\d{1,2})\s*분)?\s*~\s*(\d{1,2})\s*시\s*(?:(\d{1,2})\s*분)?")
# "휴게시간( (오후) 12시00분~(오후) 01시00분)"
_BREAK_KO = re.compile(r"휴게시간\(\s*" + _CLOCK_KO + r"\s*~\s*" + _CLOCK_KO + r"\s*\)")
# "(휴게 2시간)", "휴게시간 1시간 30분", "휴게1.5시간"
_BREAK_TEXT = re.compile(r"휴게\s*(?:시간)?\s*:?\s*(\d+(?:\.\d+)?)\s*시간(?:\s*(\d{1,2})\s*분)?")
# "주 5일 근무", "주5일"
_DAYS = re.compile(r"주\s*([1-7])\s*일")
# "기간의 정함이 없는 근로계약(시간(선택)제)"
_PART_TIME_LABEL = re.compile(r"시간\s*\(\s*선택\s*\)\s*제|시간제|단시간")
# "일용근로", "일용직"
_DAILY_LABEL = re.compile(r"일용")
# "기간의 정함이 있는 근로계약 12개월"
_FIXED_TERM = re.compile(r"기간의\s*정함이\s*있는")
# "기간의 정함이 없는 근로계약"
_OPEN_ENDED = re.compile(r"기간의\s*정함이\s*없는")
# "학력무관", "고졸 ~ 대졸(4년)", "대졸(2~3년) ~ 석사", "중졸이하"
_EDUCATION = re.compile(
    r"(학력\s*무관|초졸|중졸|고졸|전문대졸?|대졸\s*\(\s*2\s*~\s*3\s*년\s*\)|대졸\s*\(\s*4\s*년\s*\)|석사|박사)"
)
# "경력 (최소 1년 0 개월 이상) 필수", "경력 (최소 0년 6 개월 이상) 우대"
_EXPERIENCE = re.compile(r"경력\s*\(\s*최소\s*(\d+)\s*년\s*(\d+)\s*개월\s*이상\s*\)\s*(필수|우대)?")
# "관계없음", "신입", "경력무관"
_NO_EXPERIENCE = re.compile(r"관계\s*없음|무관|신입")
# "요양보호사(필수)", "건설기계조종사면허(지게차)(우대)"
_LICENCE_ITEM = re.compile(r"(.+?)\s*\((필수|우대)\)\s*$")
# "기타 : 운전면허"
_LICENCE_OTHER = re.compile(r"기타\s*:\s*")
# "요양보호사 자격증 소지자 우대" → "요양보호사 자격증" (holder and strength words)
_LICENCE_HOLDER = re.compile(r"\s*(?:소지자|보유자|취득자)?\s*(?:우대|필수)?\s*$")
# "요양보호사 자격", "요양보호사 자격증" → "요양보호사" (a separate word only)
_LICENCE_WORD = re.compile(r"\s+자격증?$")
# "버스운전자격증" → "버스운전자격", "운전면허증" → "운전면허"
_LICENCE_CARD = re.compile(r"(자격|면허)증$")
# words that mark free text rather than a licence name: "3톤이하 지게차", "조경 및 임업관련"
_NOT_A_LICENCE = re.compile(r"이상|이하|경력|가능|구함|없음|또는|및|관련|따른|해당|필요|\d+\s*년")
# "7명", "0명"
_POSITIONS = re.compile(r"(\d+)\s*명")
# "2025.02.21 17:08:36", "2025-02-21", "2025.2.21"
_PORTAL_DATE = re.compile(r"(\d{4})\s*[.\-/]\s*(\d{1,2})\s*[.\-/]\s*(\d{1,2})")
# "채용시까지 마감시간 : 24시", "상시채용"
_OPEN_DEADLINE = re.compile(r"채용\s*시\s*까지|상시|수시")
# "K120312502210034": office code, then YYMMDD, then a serial
_AUTH_NO_DATE = re.compile(r"^[A-Za-z][A-Za-z0-9]{5}(\d{2})(\d{2})(\d{2})\d{4}$")
# "1명 (장애인만 채용)"
_DISABLED_ONLY = re.compile(r"장애인\s*만\s*채용")
# "서울특별시 성동구 ...", "서울 성동구 ..."
_SEONGDONG = re.compile(r"^\s*서울(?:특별시|시)?\s*성동구(?:\s|$|,|\()")
# "(창전동)", "(춘의동, 춘의테크노파크II)", "(남대문로4가)"
_PAREN = re.compile(r"\(([^()]*)\)")
# "창전동", "노원동3가", "남대문로4가", "점동면", "청학리"
_DONG_LIKE = re.compile(r"[가-힣]+\d*(?:동|가|읍|면|리)")
# "경기도 부천시 원미구", "서울특별시 마포구", "서울 영등포구" (the region before the dong)
_REGION = re.compile(r"^\s*(\S+)\s+(\S+(?:시|군|구))(?:\s+(\S+구))?")
# "성수1가제1동" → "성수1가1동", "금호2.3가동" → "금호2·3가동"
_ADMIN_DONG_JE = re.compile(r"제(?=\d+동)")
_ADMIN_DONG_DOT = re.compile(r"(?<=\d)[.,ㆍ・](?=\d)")
# age bounds stated as eligibility: "50세 ~ 64세", "만 55세 이상 고령자", "만 65세 미만자"
_AGE_RANGE = re.compile(r"만?\s*(\d{2})\s*세\s*~\s*만?\s*(\d{2})\s*세")
_AGE_BOUND = re.compile(r"만\s*(\d{2})\s*세\s*(이상|이하|미만)")
# the person a bound describes, right after it: "인 자", "자로서", "고령자", "인 사람"
_AGE_PERSON = re.compile(r"\s*(?:인\s*|의\s*)?(?:자|사람|분|고령자)")
# the last of these words before an age decides: an eligibility condition ("참여대상자",
# "응시자격", "지원조건") or not ("우대사항", "정년")
_AGE_KEYWORD = re.compile(r"자격|대상|조건|우대|정년")
# legal-form words dropped before hashing an employer name: "(주)", "주식회사", "㈜"
_LEGAL_FORM = re.compile(r"\(주\)|㈜|주식회사|유한회사|\(유\)|\(재\)|재단법인|사단법인|\(사\)|\s+")


# --- report --------------------------------------------------------------------------


@dataclass(frozen=True)
class PostingProblem:
    """One thing in one posting that could not be converted as it stands."""

    line: int
    wanted_auth_no: str
    column: str
    value: str
    kind: str
    reason: str
    converted: bool  # True: the row is in openings.csv with this field empty or estimated

    def __str__(self) -> str:
        state = "" if self.converted else " [제외됨]"
        return f"{self.line}행 {self.wanted_auth_no} {self.column}: {self.reason}{state}"


@dataclass
class PostingReport:
    """What :func:`convert_postings` did: rows written, rows skipped, every problem."""

    source: Path
    out: Path
    report_path: Path
    total: int = 0
    converted: int = 0
    problems: list[PostingProblem] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        """Rows that were not written to ``openings.csv``."""
        return self.total - self.converted

    @property
    def reported_rows(self) -> int:
        """Rows with at least one problem (written or not)."""
        return len({p.line for p in self.problems})

    def kind_counts(self) -> Counter[str]:
        """How many problems of each kind."""
        return Counter(p.kind for p in self.problems)


@dataclass
class _Row:
    """Problems found while converting one posting."""

    line: int
    auth_no: str
    problems: list[PostingProblem] = field(default_factory=list)
    fatal: bool = False

    def note(self, column: str, value: str, kind: str, reason: str, *, fatal: bool = False) -> None:
        self.fatal = self.fatal or fatal
        self.problems.append(PostingProblem(self.line, self.auth_no, column, _shorten(value), kind, reason, not fatal))


def _josa(word: str, after_final: str, after_vowel: str) -> str:
    """The word with the particle its last syllable takes: 은/는, 이/가, 으로/로."""
    last = word[-1:]
    if not ("가" <= last <= "힣"):
        return word + after_final
    final = (ord(last) - ord("가")) % 28
    if after_final == "으로" and final == 8:  # a final ㄹ takes 로
        return word + after_vowel
    return word + (after_final if final else after_vowel)


def _shorten(value: str) -> str:
    value = " ".join(str(value).split())
    return value if len(value) <= SHOWN_VALUE_CHARS else value[: SHOWN_VALUE_CHARS - 1] + "…"


# --- wages ---------------------------------------------------------------------------


def _amount(digits: str) -> int:
    return int(digits.replace(",", ""))


def parse_wage(condition: str, summary: str = "") -> tuple[str, int] | None:
    """The pay unit (시급/일급/주급/월급/연봉) and lower-bound amount in KRW, or None."""
    match = _WAGE.search(condition or "")
    if match:
        return match.group(1), _amount(match.group(2))
    match = _WAGE_SUMMARY.search(summary or "")
    if match:
        scale = 10_000 if match.group(3).startswith("만") else 1
        return match.group(1), _amount(match.group(2)) * scale
    return None


def _per_hour(unit: str, amount: int, hours: float | None, default: float, span: str) -> tuple[str, int, str]:
    """A daily or weekly wage as an hourly one, with a note saying how."""
    used = hours or default
    hourly = round(amount / used)
    basis = f"{span} 근무시간 {used:g}시간" if hours else f"{span} 근무시간을 몰라 {used:g}시간"
    return "hourly", hourly, f"{unit} {amount:,}원을 {basis}으로 나눠 시급 {hourly:,}원으로 환산"


def contract_wage(unit: str, amount: int, day_hours: float | None, week_hours: float | None) -> tuple[str, int, str]:
    """Map a portal wage to the contract's (wage_type, amount) and a note when converted."""
    direct = {"시급": "hourly", "월급": "monthly", "연봉": "annual"}
    if unit in direct:
        return direct[unit], amount, ""
    if unit == "일급":
        return _per_hour(unit, amount, day_hours, DEFAULT_DAY_HOURS, "하루")
    return _per_hour(unit, amount, week_hours, DEFAULT_WEEK_HOURS, "주")


# --- hours ---------------------------------------------------------------------------


def parse_stated_hours(text: str) -> float | None:
    """Weekly hours when the posting states them (주 소정근로시간, '주15시간', '월 165시간')."""
    text = text or ""
    for pattern, weeks in (
        (_STATED_HOURS, 1.0),
        (_WEEK_HOURS, 1.0),
        (_MONTH_HOURS, WEEKS_PER_MONTH),
    ):
        match = pattern.search(text)
        if match:
            return float(match.group(1)) / weeks
    return None


def _clock(label: str, hour: str, minute: str | None) -> float:
    """A 12-hour Korean clock reading as hours since midnight (24-hour inputs pass)."""
    h = int(hour) % 24 if label != "정오" else 12
    if label == "오전" and h == 12:
        h = 0
    elif label == "오후" and h < 12:
        h += 12
    return h + int(minute or 0) / 60


def _span(start: float, end: float) -> float:
    """Hours from start to end, past midnight when end is not after start."""
    return end - start if end > start else end - start + 24


def _ko_interval(groups: tuple[str | None, ...]) -> tuple[float, float]:
    """(start, hours) of '(오전) 9시 00분 ~ (오후) 6시 00분'.

    '(오전) 12시' is midnight, but as the end of a shift that starts in the morning
    it is read as noon ('(오전) 8시 30분~(오전)12시 30분').
    """
    start = _clock(groups[0], groups[1], groups[2])
    end = _clock(groups[3], groups[4], groups[5])
    if groups[3] == "오전" and int(groups[4]) == 12 and start < 12:
        end = 12 + int(groups[5] or 0) / 60
    return start, _span(start, end)


def _clock24_interval(groups: tuple[str | None, ...]) -> tuple[float, float]:
    """(start, hours) of '07:30~12:00' or '06시30분~15시30분' (24-hour clock)."""
    h1, m1, h2, m2 = (int(g or 0) for g in groups)
    start = h1 % 24 + m1 / 60
    return start, _span(start, h2 % 24 + m2 / 60)


_SHIFT_PATTERNS = (
    (_RANGE_KO, _ko_interval),
    (_RANGE_DIGITS, _clock24_interval),
    (_RANGE_HOURS, _clock24_interval),
)


def _first_shift(text: str) -> tuple[float, float] | None:
    """(start, hours) of the first start~end range written in the text."""
    found = []
    for rank, (pattern, interval_of) in enumerate(_SHIFT_PATTERNS):
        match = pattern.search(text)
        if match:
            found.append((match.start(), rank, interval_of(match.groups())))
    return min(found)[2] if found else None


def _overlap(shift: tuple[float, float], pause: tuple[float, float]) -> float:
    """Hours of a break that fall inside a shift (both as (start, hours), clock wraps)."""
    offset = (pause[0] - shift[0]) % 24
    return max(0.0, min(offset + pause[1], shift[1]) - offset) if offset < shift[1] else 0.0


def _legal_min_break(span: float) -> float:
    """The shortest break the Labor Standards Act (Art. 54) allows for a span of work."""
    if span >= 9:
        return 1.0
    if span >= 4.5:
        return 0.5
    return 0.0


def _break_within(text: str, shift: tuple[float, float]) -> float:
    """Break hours within a shift.

    From the portal's 휴게시간(...) times, else a stated '휴게 2시간', else the legal minimum.
    """
    timed = _BREAK_KO.search(text)
    if timed:
        return _overlap(shift, _ko_interval(timed.groups()))
    stated = _BREAK_TEXT.search(text)
    if stated:
        hours = float(stated.group(1)) + int(stated.group(2) or 0) / 60
        if hours < shift[1]:
            return hours
    return _legal_min_break(shift[1])


def parse_day_hours(text: str) -> float | None:
    """Hours worked in a day: stated ('1일 6시간'), else the first shift minus its break."""
    text = text or ""
    stated = _DAY_HOURS.search(text)
    if stated:
        hours = float(stated.group(1))
        return hours if 0 < hours <= 16 else None
    shift = _first_shift(_BREAK_KO.sub(" ", text))
    if shift is None:
        return None
    worked = shift[1] - _break_within(text, shift)
    return worked if 0 < worked <= 16 else None


def parse_days_per_week(*texts: str) -> int | None:
    """Working days a week ('주 5일 근무'), from the first text that states them."""
    for text in texts:
        match = _DAYS.search(text or "")
        if match:
            return int(match.group(1))
    return None


def schedule_hours(hours_text: str, schedule: str) -> int | None:
    """Hours per week computed from the day's hours times the days a week, if plausible."""
    day = parse_day_hours(hours_text)
    days = parse_days_per_week(schedule, hours_text)
    if day is None or days is None:
        return None
    week = round(day * days)
    return week if 0 < week <= MAX_PLAUSIBLE_WEEKLY_HOURS else None


def weekly_hours(hours_text: str, schedule: str) -> tuple[int | None, str]:
    """Hours per week and how they were found ('stated', 'computed' or '')."""
    stated = parse_stated_hours(hours_text)
    if stated is not None and 0 < stated <= 168:
        return round(stated), "stated"
    week = schedule_hours(hours_text, schedule)
    return (week, "computed") if week is not None else (None, "")


# --- employment, education, experience ------------------------------------------------


def employment_type(text: str, hours_per_week: int | None) -> str | None:
    """Contract employment type from 고용형태 and the weekly hours."""
    text = text or ""
    if _DAILY_LABEL.search(text):
        return "daily"
    if _PART_TIME_LABEL.search(text):
        return "part_time"
    if hours_per_week is not None and hours_per_week < PART_TIME_BELOW_HOURS:
        return "part_time"
    if _FIXED_TERM.search(text):
        return "contract"
    if _OPEN_ENDED.search(text):
        return "full_time"
    return None


_EDUCATION_LEVEL = {
    "학력무관": "none",
    "초졸": "none",
    "중졸": "middle",
    "고졸": "high",
    "전문대": "college",
    "전문대졸": "college",
    "대졸(2~3년)": "college",
    "대졸(4년)": "university",
    "석사": "graduate",
    "박사": "graduate",
}
_EDUCATION_ORDER = ("none", "middle", "high", "college", "university", "graduate")


def parse_education(text: str) -> str | None:
    """The lowest education level named in 학력 ('고졸 ~ 대졸(4년)' → high)."""
    levels = [_EDUCATION_LEVEL[re.sub(r"\s+", "", m)] for m in _EDUCATION.findall(text or "")]
    return min(levels, key=_EDUCATION_ORDER.index) if levels else None


def parse_experience(text: str) -> tuple[float, bool] | None:
    """Minimum years of experience and whether they are required (필수) rather than preferred."""
    match = _EXPERIENCE.search(text or "")
    if match:
        years = int(match.group(1)) + int(match.group(2)) / 12
        return round(years, 2), match.group(3) != "우대"
    if _NO_EXPERIENCE.search(text or ""):
        return 0.0, False
    return None


# --- licences ------------------------------------------------------------------------


@dataclass
class Licences:
    """Licences of a posting: required, preferred, and free text left unread."""

    required: list[str] = field(default_factory=list)
    preferred: list[str] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)


def _clean_licence(name: str) -> str:
    return " ".join(name.replace(";", ",").split()).strip(" ,./-·")


def _licence_name(text: str) -> str:
    """A licence name from a short free phrase ('요양보호사 자격증 소지자 우대' → '요양보호사')."""
    name = _LICENCE_HOLDER.sub("", text.strip())
    name = _LICENCE_CARD.sub(r"\1", _LICENCE_WORD.sub("", name))
    return _clean_licence(name)


def _add(names: list[str], name: str, *others: list[str]) -> None:
    key = reference.normalize_term(name)
    if name and all(key != reference.normalize_term(n) for n in names + [x for o in others for x in o]):
        names.append(name)


def _read_other(text: str, out: Licences) -> None:
    """Take short licence names from the free '기타 :' text; keep the rest as unread."""
    for piece in re.split(r"[,/]", text):
        piece = piece.strip()
        if not piece:
            continue
        required = "(필수)" in piece
        name = _licence_name(piece.replace("(필수)", "").replace("(우대)", ""))
        if not name or len(name) > 15 or len(name.split()) > 2 or _NOT_A_LICENCE.search(name):
            out.unread.append(piece)
        elif required:
            _add(out.required, name, out.preferred)
        else:
            _add(out.preferred, name, out.required)


def parse_licences(text: str) -> Licences:
    """Split 자격면허 ('요양보호사(필수) , 운전면허(우대) 기타 : ...') into licence lists."""
    out = Licences()
    text = (text or "").strip()
    if not text or re.fullmatch(r"관계\s*없음|무관|없음", text):
        return out
    parts = _LICENCE_OTHER.split(text, maxsplit=1)
    for item in parts[0].split(","):
        item = item.strip()
        if not item or re.fullmatch(r"관계\s*없음", item):
            continue
        match = _LICENCE_ITEM.match(item)
        name = _clean_licence(match.group(1) if match else item)
        if match and match.group(2) == "필수":
            _add(out.required, name, out.preferred)
        else:
            _add(out.preferred, name, out.required)
    if len(parts) > 1:
        _read_other(parts[1], out)
    # A licence both required and preferred is required.
    out.preferred = [p for p in out.preferred if p not in out.required]
    return out


# --- counts, dates, groups, ages -----------------------------------------------------


def parse_positions(text: str) -> int | None:
    """Number of people hired ('7명' → 7); None when unreadable."""
    match = _POSITIONS.search(text or "")
    return int(match.group(1)) if match else None


def parse_portal_date(text: str) -> date | None:
    """The date of a portal timestamp ('2025.02.21 17:08:36' → 2025-02-21)."""
    match = _PORTAL_DATE.search(text or "")
    if not match:
        return None
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def date_from_auth_no(auth_no: str) -> date | None:
    """The registration date coded in a portal id ('K120312502210034' → 2025-02-21)."""
    match = _AUTH_NO_DATE.match(auth_no or "")
    if not match:
        return None
    yy, mm, dd = (int(g) for g in match.groups())
    try:
        return date(2000 + yy, mm, dd)
    except ValueError:
        return None


def is_open_deadline(text: str) -> bool:
    """True when the deadline is 'until filled' (채용시까지)."""
    return bool(_OPEN_DEADLINE.search(text or ""))


def parse_ages(text: str) -> tuple[int | None, int | None, str]:
    """Eligibility ages stated in the text, and the phrase they came from."""
    text = text or ""
    for match in _AGE_RANGE.finditer(text):
        if _is_age_limit(text, match):
            return int(match.group(1)), int(match.group(2)), match.group(0).strip()
    for match in _AGE_BOUND.finditer(text):
        if _is_age_limit(text, match) and _AGE_PERSON.match(text, match.end()):
            age, how = int(match.group(1)), match.group(2)
            if how == "이상":
                return age, None, match.group(0)
            return None, age if how == "이하" else age - 1, match.group(0)
    return None, None, ""


def _is_age_limit(text: str, match: re.Match[str]) -> bool:
    """True when the words before an age make it a condition, and no 우대 follows it."""
    keywords = _AGE_KEYWORD.findall(text[max(0, match.start() - 80) : match.start()])
    after = text[match.end() : match.end() + 12]
    return bool(keywords) and keywords[-1] in ("자격", "대상", "조건") and "우대" not in after


# --- location ------------------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    """Where a posting's workplace is, as far as the address tells."""

    dong: str
    in_district: bool
    placed: bool
    legal_dong: str = ""


def _admin_name(name: str) -> str:
    return _ADMIN_DONG_DOT.sub("·", _ADMIN_DONG_JE.sub("", name))


def _seongdong_dong(address: str) -> tuple[str, str]:
    """(admin dong, legal dong it came from) for an address in Seongdong-gu, or ('', '')."""
    text = _admin_name(address)
    for name in sorted(reference.dong_names(), key=len, reverse=True):
        if name in text:
            return name, ""
    table = reference.legal_dongs()
    found = [(text.rfind(legal), legal) for legal in table if legal in text]
    if found:
        legal = max(found)[1]  # the last one written: the (참고항목) of a road address
        return table[legal], legal
    return "", ""


def _region(address: str) -> str:
    match = _REGION.match(address)
    return " ".join(g for g in match.groups() if g) if match else address.split(",")[0].strip()


def _outside_dong(address: str) -> str:
    """The best dong-like name of an address outside the district ('창전동')."""
    for inner in reversed(_PAREN.findall(address)):
        first = inner.split(",")[0].strip()
        if _DONG_LIKE.fullmatch(first):
            return first
    for token in re.split(r"[\s,()]+", address):
        if _DONG_LIKE.fullmatch(token):
            return token
    return ""


def locate(address: str, region: str = "") -> Location:
    """Place a workplace address: a Seongdong administrative dong if possible."""
    address = " ".join((address or "").split()) or " ".join((region or "").split())
    if not address:
        return Location("", False, False)
    if _SEONGDONG.match(address):
        dong, legal = _seongdong_dong(address)
        if dong:
            return Location(dong, True, True, legal)
        return Location(_region(address) or address, True, False)
    name = _outside_dong(address)
    if not name:
        return Location(_region(address), False, False)
    if name in reference.dong_names() or name in reference.legal_dongs():
        sigungu = _region(address).split()[-1]
        name = f"{sigungu} {name}"
    return Location(name, False, False)


# --- one posting ---------------------------------------------------------------------


def employer_id(name: str) -> str:
    """A stable employer id from the company name: 'W' and ten hex digits of its hash."""
    key = _LEGAL_FORM.sub("", name or "").casefold()
    return "W" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:10]


def _convert_wage(src: dict[str, str], out: dict[str, str], row: _Row, week: int | None) -> None:
    parsed = parse_wage(src.get("임금조건", ""), src.get("wage_summary", ""))
    if parsed is None:
        shown = src.get("임금조건") or src.get("wage_summary") or ""
        if shown:
            row.note("임금조건", shown, "wage_unread", "임금 금액을 읽을 수 없어 비워 둠")
        return
    unit, amount = parsed
    day = parse_day_hours(src.get("근무시간", ""))
    wage_type, value, note = contract_wage(unit, amount, day, week)
    out["wage_type"], out["wage_amount"] = wage_type, str(value)
    if note:
        row.note("임금조건", src.get("임금조건", ""), "wage_converted", note)


def _convert_hours(src: dict[str, str], out: dict[str, str], row: _Row) -> int | None:
    text, schedule = src.get("근무시간", ""), src.get("근무형태", "")
    week, how = weekly_hours(text, schedule)
    if week is None:
        if text.strip():
            row.note("근무시간", text, "hours_unread", "주 근무시간을 읽거나 계산할 수 없어 비워 둠")
        return None
    out["hours_per_week"] = str(week)
    timetable = schedule_hours(text, schedule) if how == "stated" else None
    if timetable is not None and week < timetable / 2:
        row.note(
            "근무시간",
            text,
            "hours_inconsistent",
            f"주 소정근로시간 {week}시간이 근무시간표(약 {timetable}시간)와 크게 달라 확인 필요",
        )
    return week


def _convert_terms(src: dict[str, str], out: dict[str, str], row: _Row, week: int | None) -> None:
    kind = src.get("고용형태", "")
    out["employment_type"] = employment_type(kind, week) or ""
    if kind.strip() and not out["employment_type"]:
        row.note("고용형태", kind, "employment_unread", "고용형태를 알 수 없어 비워 둠")
    education = src.get("학력", "")
    out["education_min"] = parse_education(education) or ""
    if education.strip() and not out["education_min"]:
        row.note("학력", education, "education_unread", "학력 조건을 알 수 없어 비워 둠")
    career = src.get("경력조건", "")
    experience = parse_experience(career)
    if experience is not None:
        years, required = experience
        out["experience_min_years"] = f"{years:g}" if required else "0"
    elif career.strip():
        row.note("경력조건", career, "experience_unread", "경력 조건을 알 수 없어 비워 둠")


def _convert_licences(src: dict[str, str], out: dict[str, str], row: _Row) -> None:
    text = src.get("자격면허", "")
    licences = parse_licences(text)
    out["required_skills"] = ";".join(licences.required)
    out["preferred_skills"] = ";".join(licences.preferred)
    if licences.unread:
        row.note(
            "자격면허",
            " / ".join(licences.unread),
            "licence_text_unread",
            "자격면허 '기타' 설명문은 자격 목록으로 옮기지 않음 (공고 원문 확인)",
        )


def _convert_dates(src: dict[str, str], out: dict[str, str], row: _Row) -> None:
    posted_text = src.get("채용공고 등록일시", "")
    posted = parse_portal_date(posted_text)
    if posted is None:
        posted = date_from_auth_no(row.auth_no)
        if posted is not None:
            row.note(
                "채용공고 등록일시",
                posted_text,
                "posted_from_id",
                f"등록일시가 없어 구인인증번호의 날짜({posted.isoformat()})로 정함",
            )
        else:
            row.note(
                "채용공고 등록일시",
                posted_text,
                "no_posted_at",
                "채용공고 등록일시가 없어 변환할 수 없음 (posted_at은 필수)",
                fatal=True,
            )
            return
    out["posted_at"] = posted.isoformat()
    deadline_text = src.get("접수마감일", "")
    deadline = parse_portal_date(deadline_text)
    if deadline is not None and deadline >= posted:
        out["deadline"] = deadline.isoformat()
    elif deadline is not None:
        row.note("접수마감일", deadline_text, "deadline_early", "마감일이 등록일보다 앞서 비워 둠")
    elif deadline_text.strip() and not is_open_deadline(deadline_text):
        row.note("접수마감일", deadline_text, "deadline_unread", "마감일을 읽을 수 없어 비워 둠 (상시)")


def _convert_people(src: dict[str, str], out: dict[str, str], row: _Row) -> None:
    text = src.get("모집인원", "")
    count = parse_positions(text)
    out["positions"] = str(count) if count and count > 0 else "1"
    if text.strip() and not (count and count > 0):
        row.note("모집인원", text, "positions_odd", "모집인원이 0이거나 읽을 수 없어 1명으로 둠")
    if _DISABLED_ONLY.search(src.get("장애인 채용인원", "")):
        out["target_groups"] = "disabled"
    age_min, age_max, phrase = parse_ages(src.get("직무내용", ""))
    if phrase:
        out["age_min"] = "" if age_min is None else str(age_min)
        out["age_max"] = "" if age_max is None else str(age_max)
        row.note(
            "직무내용",
            phrase,
            "age_from_text",
            "본문의 연령 조건을 age_min/age_max로 옮김 (확인 필요)",
        )


# Workplace access the posting states, as (code, offered?, pattern); a posting that says nothing
# leaves both columns empty (unknown, never "not offered").
_HOURS_NEGOTIABLE = r"유연\s*근무|시차\s*출퇴근|(요일|시간)[^.\n]{0,12}(탄력|조정\s*가능|협의\s*가능)"
_ACCESS_PHRASES: tuple[tuple[str, bool, re.Pattern[str]], ...] = (
    ("step_free_entrance", True, re.compile(r"휠체어[^.,\n]{0,20}(가능|근무|출입|이용)|경사로|문턱\s*없")),
    ("elevator", False, re.compile(r"(엘리베이터|승강기)\s*(없|미설치|이용\s*불가)")),
    ("elevator", True, re.compile(r"(엘리베이터|승강기)\s*(있|완비|설치|이용\s*가능)")),
    ("accessible_toilet", True, re.compile(r"장애인\s*(전용\s*)?화장실")),
    ("seated_work", True, re.compile(r"앉아서\s*(하는|일|근무|작업)|좌식\s*(근무|작업)")),
    ("seated_work", False, re.compile(r"서서\s*(일|근무|작업|하는)|입식\s*(근무|작업)")),
    ("sign_language", True, re.compile(r"(수어|수화)\s*(통역|가능|지원)")),
    ("flexible_hours", True, re.compile(_HOURS_NEGOTIABLE)),
)


def parse_access(*texts: str) -> tuple[list[str], list[str]]:
    """Access the posting's texts state it offers and does not offer (codes of matcher.domain.ACCESS_KINDS);
    a code stated both ways is left out (unclear)."""
    offered: dict[str, None] = {}
    not_offered: dict[str, None] = {}
    for text in texts:
        plain = " ".join((text or "").split())
        for code, yes, pattern in _ACCESS_PHRASES:
            if pattern.search(plain):
                (offered if yes else not_offered).setdefault(code, None)
    both = offered.keys() & not_offered.keys()
    return [c for c in offered if c not in both], [c for c in not_offered if c not in both]


def _convert_access(src: dict[str, str], out: dict[str, str], row: _Row) -> None:
    offered, not_offered = parse_access(src.get("직무내용", ""), src.get("근무시간", ""))
    out["access_offered"] = ";".join(offered)
    out["access_not_offered"] = ";".join(not_offered)
    if offered or not_offered:
        said = ", ".join([*(f"{c} 제공" for c in offered), *(f"{c} 없음" for c in not_offered)])
        row.note("직무내용", said, "access_from_text", "본문에 적힌 근무 환경을 접근성 항목으로 옮김 (확인 필요)")


def _convert_location(src: dict[str, str], out: dict[str, str], row: _Row) -> None:
    address = src.get("근무예정지", "")
    place = locate(address, src.get("region", ""))
    out["dong"] = place.dong
    shown = address or src.get("region", "")
    if not shown.strip():
        row.note("근무예정지", "", "no_address", "근무예정지가 없어 위치를 정할 수 없음")
    elif not place.in_district:
        row.note(
            "근무예정지",
            shown,
            "outside_district",
            f"주소가 성동구 밖이라 위치를 정할 수 없음 ({_region(' '.join(shown.split()))})",
        )
    elif not place.placed:
        row.note(
            "근무예정지",
            shown,
            "dong_unknown",
            "성동구 주소지만 법정동·행정동이 없어 동을 정할 수 없음 (도로명만 있음)",
        )
    elif place.legal_dong in SHARED_LEGAL_DONGS:
        others = "·".join(SHARED_LEGAL_DONGS[place.legal_dong])
        row.note(
            "근무예정지",
            shown,
            "dong_approximate",
            f"법정동 {_josa(place.legal_dong, '은', '는')} 여러 행정동({others})에 걸쳐 있어 "
            f"{_josa(place.dong, '으로', '로')} 정함 (확인 필요)",
        )


def _scrub_rrn(out: dict[str, str], row: _Row) -> None:
    """Blank anything shaped like a resident registration number (never stored)."""
    for name in ("title", "description", "employer_name"):
        if cells.has_rrn(out.get(name, "")):
            out[name] = cells.redact(out[name])
            row.note(name, "", "rrn_removed", "주민등록번호 형태의 숫자를 지움")


def convert_row(src: dict[str, str], row: _Row) -> dict[str, str]:
    """One portal posting as a contract openings row (problems go to ``row``)."""
    out = dict.fromkeys(OPENING_FIELDS, "")
    company = " ".join(src.get("company", "").split())
    out.update(
        opening_id=row.auth_no,
        employer_id=employer_id(company),
        employer_name=company,
        title=" ".join(src.get("title", "").split()),
        occupation=" ".join(src.get("모집직종", "").split()),
        program="general",
        description=src.get("직무내용", "").strip(),
    )
    for column, label, value in (
        ("company", "회사명", company),
        ("title", "채용 제목", out["title"]),
    ):
        if not value:
            row.note(
                column,
                "",
                "missing_required",
                f"{_josa(label, '이', '가')} 없어 변환할 수 없음",
                fatal=True,
            )
    _convert_location(src, out, row)
    week = _convert_hours(src, out, row)
    _convert_wage(src, out, row, week)
    _convert_terms(src, out, row, week)
    _convert_licences(src, out, row)
    _convert_people(src, out, row)
    _convert_access(src, out, row)
    _convert_dates(src, out, row)
    _scrub_rrn(out, row)
    return out


# --- files ---------------------------------------------------------------------------


def _read_text(path: Path) -> str:
    """The file as text: UTF-8 (BOM or not), else CP949 as Korean Excel saves CSV."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp949")


def _records(text: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and (start line, record) pairs of a CSV text; blank records are skipped."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader, [])]
    if "wanted_auth_no" not in header:
        raise ValueError("not a portal postings file: the header has no 'wanted_auth_no' column")
    rows: list[tuple[int, dict[str, str]]] = []
    end = 1
    for record in reader:
        start, end = end + 1, reader.line_num
        if any(cell.strip() for cell in record):
            padded = (record + [""] * len(header))[: len(header)]
            rows.append((start, dict(zip(header, padded, strict=True))))
    return header, rows


def _write_csv(
    path: Path, fields: tuple[str, ...], rows: list[dict[str, str]], *, bom: bool, text: frozenset[str]
) -> None:
    """Write rows as CSV, the ``text`` columns neutralised against spreadsheet formulas (the contract reads
    them back unchanged; numbers are left as they are)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(fields), lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: cells.neutralise(v) if k in text and v else v for k, v in r.items()} for r in rows)


def _problem_cells(problem: PostingProblem) -> dict[str, str]:
    return {
        "line": str(problem.line),
        "wanted_auth_no": problem.wanted_auth_no,
        "column": problem.column,
        "value": problem.value,
        "kind": problem.kind,
        "reason": problem.reason,
        "converted": "true" if problem.converted else "false",
    }


def report_path_for(out: str | Path) -> Path:
    """The companion report of an output file: ``openings.csv`` → ``openings-report.csv``."""
    out = Path(out)
    return out.with_name(f"{out.stem}-report.csv")


def convert_postings(src: str | Path, out: str | Path) -> PostingReport:
    """Convert a portal postings CSV to a contract ``openings.csv`` and its report.

    Parameters
    ----------
    src : the portal CSV (UTF-8 with or without BOM, or CP949), one posting a row,
        with the portal's column names (``wanted_auth_no``, ``임금조건``, ...).
    out : where to write ``openings.csv``; the report goes beside it as
        ``<out stem>-report.csv``.

    Returns
    -------
    PostingReport
        Counts and every problem: rows written with a field left empty or
        estimated (``converted=True``) and rows not written (``converted=False``).
    """
    src, out = Path(src), Path(out)
    _, records = _records(_read_text(src))
    report = PostingReport(source=src, out=out, report_path=report_path_for(out))
    written: list[dict[str, str]] = []
    seen: set[str] = set()
    for line, record in records:
        row = _Row(line, record.get("wanted_auth_no", "").strip())
        report.total += 1
        if not row.auth_no:
            row.note(
                "wanted_auth_no",
                "",
                "missing_required",
                "구인인증번호가 없어 변환할 수 없음",
                fatal=True,
            )
        elif row.auth_no in seen:
            row.note(
                "wanted_auth_no",
                row.auth_no,
                "duplicate",
                "같은 구인인증번호가 앞에 있어 건너뜀",
                fatal=True,
            )
        else:
            seen.add(row.auth_no)
            converted = convert_row(record, row)
            if not row.fatal:
                written.append(converted)
        if row.fatal:
            row.problems = [p if not p.converted else _as_skipped(p) for p in row.problems]
        report.problems.extend(row.problems)
    report.converted = len(written)
    _write_csv(out, OPENING_FIELDS, written, bom=False, text=OPENING_TEXT)
    problems = [_problem_cells(p) for p in report.problems]
    _write_csv(report.report_path, REPORT_FIELDS, problems, bom=True, text=frozenset(REPORT_FIELDS))
    return report


def _as_skipped(problem: PostingProblem) -> PostingProblem:
    return PostingProblem(
        problem.line,
        problem.wanted_auth_no,
        problem.column,
        problem.value,
        problem.kind,
        problem.reason,
        False,
    )
