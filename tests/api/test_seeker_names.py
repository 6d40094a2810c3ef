"""Seekers' names: kept for the center's staff, searched on the desk, never given to employers or exported."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from fastapi.testclient import TestClient

from matcher.contract import load_folder
from service.db import make_engine
from service.import_export import export_folder
from tests.api.conftest import AS_OF, bearer
from training.sample import generate

NAMES = {"S000": "김민지", "S001": "이민준", "S100": "박서연"}


def _name(client: TestClient, seeker_id: str, name: str) -> None:
    profile = client.get(f"/seekers/{seeker_id}").json()
    fields = {k: v for k, v in profile.items() if k != "seeker_id"}
    assert client.put(f"/seekers/{seeker_id}", json={**fields, "name": name}).status_code == 200


def test_names_are_searched_by_fragment_and_never_reach_an_employer(
    client: TestClient, tokens: dict[str, str], filled_url: str, tmp_path: Path
) -> None:
    for seeker_id, name in NAMES.items():
        _name(client, seeker_id, name)
    found = client.get("/seekers", params={"q": "민"}).json()["items"]
    assert {s["seeker_id"]: s["name"] for s in found} == {"S000": "김민지", "S001": "이민준"}
    assert [s["seeker_id"] for s in client.get("/seekers", params={"q": "서연"}).json()["items"]] == ["S100"]
    employer = bearer(tokens["employer"])
    listed = client.get("/openings/O000/candidates", params={"as_of": AS_OF, "k": 50}, headers=employer)
    assert listed.status_code == 200 and {"S000", "S001"} & {c["seeker_id"] for c in listed.json()["candidates"]}
    assert not any(name in listed.text for name in NAMES.values()) and '"name"' not in listed.text
    export_folder(make_engine(filled_url), tmp_path / "plain")
    export_folder(make_engine(filled_url), tmp_path / "pseudo", pseudonymize_with="k" * 32)
    plain = pd.read_csv(tmp_path / "plain" / "seekers.csv", dtype=str)
    assert set(NAMES.values()) <= set(plain["name"].dropna())
    pseudo = (tmp_path / "pseudo" / "seekers.csv").read_text(encoding="utf-8")
    assert not any(name in pseudo for name in NAMES.values())


def test_the_sample_names_its_seekers(tmp_path: Path) -> None:
    generate(tmp_path, n_seekers=300, n_openings=100, seed=5, progress=False)
    names = load_folder(tmp_path).seekers["name"]
    assert names.notna().all() and names.str.fullmatch(r"[가-힣]{3}").all()
    assert names.nunique() > 250  # made-up, but rarely the same twice
