"""Failure behaviour: model reload under load, a refused bundle, no bundle, a database that goes away and comes back."""

from __future__ import annotations

import contextlib
import shutil
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from matcher import bundle
from service import auth
from service.app import create_app
from service.config import Settings
from tests.api.conftest import AS_OF, POSTGRES_URL, SECRET, bearer


def _copy_models(model_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "models"
    shutil.copytree(model_dir, target)
    return target


def test_reload_under_load_loses_no_request_and_refuses_a_truncated_bundle(
    settings: Settings, tokens: dict[str, str], tmp_path: Path, trained_session
) -> None:
    models = _copy_models(settings.model_dir, tmp_path)
    live_settings = settings.model_copy(update={"model_dir": models})
    counselor, admin = bearer(tokens["counselor"]), bearer(tokens["admin"])
    with TestClient(create_app(live_settings)) as client:
        first = client.get("/model", headers=counselor).json()["version"]
        stop = threading.Event()

        def hammer() -> list[int]:
            codes = []
            while not stop.is_set():
                codes.append(
                    client.get("/seekers/S000/matches", params={"as_of": AS_OF}, headers=counselor).status_code
                )
            return codes

        with ThreadPoolExecutor(4) as pool:
            futures = [pool.submit(hammer) for _ in range(4)]
            time.sleep(0.3)
            second = bundle.save(trained_session.model, models, {"metrics": {"note": "second"}}, key=SECRET).name
            reloaded = client.post("/admin/model/reload", headers=admin)
            time.sleep(0.3)
            # A new CURRENT whose bundle file is cut short: refused, and the second keeps serving.
            third = bundle.save(trained_session.model, models, {"metrics": {}}, key=SECRET)
            blob = third / bundle.BUNDLE_FILE
            blob.write_bytes(blob.read_bytes()[: blob.stat().st_size // 2])
            refused = client.post("/admin/model/reload", headers=admin)
            time.sleep(0.3)
            stop.set()
            codes = [c for f in futures for c in f.result()]
    assert reloaded.status_code == 200 and reloaded.json()["version"] == second != first
    assert refused.status_code == 409
    assert "corrupt or truncated" in refused.json()["detail"] and second in refused.json()["detail"]
    assert len(codes) > 20 and set(codes) == {200}, f"{len(codes)} requests, codes {set(codes)}"


def test_without_a_bundle_matches_answer_503_saying_how_to_train(settings: Settings, tmp_path: Path, tokens) -> None:
    empty = settings.model_copy(update={"model_dir": tmp_path / "no-models"})
    with TestClient(create_app(empty)) as client:
        client.headers.update(bearer(tokens["counselor"]))
        answer = client.get("/seekers/S000/matches")
        assert answer.status_code == 503 and "jobmatch train" in answer.json()["detail"]
        assert client.get("/health").json() == {"status": "degraded", "model_version": None, "database": True}
        assert client.get("/seekers/S000").status_code == 200  # the rest of the service works


class Proxy:
    """A TCP relay to PostgreSQL that the test can cut and restore, to make the database 'go away'."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = self._free_port()
        self.sockets: list[socket.socket] = []
        self.listener: socket.socket | None = None

    @staticmethod
    def _free_port() -> int:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    def start(self) -> None:
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen()
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        # shutdown() wakes the thread blocked in accept(); close() alone would leave the port listening.
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        for s in self.sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
                s.close()
        self.sockets.clear()


# The database is cut through a TCP relay, so this runs on the PostgreSQL half only.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_database_away_answers_503_and_recovers_without_restart(settings: Settings, tokens: dict[str, str]) -> None:
    proxy = Proxy(("127.0.0.1", 5432))
    proxy.start()
    url = settings.database_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    assert url != settings.database_url and POSTGRES_URL in settings.database_url
    with TestClient(create_app(settings.model_copy(update={"database_url": url}))) as client:
        client.headers.update(bearer(tokens["counselor"]))
        assert client.get("/seekers/S000").status_code == 200
        proxy.cut()
        away = [client.get("/seekers/S000"), client.get("/seekers/S000/matches"), client.post("/events", json={})]
        assert [a.status_code for a in away[:2]] == [503, 503], [a.text for a in away]
        assert "데이터베이스" in away[0].json()["detail"]
        assert client.get("/health").json()["database"] is False
        proxy.start()
        assert client.get("/seekers/S000").status_code == 200
        assert client.get("/seekers/S000/matches", params={"as_of": AS_OF}).status_code == 200
        assert client.get("/health").json()["database"] is True
    proxy.cut()


def test_the_first_request_after_an_import_into_an_empty_database_is_answered(
    database_url: str, model_dir: Path, planted_session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A service started on an empty database tries to load again when the change log has moved since its last
    try (an import), not only after RETRY_SECONDS: before, a request within that time of a failed try (e.g. the
    watcher's, just before the import committed) was refused with 503 although the rows were there."""
    from service import serving
    from service.db import make_engine
    from service.import_export import import_dataset
    from service.migrate import upgrade
    from tests.api.conftest import settings_for

    monkeypatch.setattr(serving, "RETRY_SECONDS", 3600.0)  # no try is ever due by time alone in this test
    engine = make_engine(database_url)
    upgrade(engine)
    with TestClient(create_app(settings_for(database_url, model_dir))) as client:
        engine = make_engine(database_url)
        with engine.begin() as conn:
            token = auth.issue(conn, "counselor")[1]
        empty = client.get("/seekers/S000/matches", headers=bearer(token), params={"as_of": AS_OF})
        assert empty.status_code in (404, 503)  # nothing imported yet
        import_dataset(engine, planted_session)
        engine.dispose()
        assert client.get("/seekers/S000/matches", headers=bearer(token), params={"as_of": AS_OF}).status_code == 200
