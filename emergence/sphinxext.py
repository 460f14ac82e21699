"""Sphinx extension: the book works offline, and its demos work with no kernel and no
widget library.

* MathJax 3 is fetched once with the npm client (cached by ``emergence.npm``) and shipped
  inside the book through ``html_extra_path``, instead of the CDN default.
* ``{lab-figure}`` shows, on a text page, a figure or demo that a lab notebook stored with
  ``glue_figure``/``show(glue=...)``: the notebook's own output, numbered and captioned like
  ``{figure}``. A key the notebook does not store stops the build, naming page and key.
* Demos: a notebook stores each ``explore`` demo as ipywidgets state (so it works in
  Jupyter). The book does not load the 1.9 MB widget manager: every widget view of a demo,
  on a lab page or glued into a text page with ``{glue:figure}``, becomes a small static
  block (``static_demo``) whose default frame is a plain ``<img>`` with its alt text; the
  frames are files in ``_demo/`` shared by every page, and ``_static/emergence-demo.js``
  builds the controls. Other widget views (training progress bars) are left out of the book.
* Two editions (``emergence.editions``): every page links to the same page in the other
  language. In a translated build, a message of a page with no current translation, or whose
  translation breaks its markup, is a warning naming the catalogue (so ``-W`` stops the
  build): a half-translated page is never published silently.

Without npm and without a cache, the build says so loudly and MathJax comes from the CDN.
"""
from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import re
import shutil
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx import addnodes
from sphinx.errors import ExtensionError
from sphinx.locale import init as init_locale
from sphinx.util import logging
from sphinx.transforms import SphinxTransform
from sphinx.util.docutils import SphinxDirective
from sphinx.util.i18n import docname_to_domain
from sphinx.util.nodes import extract_messages

from . import editions, translations
from .npm import cache_root, npm_package

MATHJAX = ("mathjax", "3.2.2")
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = re.compile(r'^<script type="application/vnd\.jupyter\.widget-view\+json">(.*)</script>$', re.S)
FRAME = re.compile(r'<img src="data:(image/[a-z]+);base64,([^"]+)" alt="([^"]*)"[^>]*?(?:width="(\d+)")?[^>]*>')
CONTROL_KINDS = {"SelectionSliderModel": "slider", "ToggleButtonsModel": "toggle",
                 "DropdownModel": "select"}
FRAMES_DIR = "_demo"

logger = logging.getLogger(__name__)


def offline_site() -> Path | None:
    """A folder laid out as ``_static/mathjax/...`` (cached), or None."""
    site = cache_root() / f"site-mathjax{MATHJAX[1]}"
    static = site / "_static" / "mathjax"
    if (static / "tex-mml-chtml.js").is_file():
        return site
    mathjax = npm_package(*MATHJAX)
    if mathjax is None:
        return None
    for part in ("tex-mml-chtml.js", "input", "output/chtml", "ui", "a11y", "adaptors"):
        src, dst = mathjax / "es5" / part, static / part
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    return site


def configure_offline_assets(app, config) -> None:
    """Serve MathJax from the book; load no widget manager (demos are static blocks)."""
    config.nb_ipywidgets_js = {}
    site = offline_site()
    if site is not None:
        config.html_extra_path = [*config.html_extra_path, str(site)]
        config.mathjax_path = "mathjax/tex-mml-chtml.js"
        logger.info("[emergence] MathJax is served from the book")
        return
    logger.info("\n" + "!" * 78 + "\n[emergence] npm unavailable and nothing cached: the book's "
                "math will load from the public CDN and will NOT work offline.\n" + "!" * 78)


# ---------------------------------------------------------------- demos as static blocks

def widget_states(srcdir: Path) -> dict:
    """Every stored widget model of the book's notebooks, by model id."""
    models = {}
    for path in sorted(Path(srcdir).rglob("*.ipynb")):
        if "_build" in path.parts or ".ipynb_checkpoints" in path.parts:
            continue
        meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
        models.update(meta.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {}))
    return models


def _ref(value: str) -> str:
    return value.removeprefix("IPY_MODEL_")


