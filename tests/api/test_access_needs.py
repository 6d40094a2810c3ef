"""Access needs and accommodations through the API: stored and answered, a need an opening states it does not
meet keeps the pair out of both lists and of a search, an opening that does not say carries the caution."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.test_api import NEW_OPENING, NEW_SEEKER

AS_OF = "2025-02-20"
WHEELCHAIR = {**NEW_SEEKER, "access_needs": ["step_free_entrance"]}
STAIRS = {**NEW_OPENING, "access_offered": ["seated_work"], "access_not_offered": ["step_free_entrance"]}
SILENT = {**NEW_OPENING, "opening_id": "NO02"}
RAMP = {**NEW_OPENING, "opening_id": "NO03", "access_offered": ["step_free_entrance", "seated_work"]}


def test_access_is_stored_and_shapes_both_lists(client: TestClient) -> None:
    assert client.post("/seekers", json=WHEELCHAIR).status_code == 201
    for opening in (STAIRS, SILENT, RAMP):
        assert client.post("/openings", json=opening).status_code == 201
    assert client.get("/seekers/N001").json()["access_needs"] == ["step_free_entrance"]
    stored = client.get("/openings/NO01").json()
    assert stored["access_offered"] == ["seated_work"] and stored["access_not_offered"] == ["step_free_entrance"]
    found = {m["opening_id"]: m for m in client.get("/seekers/N001/matches", params={"as_of": AS_OF, "k": 100}).json()
             ["matches"]}  # fmt: skip
    assert "NO01" not in found  # the opening says it has no step-free entrance
    assert "접근성 확인 필요 (계단 없는 출입구)" in found["NO02"]["cautions"]
    assert "필요한 편의 제공: 계단 없는 출입구" in found["NO03"]["reasons"]
    assert not any("접근성" in c for c in found["NO03"]["cautions"])
    listed = client.get("/openings/NO01/candidates", params={"as_of": AS_OF, "k": 100}).json()["candidates"]
    assert "N001" not in [c["seeker_id"] for c in listed]
    others = client.get("/openings/NO02/candidates", params={"as_of": AS_OF, "k": 100}).json()["candidates"]
    mine = [c for c in others if c["seeker_id"] == "N001"]
    assert mine and not any("접근성" in t or "계단" in t for t in mine[0]["reasons"] + mine[0]["cautions"])


def test_a_search_with_a_need_leaves_out_what_cannot_meet_it(client: TestClient) -> None:
    for opening in (STAIRS, SILENT):
        assert client.post("/openings", json=opening).status_code == 201
    profile = {k: v for k, v in WHEELCHAIR.items() if k not in ("seeker_id", "consent_employer_view")}
    found = client.post("/search", json=profile, params={"as_of": AS_OF, "k": 100}).json()["matches"]
    ids = [m["opening_id"] for m in found]
    assert "NO02" in ids and "NO01" not in ids
    without = client.post("/search", json={**profile, "access_needs": []}, params={"as_of": AS_OF, "k": 100})
    assert "NO01" in [m["opening_id"] for m in without.json()["matches"]]


def test_an_accommodation_is_offered_or_not_never_both(client: TestClient) -> None:
    both = {**NEW_OPENING, "access_offered": ["elevator"], "access_not_offered": ["elevator"]}
    answer = client.post("/openings", json=both)
    assert answer.status_code == 422 and "elevator" in answer.text
    unknown = client.post("/seekers", json={**NEW_SEEKER, "access_needs": ["ramp"]})
    assert unknown.status_code == 422
