"""Offline evaluation on a split of the events (by time, or leave-one-out: :mod:`matcher.splits`), the learned
ranker beside the classic baselines.

The learned ranker is evaluated as it serves: stage one shortlists each query's
candidates (``shortlist``, default :data:`matcher.retrieval.SHORTLIST`), the
gradient-boosting ranker orders the shortlist; candidates left out of the
shortlist are not listed (see matcher/matching.py).

Every system ranks the same candidates: for a seeker query, the openings open on
its as-of day, eligible, with positions left and not applied to before; for an
opening query, every eligible seeker. Gains are the graded outcomes of the test
part (hired/retained 4, interviewed 3, applied 2, viewed 1 on the seeker side;
applied 1, interviewed 3, hired 4 on the opening side; rejected/declined 0).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from matcher import lists
from matcher.features import Featurizer
from matcher.lists import Scored
from matcher.matching import APPLIED_EVENTS, Matcher
from matcher.pair_views import BlockView
from matcher.queries import CandidatePool, held_out_queries, opening_queries, seeker_queries
from matcher.ranker import PairModel
from matcher.retrieval import SHORTLIST
from matcher.splits import HeldOut, Split, TimeSplit
from training import audit, metrics
from training.baselines import Recommender, baselines

K = 10
SIDES = ("seeker", "opening")
MAX_QUERIES = 1000  # queries evaluated per side (a random subset when there are more)
CANDIDATE_POOL = 1000  # opening side: seekers ranked per opening, the truth plus a random eligible sample
DAY_CHUNK = 512  # queries ranked together (one day's at most)
DAY_SEEKERS = 5_000  # seekers whose lists of the test's first day are audited (a seeded sample beyond)


@dataclass
class EvalQueries:
    """Test queries of one side with their candidates' masks and graded truth."""

    side: str
    rows: np.ndarray  # seeker rows (seeker side) or opening rows (opening side)
    days: np.ndarray  # as-of day of each query
    truth: list[dict[int, float]]  # candidate row → gain
    groups: list[tuple[str, ...]]  # reporting groups of each query


def build_queries(
    side: str,
    events: pd.DataFrame,
    test_start: pd.Timestamp,
    tables: CandidatePool,
    limit: int | None = None,
    seed: int = 0,
) -> EvalQueries:
    """One query per seeker (or opening) at its first test day; truth is every pair it began in the test window.

    With ``limit``, at most that many queries: a seeded random subset of them.
    """
    if side == "seeker":
        pairs, key, partner = seeker_queries(events, tables, test_start), "s", "o"
    else:
        pairs, key, partner = opening_queries(events, tables, test_start), "o", "s"
    pairs = pairs.assign(start=pairs.groupby(key)["at"].transform("min"))
    starts = pairs.groupby(key)["start"].first()
    pairs = pairs[pairs["grade"] > 0]
    keys = pairs[key].unique()
    if limit is not None and len(keys) > limit:
        chosen = np.random.default_rng(seed).choice(np.sort(keys), limit, replace=False)
        pairs = pairs[pairs[key].isin(chosen)]
    rows, days, truth, groups = [], [], [], []
    for row, part in pairs.groupby(key, sort=True):
        rows.append(row)
        days.append(starts[row])
        truth.append(dict(zip(part[partner].to_numpy(), part["grade"].astype(float), strict=True)))
        if side == "seeker":
            groups.append(tuple(tables.seekers.at[row, "groups"]) or ("none",))
        else:
            groups.append((str(tables.openings.at[row, "program"]),))
    return EvalQueries(side, np.asarray(rows, dtype=int), np.asarray(days, dtype="datetime64[ns]"), truth, groups)


def subsample(queries: EvalQueries, seed: int, limit: int = MAX_QUERIES) -> EvalQueries:
    """At most ``limit`` queries, a seeded random subset, so evaluation stays bounded on large data."""
    if len(queries.rows) <= limit:
        return queries
    keep = np.sort(np.random.default_rng(seed).choice(len(queries.rows), limit, replace=False))
    return EvalQueries(
        queries.side,
        queries.rows[keep],
        queries.days[keep],
        [queries.truth[i] for i in keep],
        [queries.groups[i] for i in keep],
    )


