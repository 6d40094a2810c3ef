"""Pages for the people who use the service, in Korean, rendered on the server (Jinja2), served by the same app.

- ``/``: a young applicant's self-search, no account (service.pages.youth)
- ``/signin``, ``/signout``: a counselor's or employer's token exchanged for a session (service.pages.signin)
- ``/desk``: the counselor desk (service.pages.desk), ``/desk/programs``: the program board (service.pages.programs)
- ``/employer``: an employer's own openings and their candidates (service.pages.employer)

Pages call the service's own functions (the routers' and ``matcher``'s): the same roles, rules, masking and
access log as the API. An error a page meets is shown as a page with the API's status and Korean message.
"""

from __future__ import annotations

import inspect
import json

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles

from service.pages import desk, employer, programs, signin, youth
from service.pages.web import HERE, PageError, SignInRequired, error_page, redirect, sign_in_url

STATIC_URL = "/static/pages"
# Paths of pages (the rest of the app answers JSON): these, and paths under them (not /employers: the API's).
PAGES = ("/desk", "/employer", "/signin", "/signout")


def is_page(path: str) -> bool:
    return path == "/" or path in PAGES or path.startswith(tuple(f"{p}/" for p in PAGES))


def install(app: FastAPI) -> None:
    """Mount the pages, their static files, and HTML answers for errors met on a page."""
    app.mount(STATIC_URL, StaticFiles(directory=HERE / "static"), name="pages-static")
    for module in (youth, signin, desk, programs, employer):
        app.include_router(module.router)
    _html_errors(app)


def _html_errors(app: FastAPI) -> None:
    """Errors met on a page are answered as a page, with the status and message the API handler gives."""
    for kind, handler in list(app.exception_handlers.items()):
        app.exception_handlers[kind] = _page_aware(handler)

    @app.exception_handler(PageError)
    async def _page_error(request: Request, exc: PageError):
        return error_page(request, exc.status, exc.detail)

    @app.exception_handler(SignInRequired)
    async def _sign_in(_request: Request, exc: SignInRequired):
        return redirect(sign_in_url(exc.back))


def _page_aware(handler):
    async def handle(request: Request, exc: Exception):
        answer = handler(request, exc)
        if inspect.isawaitable(answer):
            answer = await answer
        if not is_page(request.url.path) or not answer.headers.get("content-type", "").startswith("application/json"):
            return answer
        detail = json.loads(answer.body).get("detail", "")
        return error_page(request, answer.status_code, str(detail))

    return handle
