"""Signing in with a token (exchanged once for a session cookie) and signing out (the session ends on the server)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData

from service.pages import sessions
from service.pages.web import AnonymousForm, redirect, render, signed_in_form, writing

router = APIRouter(include_in_schema=False)


def _safe_next(back: str | None, role: str) -> str:
    """Only a path of this site within the role's own pages; anything else goes to the role's home."""
    home = sessions.HOME[role]
    if back and back.startswith(home) and not back.startswith("//"):
        return back
    return home


@router.get("/signin", response_class=HTMLResponse)
def signin_page(request: Request, next: Annotated[str | None, Query(max_length=500)] = None, out: bool = False):
    message = "로그아웃했습니다." if out else None
    return render(request, "signin.html", back=next or "", message=message, error=None)


@router.post("/signin", response_class=HTMLResponse)
def signin(request: Request, form: AnonymousForm):
    token = str(form.get("token") or "")
    back = str(form.get("next") or "")[:500]
    settings = request.app.state.settings
    try:
        with writing(request) as conn:
            value, session = sessions.start(conn, token, settings.session_hours)
    except sessions.SignInRefused as refused:
        return render(request, "signin.html", status=401, back=back, message=None, error=str(refused))
    response = redirect(_safe_next(back, session.actor.role))
    response.set_cookie(
        sessions.COOKIE,
        value,
        max_age=int(settings.session_hours * 3600),
        httponly=True,
        samesite="strict",
        secure=settings.session_cookie_secure,
    )
    return response


@router.post("/signout")
def signout(request: Request, form: Annotated[FormData, Depends(signed_in_form(*sessions.PAGE_ROLES))]):
    with writing(request) as conn:
        sessions.end(conn, request.cookies[sessions.COOKIE])
    response: RedirectResponse = redirect("/signin?out=true")
    response.delete_cookie(sessions.COOKIE, httponly=True, samesite="strict")
    return response
