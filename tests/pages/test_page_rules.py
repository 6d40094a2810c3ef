"""Pages answer exactly as the API: same lists, same rules, same messages, same access log (no browser)."""

from __future__ import annotations

import html
import re

import pandas as pd
from fastapi.testclient import TestClient
from sqlalchemy import select

from service import access, tables
from service.db import make_engine
from service.routers.seekers import MATCH_ROUTE
from tests.pages.conftest import AS_OF, bearer, csrf_of, sign_in

OPENING_IDS = re.compile(r'name="opening_id" value="([^"]+)"')


def _listed(page: str) -> list[str]:
    """The opening ids of a desk page's ranked list, in order (each has one form per outcome)."""
    return list(dict.fromkeys(OPENING_IDS.findall(page)))


def _api(site: TestClient, token: str, method: str, path: str, **kwargs):
    return site.request(method, path, headers=bearer(token), **kwargs)


def _log(url: str) -> pd.DataFrame:
    engine = make_engine(url)
    with engine.connect() as conn:
        frame = access.entries(conn)
    engine.dispose()
    return frame


def _events(url: str, seeker_id: str) -> list[tuple[str, str]]:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            select(tables.events.c.opening_id, tables.events.c.event).where(tables.events.c.seeker_id == seeker_id)
        ).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def test_the_desk_shows_the_apis_ranked_list_and_filters(site: TestClient, tokens: dict[str, str]) -> None:
    sign_in(site, tokens["counselor"])
    page = site.get("/desk/seekers/S100")
    api = _api(site, tokens["counselor"], "GET", "/seekers/S100/matches", params={"as_of": AS_OF}).json()
    assert _listed(page.text) == [m["opening_id"] for m in api["matches"]] and len(api["matches"]) == 10
    for reason in api["matches"][0]["reasons"]:
        assert reason in html.unescape(page.text)
    for caution in (c for m in api["matches"] for c in m["cautions"]):
        assert caution in html.unescape(page.text)
    # The hours filter (matcher.filters, through the API's query): stated hours only, at most the value.
    for hours, expect_empty in ((39, True), (40, False)):
        filtered = site.get("/desk/seekers/S100", params={"max_hours": hours})
        same = _api(site, tokens["counselor"], "GET", "/seekers/S100/matches",
                    params={"as_of": AS_OF, "max_hours": hours}).json()  # fmt: skip
        assert _listed(filtered.text) == [m["opening_id"] for m in same["matches"]]
        assert (same["matches"] == []) is expect_empty  # the planted openings all ask 40 hours a week
    refused = site.get("/desk/seekers/S100", params={"max_hours": "500"})
    assert refused.status_code == 422 and "값이 너무 큽니다" in refused.text


def test_recording_an_application_changes_the_list_and_a_hire_is_stored(
    site: TestClient, tokens: dict[str, str], filled_url: str
) -> None:
    csrf = sign_in(site, tokens["counselor"])
    first, second = _listed(site.get("/desk/seekers/S101").text)[:2]
    answer = site.post("/desk/seekers/S101/events", data={"csrf_token": csrf, "opening_id": first, "event": "applied"})
    assert answer.status_code == 200 and "기록했습니다" in answer.text
    assert first not in _listed(answer.text)  # an application takes the opening off the seeker's list
    answer = site.post("/desk/seekers/S101/events", data={"csrf_token": csrf, "opening_id": second, "event": "hired"})
    assert answer.status_code == 200
    assert (first, "applied") in _events(filled_url, "S101") and (second, "hired") in _events(filled_url, "S101")
    again = site.post("/desk/seekers/S101/events", data={"csrf_token": csrf, "opening_id": second, "event": "hired"})
    assert again.status_code == 409 and "이미 이 공고에 채용된" in again.text  # the API's rule and message


