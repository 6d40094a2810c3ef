"""Schemathesis over the OpenAPI schema, as a counselor: no 5xx, every answer as documented,
and every read of a seeker's data in the run has its access-log row."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from matcher.contract import Dataset
from service import auth, tables
from service.app import create_app
from service.db import make_engine
from service.import_export import import_dataset
from service.migrate import upgrade
from tests.api.conftest import settings_for

# Routes whose 200 answer shows a seeker's data: each needs an access-log row with the request's id.
PROFILE_READS = (
    "/seekers",
    "/seekers/{seeker_id}",
    "/seekers/{seeker_id}/matches",
    "/openings/{opening_id}/candidates",
)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, planted_session: Dataset, model_dir: Path) -> Iterator[dict]:
    url = f"sqlite:///{tmp_path_factory.mktemp('schema') / 'jobmatch.db'}"
    engine = make_engine(url)
    upgrade(engine)
    import_dataset(engine, planted_session)
    with engine.begin() as conn:
        token = auth.issue(conn, "counselor", label="schemathesis")[1]
    app = create_app(settings_for(url, model_dir, default_as_of="2025-02-20"))
    with TestClient(app):  # runs the lifespan: the model is loaded into app.state for every later client
        yield {"app": app, "token": token, "engine": engine}
    engine.dispose()


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _check_operation(operation: schemathesis.APIOperation, served: dict) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def run(case: schemathesis.Case) -> None:
        response = case.call_and_validate(headers={"Authorization": f"Bearer {served['token']}"}, checks=CHECKS)
        if case.method.upper() == "GET" and case.path in PROFILE_READS and response.status_code == 200:
            request_id = response.headers["x-request-id"]
            request_id = request_id[0] if isinstance(request_id, list) else request_id
            with served["engine"].connect() as conn:
                query = select(tables.access_log.c.entry_id).where(tables.access_log.c.request_id == request_id)
                assert conn.scalar(query) is not None, f"{case.method} {case.formatted_path}: no access-log row"

    run()


def test_api_matches_its_schema(served: dict) -> None:
    """Every operation, 25 generated requests each (schemathesis' pytest plugin predates pytest 9, so the
    operations are walked here)."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", served["app"])
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    for operation in operations:
        try:
            _check_operation(operation, served)
        except Exception as exc:  # collect every operation's failure, then report them all
            failures.append(f"{operation.method.upper()} {operation.path}: {type(exc).__name__}: {exc}"[:2000])
    assert not failures, "\n\n".join(failures)
