"""Employer-facing answers never carry a seeker's private fields (generated seekers with marker values)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import AS_OF, bearer
from tests.api.test_api import NEW_SEEKER

PRIVATE_GROUPS = ["disabled", "low_income"]
FORBIDDEN_WORDS = ["disabled", "low_income", "장애", "저소득"]
# Keys of a seeker's record that no candidate answer may carry (openings have a lat/lon of their own workplace).
FORBIDDEN_KEYS = ['"birth_year"', '"intro"', '"lat"', '"lon"', '"gender"', '"groups"']

seeker_rows = st.fixed_dictionaries(
    {
        "row": st.integers(1, 11),  # trade-0 seekers S001..S011: candidates for employer E00's openings
        "marker": st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ", min_size=8, max_size=8),
        "birth_year": st.integers(1960, 2004),
        # Six decimals, the last one not zero: a marker no rounded coordinate of a dong centroid can equal.
        "lat": st.integers(0, 40_000).filter(lambda i: i % 10).map(lambda i: round(37.535 + i / 1e6, 6)),
        "lon": st.integers(0, 60_000).filter(lambda i: i % 10).map(lambda i: round(127.01 + i / 1e6, 6)),
        "groups": st.lists(st.sampled_from(["youth", "senior", *PRIVATE_GROUPS]), min_size=1, max_size=3, unique=True),
        "gender": st.sampled_from(["F", "M", "X"]),
    }
)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
@given(batch=st.lists(seeker_rows, min_size=1, max_size=4, unique_by=lambda r: r["row"]))
def test_no_private_marker_reaches_an_employer(client: TestClient, tokens: dict[str, str], batch: list[dict]) -> None:
    markers = []
    for seeker in batch:
        marker = f"비공개{seeker['marker']}"
        body = {k: v for k, v in NEW_SEEKER.items() if k != "seeker_id"} | {
            "intro": f"{marker} 연락처는 상담사에게 문의",
            "birth_year": seeker["birth_year"],
            "lat": seeker["lat"],
            "lon": seeker["lon"],
            "groups": seeker["groups"],
            "gender": seeker["gender"],
            "dong": "행당1동",
            "skills": ["미싱"],
            "consent_employer_view": True,
        }
        assert client.put(f"/seekers/S{seeker['row']:03d}", json=body).status_code == 200
        markers += [marker, seeker["marker"], f"{seeker['lat']}", f"{seeker['lon']}"]
    employer = bearer(tokens["employer"])
    answers = [
        client.get(f"/openings/{o}/candidates", params={"as_of": AS_OF, "k": 100}, headers=employer)
        for o in ("O000", "O003", "O006")
    ]
    answers += [client.get(path, headers=employer) for path in ("/openings", "/openings/O000", "/employers/E00")]
    shown = {c["seeker_id"] for a in answers[:3] for c in a.json()["candidates"]}
    assert shown & {f"S{s['row']:03d}" for s in batch}, "the marked seekers are among the candidates"
    for i, answer in enumerate(answers):
        assert answer.status_code == 200
        text = answer.text
        leaked = [m for m in markers + FORBIDDEN_WORDS + (FORBIDDEN_KEYS if i < 3 else []) if m in text]
        assert not leaked, f"{answer.request.url}: {leaked}"
    for candidate in (c for a in answers[:3] for c in a.json()["candidates"]):
        assert set(candidate["profile"]) == {
            "seeker_id", "age_band", "dong", "education", "experience_years", "skills", "desired_occupations",
        }  # fmt: skip
