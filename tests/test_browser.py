"""The built book in headless Chromium, offline: pages load clean, demos respond, a11y holds.

Needs the book built (`jupyter-book build .`) and Chromium at /usr/bin/chromium. Where either
is missing these tests skip with the reason; `.ci/run` sets EMERGENCE_REQUIRE_BROWSER=1,
which turns a skip into a failure.
"""
from __future__ import annotations

import functools
import http.server
import os
import re
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

    def __init__(self, browser, url: str, color_scheme: str = "light"):
        self.problems: list[str] = []
        self.context = browser.new_context(viewport={"width": 1200, "height": 900}, color_scheme=color_scheme)
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
    return [p for p in _pages() if 'class="emergence-demo"' in (HTML / p).read_text(errors="ignore")]


def _visible_frame(demo) -> str:
    """The alt text of the frame on display in one demo."""
    images = demo.locator("img")
    alts = [images.nth(i).get_attribute("alt") for i in range(images.count()) if images.nth(i).is_visible()]
    assert len(alts) == 1, f"expected one visible frame, saw {alts}"
    return alts[0]


def _move(control) -> None:
    """Move one demo control to a different value, as a reader would."""
    cls = control.get_attribute("class") or ""
    if "emergence-select" in cls:
        control.locator("select").select_option(index=1)
    elif "emergence-toggle" in cls:
        control.locator("button[aria-pressed='false']").first.click()
    else:  # a slider: focus it and step with the keyboard
        slider = control.locator("input[type='range']")
        slider.focus()
        slider.press("End")


@pytest.mark.parametrize("page", _demo_pages() or ["(no demo pages)"])
def test_every_demo_control_changes_the_frame(server, browser, page):
    if page == "(no demo pages)":
        _unavailable("no page with demos was found in the built book")
    visit = Visit(browser, f"{server}/{page}")
    try:
        demos = visit.page.locator(".emergence-demo")
        assert demos.count() >= 1
        for d in range(demos.count()):
            demo = demos.nth(d)
            demo.scroll_into_view_if_needed()
            assert demo.locator(".emergence-controls").count() == 1, "each demo is built exactly once"
            controls = demo.locator(".emergence-control")
            assert controls.count() >= 1, "a demo without controls"
            for c in range(controls.count()):
                before = _visible_frame(demo)
                _move(controls.nth(c))
                visit.page.wait_for_timeout(100)
                after = _visible_frame(demo)
                assert after != before, f"demo {d} control {c} did not change the frame ({before!r})"
                assert demo.locator(".emergence-frame img").evaluate("i => i.complete && i.naturalWidth > 0")
        assert not visit.problems, "\n".join(visit.problems)
    finally:
        visit.close()


def test_play_steps_through_a_time_axis(server, browser):
    pages = [p for p in _demo_pages() if "ch06_grokking" in p] or _unavailable("no Chapter 6 text page")
    visit = Visit(browser, f"{server}/{pages[0]}")
    try:
        demo = visit.page.locator(".emergence-demo", has=visit.page.locator(".emergence-play")).first
        demo.scroll_into_view_if_needed()
        before = _visible_frame(demo)
        demo.locator(".emergence-play").click()
        visit.page.wait_for_timeout(1600)
        assert _visible_frame(demo) != before, "play did not advance the frame"
        assert int(demo.locator("input[type='range']").input_value()) >= 2
    finally:
        visit.close()


@pytest.mark.parametrize("page", _demo_pages() or ["(no demo pages)"])
def test_without_javascript_each_demo_shows_its_default_frame(browser, page):
    if page == "(no demo pages)":
        _unavailable("no page with demos was found in the built book")
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1200, "height": 900})
    try:
        view = context.new_page()
        view.goto((HTML / page).as_uri(), wait_until="load")
        frames = view.locator(".emergence-demo")
        for d in range(frames.count()):
            img = frames.nth(d).locator("img")
            assert img.count() == 1 and img.first.get_attribute("alt"), f"demo {d}: no default frame with alt text"
            img.first.scroll_into_view_if_needed()
            box = img.first.bounding_box()
            assert box and box["height"] > 100, f"demo {d}: the default frame is not shown ({box})"
    finally:
        context.close()


