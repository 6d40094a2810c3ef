"""What a text cell may hold and how it is written (matcher.cells), through the CSV contract both ways."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from matcher import cells
from matcher.contract import ContractError, load_folder, write_csv, write_table
from tests.test_contract import OPENINGS, SEEKERS, write_folder

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

RRN_VARIANTS = [
    "900101-1234567",
    "9001011234567",
    "900101 1234567",
    "900101–1234567",  # en dash
    "900101‐1234567",  # U+2010 hyphen
    "900101－1234567",  # full-width hyphen
    "900101.1234567",
    "900101_1234567",
    "900101 - 1234567",
    "900101\u200b1234567",  # zero-width space
    "9001\u200c01-1234567",  # zero-width non-joiner inside the first half
    "900101\ufeff-1234567",  # BOM
    "９００１０１-１２３４５６７",  # full-width digits
    "９００１０１－１２３４５６７",
]
NOT_RRN = ["010-1234-5678", "2024-01-01 1234567", "123-45-67890", "901301-1234567", "900101-9234567", "성수동 12345"]


@pytest.mark.parametrize("text", RRN_VARIANTS)
def test_every_way_of_writing_a_registration_number_is_found_and_masked(text: str) -> None:
    assert cells.has_rrn(f"제 번호는 {text} 입니다")
    masked = cells.redact(f"제 번호는 {text} 입니다")
    assert cells.RRN_MASK in masked and not cells.has_rrn(masked) and "1234567" not in cells.normalize(masked)


@pytest.mark.parametrize("text", NOT_RRN)
def test_phone_numbers_dates_and_business_numbers_are_not_registration_numbers(text: str) -> None:
    assert not cells.has_rrn(text) and cells.redact(text) == text


@pytest.mark.parametrize("rrn", RRN_VARIANTS)
@pytest.mark.parametrize(("file", "column"), [("seekers", "seeker_id"), ("seekers", "skills"),
                                              ("openings", "employer_id"), ("openings", "employer_name")])  # fmt: skip
def test_a_registration_number_in_any_csv_cell_rejects_its_row(
    tmp_path: Path, rrn: str, file: str, column: str
) -> None:
    header = (SEEKERS if file == "seekers" else OPENINGS)[0].split(",")
    row = dict(zip(header, (SEEKERS if file == "seekers" else OPENINGS)[1].split(","), strict=True))
    tables = {"seekers": list(SEEKERS), "openings": list(OPENINGS)}
    header_line = tables[file][0] + ("" if column in header else f",{column}")
    values = [*(rrn if h == column else row[h] for h in header), *([] if column in header else [rrn])]
    tables[file] = [
        header_line,
        ",".join(f'"{v}"' for v in values),
        tables[file][2] + ("" if column in header else ","),
    ]
    folder = write_folder(tmp_path, tables["seekers"], tables["openings"], with_events=False)
    with pytest.raises(ContractError) as refused:
        load_folder(folder)
    assert any(p.column == column and "registration" in p.reason for p in refused.value.problems)
    data = load_folder(folder, skip_bad_rows=True)
    assert len(getattr(data, file)) == 1
    rejected = (folder / f"rejected-{file}.csv").read_text(encoding="utf-8")
    assert "1234567" not in cells.normalize(rejected)


@pytest.mark.parametrize("value", ["a\x00b", "x\x07y", "\x1b[31m빨강"])
def test_a_control_character_in_a_csv_cell_rejects_its_row(tmp_path: Path, value: str) -> None:
    seekers = [SEEKERS[0] + ",intro", SEEKERS[1] + f',"{value}"', SEEKERS[2] + ',"줄\n바꿈은 된다"']
    with pytest.raises(ContractError) as refused:
        load_folder(write_folder(tmp_path, seekers, with_events=False))
    assert [(p.line, p.column) for p in refused.value.problems] == [(2, "intro")]


LIMITS = [("seekers", "seeker_id", 64), ("seekers", "dong", 100), ("openings", "employer_id", 64),
          ("openings", "title", 300)]  # fmt: skip


@pytest.mark.parametrize(("file", "column", "limit"), LIMITS)
def test_a_value_longer_than_its_database_column_rejects_its_row(
    tmp_path: Path, file: str, column: str, limit: int
) -> None:
    tables = {"seekers": list(SEEKERS), "openings": list(OPENINGS)}
    header = tables[file][0].split(",")
    cells_ = tables[file][1].split(",")
    cells_[header.index(column)] = "가" * (limit + 1)
    if column == "dong":
        header, cells_ = [*header, "lat", "lon"], [*cells_, "37.5", "127.0"]
    tables[file] = [",".join(header), ",".join(cells_)]
    with pytest.raises(ContractError) as refused:
        load_folder(write_folder(tmp_path, tables["seekers"], tables["openings"], with_events=False))
    assert any(p.column == column and f"longer than {limit}" in p.reason for p in refused.value.problems)


FORMULAS = ["=HYPERLINK(\"http://x\",\"y\")", "=cmd|' /C calc'!A0", "@SUM(A1)", "=1+1", "+1", "-2+3", "\t=1",
            "＝1+1", "'=already", "'plain apostrophe", "''", "'", "보통 글"]  # fmt: skip


@pytest.mark.parametrize("value", FORMULAS)
def test_a_formula_is_neutralised_on_write_and_read_back_unchanged(tmp_path: Path, value: str) -> None:
    data = load_folder(write_folder(tmp_path / "in", with_events=False))
    seekers, openings = data.seekers.copy(), data.openings.copy()
    seekers.loc[0, "intro"] = value
    seekers.loc[0, "skills"] = (value.strip() or "x", "재단")
    openings.loc[0, "title"] = value.strip() or "x"
    out = tmp_path / "out"
    out.mkdir()
    write_table(seekers, out / "seekers.csv", "seekers")
    write_table(openings, out / "openings.csv", "openings")
    write_table(data.events, out / "events.csv", "events")
    for name in ("seekers.csv", "openings.csv"):
        for row in csv.reader((out / name).open(encoding="utf-8")):
            assert not any(cell[:1] in cells.FORMULA_STARTS for cell in row), row
    back = load_folder(out)
    assert back.seekers.loc[0, "intro"] == value
    assert back.seekers.loc[0, "skills"] == (value.strip() or "x", "재단")
    assert back.openings.loc[0, "title"] == (value.strip() or "x")


@pytest.mark.parametrize(("value", "read"), [("  '=x", "'=x"), (" '' ", "''"), ("  =1+1", "=1+1")])
def test_leading_spaces_are_trimmed_but_an_apostrophe_after_them_stays(tmp_path: Path, value: str, read: str) -> None:
    data = load_folder(write_folder(tmp_path / "in", with_events=False))
    data.seekers.loc[0, "intro"] = value
    out = tmp_path / "out"
    out.mkdir()
    write_table(data.seekers, out / "seekers.csv", "seekers")
    write_table(data.openings, out / "openings.csv", "openings")
    assert load_folder(out).seekers.loc[0, "intro"] == read


def test_any_table_written_for_people_is_neutralised(tmp_path: Path) -> None:
    import pandas as pd

    write_csv(pd.DataFrame({"seeker_id": ["=1+1", "S1"], "reasons": ["@SUM(A1)", "가까움"], "score": [-1.5, 2.0]}),
              tmp_path / "out.csv")  # fmt: skip
    rows = list(csv.reader((tmp_path / "out.csv").open(encoding="utf-8")))
    assert rows == [["seeker_id", "reasons", "score"], ["'=1+1", "'@SUM(A1)", "-1.5"], ["S1", "가까움", "2.0"]]
