"""The service's lists know what day it is, even with a bundle trained past that day.

The bundle here was trained on every event of the planted world (to April); lists for AS_OF (February)
must equal the lists computed from the data cut at the end of that day, and an event recorded before the
day's end must reach them (the history of such a day is refitted on the events before its end).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from matcher import bundle
from matcher.contract import Dataset
from matcher.matching import Matcher
from service.app import create_app
from tests.api.conftest import AS_OF, SECRET, bearer, settings_for

MOMENT = pd.Timestamp(AS_OF) + pd.Timedelta(days=1)


@pytest.fixture(scope="module")
def trained_past(planted_session: Dataset):
    from training.pipeline import train

    return train(planted_session, with_baselines=False).model


@pytest.fixture(scope="module")
def past_model_dir(tmp_path_factory: pytest.TempPathFactory, trained_past) -> Path:
    folder = tmp_path_factory.mktemp("models-past")
    bundle.save(trained_past, folder, {}, key=SECRET)
    return folder


@pytest.fixture
def past_client(filled_url: str, past_model_dir: Path, tokens: dict[str, str]) -> Iterator[TestClient]:
    with TestClient(create_app(settings_for(filled_url, past_model_dir))) as client:
        client.headers.update(bearer(tokens["counselor"]))
        yield client


def _reference(model, data: Dataset, moment: pd.Timestamp) -> Matcher:
    events = data.events[data.events["occurred_at"] < moment]
    known = data.openings[
        (data.openings["posted_at"] < moment) | data.openings["opening_id"].isin(events["opening_id"])
    ]
    model = copy.copy(model)
    model.fit_history(events, data.seekers, known)
    return Matcher(model, data.seekers, known, events)


def test_the_bundle_has_seen_past_the_day(trained_past) -> None:
    assert trained_past.history_.last_event_ >= MOMENT


def test_a_seekers_list_equals_the_list_from_the_data_cut_at_the_day(
    past_client: TestClient, trained_past, planted_session: Dataset
) -> None:
    reference = _reference(trained_past, planted_session, MOMENT)
    for seeker_id in ("S000", "S105", "S311"):
        got = past_client.get(f"/seekers/{seeker_id}/matches", params={"as_of": AS_OF, "k": 10}).json()["matches"]
        expected = reference.matches([seeker_id], pd.Timestamp(AS_OF), k=10)
        assert [(m["opening_id"], m["reasons"]) for m in got] == [(m.opening_id, list(m.reasons)) for m in expected]


def test_an_event_before_the_days_end_reaches_that_days_cached_lists(
    past_client: TestClient, past_model_dir: Path, filled_url: str, tokens: dict[str, str]
) -> None:
    def matches(client: TestClient, seeker_id: str):
        answer = client.get(f"/seekers/{seeker_id}/matches", params={"as_of": AS_OF, "k": 10})
        assert answer.status_code == 200, answer.text
        return answer

    assert matches(past_client, "S001").headers["x-match-cache"] == "miss"
    assert matches(past_client, "S001").headers["x-match-cache"] == "hit"
    top = matches(past_client, "S000").json()["matches"][0]["opening_id"]
    view = {"seeker_id": "S000", "opening_id": top, "event": "viewed", "occurred_at": f"{AS_OF}T09:00:00"}
    assert past_client.post("/events", json=view).status_code == 201
    kept = matches(past_client, "S001")
    assert kept.headers["x-match-cache"] == "miss", "the day's history now holds the view"
    uncached = settings_for(filled_url, past_model_dir, match_cache_size=0)
    with TestClient(create_app(uncached), headers=bearer(tokens["counselor"])) as fresh:
        assert matches(fresh, "S001").json() == kept.json()