def test_page_reads_of_seeker_data_are_logged_like_the_api(
    site: TestClient, tokens: dict[str, str], filled_url: str
) -> None:
    sign_in(site, tokens["counselor"])
    before = len(_log(filled_url))
    site.get("/desk/seekers/S102")
    site.get("/desk", params={"q": "S10"})
    rows = _log(filled_url).iloc[before:]
    counselor = tokens["counselor"].split(".")[0].removeprefix("jm_")
    assert set(rows["token_id"]) == {counselor}
    assert {"GET /seekers/{id}", MATCH_ROUTE, "GET /seekers"} <= set(rows["route"])
    assert set(rows["seeker_id"]) == {f"S10{j}" for j in range(10)}  # the seeker read, and the ten found
    site.cookies.clear()
    sign_in(site, tokens["employer"])
    before = len(_log(filled_url))
    page = site.get("/employer/openings/O000")
    rows = _log(filled_url).iloc[before:]
    assert set(rows["route"]) == {access.CANDIDATE_ROUTE} and set(rows["opening_id"]) == {"O000"}
    assert set(rows["seeker_id"]) == set(re.findall(r'name="seeker_id" value="([^"]+)"', page.text))


def test_an_employer_reaches_only_its_own_openings_with_the_apis_404(site: TestClient, tokens: dict[str, str]) -> None:
    sign_in(site, tokens["employer"])
    home = site.get("/employer").text
    own = _api(site, tokens["employer"], "GET", "/openings").json()["items"]
    assert {o["employer_id"] for o in own} == {"E00"}
    assert set(re.findall(r"\((O\d+)\)", home)) == {o["opening_id"] for o in own}
    for path in ("/employer/openings/O001", "/employer/openings/O001/edit", "/employer/openings/NOPE"):
        page = site.get(path)
        opening = path.split("/")[3]
        api = _api(site, tokens["employer"], "GET", f"/openings/{opening}/candidates")
        assert page.status_code == api.status_code == 404
        assert api.json()["detail"] in html.unescape(page.text)
    csrf = csrf_of(home)
    asked = site.post("/employer/openings/O001/interviews", data={"csrf_token": csrf, "seeker_id": "S000"})
    assert asked.status_code == 404


def test_candidates_are_masked_and_consenting(site: TestClient, tokens: dict[str, str], planted_session) -> None:
    counselor = tokens["counselor"]
    first = _api(site, counselor, "GET", "/openings/O000/candidates", params={"as_of": AS_OF}).json()["candidates"][0]
    _api(site, counselor, "PUT", f"/seekers/{first['seeker_id']}/consent", json={"consent_employer_view": False})
    sign_in(site, tokens["employer"])
    page = site.get("/employer/openings/O000").text
    shown = re.findall(r'name="seeker_id" value="([^"]+)"', page)
    assert shown and first["seeker_id"] not in shown  # consent withdrawn: gone from the list
    seekers = planted_session.seekers.set_index("seeker_id")
    page = re.sub(r"\d{8}T\d+Z", "", page)  # the model's version (a timestamp) may hold any four digits
    for seeker_id in shown:
        row = seekers.loc[seeker_id]
        assert str(row["birth_year"]) not in page  # only the age band
        assert row["intro"] not in page
    assert "중장년" not in page  # the seekers' groups are never shown to an employer
    listed = _api(site, tokens["employer"], "GET", "/openings/O000/candidates", params={"as_of": AS_OF}).json()
    shown_api = [item for item in listed["candidates"] if item["seeker_id"] in shown]
    assert shown_api
    for item in shown_api:  # the employer's reasons and cautions (what a candidate lacks) are on the page too
        for text in item["reasons"] + item["cautions"]:
            assert text in html.unescape(page)


