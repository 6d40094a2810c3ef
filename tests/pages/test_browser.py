"""The pages in a real browser: Debian's Chromium driven by Playwright, against the app served on 127.0.0.1.

One browser and one small sample world for the module. Every context is fenced: a request for anything but
127.0.0.1 is aborted and fails the test. Screenshots of every page at 1280 and 360 px go to
``test-output/pages/`` (see tests/pages/browser.py).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.conftest import SampleDay
from tests.pages import browser as b
from tests.pages import site

WIDTHS = (1280, 360)
DOCS_KOREAN = "성동구 일자리센터 구인·구직 추천 서비스"  # the first line of the API's description


@pytest.fixture(scope="module")
def world(default_sample: SampleDay, tmp_path_factory: pytest.TempPathFactory) -> site.World:
    return site.build_world(default_sample, tmp_path_factory.mktemp("browser-world"))


@pytest.fixture(scope="module")
def base_url(world: site.World) -> Iterator[str]:
    with site.serving(site.settings_for(world)) as url:
        yield url


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    assert Path(b.CHROMIUM).is_file(), "Chromium is missing: `make test` installs it (apt-get install chromium)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=b.CHROMIUM, args=b.ARGS)
        yield browser
        browser.close()


@pytest.fixture
def contexts(chromium: Browser, base_url: str) -> Iterator[Callable[..., BrowserContext]]:
    """Makes fenced browser contexts; the test fails if any of them asked for anything off 127.0.0.1."""
    fence, made = b.Fence(), []

    def make(width: int = 1280) -> BrowserContext:
        context = chromium.new_context(
            base_url=base_url, viewport={"width": width, "height": 900}, locale="ko-KR", timezone_id="Asia/Seoul"
        )
        fence.attach(context)
        context.add_init_script(b.WATCH_POLICY)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()
    assert fence.strays() == [], f"requests left 127.0.0.1: {fence.strays()}"


def sign_in(context: BrowserContext, token: str) -> Page:
    page = context.new_page()
    page.goto("/signin")
    page.get_by_label("토큰").fill(token)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_load_state("load")
    return page


def _opening_ids(page: Page) -> list[str]:
    return page.locator("article.match input[name=opening_id]").evaluate_all(
        "els => [...new Set(els.map(e => e.value))]"
    )


def _free_positions(world: site.World, opening_id: str) -> int:
    stored = site.events_of(world, opening_id=opening_id)
    positions = int(world.data.openings.set_index("opening_id").at[opening_id, "positions"])
    return positions - int((stored["event"] == "hired").sum())


def test_korean_fonts_are_installed_and_chromium_draws_hangul_with_them(contexts, base_url: str) -> None:
    assert b.korean_fonts(), "no Korean font for fontconfig (`fc-list :lang=ko` is empty): make test installs one"
    page = contexts().new_page()
    page.goto("/")
    drawn = page.evaluate("""() => {
        const canvas = document.createElement('canvas'); canvas.width = canvas.height = 64;
        const g = canvas.getContext('2d');
        g.font = '40px ' + getComputedStyle(document.body).fontFamily;
        const draw = ch => { g.clearRect(0, 0, 64, 64); g.fillText(ch, 4, 48);
                             return g.getImageData(0, 0, 64, 64).data.join(','); };
        return ['가', '나', '\\u0378', '\\u0379'].map(draw);
    }""")
    ga, na, missing, missing_too = drawn
    assert missing == missing_too  # two characters no font has are the same box: the check can see tofu
    assert ga != missing and na != missing and ga != na  # Hangul syllables are real, distinct glyphs
    b.assert_korean_drawn(page, "h1")


def test_a_young_applicant_gets_ranked_openings_on_a_360_px_phone(contexts) -> None:
    page = contexts(360).new_page()
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/")
    b.inspect(page, "youth-form")
    page.get_by_label("나이 (만 나이)").fill("24")
    page.get_by_label("사는 동").select_option("성수2가1동")
    page.get_by_label("기술·자격").fill("미싱, 재단")
    page.get_by_label("희망 직종").fill("봉제")
    page.get_by_label("희망 근무시간 (주당 시간)").fill("40")
    page.get_by_role("button", name="공고 찾기").click()
    results = page.locator("ol.results > li")
    expect(results.nth(4)).to_be_visible()  # past five, a list holds only openings that fit what was asked
    shown = results.count()
    assert 5 <= shown <= 10
    # Rows say why, or what they miss; a row has fewer reasons rather than filler (none is a true answer
    # when nothing of the pair raised its score), and never more than four.
    said = [results.nth(i).locator("ul.reasons li, ul.cautions li").count() for i in range(shown)]
    assert sum(n >= 1 for n in said) >= shown // 2
    assert all(results.nth(i).locator("ul.reasons li").count() <= 4 for i in range(shown))
    assert page.locator("ol.results .rank").all_inner_texts() == [str(i) for i in range(1, shown + 1)]
    b.inspect(page, "youth-results")


def test_a_counselor_finds_a_seeker_sees_ten_openings_and_records_a_hire(
    contexts, world: site.World, base_url: str
) -> None:
    page = sign_in(contexts(), world.tokens["counselor"])
    assert page.url.endswith("/desk")
    seeker, name = world.data.seekers[["seeker_id", "name"]].iloc[12]
    page.get_by_label("구직자 ID 또는 이름").fill(name)  # found by name
    page.get_by_role("button", name="찾기").click()
    page.get_by_role("link", name=seeker, exact=True).click()
    expect(page.locator("h1")).to_contain_text(f"구직자 {seeker}")
    matches = page.locator("ol.results > li")
    expect(matches).to_have_count(10)
    for i in range(10):
        assert matches.nth(i).locator("ul.reasons li, ul.cautions li").count() >= 1
    before = _opening_ids(page)
    # The cautions beside each opening are the API's, in its order.
    api = httpx.get(f"{base_url}/seekers/{seeker}/matches", params={"as_of": world.as_of},
                    headers={"Authorization": f"Bearer {world.tokens['counselor']}"}).json()["matches"]  # fmt: skip
    assert [m["opening_id"] for m in api] == before
    shown = [matches.nth(i).locator("ul.cautions li").all_inner_texts() for i in range(10)]
    assert shown == [m["cautions"] for m in api]
    # An application takes the opening off the list; a hire is stored.
    page.get_by_role("button", name=re.compile(rf"\({before[0]}\): 지원함")).click()
    expect(page.get_by_role("status")).to_contain_text("지원")
    assert before[0] not in _opening_ids(page)
    # The demo's day is inside the sample year: some listed openings were filled by hires recorded after it, and
    # the API refuses a hire beyond an opening's positions (409). Hire into one with a position still free.
    hired = next(o for o in _opening_ids(page) if _free_positions(world, o) > 0)
    page.get_by_role("button", name=re.compile(rf"\({hired}\): 채용됨")).click()
    expect(page.get_by_role("status")).to_contain_text("채용")
    stored = site.events_of(world, seeker_id=seeker)
    assert ((stored["opening_id"] == hired) & (stored["event"] == "hired")).sum() == 1
    assert ((stored["opening_id"] == before[0]) & (stored["event"] == "applied")).sum() == 1
    expect(page.locator("#history-title ~ table")).to_contain_text("채용")


def test_an_employer_sees_only_its_openings_and_masked_candidates(contexts, world: site.World, base_url: str) -> None:
    page = sign_in(contexts(), world.tokens["employer"])
    assert page.url.endswith("/employer")
    own = set(world.data.openings.loc[world.data.openings["employer_id"] == world.employer_id, "opening_id"])
    shown = set(re.findall(r"\((O\d+)\)", page.locator("main table").inner_text()))
    assert shown == own
    page.get_by_role("link", name=re.compile("후보자 보기")).first.click()
    cards = page.locator("ol.results > li")
    assert cards.count() >= 1
    seekers = world.data.seekers.set_index("seeker_id")
    text = page.locator("main").inner_text()
    for seeker_id in page.locator("input[name=seeker_id]").evaluate_all("els => els.map(e => e.value)"):
        row = seekers.loc[seeker_id]
        assert bool(row["consent_employer_view"])
        assert str(row["birth_year"]) not in text and row["name"] not in text
    for hidden in ("장애인", "저소득"):  # groups are never shown to an employer
        assert hidden not in text
    opening_id = page.url.rsplit("/", 1)[-1]
    first = page.locator("input[name=seeker_id]").first.input_value()
    page.get_by_role("button", name=f"후보자 {first} 면접 주선 요청").click()
    expect(page.get_by_role("status")).to_contain_text("면접 주선을 센터에 요청했습니다")
    stored = site.events_of(world, seeker_id=first, opening_id=opening_id)
    assert (stored["event"] == "interview_asked").sum() == 1
    # Another employer's opening: the API's 404, status and message.
    openings = world.data.openings
    theirs = str(openings.loc[openings["employer_id"] == world.other_employer_id, "opening_id"].iloc[0])
    answer = page.goto(f"/employer/openings/{theirs}")
    api = httpx.get(f"{base_url}/openings/{theirs}/candidates",
                    headers={"Authorization": f"Bearer {world.tokens['employer']}"})  # fmt: skip
    assert answer.status == api.status_code == 404
    expect(page.get_by_role("alert")).to_have_text(api.json()["detail"])


def test_a_post_without_a_csrf_token_is_refused(contexts, world: site.World) -> None:
    page = sign_in(contexts(), world.tokens["counselor"])
    seeker = str(world.data.seekers["seeker_id"].iloc[20])
    page.goto(f"/desk/seekers/{seeker}")
    before = len(site.events_of(world, seeker_id=seeker))
    # The form as a forger would send it: the same fields without the hidden token.
    page.locator("article.match form").first.locator("input[name=csrf_token]").evaluate("e => e.remove()")
    page.locator("article.match form").first.locator("button").click()
    expect(page.get_by_role("alert")).to_contain_text("CSRF")
    refused = page.context.request.post(f"/desk/seekers/{seeker}/events", form={"opening_id": "x", "event": "hired"})
    assert refused.status == 403
    assert len(site.events_of(world, seeker_id=seeker)) == before


def test_the_api_docs_render_offline(contexts) -> None:
    page = contexts().new_page()
    page.goto("/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("jobmatch")
    expect(page.locator(".opblock-tag").first).to_be_visible()
    b.inspect(page, "docs", korean=b.mark_text(page, DOCS_KOREAN), accessibility=False, full_page=False)
    page.goto("/redoc")
    expect(page.locator("h1").first).to_contain_text("jobmatch")
    expect(page.get_by_text(DOCS_KOREAN).first).to_be_visible()
    b.inspect(page, "redoc", korean=b.mark_text(page, DOCS_KOREAN), accessibility=False, full_page=False)


def _counselor_pages(page: Page, world: site.World, width: int) -> None:
    seeker = str(world.data.seekers["seeker_id"].iloc[30 + width % 7])
    for name, path in (
        ("desk", "/desk"),
        ("desk-search", f"/desk?q={seeker[:-2]}&shade=seekers"),
        ("desk-seeker", f"/desk/seekers/{seeker}"),
        ("desk-seeker-edit", f"/desk/seekers/{seeker}/edit"),
        ("programs", "/desk/programs?program=senior_company"),
    ):
        page.goto(path)
        b.inspect(page, name)
    page.goto("/desk/programs?program=youth_1on1")
    page.get_by_role("button", name="배정 실행").click()
    expect(page.locator("#result-title")).to_be_visible()
    b.inspect(page, "programs-assignment")
    page.goto("/desk/seekers/NOPE")
    b.inspect(page, "error-404")


def _employer_pages(page: Page, world: site.World) -> None:
    page.goto("/employer")
    b.inspect(page, "employer")
    page.get_by_role("link", name=re.compile("후보자 보기")).first.click()
    b.inspect(page, "employer-opening")
    page.goto("/employer/openings/new")
    b.inspect(page, "employer-opening-new")


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_is_korean_accessible_keyboard_reachable_and_fits(contexts, world: site.World, width: int) -> None:
    page = contexts(width).new_page()
    page.goto("/signin")
    b.inspect(page, "signin")
    page.goto("/")
    b.inspect(page, "youth-form")
    page.get_by_label("나이 (만 나이)").fill("67")
    page.get_by_label("사는 동").select_option("마장동")
    page.get_by_label("희망 직종").fill("경비, 미화")
    page.get_by_role("button", name="공고 찾기").click()
    expect(page.locator("#found-title")).to_contain_text("추천 공고")
    b.inspect(page, "youth-results")
    counselor = sign_in(contexts(width), world.tokens["counselor"])
    _counselor_pages(counselor, world, width)
    employer = sign_in(contexts(width), world.tokens["employer"])
    _employer_pages(employer, world)
    docs = contexts(width).new_page()
    docs.goto("/docs")
    expect(docs.locator(".swagger-ui .info .title")).to_contain_text("jobmatch")
    b.inspect(docs, "docs", korean=b.mark_text(docs, DOCS_KOREAN), accessibility=False, full_page=False)
    docs.goto("/redoc")
    expect(docs.get_by_text(DOCS_KOREAN).first).to_be_visible()
    b.inspect(docs, "redoc", korean=b.mark_text(docs, DOCS_KOREAN), accessibility=False, full_page=False)


def test_signing_out_in_the_browser_ends_the_session(contexts, world: site.World) -> None:
    page = sign_in(contexts(), world.tokens["counselor"])
    cookie = next(c for c in page.context.cookies() if c["name"] == "jm_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["expires"] > 0
    page.get_by_role("button", name="로그아웃").click()
    expect(page.get_by_role("status")).to_have_text("로그아웃했습니다.")
    page.context.add_cookies([cookie])  # a copy kept by the browser opens nothing: the server ended it
    page.goto("/desk")
    assert page.url.endswith("/signin?next=/desk")
    assert html.unescape(page.title()).startswith("로그인")
