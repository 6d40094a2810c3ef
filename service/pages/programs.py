"""The program board (``/desk/programs``): a program's open slots and eligible seekers, pins and exclusions,
the assignment (the API's ``POST /assignments`` function), its review, and confirmation, which records a
``recommended`` event for every placed pair (the API's event function, in one transaction).

Pins and exclusions travel in the form itself (nothing is stored until the counselor confirms).
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
import pandas as pd
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from starlette.datastructures import FormData

from matcher import reference
from service import access
from service.deps import ServingDep, SettingsDep
from service.errors import ContractRefused
from service.pages import forms, plots
from service.pages.web import CounselorForm, CounselorPage, PageError, redirect, render, writing
from service.routers.assignments import assign
from service.routers.events import record_event
from service.schemas import AssignmentRequest, EventCreate
from service.serving import Snapshot

router = APIRouter(prefix="/desk/programs", include_in_schema=False)

CONFIRM_EVENT = "recommended"  # the center refers the placed seeker to the opening
ELIGIBLE_SHOWN = 50
PROGRAM_ROUTE = "GET /desk/programs"  # as written to the access log for the eligible seekers shown
PAIR = ","  # between the ids of a pair in a form field (never inside an id)


def _programs() -> list[tuple[str, str]]:
    """Programs with their own slots (everything but general hiring)."""
    return [(code, p.name_ko) for code, p in reference.programs().items() if code != "general"]


def _pairs(values: list[str]) -> list[list[str]]:
    pairs = [v.split(PAIR) for v in dict.fromkeys(values)]
    return [p for p in pairs if len(p) == 2 and all(p)]


def _slots(snapshot: Snapshot, program: str, when: pd.Timestamp) -> pd.DataFrame:
    """The program's openings open on ``when`` with positions left."""
    matcher = snapshot.matcher
    left = matcher.positions_left(when)
    chosen = matcher.open_mask(when) & (matcher.openings["program"] == program).to_numpy() & (left > 0)
    table = matcher.openings.loc[chosen, ["opening_id", "title", "employer_name", "dong", "positions"]].copy()
    table["left"] = left[chosen].astype(int)
    return table.reset_index(drop=True)


def _board(
    request: Request,
    snapshot: Snapshot,
    settings,
    program: str,
    pins: list[list[str]],
    excluded: list[list[str]],
    **extra: object,
) -> HTMLResponse:
    when = pd.Timestamp(settings.today())
    slots = _slots(snapshot, program, when)
    eligible = snapshot.matcher.eligible_seekers(list(slots["opening_id"]), when) if len(slots) else []
    shown_ids = eligible[:ELIGIBLE_SHOWN]
    shown = _eligible_rows(snapshot, shown_ids)
    with request.app.state.engine.connect() as conn:
        access.record(conn, request.state.actor, PROGRAM_ROUTE, request.state.request_id, seeker_ids=shown_ids)
    per_dong = slots.groupby("dong")["left"].sum() if len(slots) else pd.Series(dtype=int)
    bars = [(d, float(per_dong.get(d, 0))) for d in reference.dong_names()]
    bars.sort(key=lambda kv: -kv[1])
    name = dict(_programs()).get(program, program)
    chart = plots.bar_chart(bars, f"{name}: 동별 남은 자리 ({when.date()})", "자리", ident="slots-bar")
    return render(
        request, "programs.html", nav="programs", programs=_programs(), program=program, program_name=name,
        slots=slots.to_dict("records"), eligible=eligible, shown=shown, pins=pins, excluded=excluded,
        chart=chart, as_of=when.date(), pair=PAIR, model_version=snapshot.version, **extra,
    )  # fmt: skip


def _eligible_rows(snapshot: Snapshot, seeker_ids: list[str]) -> list[dict]:
    matcher = snapshot.matcher
    rows = matcher.seekers.iloc[matcher.seeker_row.get_indexer(seeker_ids)]
    return rows[["seeker_id", "birth_year", "dong", "desired_occupations"]].to_dict("records")


