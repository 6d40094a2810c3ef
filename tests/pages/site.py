"""A running site for browser tests: the demo's world, its bundle and database, served by uvicorn on 127.0.0.1.

The world is the default sample with the model trained on the events before the demo's day (the session's
``default_sample`` fixture, tests/conftest.py: trained once for every test that needs it), imported into a
SQLite database of its own. The server runs in a thread of the test process, so tests can read its database.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import uvicorn
from sqlalchemy import Engine

from matcher import bundle
from matcher.contract import Dataset
from service import auth
from service.app import create_app
from service.config import Settings
from service.db import make_engine
from service.import_export import import_dataset
from service.migrate import upgrade
from tests.conftest import SampleDay

SECRET = "browser-test-secret-0123456789"  # the site's JOBMATCH_SECRET_KEY: its bundle is signed with it


@dataclass(frozen=True)
class World:
    data: Dataset
    database_url: str
    model_dir: Path
    as_of: str  # the day lists are for (inside the sample year, as in the demo)
    tokens: dict[str, str]  # holder → bearer token
    employer_id: str  # the employer token's employer: owns an opening open on as_of
    other_employer_id: str


def build_world(sample: SampleDay, folder: Path) -> World:
    """Save the sample's bundle, import its world; issue a counselor token and two employers' tokens."""
    data = sample.data
    bundle.save(sample.model, folder / "models", {"metrics": {}}, key=SECRET)
    url = f"sqlite:///{folder / 'jobmatch.db'}"
    engine = make_engine(url)
    upgrade(engine)
    import_dataset(engine, data)
    openings = data.openings
    as_of = sample.as_of
    still_open = openings["deadline"].isna() | (openings["deadline"] >= as_of)
    open_now = openings[(openings["posted_at"] <= as_of) & still_open]
    counts = open_now["employer_id"].value_counts()
    employer, other = str(counts.index[0]), str(counts.index[1])
    tokens = _issue(engine, employer, other)
    engine.dispose()
    return World(data, url, folder / "models", as_of.date().isoformat(), tokens, employer, other)


def _issue(engine: Engine, employer: str, other: str) -> dict[str, str]:
    with engine.begin() as conn:
        return {
            "counselor": auth.issue(conn, "counselor", label="browser-test")[1],
            "employer": auth.issue(conn, "employer", employer_id=employer, label="browser-test")[1],
            "other_employer": auth.issue(conn, "employer", employer_id=other, label="browser-test")[1],
            "admin": auth.issue(conn, "admin", label="browser-test")[1],
        }


def settings_for(world: World, **changes: object) -> Settings:
    values = {
        "environment": "test",
        "secret_key": SECRET,
        "database_url": world.database_url,
        "model_dir": world.model_dir,
        "default_as_of": world.as_of,
        "rate_limit_token": "100000/minute",
        "rate_limit_address": "100000/minute",
        "rate_limit_anonymous": "100000/minute",
    }
    return Settings(**{**values, **changes})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(settings: Settings, port: int | None = None) -> Iterator[str]:
    """The app served on 127.0.0.1 in a thread; yields its base URL, stops it afterwards."""
    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def events_of(world: World, seeker_id: str | None = None, opening_id: str | None = None) -> pd.DataFrame:
    """Events as stored (read straight from the database)."""
    engine = make_engine(world.database_url)
    query = "SELECT seeker_id, opening_id, event FROM events"
    frame = pd.read_sql(query, engine)
    engine.dispose()
    if seeker_id is not None:
        frame = frame[frame["seeker_id"] == seeker_id]
    if opening_id is not None:
        frame = frame[frame["opening_id"] == opening_id]
    return frame