def demo_spec(models: dict, model_id: str) -> dict | None:
    """The controls and frames of the demo whose root widget is ``model_id``, or None when
    that widget is not a demo. Raises KeyError for a model the notebooks do not store."""
    root = models[model_id]["state"]
    if "emergence-demo" not in root.get("_dom_classes", []):
        return None
    panel, stack = (models[_ref(c)] for c in root["children"])
    controls, play = [], False
    for child in panel["state"]["children"]:
        model = models[_ref(child)]
        if "emergence-play" in model["state"].get("_dom_classes", []):
            play = True
            continue
        controls.append({"label": model["state"].get("description", ""),
                         "kind": CONTROL_KINDS[model["model_name"]],
                         "options": list(model["state"]["_options_labels"]),
                         "value": model["state"].get("index", 0), "play": play})
        play = False
    frames = {}

    def walk(model, key):
        if model["model_name"] == "StackModel":
            for i, child in enumerate(model["state"]["children"]):
                walk(models[_ref(child)], key + (i,))
        else:
            frames[",".join(map(str, key))] = model["state"]["value"]

    walk(stack, ())
    return {"controls": controls, "frames": frames}


def static_demo(spec: dict, outdir: Path, prefix: str) -> str:
    """HTML for a demo: its default frame as a plain image, the rest as files in
    ``outdir/_demo`` (named by content, so a frame shared by two pages is stored once)."""
    frames, width = {}, None
    for key, markup in spec["frames"].items():
        match = FRAME.search(markup)
        if match is None:
            raise ValueError(f"a demo frame is not an embedded image: {markup[:80]!r}")
        mime, data, alt, shown = match.groups()
        raw = base64.b64decode(data)
        name = hashlib.sha1(raw).hexdigest()[:16] + "." + mime.split("/")[1]
        target = outdir / FRAMES_DIR / name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(raw)
        frames[key] = [f"{prefix}{FRAMES_DIR}/{name}", html.unescape(alt)]
        width = width or int(shown or 0) or None
    default = ",".join(str(c["value"]) for c in spec["controls"])
    src, alt = frames[default]
    size = _size(outdir / FRAMES_DIR / Path(src).name, width)
    data = json.dumps({"controls": spec["controls"], "frames": frames}, separators=(",", ":"))
    data = data.replace("</", "<\\/")  # keep the JSON inside its <script>
    return (f'<div class="emergence-demo">'
            f'<div class="emergence-frame"><img src="{src}" alt="{html.escape(alt)}" {size} '
            f'decoding="async"></div>'
            f'<script type="application/json" class="emergence-demo-data">'
            f'{data}</script></div>')


def _size(path: Path, width: int | None) -> str:
    from PIL import Image

    with Image.open(path) as image:
        w, h = image.size
    width = width or w // 2
    return f'width="{width}" height="{round(h * width / w)}"'


# ---------------------------------------------------------------- {lab-figure}

GLUE_PREFIX = "application/papermill.record/"
WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"
_NOTEBOOKS: dict = {}


def _notebook(path: Path) -> dict:
    """A notebook's glued outputs by key, and its widget models (read once per version)."""
    stamp = path.stat().st_mtime_ns
    if _NOTEBOOKS.get(path, (None,))[0] != stamp:
        nb = json.loads(path.read_text(encoding="utf-8"))
        glued = {}
        for cell in nb.get("cells", []):
            for out in cell.get("outputs", []):
                name = out.get("metadata", {}).get("scrapbook", {}).get("name")
                if name:
                    glued[name] = ({k.removeprefix(GLUE_PREFIX): v for k, v in out["data"].items()},
                                   out.get("metadata", {}))
        models = nb.get("metadata", {}).get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
        _NOTEBOOKS[path] = (stamp, glued, models)
    return _NOTEBOOKS[path]


def glued_html(path: Path, key: str, outdir: Path, prefix: str) -> str | None:
    """HTML for the output glued under ``key`` in the notebook at ``path`` (None if absent):
    a demo as a static block, a figure as an image file of ``outdir/_images``."""
    _, glued, models = _notebook(path)
    if key not in glued:
        return None
    data, meta = glued[key]
    if WIDGET_VIEW_MIME in data:
        spec = demo_spec(models, data[WIDGET_VIEW_MIME]["model_id"])
        if spec is None:
            raise ExtensionError(f"glued widget {key!r} in {path.name} is not an explore() demo")
        return static_demo(spec, outdir, prefix)
    if "image/png" in data:
        raw = base64.b64decode(data["image/png"])
        name = hashlib.sha1(raw).hexdigest()[:16] + ".png"
        target = outdir / "_images" / name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(raw)
        info = meta.get("image/png", {})
        alt = html.escape(info.get("alt", ""))
        return (f'<img src="{prefix}_images/{name}" alt="{alt}" {_size(target, info.get("width"))} '
                f'loading="lazy" decoding="async">')
    raise ExtensionError(f"glued output {key!r} in {path.name} is neither a demo nor a figure: {sorted(data)}")


