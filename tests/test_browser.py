"""The built book in headless Chromium, offline: pages load clean, demos respond, a11y holds.

Both editions are tested: English at the root of the HTML folder, Chinese under ``zh/``
(``python -m emergence.editions``). Every page of both editions is loaded offline, declares its
language and links to its translation, and every demo of both shows its default frame without
JavaScript. The expensive checks (demo controls, axe in light and dark mode, phone width) run on
every English page and on a sample of Chinese pages (``ZH_SAMPLE``), which share the English
pages' templates, styles, scripts and demo frames: checking all of them would nearly double
the suite's time for little new coverage.

Needs the book built (`python -m emergence.editions`) and Chromium at /usr/bin/chromium. Where
either is missing these tests skip with the reason; `.ci/run` sets EMERGENCE_REQUIRE_BROWSER=1,
which turns a skip into a failure.
"""
from __future__ import annotations

import functools
import hashlib
import http.server
import json
import os
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest

from emergence.editions import EDITIONS
from emergence.execute import ROOT
from emergence.npm import npm_package
from emergence.sphinxext import MATHJAX

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


# edition folder under the HTML folder ("" for English) -> its <html lang>
LANGS = {folder: lang for folder, _, lang in EDITIONS.values()}
ZH = next(folder for folder in LANGS if folder)
# The translated pages that also get the expensive checks (demo controls, axe, phone width): the
# home page, a chapter text page with demos and a play button, a lab, an exercises page, the
# glossary.
ZH_SAMPLE = ("index.html", "book/intro.html", "book/ch06_grokking.html", "notebooks/ch03_lab.html",
             "notebooks/ch01_exercises.html", "book/glossary.html")


def _pages() -> list[str]:
    """Every page of every edition, relative to the HTML folder (theme templates left out)."""
    if not HTML.is_dir():
        return []
    return sorted(rel for rel in (p.relative_to(HTML).as_posix() for p in HTML.rglob("*.html"))
                  if not {"_static", "_sources"} & set(rel.split("/")))


def _edition(page: str) -> str:
    """The folder of the edition ``page`` belongs to ("" for English)."""
    head = page.split("/", 1)[0]
    return head if head in LANGS and "/" in page else ""


def _within(page: str) -> str:
    """``page``'s path inside its edition: the same for a page and its translation."""
    edition = _edition(page)
    return page[len(edition) + 1:] if edition else page


def _reader_pages(sample: bool = False) -> list[str]:
    """The book's text, lab and exercise pages and home page, of both editions; with
    ``sample``, of the translated editions only those in ``ZH_SAMPLE``."""
    return [p for p in _pages() if _within(p).startswith(("book/", "notebooks/", "index"))
            and (not sample or not _edition(p) or _within(p) in ZH_SAMPLE)]


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


def _demo_pages(sample: bool = False) -> list[str]:
    return [p for p in _pages() if 'class="emergence-demo"' in (HTML / p).read_text(errors="ignore")
            and (not sample or not _edition(p) or _within(p) in ZH_SAMPLE)]


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


@pytest.mark.parametrize("page", _demo_pages(sample=True) or ["(no demo pages)"])
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


@pytest.mark.parametrize("edition", sorted(LANGS))
def test_play_steps_through_a_time_axis(server, browser, edition):
    pages = [p for p in _demo_pages() if _within(p) == "book/ch06_grokking.html" and _edition(p) == edition]
    pages or _unavailable(f"no Chapter 6 text page in edition {edition!r}")
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
    """Every chapter's text page, in each edition: >= 3 numbered figures, >= 2 of them demos,
    each referenced."""
    pages = sorted(HTML.glob("book/ch0*.html")) or _unavailable("the book is not built")
    pages += sorted((HTML / ZH).glob("book/ch0*.html")) or _unavailable("the Chinese edition is not built")
    for page in pages:
        text, name = page.read_text(), page.relative_to(HTML)
        figures = re.findall(r'<figure class="[^"]*" id="(fig-[^"]+)">', text)
        demos = re.findall(r'<figure class="[^"]*" id="fig-[^"]+">\s*<div class="emergence-demo"', text)
        assert len(figures) >= 3 and len(demos) >= 2, f"{name}: {len(figures)} figures, {len(demos)} demos"
        for fig in figures:
            assert f'href="#{fig}"' in text, f"{name}: figure {fig} is never referenced"
            assert re.search(rf'id="{fig}">.*?<figcaption>\s*<p><span class="caption-number">', text, re.S), f"{name}: {fig}"
    for edition in (HTML, HTML / ZH):
        intro = (edition / "book" / "intro.html").read_text()
        article = intro[intro.index("<article"):]
        assert article.index('class="emergence-demo"') < article.index("<h2"), f"{edition}: the home page opens with its demo"


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


