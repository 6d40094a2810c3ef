"""Lists know what day it is: a list for a day uses only the rows and events known by the end of that day.

The model here was trained on every event of the planted world (January to April), so its collaborative
history has seen the weeks after the day. The list for the day must still equal the list computed from
the data cut at the day: the seekers, the openings posted by then and the events before the day's end,
with the history fitted on those events alone.
"""

from __future__ import annotations

import copy
import csv
from pathlib import Path

import pandas as pd
import pytest

from jobmatch_cli.demo import _demo_bundle_fits
from jobmatch_cli.main import main
from matcher import bundle
from matcher.contract import Dataset, write_table
from matcher.matching import Match, Matcher

DAY = pd.Timestamp("2025-02-20")
MOMENT = DAY + pd.Timedelta(days=1)  # a list for a day knows that whole day's events


def cut(data: Dataset, moment: pd.Timestamp = MOMENT) -> Dataset:
    """The data as it stood at ``moment``: events before it, and the openings posted or named by then."""
    events = data.events[data.events["occurred_at"] < moment].reset_index(drop=True)
    known = (data.openings["posted_at"] < moment) | data.openings["opening_id"].isin(events["opening_id"])
    return Dataset(seekers=data.seekers, openings=data.openings[known].reset_index(drop=True), events=events)


def both_sides(matcher: Matcher, data: Dataset) -> tuple[list[Match], list[Match]]:
    openings = list(data.openings.loc[data.openings["posted_at"] < MOMENT, "opening_id"])
    return matcher.matches(list(data.seekers["seeker_id"]), DAY), matcher.candidates(openings, DAY)


def rows(found: list[Match]) -> list[tuple]:
    return [(m.seeker_id, m.opening_id, m.rank, m.reasons) for m in found]


@pytest.fixture(scope="module")
def reference(trained, planted_data: Dataset) -> Matcher:
    """The matcher of the data cut at the day, its history fitted on the events before the day's end."""
    known = cut(planted_data)
    model = copy.copy(trained.model)
    model.fit_history(known.events, known.seekers, known.openings)
    return Matcher(model, known.seekers, known.openings, known.events)


def test_the_model_has_seen_events_after_the_day(trained) -> None:
    assert trained.model.history_.last_event_ >= MOMENT, "else this module tests nothing"


def test_a_list_for_a_day_equals_the_list_from_the_data_cut_at_that_day(
    trained, planted_data: Dataset, reference: Matcher
) -> None:
    full = Matcher(trained.model, planted_data.seekers, planted_data.openings, planted_data.events)
    for got, expected in zip(both_sides(full, planted_data), both_sides(reference, planted_data), strict=True):
        assert rows(got) == rows(expected)
        assert [m.score for m in got] == pytest.approx([m.score for m in expected], rel=1e-9, abs=1e-12)
    assert full.model_at(DAY) is not full.model, "the history was refitted on the events before the day's end"
    assert full.model_at(DAY) is full.model_at(DAY), "once per day"
    assert full.model_at(pd.Timestamp("2025-12-31")) is full.model, "after every event it saw: the bundle's own"


def test_without_the_cut_the_lists_would_use_the_weeks_after_the_day(
    trained, planted_data: Dataset, reference: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the test above guards against: the bundle's own history gives other scores on the day."""
    leaky = Matcher(trained.model, planted_data.seekers, planted_data.openings, planted_data.events)
    monkeypatch.setattr(leaky, "model_at", lambda as_of: leaky.model)
    got, expected = both_sides(leaky, planted_data)[0], both_sides(reference, planted_data)[0]
    assert [m.score for m in got] != pytest.approx([m.score for m in expected], rel=1e-9)


def test_a_new_event_changes_the_refitted_history(trained, planted_data: Dataset) -> None:
    full = Matcher(trained.model, planted_data.seekers, planted_data.openings, planted_data.events)
    before = full.model_at(DAY)
    late = pd.DataFrame({"seeker_id": ["S000"], "opening_id": ["O100"], "event": ["viewed"],
                         "occurred_at": [DAY + pd.Timedelta(hours=10)]})  # fmt: skip
    after = full.add_events(late)
    assert after.model_at(DAY) is not before
    assert full.model_at(DAY) is before, "the old matcher is unchanged"


def _write(data: Dataset, folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name in ("seekers", "openings", "events"):
        write_table(getattr(data, name), folder / f"{name}.csv", name)
    return folder


def test_recommend_on_the_whole_folder_equals_recommend_on_the_folder_cut_at_the_day(
    trained, planted_data: Dataset, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    models = tmp_path / "models"
    bundle.save(trained.model, models, {})
    written = {}
    for name, data in (("whole", planted_data), ("cut", cut(planted_data))):
        folder = _write(data, tmp_path / name)
        for side in ("--seekers", "--openings"):
            out = tmp_path / f"{name}{side}.csv"
            args = ["recommend", "--data", str(folder), "--model-dir", str(models), side, "all"]
            assert main([*args, "--as-of", str(DAY.date()), "--out", str(out)]) == 0
            with out.open(encoding="utf-8") as fh:
                written[name, side] = list(csv.reader(fh))
    for side in ("--seekers", "--openings"):
        whole = written["whole", side]
        if side == "--openings":  # the whole folder also lists openings posted after the day
            whole = [r for r in whole if r[0] in {row[0] for row in written["cut", side]} or r[0] == "opening_id"]
        assert whole == written["cut", side]
    assert "train with --until 2025-02-20" in capsys.readouterr().err, "the rankers saw later outcomes: warned"


def test_the_demo_retrains_unless_its_bundle_stops_at_the_demo_day(trained, tmp_path: Path) -> None:
    day = DAY.date()
    assert not _demo_bundle_fits(tmp_path / "none", day)
    bundle.save(trained.model, tmp_path / "all", {"cutoffs": {"until": ""}})
    assert not _demo_bundle_fits(tmp_path / "all", day)
    bundle.save(trained.model, tmp_path / "day", {"cutoffs": {"until": day.isoformat()}})
    assert _demo_bundle_fits(tmp_path / "day", day)
