"""The HTTP API on SQLite and PostgreSQL: CRUD, matches, candidates, events, errors."""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from service import changes, clock
from service.app import create_app
from tests.api.conftest import AS_OF, bearer

NEW_SEEKER = {
    "seeker_id": "N001",
    "birth_year": 1998,
    "dong": "행당1동",
    "groups": ["youth"],
    "skills": ["미싱", "재단"],
    "desired_occupations": ["봉제 미싱사"],
    "desired_wage_type": "hourly",
    "desired_wage_amount": 11000,
    "max_commute_km": 8,
    "intro": "봉제 공장에서 3년 일했습니다.",
    "consent_employer_view": True,
}
NEW_OPENING = {
    "opening_id": "NO01",
    "employer_id": "E00",
    "title": "봉제 미싱사 급구",
    "occupation": "봉제 미싱사",
    "industry": "패션봉제",
    "dong": "행당1동",
    "wage_type": "monthly",
    "wage_amount": 2_500_000,
    "hours_per_week": 40,
    "required_skills": ["미싱"],
    "positions": 1,
    "posted_at": "2025-02-10",
    "deadline": "2025-03-31",
    "description": "미싱 경력자 우대",
}


def test_health_and_model(client: TestClient) -> None:
    health = client.get("/health").json()
    assert health["database"] is True and health["status"] == "ok" and health["model_version"]
    model = client.get("/model").json()
    assert model["version"] == health["model_version"]
    assert model["metrics"] == {"seeker": {"ndcg@10": 0.5}}


def test_seeker_crud_round_trip(client: TestClient) -> None:
    created = client.post("/seekers", json=NEW_SEEKER)
    assert created.status_code == 201, created.text
    assert client.get("/seekers/N001").json()["skills"] == ["미싱", "재단"]
    assert client.post("/seekers", json=NEW_SEEKER).status_code == 409
    fields = {k: v for k, v in NEW_SEEKER.items() if k != "seeker_id"}
    changed = client.put("/seekers/N001", json={**fields, "dong": "마장동"})
    assert changed.status_code == 200 and changed.json()["dong"] == "마장동"
    assert client.get("/seekers/N001").json()["dong"] == "마장동"
    assert client.delete("/seekers/N001").status_code == 204
    assert client.get("/seekers/N001").status_code == 404
    assert client.delete("/seekers/N001").status_code == 404


def test_pagination_is_capped(client: TestClient) -> None:
    page = client.get("/seekers", params={"limit": 5, "offset": 10}).json()
    assert len(page["items"]) == 5 and page["total"] == 72 and page["offset"] == 10
    too_big = client.get("/seekers", params={"limit": 5000})
    assert too_big.status_code == 422 and too_big.json()["errors"][0]["field"] == "limit"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"birth_year": 1800}, "birth_year"),
        ({"groups": ["martian"]}, "groups.0"),
        ({"dong": "강남동"}, "dong"),
        ({"unknown_field": 1}, "unknown_field"),
        ({"desired_wage_type": "weekly"}, "desired_wage_type"),
        ({"skills": ["미싱;재단"]}, "skills.0"),
    ],
)
def test_bad_input_is_422_naming_the_field(client: TestClient, change: dict, field: str) -> None:
    answer = client.post("/seekers", json={**NEW_SEEKER, **change})
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert field in [e["field"] for e in body["errors"]]
    assert "입력값을 확인해 주세요" in body["detail"]


def test_resident_registration_number_is_refused_and_not_echoed(client: TestClient) -> None:
    answer = client.post("/seekers", json={**NEW_SEEKER, "intro": "주민번호 990101-1234567 입니다"})
    assert answer.status_code == 422
    assert "990101" not in answer.text and "주민등록번호" in answer.text
    assert client.get("/seekers/N001").status_code == 404


def test_unknown_ids_are_404(client: TestClient) -> None:
    for path in ("/seekers/NOPE", "/openings/NOPE", "/employers/NOPE", "/seekers/NOPE/matches",
                 "/openings/NOPE/candidates"):  # fmt: skip
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert "찾을 수 없습니다" in answer.json()["detail"]


def test_matches_have_reasons_and_opening_summaries(client: TestClient) -> None:
    body = client.get("/seekers/S000/matches", params={"as_of": AS_OF, "k": 5}).json()
    assert body["seeker_id"] == "S000" and body["model_version"]
    assert [m["rank"] for m in body["matches"]] == list(range(1, len(body["matches"]) + 1))
    assert body["matches"], "the planted world has open openings for S000"
    top = body["matches"][0]
    assert top["opening_id"].startswith("O0"), "the planted answer: a seeker's own trade first"
    assert 1 <= len(top["reasons"]) <= 4 and all(isinstance(r, str) and r for r in top["reasons"])
    assert all(isinstance(c, str) and c for m in body["matches"] for c in m["cautions"])
    assert top["opening"]["title"] and top["opening"]["employer_name"]
    scores = [m["score"] for m in body["matches"]]
    assert scores == sorted(scores, reverse=True)


