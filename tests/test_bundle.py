"""Bundles on disk (matcher/bundle.py): round trip, manifest, CURRENT pointer, refusals."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
import sklearn

from matcher import bundle
from matcher.bundle import BUNDLE_FILE, CURRENT_FILE, MANIFEST_FILE, BundleError
from matcher.contract import Dataset
from matcher.matching import Matcher
from matcher.ranker import PairModel
from training.pipeline import TrainResult

AS_OF = pd.Timestamp("2025-03-06")
SEEKERS = ["S000", "S104", "S209", "S311", "S402", "S507"]
CORRUPT = r"corrupt|truncated"


def public_metrics(report: dict) -> dict:
    """The report's summary numbers, as a manifest carries them."""
    return {side: {"systems": r["systems"], "groups": r["groups"]} for side, r in report.items()}


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    return tmp_path / "models"


@pytest.fixture
def saved(trained: TrainResult, model_dir: Path) -> Path:
    manifest = {"metrics": public_metrics(trained.report), "cutoffs": trained.cutoffs}
    return bundle.save(trained.model, model_dir, manifest)


def read_manifest(folder: Path) -> dict:
    return json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))


def write_manifest(folder: Path, manifest: dict) -> None:
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest), encoding="utf-8")


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def ranking(model: PairModel, data: Dataset) -> list:
    matcher = Matcher(model, data.seekers, data.openings, data.events)
    return matcher.matches(SEEKERS, AS_OF, k=10) + matcher.candidates(["O005", "O306"], AS_OF, k=10)


# -- round trip ----------------------------------------------------------------------------------
def test_save_then_load_gives_the_same_ranking(trained: TrainResult, planted_data: Dataset, saved: Path) -> None:
    loaded = bundle.load(saved)
    assert isinstance(loaded.model, PairModel)
    assert loaded.path == saved
    before, after = ranking(trained.model, planted_data), ranking(loaded.model, planted_data)
    # A seeker's list may stop short of ten past its first five (matcher.lists) and holds only jobs the seeker
    # has a tie to (matcher.fit.unrelated): here at least the three open jobs of its trade. Candidate lists are full.
    seekers = [m.seeker_id for m in before[: len(before) - 20]]
    assert all(seekers.count(s) >= 3 for s in SEEKERS) and len(before) - len(seekers) == 20
    assert after == before, "matches and candidates (ids, ranks, scores, reasons) must survive a round trip"


def test_load_current_and_load_of_the_bundle_file_find_the_same_bundle(
    trained: TrainResult, planted_data: Dataset, model_dir: Path, saved: Path
) -> None:
    current = bundle.load_current(model_dir)
    by_file = bundle.load(saved / BUNDLE_FILE)
    assert current.path == by_file.path == saved
    assert current.version == by_file.version == saved.name
    assert ranking(current.model, planted_data) == ranking(by_file.model, planted_data)


def test_loaded_model_scores_feature_rows_exactly_like_the_original(
    trained: TrainResult, planted_matcher: Matcher, saved: Path
) -> None:
    n_o = len(planted_matcher.openings)
    s, o = np.repeat(np.arange(12), n_o), np.tile(np.arange(n_o), 12)
    at = np.full(len(s), AS_OF.to_datetime64())
    codes = (planted_matcher.seeker_codes, planted_matcher.opening_codes, planted_matcher.openings)
    x = trained.model.features(*codes, s, o, at)
    loaded = bundle.load(saved).model
    np.testing.assert_array_equal(loaded.features(*codes, s, o, at), x)
    for side in ("seeker", "opening"):
        np.testing.assert_array_equal(loaded.score(side, x), trained.model.score(side, x))
    for side in ("seeker", "opening"):
        np.testing.assert_array_equal(loaded.score(side, x), trained.model.score(side, x))


# -- manifest ------------------------------------------------------------------------------------
def test_manifest_records_version_time_libraries_hash_and_metrics(trained: TrainResult, saved: Path) -> None:
    manifest = read_manifest(saved)
    assert manifest["version"] == saved.name
    trained_at = datetime.fromisoformat(manifest["trained_at"])
    assert trained_at.tzinfo is not None, "trained_at must carry its time zone"
    assert abs((datetime.now(trained_at.tzinfo) - trained_at).total_seconds()) < 600
    libraries = manifest["libraries"]
    assert libraries["scikit-learn"] == sklearn.__version__
    assert libraries["numpy"] == np.__version__
    assert libraries["pandas"] == pd.__version__
    assert libraries["joblib"] == joblib.__version__
    assert {"scipy", "jobmatch"} <= set(libraries)
    assert manifest["bundle_sha256"] == file_sha256(saved / BUNDLE_FILE)
    metrics = manifest["metrics"]
    assert set(metrics) == {"seeker", "opening"}
    for side in ("seeker", "opening"):
        recorded = metrics[side]["systems"]["jobmatch"]["ndcg@10"]
        assert recorded == pytest.approx(trained.report[side]["systems"]["jobmatch"]["ndcg@10"])
    assert manifest["cutoffs"] == trained.cutoffs


