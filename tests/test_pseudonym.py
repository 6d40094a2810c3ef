"""The pseudonymised export's guarantee (service.pseudonym): k-anonymity on the quasi-identifiers, whatever the
table, by generalising the same way for every row and leaving out as few seekers as it can."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from matcher import reference
from matcher.contract import parse_records
from service.pseudonym import MAX_LEFT_OUT, QUASI_IDENTIFIERS, K, k_anonymise, smallest_group
from training.sample import generate

DONGS = list(reference.dongs().index)
OCCUPATIONS = ["봉제 미싱사", "수제화 제조원", "웹 개발자", "요양보호사", "바리스타", "지게차 운전원", "판매원"]


def random_seekers(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    records = [{
        "seeker_id": f"S{i}", "birth_year": int(rng.integers(1945, 2008)),
        "gender": str(rng.choice(["F", "M", "X"])), "dong": str(rng.choice(DONGS)),
        "education": str(rng.choice(["middle", "high", "college", "university", "graduate"])),
        "experience_years": float(rng.choice([0, 0.5, 1, 2, 3.5, 7, 12, 25])),
        "occupations": list(rng.choice(OCCUPATIONS, size=int(rng.integers(0, 3)), replace=False)),
        "consent_employer_view": True,
    } for i in range(n)]  # fmt: skip
    if n and seed % 2:  # a few outside the district, with coordinates
        records[0] |= {"dong": "분당구", "lat": 37.3827, "lon": 127.1189}
    frame, problems = parse_records("seekers", records)
    assert not problems
    return frame


def _unique_share(seekers: pd.DataFrame, columns: list[str]) -> float:
    key = seekers[columns].map(repr).agg("|".join, axis=1)
    return float((key.map(key.value_counts()) == 1).mean())


@pytest.mark.parametrize(("n", "seed"), [(0, 0), (3, 1), (12, 2), (60, 3), (400, 4), (3000, 5)])
def test_every_combination_of_quasi_identifiers_is_shared_by_k_seekers(n: int, seed: int) -> None:
    seekers = random_seekers(n, seed)
    done = k_anonymise(seekers)
    assert len(done.seekers) + len(done.left_out) == n
    assert done.seekers.empty or smallest_group(done.seekers) >= K
    assert set(done.seekers["seeker_id"]).isdisjoint(done.left_out)
    if n >= 400:
        assert len(done.left_out) <= MAX_LEFT_OUT * n
    # The written values still pass the contract (they are read back for training).
    records = done.seekers.drop(columns=["desired_wage_hourly"]).to_dict("records")
    assert not parse_records("seekers", records)[1]


def test_the_sample_world_was_mostly_unique_and_no_seeker_is_after(tmp_path) -> None:
    """The probe found 83 % of exported rows unique on (5-year band, gender, dong, experience, occupations)."""
    generate(tmp_path, n_seekers=2000, seed=7, progress=False)
    from matcher.contract import load_folder

    seekers = load_folder(tmp_path).seekers
    banded = seekers.assign(birth_year=seekers["birth_year"] // 5 * 5)
    issue = ["birth_year", "gender", "dong", "experience_years", "occupations"]
    assert _unique_share(banded, issue) > 0.5
    done = k_anonymise(seekers)
    assert _unique_share(done.seekers, list(QUASI_IDENTIFIERS)) == 0
    assert smallest_group(done.seekers) >= K and len(done.left_out) <= MAX_LEFT_OUT * len(seekers)
