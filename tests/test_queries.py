"""matcher/queries.py: negatives are distinct candidates the hard rules allow, drawn at random."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from matcher.contract import Dataset, load_folder
from matcher.queries import CandidatePool, _sample_eligible_seekers
from training.sample import generate


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> CandidatePool:
    folder = Path(tmp_path_factory.mktemp("small"))
    generate(folder, n_seekers=400, n_openings=120, seed=3, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data: Dataset = load_folder(folder)
    return CandidatePool(data.seekers, data.openings)


@pytest.mark.parametrize("n", [5, 30, 500])
def test_sampled_seekers_are_distinct_eligible_and_as_many_as_allowed(pool: CandidatePool, n: int) -> None:
    openings = np.arange(len(pool.openings))
    rows, seekers = _sample_eligible_seekers(pool, openings, n, np.random.default_rng(0))
    eligible = pool.eligible_block(np.arange(len(pool.seekers)))  # seekers × openings
    assert eligible[seekers, openings[rows]].all(), "a sampled seeker is not eligible for its opening"
    for position, opening in enumerate(openings):
        picked = seekers[rows == position]
        assert len(set(picked.tolist())) == len(picked), "a seeker was sampled twice for one opening"
        assert len(picked) == min(n, int(eligible[:, opening].sum()))


def test_sampling_covers_the_eligible_seekers_evenly(pool: CandidatePool) -> None:
    opening = np.array([int(np.argmax(pool.eligible_block(np.arange(len(pool.seekers))).sum(axis=0)))])
    eligible = np.flatnonzero(pool.eligible_block(np.arange(len(pool.seekers)), opening)[:, 0])
    rng = np.random.default_rng(1)
    counts = np.zeros(len(pool.seekers))
    for _ in range(3000):
        _, seekers = _sample_eligible_seekers(pool, opening, 10, rng)
        counts[seekers] += 1
    expected = 3000 * 10 / len(eligible)
    assert counts[np.setdiff1d(np.arange(len(counts)), eligible)].sum() == 0
    assert counts[eligible].min() > expected / 2 and counts[eligible].max() < expected * 2
