"""The service's edges: what reaches its log, how its rate limits count callers, how it takes its port."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from jobmatch_cli import demo
from jobmatch_cli.main import main
from service.app import create_app
from service.config import Settings
from tests.api.conftest import AS_OF, bearer
from tests.api.serving import free_port, serving

SEARCH = {"birth_year": 2000, "dong": "행당1동"}
FORGED = "INFO:     anon-forged-line"


def _serve(settings: Settings, port: int, log_format: str) -> subprocess.Popen:
    env = {**os.environ, "JOBMATCH_ENVIRONMENT": "test", "JOBMATCH_SECRET_KEY": settings.secret_key,
           "JOBMATCH_DATABASE_URL": settings.database_url, "JOBMATCH_MODEL_DIR": str(settings.model_dir),
           "JOBMATCH_LOG_FORMAT": log_format}  # fmt: skip
    command = [sys.executable, "-m", "jobmatch_cli", "serve", "--port", str(port)]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("log_format", ["text", "json"])
def test_no_request_can_write_a_line_of_its_own_into_the_log(settings: Settings, log_format: str) -> None:
    """Before: ``GET /x%0aINFO: ...`` put a forged line in the log, and NUL bytes reached it raw."""
    port = free_port()
    server = _serve(settings, port, log_format)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        for path in ("/x%0aINFO:%20%20%20%20%20anon-forged-line", "/y%0d%0aINFO:%20%20%20%20%20anon-forged-line",
                     "/z%00nul", "/w%e2%80%a8sep", "/seekers/%0aINFO:%20%20%20%20%20anon-forged-line"):  # fmt: skip
            httpx.get(url + path)
    finally:
        server.terminate()
        _, err = server.communicate(timeout=60)
    text = err.decode("utf-8", errors="replace")
    lines = text.splitlines()
    assert sum("anon-forged-line" in line for line in lines) >= 3, text[-2000:]  # the requests were logged...
    assert not [line for line in lines if line.lstrip().startswith(FORGED)], text[-2000:]  # ...on their own lines
    assert "\x00" not in text and "\r" not in text and "\u2028" not in text
    if log_format == "json":
        assert all(json.loads(line)["level"] for line in lines if line.strip()), text[-2000:]


def test_an_unverified_bearer_is_limited_as_anonymous(settings: Settings, tokens: dict[str, str]) -> None:
    """Before: once the anonymous limit was hit, any made-up ``Authorization: Bearer`` got 200 (60 of 60)."""
    tight = settings.model_copy(update={"rate_limit_anonymous": "3/minute", "rate_limit_token": "100/minute"})
    with TestClient(create_app(tight)) as client:
        codes = [client.post("/search", json=SEARCH, params={"as_of": AS_OF}).status_code for _ in range(3)]
        junk = [client.post("/search", json=SEARCH, params={"as_of": AS_OF},
                            headers=bearer(f"jm_{uuid.uuid4().hex}.x")).status_code for _ in range(20)]  # fmt: skip
        other = client.post("/search", json=SEARCH, headers={"Authorization": "Basic Zm9vOmJhcg=="})
        assert codes == [200] * 3 and set(junk) == {429} and other.status_code == 429
        verified = client.post("/search", json=SEARCH, params={"as_of": AS_OF}, headers=bearer(tokens["counselor"]))
        assert verified.status_code == 200  # a real token has its own allowance


def test_a_forwarded_address_is_believed_only_from_a_configured_proxy(settings: Settings) -> None:
    """Before: uvicorn trusted X-Forwarded-For from 127.0.0.1, so a local caller picked a new address each time
    and the anonymous limit never applied (40 of 40 answered)."""
    tight = settings.model_copy(update={"rate_limit_anonymous": "3/minute"})
    for trusted, expected in (("", {429}), ("127.0.0.1", {200})):
        configured = tight.model_copy(update={"forwarded_allow_ips": trusted})
        with serving(create_app(configured), configured) as url, httpx.Client(base_url=url, timeout=60) as http:
            first = [http.post("/search", json=SEARCH, params={"as_of": AS_OF}).status_code for _ in range(3)]
            spoofed = [
                http.post(
                    "/search", json=SEARCH, params={"as_of": AS_OF}, headers={"X-Forwarded-For": f"203.0.113.{i}"}
                )
                for i in range(10)
            ]
        spoofed = [answer.status_code for answer in spoofed]
        assert first == [200] * 3 and set(spoofed) == expected, (trusted, spoofed)


def test_demo_on_a_taken_port_stops_first_and_says_how_to_choose_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """Before: a second demo generated, trained, printed new tokens and revoked the running demo's, and only then
    failed with 'address already in use'."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(demo, "load_folder", lambda *a, **k: pytest.fail("the demo did work before checking its port"))
    import training.sample

    monkeypatch.setattr(training.sample, "generate", lambda *a, **k: pytest.fail("generated before the port check"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["demo", "--port", str(port)]) == 2
        assert main(["serve", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err.count(f"--port {port + 1}") == 2 and f"make demo PORT={port + 1}" in err
    assert not (tmp_path / "var").exists(), "nothing was written"
