"""Driving Debian's Chromium with Playwright: launch, the 127.0.0.1 fence, and the checks every page gets.

Every page a test looks at is checked the same way (:func:`inspect`): Korean text drawn with a Korean font
(asked of Chromium itself, CSS.getPlatformFontsForNode), no horizontal scroll, axe-core's WCAG 2.1 A/AA rules
(labels, contrast, names...), every visible control reached by the Tab key, and a full-page screenshot.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Page

CHROMIUM = "/usr/bin/chromium"
# As root and without a network: no sandbox, no GPU, none of Chromium's own calls home.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--no-first-run",
    "--no-default-browser-check",
    "--metrics-recording-only",
]
# Screenshots go here: <repo>/test-output/pages/<page>-<width>.png (JOBMATCH_TEST_OUTPUT moves the folder).
OUTPUT = Path(os.environ.get("JOBMATCH_TEST_OUTPUT", Path(__file__).resolve().parents[2] / "test-output")) / "pages"
KOREAN_FONT = re.compile(r"CJK|Nanum|Noto Sans KR|Noto Serif KR|UnDotum|Baekmuk", re.IGNORECASE)
HANGUL = re.compile(r"[\uac00-\ud7a3]")
AXE = Axe()
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


# Run in every page before its own scripts: remembers what the page's Content-Security-Policy refused.
WATCH_POLICY = """
window.__refused = [];
document.addEventListener('securitypolicyviolation',
    e => window.__refused.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));
"""
# The one refusal expected: ReDoc's sidebar logo on cdn.redoc.ly, which the docs' policy keeps from loading.
EXPECTED_REFUSALS = re.compile(r"^img-src https://cdn\.redoc\.ly/")


def korean_fonts() -> list[str]:
    """Fonts fontconfig offers for Korean (``fc-list :lang=ko``)."""
    if shutil.which("fc-list") is None:
        return []
    listed = subprocess.run(["fc-list", ":lang=ko", "family"], capture_output=True, text=True, check=False).stdout
    return [line for line in listed.splitlines() if line.strip()]


class Fence:
    """Lets requests to 127.0.0.1 through and aborts (and remembers) every other one.

    A request the page's own Content-Security-Policy stopped inside the browser (net::ERR_BLOCKED_BY_CSP) never
    left it (Playwright reports it failed with 'csp'); it is kept apart in ``blocked``, not counted as a stray.
    """

    def __init__(self) -> None:
        self.outside: list[str] = []
        self.seen: list[str] = []
        self.blocked: list[str] = []

    def attach(self, context: BrowserContext) -> None:
        context.route("**/*", self._route)
        context.on("request", lambda request: self.seen.append(request.url))
        context.on("requestfailed", self._failed)

    def _failed(self, request) -> None:
        if request.failure in ("csp", "net::ERR_BLOCKED_BY_CSP"):  # as Playwright names the CSP block
            self.blocked.append(request.url)

    def _route(self, route) -> None:
        url = route.request.url
        if urlsplit(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def strays(self) -> list[str]:
        """Every request that was not for 127.0.0.1 (fenced or seen)."""
        local = ("data:", "blob:", "about:")
        seen = [
            u
            for u in self.seen
            if not u.startswith(local) and urlsplit(u).hostname != "127.0.0.1" and u not in self.blocked
        ]
        return sorted(set(self.outside + seen))


def fonts_drawing(page: Page, selector: str) -> list[dict]:
    """The platform fonts Chromium used to draw the text of the first element matching ``selector``."""
    cdp = page.context.new_cdp_session(page)
    try:
        root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        assert node, f"no {selector} on {page.url}"
        cdp.send("CSS.enable")
        return cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    finally:
        cdp.detach()


def assert_korean_drawn(page: Page, selector: str = "h1") -> None:
    """The element's Korean text was drawn with a Korean font, one glyph at least per Hangul syllable."""
    text = page.inner_text(selector)
    syllables = len(HANGUL.findall(text))
    assert syllables, f"{selector} on {page.url} has no Korean text: {text!r}"
    fonts = fonts_drawing(page, selector)
    korean = sum(f["glyphCount"] for f in fonts if KOREAN_FONT.search(f["familyName"]))
    assert korean >= syllables, f"{page.url}: {text!r} drawn with {fonts}"


def mark_text(page: Page, text: str) -> str:
    """A selector for the innermost element whose text contains ``text`` (for pages we do not write)."""
    page.evaluate(
        """text => {
        const all = [...document.querySelectorAll('body *')].filter(e => e.textContent.includes(text));
        const inner = all.filter(e => ![...e.children].some(c => c.textContent.includes(text)));
        inner[0].setAttribute('data-text-check', '');
    }""",
        text,
    )
    return "[data-text-check]"


def assert_no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{page.url} scrolls sideways at {width[1]} px: content is {width[0]} px wide"


def assert_accessible(page: Page) -> None:
    """axe-core (shipped in the axe-playwright-python package): no WCAG 2.1 A/AA violation."""
    found = AXE.run(page, options=AXE_OPTIONS)
    assert found.violations_count == 0, f"{page.url}:\n{found.generate_report()}"


FOCUSABLE = """() => {
  const all = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')];
  // Shown now: a control inside a closed <details> is reached once its summary (itself checked) opens it.
  const shown = all.filter(el => !el.disabled && el.checkVisibility({visibilityProperty: true}));
  shown.forEach((el, i) => { el.dataset.kbd = String(i); });
  return shown.map(el => el.outerHTML.slice(0, 80));
}"""


def assert_keyboard_reaches_everything(page: Page) -> None:
    """Pressing Tab from the top visits every visible control (links, buttons, fields, disclosures)."""
    controls = page.evaluate(FOCUSABLE)
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    reached: set[str] = set()
    for _ in range(len(controls) + 5):
        page.keyboard.press("Tab")
        mark = page.evaluate("() => document.activeElement && document.activeElement.dataset.kbd")
        if mark is not None:
            reached.add(mark)
        if len(reached) == len(controls):
            break
    missed = [controls[int(i)] for i in range(len(controls)) if str(i) not in reached]
    assert not missed, f"{page.url}: not reached by Tab: {missed}"


def inspect(page: Page, name: str, *, korean: str = "h1", accessibility: bool = True, full_page: bool = True) -> Path:
    """Check a page as every page is checked and save its (full-page) screenshot; returns the file."""
    page.wait_for_load_state("load")
    refused = [r for r in page.evaluate("window.__refused || []") if not EXPECTED_REFUSALS.match(r)]
    assert refused == [], f"{page.url} broke its own Content-Security-Policy: {refused}"
    assert_korean_drawn(page, korean)
    assert_no_sideways_scroll(page)
    if accessibility:
        assert_accessible(page)
        assert_keyboard_reaches_everything(page)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")  # no focus ring in the picture
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / f"{name}-{page.viewport_size['width']}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