def test_text_pages_carry_their_figures_and_demos():
    """Every chapter's text page: >= 3 numbered figures, >= 2 of them demos, each referenced."""
    pages = sorted(HTML.glob("book/ch0*.html")) or _unavailable("the book is not built")
    for page in pages:
        text = page.read_text()
        figures = re.findall(r'<figure class="[^"]*" id="(fig-[^"]+)">', text)
        demos = re.findall(r'<figure class="[^"]*" id="fig-[^"]+">\s*<div class="emergence-demo"', text)
        assert len(figures) >= 3 and len(demos) >= 2, f"{page.name}: {len(figures)} figures, {len(demos)} demos"
        for name in figures:
            assert f'href="#{name}"' in text, f"{page.name}: figure {name} is never referenced"
            assert re.search(rf'id="{name}">.*?<figcaption>\s*<p><span class="caption-number">', text, re.S), name
    intro = (HTML / "book" / "intro.html").read_text()
    article = intro[intro.index("<article"):]
    assert article.index('class="emergence-demo"') < article.index("<h2"), "the home page opens with its demo"


def test_no_widget_manager_state_or_progress_bars_in_the_book():
    """Demos are static blocks; training progress bars and the widget manager stay out."""
    pages = _pages() or _unavailable("the book is not built")
    for name in pages:
        text = (HTML / name).read_text(errors="ignore")
        for leftover in ("application/vnd.jupyter.widget-view+json", "application/vnd.jupyter.widget-state+json",
                         "jupyter-widgets/embed.js", "IntProgress", "fontawesome/6.5.2/js/all.min.js"):
            assert leftover not in text, f"{name} still carries {leftover}"


def _overflow_and_controls(page) -> dict:
    return page.evaluate("""() => {
        const width = document.documentElement.clientWidth;
        const bad = [...document.querySelectorAll(".emergence-demo input, .emergence-demo button, .emergence-demo select")]
            .map(e => e.getBoundingClientRect()).filter(r => r.width < 24 || r.height < 24);
        const hidden = [...document.querySelectorAll(".emergence-value")]
            .map(e => e.getBoundingClientRect()).filter(r => r.right > width || r.width === 0);
        return {scroll: document.documentElement.scrollWidth, width: width,
                small: bad.length, hidden: hidden.length};
    }""")


@pytest.mark.parametrize("page", [p for p in _pages() if p.startswith(("book/", "notebooks/", "index"))]
                         or ["index.html"])
def test_phone_width_has_no_overflow_and_usable_controls(server, browser, page):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        view = context.new_page()
        view.goto(f"{server}/{page}", wait_until="load")
        view.wait_for_timeout(200)
        found = _overflow_and_controls(view)
        assert found["scroll"] <= found["width"], f"page is {found['scroll']} px wide at 390 px"
        assert found["small"] == 0, f"{found['small']} demo controls smaller than 24x24 px"
        assert found["hidden"] == 0, f"{found['hidden']} slider readouts off-screen"
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("page", [p for p in _pages() if p.startswith(("book/", "notebooks/", "index"))]
                         or ["index.html"])
def test_no_serious_accessibility_violations(server, browser, page, scheme):
    package = npm_package(*AXE)
    if package is None:
        _unavailable("axe-core could not be fetched with npm and is not cached")
    if scheme == "dark" and page not in _demo_pages() and page != "index.html":
        pytest.skip("dark mode is checked on the pages with demos and the home page")
    visit = Visit(browser, f"{server}/{page}", color_scheme=scheme)
    try:
        visit.page.wait_for_load_state("load")  # index.html redirects to the introduction
        # Contrast is judged at rest: the theme fades colours in on load (CSS transitions).
        visit.page.add_style_tag(content="*, *::before, *::after { transition: none !important; }")
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
