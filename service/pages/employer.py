"""The employer view (``/employer``): the employer's own openings, each with its ranked, masked, consenting
candidates; creating and editing an opening; asking the center to arrange an interview.

Everything goes through the API's functions with the employer's own actor: another employer's opening answers
the API's 404, candidates come masked by the API's presenter, and the employer's daily cap, the access log
and any rule on who may see candidates are the API's.
"""

from __future__ import annotations

import secrets
from urllib.parse import quote

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from matcher import reference
from service.deps import EngineDep, Paging, ServingDep, SettingsDep
from service.errors import ContractRefused
from service.pages import forms
from service.pages.sessions import Session
from service.pages.web import EmployerForm, EmployerPage, PageError, redirect, render, writing
from service.routers.employers import get_employer
from service.routers.openings import (
    ask_interview,
    candidate_list,
    create_opening,
    get_opening,
    interviews_asked,
    list_openings,
    replace_opening,
)
from service.schemas import CandidateList, InterviewAsk, OpeningCreate, OpeningFields

router = APIRouter(prefix="/employer", include_in_schema=False)

CANDIDATES = 10
OPENINGS_SHOWN = 200
# Fields of an opening the form leaves out: the employer is the signed-in one, the place is its dong.
OMIT = ("employer_id", "lat", "lon", "opening_id")


def opening_url(opening_id: str, query: str = "") -> str:
    return f"/employer/openings/{quote(opening_id, safe='')}" + (f"?{query}" if query else "")


@router.get("", response_class=HTMLResponse)
def employer_home(
    request: Request, session: EmployerPage, serving: ServingDep, settings: SettingsDep, engine: EngineDep
):
    """The employer's openings (only its own: the API's list), open ones first."""
    actor = session.actor
    with engine.connect() as conn:
        employer = get_employer(actor.employer_id, actor, conn)
        openings = list_openings(actor, conn, Paging(0, OPENINGS_SHOWN))
    snapshot = serving.current()
    when = pd.Timestamp(settings.today())
    matcher = snapshot.matcher
    rows = matcher.opening_row.get_indexer([o["opening_id"] for o in openings["items"]])
    is_open, left = matcher.open_mask(when), matcher.positions_left(when)
    status = {
        o["opening_id"]: (bool(is_open[r]), int(left[r])) if r >= 0 else (False, 0)
        for o, r in zip(openings["items"], rows, strict=True)
    }
    ordered = sorted(openings["items"], key=lambda o: (not status[o["opening_id"]][0], o["opening_id"]))
    return render(request, "employer.html", nav="employer", employer=employer, openings=ordered, open_state=status,
                  total=openings["total"], model_version=snapshot.version)  # fmt: skip


@router.get("/openings/new", response_class=HTMLResponse, name="new_opening_page")
def new_opening_page(request: Request, session: EmployerPage, settings: SettingsDep):
    return _form_page(request, session, None, {"posted_at": settings.today().isoformat(), "positions": 1}, {})


@router.post("/openings/new", response_class=HTMLResponse)
def new_opening(request: Request, form: EmployerForm, settings: SettingsDep):
    """Create an opening with the API's function; its id is made here (the employer never has to choose one)."""
    session: Session = request.state.session
    values = forms.read(form, _opening_fields())
    opening_id = f"{session.actor.employer_id}-{settings.today():%Y%m%d}-{secrets.token_hex(3)}"
    try:
        owner = {"employer_id": session.actor.employer_id, "opening_id": opening_id}
        body = OpeningCreate.model_validate({**values, **owner})
        with writing(request) as conn:
            create_opening(session.actor, body, conn)
    except (ValidationError, ContractRefused) as exc:
        return _form_page(request, session, None, forms.scrubbed(values), forms.errors_by_field(exc), 422)
    return redirect(opening_url(opening_id, "saved=true"))


@router.get("/openings/{opening_id}", response_class=HTMLResponse)
def opening_page(
    opening_id: str,
    request: Request,
    session: EmployerPage,
    serving: ServingDep,
    settings: SettingsDep,
    engine: EngineDep,
    asked: str | None = None,
    saved: bool = False,
):
    """One of the employer's openings with its ranked candidates (masked, consenting); another's is the API's 404."""
    actor = session.actor
    with engine.connect() as conn:
        opening = get_opening(opening_id, actor, conn)
        ranked, _ = candidate_list(conn, serving, settings, actor, request.state.request_id, opening_id, CANDIDATES)
        found = CandidateList.model_validate_json(ranked.body)
        already = interviews_asked(conn, [c.seeker_id for c in found.candidates], opening_id)
    return render(request, "employer_opening.html", nav="employer", opening=opening, found=found, already=already,
                  asked=asked, saved=saved, model_version=found.model_version)  # fmt: skip


@router.post("/openings/{opening_id}/interviews")
def ask(opening_id: str, request: Request, form: EmployerForm, serving: ServingDep, settings: SettingsDep):
    """Ask the center to arrange an interview (the API's function records the event); no contact data shown."""
    try:
        body = InterviewAsk(seeker_id=str(form.get("seeker_id", "")))
    except ValidationError as exc:
        raise PageError(422, "; ".join(forms.errors_by_field(exc).values())) from None
    with writing(request) as conn:
        ask_interview(opening_id, request.state.actor, body, conn, serving, settings)
    return redirect(opening_url(opening_id, f"asked={quote(body.seeker_id, safe='')}"))


def _opening_fields() -> list[forms.Field]:
    dongs = tuple((d, d) for d in reference.dong_names())
    return [
        forms.Field("dong", "일하는 곳 (동)", "select", True, dongs) if f.name == "dong" else f
        for f in forms.fields_of(OpeningFields, omit=OMIT)
    ]


def _form_page(request: Request, session: Session, opening_id: str | None, values: dict, errors: dict, status=200):
    return render(request, "opening_edit.html", status=status, nav="employer", opening_id=opening_id,
                  fields=_opening_fields(), values=values, errors=errors)  # fmt: skip


@router.get("/openings/{opening_id}/edit", response_class=HTMLResponse)
def edit_opening_page(opening_id: str, request: Request, session: EmployerPage, engine: EngineDep):
    with engine.connect() as conn:
        opening = get_opening(opening_id, session.actor, conn)  # another employer's: the API's 404
    return _form_page(request, session, opening_id, opening, {})


@router.post("/openings/{opening_id}/edit", response_class=HTMLResponse)
def edit_opening(opening_id: str, request: Request, form: EmployerForm):
    session: Session = request.state.session
    values = forms.read(form, _opening_fields())
    try:
        body = OpeningFields.model_validate({**values, "employer_id": session.actor.employer_id})
        with writing(request) as conn:
            replace_opening(opening_id, session.actor, body, conn)
    except (ValidationError, ContractRefused) as exc:
        return _form_page(request, session, opening_id, forms.scrubbed(values), forms.errors_by_field(exc), 422)
    return redirect(opening_url(opening_id, "saved=true"))
