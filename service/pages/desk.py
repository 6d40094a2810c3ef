"""The counselor desk (``/desk``): find a seeker, see the profile, ranked openings and history, record what
happened with one click, edit the profile; a map of the 17 dongs shaded by open openings or by seekers.

Every read and write goes through the API's own functions (service.routers), so the roles, rules, ranking,
validation and access log are the API's.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlencode

import pandas as pd
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from matcher import domain, reference
from service.deps import EngineDep, Paging, ServingDep, SettingsDep
from service.errors import ContractRefused
from service.pages import forms, maps, views
from service.pages.web import CounselorForm, CounselorPage, PageError, redirect, render, writing
from service.routers.events import list_events, record_event
from service.routers.seekers import MatchQuery, get_seeker, list_seekers, match_list, replace_seeker
from service.schemas import EventCreate, MatchList, SeekerFields
from service.serving import Snapshot

router = APIRouter(prefix="/desk", include_in_schema=False)

FOUND_PER_PAGE = 20
MATCHES = 10
# The outcomes a counselor records with one click beside each opening.
OUTCOMES = (("applied", "지원함"), ("interviewed", "면접 봄"), ("hired", "채용됨"))
EVENT_KO = {
    "recommended": "추천(알선)",
    "viewed": "열람",
    "applied": "지원",
    "interviewed": "면접",
    "hired": "채용",
    "rejected": "불합격",
    "declined": "포기",
    "retained": "3개월 근속",
}
# The desk's filters: MatchQuery fields (the API's), shown as a form.
FILTER_FIELDS = ("dong", "program", "industry", "max_hours", "max_km")
SHADES = {"openings": ("지금 열린 공고", "건"), "seekers": ("등록 구직자", "명")}


def _blank_to_none(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


@router.get("", response_class=HTMLResponse)
def desk(
    request: Request,
    session: CounselorPage,
    serving: ServingDep,
    settings: SettingsDep,
    engine: EngineDep,
    q: Annotated[str | None, Query(max_length=100)] = None,
    dong: Annotated[str | None, Query(max_length=100)] = None,
    group: Annotated[str | None, Query(max_length=32)] = None,
    shade: Annotated[str, Query(pattern="^(openings|seekers)$")] = "openings",
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
):
    """Search seekers by id fragment, dong or group (the API's seeker list), beside the dong map."""
    q, dong, group = _blank_to_none(q), _blank_to_none(dong), _blank_to_none(group)
    searched = any((q, dong, group))
    found = None
    if searched:
        with engine.connect() as conn:
            found = list_seekers(
                session.actor, request, conn, Paging(offset, FOUND_PER_PAGE), q=q, dong=dong,
                group=group if group in domain.GROUPS else None,
            )  # fmt: skip
    snapshot = serving.current()
    counts = _dong_counts(snapshot, pd.Timestamp(settings.today()), shade)
    title, unit = SHADES[shade]
    query = {k: v for k, v in (("q", q), ("dong", dong), ("group", group)) if v}
    return render(
        request, "desk.html", nav="desk", found=found, searched=searched, q=q or "", dong=dong or "",
        group=group or "", shade=shade, offset=offset, per_page=FOUND_PER_PAGE, query=urlencode(query),
        dongs=reference.dong_names(), map=maps.dong_map(counts, f"성동구 동별 {title} ({settings.today()})", unit),
        map_title=title, map_unit=unit, counts=counts, attribution=maps.ATTRIBUTION, model_version=snapshot.version,
    )  # fmt: skip


def _dong_counts(snapshot: Snapshot, when: pd.Timestamp, shade: str) -> dict[str, int]:
    """Open openings (on ``when``) or registered seekers, per dong."""
    matcher = snapshot.matcher
    dongs = matcher.openings.loc[matcher.open_mask(when), "dong"] if shade == "openings" else matcher.seekers["dong"]
    counts = dongs.value_counts()
    return {name: int(counts.get(name, 0)) for name in reference.dong_names()}


def _filters(values: dict[str, str | None]) -> tuple[MatchQuery, dict[str, str]]:
    """The API's match query from the desk's filter boxes; a refused value is named with the API's message."""
    given = {k: v for k, v in values.items() if v}
    try:
        return MatchQuery(k=MATCHES, **given), {}
    except ValidationError as exc:
        errors = forms.errors_by_field(exc)
        return MatchQuery(k=MATCHES, **{k: v for k, v in given.items() if k not in errors}), errors


@router.get("/seekers/{seeker_id}", response_class=HTMLResponse)
def seeker_page(
    seeker_id: str,
    request: Request,
    session: CounselorPage,
    serving: ServingDep,
    settings: SettingsDep,
    engine: EngineDep,
    dong: Annotated[str | None, Query(max_length=100)] = None,
    program: Annotated[str | None, Query(max_length=32)] = None,
    industry: Annotated[str | None, Query(max_length=200)] = None,
    max_hours: Annotated[str | None, Query(max_length=8)] = None,
    max_km: Annotated[str | None, Query(max_length=8)] = None,
    done: Annotated[int | None, Query(ge=0)] = None,
    saved: bool = False,
):
    """One seeker: profile, ranked openings with reasons and cautions, one-click outcomes, history."""
    values = {"dong": dong, "program": program, "industry": industry, "max_hours": max_hours, "max_km": max_km}
    values = {k: _blank_to_none(v) for k, v in values.items()}
    query, errors = _filters(values)
    actor = session.actor
    with engine.connect() as conn:
        profile = get_seeker(seeker_id, actor, request, conn)  # 404 as the API; the read is logged
        history = _history(actor, conn, seeker_id, request)
    try:
        ranked, _ = match_list(serving, settings, engine, actor, request.state.request_id, seeker_id, query)
    except ContractRefused as exc:  # e.g. a dong outside the district
        errors |= forms.errors_by_field(exc)
        query = MatchQuery(k=MATCHES, **{k: v for k, v in query.model_dump().items() if k not in errors})
        ranked, _ = match_list(serving, settings, engine, actor, request.state.request_id, seeker_id, query)
    found = MatchList.model_validate_json(ranked.body)
    snapshot = serving.current()
    origin = _seeker_origin(snapshot, seeker_id)
    distance = views.distances_km(snapshot, origin, [m.opening_id for m in found.matches]) if origin else {}
    titles = _opening_titles(snapshot, [e["opening_id"] for e in history])
    recorded = next((e for e in history if e["event_id"] == done), None) if done is not None else None
    back = urlencode({k: v for k, v in values.items() if v})
    return render(
        request, "desk_seeker.html", status=422 if errors else 200, nav="desk", profile=profile, found=found,
        distance=distance, history=list(reversed(history)), titles=titles, recorded=recorded, saved=saved,
        values=values, errors=errors, filter_fields=_filter_fields(snapshot), outcomes=OUTCOMES, event_ko=EVENT_KO,
        back=back, model_version=found.model_version,
    )  # fmt: skip


def _history(actor, conn, seeker_id: str, request: Request, newest: int = 200) -> list[dict]:
    """The seeker's newest events (the API's event list, its read logged), oldest first."""
    first = list_events(actor, conn, Paging(0, newest), seeker_id=seeker_id, request=request)
    if first["total"] <= newest:
        return first["items"]
    rest = Paging(first["total"] - newest, newest)
    return list_events(actor, conn, rest, seeker_id=seeker_id, request=request)["items"]


def _filter_fields(snapshot: Snapshot) -> list[forms.Field]:
    dongs = tuple((d, d) for d in reference.dong_names())
    industries = tuple((i, i) for i in views.industries(snapshot))
    return [
        forms.Field("dong", "공고 위치 (동)", "select", choices=dongs),
        forms.Field("program", "사업", "select", choices=tuple(views.programs())),
        forms.Field("industry", "업종", "select", choices=industries),
        forms.Field("max_hours", "주당 근무시간 이하", "number", minimum=1, maximum=168, hint="시간이 적힌 공고만"),
        forms.Field("max_km", "집에서 거리 이하 (km)", "number", minimum=0.1, maximum=1000, step="any"),
    ]


def _seeker_origin(snapshot: Snapshot, seeker_id: str) -> tuple[float, float] | None:
    matcher = snapshot.matcher
    row = matcher.seeker_row.get_indexer([seeker_id])[0]
    if row < 0:
        return None
    return float(matcher.seekers["lat"].iloc[row]), float(matcher.seekers["lon"].iloc[row])


def _opening_titles(snapshot: Snapshot, opening_ids: list[str]) -> dict[str, str]:
    matcher = snapshot.matcher
    ids = list(dict.fromkeys(opening_ids))
    rows = matcher.opening_row.get_indexer(ids)
    titles = matcher.openings["title"].to_numpy()
    return {i: str(titles[r]) for i, r in zip(ids, rows, strict=True) if r >= 0}


def seeker_url(seeker_id: str, query: str = "") -> str:
    return f"/desk/seekers/{quote(seeker_id, safe='')}" + (f"?{query}" if query else "")


@router.post("/seekers/{seeker_id}/events")
def record_outcome(seeker_id: str, request: Request, form: CounselorForm, settings: SettingsDep):
    """Record one event with the API's function (a hire needs a position left, once per pair), then show the page."""
    try:
        body = EventCreate(seeker_id=seeker_id, opening_id=str(form.get("opening_id", "")), event=form.get("event"))
    except ValidationError as exc:
        raise PageError(422, "; ".join(forms.errors_by_field(exc).values())) from None
    try:
        with writing(request) as conn:
            event = record_event(request.state.actor, body, conn, settings, request)
    except ContractRefused as exc:
        raise PageError(422, "; ".join(e["message"] for e in exc.errors)) from None
    back = str(form.get("back", ""))[:500]
    return redirect(seeker_url(seeker_id, "&".join(p for p in (back, f"done={event['event_id']}") if p)))


def _profile_fields() -> list[forms.Field]:
    dongs = tuple((d, d) for d in reference.dong_names())
    return [
        forms.Field("dong", "사는 동", "select", False, dongs) if f.name == "dong" else f
        for f in forms.fields_of(SeekerFields)
    ]


@router.get("/seekers/{seeker_id}/edit", response_class=HTMLResponse)
def edit_page(seeker_id: str, request: Request, session: CounselorPage, engine: EngineDep):
    with engine.connect() as conn:
        profile = get_seeker(seeker_id, session.actor, request, conn)
    return render(request, "seeker_edit.html", nav="desk", seeker_id=seeker_id, fields=_profile_fields(),
                  values=profile, errors={})  # fmt: skip


@router.post("/seekers/{seeker_id}/edit", response_class=HTMLResponse)
def edit(seeker_id: str, request: Request, form: CounselorForm):
    """Save the profile with the API's function; its validation messages are shown beside each field."""
    fields = _profile_fields()
    values = forms.read(form, fields)
    try:
        body = SeekerFields.model_validate(values)
        with writing(request) as conn:
            replace_seeker(seeker_id, request.state.actor, body, conn, request)
    except (ValidationError, ContractRefused) as exc:
        return render(request, "seeker_edit.html", status=422, nav="desk", seeker_id=seeker_id, fields=fields,
                      values=forms.scrubbed(values), errors=forms.errors_by_field(exc))  # fmt: skip
    return redirect(seeker_url(seeker_id, "saved=true"))
