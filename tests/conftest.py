"""Shared fixtures: the planted world as a contract folder, and one model trained on it per module;
the default sample world (``jobmatch sample`` with its defaults) with a model trained on its events
before the demo's day, once per session.

Training takes a couple of seconds on the planted world; it runs once per test module
(module-scoped fixtures), never per test. The default sample takes about a minute, once per session.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from matcher.contract import Dataset, load_folder
from matcher.matching import Matcher
from matcher.ranker import PairModel
from tests.worlds import TRADES, planted_world, write_world
from training.pipeline import TrainResult, train


@pytest.fixture(scope="session", autouse=True)
def _single_threaded():
    """The test worlds are tiny: native threads (OpenMP in gradient boosting, BLAS) only add overhead,
    and on a busy machine they oversubscribe the cores (training slows from ~2 s to over 20 s)."""
    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="module")
def planted_data(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    """The planted world written as a contract folder and loaded back through the contract."""
    folder = tmp_path_factory.mktemp("planted")
    write_world(planted_world(), folder)
    data = load_folder(folder)
    assert len(data.seekers) == len(data.openings) == 12 * len(TRADES)
    return data


@pytest.fixture(scope="module")
def trained(planted_data: Dataset) -> TrainResult:
    """Both rankers fitted on the planted world (no baselines: they are tested elsewhere)."""
    return train(planted_data, with_baselines=False)


@pytest.fixture(scope="module")
def planted_matcher(trained: TrainResult, planted_data: Dataset) -> Matcher:
    return Matcher(trained.model, planted_data.seekers, planted_data.openings, planted_data.events)


@dataclass(frozen=True)
class SampleDay:
    """The default sample world, its lists' day (the demo's) and a model trained on the events before it."""

    folder: Path
    data: Dataset
    as_of: pd.Timestamp
    model: PairModel
    matcher: Matcher


@pytest.fixture(scope="session")
def default_sample(tmp_path_factory: pytest.TempPathFactory) -> SampleDay:
    """``jobmatch sample`` with its defaults (seed 7, 2,000 seekers, 600 openings), trained as the demo trains."""
    from jobmatch_cli.demo import demo_day
    from training.sample import generate

    folder = tmp_path_factory.mktemp("default-sample")
    generate(folder, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = load_folder(folder)
    as_of = pd.Timestamp(demo_day(data.openings))
    model = train(data, until=as_of, with_baselines=False).model
    return SampleDay(folder, data, as_of, model, Matcher(model, data.seekers, data.openings, data.events))