def evaluation_queries(side: str, split: Split, tables: CandidatePool, masks: CandidateMasks, seed: int) -> EvalQueries:
    """The evaluated queries of one side of a split: reachable truth only, at most :data:`MAX_QUERIES` of them.

    A time split asks each seeker (or opening) on its first test day for every pair it began in the test
    window; a leave-one-out split asks each at the split's moment for its held-out pairs. Twice as many are
    drawn before the (costly) reachability check, which drops a few, so large histories are not built and
    checked query by query in full.
    """
    if isinstance(split, TimeSplit):
        drawn = build_queries(side, split.events, split.test_start, tables, limit=2 * MAX_QUERIES, seed=seed)
    else:
        drawn = held_out_eval_queries(side, split, tables, limit=2 * MAX_QUERIES, seed=seed)
    return subsample(reachable(drawn, masks), seed)


def reachable(queries: EvalQueries, masks: CandidateMasks) -> EvalQueries:
    """Keep only truth that the hard rules let be ranked on the as-of day; drop queries left empty.

    An opening posted after the as-of day cannot be in anyone's list, so it would
    lower every system's score alike and hide the differences.
    """
    keep, truth = [], []
    for start in range(0, len(queries.rows), 256):
        mask = masks.block(queries.side, queries.rows[start : start + 256], queries.days[start : start + 256])
        for i, gains in enumerate(queries.truth[start : start + 256]):
            allowed = {item: gain for item, gain in gains.items() if mask[i, item]}
            if allowed:
                keep.append(start + i)
                truth.append(allowed)
    keep = np.asarray(keep, dtype=int)
    groups = [queries.groups[i] for i in keep]
    return EvalQueries(queries.side, queries.rows[keep], queries.days[keep], truth, groups)


class CandidateMasks:
    """Hard-rule masks for blocks of queries at their as-of days."""

    def __init__(self, tables: CandidatePool, known_events: pd.DataFrame) -> None:
        self.tables = tables
        hires = known_events[known_events["event"] == "hired"].drop_duplicates(["seeker_id", "opening_id"])
        self.hire_o = tables.opening_row.get_indexer(hires["opening_id"])
        self.hire_t = hires["occurred_at"].to_numpy()
        self.positions = tables.openings["positions"].astype(float).fillna(1).to_numpy()
        applied = known_events[known_events["event"].isin(APPLIED_EVENTS)]
        applied = applied.groupby(["seeker_id", "opening_id"], as_index=False)["occurred_at"].min()
        self.applied_s = tables.seeker_row.get_indexer(applied["seeker_id"])
        self.applied_o = tables.opening_row.get_indexer(applied["opening_id"])
        self.applied_t = applied["occurred_at"].to_numpy()

    def positions_left(self, day: np.datetime64) -> np.ndarray:
        hired = np.bincount(self.hire_o[self.hire_t < day], minlength=len(self.positions))
        return self.positions - hired

    def block(
        self, side: str, rows: np.ndarray, days: np.ndarray, truth: list[dict[int, float]] | None = None
    ) -> np.ndarray:
        """Allowed candidates of each query; on the opening side at most a pool of them (truth kept)."""
        t = self.tables
        if side == "seeker":
            mask = t.open_block(days) & t.eligible_block(rows)
            for day in np.unique(days):
                mask[days == day] &= self.positions_left(day)[None, :] > 0
            seeker_pos = pd.Index(rows).get_indexer(self.applied_s)
            hit = seeker_pos >= 0
            early = hit & (self.applied_t < days[np.where(hit, seeker_pos, 0)])
            mask[seeker_pos[early], self.applied_o[early]] = False
            return mask
        mask = t.eligible_block(np.arange(len(t.seekers)), rows).T
        if truth is None or mask.shape[1] <= CANDIDATE_POOL:
            return mask
        # Every system ranks the same pool: the truth plus a seeded random sample of eligible seekers.
        keys = np.random.default_rng(int(rows[0])).random(mask.shape)
        keys[~mask] = -1.0
        cut = np.partition(keys, -CANDIDATE_POOL, axis=1)[:, -CANDIDATE_POOL][:, None]
        pooled = mask & (keys >= cut)
        for i, gains in enumerate(truth):
            pooled[i, list(gains)] = mask[i, list(gains)]
        return pooled


