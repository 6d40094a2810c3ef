"""Service fixtures: one bundle trained on the planted world, and a database of each kind.

Every storage and API test runs twice: on a SQLite file and on PostgreSQL
(127.0.0.1:5432, database ``test``, each run in a schema of its own). Where no
PostgreSQL server answers, the PostgreSQL half is skipped with that message.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from matcher import bundle
from matcher.contract import Dataset
from service import auth
from service.app import create_app
from service.config import Settings
from service.db import make_engine
from service.import_export import import_dataset
from service.migrate import upgrade
from training.pipeline import TrainResult

POSTGRES_URL = os.environ.get("JOBMATCH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
AS_OF = "2025-02-20"  # inside the planted world: many openings open, some applications already made
SECRET = "test-secret-key-0123456789"  # the tests' JOBMATCH_SECRET_KEY: bundles are signed with it


def _postgres_answers() -> str | None:
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure to connect means: skip the PostgreSQL half
        return f"no PostgreSQL server answers at {POSTGRES_URL} ({type(exc).__name__})"


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory, trained_session: TrainResult) -> Path:
    folder = tmp_path_factory.mktemp("models")
    bundle.save(trained_session.model, folder, {"metrics": {"seeker": {"ndcg@10": 0.5}}}, key=SECRET)
    return folder


@pytest.fixture(scope="session")
def planted_session(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    from matcher.contract import load_folder
    from tests.worlds import planted_world, write_world

    folder = tmp_path_factory.mktemp("planted-service")
    write_world(planted_world(), folder)
    return load_folder(folder)


@pytest.fixture(scope="session")
def trained_session(planted_session: Dataset) -> TrainResult:
    """Trained as the demo is, on the events before the lists' day: its history never runs past AS_OF."""
    from training.pipeline import train

    return train(planted_session, until=AS_OF, with_baselines=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'jobmatch.db'}"
        return
    with postgres_schema() as url:
        yield url


@contextmanager
def postgres_schema() -> Iterator[str]:
    """The URL of a fresh, empty schema of the PostgreSQL test database, dropped afterwards (skips without one)."""
    problem = _postgres_answers()
    if problem:
        pytest.skip(problem)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def filled_url(database_url: str, planted_session: Dataset) -> str:
    """The database with the planted world imported."""
    engine = make_engine(database_url)
    upgrade(engine)
    import_dataset(engine, planted_session)
    engine.dispose()
    return database_url


def settings_for(database_url: str, model_dir: Path, **changes: object) -> Settings:
    """Test settings: a non-default secret, and limits high enough that only the tests of limits meet them."""
    values = {
        "environment": "test",
        "secret_key": SECRET,
        "database_url": database_url,
        "model_dir": model_dir,
        "rate_limit_token": "1000000/minute",
        "rate_limit_address": "1000000/minute",
        "rate_limit_anonymous": "1000000/minute",
        "employer_candidate_lists_per_day": 1000000,
    }
    return Settings(**{**values, **changes})


@pytest.fixture
def settings(filled_url: str, model_dir: Path) -> Settings:
    return settings_for(filled_url, model_dir)


# Who holds a token in the API tests: employer E00 owns openings O000, O003, ...; E10 is another employer.
HOLDERS: dict[str, dict] = {
    "counselor": {"role": "counselor"},
    "admin": {"role": "admin"},
    "employer": {"role": "employer", "employer_id": "E00"},
    "other_employer": {"role": "employer", "employer_id": "E10"},
    "seeker": {"role": "seeker", "seeker_id": "S000"},
}


@pytest.fixture
def tokens(filled_url: str) -> dict[str, str]:
    """One bearer token per holder, issued straight into the database."""
    engine = make_engine(filled_url)
    issued = {}
    with engine.begin() as conn:
        for holder, spec in HOLDERS.items():
            role = spec["role"]
            issued[holder] = auth.issue(
                conn, role, employer_id=spec.get("employer_id"), seeker_id=spec.get("seeker_id"), label=holder
            )[1]
    engine.dispose()
    return issued


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def app_client(settings: Settings) -> Iterator[TestClient]:
    """A client with no token."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def client(app_client: TestClient, tokens: dict[str, str]) -> TestClient:
    """A counselor's client (the center's staff reach everything)."""
    app_client.headers.update(bearer(tokens["counselor"]))
    return app_client
