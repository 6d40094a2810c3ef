"""The sample world: determinism, the CSV contract, eligibility, capacity and event order.

Rules are checked independently of the generator: eligibility straight from
``matcher/data/programs.csv``, columns straight from shared/spec/data-format.md.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from matcher.reference import canonical_skill, dongs, ksco_occupations, normalize_term, skill_synonyms
from training import sample

N_SEEKERS, N_OPENINGS, SEED = 400, 150, 11
DATA = Path(__file__).resolve().parents[1] / "matcher" / "data"

# Column order of shared/spec/data-format.md, copied here on purpose.
SPEC_COLUMNS = {
    "seekers.csv": [
        "seeker_id", "name", "birth_year", "gender", "dong", "lat", "lon", "groups", "education", "experience_years",
        "occupations", "skills", "desired_occupations", "desired_industries", "desired_wage_type",
        "desired_wage_amount", "desired_hours", "max_commute_km", "intro", "consent_employer_view", "access_needs",
    ],
    "openings.csv": [
        "opening_id", "employer_id", "employer_name", "title", "occupation", "industry", "dong", "lat", "lon",
        "wage_type", "wage_amount", "hours_per_week", "employment_type", "required_skills", "preferred_skills",
        "education_min", "experience_min_years", "program", "target_groups", "age_min", "age_max", "positions",
        "posted_at", "deadline", "description", "access_offered", "access_not_offered",
    ],
    "events.csv": ["seeker_id", "opening_id", "event", "occurred_at"],
}  # fmt: skip
GROUPS = {"youth", "senior", "middle_aged", "career_break", "disabled", "low_income", "vocational_student"}
# Within one seeker-opening pair events follow this order (the three outcomes exclude each other).
STAGE = {"recommended": 0, "viewed": 1, "applied": 2, "interviewed": 3, "rejected": 4, "declined": 4, "hired": 4}
STRONG = {"recommended", "applied", "interviewed", "hired", "rejected", "declined", "retained"}
RRN = re.compile(r"(?<!\d)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])[-\s]?[1-8]\d{6}(?!\d)")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    sample.generate(out, N_SEEKERS, N_OPENINGS, seed=SEED, progress=False)
    return out


@pytest.fixture(scope="module")
def tables(folder: Path) -> dict[str, pd.DataFrame]:
    return {
        name: pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)
        for name in ("seekers", "openings", "events")
    }


@pytest.fixture(scope="module")
def pairs(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Events joined with their seeker and opening."""
    seekers = tables["seekers"][["seeker_id", "birth_year", "groups"]]
    openings = tables["openings"][
        ["opening_id", "program", "target_groups", "age_min", "age_max", "positions", "posted_at", "deadline"]
    ]
    events = tables["events"].merge(seekers, on="seeker_id", how="left").merge(openings, on="opening_id", how="left")
    events["time"] = pd.to_datetime(events["occurred_at"], format="ISO8601")
    return events


def _items(cell: str) -> set[str]:
    return {x for x in cell.split(";") if x}


def test_same_seed_gives_identical_bytes(folder: Path, tmp_path: Path) -> None:
    sample.generate(tmp_path, N_SEEKERS, N_OPENINGS, seed=SEED, progress=False)
    for name in SPEC_COLUMNS:
        assert (tmp_path / name).read_bytes() == (folder / name).read_bytes(), name


def test_another_seed_gives_another_world(folder: Path, tmp_path: Path) -> None:
    sample.generate(tmp_path, N_SEEKERS, N_OPENINGS, seed=SEED + 1, progress=False)
    for name in SPEC_COLUMNS:
        assert (tmp_path / name).read_bytes() != (folder / name).read_bytes(), name


def test_headers_are_the_contract_columns_in_order(folder: Path) -> None:
    for name, columns in SPEC_COLUMNS.items():
        with (folder / name).open(encoding="utf-8", newline="") as fh:
            assert next(csv.reader(fh)) == columns, name