class LabFigure(SphinxDirective):
    """A numbered, captioned figure showing a lab notebook's glued figure or demo:
    ``{lab-figure} ../notebooks/ch01_lab.ipynb::key`` with ``:name:`` and a caption."""

    required_arguments = 1
    has_content = True
    option_spec = {"name": directives.unchanged}

    def run(self):
        ref = self.arguments[0]
        if "::" not in ref:
            raise self.error(f"lab-figure needs 'path/to/notebook.ipynb::key', got {ref!r}")
        rel, key = ref.split("::", 1)
        relpath, path = self.env.relfn2path(rel, self.env.docname)
        path = Path(path)
        if not path.is_file():
            raise ExtensionError(f"{self.env.docname}: lab-figure {key!r}: no notebook {rel}")
        self.env.note_dependency(relpath)
        prefix = "../" * self.env.docname.count("/")
        markup = glued_html(path, key, Path(self.env.app.outdir), prefix)
        if markup is None:
            raise ExtensionError(f"{self.env.docname}: lab-figure key {key!r} is not glued in "
                                 f"{rel} (glue it there with glue_figure or show(glue=...), "
                                 "then re-execute the notebook)")
        figure = nodes.figure("", nodes.raw("", markup, format="html"), classes=["lab-figure"])
        self.set_source_info(figure)
        self.add_name(figure)
        if self.content:
            holder = nodes.Element()
            self.state.nested_parse(self.content, self.content_offset, holder)
            first = holder[0]
            if not isinstance(first, nodes.paragraph):
                raise self.error("a lab-figure caption must be a paragraph")
            caption = nodes.caption(first.rawsource, "", *first.children)
            caption.source, caption.line = first.source, first.line
            figure += caption
            if len(holder) > 1:
                figure += nodes.legend("", *holder[1:])
        return [figure]


def render_demos(app, doctree, docname) -> None:
    """Turn every stored widget view into a static demo block; drop other widget views."""
    if app.builder.format != "html":
        return
    models = None
    prefix = "../" * docname.count("/")
    for node in list(doctree.findall(nodes.raw)):
        match = WIDGET_VIEW.match(node.astext().strip())
        if not match:
            continue
        if models is None:
            models = widget_states(app.srcdir)
        model_id = json.loads(match.group(1))["model_id"]
        try:
            spec = demo_spec(models, model_id)
        except KeyError:
            logger.warning(f"[emergence] {docname}: widget {model_id} has no stored state "
                           "(re-execute its notebook)", location=node)
            continue
        if spec is None:
            node.parent.remove(node)
            continue
        node.replace_self(nodes.raw("", static_demo(spec, Path(app.outdir), prefix), format="html"))


VERDICT = re.compile(r'(<div role="status"[^>]*>)(.*?)(</div>)', re.S)


def translate_verdicts(app, doctree, docname) -> None:
    """In a translated edition, show the stored verdicts of the exercise checks (outputs of the
    English notebooks) in the edition's language, where every part is a catalogue message."""
    language = app.config.language
    if app.builder.format != "html" or not editions.translated(language):
        return
    from .i18n import translate_shown

    def swap(match) -> str:
        english = html.unescape(match.group(2).replace("<br>", "\n"))
        shown = translate_shown(english, language)
        if shown is None:
            return match.group(0)
        return match.group(1) + html.escape(shown).replace("\n", "<br>") + match.group(3)

    for node in list(doctree.findall(nodes.raw)):
        source = node.astext()
        if 'role="status"' in source:
            node.replace_self(nodes.raw("", VERDICT.sub(swap, source), format="html"))


