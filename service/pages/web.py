"""What every page shares: templates, the signed-in caller, CSRF-checked forms, HTML errors, response headers."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from limits import parse
from sqlalchemy import Connection
from starlette.datastructures import FormData

from matcher import domain
from service import deps
from service.pages import forms, sessions
from service.pages.sessions import Session

HERE = Path(__file__).parent
TEMPLATES = Jinja2Templates(directory=HERE / "templates")
TEMPLATES.env.globals.update(
    GROUP_KO=domain.GROUP_NAMES_KO,
    EDUCATION_KO=domain.EDUCATION_NAMES_KO,
    EMPLOYMENT_KO=domain.EMPLOYMENT_TYPE_NAMES_KO,
    WAGE_KO=forms.WAGE_KO,
    PROGRAM_KO=forms.PROGRAM_KO,
    ACCESS_KO=domain.ACCESS_NAMES_KO,
    CSRF_FIELD=sessions.CSRF_FIELD,
    LABELS=forms.LABELS,
    # The profile keys the desk shows in their own words; any other field of the profile is listed after them.
    SHOWN_PROFILE_KEYS=frozenset(forms.LABELS),
)

# Nothing a page shows is to be cached or framed, and it loads nothing but the service's own files.
HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
}


class PageError(Exception):
    """An error shown as a page: status and a Korean message."""

    def __init__(self, status: int, detail: str) -> None:
        self.status, self.detail = status, detail


class SignInRequired(Exception):
    """No live session: the browser is sent to the sign-in page, then back."""

    def __init__(self, back: str) -> None:
        self.back = back


def render(request: Request, template: str, status: int = 200, **context: object) -> HTMLResponse:
    """A page from ``template``; the signed-in session (if any) and the form's CSRF token are in its context."""
    session: Session | None = getattr(request.state, "session", None)
    form_token = None
    if session is None:
        form_token = request.cookies.get(sessions.FORM_COOKIE) or sessions.new_form_token()
    today = request.app.state.settings.today()
    context = {"session": session, "csrf": session.csrf if session else form_token, "today_year": today.year, **context}
    response = TEMPLATES.TemplateResponse(request, template, context, status_code=status)
    response.headers.update(HEADERS)
    if form_token is not None and request.cookies.get(sessions.FORM_COOKIE) != form_token:
        secure = request.app.state.settings.session_cookie_secure
        response.set_cookie(sessions.FORM_COOKIE, form_token, httponly=True, samesite="strict", secure=secure)
    return response


def error_page(request: Request, status: int, detail: str) -> HTMLResponse:
    return render(request, "error.html", status=status, status_code=status, detail=detail)


def redirect(url: str) -> RedirectResponse:
    """After a POST, the browser loads the page again with GET (so a reload never repeats the write)."""
    return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})


async def current_session(request: Request) -> Session | None:
    value = request.cookies.get(sessions.COOKIE)
    if not value:
        return None
    return await run_in_threadpool(sessions.find_on, request.app.state.engine, value)


def signed_in(*roles: str) -> Callable:
    """A dependency admitting a live session of one of ``roles``; without one, the browser goes to sign in."""

    async def check(request: Request) -> Session:
        session = await current_session(request)
        if session is None:
            # Back to the page after signing in; a form sent with an expired session goes to the role's home.
            back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise SignInRequired(back if request.method == "GET" else "")
        request.state.session = session
        request.state.actor = session.actor
        if session.actor.role not in roles:
            names = " 또는 ".join({"counselor": "상담사", "employer": "기업"}[r] for r in roles)
            raise PageError(403, f"이 화면은 {names} 계정으로만 볼 수 있습니다.")
        settings = request.app.state.settings
        if not await request.app.state.limiter.allow(parse(settings.rate_limit_token), "token", session.actor.token_id):
            raise PageError(429, "요청이 너무 많습니다. 잠시 후 다시 시도하세요.")
        return session

    return check


def _check_csrf(form: FormData, expected: str | None) -> FormData:
    if not sessions.same(form.get(sessions.CSRF_FIELD), expected):
        raise PageError(
            403, "보안 확인 값(CSRF 토큰)이 없거나 맞지 않아 요청을 거절했습니다. 화면을 새로 고친 뒤 다시 시도하세요."
        )
    return form


def signed_in_form(*roles: str) -> Callable:
    """The submitted form of a signed-in page, refused (403) unless it carries the session's CSRF token."""
    session_of = signed_in(*roles)

    # (A default, not Annotated: the annotation is resolved in the module, where session_of is unknown.)
    async def check(request: Request, session: Session = Depends(session_of)) -> FormData:  # noqa: B008
        return _check_csrf(await request.form(), session.csrf)

    return check


async def anonymous_form(request: Request) -> FormData:
    """A form shown before sign-in, refused (403) unless its token matches the form cookie (double submit)."""
    return _check_csrf(await request.form(), request.cookies.get(sessions.FORM_COOKIE))


CounselorPage = Annotated[Session, Depends(signed_in("counselor"))]
EmployerPage = Annotated[Session, Depends(signed_in("employer"))]
CounselorForm = Annotated[FormData, Depends(signed_in_form("counselor"))]
EmployerForm = Annotated[FormData, Depends(signed_in_form("employer"))]
AnonymousForm = Annotated[FormData, Depends(anonymous_form)]


def writing(request: Request) -> AbstractContextManager[Connection]:
    """The API's own write transaction (service.deps.write_connection), committed when the block ends."""
    return contextmanager(deps.write_connection)(request.app.state.engine)


def sign_in_url(back: str) -> str:
    return f"/signin?next={quote(back, safe='/')}" if back else "/signin"
