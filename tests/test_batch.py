"""Batch lists chunk by chunk (matcher.batch), in process and on a Dask cluster (``jobmatch recommend --scheduler``):
the same rows, ranks, scores, reasons and cautions as the Matcher's own calls, and the same CSV.

The cluster is a ``LocalCluster`` of two single-threaded worker *processes*: the Matcher is pickled and sent to
each, as it is to a remote cluster's workers, so the test sees whatever would not survive the trip; threads in
this process would share its objects and hide that. Its dashboard is off, its ports chosen free by the system.
"""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from distributed import Client, LocalCluster

from jobmatch_cli.dask_cluster import DaskRunner, dask_runner
from jobmatch_cli.main import build_parser, main
from matcher import batch, bundle
from matcher.contract import Dataset
from matcher.matching import Matcher
from matcher.model import match_frame

DAY = pd.Timestamp("2025-02-20")  # the planted world's lists of this day refit the history (tests/test_as_of.py)
SMALL_BLOCKS = 500  # pairs a block: the planted world's lists fall into several chunks


@pytest.fixture(scope="module")
def client():
    """Two worker processes and their scheduler, closed (and their processes gone) whatever the tests did."""
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        yield client
    assert not multiprocessing.active_children(), "a worker process outlived its cluster"


@pytest.fixture(scope="module")
def matcher(planted_matcher: Matcher) -> Matcher:
    planted_matcher.prepare(DAY)
    return planted_matcher


def seeker_ids(matcher: Matcher) -> list[str]:
    """Every seeker, not in table order (the lists come back in table order, as the Matcher gives them)."""
    ids = list(matcher.seekers["seeker_id"])
    return ids[1::2] + ids[::2]


def expected(matcher: Matcher, side: str) -> pd.DataFrame:
    if side == "seeker":
        return match_frame(matcher.matches(seeker_ids(matcher), DAY, 10), "seeker")
    return match_frame(matcher.candidates(list(matcher.openings["opening_id"]), DAY, 10), "opening")


def batch_lists(runner: batch.Runner, matcher: Matcher, side: str) -> pd.DataFrame:
    if side == "seeker":
        return batch.seeker_lists(runner, matcher, seeker_ids(matcher), DAY, 10, chunk_pairs=SMALL_BLOCKS)
    ids = list(matcher.openings["opening_id"])
    return batch.opening_lists(runner, matcher, ids, DAY, 10, chunk_pairs=SMALL_BLOCKS)


class CountingChunks(batch.InProcess):
    """The in-process runner, counting the chunks of its largest step."""

    most = 0

    def map(self, work, *arguments, what=None):
        self.most = max(self.most, len(arguments[0]))
        return super().map(work, *arguments, what=what)


@pytest.mark.parametrize("side", ["seeker", "opening"])
def test_in_process_chunks_give_the_matchers_lists(matcher: Matcher, side: str) -> None:
    want = expected(matcher, side)
    assert len(want) > 100 and want["reasons"].map(len).gt(0).any()  # lists with reasons to compare
    runner = CountingChunks(matcher)
    pd.testing.assert_frame_equal(batch_lists(runner, matcher, side), want, check_exact=True)
    assert runner.most > 2, "the lists fell into several chunks"


@pytest.mark.parametrize("side", ["seeker", "opening"])
def test_dask_chunks_give_the_matchers_lists(client: Client, matcher: Matcher, side: str) -> None:
    runner = DaskRunner(client, matcher)
    assert len(client.scheduler_info()["workers"]) == 2 and runner.chunks == 8
    found = batch_lists(runner, matcher, side)
    pd.testing.assert_frame_equal(found, expected(matcher, side), check_exact=True)


def test_the_seekers_pools_stay_on_the_workers(client: Client, matcher: Matcher) -> None:
    """Only the pools' seekers, openings, scores and misses come back for the joint choice, not their features."""
    runner = DaskRunner(client, matcher)
    pools = runner.map(batch._pools, [seeker_ids(matcher)[:20]], [DAY], [10], [SMALL_BLOCKS])
    [light] = runner.gather(runner.map(batch._without_features, pools), "pools")
    [whole] = runner.gather(pools, "pools")
    assert whole.x.shape[1] > 0 and light.x.shape == (len(whole.s), 0)
    assert (light.s == whole.s).all() and (light.score == whole.score).all()


def test_recommend_on_a_dask_scheduler_writes_the_same_csv(
    client: Client, trained, planted_data: Dataset, tmp_path: Path
) -> None:
    models = tmp_path / "models"
    bundle.save(trained.model, models, {})
    folder = _write(planted_data, tmp_path / "data")
    for side in ("--seekers", "--openings"):
        written = {}
        for how, extra in (("here", []), ("dask", ["--scheduler", client.scheduler.address])):
            out = tmp_path / f"{how}{side}.csv"
            args = ["recommend", "--data", str(folder), "--model-dir", str(models), side, "all", "--as-of"]
            assert main([*args, str(DAY.date()), "--out", str(out), *extra]) == 0
            written[how] = out.read_bytes()
        assert written["dask"] == written["here"]
        assert written["here"].count(b"\n") > 50


def test_dask_without_the_extra_says_which_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if distributed were not installed
    args = ["recommend", "--data", str(tmp_path / "absent"), "--model-dir", str(tmp_path), "--seekers", "all"]
    assert main([*args, "--out", str(tmp_path / "out.csv"), "--scheduler", "local:2"]) == 2
    err = capsys.readouterr().err
    assert "recommend --scheduler needs the package distributed" in err and "pip install 'jobmatch[dask]'" in err
    assert "absent" not in err  # stopped before reading the data folder


def test_dask_is_a_hidden_alias_of_scheduler(capsys) -> None:
    """``--dask``, the option's first name, still parses to the scheduler; the help names only ``--scheduler``."""
    parser = build_parser()
    common = ["recommend", "--data", "d", "--seekers", "all", "--out", "o.csv"]
    assert parser.parse_args([*common, "--dask", "local:2"]).scheduler == "local:2"
    assert parser.parse_args([*common, "--scheduler", "tcp://h:8786"]).scheduler == "tcp://h:8786"
    assert parser.parse_args(common).scheduler is None
    with pytest.raises(SystemExit):
        parser.parse_args(["recommend", "--help"])
    shown = capsys.readouterr().out
    assert "--scheduler ADDRESS" in shown and "--dask" not in shown


def test_a_local_cluster_without_workers_is_refused(planted_matcher: Matcher) -> None:
    with pytest.raises(ValueError, match="local:N with N workers"), dask_runner("local:0", planted_matcher):
        pass


def test_without_dask_nothing_imports_it() -> None:
    code = (
        "import sys; from jobmatch_cli import main, training_commands; from matcher import batch; "
        "main.build_parser(); print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert done.stdout.strip() == "[]"


def _write(data: Dataset, folder: Path) -> Path:
    from matcher.contract import write_table

    folder.mkdir(parents=True)
    for name in ("seekers", "openings", "events"):
        write_table(getattr(data, name), folder / f"{name}.csv", name)
    return folder