def test_summary_counts_what_was_written(tmp_path: Path, tables: dict[str, pd.DataFrame]) -> None:
    summary = sample.generate(tmp_path, N_SEEKERS, N_OPENINGS, seed=SEED, progress=False)
    assert summary.rows == {"seekers.csv": N_SEEKERS, "openings.csv": N_OPENINGS, "events.csv": len(tables["events"])}
    assert summary.event_counts == {k: int((tables["events"]["event"] == k).sum()) for k in summary.event_counts}
    assert summary.employers == tables["openings"]["employer_id"].nunique()
    assert "viewed" in str(summary)


def test_cells_are_formatted_as_the_contract_says(tables: dict[str, pd.DataFrame]) -> None:
    seekers, openings, events = tables["seekers"], tables["openings"], tables["events"]
    assert set(seekers["consent_employer_view"]) == {"true", "false"}
    for frame, column in [
        (seekers, "birth_year"),
        (seekers, "desired_wage_amount"),
        (seekers, "desired_hours"),
        (openings, "wage_amount"),
        (openings, "hours_per_week"),
        (openings, "positions"),
        (openings, "age_min"),
    ]:
        assert frame[column].str.fullmatch(r"\d*").all(), column  # ints without ".0", empty when missing
    assert openings["posted_at"].str.fullmatch(r"2025-\d\d-\d\d").all()
    assert events["occurred_at"].str.fullmatch(r"2025-\d\d-\d\dT\d\d:\d\d:\d\d").all()
    assert seekers["birth_year"].astype(int).between(1930, 2012).all()
    assert seekers["gender"].isin(["F", "M", "X", ""]).all()
    assert (seekers["seeker_id"].is_unique, openings["opening_id"].is_unique) == (True, True)


def test_every_group_and_program_is_present(tables: dict[str, pd.DataFrame]) -> None:
    present = set().union(*tables["seekers"]["groups"].map(_items))
    assert present == GROUPS
    with (DATA / "programs.csv").open(encoding="utf-8") as fh:
        programs = {row["program"] for row in csv.DictReader(fh)}
    assert set(tables["openings"]["program"]) == programs


def _eligible(frame: pd.DataFrame) -> np.ndarray:
    """Eligibility from programs.csv and the opening's own columns, as the contract defines it."""
    with (DATA / "programs.csv").open(encoding="utf-8") as fh:
        rules = {row["program"]: row for row in csv.DictReader(fh)}
    ok = []
    for row in frame.itertuples(index=False):
        rule = rules[row.program or "general"]
        age = int(row.posted_at[:4]) - int(row.birth_year)
        groups = _items(row.groups)
        low = max(int(v) for v in (rule["age_min"] or -1, row.age_min or -1))
        high = min(int(v) for v in (rule["age_max"] or 999, row.age_max or 999))
        required, targets = _items(rule["required_groups"]), _items(row.target_groups)
        ok.append(low <= age <= high and (not required or required & groups) and (not targets or targets & groups))
    return np.array(ok, dtype=bool)


def test_nobody_ineligible_applies_is_interviewed_or_hired(pairs: pd.DataFrame) -> None:
    strong = pairs[pairs["event"].isin(STRONG)]
    assert len(strong) > 0
    assert _eligible(strong).all()


def test_openings_keep_within_their_program_rule(tables: dict[str, pd.DataFrame]) -> None:
    openings = tables["openings"]
    with (DATA / "programs.csv").open(encoding="utf-8") as fh:
        rules = {row["program"]: row for row in csv.DictReader(fh)}
    for row in openings.itertuples(index=False):
        rule = rules[row.program]
        if rule["age_min"]:
            assert row.age_min and int(row.age_min) >= int(rule["age_min"]), row.opening_id
        if rule["age_max"]:
            assert row.age_max and int(row.age_max) <= int(rule["age_max"]), row.opening_id
        if rule["one_seeker_per_slot"] == "true":
            assert row.positions == "1", row.opening_id
        assert _items(row.target_groups) <= GROUPS
        assert row.posted_at < row.deadline
    lifetime = pd.to_datetime(openings["deadline"]) - pd.to_datetime(openings["posted_at"])
    assert lifetime.dt.days.between(21, 56).all()