def test_match_filters(client: TestClient) -> None:
    # S000 sews in 행당1동; a sewing job in 마장동 is the one a dong filter must bring out of the others.
    sewing = {**NEW_OPENING, "opening_id": "NO02", "dong": "마장동"}
    assert client.post("/openings", json=sewing).status_code == 201
    near = client.get("/seekers/S000/matches", params={"as_of": AS_OF, "k": 50, "dong": "마장동"}).json()
    assert "NO02" in [m["opening_id"] for m in near["matches"]]
    assert {m["opening"]["dong"] for m in near["matches"]} == {"마장동"}
    bad = client.get("/seekers/S000/matches", params={"as_of": AS_OF, "dong": "없는동"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "dong"
    close = client.get("/seekers/S000/matches", params={"as_of": AS_OF, "k": 50, "max_km": 0.5}).json()
    assert {m["opening"]["dong"] for m in close["matches"]} <= {"행당1동"}


def test_new_rows_are_matchable_at_once(client: TestClient) -> None:
    assert client.post("/seekers", json=NEW_SEEKER).status_code == 201
    assert client.post("/openings", json=NEW_OPENING).status_code == 201, client.post("/openings", json=NEW_OPENING)
    found = client.get("/seekers/N001/matches", params={"as_of": "2025-02-20", "k": 100}).json()["matches"]
    assert "NO01" in [m["opening_id"] for m in found]
    # After applying, the opening leaves the seeker's list; after the only position is filled, everyone's.
    event = {"seeker_id": "N001", "opening_id": "NO01", "event": "applied", "occurred_at": "2025-02-20T09:00:00"}
    assert client.post("/events", json=event).status_code == 201
    found = client.get("/seekers/N001/matches", params={"as_of": "2025-02-20", "k": 100}).json()["matches"]
    assert "NO01" not in [m["opening_id"] for m in found]
    assert client.post("/events", json={**event, "event": "hired"}).status_code == 201
    others = client.get("/seekers/S000/matches", params={"as_of": "2025-02-21", "k": 100}).json()["matches"]
    assert "NO01" not in [m["opening_id"] for m in others]
    full = client.post("/events", json={**event, "seeker_id": "S001", "event": "hired"})
    assert full.status_code == 409 and "남은 자리" in full.json()["detail"]


def test_events_are_validated(client: TestClient) -> None:
    base = {"seeker_id": "S000", "opening_id": "O000", "event": "viewed"}
    assert client.post("/events", json=base).status_code == 201
    assert client.post("/events", json={**base, "event": "liked"}).status_code == 422
    missing = client.post("/events", json={**base, "opening_id": "NOPE"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "opening_id"
    listed = client.get("/events", params={"seeker_id": "S000", "limit": 200}).json()
    assert any(e["event"] == "viewed" and e["opening_id"] == "O000" for e in listed["items"])


def test_an_event_without_a_time_is_stamped_on_the_services_as_of_day(settings, tokens: dict[str, str]) -> None:
    """With JOBMATCH_DEFAULT_AS_OF (the demo's day inside its sample year), what is recorded now counts in the
    lists of that day: an application leaves them."""
    on_day = settings.model_copy(update={"default_as_of": date.fromisoformat(AS_OF)})
    with TestClient(create_app(on_day), headers=bearer(tokens["counselor"])) as client:
        top = client.get("/seekers/S000/matches").json()["matches"][0]["opening_id"]
        recorded = client.post("/events", json={"seeker_id": "S000", "opening_id": top, "event": "applied"})
        assert recorded.status_code == 201, recorded.text
        assert recorded.json()["occurred_at"].startswith(AS_OF)
        assert top not in [m["opening_id"] for m in client.get("/seekers/S000/matches").json()["matches"]]
    with TestClient(create_app(settings), headers=bearer(tokens["counselor"])) as client:  # none set: now
        recorded = client.post("/events", json={"seeker_id": "S000", "opening_id": top, "event": "viewed"})
        assert recorded.json()["occurred_at"].startswith(clock.now().date().isoformat())


def test_lists_without_as_of_are_for_the_day_of_the_services_clock(
    settings, tokens: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The day a list is computed for when a request names none is the service clock's (Seoul) day, the day an
    event recorded without a time is stamped on. The host's own date differs from 00:00 to 09:00 Seoul time on a
    host kept on UTC: lists were for the day before, and an application recorded then stayed in them."""
    monkeypatch.setattr(clock, "now", lambda: datetime(2025, 2, 21, 0, 30))  # 2025-02-20 15:30 UTC
    with TestClient(create_app(settings), headers=bearer(tokens["counselor"])) as client:
        listed = client.get("/seekers/S000/matches").json()
        assert listed["as_of"] == "2025-02-21" and listed["matches"]
        top = listed["matches"][0]["opening_id"]
        recorded = client.post("/events", json={"seeker_id": "S000", "opening_id": top, "event": "applied"})
        assert recorded.status_code == 201, recorded.text
        assert top not in [m["opening_id"] for m in client.get("/seekers/S000/matches").json()["matches"]]


def test_candidates_show_only_consenting_and_masked(client: TestClient) -> None:
    seeker = {k: v for k, v in NEW_SEEKER.items() if k != "seeker_id"}
    client.put("/seekers/S001", json={**seeker, "consent_employer_view": False})
    body = client.get("/openings/O005/candidates", params={"as_of": AS_OF, "k": 100}).json()
    ids = [c["seeker_id"] for c in body["candidates"]]
    assert ids and "S001" not in ids
    profile = body["candidates"][0]["profile"]
    assert set(profile) == {"seeker_id", "age_band", "dong", "education", "experience_years", "skills",
                            "desired_occupations"}  # fmt: skip
    assert profile["age_band"].endswith("대")


def test_opening_and_employer_crud(client: TestClient) -> None:
    assert client.post("/employers", json={"employer_id": "E900", "name": "성수 수제화 공방"}).status_code == 201
    opening = {**NEW_OPENING, "opening_id": "NO02", "employer_id": "E900"}
    created = client.post("/openings", json=opening)
    assert created.status_code == 201 and created.json()["employer_name"] == "성수 수제화 공방"
    unknown_employer = client.post("/openings", json={**opening, "opening_id": "NO03", "employer_id": "E999"})
    assert unknown_employer.status_code == 422 and unknown_employer.json()["errors"][0]["field"] == "employer_id"
    assert client.delete("/employers/E900").status_code == 409  # it still has an opening
    assert client.put("/employers/E900", json={"name": "새 이름"}).json()["name"] == "새 이름"
    assert client.get("/openings/NO02").json()["employer_name"] == "새 이름"
    assert client.delete("/openings/NO02").status_code == 204
    assert client.delete("/employers/E900").status_code == 204
    assert client.delete("/openings/O000").status_code == 409  # it has history


def test_catching_up_on_changes_equals_a_fresh_build(client: TestClient) -> None:
    """The live matcher applies logged changes row by row; the result must be what a rebuild would give."""
    client.get("/seekers/S000/matches", params={"as_of": AS_OF})  # the snapshot exists before the changes
    fields = {k: v for k, v in NEW_SEEKER.items() if k != "seeker_id"}
    assert client.post("/seekers", json=NEW_SEEKER).status_code == 201
    assert client.post("/openings", json=NEW_OPENING).status_code == 201
    assert client.put("/seekers/S002", json={**fields, "skills": ["수제화"], "dong": "성수2가1동"}).status_code == 200
    assert client.put("/employers/E00", json={"name": "새 이름 봉제"}).status_code == 200
    assert client.delete("/seekers/S005").status_code == 204
    event = {"seeker_id": "S001", "opening_id": "NO01", "event": "applied", "occurred_at": "2025-02-19T10:00:00"}
    assert client.post("/events", json=event).status_code == 201
    serving = client.app.state.serving
    caught_up = serving.current()
    rebuilt = serving._build(caught_up.loaded)
    assert caught_up.revision == rebuilt.revision and caught_up.last_event == rebuilt.last_event
    ids = ["S000", "S001", "S002", "N001", "S100"]
    when = "2025-02-20"

    def ordered(found: list) -> list:  # lists come grouped in table order, which differs; ranks and scores must not
        return sorted(found, key=lambda m: (m.seeker_id, m.opening_id))

    assert ordered(caught_up.matcher.matches(ids, when, k=20)) == ordered(rebuilt.matcher.matches(ids, when, k=20))
    both = ["O000", "NO01"]
    assert ordered(caught_up.matcher.candidates(both, when, k=20)) == ordered(
        rebuilt.matcher.candidates(both, when, k=20)
    )
    assert "S005" not in set(caught_up.matcher.seekers["seeker_id"])
    names = caught_up.matcher.openings.set_index("opening_id")["employer_name"]
    assert names["O000"] == "새 이름 봉제"


def test_writes_committed_out_of_order_are_all_caught_up(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Catching up reads the changes and events past the last ids it saw, so writes must commit in the order of
    their ids. On PostgreSQL two write transactions committed in any order: catching up between the two commits
    passed the earlier one's ids, and the live matcher never learned of it (here an application: the opening
    stayed in the seeker's list until a reload)."""

    def listed() -> list[str]:
        answer = client.get("/seekers/S000/matches", params={"as_of": AS_OF})
        return [m["opening_id"] for m in answer.json()["matches"]]

    top = listed()[0]
    held, release = threading.Event(), threading.Event()
    record = changes.record

    def first_held(conn, entity: str, entity_id: str) -> None:
        record(conn, entity, entity_id)
        if not held.is_set():  # the first write's transaction commits only once released
            held.set()
            release.wait(10)

    monkeypatch.setattr(changes, "record", first_held)

    def post(seeker_id: str, kind: str) -> int:
        body = {"seeker_id": seeker_id, "opening_id": top, "event": kind, "occurred_at": f"{AS_OF}T09:00:00"}
        return client.post("/events", json=body).status_code

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(post, "S000", "applied")
        assert held.wait(10)
        second = pool.submit(post, "S001", "viewed")
        with contextlib.suppress(TimeoutError):
            second.result(timeout=1)  # committed now, or waiting for the first
        client.app.state.serving.current()  # a request catching up meanwhile
        release.set()
        assert (first.result(timeout=30), second.result(timeout=30)) == (201, 201)
    assert top not in listed()


def test_self_search_without_an_account_stores_nothing(app_client: TestClient, client: TestClient) -> None:
    before = client.get("/seekers", params={"limit": 1}).json()["total"]
    profile = {"birth_year": 1999, "dong": "성수2가1동", "groups": ["youth"], "skills": ["수제화"],
               "desired_occupations": ["수제화 제조원"]}  # fmt: skip
    answer = app_client.post("/search", json=profile, params={"as_of": AS_OF, "k": 5}, headers={"Authorization": ""})
    assert answer.status_code == 200, answer.text
    found = answer.json()["matches"]
    assert found and found[0]["opening_id"].startswith("O1"), "a shoemaker's profile finds shoemaking openings"
    assert found[0]["reasons"] and all(len(m["reasons"]) <= 4 and isinstance(m["cautions"], list) for m in found)
    assert client.get("/seekers", params={"limit": 1}).json()["total"] == before
    assert app_client.post("/search", json={**profile, "seeker_id": "X"}).status_code == 422


def test_assignment_respects_rules_and_beats_or_ties_greedy(client: TestClient) -> None:
    seekers = [f"S0{j:02d}" for j in range(12)] + [f"S1{j:02d}" for j in range(6)]
    openings = ["O003", "O004", "O005", "O103"]
    body = {
        "seeker_ids": seekers,
        "opening_ids": openings,
        "pinned": [["S107", "O103"]],
        "excluded": [["S000", "O003"]],
        "as_of": AS_OF,
    }
    answer = client.post("/assignments", json=body)
    assert answer.status_code == 200, answer.text
    result = answer.json()
    placements = result["placements"]
    assert ["S107", "O103"] in [[p["seeker_id"], p["opening_id"]] for p in placements]
    assert ["S000", "O003"] not in [[p["seeker_id"], p["opening_id"]] for p in placements]
    assert len({p["seeker_id"] for p in placements}) == len(placements)
    per_opening = pd.Series([p["opening_id"] for p in placements]).value_counts()
    assert (per_opening <= 3).all()  # the planted openings have 3 positions each
    assert result["total_score"] >= result["greedy_total_score"] - 1e-6
    assert all(len(p["reasons"]) <= 4 and isinstance(p["cautions"], list) for p in placements)
    placed = {p["seeker_id"] for p in placements}
    assert {u["seeker_id"] for u in result["unplaced"]} == (set(seekers) | {"S107"}) - placed
    assert all(u["reason"] for u in result["unplaced"])


def test_assignment_refuses_a_pin_that_breaks_a_rule(client: TestClient) -> None:
    closed = {"seeker_ids": ["S000"], "opening_ids": ["O011"], "pinned": [["S000", "O011"]], "as_of": AS_OF}
    answer = client.post("/assignments", json=closed)  # O011 is posted long after the as-of date
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "pinned"


def test_an_opening_in_many_of_the_days_lists_comes_lower_by_default(client: TestClient) -> None:
    params = {"as_of": AS_OF, "k": 5}
    plain = client.get("/seekers/S000/matches", params={**params, "spread": False}).json()["matches"]
    top = plain[0]["opening_id"]
    serving = client.app.state.serving
    for i in range(500):  # the day's lists of 500 other seekers all hold it: far beyond its positions
        serving.exposure.show(f"X{i}", [top], pd.Timestamp(AS_OF))
    spread = client.get("/seekers/S001/matches", params=params).json()["matches"]
    assert [m["rank"] for m in spread] == list(range(1, len(spread) + 1))
    assert top not in {m["opening_id"] for m in spread}, "in more than a fifth of the day's lists: not shown again"
    again = client.get("/seekers/S001/matches", params={**params, "spread": False}).json()["matches"]
    assert top in {m["opening_id"] for m in again}, "without spread the list is ranked by fit alone"
