"""Hard rules at serving time: same-day events, consent, repeated ids; exact time-aware counts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from matcher.contract import Dataset
from matcher.history import _Counter
from matcher.matching import Matcher
from training.pipeline import TrainResult

AS_OF = pd.Timestamp("2025-03-06")


def _matcher(trained: TrainResult, data: Dataset, events: pd.DataFrame | None = None, **columns) -> Matcher:
    seekers = data.seekers.assign(**columns) if columns else data.seekers
    return Matcher(trained.model, seekers, data.openings, data.events if events is None else events)


def test_an_application_earlier_on_the_as_of_day_excludes_the_opening(
    trained: TrainResult, planted_data: Dataset
) -> None:
    before = _matcher(trained, planted_data).matches(["S000"], AS_OF, k=3)
    top = before[0].opening_id
    applied = pd.DataFrame(
        [{"seeker_id": "S000", "opening_id": top, "event": "applied", "occurred_at": AS_OF + pd.Timedelta(hours=2)}]
    )
    events = pd.concat([planted_data.events, applied], ignore_index=True)
    after = _matcher(trained, planted_data, events).matches(["S000"], AS_OF, k=3)
    assert top not in {m.opening_id for m in after}
    # A request at a precise moment before the application still offers it.
    earlier = _matcher(trained, planted_data, events).matches(["S000"], AS_OF + pd.Timedelta(hours=1), k=3)
    assert top in {m.opening_id for m in earlier}


def test_a_position_filled_earlier_on_the_as_of_day_closes_a_full_opening(
    trained: TrainResult, planted_data: Dataset
) -> None:
    matcher = _matcher(trained, planted_data)
    opening = matcher.matches(["S000"], AS_OF, k=1)[0].opening_id
    positions = int(planted_data.openings.set_index("opening_id").at[opening, "positions"])
    hires = pd.DataFrame(
        [
            {
                "seeker_id": f"S1{i:02d}",
                "opening_id": opening,
                "event": "hired",
                "occurred_at": AS_OF + pd.Timedelta(hours=9),
            }
            for i in range(positions)
        ]
    )
    events = pd.concat([planted_data.events, hires], ignore_index=True)
    after = _matcher(trained, planted_data, events).matches(["S000"], AS_OF, k=50)
    assert opening not in {m.opening_id for m in after}


def test_candidates_leave_out_seekers_without_consent_unless_staff_ask(
    trained: TrainResult, planted_data: Dataset
) -> None:
    consent = planted_data.seekers["seeker_id"].str.endswith(("0", "2", "4"))
    matcher = _matcher(trained, planted_data, consent_employer_view=consent.to_numpy())
    allowed = set(planted_data.seekers["seeker_id"][consent])
    found = matcher.candidates(["O000", "O300"], AS_OF, k=20)
    assert found and {m.seeker_id for m in found} <= allowed
    everyone = matcher.candidates(["O000", "O300"], AS_OF, k=20, consented_only=False)
    assert {m.seeker_id for m in everyone} - allowed, "staff lists include seekers without consent"
    nobody = _matcher(trained, planted_data, consent_employer_view=False)
    assert nobody.candidates(["O000"], AS_OF, k=20) == []


def test_a_repeated_id_gets_one_list(planted_matcher: Matcher) -> None:
    once = planted_matcher.matches(["S000"], AS_OF, k=4)
    twice = planted_matcher.matches(["S000", "S000"], AS_OF, k=4)
    assert twice == once
    assert len({m.opening_id for m in twice}) == len(twice)


def test_counts_before_a_time_are_exact_for_large_keys_and_close_times() -> None:
    key = 2**30
    times = np.array([1_700_000_000, 1_700_000_030, 1_700_000_100])
    counter = _Counter(np.full(3, key), times)
    queries = np.array([1_700_000_031, 1_700_000_060, 1_700_000_101, 1_700_000_000])
    assert counter.before(np.full(4, key), queries).tolist() == [2, 2, 3, 0]
    assert counter.last_before(np.full(4, key), queries)[:3].tolist() == [1_700_000_030, 1_700_000_030, 1_700_000_100]
    assert np.isnan(counter.last_before(np.array([key]), np.array([1_700_000_000])))[0]
    assert counter.before(np.array([-1, key + 1]), np.array([1_800_000_000] * 2)).tolist() == [0, 0]