def test_no_opening_hires_more_than_its_positions(pairs: pd.DataFrame) -> None:
    hired = pairs[pairs["event"] == "hired"]
    per_opening = hired.groupby("opening_id").size()
    positions = hired.drop_duplicates("opening_id").set_index("opening_id")["positions"].astype(int)
    assert (per_opening <= positions[per_opening.index]).all()
    assert hired["seeker_id"].is_unique  # nobody takes two jobs


def test_events_point_at_existing_rows(tables: dict[str, pd.DataFrame]) -> None:
    events = tables["events"]
    assert events["seeker_id"].isin(tables["seekers"]["seeker_id"]).all()
    assert events["opening_id"].isin(tables["openings"]["opening_id"]).all()
    assert events["event"].isin([*STAGE, "retained"]).all()


def test_each_pair_follows_the_funnel_in_time_order(pairs: pd.DataFrame) -> None:
    ordered = pairs[pairs["event"] != "retained"].assign(stage=lambda f: f["event"].map(STAGE))
    ordered = ordered.sort_values(["seeker_id", "opening_id", "time"], kind="stable")
    same_pair = (ordered["seeker_id"] == ordered["seeker_id"].shift()) & (
        ordered["opening_id"] == ordered["opening_id"].shift()
    )
    assert (ordered["stage"].diff()[same_pair] > 0).all()  # each stage once, in order
    assert (ordered["time"].diff()[same_pair] > pd.Timedelta(0)).all()
    kinds = pairs.groupby(["seeker_id", "opening_id"])["event"].agg(set)
    needs = {"applied": "viewed", "interviewed": "applied", "hired": "interviewed", "declined": "interviewed"}
    needs |= {"rejected": "applied", "retained": "hired"}
    for kind, before in needs.items():
        assert kinds.map(lambda k, kind=kind, before=before: kind not in k or before in k).all(), kind


def test_events_happen_while_the_opening_is_open(pairs: pd.DataFrame) -> None:
    posted = pd.to_datetime(pairs["posted_at"])
    closed = pd.to_datetime(pairs["deadline"]) + pd.Timedelta(days=1)
    live = pairs["event"] != "retained"
    assert ((pairs["time"] >= posted) & (pairs["time"] < closed))[live].all()
    hired = pairs[pairs["event"] == "hired"].set_index(["seeker_id", "opening_id"])["time"]
    retained = pairs[pairs["event"] == "retained"].set_index(["seeker_id", "opening_id"])["time"]
    months = (retained - hired[retained.index]).dt.days
    assert months.between(85, 120).all()
    assert (pairs["time"] < pd.Timestamp("2026-01-01")).all()


def test_the_funnel_narrows(tables: dict[str, pd.DataFrame]) -> None:
    counts = tables["events"]["event"].value_counts()
    assert counts["viewed"] > counts["applied"] > counts["interviewed"] > counts["hired"] > counts["retained"] > 0
    assert counts["recommended"] > 0 and counts["declined"] > 0 and counts["rejected"] > 0


def test_most_hired_seekers_stop_searching(pairs: pd.DataFrame) -> None:
    hires = pairs.loc[pairs["event"] == "hired", ["seeker_id", "opening_id", "time"]]
    later = pairs.merge(hires, on="seeker_id", suffixes=("", "_hire"))
    later = later[(later["time"] > later["time_hire"]) & (later["opening_id"] != later["opening_id_hire"])]
    assert later["seeker_id"].nunique() <= 0.25 * len(hires)


def test_no_text_looks_like_a_resident_registration_number(folder: Path) -> None:
    for name in SPEC_COLUMNS:
        assert not RRN.search((folder / name).read_text(encoding="utf-8")), name


def test_skills_use_known_names_and_their_variants(tables: dict[str, pd.DataFrame]) -> None:
    canonical = set(skill_synonyms().values())
    for frame, column in [
        (tables["seekers"], "skills"),
        (tables["openings"], "required_skills"),
        (tables["openings"], "preferred_skills"),
    ]:
        items = [x for cell in frame[column] for x in _items(cell)]
        assert all(canonical_skill(x) in canonical for x in items), column
        assert any(canonical_skill(x) != x for x in items), column  # variant spellings appear


