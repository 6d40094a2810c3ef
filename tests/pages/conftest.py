"""Page fixtures: the API tests' planted world, bundle and databases (tests/api/conftest.py), reused here."""

# ruff: noqa: F811 (fixtures imported from tests/api/conftest.py are parameters here)

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from tests.api.conftest import (  # noqa: F401 (fixtures)
    AS_OF,
    HOLDERS,
    bearer,
    database_url,
    filled_url,
    model_dir,
    planted_session,
    settings_for,
    tokens,
    trained_session,
)

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page carries no CSRF token"
    return found.group(1)


def sign_in(client: TestClient, token: str) -> str:
    """Sign in through the page; returns the CSRF token of the new session's pages."""
    form = csrf_of(client.get("/signin").text)
    answer = client.post("/signin", data={"csrf_token": form, "token": token})
    assert answer.status_code == 200, answer.text
    return csrf_of(answer.text)


@pytest.fixture
def site(filled_url: str, model_dir: Path) -> Iterator[TestClient]:
    """The app on the planted world, lists for a day inside it; no one signed in."""
    with TestClient(create_app(settings_for(filled_url, model_dir, default_as_of=AS_OF))) as client:
        yield client
