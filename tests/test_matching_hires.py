"""What a list was chosen from (Matcher.match_lists' ``considered``): a hire, filling an opening or not, alters
only the lists whose ranker scored that opening; every other list ranked again is the same list. The service's
cache keeps lists by this (service.serving.unaltered)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from matcher.contract import Dataset
from matcher.matching import APPLIED_EVENTS, Matcher, _first_times
from training.pipeline import train

AS_OF = pd.Timestamp("2025-03-06")


@pytest.fixture(scope="module")
def narrow(planted_data: Dataset) -> Matcher:
    """Trained on the events before the lists' day, as a service's bundle is (on a day the bundle's history has
    seen past, every new event refits it and alters every list: service.serving.unaltered drops them all). A
    shortlist far below the open openings, so that stage one leaves most of them out of each list."""
    trained = train(planted_data, until=AS_OF, with_baselines=False)
    return Matcher(trained.model, planted_data.seekers, planted_data.openings, planted_data.events, shortlist=8)


def _each(matcher: Matcher, seekers: list[str], **options: object) -> dict[str, tuple[list, frozenset[str]]]:
    out = {}
    for seeker_id in seekers:
        listing = matcher.match_lists([seeker_id], AS_OF, k=5, **options)
        out[seeker_id] = (listing.matches, listing.considered)
    return out


def _hired(matcher: Matcher, opening_id: str, how_many: int) -> Matcher:
    others = list(matcher.seekers["seeker_id"])[-how_many:]
    hires = pd.DataFrame(
        {"seeker_id": others, "opening_id": opening_id, "event": "hired", "occurred_at": AS_OF - pd.Timedelta(hours=3)}
    )
    return matcher.add_events(hires)


@pytest.mark.parametrize("fill", [True, False])
@pytest.mark.parametrize("spread", [False, True])
def test_a_hire_alters_only_the_lists_chosen_from_among_its_opening(narrow: Matcher, fill: bool, spread: bool) -> None:
    seekers = list(narrow.seekers["seeker_id"])[:-6]  # the last six are hired below
    rng = np.random.default_rng(0)
    shown = None
    if spread:  # the day's lists shown elsewhere: a hire changes the positions left, hence the congestion
        shown = (rng.integers(0, 4, len(narrow.openings)).astype(float), 40)
    before = _each(narrow, seekers, shown=shown)
    positions_of = narrow.openings.set_index("opening_id")["positions"].fillna(1).astype(int)
    # The most listed opening (many lists considered it); one with a position to spare when it is not filled.
    listed = [m.opening_id for matches, _ in before.values() for m in matches if fill or positions_of[m.opening_id] > 1]
    opening_id = max(set(listed), key=listed.count)
    positions = int(positions_of[opening_id])
    hired = _hired(narrow, opening_id, positions if fill else positions - 1)
    # The day's view of open openings (and what stage one remembered of them) is kept unless the hire filled one.
    assert (hired._open_cache.get(AS_OF) is narrow._open_cache[AS_OF]) == (not fill)
    after = _each(hired, seekers, shown=shown)
    kept = [s for s in seekers if opening_id not in before[s][1]]
    held = [s for s in seekers if opening_id in before[s][1]]
    assert kept and held, "both kinds of lists are there"
    for seeker_id in kept:
        assert after[seeker_id][0] == before[seeker_id][0], seeker_id
    if fill:
        changed = [s for s in held if after[s][0] != before[s][0]]
        assert changed, "a full opening leaves the lists that held it"
        assert all(opening_id not in {m.opening_id for m in after[s][0]} for s in held)


def test_considered_holds_the_list_and_what_the_ranker_scored(narrow: Matcher, planted_data: Dataset) -> None:
    whole = Matcher(narrow.model, planted_data.seekers, planted_data.openings, planted_data.events)
    for matcher, most in ((narrow, 8), (whole, len(planted_data.openings))):
        for seeker_id in list(matcher.seekers["seeker_id"])[:10]:
            listing = matcher.match_lists([seeker_id], AS_OF, k=5)
            assert {m.opening_id for m in listing.matches} <= listing.considered
            assert len(listing.considered) <= most
            assert listing.matches == matcher.matches([seeker_id], AS_OF, k=5)


def test_appended_events_are_the_events(narrow: Matcher) -> None:
    """Events appended part by part (no copy of the whole frame each time) read back as one frame, in order."""
    matcher, parts = narrow, []
    for n in range(70):  # more parts than are kept before the newer ones are joined
        part = pd.DataFrame(
            {"seeker_id": [f"S00{n % 3}"], "opening_id": ["O000"], "event": ["viewed"], "occurred_at": [AS_OF]}
        )
        parts.append(part)
        matcher = matcher.add_events(part)
    expected = pd.concat([narrow.events, *parts], ignore_index=True)
    pd.testing.assert_frame_equal(matcher.events, expected)
    assert len(narrow.events) == len(expected) - 70, "the Matcher it came from is unchanged"


def test_appended_applications_index_as_recomputed_ones(narrow: Matcher) -> None:
    """New applications are appended to the hard rules' index (no groupby over every application); the index
    equals the one recomputed from all of them, and a repeated or unknown pair still takes the long way."""
    seekers, openings = list(narrow.seekers["seeker_id"]), list(narrow.openings["opening_id"])
    known = narrow._applied_pairs.iloc[0]
    applied = set(zip(narrow._applied_pairs["seeker_id"], narrow._applied_pairs["opening_id"], strict=True))
    new = [(s, o) for s in seekers[:6] for o in openings[::-7] if (s, o) not in applied]
    batches = [
        [(*new[0], "applied"), (*new[1], "interviewed"), (*new[-1], "applied")],
        [(*new[2], "rejected")],
        [(known["seeker_id"], known["opening_id"], "applied")],  # already applied: recomputed
        [("S-unknown", openings[2], "applied")],  # a seeker not in the table: recomputed
    ]  # fmt: skip
    matcher = narrow
    for n, batch in enumerate(batches):
        events = pd.DataFrame(batch, columns=["seeker_id", "opening_id", "event"]).assign(
            occurred_at=AS_OF - pd.Timedelta(hours=n + 1)
        )
        appended = matcher._applications_appended(_first_times(events, APPLIED_EVENTS))
        assert (appended is not None) == (n < 2), "the short way for new pairs of known seekers and openings"
        matcher = matcher.add_events(events)
        fresh = Matcher(matcher.model, matcher.seekers, matcher.openings, matcher.events, shortlist=8)
        pd.testing.assert_frame_equal(matcher._applied_pairs, fresh._applied_pairs)
        for ours, theirs in zip(matcher._applied, fresh._applied, strict=True):
            np.testing.assert_array_equal(ours, theirs)
        assert matcher.match_lists([seekers[5]], AS_OF, k=5) == fresh.match_lists([seekers[5]], AS_OF, k=5)
