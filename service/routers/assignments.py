"""Fair filling of limited program slots: the placement with the largest total match score."""

from __future__ import annotations

import numpy as np
import pandas as pd
from fastapi import APIRouter, Request

from matcher import assignment
from service import access, errors
from service.auth import Counselor
from service.deps import ServingDep, SettingsDep
from service.schemas import AssignmentRequest, AssignmentResult

router = APIRouter(tags=["assignments"])


def _rows(index: pd.Index, ids: list[str], field: str) -> np.ndarray:
    rows = index.get_indexer(ids)
    if (rows < 0).any():
        missing = ", ".join(i for i, r in zip(ids, rows, strict=True) if r < 0)
        raise errors.bad_query(field, f"등록되지 않은 ID: {missing[:500]}", "body")
    return rows


@router.post("/assignments", response_model=AssignmentResult)
def assign(
    actor: Counselor, body: AssignmentRequest, serving: ServingDep, settings: SettingsDep, request: Request
) -> dict:
    """Place seekers into the positions left on openings, each seeker at most once, pins kept, exclusions honoured.

    Without ``opening_ids``, the openings of ``program`` open on ``as_of``; without
    ``seeker_ids``, every seeker eligible for at least one of them.
    """
    snapshot = serving.current()
    matcher = snapshot.matcher
    day = body.as_of or settings.today()
    when = pd.Timestamp(day)
    if body.opening_ids is not None:
        opening_ids = list(dict.fromkeys(body.opening_ids))
        _rows(matcher.opening_row, opening_ids, "opening_ids")
    else:
        chosen = matcher.open_mask(when).copy()
        if body.program is not None:
            chosen &= (matcher.openings["program"] == body.program).to_numpy()
        opening_ids = matcher.openings["opening_id"][chosen].tolist()
    if body.seeker_ids is not None:
        seeker_ids = list(dict.fromkeys(body.seeker_ids))
        _rows(matcher.seeker_row, seeker_ids, "seeker_ids")
    else:
        seeker_ids = matcher.eligible_seekers(opening_ids, when)
    pinned = np.array(body.pinned, dtype=object).reshape(-1, 2)
    # A pinned pair is placed even when the lists were left to the defaults.
    _rows(matcher.seeker_row, list(pinned[:, 0]), "pinned")
    _rows(matcher.opening_row, list(pinned[:, 1]), "pinned")
    listed_s, listed_o = set(seeker_ids), set(opening_ids)
    seeker_ids += [s for s in dict.fromkeys(pinned[:, 0]) if s not in listed_s]
    opening_ids += [o for o in dict.fromkeys(pinned[:, 1]) if o not in listed_o]
    for field, ids in (("seeker_ids", seeker_ids), ("opening_ids", opening_ids)):
        if len(ids) > settings.max_assignment_size:
            raise errors.bad_query(
                field, f"한 번에 {settings.max_assignment_size}개까지 배정할 수 있습니다 ({len(ids)}개)", "body"
            )
    s_index, o_index = pd.Index(seeker_ids), pd.Index(opening_ids)
    with serving.scoring:
        score = matcher.score_matrix(seeker_ids, opening_ids, when)
    excluded = np.array(body.excluded, dtype=object).reshape(-1, 2)
    if len(excluded):
        s, o = s_index.get_indexer(excluded[:, 0]), o_index.get_indexer(excluded[:, 1])
        known = (s >= 0) & (o >= 0)
        score[s[known], o[known]] = np.nan
    pins = np.column_stack(
        [_rows(s_index, list(pinned[:, 0]), "pinned"), _rows(o_index, list(pinned[:, 1]), "pinned")]
    ).astype(np.int64)
    capacity = np.maximum(matcher.positions_left(when)[matcher.opening_row.get_indexer(opening_ids)], 0)
    try:
        best = assignment.optimal(score, capacity, pins)
        reference = assignment.greedy(score, capacity, pins)
    except assignment.AssignmentError as exc:
        raise errors.bad_query("pinned", f"고정 배정을 지킬 수 없습니다: {exc}", "body") from None
    placed_s = [seeker_ids[i] for i in best.seekers]
    placed_o = [opening_ids[j] for j in best.openings]
    with serving.scoring:
        explained = matcher.explain_pairs(placed_s, placed_o, when)
    placements = [
        {
            "seeker_id": s,
            "opening_id": o,
            "score": round(float(v), 6),
            "pinned": bool(p),
            "reasons": list(m.reasons),
            "cautions": list(m.cautions),
        }
        for s, o, v, p, m in zip(placed_s, placed_o, best.scores, best.pinned, explained, strict=True)
    ]
    why = assignment.unplaced_reasons(score, best.seekers)
    shown = list(dict.fromkeys([*placed_s, *(seeker_ids[i] for i in why)]))
    with serving.engine.connect() as conn:  # the answer shows who was placed where, and why the others were not
        access.record(conn, actor, "POST /assignments", request.state.request_id, seeker_ids=shown)
    return {
        "model_version": snapshot.version,
        "as_of": day,
        "placements": placements,
        "unplaced": [{"seeker_id": seeker_ids[i], "reason": r} for i, r in sorted(why.items())],
        "total_score": round(best.total, 6),
        "greedy_total_score": round(reference.total, 6),
        "greedy_placed": len(reference.seekers),
    }
