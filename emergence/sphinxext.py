"""Sphinx extension: the book works offline, serving its own JavaScript.

Two npm packages are fetched once with the npm client (cached by ``emergence.npm``) and
shipped inside the book through ``html_extra_path``:

* ``@jupyter-widgets/html-manager``: its ``embed.js`` (no RequireJS needed) renders the
  stored widget state of the demos. Never through the book's ``_static/`` folder: Jupyter
  Book 1 injects every ``.js`` there into every page, which loads the manager twice and
  renders each widget twice.
* ``mathjax`` 3: the math, instead of the CDN default.

Without npm and without a cache, the build says so loudly and falls back to the CDN.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from sphinx.util import logging

from .npm import cache_root, npm_package

WIDGETS = ("@jupyter-widgets/html-manager", "1.0.15")  # matches ipywidgets 8.1
MATHJAX = ("mathjax", "3.2.2")
CDN = "https://cdn.jsdelivr.net/npm/{}@{}/"

# Loaded before embed.js on pages with widgets. (1) ipywidgets typesets labels with the
# MathJax 2 call ``MathJax.Hub.Queue``; the book runs MathJax 3, which has no Hub (and
# replaces the global object when it loads): every object assigned to ``window.MathJax``
# gets a Hub that forwards to MathJax 3. (2) A slider's handle gets its control's label as
# an accessible name, which ipywidgets does not give it.
WIDGET_SUPPORT = """\
(function () {
  var current = window.MathJax;
  function bridge(mj) {
    if (mj && typeof mj === "object" && !mj.Hub) {
      mj.Hub = { Queue: function (job) {
        var el = job && job[2];
        if (el && window.MathJax.typesetPromise) { window.MathJax.typesetPromise([el]).catch(function () {}); }
      } };
    }
    return mj;
  }
  Object.defineProperty(window, "MathJax", { configurable: true, enumerable: true,
    get: function () { return current; }, set: function (value) { current = bridge(value); } });
  bridge(current);
})();
(function () {
  function name(root) {
    root.querySelectorAll(".noUi-handle:not([aria-label])").forEach(function (handle) {
      var widget = handle.closest(".widget-inline-hbox");
      var label = widget && widget.querySelector(".widget-label");
      handle.setAttribute("aria-label", (label && label.textContent.trim()) || "slider");
    });
  }
  new MutationObserver(function () { name(document); })
    .observe(document.documentElement, { childList: true, subtree: true });
})();
"""

logger = logging.getLogger(__name__)


def _copy(package: Path, pairs, target: Path) -> None:
    for source, dest in pairs:
        src, dst = package / source, target / dest
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)


def offline_site() -> Path | None:
    """A folder laid out as ``_static/{jupyter-widgets,mathjax}/...`` (cached), or None."""
    site = cache_root() / f"site-widgets{WIDGETS[1]}-mathjax{MATHJAX[1]}"
    static = site / "_static"
    if (static / "jupyter-widgets" / "embed.js").is_file() and (static / "mathjax" / "tex-mml-chtml.js").is_file():
        return site
    widgets, mathjax = npm_package(*WIDGETS), npm_package(*MATHJAX)
    if widgets is None or mathjax is None:
        return None
    dist = [(f"dist/{f.name}", f"jupyter-widgets/{f.name}") for f in (widgets / "dist").iterdir()
            if f.suffix in (".js", ".woff2", ".woff", ".ttf", ".eot", ".svg", ".txt") and "amd" not in f.name]
    _copy(widgets, dist, static)
    _copy(mathjax, [(f"es5/{p}", f"mathjax/{p}") for p in
                    ("tex-mml-chtml.js", "input", "output/chtml", "ui", "a11y", "adaptors")], static)
    (static / "jupyter-widgets" / "widget-support.js").write_text(WIDGET_SUPPORT)
    return site


def configure_offline_assets(app, config) -> None:
    """Point MathJax and myst-nb's widget JavaScript at the book's own copies."""
    site = offline_site()
    if site is not None:
        config.html_extra_path = [*config.html_extra_path, str(site)]
        config.mathjax_path = "mathjax/tex-mml-chtml.js"
        config.nb_ipywidgets_js = {"jupyter-widgets/widget-support.js": {},
                                   "jupyter-widgets/embed.js": {}}
        logger.info("[emergence] widget JavaScript and MathJax are served from the book")
        return
    config.nb_ipywidgets_js = {CDN.format(*WIDGETS) + "dist/embed.js": {"crossorigin": "anonymous"}}
    logger.info("\n" + "!" * 78 + "\n[emergence] npm unavailable and nothing cached: the book's "
                "demos and math will load from the public CDN and will NOT work offline.\n" + "!" * 78)


def dedupe_scripts(app, pagename, templatename, context, doctree) -> None:
    """Drop repeated inline scripts from a page.

    Sphinx 7.4 keeps an extension's inline script twice when it was registered both
    before and after the builder started (as ``None`` and as ``''``): sphinx-thebe's
    ``const THEBE_JS_URL`` then fails with "already declared" in the browser.
    """
    seen, unique = set(), []
    for js in context.get("script_files", []):
        key = (getattr(js, "filename", js) or "", tuple(sorted(getattr(js, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(js)
    context["script_files"][:] = unique


# Markup the theme and docutils emit that axe-core rightly flags, and its accessible form.
A11Y_FIXES = (
    # the sidebar's expand/collapse toggles are <summary> elements with only an icon
    ('<summary><span class="toctree-toggle" role="presentation">',
     '<summary aria-label="Show or hide this section\'s pages"><span class="toctree-toggle" role="presentation">'),
    # citation lists claim role="list" but their children are bibliography entries
    ('<div role="list" class="citation-list">', '<div class="citation-list">'),
)


def fix_accessibility(app, exception) -> None:
    """Patch the built pages with ``A11Y_FIXES``."""
    if exception is not None or app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        text = original = page.read_text(encoding="utf-8")
        for bad, good in A11Y_FIXES:
            text = text.replace(bad, good)
        if text != original:
            page.write_text(text, encoding="utf-8")


def setup(app):
    app.connect("config-inited", configure_offline_assets, priority=100)
    app.connect("build-finished", fix_accessibility)
    app.connect("html-page-context", dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
