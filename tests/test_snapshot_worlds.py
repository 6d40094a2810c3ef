"""Histories without dates, end to end through the command line: ``jobmatch sample --shape one-date`` (a
snapshot copy of the sample year) and ``--shape real`` (a small world of the real export's shape: opaque
codes, one dong, one date) are written, trained on and recommended from, as a district would with its own
export. Small worlds, so each takes seconds.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd
import pytest

from jobmatch_cli.main import main
from matcher.contract import load_folder

SIZES = {"one-date": ["--seekers", "240", "--openings", "70"], "real": ["--seekers", "400", "--openings", "260",
                                                                       "--applications", "2600"]}  # fmt: skip


def _load(folder: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_folder(folder)


@pytest.fixture(scope="module", params=["one-date", "real"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, dict]:
    """A world of one shape written and trained through the CLI: its shape, folder and bundle manifest."""
    shape = request.param
    root = tmp_path_factory.mktemp(f"world-{shape}")
    folder, models = root / "data", root / "models"
    assert main(["sample", "--out", str(folder), "--shape", shape, "--seed", "3", *SIZES[shape]]) == 0
    assert main(["train", "--data", str(folder), "--model-dir", str(models)]) == 0
    manifest = json.loads(next(models.glob("*/manifest.json")).read_text(encoding="utf-8"))
    return shape, folder, manifest


def test_the_shapes_write_one_date_for_every_event(tmp_path: Path) -> None:
    year, one_date = tmp_path / "year", tmp_path / "one-date"
    assert main(["sample", "--out", str(year), "--seed", "3", *SIZES["one-date"]]) == 0
    assert main(["sample", "--out", str(one_date), "--shape", "one-date", "--seed", "3", *SIZES["one-date"]]) == 0
    dated, flat = _load(year), _load(one_date)
    assert dated.events["occurred_at"].dt.normalize().nunique() > 100
    assert flat.events["occurred_at"].nunique() == 1
    assert flat.events["occurred_at"].iloc[0] == dated.events["occurred_at"].max().normalize()
    # The same world: only the events' times differ.
    pd.testing.assert_frame_equal(flat.seekers, dated.seekers)
    pd.testing.assert_frame_equal(flat.events.drop(columns="occurred_at"), dated.events.drop(columns="occurred_at"))


def test_the_real_shape_has_opaque_codes_one_dong_and_one_date(tmp_path: Path) -> None:
    assert main(["sample", "--out", str(tmp_path), "--shape", "real", "--seed", "3", *SIZES["real"]]) == 0
    data = _load(tmp_path)
    assert len(data.seekers) == 400 and len(data.openings) == 260
    assert 2000 <= len(data.events) <= 3200 and set(data.events["event"]) == {"applied"}
    assert data.events["occurred_at"].nunique() == 1 and data.seekers["dong"].nunique() == 1
    codes = {c for cs in data.seekers["skills"] for c in cs} | set(data.openings["occupation"])
    assert all(c[0] in "JK" and c[1:].isdigit() for c in codes)


def test_the_applications_option_is_for_the_real_shape_only(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["sample", "--out", str(tmp_path), "--applications", "100"]) == 2
    assert "--shape real" in capsys.readouterr().err
    assert not (tmp_path / "events.csv").exists()


def test_training_falls_back_to_leave_one_out_and_matches_ease(world: tuple[str, Path, dict]) -> None:
    shape, _, manifest = world
    assert manifest["cutoffs"]["split"] == "leave-one-out"
    seeker = manifest["metrics"]["seeker"]
    ours, ease = seeker["systems"]["jobmatch"], seeker["systems"]["ease"]
    assert ours["queries"] >= 100
    assert 0 < seeker["stage_one"]["truth"] <= 1
    if shape == "real":
        # Opaque codes, no stated hours or commute: the history carries the signal, and the ranker uses it.
        assert ours["recall@5"] >= ease["recall@5"]
        assert ours["ndcg@10"] >= ease["ndcg@10"]
    # The day's lists of a snapshot are audited like any other day's (no deadline is taken to have passed).
    assert seeker["day"]["market"]["lists"] >= 100
    assert seeker["day"]["market"]["max_share"] <= 0.2


def test_recommend_lists_every_seeker(
    world: tuple[str, Path, dict], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    shape, folder, _ = world
    data = _load(folder)
    after = data.events["occurred_at"].max().normalize() + pd.Timedelta(days=1)
    common = ["recommend", "--data", str(folder), "--model-dir", str(folder.parent / "models"), "--seekers", "all"]
    if shape == "one-date":
        # The sample year's openings have all closed by the day after its last event: said, not an error.
        assert main([*common, "--as-of", str(after.date()), "--out", str(tmp_path / "after.csv")]) == 0
        assert "no opening is open" in capsys.readouterr().err
        assert pd.read_csv(tmp_path / "after.csv").empty
        after = data.openings["posted_at"].quantile(0.5).normalize()  # a day inside the openings' dates
    out = tmp_path / "lists.csv"
    assert main([*common, "--as-of", str(after.date()), "--out", str(out)]) == 0
    lists = pd.read_csv(out)
    # A snapshot's openings are all open after it; a day of the small sample year has a few open to each seeker.
    assert lists["seeker_id"].nunique() >= (0.9 if shape == "real" else 0.5) * len(data.seekers)
    if shape == "real":
        assert lists.groupby("seeker_id")["rank"].max().ge(5).mean() >= 0.9, "lists of five or more"
        applied = set(map(tuple, data.events[["seeker_id", "opening_id"]].to_numpy()))
        assert not applied & set(map(tuple, lists[["seeker_id", "opening_id"]].to_numpy())), "no repeat applications"