def test_an_interview_ask_is_recorded_without_contact_data(
    site: TestClient, tokens: dict[str, str], filled_url: str
) -> None:
    csrf = sign_in(site, tokens["employer"])
    page = site.get("/employer/openings/O000").text
    seeker = re.findall(r'name="seeker_id" value="([^"]+)"', page)[0]
    answer = site.post("/employer/openings/O000/interviews", data={"csrf_token": csrf, "seeker_id": seeker})
    assert answer.status_code == 200 and "면접 주선을 센터에 요청했습니다" in answer.text
    assert ("O000", "interview_asked") in _events(filled_url, seeker)
    assert "면접 주선 요청함" in answer.text
    again = _api(site, tokens["employer"], "POST", "/openings/O000/interviews", json={"seeker_id": seeker})
    assert again.status_code == 409
    # The API: the same function, an answer with ids and a time only.
    other = re.findall(r'name="seeker_id" value="([^"]+)"', answer.text)[0]
    made = _api(site, tokens["employer"], "POST", "/openings/O000/interviews", json={"seeker_id": other})
    assert made.status_code == 201 and set(made.json()) == {"event_id", "opening_id", "seeker_id", "asked_at"}
    # Not a candidate (no consent) answers like an unknown seeker.
    _api(site, tokens["counselor"], "PUT", "/seekers/S500/consent", json={"consent_employer_view": False})
    for seeker_id in ("S500", "NOPE"):
        refused = _api(site, tokens["employer"], "POST", "/openings/O000/interviews", json={"seeker_id": seeker_id})
        assert refused.status_code == 404


def test_profile_edits_show_the_apis_messages_beside_each_field(
    site: TestClient, tokens: dict[str, str], filled_url: str
) -> None:
    csrf = sign_in(site, tokens["counselor"])
    form = {"csrf_token": csrf, "birth_year": "1890", "dong": "마장동", "intro": "번호 900101-1234567 입니다"}
    page = site.post("/desk/seekers/S103/edit", data=form)
    assert page.status_code == 422
    api = _api(site, tokens["counselor"], "PUT", "/seekers/S103", json={"birth_year": 1890, "dong": "마장동"}).json()
    message = next(e["message"] for e in api["errors"] if e["field"] == "birth_year")
    assert re.search(r'id="birth_year-error">' + re.escape(message), html.unescape(page.text))
    assert 'id="intro-error">' in page.text and "900101-1234567" not in page.text  # never echoed
    saved = site.post("/desk/seekers/S103/edit", data={"csrf_token": csrf, "birth_year": "1991", "dong": "옥수동"})
    assert saved.status_code == 200 and "프로필을 저장했습니다" in saved.text
    profile = _api(site, tokens["counselor"], "GET", "/seekers/S103").json()
    assert (profile["birth_year"], profile["dong"]) == (1991, "옥수동")


def test_the_seeker_list_finds_by_id_fragment_dong_and_group(site: TestClient, tokens: dict[str, str]) -> None:
    counselor = tokens["counselor"]

    def ids(**params) -> list[str]:
        return [s["seeker_id"] for s in _api(site, counselor, "GET", "/seekers", params=params).json()["items"]]

    assert ids(q="s10") == [f"S10{j}" for j in range(10)]
    assert set(ids(dong="마장동", limit=200)) == {f"S3{j:02d}" for j in range(12)}
    assert ids(group="youth") == [] and len(ids(group="middle_aged", limit=200)) == 72
    assert ids(q="%") == [] and ids(q="_") == []  # LIKE wildcards are taken literally
    sign_in(site, counselor)
    page = site.get("/desk", params={"q": "S10", "dong": "성수2가1동"}).text
    assert "찾은 구직자 10명" in page


def test_self_search_counts_against_the_anonymous_limit_with_a_korean_page(filled_url: str, model_dir) -> None:
    from service.app import create_app
    from tests.pages.conftest import settings_for

    settings = settings_for(filled_url, model_dir, default_as_of=AS_OF, rate_limit_anonymous="3/minute")
    with TestClient(create_app(settings)) as client:
        csrf = csrf_of(client.get("/").text)
        form = {"csrf_token": csrf, "age": "30", "dong": "행당1동", "skills": "미싱"}
        found = client.post("/", data=form, headers={"accept": "text/html"})
        # At least five; past five, only openings without a missed wish or requirement (matcher.lists).
        assert found.status_code == 200 and 5 <= found.text.count('class="match"') <= 10
        client.post("/", data=form, headers={"accept": "text/html"})
        limited = client.post("/", data=form, headers={"accept": "text/html"})
        assert limited.status_code == 429 and "요청이 너무 많습니다" in limited.text
        assert limited.headers["content-type"].startswith("text/html")
        assert client.post("/search", json={"birth_year": 1995, "dong": "마장동"}).status_code == 429  # one budget