@router.get("", response_class=HTMLResponse)
def board(
    request: Request,
    session: CounselorPage,
    serving: ServingDep,
    settings: SettingsDep,
    program: Annotated[str, Query(max_length=32)] = "youth_1on1",
    confirmed: Annotated[int | None, Query(ge=0)] = None,
):
    if program not in dict(_programs()):
        raise PageError(404, f"사업 '{program}'이 없습니다.")
    return _board(request, serving.current(), settings, program, [], [], confirmed=confirmed)


@router.post("", response_class=HTMLResponse)
def act(request: Request, form: CounselorForm, serving: ServingDep, settings: SettingsDep):
    """Pin, exclude or release a pair, or run the assignment (the API's) and show it for review."""
    program = str(form.get("program", ""))
    if program not in dict(_programs()):
        raise PageError(404, f"사업 '{program}'이 없습니다.")
    pins, excluded = _pairs(form.getlist("pinned")), _pairs(form.getlist("excluded"))
    action = str(form.get("action", ""))
    snapshot = serving.current()
    if action in ("pin", "exclude"):
        pair = [str(form.get("seeker_id", "")).strip(), str(form.get("opening_id", "")).strip()]
        if not all(pair):
            problem = "구직자와 공고를 모두 고르세요."
            return _board(request, snapshot, settings, program, pins, excluded, problem=problem)
        # A pair is pinned or excluded, not both; a seeker is pinned to one opening at most.
        pins = [p for p in pins if p != pair and not (action == "pin" and p[0] == pair[0])]
        excluded = [p for p in excluded if p != pair]
        (pins if action == "pin" else excluded).append(pair)
    elif action.startswith("release:"):
        gone = action.removeprefix("release:").split(PAIR)
        pins, excluded = [p for p in pins if p != gone], [p for p in excluded if p != gone]
    if action != "run":
        return _board(request, snapshot, settings, program, pins, excluded)
    return _run(request, form, serving, settings, program, pins, excluded)


def _run(request: Request, form: FormData, serving, settings, program: str, pins, excluded) -> HTMLResponse:
    try:
        body = AssignmentRequest(program=program, pinned=pins, excluded=excluded)
        result = assign(request.state.actor, body, serving, settings, request)
    except (ValidationError, ContractRefused) as exc:
        problem = "; ".join(forms.errors_by_field(exc).values())
        return _board(request, serving.current(), settings, program, pins, excluded, problem=problem)
    scores = np.array([p["score"] for p in result["placements"]], dtype=float)
    title, axis = "배정된 쌍의 적합도 점수 분포", "적합도 점수 (높을수록 잘 맞음)"
    histogram = plots.histogram(scores, title, axis, ident="score-hist")
    snapshot = serving.current()
    titles = dict(zip(snapshot.matcher.openings["opening_id"], snapshot.matcher.openings["title"], strict=True))
    return _board(request, snapshot, settings, program, pins, excluded, result=result, histogram=histogram,
                  titles=titles)  # fmt: skip


@router.post("/confirm")
def confirm(request: Request, form: CounselorForm, settings: SettingsDep):
    """Record a ``recommended`` event for every reviewed placement, all in one transaction (the API's function)."""
    program = str(form.get("program", ""))
    placed = _pairs(form.getlist("placed"))
    if not placed:
        raise PageError(422, "확정할 배정이 없습니다.")
    try:
        events = [EventCreate(seeker_id=s, opening_id=o, event=CONFIRM_EVENT) for s, o in placed]
        with writing(request) as conn:
            for event in events:
                record_event(request.state.actor, event, conn, settings, request)
    except ValidationError as exc:
        raise PageError(422, "; ".join(forms.errors_by_field(exc).values())) from None
    except ContractRefused as exc:
        raise PageError(422, "; ".join(e["message"] for e in exc.errors)) from None
    return redirect(f"/desk/programs?program={program}&confirmed={len(events)}")
