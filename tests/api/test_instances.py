"""Two real instances (``jobmatch serve`` processes) over one PostgreSQL schema and one Redis behave as one service:
they migrate a fresh database together, both follow an import, a model reload, a token revocation and a rate
limit sent to either."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
import redis

from matcher import bundle
from matcher.contract import Dataset
from service import auth
from service.db import make_engine
from service.import_export import import_dataset
from tests.api.conftest import AS_OF, SECRET, postgres_schema
from tests.api.serving import free_port
from tests.api.test_shared_store import REDIS_URL

TOKEN_LIMIT = 40  # a minute, per token, counted by both instances together


def _redis_or_skip() -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis answers at {REDIS_URL} ({type(exc).__name__})")


def _start(env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    jobmatch = Path(sys.executable).with_name("jobmatch")
    process = subprocess.Popen(
        [str(jobmatch), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
        start_new_session=True,
    )
    return process, f"http://127.0.0.1:{port}"


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def _until(check: Callable[[], bool], seconds: float, what: str) -> float:
    """Seconds until ``check()`` holds, polled every 0.1 s; fails after ``seconds``."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            if check():
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {seconds} s")


@pytest.fixture
def two_instances(tmp_path: Path, model_dir: Path) -> Iterator[tuple[str, str, str, Path]]:
    """Two instances started at once on a fresh, unmigrated schema; yields their URLs, the database URL and their
    model folder."""
    _redis_or_skip()
    models = tmp_path / "models"
    shutil.copytree(model_dir, models)
    with postgres_schema() as url, ExitStack() as stack:
        prefix = f"test-{uuid.uuid4().hex[:12]}"
        env = {
            **os.environ,
            "JOBMATCH_ENVIRONMENT": "test",
            "JOBMATCH_SECRET_KEY": SECRET,
            "JOBMATCH_DATABASE_URL": url,
            "JOBMATCH_MODEL_DIR": str(models),
            "JOBMATCH_DEFAULT_AS_OF": AS_OF,
            "JOBMATCH_SHARED_STORE_URL": REDIS_URL,
            "JOBMATCH_SHARED_STORE_PREFIX": prefix,
            "JOBMATCH_RATE_LIMIT_TOKEN": f"{TOKEN_LIMIT}/minute",
            "JOBMATCH_RATE_LIMIT_ADDRESS": "1000000/minute",  # every request comes from 127.0.0.1
            "JOBMATCH_RATE_LIMIT_ANONYMOUS": "1000000/minute",
            # Far longer than the waits below: a revocation seen elsewhere came through the change log.
            "JOBMATCH_TOKEN_CACHE_SECONDS": "60",
        }
        started = [_start(env, tmp_path / f"instance-{n}.log") for n in range(2)]
        for process, _ in started:
            stack.callback(_stop, process)
        stack.callback(lambda: [k and redis.Redis.from_url(REDIS_URL).delete(k) for k in _keys(prefix)])
        for process, base in started:

            def up(process: subprocess.Popen = process, base: str = base) -> bool:
                if process.poll() is not None:
                    raise AssertionError("exited")
                return httpx.get(f"{base}/health", timeout=5).json()["database"]

            try:
                _until(up, 120, "healthy")
            except AssertionError:
                logs = "\n".join(p.read_text()[-3000:] for p in tmp_path.glob("instance-*.log"))
                raise AssertionError(f"an instance did not start:\n{logs}") from None
            assert process.poll() is None
        yield started[0][1], started[1][1], url, models


def _keys(prefix: str) -> list[bytes]:
    return list(redis.Redis.from_url(REDIS_URL).scan_iter(f"*{prefix}*"))


def test_two_instances_over_one_database_agree(
    two_instances: tuple[str, str, str, Path], planted_session: Dataset, trained_session
) -> None:
    first, second, url, models = two_instances
    # Both migrated the fresh schema at once (under the migration lock) and came up; now the world arrives.
    engine = make_engine(url)
    import_dataset(engine, planted_session)
    with engine.begin() as conn:
        roles = {"admin": "admin", "a": "counselor", "b": "counselor", "limited": "counselor"}
        issued = {name: auth.issue(conn, role) for name, role in roles.items()}
    engine.dispose()
    admin = {"Authorization": f"Bearer {issued['admin'][1]}"}

    def matches(base: str, who: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {issued[who][1]}"}
        return httpx.get(f"{base}/seekers/S000/matches", headers=headers, timeout=30)

    for base in (first, second):  # the import reached both; the list is ranked (and cached) on each
        assert matches(base, "a").status_code == 200
        assert matches(base, "a").headers["x-match-cache"] == "hit"
    assert {matches(base, "b").status_code for base in (first, second)} == {200}

    # A token revoked through one instance is refused by the other, which had it cached (60 s).
    token_id = issued["a"][0]
    assert httpx.delete(f"{first}/admin/tokens/{token_id}", headers=admin, timeout=30).status_code == 204
    assert matches(first, "a").status_code == 401
    _until(lambda: matches(second, "a").status_code == 401, 5, "the revocation seen by the other instance")
    assert matches(second, "b").status_code == 200

    # A reload through one instance: the other serves the new bundle within 5 s.
    old = httpx.get(f"{second}/health", timeout=5).json()["model_version"]
    new = bundle.save(trained_session.model, models, {"metrics": {"note": "second"}}, key=SECRET).name
    reloaded = httpx.post(f"{first}/admin/model/reload", headers=admin, timeout=60)
    assert reloaded.status_code == 200 and reloaded.json()["version"] == new != old
    seconds = _until(
        lambda: httpx.get(f"{second}/health", timeout=5).json()["model_version"] == new, 5, "the reload followed"
    )
    assert matches(second, "b").json()["model_version"] == new
    print(f"the other instance served {new} {seconds:.1f} s after the reload")

    # One limit for both: of 50 requests sent half to each, 40 are answered and 10 refused.
    codes = [matches(base, "limited").status_code for _ in range(25) for base in (first, second)]
    assert codes.count(429) == 50 - TOKEN_LIMIT and codes.count(200) == TOKEN_LIMIT, codes
