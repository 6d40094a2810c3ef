"""Matcher updates without a rebuild (matcher/matching.py): every updated Matcher must rank exactly
as a Matcher built from scratch on the updated tables, and the Matcher it came from must not change."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from matcher.contract import Dataset
from matcher.encoded import Encoded
from matcher.matching import Matcher
from training.pipeline import TrainResult

AS_OF = pd.Timestamp("2025-03-06")


def lists(matcher: Matcher, as_of: pd.Timestamp = AS_OF, k: int = 200) -> tuple[list, list]:
    """Every match and every candidate list of a Matcher (k large: whole lists, scores included)."""
    seekers = list(matcher.seekers["seeker_id"])
    openings = list(matcher.openings["opening_id"])
    return matcher.matches(seekers, as_of, k=k), matcher.candidates(openings, as_of, k=k)


def event(seeker: str, opening: str, kind: str, when: pd.Timestamp) -> dict:
    return {"seeker_id": seeker, "opening_id": opening, "event": kind, "occurred_at": when}


def new_opening(data: Dataset, template: str, new_id: str, **changes) -> pd.DataFrame:
    row = data.openings[data.openings["opening_id"] == template].copy()
    return row.assign(opening_id=new_id, **changes)


def new_seeker(data: Dataset, template: str, new_id: str, **changes) -> pd.DataFrame:
    row = data.seekers[data.seekers["seeker_id"] == template].copy()
    return row.assign(seeker_id=new_id, **changes)


def open_of(data: Dataset, trade: int) -> str:
    """The newest opening of a trade open on AS_OF (in the planted world, seekers engage with
    openings in their first three weeks only, and the ranker learns that)."""
    o = data.openings
    is_open = (o["posted_at"] <= AS_OF) & (o["deadline"] >= AS_OF) & o["opening_id"].str.startswith(f"O{trade}")
    return str(o.loc[is_open].sort_values("posted_at")["opening_id"].iloc[-1])


def viewers(matcher: Matcher, opening: str) -> set[str]:
    """Seekers whose list may hold the opening on AS_OF (every allowed opening listed, as the rules leave them)."""
    found = matcher.matches(list(matcher.seekers["seeker_id"]), AS_OF, k=200, congestion=False, padded=True)
    return {m.seeker_id for m in found if m.opening_id == opening}


@pytest.fixture(scope="module")
def base(trained: TrainResult, planted_data: Dataset) -> Matcher:
    return Matcher(trained.model, planted_data.seekers, planted_data.openings, planted_data.events)


def test_an_upserted_new_opening_ranks_as_in_a_matcher_built_from_scratch(
    trained: TrainResult, planted_data: Dataset, base: Matcher
) -> None:
    added = new_opening(planted_data, open_of(planted_data, 2), "O-NEW-1", employer_id="E-NEW")
    updated = base.upsert_openings(added)
    scratch = Matcher(
        trained.model,
        planted_data.seekers,
        pd.concat([planted_data.openings, added], ignore_index=True),
        planted_data.events,
    )
    found = updated.matches(["S200", "S201"], AS_OF, k=3)
    assert "O-NEW-1" in {m.opening_id for m in found}, "a copy of an open own-trade opening should rank near the top"
    assert lists(updated) == lists(scratch)
    assert "O-NEW-1" not in {m.opening_id for m in base.matches(["S200"], AS_OF, k=200)}, "the old Matcher changed"


def test_an_opening_held_out_then_upserted_ranks_as_if_it_was_always_there(
    trained: TrainResult, planted_data: Dataset
) -> None:
    """An opening known to the trained history (its id has events) keeps its collaborative features."""
    held = open_of(planted_data, 4)
    without = planted_data.openings[planted_data.openings["opening_id"] != held]
    full = pd.concat([without, planted_data.openings[planted_data.openings["opening_id"] == held]], ignore_index=True)
    partial = Matcher(trained.model, planted_data.seekers, without, planted_data.events)
    updated = partial.upsert_openings(full.tail(1))
    assert lists(updated) == lists(Matcher(trained.model, planted_data.seekers, full, planted_data.events))


def test_upserting_an_existing_opening_replaces_it_in_place(
    trained: TrainResult, planted_data: Dataset, base: Matcher
) -> None:
    target = open_of(planted_data, 1)
    changed = planted_data.openings[planted_data.openings["opening_id"] == target].assign(
        deadline=AS_OF - pd.Timedelta(days=1)
    )
    updated = base.upsert_openings(changed)
    assert list(updated.openings["opening_id"]) == list(base.openings["opening_id"]), "row order is kept"
    assert target not in {m.opening_id for m in updated.matches(["S100", "S101"], AS_OF, k=200)}
    assert target in {m.opening_id for m in base.matches(["S100", "S101"], AS_OF, k=200)}
    openings = planted_data.openings.set_index("opening_id")
    openings.loc[target, "deadline"] = AS_OF - pd.Timedelta(days=1)
    scratch = Matcher(trained.model, planted_data.seekers, openings.reset_index(), planted_data.events)
    assert lists(updated) == lists(scratch)


def test_an_upserted_seeker_gets_matches_and_is_a_candidate_as_from_scratch(
    trained: TrainResult, planted_data: Dataset, base: Matcher
) -> None:
    brand_new = new_seeker(planted_data, "S300", "S-NEW-1")
    replacement = new_seeker(planted_data, "S401", "S000", birth_year=1960)  # S000 moves to trade 4
    updated = base.upsert_seekers(pd.concat([brand_new, replacement]))
    assert len(updated.seekers) == len(base.seekers) + 1
    assert list(updated.seekers["seeker_id"])[: len(base.seekers)] == list(base.seekers["seeker_id"])
    seekers = planted_data.seekers.copy()
    seekers.loc[seekers["seeker_id"] == "S000"] = replacement.to_numpy()
    seekers = pd.concat([seekers, brand_new], ignore_index=True)
    scratch = Matcher(trained.model, seekers, planted_data.openings, planted_data.events)
    assert lists(updated) == lists(scratch)
    top = updated.matches(["S-NEW-1"], AS_OF, k=1)[0]
    assert top.opening_id.startswith("O3"), "a copy of a trade-3 seeker is matched within trade 3"
    candidates = updated.candidates(list(planted_data.openings["opening_id"]), AS_OF, k=200)
    assert "S-NEW-1" in {m.seeker_id for m in candidates}
    with pytest.raises(KeyError):
        base.matches(["S-NEW-1"], AS_OF)


def test_an_application_removes_the_opening_from_that_seekers_list_only(base: Matcher) -> None:
    top = base.matches(["S000"], AS_OF, k=1)[0].opening_id
    later = base.add_events(pd.DataFrame([event("S000", top, "applied", AS_OF - pd.Timedelta(hours=3))]))
    assert top not in {m.opening_id for m in later.matches(["S000"], AS_OF, k=200)}
    others = viewers(base, top) - {"S000"}
    assert others, "someone else may still see the opening"
    assert viewers(later, top) == others
    assert top in {m.opening_id for m in base.matches(["S000"], AS_OF, k=200)}, "the old Matcher changed"


def test_a_hire_filling_the_last_position_removes_the_opening_for_everyone(
    trained: TrainResult, planted_data: Dataset, base: Matcher
) -> None:
    target = open_of(planted_data, 0)
    positions = int(planted_data.openings.set_index("opening_id").at[target, "positions"])
    hires = [event(f"S5{i:02d}", target, "hired", AS_OF - pd.Timedelta(hours=1)) for i in range(positions)]
    one_short = base.add_events(pd.DataFrame(hires[:-1]))
    hired_so_far = {h["seeker_id"] for h in hires[:-1]}  # a hire is an application too
    assert viewers(one_short, target) == viewers(base, target) - hired_so_far != set()
    full = one_short.add_events(pd.DataFrame(hires[-1:]))
    assert viewers(full, target) == set()
    events = pd.concat([planted_data.events, pd.DataFrame(hires)], ignore_index=True)
    scratch = Matcher(trained.model, planted_data.seekers, planted_data.openings, events)
    assert lists(full) == lists(scratch)


def test_dropping_a_seekers_events_equals_a_matcher_built_without_them(
    trained: TrainResult, planted_data: Dataset, base: Matcher
) -> None:
    target = open_of(planted_data, 0)
    positions = int(planted_data.openings.set_index("opening_id").at[target, "positions"])
    when = AS_OF - pd.Timedelta(hours=1)
    hires = pd.DataFrame([event(f"S5{i:02d}", target, "hired", when) for i in range(positions)])
    full = base.add_events(hires)
    assert viewers(full, target) == set()
    gone = ["S500", "S000"]  # a hired seeker, and one with history of its own
    dropped = full.drop_events(gone).remove_seekers(gone)
    assert viewers(dropped, target), "the erased hire gave the opening a position back"
    events = pd.concat([planted_data.events, hires], ignore_index=True)
    kept = ~events["seeker_id"].isin(gone)
    seekers = planted_data.seekers[~planted_data.seekers["seeker_id"].isin(gone)]
    scratch = Matcher(trained.model, seekers, planted_data.openings, events[kept])
    assert lists(dropped) == lists(scratch)


def test_events_for_rows_not_yet_loaded_count_once_the_rows_arrive(planted_data: Dataset, base: Matcher) -> None:
    added = new_opening(planted_data, open_of(planted_data, 5), "O-NEW-2")
    applied = pd.DataFrame([event("S500", "O-NEW-2", "applied", AS_OF - pd.Timedelta(days=1))])
    later = base.add_events(applied).upsert_openings(added)
    assert "O-NEW-2" not in {m.opening_id for m in later.matches(["S500"], AS_OF, k=200)}
    assert "O-NEW-2" in {m.opening_id for m in later.matches(["S501"], AS_OF, k=200)}


def test_removed_rows_leave_every_list(trained: TrainResult, planted_data: Dataset, base: Matcher) -> None:
    gone_openings = [open_of(planted_data, t) for t in range(3)]
    gone_seekers = ["S000", "S101", "S202"]
    smaller = base.remove_openings([*gone_openings, "O-UNKNOWN"]).remove_seekers(gone_seekers)
    matches, candidates = lists(smaller)
    assert not {m.opening_id for m in matches + candidates} & set(gone_openings)
    assert not {m.seeker_id for m in matches + candidates} & set(gone_seekers)
    with pytest.raises(KeyError):
        smaller.matches(["S000"], AS_OF)
    with pytest.raises(KeyError):
        smaller.candidates(gone_openings[:1], AS_OF)
    scratch = Matcher(
        trained.model,
        planted_data.seekers[~planted_data.seekers["seeker_id"].isin(gone_seekers)],
        planted_data.openings[~planted_data.openings["opening_id"].isin(gone_openings)],
        planted_data.events,
    )
    assert (matches, candidates) == lists(scratch)
    assert base.remove_openings(["O-UNKNOWN"]) is base


def test_updates_leave_the_old_matcher_serving_the_same_lists(planted_data: Dataset, base: Matcher) -> None:
    before = lists(base)
    target = open_of(planted_data, 3)
    changed = (
        base.upsert_openings(new_opening(planted_data, target, "O-NEW-3"))
        .upsert_seekers(new_seeker(planted_data, "S300", "S-NEW-3"))
        .add_events(pd.DataFrame([event("S300", target, "applied", AS_OF - pd.Timedelta(days=1))]))
        .remove_openings([open_of(planted_data, 1)])
    )
    assert lists(changed) != before
    assert lists(base) == before


def test_readers_of_the_old_matcher_are_unaffected_by_concurrent_updates(planted_data: Dataset, base: Matcher) -> None:
    expected = base.matches(["S000", "S300"], AS_OF, k=5)
    errors: list[BaseException] = []
    results: list[list] = []

    def read() -> None:
        try:
            for _ in range(5):
                results.append(base.matches(["S000", "S300"], AS_OF, k=5))
        except BaseException as exc:
            errors.append(exc)

    readers = [threading.Thread(target=read) for _ in range(3)]
    for t in readers:
        t.start()
    current = base
    for i in range(5):
        current = current.upsert_openings(new_opening(planted_data, open_of(planted_data, 0), f"O-T{i}"))
        current = current.add_events(pd.DataFrame([event("S000", f"O-T{i}", "applied", AS_OF)]))
    for t in readers:
        t.join()
    assert not errors
    assert results and all(r == expected for r in results)


# -- Encoded take / concat -----------------------------------------------------------------------
def _same(a: Encoded, b: Encoded) -> bool:
    for name, value in a._parts().items():
        other = b._parts()[name]
        if value is None or other is None:
            if value is not other:
                return False
        elif sp.issparse(value):
            if value.shape != other.shape or (value != other).nnz:
                return False
        elif isinstance(value, dict):
            if value.keys() != other.keys() or not all(
                np.array_equal(value[k], other[k], equal_nan=value[k].dtype.kind == "f") for k in value
            ):
                return False
        elif not np.array_equal(value, other):
            return False
    return True


def test_encodings_of_parts_concatenate_to_the_encoding_of_the_whole(
    trained: TrainResult, planted_data: Dataset
) -> None:
    featurizer = trained.model.featurizer_
    for encode, table in ((featurizer.encode_seekers, planted_data.seekers),
                          (featurizer.encode_openings, planted_data.openings)):  # fmt: skip
        whole = encode(table)
        parts = Encoded.concat([encode(table.iloc[:30]), encode(table.iloc[30:])])
        assert _same(parts, whole)
        order = np.random.default_rng(0).permutation(len(table))
        assert _same(whole.take(order), encode(table.iloc[order]))
        assert not _same(whole.take(order), whole)
