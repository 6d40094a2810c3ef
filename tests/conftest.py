"""Shared fixtures: the planted world as a contract folder, and one model trained on it per module.

Training takes a couple of seconds on the planted world; it runs once per test module
(module-scoped fixtures), never per test.
"""

from __future__ import annotations

import pytest
from threadpoolctl import threadpool_limits

from matcher.contract import Dataset, load_folder
from matcher.matching import Matcher
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