def _youth_openings(site: TestClient, token: str) -> list[str]:
    """Two youth 1:1 openings of the planted world's sewing trade, added through the API."""
    made = []
    for i, positions in enumerate((1, 2)):
        body = {"opening_id": f"Y{i}", "employer_id": "E00", "title": f"청년 봉제 {i}", "occupation": "봉제 미싱사",
                "industry": "패션봉제", "dong": "행당1동", "required_skills": ["미싱"], "program": "youth_1on1",
                "positions": positions, "posted_at": "2025-02-01"}  # fmt: skip
        assert _api(site, token, "POST", "/openings", json=body).status_code == 201
        made.append(body["opening_id"])
    return made


def test_the_program_board_pins_excludes_assigns_and_confirms(
    site: TestClient, tokens: dict[str, str], filled_url: str, planted_session
) -> None:
    youth = _youth_openings(site, tokens["counselor"])
    csrf = sign_in(site, tokens["counselor"])
    board = site.get("/desk/programs", params={"program": "youth_1on1"}).text
    assert "남은 자리가 있는 공고 2건 (자리 3개)" in board and 'id="slots-bar-t"' in board
    born = planted_session.seekers.set_index("seeker_id")["birth_year"]
    young = sorted(s for s, year in born.items() if 2025 - year <= 39)
    assert f"자격이 되는 구직자 {len(young)}명" in board
    base = {"csrf_token": csrf, "program": "youth_1on1"}
    pinned = site.post("/desk/programs", data={**base, "action": "pin", "seeker_id": young[0], "opening_id": "Y0"})
    assert f'name="pinned" value="{young[0]},Y0"' in pinned.text
    carried = {"pinned": f"{young[0]},Y0", "excluded": f"{young[1]},Y1"}
    run = site.post("/desk/programs", data={**base, **carried, "action": "run"})
    assert run.status_code == 200 and 'id="score-hist-t"' in run.text
    placed = re.findall(r'name="placed" value="([^"]+)"', run.text)
    api = _api(site, tokens["counselor"], "POST", "/assignments",
               json={"program": "youth_1on1", "pinned": [[young[0], "Y0"]], "excluded": [[young[1], "Y1"]],
                     "as_of": AS_OF}).json()  # fmt: skip
    assert placed == [f"{p['seeker_id']},{p['opening_id']}" for p in api["placements"]] and len(placed) == 3
    assert f"{young[0]},Y0" in placed and f"{young[1]},Y1" not in placed
    for caution in (c for p in api["placements"] for c in p["cautions"]):
        assert caution in html.unescape(run.text)
    done = site.post("/desk/programs/confirm", data={"csrf_token": csrf, "program": "youth_1on1", "placed": placed})
    assert done.status_code == 200 and "배정 3건을 확정" in done.text
    for pair in placed:
        seeker_id, opening_id = pair.split(",")
        assert (opening_id, "recommended") in _events(filled_url, seeker_id)
    assert set(youth) >= {p.split(",")[1] for p in placed}