@pytest.mark.parametrize("page", _reader_pages(sample=True) or ["index.html"])
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
@pytest.mark.parametrize("page", _reader_pages(sample=True) or ["index.html"])
def test_no_serious_accessibility_violations(server, browser, page, scheme):
    package = npm_package(*AXE)
    if package is None:
        _unavailable("axe-core could not be fetched with npm and is not cached")
    if scheme == "dark" and page not in _demo_pages() and _within(page) != "index.html":
        pytest.skip("dark mode is checked on the pages with demos and the home page")
    visit = Visit(browser, f"{server}/{page}", color_scheme=scheme)
    try:
        if _within(page) == "index.html":  # it redirects to the introduction
            visit.page.wait_for_url(re.compile(r"/book/intro\.html$"))
        visit.page.wait_for_load_state("load")
        # axe judges the page in the language it declares (html-lang-valid, valid-lang)
        assert visit.page.evaluate("document.documentElement.lang") == LANGS[_edition(page)]
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


# ------------------------------------------------------------------------ the two editions

REFRESH = re.compile(r'^<meta http-equiv="Refresh" content="0; url=([^"]+)" />\s*$')


def test_every_page_declares_the_language_of_its_edition():
    """<html lang> is "en" on every English page and "zh-CN" on every Chinese one; a redirect
    stub (index.html) points into its own edition."""
    pages = _pages() or _unavailable("the book is not built")
    (HTML / ZH / "index.html").is_file() or _unavailable("the Chinese edition is not built")
    for page in pages:
        text = (HTML / page).read_text(encoding="utf-8")
        stub = REFRESH.match(text)
        if stub:
            target = (HTML / page).parent / stub.group(1)
            assert target.is_file() and _edition(target.relative_to(HTML).as_posix()) == _edition(page), page
            continue
        declared = re.search(r"<html\b[^>]*?\blang=\"([^\"]*)\"", text)
        assert declared and declared.group(1) == LANGS[_edition(page)], \
            f"{page}: <html lang={declared and declared.group(1)!r}>, expected {LANGS[_edition(page)]!r}"


def _counterpart(page: str) -> str:
    """The same page in the other edition."""
    other = next(folder for folder in LANGS if folder != _edition(page))
    return f"{other}/{_within(page)}" if other else _within(page)


def test_every_page_links_to_the_same_page_in_the_other_edition():
    """One language switch per page (with hreflang and lang of the other edition), and a
    matching <link rel="alternate" hreflang>, both to the page's own translation."""
    pages = [p for p in _pages() if not REFRESH.match((HTML / p).read_text(encoding="utf-8"))]
    pages or _unavailable("the book is not built")
    for page in pages:
        text = (HTML / page).read_text(encoding="utf-8")
        there = _counterpart(page)
        lang = LANGS[_edition(there)]
        switches = re.findall(r'<a href="([^"]*)" hreflang="([^"]*)" lang="([^"]*)"\s+class="[^"]*btn-language-switch', text)
        assert len(switches) == 1, f"{page}: {len(switches)} language switches"
        href, hreflang, in_lang = switches[0]
        target = ((HTML / page).parent / href).resolve()
        assert target == (HTML / there).resolve() and target.is_file(), f"{page}: the switch leads to {href}"
        assert hreflang == in_lang == lang, f"{page}: switch hreflang={hreflang!r} lang={in_lang!r}"
        alternate = re.findall(rf'<link rel="alternate" hreflang="{lang}" href="([^"]*)"', text)
        assert alternate == [href], f"{page}: alternate links {alternate}"


def test_the_chinese_sidebar_names_the_parts_in_chinese():
    """The book's part captions (from _toc.yml, inserted after Sphinx translates a page) are
    translated in the Chinese sidebar."""
    page = HTML / ZH / "book" / "intro.html"
    page.is_file() or _unavailable("the Chinese edition is not built")
    captions = re.findall(r'<p[^>]*class="caption"[^>]*>\s*<span class="caption-text">\s*([^<]*?)\s*</span>',
                          page.read_text(encoding="utf-8"))
    assert len(captions) >= 4, captions
    english = [c for c in captions if not re.search(r"[\u4e00-\u9fff]", c)]
    assert not english, f"sidebar captions left in English: {english}"


SWITCH_PAGES = ("book/ch01_complex_systems.html", "notebooks/ch03_lab.html", "notebooks/ch01_exercises.html")