# -- CURRENT -------------------------------------------------------------------------------------
def test_current_names_the_saved_version(model_dir: Path, saved: Path) -> None:
    assert (model_dir / CURRENT_FILE).read_text(encoding="utf-8").strip() == saved.name
    assert bundle.current_path(model_dir) == saved


def test_second_save_moves_current_and_keeps_the_first(trained: TrainResult, model_dir: Path, saved: Path) -> None:
    second = bundle.save(trained.model, model_dir, {"metrics": {}})
    assert second != saved and saved.is_dir(), "a new version gets its own folder; the old one stays"
    assert (model_dir / CURRENT_FILE).read_text(encoding="utf-8").strip() == second.name
    assert bundle.load_current(model_dir).version == second.name
    assert bundle.load(saved).version == saved.name
    leftovers = sorted(p.name for p in model_dir.iterdir() if p.is_file() and p.name != CURRENT_FILE)
    assert leftovers == [], f"temporary files left beside CURRENT: {leftovers}"


def test_save_without_make_current_leaves_current_alone(trained: TrainResult, model_dir: Path, saved: Path) -> None:
    other = bundle.save(trained.model, model_dir, {}, make_current=False)
    assert bundle.current_path(model_dir) == saved
    assert bundle.load(other).version == other.name


def test_current_is_replaced_atomically(
    trained: TrainResult, model_dir: Path, saved: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the final rename of CURRENT fails, the old pointer is intact: never empty, never half-written."""
    real_replace = os.replace
    renamed: list[tuple[str, str]] = []

    def failing_replace(src: str, dst: str) -> None:
        renamed.append((str(src), str(dst)))
        if Path(dst).name == CURRENT_FILE:
            assert Path(src).parent == Path(dst).parent, "the temporary file must sit beside CURRENT"
            assert Path(src).read_text(encoding="utf-8").strip() != saved.name
            raise OSError("simulated crash before the rename")
        real_replace(src, dst)

    monkeypatch.setattr(bundle.os, "replace", failing_replace)
    with pytest.raises(OSError, match="simulated"):
        bundle.save(trained.model, model_dir, {})
    assert any(Path(dst).name == CURRENT_FILE for _, dst in renamed), "CURRENT must be written by os.replace"
    assert (model_dir / CURRENT_FILE).read_text(encoding="utf-8").strip() == saved.name
    assert bundle.load_current(model_dir).version == saved.name


# -- refusals ------------------------------------------------------------------------------------
def test_corrupt_bundle_is_refused(saved: Path) -> None:
    path = saved / BUNDLE_FILE
    raw = bytearray(path.read_bytes())
    middle = len(raw) // 2
    for i in range(middle, middle + 16):
        raw[i] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(BundleError, match=CORRUPT):
        bundle.load(saved)


def test_truncated_bundle_is_refused(saved: Path) -> None:
    path = saved / BUNDLE_FILE
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 3])
    with pytest.raises(BundleError, match=CORRUPT):
        bundle.load(saved)


def test_empty_bundle_is_refused(saved: Path) -> None:
    (saved / BUNDLE_FILE).write_bytes(b"")
    with pytest.raises(BundleError, match=CORRUPT):
        bundle.load(saved)


def test_corrupt_current_bundle_is_refused_by_load_current(model_dir: Path, saved: Path) -> None:
    path = saved / BUNDLE_FILE
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(BundleError, match=CORRUPT):
        bundle.load_current(model_dir)


def test_foreign_file_with_a_matching_hash_is_refused(saved: Path) -> None:
    path = saved / BUNDLE_FILE
    joblib.dump({"rankers_": {}, "note": "not a model"}, path)
    manifest = read_manifest(saved)
    manifest["bundle_sha256"] = file_sha256(path)
    write_manifest(saved, manifest)
    with pytest.raises(BundleError, match=r"dict.*not a jobmatch model"):
        bundle.load(saved)


def test_file_that_is_not_a_pickle_with_a_matching_hash_is_refused(saved: Path) -> None:
    path = saved / BUNDLE_FILE
    path.write_bytes(b"seeker_id,opening_id\nS000,O000\n")
    manifest = read_manifest(saved)
    manifest["bundle_sha256"] = file_sha256(path)
    write_manifest(saved, manifest)
    with pytest.raises(BundleError, match="could not be loaded"):
        bundle.load(saved)


@pytest.mark.parametrize("library", ["scikit-learn", "numpy", "scipy", "pandas", "joblib"])
def test_bundle_from_other_library_versions_is_refused(saved: Path, library: str) -> None:
    manifest = read_manifest(saved)
    manifest["libraries"][library] = "0.0.1"
    write_manifest(saved, manifest)
    with pytest.raises(BundleError, match=rf"other library versions.*{library} 0\.0\.1"):
        bundle.load(saved)


def test_bundle_with_other_pair_features_is_refused(saved: Path) -> None:
    """A bundle pickled by a jobmatch whose features differ would break at scoring time, not load time."""
    manifest = read_manifest(saved)
    manifest["features"] = manifest["features"][:-1]
    write_manifest(saved, manifest)
    with pytest.raises(BundleError, match="pair features differ"):
        bundle.load(saved)


def test_manifest_without_libraries_is_refused(saved: Path) -> None:
    manifest = read_manifest(saved)
    del manifest["libraries"]
    write_manifest(saved, manifest)
    with pytest.raises(BundleError, match="library versions"):
        bundle.load(saved)


def test_other_format_and_unreadable_manifest_are_refused(saved: Path) -> None:
    manifest = read_manifest(saved)
    write_manifest(saved, {**manifest, "format": "someone-else/9"})
    with pytest.raises(BundleError, match="format"):
        bundle.load(saved)
    (saved / MANIFEST_FILE).write_text("{ not json", encoding="utf-8")
    with pytest.raises(BundleError, match="unreadable"):
        bundle.load(saved)


def test_folder_without_manifest_is_refused(saved: Path) -> None:
    (saved / MANIFEST_FILE).unlink()
    with pytest.raises(BundleError, match="not a jobmatch bundle"):
        bundle.load(saved)


def test_missing_current_says_how_to_train(tmp_path: Path) -> None:
    empty = tmp_path / "no-models-here"
    with pytest.raises(BundleError, match=r"jobmatch train") as caught:
        bundle.load_current(empty)
    assert str(empty) in str(caught.value)


def test_current_naming_a_missing_version_is_refused(model_dir: Path, saved: Path) -> None:
    (model_dir / CURRENT_FILE).write_text("20000101T000000000000Z\n", encoding="utf-8")
    with pytest.raises(BundleError, match="not a jobmatch bundle"):
        bundle.load_current(model_dir)


# -- signatures -----------------------------------------------------------------------------------
KEY = "a-long-secret-key-for-signing"


class _Planted:
    """A pickle that, when loaded, writes a file: what someone who can write the model folder could ship."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "code ran at load"))


def test_a_signed_bundle_loads_with_its_key_and_with_signatures_required(trained: TrainResult, tmp_path: Path):
    signed = bundle.save(trained.model, tmp_path / "models", {"metrics": {}}, key=KEY)
    assert len(read_manifest(signed)[bundle.SIGNATURE]) == 64
    assert bundle.load(signed, key=KEY, require_signature=True).version == signed.name
    assert bundle.load_current(tmp_path / "models", key=KEY, require_signature=True).version == signed.name


def test_a_replaced_bundle_with_its_hash_updated_is_refused_before_it_is_unpickled(
    trained: TrainResult, tmp_path: Path
) -> None:
    """Before: the sha256 sat beside the file it checked, so whoever replaced the file updated the hash too,
    and the service ran the pickle's code on reload."""
    signed = bundle.save(trained.model, tmp_path / "models", {"metrics": {}}, key=KEY)
    marker = tmp_path / "pwned"
    joblib.dump(_Planted(marker), signed / BUNDLE_FILE)
    manifest = read_manifest(signed)
    manifest["bundle_sha256"] = file_sha256(signed / BUNDLE_FILE)
    write_manifest(signed, manifest)
    for require in (True, False):  # a signature that does not verify is refused even where none is required
        with pytest.raises(BundleError, match="signature does not match"):
            bundle.load(signed, key=KEY, require_signature=require)
    assert not marker.exists(), "the planted pickle was never loaded"
    write_manifest(signed, {k: v for k, v in manifest.items() if k != bundle.SIGNATURE})  # signature removed
    with pytest.raises(BundleError, match="not signed"):
        bundle.load(signed, key=KEY, require_signature=True)
    assert not marker.exists()


@pytest.mark.parametrize("change", [{"metrics": {"seeker": 1.0}}, {"version": "other"}, {"libraries": {}}])
def test_any_change_to_a_signed_manifest_is_refused(trained: TrainResult, tmp_path: Path, change: dict) -> None:
    signed = bundle.save(trained.model, tmp_path / "models", {"metrics": {}}, key=KEY)
    write_manifest(signed, {**read_manifest(signed), **change})
    with pytest.raises(BundleError, match="signature does not match"):
        bundle.load(signed, key=KEY)


def test_unsigned_or_foreign_key_bundles_are_refused_where_signatures_are_required(
    saved: Path, tmp_path: Path, trained: TrainResult
) -> None:
    assert bundle.load(saved).version == saved.name  # development: an unsigned bundle still loads
    with pytest.raises(BundleError, match="not signed"):
        bundle.load(saved, key=KEY, require_signature=True)
    other = bundle.save(trained.model, tmp_path / "other", {}, key="someone-elses-key-entirely")
    with pytest.raises(BundleError, match="signature does not match"):
        bundle.load(other, key=KEY, require_signature=True)
    with pytest.raises(BundleError, match="no key"):
        bundle.load(other, require_signature=True)