def test_occupations_resolve_in_the_ksco_dictionary(tables: dict[str, pd.DataFrame]) -> None:
    known = ksco_occupations().index
    names = set(tables["openings"]["occupation"])
    for column in ("occupations", "desired_occupations"):
        names |= set().union(*tables["seekers"][column].map(_items))
    assert all(normalize_term(name) in known for name in names)


def test_places_follow_the_district(tables: dict[str, pd.DataFrame]) -> None:
    seongsu = {"성수1가1동", "성수1가2동", "성수2가1동", "성수2가3동"}
    for frame in (tables["seekers"], tables["openings"]):
        outside = ~frame["dong"].isin(dongs().index)
        assert (frame.loc[outside, ["lat", "lon"]] != "").all().all()  # a dong outside needs lat/lon
    openings = tables["openings"]
    shoes = openings[(openings["industry"] == "수제화") & openings["dong"].isin(dongs().index)]
    assert len(shoes) > 0 and shoes["dong"].isin(seongsu).all()


def test_seekers_look_like_their_groups(tables: dict[str, pd.DataFrame]) -> None:
    seekers = tables["seekers"]
    age = 2025 - seekers["birth_year"].astype(int)
    groups = seekers["groups"].map(_items)
    in_group = {g: groups.map(lambda s, g=g: g in s) for g in GROUPS}
    assert (age[in_group["senior"]] >= 60).all()
    assert age[in_group["vocational_student"]].between(17, 19).all()
    assert (seekers.loc[in_group["vocational_student"], "education"] == "vocational_high").all()
    assert (seekers.loc[in_group["career_break"], "gender"].isin(["F", ""])).all()
    commute = seekers["max_commute_km"].astype(float)
    assert commute[in_group["senior"]].median() < commute[in_group["youth"]].median()
    assert 0.6 < (seekers["consent_employer_view"] == "true").mean() < 0.8


def test_intros_say_what_the_columns_do_not(tables: dict[str, pd.DataFrame]) -> None:
    vocab = sample.load_vocabulary()
    seekers = tables["seekers"]
    trait_texts = [text for trait in vocab["traits"] for text in trait["intro"]]
    assert seekers["intro"].map(lambda s: any(t in s for t in trait_texts)).mean() > 0.1
    spellings = {normalize_term(v): c for v, c in skill_synonyms().items()}
    hidden = 0
    for intro, skills in zip(seekers["intro"], seekers["skills"], strict=True):
        listed = {canonical_skill(x) for x in _items(skills)}
        named = {c for v, c in spellings.items() if v and normalize_term(intro).find(v) >= 0}
        hidden += bool(named - listed)
    assert hidden > 0.03 * len(seekers)


def test_gender_is_no_input_of_the_behaviour() -> None:
    # The behavioural model reads only _Seekers arrays; gender is written for reporting and nowhere else.
    assert "gender" not in {f.name for f in dataclasses.fields(sample._Seekers)}


def test_vocabulary_names_resolve() -> None:
    vocab = json.loads((Path(sample.__file__).parent / "data" / "sample_world.json").read_text(encoding="utf-8"))
    known, canonical = ksco_occupations().index, set(skill_synonyms().values())
    for job in vocab["occupations"]:
        for name in [job["occupation"], *job["aliases"]]:
            assert normalize_term(name) in known, name
        assert set(job["required"]) | set(job["preferred"]) <= canonical, job["occupation"]
        assert set(job["schedules"]) <= set(vocab["schedules"]), job["occupation"]


def test_too_few_openings_for_the_programs_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="openings"):
        sample.generate(tmp_path, 10, 3, progress=False)


def test_generated_folder_loads_through_the_contract(folder: Path) -> None:
    from matcher.contract import load_folder

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not even a warning (unknown column, missing file)
        data = load_folder(folder)
    assert (len(data.seekers), len(data.openings)) == (N_SEEKERS, N_OPENINGS)
    assert len(data.events) == sum(1 for _ in (folder / "events.csv").open(encoding="utf-8")) - 1
    assert data.rejected == {"seekers": 0, "openings": 0, "events": 0}
