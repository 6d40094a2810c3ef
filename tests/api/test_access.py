"""Who may see what: every route × every role, object-level 404s, consent, access log, abuse limits."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from matcher.contract import load_folder
from service.app import create_app
from service.config import DEFAULT_SECRET, Settings
from service.db import make_engine
from service.import_export import export_folder
from tests.api.conftest import AS_OF, bearer
from tests.api.test_api import NEW_OPENING, NEW_SEEKER

ROLES = ("counselor", "admin", "employer", "seeker")
EVERYONE = frozenset({"anonymous", *ROLES})
STAFF_ONLY = frozenset({"counselor"})
# The roles each route admits. A route missing here fails test_every_route_is_classified.
ALLOWED: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/health"): EVERYONE,
    ("POST", "/search"): EVERYONE,
    ("GET", "/model"): frozenset(ROLES),
    ("POST", "/admin/model/reload"): frozenset({"admin"}),
    ("GET", "/admin/access-log"): frozenset({"counselor", "admin"}),
    ("POST", "/admin/tokens"): frozenset({"admin"}),
    ("DELETE", "/admin/tokens/{token_id}"): frozenset({"admin"}),
    ("POST", "/seekers"): STAFF_ONLY,
    ("GET", "/seekers"): STAFF_ONLY,
    ("GET", "/seekers/{seeker_id}"): frozenset({"counselor", "seeker"}),
    ("PUT", "/seekers/{seeker_id}"): frozenset({"counselor", "seeker"}),
    ("DELETE", "/seekers/{seeker_id}"): frozenset({"counselor", "seeker"}),
    ("PUT", "/seekers/{seeker_id}/consent"): frozenset({"counselor", "seeker"}),
    ("GET", "/seekers/{seeker_id}/matches"): frozenset({"counselor", "seeker"}),
    ("POST", "/openings"): frozenset({"counselor", "employer"}),
    ("GET", "/openings"): frozenset(ROLES),
    ("GET", "/openings/{opening_id}"): frozenset(ROLES),
    ("PUT", "/openings/{opening_id}"): frozenset({"counselor", "employer"}),
    ("DELETE", "/openings/{opening_id}"): frozenset({"counselor", "employer"}),
    ("GET", "/openings/{opening_id}/candidates"): frozenset({"counselor", "employer"}),
    ("POST", "/openings/{opening_id}/interviews"): frozenset({"counselor", "employer"}),
    ("POST", "/employers"): STAFF_ONLY,
    ("GET", "/employers"): frozenset({"counselor", "employer"}),
    ("GET", "/employers/{employer_id}"): frozenset({"counselor", "employer"}),
    ("PUT", "/employers/{employer_id}"): frozenset({"counselor", "employer"}),
    ("DELETE", "/employers/{employer_id}"): STAFF_ONLY,
    ("POST", "/events"): frozenset({"counselor", "seeker"}),
    ("GET", "/events"): frozenset({"counselor", "seeker"}),
    ("POST", "/assignments"): STAFF_ONLY,
}
# Each holder's own ids, so that an admitted role is not turned away by the object-level check.
OWN = {"seeker_id": "S000", "opening_id": "O000", "employer_id": "E00", "token_id": "nope"}
SEEKER_FIELDS = {k: v for k, v in NEW_SEEKER.items() if k != "seeker_id"}
OPENING_FIELDS = {k: v for k, v in NEW_OPENING.items() if k != "opening_id"}
BODIES: dict[tuple[str, str], dict] = {
    ("POST", "/search"): {"birth_year": 2000, "dong": "행당1동", "skills": ["미싱"]},
    ("POST", "/admin/tokens"): {"role": "counselor"},
    ("POST", "/seekers"): {**NEW_SEEKER, "seeker_id": "NEW1"},
    ("PUT", "/seekers/{seeker_id}"): SEEKER_FIELDS,
    ("PUT", "/seekers/{seeker_id}/consent"): {"consent_employer_view": True},
    ("POST", "/openings"): {**NEW_OPENING, "opening_id": "NEW2"},
    ("PUT", "/openings/{opening_id}"): OPENING_FIELDS,
    ("POST", "/employers"): {"employer_id": "NEW3", "name": "새 기업"},
    ("PUT", "/employers/{employer_id}"): {"name": "이름 변경"},
    ("POST", "/events"): {"seeker_id": "S000", "opening_id": "O000", "event": "viewed"},
    ("POST", "/assignments"): {"seeker_ids": ["S000"], "opening_ids": ["O000"], "as_of": AS_OF},
    ("POST", "/openings/{opening_id}/interviews"): {"seeker_id": "S000"},
}


def _call(client: TestClient, method: str, path: str, headers: dict) -> object:
    url = path.format(**OWN)
    params = {"as_of": AS_OF} if url.endswith(("matches", "candidates")) else None
    return client.request(method, url, json=BODIES.get((method, path)), headers=headers, params=params)


def test_every_route_is_classified(app_client: TestClient) -> None:
    spec = app_client.get("/openapi.json").json()
    routes = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    assert routes == set(ALLOWED), f"unclassified: {routes ^ set(ALLOWED)}"


def test_every_route_times_every_role(app_client: TestClient, tokens: dict[str, str]) -> None:
    headers = {"anonymous": {}, **{role: bearer(tokens[role]) for role in ROLES}}
    # Deletions last, so that the other calls still find what they need.
    order = sorted(ALLOWED, key=lambda route: route[0] == "DELETE")
    failures = []
    for method, path in order:
        for role in ("anonymous", *ROLES):
            if method == "DELETE" and role in ALLOWED[(method, path)]:
                continue  # checked below, one admitted role each, on its own row
            status = _call(app_client, method, path, headers[role]).status_code
            admitted = role in ALLOWED[(method, path)]
            expected = "admitted" if admitted else ("401" if role == "anonymous" else "403")
            ok = status not in (401, 403) if admitted else status == int(expected)
            if not ok:
                failures.append(f"{method} {path} as {role}: {status}, expected {expected}")
    assert not failures, "\n".join(failures)
    for method, path in order:
        if method == "DELETE" and path != "/admin/tokens/{token_id}":
            admitted = sorted(ALLOWED[(method, path)] - {"anonymous"})[0]
            status = _call(app_client, method, path, headers[admitted]).status_code
            assert status not in (401, 403), f"{method} {path} as {admitted}: {status}"


# Employer E10's ids; employer E00 must see none of them.
OTHER_OPENINGS = ["O100", "O103", "O106", "O109"]


def test_employer_reaches_nothing_of_another_employer(app_client: TestClient, tokens: dict[str, str]) -> None:
    mine = bearer(tokens["employer"])
    theirs_name = app_client.get("/employers/E10", headers=bearer(tokens["counselor"])).json()["name"]
    calls = [("GET", "/employers/E10", None), ("PUT", "/employers/E10", {"name": "가로채기"})]
    for opening_id in OTHER_OPENINGS:
        calls += [
            ("GET", f"/openings/{opening_id}", None),
            ("PUT", f"/openings/{opening_id}", {**OPENING_FIELDS, "employer_id": "E00"}),
            ("DELETE", f"/openings/{opening_id}", None),
            ("GET", f"/openings/{opening_id}/candidates", None),
            ("POST", f"/openings/{opening_id}/interviews", {"seeker_id": "S000"}),
        ]
    for method, path, body in calls:
        answer = app_client.request(method, path, json=body, headers=mine)
        missing = app_client.request(method, path.replace("E10", "E99").replace("O1", "X1"), json=body, headers=mine)
        assert answer.status_code == 404, f"{method} {path}: {answer.status_code}"
        assert missing.status_code == 404
        assert theirs_name not in answer.text and "수제화" not in answer.text
    listed = app_client.get("/openings", params={"employer_id": "E10"}, headers=mine).json()
    assert listed["items"] == [] and listed["total"] == 0
    own = app_client.get("/openings", headers=mine).json()["items"]
    assert own and {o["employer_id"] for o in own} == {"E00"}
    assert [e["employer_id"] for e in app_client.get("/employers", headers=mine).json()["items"]] == ["E00"]
    stolen = app_client.post("/openings", json={**NEW_OPENING, "employer_id": "E10"}, headers=mine)
    unknown = app_client.post("/openings", json={**NEW_OPENING, "employer_id": "E99"}, headers=mine)
    assert stolen.status_code == unknown.status_code == 422
    assert stolen.json()["errors"][0]["field"] == unknown.json()["errors"][0]["field"] == "employer_id"
    # The counselor still sees E10 unchanged.
    assert app_client.get("/employers/E10", headers=bearer(tokens["counselor"])).json()["name"] == theirs_name


def test_seeker_reaches_only_itself(app_client: TestClient, tokens: dict[str, str]) -> None:
    me = bearer(tokens["seeker"])
    assert app_client.get("/seekers/S000", headers=me).status_code == 200
    for path in ("/seekers/S001", "/seekers/S001/matches"):
        assert app_client.get(path, headers=me).status_code == 404
    assert app_client.put("/seekers/S001/consent", json={"consent_employer_view": False}, headers=me).status_code == 404
    other_event = {"seeker_id": "S001", "opening_id": "O000", "event": "applied"}
    assert app_client.post("/events", json=other_event, headers=me).status_code == 422
    hired = {"seeker_id": "S000", "opening_id": "O000", "event": "hired"}
    assert app_client.post("/events", json=hired, headers=me).status_code == 422  # outcomes are the center's
    events = app_client.get("/events", params={"seeker_id": "S001"}, headers=me).json()
    assert events["items"] == []
    mine = app_client.get("/events", headers=me).json()["items"]
    assert mine and {e["seeker_id"] for e in mine} == {"S000"}


def test_withdrawn_consent_leaves_every_candidate_list_at_once(client: TestClient, tokens: dict[str, str]) -> None:
    employer = bearer(tokens["employer"])
    lists = {o: client.get(f"/openings/{o}/candidates", params={"as_of": AS_OF, "k": 100}, headers=employer).json()
             for o in ("O000", "O003", "O006")}  # fmt: skip
    shown = {c["seeker_id"] for body in lists.values() for c in body["candidates"]}
    assert shown, "the planted world has consenting candidates for E00's openings"
    leaving = sorted(shown)[0]
    assert client.put(f"/seekers/{leaving}/consent", json={"consent_employer_view": False}).status_code == 200
    for opening_id in lists:
        again = client.get(f"/openings/{opening_id}/candidates", params={"as_of": AS_OF, "k": 100}, headers=employer)
        assert leaving not in [c["seeker_id"] for c in again.json()["candidates"]]


def test_profile_reads_are_logged_and_survive_deletion(client: TestClient, tokens: dict[str, str]) -> None:
    client.get("/seekers/S003")
    client.get("/seekers/S003/matches", params={"as_of": AS_OF})
    candidates = client.get("/openings/O000/candidates", params={"as_of": AS_OF, "k": 5},
                            headers=bearer(tokens["employer"])).json()["candidates"]  # fmt: skip
    log = client.get("/admin/access-log", params={"seeker_id": "S003"}).json()
    routes = [e["route"] for e in log]
    assert "GET /seekers/{id}" in routes and "GET /seekers/{id}/matches" in routes
    counselor_reads = [e for e in log if e["route"].startswith("GET /seekers")]
    assert len(counselor_reads) == 2 and all(e["role"] == "counselor" and e["token_id"] for e in counselor_reads)
    shown = candidates[0]["seeker_id"]
    employer_reads = client.get("/admin/access-log", params={"seeker_id": shown}).json()
    assert any(e["role"] == "employer" and e["opening_id"] == "O000" for e in employer_reads)
    assert client.delete("/seekers/S003").status_code == 204
    kept = client.get("/admin/access-log", params={"seeker_id": "S003"}).json()
    assert len(kept) >= len(log), "deleting a seeker keeps who read it"
    assert client.get("/events", params={"seeker_id": "S003"}).json()["total"] == 0


def test_deleted_seeker_is_gone_from_the_next_training_export(client: TestClient, settings: Settings, tmp_path: Path):
    assert client.delete("/seekers/S004").status_code == 204
    export_folder(make_engine(settings.database_url), tmp_path)
    data = load_folder(tmp_path)
    assert "S004" not in set(data.seekers["seeker_id"]) and "S004" not in set(data.events["seeker_id"])


RRN = "900101-1234567"
SEEKER_TEXT = ["dong", "intro", "occupations", "skills", "desired_occupations", "desired_industries"]
OPENING_TEXT = ["title", "occupation", "industry", "description", "required_skills", "preferred_skills", "dong"]


@pytest.mark.parametrize("field", SEEKER_TEXT)
def test_rrn_in_any_seeker_text_field_is_refused_and_never_stored_or_logged(
    client: TestClient, settings: Settings, field: str, caplog: pytest.LogCaptureFixture
) -> None:
    value = f"메모 {RRN}" if field in ("dong", "intro") else [f"경력 {RRN}"]
    with caplog.at_level(logging.DEBUG):
        answer = client.post("/seekers", json={**NEW_SEEKER, field: value})
        search = client.post("/search", json={"birth_year": 2000, "dong": "행당1동", field: value})
    for response in (answer, search):
        assert response.status_code == 422
        assert "주민등록번호" in response.json()["detail"] + str(response.json()["errors"])
        assert "1234567" not in response.text
    assert "1234567" not in caplog.text
    engine = make_engine(settings.database_url)
    with engine.connect() as conn:
        dump = pd.read_sql_table("seekers", conn).to_csv()
    assert "1234567" not in dump and "N001" not in dump


@pytest.mark.parametrize("field", OPENING_TEXT)
def test_rrn_in_any_opening_text_field_is_refused(client: TestClient, field: str) -> None:
    value = [RRN] if field.endswith("_skills") else f"문의 {RRN}"
    answer = client.post("/openings", json={**NEW_OPENING, field: value})
    assert answer.status_code == 422 and "1234567" not in answer.text


def test_rrn_in_a_query_is_not_logged(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="jobmatch.requests"):
        client.get(f"/seekers/{RRN}")
    assert caplog.records and "1234567" not in caplog.text


def test_rate_limits_answer_429(settings: Settings, tokens: dict[str, str]) -> None:
    tight = settings.model_copy(update={"rate_limit_token": "5/minute", "rate_limit_anonymous": "3/minute"})
    with TestClient(create_app(tight)) as limited:
        body = {"birth_year": 2000, "dong": "행당1동"}
        anonymous = [limited.post("/search", json=body, params={"as_of": AS_OF}).status_code for _ in range(5)]
        assert anonymous[:3] == [200] * 3 and anonymous[3:] == [429, 429]
        counselor = [limited.get("/model", headers=bearer(tokens["counselor"])).status_code for _ in range(7)]
        assert counselor[:5] == [200] * 5 and counselor[5:] == [429, 429]
        assert limited.get("/model", headers=bearer(tokens["admin"])).status_code == 200  # each token its own


def test_request_body_is_capped(client: TestClient) -> None:
    huge = {**NEW_SEEKER, "intro": "가" * 2_000_000}
    assert client.post("/seekers", json=huge).status_code == 413


def test_employer_candidate_lists_are_capped_per_day(settings: Settings, tokens: dict[str, str]) -> None:
    capped = settings.model_copy(update={"employer_candidate_lists_per_day": 2})
    with TestClient(create_app(capped)) as app:
        employer = bearer(tokens["employer"])
        codes = [app.get("/openings/O000/candidates", params={"as_of": AS_OF}, headers=employer).status_code
                 for _ in range(3)]  # fmt: skip
        assert codes == [200, 200, 429]
        counselor = app.get("/openings/O000/candidates", params={"as_of": AS_OF}, headers=bearer(tokens["counselor"]))
        assert counselor.status_code == 200


def test_default_secret_is_refused_outside_development(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="JOBMATCH_SECRET_KEY"):
        create_app(Settings(environment="production", secret_key=DEFAULT_SECRET, database_url="sqlite://"))
    create_app(Settings(environment="development", secret_key=DEFAULT_SECRET, database_url="sqlite://"))


def test_revoked_token_is_refused(client: TestClient, tokens: dict[str, str]) -> None:
    admin = bearer(tokens["admin"])
    issued = client.post("/admin/tokens", json={"role": "employer", "employer_id": "E00"}, headers=admin).json()
    assert client.get("/openings", headers=bearer(issued["token"])).status_code == 200
    assert client.delete(f"/admin/tokens/{issued['token_id']}", headers=admin).status_code == 204
    assert client.get("/openings", headers=bearer(issued["token"])).status_code == 401
    assert client.get("/openings", headers=bearer("jm_forged.token")).status_code == 401


def test_an_employers_tokens_end_with_it_and_never_pass_to_a_new_one(client: TestClient, tokens: dict[str, str]):
    """Before: a token of a deleted employer kept working, and an employer created again under the same id
    inherited it."""
    admin = bearer(tokens["admin"])
    assert client.post("/employers", json={"employer_id": "GONE", "name": "문 닫은 기업"}).status_code == 201
    old = client.post("/admin/tokens", json={"role": "employer", "employer_id": "GONE"}, headers=admin).json()
    assert client.get("/employers/GONE", headers=bearer(old["token"])).status_code == 200
    assert client.delete("/employers/GONE").status_code == 204
    assert client.get("/employers", headers=bearer(old["token"])).status_code == 401
    assert client.post("/employers", json={"employer_id": "GONE", "name": "새 기업"}).status_code == 201
    assert client.get("/employers/GONE", headers=bearer(old["token"])).status_code == 401
    new = client.post("/admin/tokens", json={"role": "employer", "employer_id": "GONE"}, headers=admin).json()
    assert client.get("/employers/GONE", headers=bearer(new["token"])).status_code == 200
    # The same for a seeker, deleted and registered again.
    mine = client.post("/admin/tokens", json={"role": "seeker", "seeker_id": "S005"}, headers=admin).json()
    assert client.delete("/seekers/S005").status_code == 204
    assert client.post("/seekers", json={**NEW_SEEKER, "seeker_id": "S005"}).status_code == 201
    assert client.get("/seekers/S005", headers=bearer(mine["token"])).status_code == 401
    again = client.post("/admin/tokens", json={"role": "seeker", "seeker_id": "S005"}, headers=admin).json()
    assert client.get("/seekers/S005", headers=bearer(again["token"])).status_code == 200


def test_every_answer_that_shows_seeker_data_is_logged(client: TestClient) -> None:
    """Before: GET /events, POST /assignments and writes answering with a profile left no access-log row."""
    fields = {k: v for k, v in NEW_SEEKER.items() if k != "seeker_id"}
    calls = [
        ("POST /seekers", "N001", lambda: client.post("/seekers", json=NEW_SEEKER)),
        ("PUT /seekers/{id}", "S006", lambda: client.put("/seekers/S006", json=fields)),
        ("PUT /seekers/{id}/consent", "S007",
         lambda: client.put("/seekers/S007/consent", json={"consent_employer_view": True})),
        ("POST /events", "S008",
         lambda: client.post("/events", json={"seeker_id": "S008", "opening_id": "O000", "event": "viewed"})),
        ("GET /events", "S009", lambda: client.get("/events", params={"seeker_id": "S009"})),
        ("POST /assignments", "S010",
         lambda: client.post("/assignments", json={"seeker_ids": ["S010"], "opening_ids": ["O000"], "as_of": AS_OF})),
    ]  # fmt: skip
    for route, seeker_id, call in calls:
        answer = call()
        assert answer.status_code < 300, (route, answer.text)
        assert seeker_id in answer.text or route.endswith("consent")
        logged = client.get("/admin/access-log", params={"seeker_id": seeker_id}).json()
        assert route in [e["route"] for e in logged], (route, logged)
        assert all(e["token_id"] and e["request_id"] for e in logged)


def test_a_seeker_may_not_change_its_own_eligibility_facts(client: TestClient, tokens: dict[str, str]) -> None:
    """Before: a seeker could make itself eligible for a program by editing its own groups and birth year."""
    me = bearer(tokens["seeker"])
    own = {k: v for k, v in client.get("/seekers/S000").json().items() if k != "seeker_id"}
    for change in ({"groups": [*own["groups"], "low_income"]}, {"birth_year": own["birth_year"] - 10},
                   {"groups": []}):  # fmt: skip
        refused = client.put("/seekers/S000", json={**own, **change}, headers=me)
        assert refused.status_code == 422 and [e["field"] for e in refused.json()["errors"]] == list(change)
    assert client.get("/seekers/S000").json() == {"seeker_id": "S000", **own}
    kept = client.put("/seekers/S000", json={**own, "skills": ["미싱", "재단"]}, headers=me)
    assert kept.status_code == 200 and kept.json()["skills"] == ["미싱", "재단"]
    by_counselor = client.put("/seekers/S000", json={**own, "groups": ["low_income"]})
    assert by_counselor.status_code == 200 and by_counselor.json()["groups"] == ["low_income"]
