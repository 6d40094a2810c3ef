"""An employer learns no more than the masked profile says, whatever opening it writes: not group membership
through an opening aimed at a group never shown, not an exact age through a narrow age window."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import AS_OF, bearer
from tests.api.test_api import NEW_OPENING, NEW_SEEKER

YEAR = int(AS_OF[:4])
SEEKER_FIELDS = {k: v for k, v in NEW_SEEKER.items() if k != "seeker_id"}
# Trade-0 seekers (미싱), born in these years; every one consents and lives where E00's openings are.
BORN = {f"S0{i:02d}": 1975 + i for i in range(12)}  # aged 50 down to 39 in 2025


@pytest.fixture
def trade(client: TestClient) -> dict[str, int]:
    for seeker_id, born in BORN.items():
        body = {**SEEKER_FIELDS, "birth_year": born, "groups": ["middle_aged"], "consent_employer_view": True}
        assert client.put(f"/seekers/{seeker_id}", json=body).status_code == 200
    return BORN


def _opening(client: TestClient, opening_id: str, **rules: object) -> None:
    body = {**NEW_OPENING, "opening_id": opening_id, "posted_at": "2025-02-10", **rules}
    assert client.post("/openings", json=body).status_code == 201, client.post("/openings", json=body).text


def _candidates(client: TestClient, opening_id: str, token: str):
    return client.get(f"/openings/{opening_id}/candidates", params={"as_of": AS_OF, "k": 100}, headers=bearer(token))


def _ages(label: str) -> range:
    """The ages a shown band allows: "40대" → 40..49, "40대 (41~45세)" → 41..45."""
    exact = re.fullmatch(r"\d+대 \((\d+)~(\d+)세\)", label)
    if exact:
        return range(int(exact[1]), int(exact[2]) + 1)
    band = int(re.fullmatch(r"(\d+)대", label)[1])
    return range(band, band + 10)


WINDOWS = [(41, 41), (40, 41), (44, 45), (40, 44), (43, 47), (38, 47), (41, None)]


def test_a_listed_candidates_age_is_never_known_closer_than_five_years(
    client: TestClient, tokens: dict[str, str], trade: dict[str, int]
) -> None:
    """Before: an opening for exactly 41-year-olds listed only those born in 1984, each shown as "40대"."""
    born = {s["seeker_id"]: s["birth_year"] for s in client.get("/seekers", params={"limit": 200}).json()["items"]}
    for n, (low, high) in enumerate(WINDOWS):
        _opening(client, f"AGE{n}", age_min=low, age_max=high)
        staff = [c["seeker_id"] for c in _candidates(client, f"AGE{n}", tokens["counselor"]).json()["candidates"]]
        assert staff, "the counselor sees the eligible seekers"
        shown = _candidates(client, f"AGE{n}", tokens["employer"]).json()["candidates"]
        for candidate in shown:
            ages = _ages(candidate["profile"]["age_band"])
            assert len(ages) >= 5, (low, high, candidate["profile"]["age_band"])
            assert YEAR - born[candidate["seeker_id"]] in ages, "the band tells the truth"
            # Every age the band allows is one the window admits: being listed says nothing the band does not.
            assert all(low <= age <= (high or 200) for age in ages), (low, high, candidate["profile"]["age_band"])
        assert {c["seeker_id"] for c in shown} <= set(staff)
        if high is None or high - low >= 4:
            assert shown, f"a window of five years or more still lists candidates ({low}, {high})"


def test_an_employer_may_not_write_an_age_window_narrower_than_five_years(client: TestClient, tokens) -> None:
    employer = bearer(tokens["employer"])
    for low, high in ((41, 41), (40, 43)):
        body = {**NEW_OPENING, "opening_id": f"N{low}{high}", "age_min": low, "age_max": high}
        refused = client.post("/openings", json=body, headers=employer)
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "age_max"
        fields = {k: v for k, v in body.items() if k != "opening_id"}
        again = client.put("/openings/O000", json=fields, headers=employer)
        assert again.status_code == 422 and again.json()["errors"][0]["field"] == "age_max"
    kept = {**NEW_OPENING, "opening_id": "N4044", "age_min": 40, "age_max": 44}
    assert client.post("/openings", json=kept, headers=employer).status_code == 201


GROUP_RULES = [{"target_groups": ["disabled"]}, {"target_groups": ["low_income"]},
               {"target_groups": ["youth", "disabled"]}, {"program": "self_sufficiency"},
               {"program": "disabled_supported"}]  # fmt: skip


def test_an_opening_aimed_at_a_group_never_shown_lists_no_candidate_to_its_employer(
    client: TestClient, tokens: dict[str, str], trade: dict[str, int]
) -> None:
    """Before: every candidate listed for an opening aimed at disabled seekers was one (20 of 20)."""
    members = ["S001", "S002", "S003", "S004", "S005"]
    for seeker_id in members:
        body = {**SEEKER_FIELDS, "birth_year": trade[seeker_id], "consent_employer_view": True,
                "groups": ["middle_aged", "disabled", "low_income"]}  # fmt: skip
        assert client.put(f"/seekers/{seeker_id}", json=body).status_code == 200
    employer = bearer(tokens["employer"])
    for n, rules in enumerate(GROUP_RULES):
        body = {**NEW_OPENING, "opening_id": f"GRP{n}", "posted_at": "2025-02-10", **rules}
        assert client.post("/openings", json=body, headers=employer).status_code == 201
        staff = _candidates(client, f"GRP{n}", tokens["counselor"])
        assert staff.status_code == 200 and {c["seeker_id"] for c in staff.json()["candidates"]} <= set(members)
        assert staff.json()["candidates"], "the counselor sees the members, to refer them"
        refused = _candidates(client, f"GRP{n}", tokens["employer"])
        assert refused.status_code == 403 and "상담사" in refused.json()["detail"], rules
        assert not any(seeker_id in refused.text for seeker_id in members)