def test_an_employer_creates_and_edits_its_opening_with_the_apis_validation(
    site: TestClient, tokens: dict[str, str]
) -> None:
    csrf = sign_in(site, tokens["employer"])
    form = {"csrf_token": csrf, "title": "주말 포장 보조", "dong": "용답동", "posted_at": "2025-02-15",
            "hours_per_week": "16", "positions": "2", "required_skills": "포장, 검수"}  # fmt: skip
    created = site.post("/employer/openings/new", data=form)
    assert created.status_code == 200 and "공고를 저장했습니다" in created.text
    opening_id = re.search(r"/employer/openings/([^/?\"]+)/edit", created.text).group(1)
    stored = _api(site, tokens["employer"], "GET", f"/openings/{opening_id}").json()
    assert stored["employer_id"] == "E00" and stored["required_skills"] == ["포장", "검수"]
    assert stored["hours_per_week"] == 16 and stored["dong"] == "용답동"
    for field, value in (("positions", "0"), ("dong", "")):  # the model's check, then the contract's (a place)
        bad = site.post(f"/employer/openings/{opening_id}/edit", data={**form, field: value})
        assert bad.status_code == 422 and f'id="{field}-error">' in bad.text
    edited = site.post(f"/employer/openings/{opening_id}/edit", data={**form, "title": "주말 포장·검수 보조"})
    assert edited.status_code == 200
    assert _api(site, tokens["employer"], "GET", f"/openings/{opening_id}").json()["title"] == "주말 포장·검수 보조"


def test_an_interview_ask_follows_the_rules_of_the_employers_candidate_list(
    site: TestClient, tokens: dict[str, str], planted_session
) -> None:
    counselor, employer = tokens["counselor"], tokens["employer"]
    base = {"employer_id": "E00", "title": "봉제 보조", "occupation": "봉제 미싱사", "industry": "패션봉제",
            "dong": "행당1동", "required_skills": ["미싱"], "positions": 2, "posted_at": "2025-02-01"}  # fmt: skip
    # An opening aimed at a group never shown to employers: no list, and no ask (the list's 403).
    aimed = {**base, "opening_id": "DS1", "target_groups": ["disabled"]}
    assert _api(site, counselor, "POST", "/openings", json=aimed).status_code == 201
    listed = _api(site, employer, "GET", "/openings/DS1/candidates", params={"as_of": AS_OF})
    asked = _api(site, employer, "POST", "/openings/DS1/interviews", json={"seeker_id": "S000"})
    assert listed.status_code == asked.status_code == 403 and asked.json()["detail"] == listed.json()["detail"]
    # An age window narrower than the bands shown: the seekers it would pin down are no candidates to ask about.
    narrow = {**base, "opening_id": "AG1", "age_min": 30, "age_max": 31}
    assert _api(site, counselor, "POST", "/openings", json=narrow).status_code == 201
    born = planted_session.seekers.set_index("seeker_id")["birth_year"]
    pinned = sorted(born.index[(2025 - born).between(30, 31)])
    assert pinned, "the planted world has seekers aged 30 or 31"
    shown = _api(site, employer, "GET", "/openings/AG1/candidates", params={"as_of": AS_OF, "k": 100}).json()
    assert not set(pinned) & {c["seeker_id"] for c in shown["candidates"]}
    refused = _api(site, employer, "POST", "/openings/AG1/interviews", json={"seeker_id": pinned[0]})
    assert refused.status_code == 404
    # The counselor, who sees every candidate, may ask.
    assert _api(site, counselor, "POST", "/openings/AG1/interviews", json={"seeker_id": pinned[0]}).status_code == 201


def test_access_needs_are_asked_and_shown_in_korean(site: TestClient, tokens: dict[str, str]) -> None:
    youth = site.get("/").text
    assert 'name="access_needs" value="step_free_entrance"' in youth and "계단 없는 출입구" in youth
    counselor = tokens["counselor"]
    profile = _api(site, counselor, "GET", "/seekers/S100").json()
    body = {k: v for k, v in profile.items() if k != "seeker_id"} | {"access_needs": ["step_free_entrance"]}
    assert _api(site, counselor, "PUT", "/seekers/S100", json=body).status_code == 200
    sign_in(site, counselor)
    page = html.unescape(site.get("/desk/seekers/S100").text)
    assert "필요한 근무 편의" in page and "계단 없는 출입구" in page
    assert 'value="step_free_entrance" checked' in site.get("/desk/seekers/S100/edit").text
