"""Tests of the portal (고용24 / WorkNet) postings importer, training/portal.py."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from matcher import contract, reference
from training import portal
from training.portal import convert_postings

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "worknet_senior_postings_2025.csv"
needs_reference = pytest.mark.skipif(
    not REFERENCE.is_file(),
    reason=f"the real portal postings are not beside the repository ({REFERENCE})",
)

# The openings.csv columns of shared/spec/data-format.md, in its order.
SPEC_OPENING_COLUMNS = [
    "opening_id",
    "employer_id",
    "employer_name",
    "title",
    "occupation",
    "industry",
    "dong",
    "lat",
    "lon",
    "wage_type",
    "wage_amount",
    "hours_per_week",
    "employment_type",
    "required_skills",
    "preferred_skills",
    "education_min",
    "experience_min_years",
    "program",
    "target_groups",
    "age_min",
    "age_max",
    "positions",
    "posted_at",
    "deadline",
    "description",
    "access_offered",
    "access_not_offered",
]

PORTAL_HEADER = [
    "wanted_auth_no",
    "title",
    "company",
    "region",
    "wage_summary",
    "직무내용",
    "경력조건",
    "학력",
    "고용형태",
    "모집인원",
    "장애인 채용인원",
    "근무예정지",
    "모집직종",
    "임금조건",
    "근무시간",
    "근무형태",
    "접수마감일",
    "자격면허",
    "채용공고 등록일시",
]


def read_csv(path: Path, encoding: str = "utf-8") -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding=encoding, newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def write_portal(path: Path, rows: list[dict[str, str]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=PORTAL_HEADER)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: row.get(k, "") for k in PORTAL_HEADER})
    return path


def posting(auth_no: str, **fields: str) -> dict[str, str]:
    """A complete, convertible posting in Seongdong-gu; keyword arguments override."""
    base = {
        "wanted_auth_no": auth_no,
        "title": "수제화 갑피 제조원 모집",
        "company": "(주)성수제화",
        "region": "서울특별시 성동구 연무장길",
        "직무내용": "수제화 갑피 재봉",
        "경력조건": "관계없음",
        "학력": "학력무관",
        "고용형태": "기간의 정함이 없는 근로계약",
        "모집인원": "2명",
        "근무예정지": "서울특별시 성동구 연무장길 10, 2층 (성수동2가)",
        "모집직종": "제화원",
        "임금조건": "월급 2,500,000원 이상 ~ 2,800,000원 이하",
        "근무시간": "(근무시간) (오전) 9시 00분 ~ (오후) 6시 00분 주 소정근로시간 : 40시간",
        "근무형태": "주 5일 근무",
        "접수마감일": "2025.03.31 마감시간 : 18시",
        "자격면허": "관계없음",
        "채용공고 등록일시": "2025.03.02 10:00:00",
    }
    base.update(fields)
    return base


# --- the real postings ---------------------------------------------------------------


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("portal") / "openings.csv"
    report = convert_postings(REFERENCE, out)
    header, rows = read_csv(out)
    return report, header, {r["opening_id"]: r for r in rows}


@pytest.fixture(scope="module")
def source() -> dict[str, dict[str, str]]:
    _, rows = read_csv(REFERENCE, encoding="utf-8-sig")
    return {r["wanted_auth_no"]: r for r in rows}


@needs_reference
def test_every_row_is_converted_or_reported(converted, source) -> None:
    report, _, rows = converted
    assert report.total == len(source) == 243
    assert report.converted + report.skipped == report.total
    skipped = {p.wanted_auth_no for p in report.problems if not p.converted}
    assert set(rows).isdisjoint(skipped)
    assert set(rows) | skipped == set(source)
    assert len(rows) == report.converted


@needs_reference
def test_report_file_lists_every_problem(converted) -> None:
    report, _, _ = converted
    header, rows = read_csv(report.report_path, encoding="utf-8-sig")
    assert report.report_path.name == "openings-report.csv"
    assert header == list(portal.REPORT_FIELDS)
    assert len(rows) == len(report.problems)
    assert all(r["reason"] for r in rows)
    assert report.report_path.read_bytes().startswith(b"\xef\xbb\xbf")  # opens in Excel


@needs_reference
def test_reference_counts_and_reasons(converted) -> None:
    report, _, _ = converted
    kinds = report.kind_counts()
    assert report.converted == 240
    assert kinds["no_posted_at"] == 3  # 48542756, 48506005, 71083-204964: no detail page
    assert kinds["outside_district"] == 242
    assert kinds["dong_approximate"] == 1


@needs_reference
def test_header_is_the_contract(converted) -> None:
    _, header, _ = converted
    assert header == SPEC_OPENING_COLUMNS
    assert header == [c.name for c in contract.OPENING_COLUMNS]


EXPECTED = {
    # 마포구, monthly, fixed term, required experience and two required licences
    "K120312502210034": {
        "wage_type": "monthly",
        "wage_amount": "2460000",
        "hours_per_week": "40",
        "employment_type": "contract",
        "education_min": "none",
        "experience_min_years": "1",
        "required_skills": "요양보호사;자동차운전면허",
        "preferred_skills": "",
        "posted_at": "2025-02-21",
        "deadline": "2025-02-28",
        "dong": "창전동",
    },
    # hours from '(오전) 9시 ~ (정오) 12시' × 주 3일 (the break is after the shift),
    # ages from '참여대상자 ❍ 50세 ~ 64세'
    "K130232502200052": {
        "wage_type": "hourly",
        "wage_amount": "10030",
        "hours_per_week": "9",
        "employment_type": "part_time",
        "age_min": "50",
        "age_max": "64",
        "positions": "5",
        "deadline": "2025-02-28",
    },
    # '평일 오전4시~오후12시30분/ 휴게 1시간 포함' × 주 6일 = 7.5 h × 6
    "K151232502200016": {
        "hours_per_week": "45",
        "employment_type": "full_time",
        "experience_min_years": "0",
        "deadline": "2025-03-06",
    },
    # range lower bound, 기타 licence taken as preferred, 20 positions
    "KJKI002502130001": {
        "wage_type": "monthly",
        "wage_amount": "3500000",
        "required_skills": "자동차운전면허1종대형",
        "preferred_skills": "버스운전자격",
        "positions": "20",
        "deadline": "2025-04-12",
    },
    # the one Seongdong posting: (성수동2가) → 성수2가1동; 채용시까지 → open
    "K120032501070019": {
        "wage_type": "annual",
        "wage_amount": "26000000",
        "hours_per_week": "40",
        "employment_type": "contract",
        "dong": "성수2가1동",
        "lat": "",
        "lon": "",
        "deadline": "",
        "positions": "3",
    },
    # education range '대졸(2~3년) ~ 대졸(4년)', two preferred licences
    "K141222501160010": {
        "education_min": "college",
        "preferred_skills": "자동차운전면허1종보통;사회복지사",
        "required_skills": "",
        "hours_per_week": "8",
    },
    # preferred experience is no minimum; 3년 1개월 required is 3.08
    "K130042502210045": {"experience_min_years": "0", "preferred_skills": "조경기능사;조경기사"},
    "K152312412300005": {"experience_min_years": "3.08", "hours_per_week": "48"},
    # 장애인만 채용 → disabled; 석사 → graduate
    "KJKP002502200015": {"target_groups": "disabled", "employment_type": "part_time"},
    "K170052502140009": {"education_min": "graduate", "hours_per_week": "14"},
}


@needs_reference
@pytest.mark.parametrize("auth_no", sorted(EXPECTED))
def test_known_rows(converted, auth_no: str) -> None:
    _, _, rows = converted
    row = rows[auth_no]
    assert {k: row[k] for k in EXPECTED[auth_no]} == EXPECTED[auth_no]


@needs_reference
def test_detail_less_row_dates_from_its_id(converted) -> None:
    report, _, rows = converted
    assert rows["K170052501080002"]["posted_at"] == "2025-01-08"
    assert rows["K170052501080002"]["wage_amount"] == "3000000"  # '월급 300 만원 이상'
    assert any(p.kind == "posted_from_id" for p in report.problems)


@needs_reference
def test_seongdong_rows_get_a_seongdong_dong(converted, source) -> None:
    _, _, rows = converted
    names = set(reference.dong_names())
    in_district = {k for k, s in source.items() if s["근무예정지"].startswith("서울특별시 성동구")}
    assert in_district  # the file holds one
    for auth_no in in_district:
        assert rows[auth_no]["dong"] in names
    placed = {k for k, r in rows.items() if r["dong"] in names}
    assert placed == in_district  # no outside address lands on a Seongdong dong


@needs_reference
def test_output_loads_through_the_contract(converted, tmp_path: Path) -> None:
    report, _, _ = converted
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "openings.csv").write_bytes(report.out.read_bytes())
    (folder / "seekers.csv").write_text("seeker_id,birth_year,dong\ns1,1960,마장동\n")
    with pytest.warns(UserWarning):
        data = contract.load_folder(folder, skip_bad_rows=True)
    # Only rows outside the district are refused, for their unknown dong.
    outside = report.kind_counts()["outside_district"] - report.skipped
    assert data.rejected["openings"] == outside
    assert list(data.openings["opening_id"]) == ["K120032501070019"]


# --- parsers on hand-written text ---------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "summary", "expected"),
    [
        ("월급 2,900,000원 이상 ~ 3,400,000원 이하", "", ("월급", 2_900_000)),
        ("시급 10,030원 이상", "", ("시급", 10_030)),
        ("연봉 50,000,000원 이상 임금 협의가능", "", ("연봉", 50_000_000)),
        ("월급 2,096,270원 이상 기본급 기준 상여금 별도 : 120%", "", ("월급", 2_096_270)),
        ("일급 120,000원 이상 ~ 150,000원 이하", "", ("일급", 120_000)),
        ("", "연봉 2,600 만원 ~ 3,400 만원", ("연봉", 26_000_000)),
        ("", "월급 300 만원 이상", ("월급", 3_000_000)),
        ("", "시급 10,030 원 이상", ("시급", 10_030)),
        ("", "회사내규에 따름", None),
    ],
)
def test_parse_wage(condition: str, summary: str, expected) -> None:
    assert portal.parse_wage(condition, summary) == expected


def test_daily_and_weekly_wages_become_hourly() -> None:
    assert portal.contract_wage("일급", 120_000, 6.0, None)[:2] == ("hourly", 20_000)
    assert portal.contract_wage("일급", 120_000, None, None)[:2] == ("hourly", 15_000)
    assert "8시간" in portal.contract_wage("일급", 120_000, None, None)[2]
    assert portal.contract_wage("주급", 600_000, None, 30.0)[:2] == ("hourly", 20_000)
    assert portal.contract_wage("월급", 2_500_000, None, None) == ("monthly", 2_500_000, "")


@pytest.mark.parametrize(
    ("hours", "schedule", "expected"),
    [
        (
            "(근무시간) (오전) 9시 00분 ~ (오후) 6시 00분 주 소정근로시간 : 40시간",
            "주 6일 근무",
            40,
        ),
        ("※ 상세 근무시간 시간제 / 상시근로 / 주15시간", "", 15),
        ("※ 상세 근무시간 주 야간 교대 월 165시간", "", 38),
        (
            "(근무시간) (오전) 9시 00분 ~ (오후) 6시 00분 휴게시간( (오후) 12시00분~(오후) 01시00분)",
            "주 5일 근무",
            40,
        ),
        ("(근무시간) (오전) 9시 00분 ~ (정오) 12시 00분", "주 5일 근무", 15),
        ("(근무시간) (오후) 3시 00분 ~ (오후) 6시 00분", "주 3일 근무", 9),
        ("※ 상세 근무시간 (오전) 8시 30분~(오전)12시 30분", "주 5일 근무", 20),
        ("※ 상세 근무시간 07:30~12:00", "주 5일 근무", 20),
        ("주간 2주: (오후) 8시~(오전) 5시", "주 5일 근무", 40),
        ("월~금 06시30분~15시30분 (휴게 2시간)", "주 6일 근무", 42),
        ("1일 6시간, 주 6일(토요일 휴무)", "", 36),
        ("근무시간 협의가능 -주간근무시간 ※주 52시간 내 초과근무", "주 5일 근무", None),
        ("(근무시간) (오후) 1시 00분 ~ (오전) 4시 00분", "주 5일 근무", None),  # 70 h: implausible
        ("(근무시간) (오전) 9시 00분 ~ (오후) 6시 00분", "", None),  # days unknown
        ("", "주 5일 근무", None),
    ],
)
def test_weekly_hours(hours: str, schedule: str, expected: int | None) -> None:
    assert portal.weekly_hours(hours, schedule)[0] == expected


@pytest.mark.parametrize(
    ("text", "hours", "expected"),
    [
        ("기간의 정함이 없는 근로계약", 40, "full_time"),
        ("기간의 정함이 없는 근로계약", 15, "part_time"),
        ("기간의 정함이 없는 근로계약(시간(선택)제)", 36, "part_time"),
        ("기간의 정함이 있는 근로계약 12개월/ 계약기간 만료 후 상용직전환검토", 40, "contract"),
        ("기간의 정함이 있는 근로계약(시간(선택)제) 3개월", None, "part_time"),
        ("일용근로", 40, "daily"),
        ("", None, None),
    ],
)
def test_employment_type(text: str, hours: int | None, expected: str | None) -> None:
    assert portal.employment_type(text, hours) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("학력무관", "none"),
        ("중졸이하", "middle"),
        ("고졸 ~ 대졸(4년)", "high"),
        ("고졸 ~ 대졸(2~3년)", "high"),
        ("대졸(2~3년) ~ 대졸(4년)", "college"),
        ("대졸(2~3년) ~ 박사", "college"),
        ("대졸(4년) ~ 석사", "university"),
        ("석사", "graduate"),
        ("", None),
    ],
)
def test_parse_education(text: str, expected: str | None) -> None:
    assert portal.parse_education(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("경력 (최소 1년 0 개월 이상) 필수", (1.0, True)),
        ("경력 (최소 0년 6 개월 이상) 우대", (0.5, False)),
        ("경력 (최소 3년 1 개월 이상) 필수", (3.08, True)),
        ("관계없음", (0.0, False)),
        ("신입", (0.0, False)),
        ("", None),
    ],
)
def test_parse_experience(text: str, expected) -> None:
    assert portal.parse_experience(text) == expected


def test_parse_licences() -> None:
    got = portal.parse_licences(
        "요양보호사(필수) , 건설기계조종사면허(지게차)(우대) 기타 : 운전면허, 사회복지사 자격 우대"
    )
    assert got.required == ["요양보호사"]
    assert got.preferred == ["건설기계조종사면허(지게차)", "운전면허", "사회복지사"]
    assert got.unread == []
    assert portal.parse_licences("관계없음") == portal.Licences()
    assert portal.parse_licences("기타 : 제2종 전기차량운전면허(필수)").required == ["제2종 전기차량운전면허"]
    duplicate = portal.parse_licences("사회복지사(필수) 기타 : 사회복지사")
    assert (duplicate.required, duplicate.preferred) == (["사회복지사"], [])
    prose = portal.parse_licences("가스기사(필수) 기타 : 동종업계 5년이상 경력 필수")
    assert prose.required == ["가스기사"]
    assert prose.unread == ["동종업계 5년이상 경력 필수"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025.02.28 마감시간 : 16시", date(2025, 2, 28)),
        ("2025.02.21 17:08:36", date(2025, 2, 21)),
        ("2025-3-4", date(2025, 3, 4)),
        ("2025.02.30 마감시간 : 24시", None),
        ("채용시까지 마감시간 : 24시", None),
    ],
)
def test_parse_portal_date(text: str, expected: date | None) -> None:
    assert portal.parse_portal_date(text) == expected


def test_deadline_words_and_id_dates() -> None:
    assert portal.is_open_deadline("채용시까지 마감시간 : 24시")
    assert not portal.is_open_deadline("2025.02.28 마감시간 : 24시")
    assert portal.date_from_auth_no("K120312502210034") == date(2025, 2, 21)
    assert portal.date_from_auth_no("Dd03722502190024") == date(2025, 2, 19)
    assert portal.date_from_auth_no("48542756") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4. 참여대상자 ❍ 50세 ~ 64세 부산시민 중 미취업자", (50, 64)),
        ("3.응시자격 1. 포천시 주민 2. 공고일 기준 만55세 이상 고령자", (55, None)),
        ("1. 지원조건 : - 원서접수 마감일 기준 만 65세 미만자", (None, 64)),
        ("○ 우대사항: 중증장애인, (촉탁직) 만 55세 이상의 고령자", (None, None)),
        ("버스운전자격증 필수 *만65세 이상 지원시 자격유지검사 필수", (None, None)),
        ("근무기간: 2025. 3. 7.~정년 만 65세(무기계약)", (None, None)),
    ],
)
def test_parse_ages(text: str, expected) -> None:
    assert portal.parse_ages(text)[:2] == expected


@pytest.mark.parametrize(
    ("address", "dong", "in_district", "placed"),
    [
        ("서울특별시 성동구 왕십리로 83-21 (성수동1가)", "성수1가1동", True, True),
        ("서울특별시 성동구 마장로 137 (홍익동)", "왕십리도선동", True, True),
        ("서울 성동구 고산자로 270 (행당동)", "행당1동", True, True),
        ("서울특별시 성동구 용답동 12-3", "용답동", True, True),
        ("서울특별시 성동구 금호2.3가동 주민센터 앞", "금호2·3가동", True, True),
        ("서울특별시 성동구 아차산로 143", "서울특별시 성동구", True, False),
        ("서울특별시 마포구 서강로 68, 시립마포노인종합복지관 (창전동)", "창전동", False, False),
        ("충청남도 논산시 성동면 산업단지로3길 42, 주)세계에프엘", "성동면", False, False),
        ("광주광역시 광산구 송정로 1 (송정동)", "광산구 송정동", False, False),
        ("경기도 부천시 원미구 길주로 74, 상동위더스빌", "경기도 부천시 원미구", False, False),
        ("", "", False, False),
    ],
)
def test_locate(address: str, dong: str, in_district: bool, placed: bool) -> None:
    got = portal.locate(address)
    assert (got.dong, got.in_district, got.placed) == (dong, in_district, placed)


def test_locate_falls_back_to_the_region() -> None:
    assert portal.locate("", "서울 영등포구 등").dong == "서울 영등포구"


def test_employer_id_is_stable_and_ignores_legal_form() -> None:
    a = portal.employer_id("(주)태영산업")
    assert a == portal.employer_id("주식회사 태영산업") == portal.employer_id("㈜ 태영산업")
    assert a != portal.employer_id("태영건설")
    assert a.startswith("W") and len(a) == 11


# --- whole files written by hand -------------------------------------------------------


def test_convert_small_file(tmp_path: Path) -> None:
    src = write_portal(
        tmp_path / "portal.csv",
        [
            posting("K000012503020001"),
            posting(
                "K000012503020002",
                임금조건="일급 120,000원 이상",
                근무시간="(근무시간) (오전) 9시 00분 ~ (오후) 4시 00분 휴게시간( (오후) 12시00분~(오후) 01시00분)",
                모집인원="0명",
                접수마감일="채용시까지 마감시간 : 24시",
                자격면허="요양보호사(필수) , 자동차운전면허(우대)",
            ),
            posting("K000012503020001"),  # duplicate id
            posting("48542756", **{"채용공고 등록일시": ""}),  # no date anywhere
            posting("K000012503020003", 근무예정지="서울특별시 마포구 서강로 68 (창전동)"),
        ],
    )
    out = tmp_path / "out" / "openings.csv"
    report = convert_postings(src, out)
    header, rows = read_csv(out)
    assert header == SPEC_OPENING_COLUMNS
    assert report.total == 5 and report.converted == 3 and report.skipped == 2
    by_id = {r["opening_id"]: r for r in rows}
    first = by_id["K000012503020001"]
    assert first["dong"] == "성수2가1동"
    assert (first["wage_type"], first["wage_amount"]) == ("monthly", "2500000")
    assert first["posted_at"] == "2025-03-02" and first["deadline"] == "2025-03-31"
    assert first["employment_type"] == "full_time" and first["positions"] == "2"
    assert first["program"] == "general"
    daily = by_id["K000012503020002"]
    assert (daily["wage_type"], daily["wage_amount"]) == ("hourly", "20000")  # 120,000 / 6 h
    assert daily["hours_per_week"] == "30" and daily["positions"] == "1"
    assert daily["deadline"] == ""
    assert (daily["required_skills"], daily["preferred_skills"]) == ("요양보호사", "자동차운전면허")
    assert by_id["K000012503020003"]["dong"] == "창전동"

    kinds = {(p.line, p.kind, p.converted) for p in report.problems}
    assert (3, "wage_converted", True) in kinds
    assert (3, "positions_odd", True) in kinds
    assert (4, "duplicate", False) in kinds
    assert (5, "no_posted_at", False) in kinds
    assert (6, "outside_district", True) in kinds
    approximate = {p.line for p in report.problems if p.kind == "dong_approximate" and p.converted}
    assert approximate == {2, 3}  # 성수동2가 spans two administrative dongs
    _, report_rows = read_csv(report.report_path, encoding="utf-8-sig")
    assert len(report_rows) == len(report.problems)
    assert "성동구 밖" in next(r["reason"] for r in report_rows if r["kind"] == "outside_district")


def test_clean_file_writes_an_empty_report(tmp_path: Path) -> None:
    src = write_portal(
        tmp_path / "portal.csv",
        [posting("K000012503020009", 근무예정지="서울특별시 성동구 마장로 1 (마장동)")],
    )
    report = convert_postings(src, tmp_path / "openings.csv")
    assert report.problems == [] and report.converted == 1
    header, rows = read_csv(report.report_path, encoding="utf-8-sig")
    assert header == list(portal.REPORT_FIELDS) and rows == []


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp949"])
def test_excel_encodings_are_read(tmp_path: Path, encoding: str) -> None:
    src = write_portal(tmp_path / "portal.csv", [posting("K000012503020010")], encoding=encoding)
    report = convert_postings(src, tmp_path / "openings.csv")
    _, rows = read_csv(tmp_path / "openings.csv")
    assert report.converted == 1 and rows[0]["title"] == "수제화 갑피 제조원 모집"


def test_multiline_cells_keep_line_numbers(tmp_path: Path) -> None:
    src = write_portal(
        tmp_path / "portal.csv",
        [
            posting("K000012503020011", 직무내용="첫 줄\n둘째 줄\n셋째 줄"),
            posting("K000012503020012", 근무예정지="부산광역시 금정구 공단로 68-21 (금사동)"),
        ],
    )
    report = convert_postings(src, tmp_path / "openings.csv")
    assert [p.line for p in report.problems if p.kind == "outside_district"] == [5]


def test_not_a_portal_file(tmp_path: Path) -> None:
    src = tmp_path / "seekers.csv"
    src.write_text("seeker_id,birth_year\ns1,1960\n", encoding="utf-8")
    with pytest.raises(ValueError, match="wanted_auth_no"):
        convert_postings(src, tmp_path / "openings.csv")