Scorer = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def rank_queries(
    queries: EvalQueries,
    masks: CandidateMasks,
    scorer: Scorer,
    k: int = K,
    collect: list[np.ndarray] | None = None,
) -> np.ndarray:
    """Top ``k`` candidate rows per query (-1 pads short lists); ``scorer(rows, items, days, mask)``.

    With ``collect``, (score, gain) rows of every scored candidate are appended to it, for calibration plots.
    """
    out = np.full((len(queries.rows), k), -1, dtype=np.int64)
    for part in _day_chunks(queries.days):
        rows, days = queries.rows[part], queries.days[part]
        truths = [queries.truth[i] for i in part]
        mask = masks.block(queries.side, rows, days, truths)
        scores = scorer(rows, np.arange(mask.shape[1]), days, mask)
        scores = np.where(mask, scores, -np.inf)
        if collect is not None:
            truth = np.zeros(mask.shape)
            for i, gains in enumerate(truths):
                truth[i, list(gains)] = list(gains.values())
            scored = mask & np.isfinite(scores)  # candidates stage one left out have no score
            collect.append(np.column_stack([scores[scored], truth[scored]]))
        top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        valid = np.take_along_axis(mask & np.isfinite(scores), top, axis=1)
        out[part] = np.where(valid, top, -1)
    return out


