"""The built book in headless Chromium, offline: pages load clean, demos respond, a11y holds.

Needs the book built (`jupyter-book build .`) and Chromium at /usr/bin/chromium. Where either
is missing these tests skip with the reason; `.ci/run` sets EMERGENCE_REQUIRE_BROWSER=1,
which turns a skip into a failure.
"""
from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

from emergence.execute import ROOT
from emergence.npm import npm_package

pytestmark = pytest.mark.browser
HTML = Path(os.environ.get("EMERGENCE_BOOK_HTML") or ROOT / "_build" / "html")
CHROMIUM = os.environ.get("EMERGENCE_CHROMIUM", "/usr/bin/chromium")
AXE = ("axe-core", "4.11.0")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-quic", "--no-first-run",
                 "--disable-sync"]


def _unavailable(reason: str):
    if os.environ.get("EMERGENCE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests are required here but cannot run: {reason}")
    pytest.skip(reason)


def _pages() -> list[str]:
    if not HTML.is_dir():
        return []
    return sorted(p.relative_to(HTML).as_posix() for p in HTML.rglob("*.html")
                  if not p.relative_to(HTML).as_posix().startswith(("_static", "_sources")))


@pytest.fixture(scope="module")
def server():
    if not (HTML / "index.html").is_file():
        _unavailable(f"the book is not built ({HTML} missing): run `jupyter-book build .`")
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).is_file():
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -r requirements.txt)")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Visit:
    """A page opened with every non-loopback request blocked and every problem recorded."""

    def __init__(self, browser, url: str):
        self.problems: list[str] = []
        self.context = browser.new_context(viewport={"width": 1200, "height": 900})
        self.page = self.context.new_page()
        self.context.route("**/*", self._route)
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url} {r.failure}"))
        self.page.on("response", lambda r: r.status >= 400 and self.problems.append(f"HTTP {r.status}: {r.url}"))
        self.page.goto(url, wait_until="load")
        self.page.wait_for_timeout(300)

    def _route(self, route):
        host = urlparse(route.request.url).hostname
        if route.request.url.startswith("data:") or host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            self.problems.append(f"off-machine request blocked: {route.request.url}")
            route.abort()

    def close(self):
        self.context.close()


@pytest.mark.parametrize("page", _pages() or ["index.html"])
def test_page_loads_offline_with_no_errors(server, browser, page):
    visit = Visit(browser, f"{server}/{page}")
    try:
        assert not visit.problems, "\n".join(visit.problems)
    finally:
        visit.close()


def _demo_pages() -> list[str]:
    return [p for p in _pages() if "emergence-demo" in (HTML / p).read_text(errors="ignore")
            or "Demo:" in (HTML / p).read_text(errors="ignore")]


def _visible_frame(demo) -> str:
    """The alt text of the frame on display in one demo."""
    images = demo.locator("img")
    alts = [images.nth(i).get_attribute("alt") for i in range(images.count()) if images.nth(i).is_visible()]
    assert len(alts) == 1, f"expected one visible frame, saw {alts}"
    return alts[0]


def _move(control) -> None:
    """Move one ipywidgets control to a different value, as a reader would."""
    cls = control.get_attribute("class") or ""
    if "widget-dropdown" in cls:
        select = control.locator("select")
        options = select.locator("option")
        select.select_option(index=(1 if options.count() > 1 else 0))
    elif "widget-toggle-buttons" in cls:
        control.locator("button").nth(1).click()
    else:  # a slider: focus the handle and step with the keyboard
        handle = control.locator(".noUi-handle").first
        handle.focus()
        handle.press("End")


@pytest.mark.parametrize("page", _demo_pages() or ["(no demo pages)"])
def test_every_demo_control_changes_the_frame(server, browser, page):
    if page == "(no demo pages)":
        _unavailable("no page with demos was found in the built book")
    visit = Visit(browser, f"{server}/{page}")
    try:
        visit.page.wait_for_selector(".emergence-demo img", state="visible", timeout=15000)
        demos = visit.page.locator(".emergence-demo")
        assert demos.count() >= 1
        for d in range(demos.count()):
            demo = demos.nth(d)
            demo.scroll_into_view_if_needed()
            controls = demo.locator(".emergence-control")
            assert controls.count() >= 1, "a demo without controls"
            for c in range(controls.count()):
                before = _visible_frame(demo)
                _move(controls.nth(c))
                visit.page.wait_for_timeout(150)
                after = _visible_frame(demo)
                assert after != before, f"demo {d} control {c} did not change the frame ({before!r})"
        assert demos.count() == _stored_demos(visit.page), "each stored demo must render exactly once"
        assert not visit.problems, "\n".join(visit.problems)
    finally:
        visit.close()


def _stored_demos(page) -> int:
    """How many demo views the page's stored widget state asks for."""
    return page.evaluate("""() => {
        const state = JSON.parse(document.querySelector(
            "script[type='application/vnd.jupyter.widget-state+json']").textContent).state;
        return [...document.querySelectorAll("script[type='application/vnd.jupyter.widget-view+json']")]
            .map(s => state[JSON.parse(s.textContent).model_id])
            .filter(m => m && (m.state._dom_classes || []).includes("emergence-demo")).length;
    }""")


@pytest.mark.parametrize("page", [p for p in _pages() if p.startswith(("book/", "notebooks/", "index"))]
                         or ["index.html"])
def test_no_serious_accessibility_violations(server, browser, page):
    package = npm_package(*AXE)
    if package is None:
        _unavailable("axe-core could not be fetched with npm and is not cached")
    visit = Visit(browser, f"{server}/{page}")
    try:
        visit.page.add_script_tag(path=str(package / "axe.min.js"))
        visit.page.wait_for_timeout(500)
        result = visit.page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        bad = [f"{v['id']} ({v['impact']}): {v['help']} -- e.g. {v['nodes'][0]['html'][:150]} "
               f"{v['nodes'][0].get('failureSummary', '')[:300]}"
               for v in result["violations"] if v["impact"] in ("serious", "critical")]
        assert not bad, "\n".join(bad)
    finally:
        visit.close()


def test_search_finds_a_chapter_offline(server, browser):
    visit = Visit(browser, f"{server}/search.html?q=percolation")
    try:
        visit.page.wait_for_selector("#search-results li", timeout=15000)
        links = visit.page.eval_on_selector_all("#search-results li a", "els => els.map(e => e.href)")
        assert any("ch01" in link for link in links), links
        assert not visit.problems, "\n".join(visit.problems)
    finally:
        visit.close()
