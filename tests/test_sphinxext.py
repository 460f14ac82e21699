"""The Sphinx extension's page fixes (the full build runs in scripts/build.sh)."""
from types import SimpleNamespace

from sphinx.builders.html._assets import _JavaScript

from emergence import sphinxext


def test_repeated_inline_scripts_are_dropped_once_each():
    scripts = [_JavaScript("_static/a.js"), _JavaScript(None, body="const X = 1"),
               _JavaScript("", body="const X = 1"), _JavaScript(None, body="const Y = 2")]
    context = {"script_files": scripts}
    sphinxext.dedupe_scripts(None, "page", "page.html", context, None)
    assert [getattr(s, "attributes", {}).get("body") for s in context["script_files"]] == [
        None, "const X = 1", "const Y = 2"]


def test_accessibility_fixes_rewrite_built_pages(tmp_path):
    page = tmp_path / "p.html"
    page.write_text('<summary><span class="toctree-toggle" role="presentation"></span></summary>'
                    '<div role="list" class="citation-list"></div>')
    app = SimpleNamespace(outdir=str(tmp_path), builder=SimpleNamespace(format="html"))
    sphinxext.fix_accessibility(app, None)
    text = page.read_text()
    assert 'aria-label="Show or hide' in text and 'role="list"' not in text