def _day_chunks(days: np.ndarray, size: int = DAY_CHUNK) -> list[np.ndarray]:
    """Query positions in chunks of one day each (a day's lists are chosen together), at most ``size`` long."""
    order = np.argsort(days, kind="stable")
    bounds = np.flatnonzero(np.diff(days[order].astype("datetime64[D]").astype(np.int64))) + 1
    return [chunk for day in np.split(order, bounds) for chunk in np.array_split(day, -(-len(day) // size))]


def model_scorer(
    model: PairModel,
    openings: pd.DataFrame,
    codes: tuple,
    side: str,
    n_shortlist: int | None = SHORTLIST,
    k: int = K,
    positions_left: Callable[[np.datetime64], np.ndarray] | None = None,
    shortlisted: list[tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None,
) -> Scorer:
    """Scores of the two-stage ranker for the listed pairs of a block (-inf for the rest), as the matcher
    lists them (:mod:`matcher.lists`): on the seeker side the queries of one day are that day's lists,
    chosen together when ``positions_left`` (per opening row, on a day) is given.

    ``n_shortlist=None`` scores every allowed pair with the ranker (no stage one). With ``shortlisted``,
    the pairs stage one handed to the ranker are appended to it: (query rows, candidate rows, scores).
    """
    seeker_codes, opening_codes = codes
    n = None if n_shortlist is None else max(n_shortlist, k)

    def score(rows: np.ndarray, items: np.ndarray, days: np.ndarray, mask: np.ndarray) -> np.ndarray:
        # Items are every seeker or opening (rank_queries passes them all). Each day's view takes only
        # the candidates some query of that day may rank: on the opening side a pool of a thousand
        # seekers out of every seeker, so stage one does not score the rest (the lists are the same).
        dense = np.full(mask.shape, -np.inf)
        for day in np.unique(days):
            q = np.flatnonzero(days == day)
            c = np.flatnonzero(mask[q].any(axis=0))
            allowed = mask[np.ix_(q, c)]
            if side == "seeker":
                view = BlockView(seeker_codes, opening_codes, rows[q], c)
            else:
                view = BlockView(seeker_codes, opening_codes, c, rows[q])
                allowed = allowed.T
            si, oi, x, found = model.rank_block(side, view, day, allowed, n)
            if shortlisted is not None:
                query, item = (si, oi) if side == "seeker" else (oi, si)
                shortlisted.append((rows[q[query]], c[item], found))
            miss = model.misses(x, seeker_codes, opening_codes, view.s[si], view.o[oi])
            # Seeker and opening "rows" here are positions among the day's queries and candidates.
            pairs = lists.pools(Scored(si, oi, x, found, miss), side, k)
            if side == "seeker" and positions_left is not None:
                pairs = lists.joint(pairs, positions_left(day)[c], k)
            keep, _ = lists.ranked(pairs, side, k)
            pairs = pairs.take(keep)
            if side == "seeker":
                dense[q[pairs.s], c[pairs.o]] = pairs.score
            else:
                dense[q[pairs.o], c[pairs.s]] = pairs.score
        return dense

    return score


def baseline_scorer(recommender: Recommender) -> Scorer:
    def score(rows: np.ndarray, items: np.ndarray, days: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return recommender.score(rows, items)

    return score


def interaction_matrix(events: pd.DataFrame, tables: CandidatePool) -> sp.csr_matrix:
    """Seekers × openings graded interest from the known history (for the baselines)."""
    grades = seeker_queries(events, tables)
    grades = grades[grades["grade"] > 0]
    shape = (len(tables.seekers), len(tables.openings))
    return sp.csr_matrix((grades["grade"].astype(float), (grades["s"], grades["o"])), shape=shape)


def score_lists(queries: EvalQueries, top: np.ndarray, n_items: int, k: int = K) -> dict[str, object]:
    """Per-query metric arrays and the catalogue figures of one system's lists."""
    gains = np.array(
        [
            [truth.get(int(i), 0.0) if i >= 0 else 0.0 for i in row]
            for row, truth in zip(top, queries.truth, strict=True)
        ]
    )
    ideal = metrics.pad_ragged([sorted(t.values(), reverse=True) for t in queries.truth])
    n_relevant = np.array([len(t) for t in queries.truth])
    hires = np.array(
        [[truth.get(int(i), 0.0) >= 4 for i in row] for row, truth in zip(top, queries.truth, strict=True)]
    )
    shown = top[top >= 0]
    return {
        "ndcg": metrics.ndcg_at_k(gains, ideal, k),
        "recall": metrics.recall_at_k(gains > 0, n_relevant, k),
        "recall5": metrics.recall_at_k(gains > 0, n_relevant, min(5, k)),
        "mrr": metrics.mrr(gains > 0),
        "hire_hit": metrics.hit_at_k(hires, k),
        "has_hire": np.array([max(t.values()) >= 4 for t in queries.truth]),
        "coverage": metrics.catalogue_coverage(shown, n_items),
        "gini": metrics.gini(metrics.exposure_counts(shown, n_items)),
    }


def summarise(queries: EvalQueries, scored: dict[str, object]) -> dict[str, float]:
    """Mean metrics over queries (hire-hit over queries that had a hire)."""
    has_hire = scored["has_hire"]
    return {
        "ndcg@10": float(np.nanmean(scored["ndcg"])),
        "recall@10": float(np.nanmean(scored["recall"])),
        "recall@5": float(np.nanmean(scored["recall5"])),
        "mrr": float(np.mean(scored["mrr"])),
        "hire_hit@10": float(np.mean(scored["hire_hit"][has_hire])) if has_hire.any() else float("nan"),
        "coverage": float(scored["coverage"]),
        "gini": float(scored["gini"]),
        "queries": float(len(queries.rows)),
    }


def by_group(queries: EvalQueries, scored: dict[str, object]) -> dict[str, float]:
    """NDCG@10 per reporting group (a seeker in several groups counts in each)."""
    out: dict[str, list[float]] = {}
    for value, groups in zip(scored["ndcg"], queries.groups, strict=True):
        for g in groups:
            out.setdefault(g, []).append(value)
    return {g: float(np.nanmean(v)) for g, v in sorted(out.items())}


def evaluate(
    model: PairModel,
    seekers: pd.DataFrame,
    openings: pd.DataFrame,
    split: Split,
    *,
    k: int = K,
    with_baselines: bool = True,
    seed: int = 0,
    progress: Callable | None = None,
    codes: tuple | None = None,
    n_shortlist: int | None = SHORTLIST,
) -> dict[str, dict]:
    """Metrics of the model (and baselines) on both sides of the split's test part (:mod:`matcher.splits`).

    The model is evaluated as it stood at the test: a copy whose history is refitted on the events known
    before it (``split.known``), in two stages with ``n_shortlist`` candidates per query (``None``: one stage).
    A time split's test is the pairs begun on or after its start; a leave-one-out split's is each seeker's
    held-out pair, asked after every known event, where any eligible opening with a position left that the
    seeker has not applied to is a candidate, since the dates cannot say what was open when.
    """
    codes = codes or model.encode(seekers, openings)
    at_test = copy.copy(model)
    at_test.fit_history(split.known, seekers, openings, count_events=split.timeline, codes=codes)
    tables = CandidatePool(seekers, openings, always_open=split.always_open)
    masks = CandidateMasks(tables, split.timeline)
    queries = {side: evaluation_queries(side, split, tables, masks, seed) for side in SIDES}
    settings = {
        "k": k,
        "with_baselines": with_baselines,
        "seed": seed,
        "progress": progress,
        "n_shortlist": n_shortlist,
    }
    report = _report(at_test, tables, split.known, queries, masks, codes, **settings)
    # Without usable dates (leave-one-out) no deadline has passed, as for the candidates above.
    day_openings = openings.assign(deadline=pd.NaT) if split.always_open else openings
    report["seeker"]["day"] = day_figures(
        at_test, seekers, day_openings, split.timeline, split.moment, k, seed, progress
    )
    return report


def held_out_eval_queries(side: str, held: HeldOut, tables: CandidatePool, limit: int, seed: int) -> EvalQueries:
    """One query per seeker (or opening) with held-out pairs, at the split's moment; at most ``limit``."""
    pairs = held_out_queries(held.test, tables, side, held.moment)
    key, partner = ("s", "o") if side == "seeker" else ("o", "s")
    pairs = pairs[(pairs["grade"] > 0) & (pairs[key] >= 0) & (pairs[partner] >= 0)]
    keys = pairs[key].unique()
    if len(keys) > limit:
        pairs = pairs[pairs[key].isin(np.random.default_rng(seed).choice(np.sort(keys), limit, replace=False))]
    rows, truth, groups = [], [], []
    for row, part in pairs.groupby(key, sort=True):
        rows.append(row)
        truth.append(dict(zip(part[partner].to_numpy(), part["grade"].astype(float), strict=True)))
        groups.append(_groups_of(side, tables, row))
    days = np.full(len(rows), held.moment.to_datetime64(), dtype="datetime64[ns]")
    return EvalQueries(side, np.asarray(rows, dtype=int), days, truth, groups)


def _groups_of(side: str, tables: CandidatePool, row: int) -> tuple[str, ...]:
    if side == "seeker":
        return tuple(tables.seekers.at[row, "groups"]) or ("none",)
    return (str(tables.openings.at[row, "program"]),)


def _report(
    model: PairModel,
    tables: CandidatePool,
    known: pd.DataFrame,
    queries: dict[str, EvalQueries],
    masks: CandidateMasks,
    codes: tuple | None,
    *,
    k: int,
    with_baselines: bool,
    seed: int,
    progress: Callable | None,
    n_shortlist: int | None,
) -> dict[str, dict]:
    """Every system ranks the same queries; metrics per system and group, and how much of the truth stage one kept."""
    seekers, openings = tables.seekers, tables.openings
    codes = codes or model.encode(seekers, openings)
    interactions = interaction_matrix(known, tables)
    seeker_docs = Featurizer._seeker_docs(seekers)["profile"]
    opening_docs = Featurizer._opening_docs(openings)["profile"]
    report: dict[str, dict] = {}
    for side in SIDES:
        side_queries = queries[side]
        n_items = len(openings) if side == "seeker" else len(seekers)
        shortlisted: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        systems: dict[str, Scorer] = {
            "jobmatch": model_scorer(model, openings, codes, side, n_shortlist, k, masks.positions_left, shortlisted)
        }
        if with_baselines:
            x = interactions if side == "seeker" else interactions.T.tocsr()
            q_text, i_text = (seeker_docs, opening_docs) if side == "seeker" else (opening_docs, seeker_docs)
            for rec in baselines(seed):
                systems[rec.name] = baseline_scorer(rec.fit(x, q_text, i_text))
        side_report: dict = {"systems": {}, "groups": {}}
        tops: dict[str, np.ndarray] = {}
        for name, scorer in systems.items():
            if progress:
                progress(f"{side} side: {name}")
            collect = [] if name == "jobmatch" else None
            tops[name] = rank_queries(side_queries, masks, scorer, k, collect)
            scored = score_lists(side_queries, tops[name], n_items, k)
            if collect:
                side_report["score_gain"] = np.vstack(collect)
            side_report["systems"][name] = summarise(side_queries, scored)
            side_report["groups"][name] = by_group(side_queries, scored)
            side_report.setdefault("ndcg_per_query", {})[name] = scored["ndcg"]
        side_report["stage_one"] = stage_one_recall(side_queries, shortlisted, tops.get("ease"))
        report[side] = side_report
    return report


def stage_one_recall(
    queries: EvalQueries, shortlisted: list[tuple[np.ndarray, np.ndarray, np.ndarray]], ease_top: np.ndarray | None
) -> dict[str, float]:
    """Share of the (reachable) truth that stage one handed to the ranker (``truth``); of the truth EASE put
    in its top k, the share stage one kept (``ease_top_truth``); and of EASE's first candidate of each
    query, the share stage one kept (``ease_first``): stage one must not drop what the collaborative model
    ranks first."""
    kept: set[tuple[int, int]] = set()
    for rows, items, _ in shortlisted:
        kept.update(zip(rows.tolist(), items.tolist(), strict=True))
    truth = [(int(row), int(item)) for row, gains in zip(queries.rows, queries.truth, strict=True) for item in gains]
    out = {"truth": float(np.mean([pair in kept for pair in truth])) if truth else float("nan")}
    if ease_top is not None:
        ease = [
            (int(row), int(item))
            for row, gains, top in zip(queries.rows, queries.truth, ease_top, strict=True)
            for item in gains
            if item in set(top.tolist())
        ]
        out["ease_top_truth"] = float(np.mean([pair in kept for pair in ease])) if ease else float("nan")
        first = [(int(row), int(top[0])) for row, top in zip(queries.rows, ease_top, strict=True) if top[0] >= 0]
        out["ease_first"] = float(np.mean([pair in kept for pair in first])) if first else float("nan")
    return out


def day_figures(
    model: PairModel,
    seekers: pd.DataFrame,
    openings: pd.DataFrame,
    events: pd.DataFrame,
    day: pd.Timestamp,
    k: int = K,
    seed: int = 0,
    progress: Callable | None = None,
) -> dict[str, dict]:
    """Fit and pile-up figures (:mod:`training.audit`) of every seeker's list on ``day`` (at most
    :data:`DAY_SEEKERS`, a seeded sample, on large tables), ranked on the events before it."""
    if progress:
        progress(f"every seeker's list on {pd.Timestamp(day).date()}: fit and pile-up")
    known = events[events["occurred_at"] < day]
    matcher = Matcher(model, seekers, openings, known)
    ids = list(seekers["seeker_id"])
    if len(ids) > DAY_SEEKERS:
        ids = sorted(np.random.default_rng(seed).choice(ids, DAY_SEEKERS, replace=False))
    lists = audit.day_lists(matcher, day, k, ids)
    return {"fit": audit.fit_figures(matcher, lists), "market": audit.market_figures(matcher, lists, seed=seed)}