@pytest.mark.parametrize("width", [1200, 390])
@pytest.mark.parametrize("edition", sorted(LANGS))
@pytest.mark.parametrize("page", SWITCH_PAGES)
def test_the_language_switch_leads_to_the_same_page(server, browser, page, edition, width):
    """Clicked as a reader would, on a desktop and on a phone: the same page, other language."""
    start = f"{edition}/{page}" if edition else page
    (HTML / start).is_file() or _unavailable(f"{start} is not built")
    there = _counterpart(start)
    context = browser.new_context(viewport={"width": width, "height": 900 if width > 400 else 844},
                                  is_mobile=width < 400, has_touch=width < 400)
    try:
        view = context.new_page()
        errors = []
        view.on("pageerror", lambda e: errors.append(str(e)))
        view.goto(f"{server}/{start}", wait_until="load")
        switch = view.locator("a.btn-language-switch")
        assert switch.count() == 1 and switch.is_visible(), f"{start}: no visible language switch at {width} px"
        box = switch.bounding_box()
        assert box["width"] >= 24 and box["height"] >= 24, f"switch is {box['width']}x{box['height']} px"
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, f"switch off-screen at {width} px: {box}"
        with view.expect_navigation():
            switch.click() if width > 400 else switch.tap()
        view.wait_for_load_state("load")
        assert view.url == f"{server}/{there}", f"{start} -> {view.url}"
        assert view.evaluate("document.documentElement.lang") == LANGS[_edition(there)]
        assert len(context.pages) == 1, "the switch opened a new tab"
        assert not errors, errors
    finally:
        context.close()


@pytest.mark.parametrize("word, chapter", [("涌现", "ch01_complex_systems"), ("顿悟", "ch06_grokking"),
                                           ("思维链", "ch05_chain_of_thought")])
def test_search_finds_chapters_in_chinese(server, browser, word, chapter):
    """The Chinese edition's own search page finds Chinese words (jieba splits them at build
    time; the glossary's terms are words to it), offline, and leads only to Chinese pages."""
    from playwright.sync_api import TimeoutError as Timeout

    (HTML / ZH / "search.html").is_file() or _unavailable("the Chinese edition is not built")
    visit = Visit(browser, f"{server}/{ZH}/search.html?q={quote(word)}")
    try:
        try:
            visit.page.wait_for_selector("#search-results li", timeout=15000)
        except Timeout:
            pytest.fail(f"searching the Chinese edition for {word} finds nothing")
        links = visit.page.eval_on_selector_all("#search-results li a", "els => els.map(e => e.href)")
        assert any(f"/{ZH}/book/{chapter}.html" in link for link in links), links
        assert all(link.startswith(f"{server}/{ZH}/") for link in links), links
        if word == "涌现":
            chapters = {link for link in links if re.search(r"/book/ch0\d_[a-z_]+\.html", link)}
            assert len(chapters) >= 6, f"涌现 is in every chapter; found {sorted(chapters)}"
        assert not visit.problems, "\n".join(visit.problems)
    finally:
        visit.close()


def test_the_chinese_search_index_holds_chinese_words():
    """Sphinx indexes the Chinese edition by words (jieba), not by whole sentences."""
    path = HTML / ZH / "searchindex.js"
    path.is_file() or _unavailable("the Chinese edition is not built")
    terms = json.loads(re.search(r"Search\.setIndex\((.*)\)\s*$", path.read_text(encoding="utf-8"), re.S).group(1))["terms"]
    chinese = [t for t in terms if re.search(r"[\u4e00-\u9fff]", t)]
    for word in ("涌现", "顿悟", "相变", "缩放", "思维链"):
        assert word in terms, f"{word!r} is not a search term of the Chinese edition"
    assert len(chinese) > 500, f"only {len(chinese)} Chinese terms"
    assert max(map(len, chinese)) <= 12, "a whole sentence was indexed as one term"


FONT = re.compile(r"\.(woff2?|ttf|otf|eot)$", re.I)


def _font_files(root: Path, skip: tuple = ()) -> dict[str, str]:
    """Font files under ``root`` (relative path -> sha1), leaving out the folders ``skip``."""
    return {p.relative_to(root).as_posix(): hashlib.sha1(p.read_bytes()).hexdigest()
            for p in root.rglob("*") if FONT.search(p.name) and p.is_file()
            and not any(p.is_relative_to(root / s) for s in skip)}


def test_the_chinese_edition_ships_no_font_files_of_its_own():
    """Chinese renders with the reader's system fonts: the Chinese edition carries exactly the
    font files of the English one (icons and math), each one a file of the theme or MathJax."""
    (HTML / ZH).is_dir() or _unavailable("the Chinese edition is not built")
    english, chinese = _font_files(HTML, skip=(ZH,)), _font_files(HTML / ZH)
    added = sorted(set(chinese) - set(english))
    assert not added, f"font files only in the Chinese edition: {added}"
    assert chinese == english, "the two editions' font files differ"
    import pydata_sphinx_theme
    import sphinx_book_theme

    known = set()
    for package in (Path(pydata_sphinx_theme.__file__).parent, Path(sphinx_book_theme.__file__).parent,
                    npm_package(*MATHJAX)):
        if package is not None:
            known |= set(_font_files(package).values())
    foreign = sorted(name for name, digest in english.items() if digest not in known)
    assert not foreign, f"font files that neither the theme nor MathJax ships: {foreign}"