def dedupe_scripts(app, pagename, templatename, context, doctree) -> None:
    """Drop repeated inline scripts, and the widget state, from a page.

    Sphinx 7.4 keeps an extension's inline script twice when it was registered both
    before and after the builder started (as ``None`` and as ``''``): sphinx-thebe's
    ``const THEBE_JS_URL`` then fails with "already declared" in the browser.
    """
    seen, unique = set(), []
    for js in context.get("script_files", []):
        if getattr(js, "attributes", {}).get("type") == WIDGET_STATE:
            continue  # the book renders demos statically; the state would be dead weight
        key = (getattr(js, "filename", js) or "", tuple(sorted(getattr(js, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(js)
    context["script_files"][:] = unique


def load_only_what_the_page_needs(app, pagename, templatename, context, doctree) -> None:
    """MathJax only on pages with math (the theme's asset policy loads it everywhere)."""
    if 'class="math' in context.get("body", ""):
        return
    context["script_files"][:] = [js for js in context.get("script_files", [])
                                  if "mathjax" not in (getattr(js, "filename", js) or "")]


# ------------------------------------------------------------------------ two editions
def add_language_switch(app, pagename, templatename, context, doctree) -> None:
    """A header button to the same page in the other edition, and ``hreflang`` links."""
    here = app.config.language
    for there, (_, name, lang) in editions.EDITIONS.items():
        if there == here:
            continue
        url = editions.link(pagename, here, there)
        context["header_buttons"].insert(0, {
            "type": "link", "url": url, "text": name, "icon": "fas fa-language",
            "tooltip": name, "label": "language-switch"})
        context["metatags"] = context.get("metatags", "") + \
            f'\n<link rel="alternate" hreflang="{lang}" href="{url}" />'


def chinese_search_words(app, config) -> None:
    """Search finds the glossary's Chinese terms: jieba, which splits the Chinese edition into
    words for the search index, learns them as words, so 思维链 is one search term (not 思维
    and 链, a single character that the index leaves out)."""
    if not str(config.language).startswith("zh"):
        return
    words = sorted({form for term in translations.terms() for form in term.chinese
                    if re.fullmatch(r"\S*[\u4e00-\u9fff]\S*", form)})
    path = Path(app.doctreedir) / "search-words-zh.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{word}\n" for word in words), encoding="utf-8")
    config.html_search_options = {**(config.html_search_options or {}), "dict": str(path)}


def _catalogue(srcdir, config, domain: str) -> Path:
    """The edition's catalogue of ``domain`` (a page, a notebook, or ``sphinx``)."""
    return Path(srcdir) / config.locale_dirs[0] / config.language / "LC_MESSAGES" / f"{domain}.po"


def _in_docinfo(node) -> bool:
    """In the document's metadata: a docinfo, or the top-level field list (a notebook's
    metadata) that docutils turns into one after the translation transforms."""
    while node is not None:
        if isinstance(node, nodes.docinfo) or (
                isinstance(node, nodes.field_list) and isinstance(node.parent, nodes.document)):
            return True
        node = node.parent
    return False


class CatalogueCoverage(SphinxTransform):
    """In a translated build, warn (naming the catalogue) about every message of the page
    that its catalogue does not translate, or translates with broken markup."""

    default_priority = 19  # just before Sphinx's Locale transform (20) swaps in translations

    def apply(self, **kwargs) -> None:
        language = self.config.language
        if not editions.translated(language):
            return
        domain = docname_to_domain(self.env.docname, self.config.gettext_compact)
        path = _catalogue(self.env.srcdir, self.config, domain)
        try:
            catalog = translations.read(path)
        except ValueError as err:
            logger.warning(f"[emergence] {err}", location=self.env.docname)
            return
        for node, msgid in extract_messages(self.document):
            if isinstance(node, nodes.image) or _in_docinfo(node):
                continue  # figure alt text stays English; docinfo is notebook metadata
            message = catalog.get(msgid)
            if message is None or not message.string or message.fuzzy:
                state = "fuzzy" if message is not None and message.fuzzy else "untranslated"
                logger.warning(f"[emergence] {state} in {path.relative_to(self.env.srcdir)}: "
                               f"{msgid[:80]!r}", location=node)
        for problem in translations.problems([path]):
            if problem.what not in ("untranslated",) and not problem.what.startswith("fuzzy"):
                logger.warning(f"[emergence] {problem}", location=self.env.docname)


class TranslateBookToctrees(SphinxTransform):
    """In a translated build, translate the captions of the toctrees that sphinx-external-toc
    inserts (the sidebar's part titles): it inserts them (priority 100) after Sphinx's Locale
    transform (20) has translated the page, so they would stay English."""

    default_priority = 101

    def apply(self, **kwargs) -> None:
        language = self.config.language
        if not editions.translated(language):
            return
        toctrees = [node for node in self.document.findall(addnodes.toctree) if node.get("caption")]
        if not toctrees:
            return
        domain = docname_to_domain(self.env.docname, self.config.gettext_compact)
        catalog, _ = init_locale([Path(self.env.srcdir) / d for d in self.config.locale_dirs], language, domain)
        for node in toctrees:
            node["caption"] = catalog.gettext(node["caption"])


# Markup the theme and docutils emit that axe-core rightly flags, and its accessible form.
TOGGLE_LABEL = {"en": "Show or hide this section's pages", "zh_CN": "显示或隐藏本节的页面"}


def a11y_fixes(language: str) -> tuple:
    return (
        # the sidebar's expand/collapse toggles are <summary> elements with only an icon
        ('<summary><span class="toctree-toggle" role="presentation">',
         f'<summary aria-label="{html.escape(TOGGLE_LABEL.get(language, TOGGLE_LABEL["en"]))}">'
         '<span class="toctree-toggle" role="presentation">'),
        # citation lists claim role="list" but their children are bibliography entries
        ('<div role="list" class="citation-list">', '<div class="citation-list">'),
    )


# The theme opens header links in a new tab; the language switch stays in this one, and says
# in which language its label is written.
SWITCH = re.compile(r'<a href="([^"]*)" target="_blank"\s+class="btn btn-sm btn-language-switch"')


# The theme loads FontAwesome twice: the CSS with its web fonts, and a 1.5 MB script that
# redraws the same icons as SVG. The CSS alone shows every icon.
FONTAWESOME_JS = re.compile(r'<(?:script|link)[^>]*fontawesome/[^/]+/js/all\.min\.js[^>]*>(?:</script>)?\s*')


# A label or tooltip the theme writes: an attribute value, or the whole text of an element.
THEME_WORD = re.compile(r'((?:title|aria-label|placeholder)="|>\s*)([A-Z][^<>"]{2,60}?)("|\s*<)')


def _theme_words(app) -> dict:
    """The theme's own words in a translated edition: Sphinx translates those of its own
    domain from ``locales/<language>/LC_MESSAGES/sphinx.po``; the book theme's catalogue lacks
    some (tooltips such as "Open issue"), so the built pages take them from the same file."""
    language = getattr(app.config, "language", "en")
    if not editions.translated(language):
        return {}
    path = _catalogue(app.srcdir, app.config, "sphinx")
    return {m.id: m.string for m in translations.messages(translations.read(path)) if m.string}


def fix_accessibility(app, exception) -> None:
    """Patch the built pages with ``a11y_fixes``, keep the language switch in the tab, put
    the theme's remaining words in the edition's language, and load FontAwesome once."""
    if exception is not None or app.builder.format != "html":
        return
    outdir, language = Path(app.outdir), app.config.language
    others = [outdir / editions.folder(lang) for lang in editions.EDITIONS
              if lang != language and editions.folder(lang)]
    other_lang = next(attr for lang, (_, _, attr) in editions.EDITIONS.items() if lang != language)
    theme_words = _theme_words(app)
    for page in outdir.rglob("*.html"):
        if any(page.is_relative_to(other) for other in others):
            continue  # another edition's page, patched by its own build
        text = original = page.read_text(encoding="utf-8")
        for bad, good in a11y_fixes(language):
            text = text.replace(bad, good)
        if theme_words:
            text = THEME_WORD.sub(lambda m: m.group(1) + theme_words.get(m.group(2), m.group(2))
                                  + m.group(3), text)
        text = SWITCH.sub(rf'<a href="\1" hreflang="{other_lang}" lang="{other_lang}" '
                          'class="btn btn-sm btn-language-switch"', text)
        text = FONTAWESOME_JS.sub("", text)
        if text != original:
            page.write_text(text, encoding="utf-8")


def setup(app):
    app.connect("config-inited", configure_offline_assets, priority=100)
    app.connect("config-inited", chinese_search_words)
    app.connect("build-finished", fix_accessibility)
    app.connect("doctree-resolved", render_demos)
    app.connect("doctree-resolved", translate_verdicts)
    app.add_directive("lab-figure", LabFigure)
    app.add_transform(CatalogueCoverage)
    app.add_transform(TranslateBookToctrees)
    app.connect("html-page-context", add_language_switch, priority=502)
    app.connect("html-page-context", dedupe_scripts, priority=900)
    app.connect("html-page-context", load_only_what_the_page_needs, priority=901)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
