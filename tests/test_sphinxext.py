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
    app = SimpleNamespace(outdir=str(tmp_path), builder=SimpleNamespace(format="html"),
                          config=SimpleNamespace(language="en"))
    sphinxext.fix_accessibility(app, None)
    text = page.read_text()
    assert 'aria-label="Show or hide' in text and 'role="list"' not in text


def test_a_chinese_page_gets_the_theme_words_in_chinese(tmp_path):
    from emergence.execute import ROOT

    page = tmp_path / "p.html"
    page.write_text('<summary><span class="toctree-toggle" role="presentation"></span></summary>'
                    '<button title="Open issue"></button><p>Open issue means more.</p>'
                    '<input placeholder="Search this book..."/>')
    app = SimpleNamespace(outdir=str(tmp_path), srcdir=str(ROOT), builder=SimpleNamespace(format="html"),
                          config=SimpleNamespace(language="zh_CN", locale_dirs=["locales/"]))
    sphinxext.fix_accessibility(app, None)
    text = page.read_text()
    assert 'title="提交问题"' in text and 'placeholder="在本书中搜索……"' in text
    assert "<p>Open issue means more.</p>" in text  # only a whole label is a theme word
    assert 'aria-label="显示或隐藏本节的页面"' in text



def _state(*widgets_):
    from ipywidgets.embed import embed_data

    return embed_data(views=list(widgets_))["manager_state"]["state"]


def _demo():
    from emergence.explore import explore

    def plot(fig, step, kind):
        fig.subplots().plot([0, 1], [0, step], color="red" if kind == "a" else "blue")
        return f"frame step={step} kind={kind}"

    return explore(plot, {"step": [0, 1, 2], "kind": ["a", "b"]}, title="t", figsize=(3, 2), dpi=70)


def test_a_stored_demo_becomes_a_static_block_with_its_default_frame(tmp_path):
    import json
    import re

    demo = _demo()
    spec = sphinxext.demo_spec(_state(demo.widget), demo.widget.model_id)
    assert [c["kind"] for c in spec["controls"]] == ["slider", "toggle"]
    assert [c["play"] for c in spec["controls"]] == [True, False], "a time axis plays"
    assert spec["controls"][0]["options"] == ["0", "1", "2"]
    markup = sphinxext.static_demo(spec, tmp_path, "../")
    default = re.search(r'<div class="emergence-frame"><img src="([^"]+)" alt="([^"]+)" width="210"', markup)
    assert default and default.group(2) == "frame step=0 kind=a"
    data = json.loads(re.search(r'<script type="application/json" class="emergence-demo-data">(.*)</script>',
                                markup).group(1))
    assert sorted(data["frames"]) == ["0,0", "0,1", "1,0", "1,1", "2,0", "2,1"]
    assert data["frames"]["2,1"][1] == "frame step=2 kind=b"
    files = sorted((tmp_path / "_demo").iterdir())
    assert len(files) == 6 and all(f.suffix == ".webp" for f in files), "each frame stored once"
    assert all(src.startswith("../_demo/") for src, _ in data["frames"].values())
    assert "data:image" not in markup, "frames are files, fetched when shown"


def test_other_widgets_are_not_demos_and_unknown_ids_fail():
    import ipywidgets
    import pytest

    bar = ipywidgets.IntProgress(value=3, max=10)
    assert sphinxext.demo_spec(_state(bar), bar.model_id) is None
    with pytest.raises(KeyError):
        sphinxext.demo_spec({}, "0123")


def test_widget_state_is_not_shipped_with_pages():
    state = _JavaScript(None, body="{}", type="application/vnd.jupyter.widget-state+json")
    context = {"script_files": [_JavaScript("_static/a.js"), state]}
    sphinxext.dedupe_scripts(None, "page", "page.html", context, None)
    assert [getattr(s, "filename", s) for s in context["script_files"]] == ["_static/a.js"]


def test_lab_figure_reads_glued_outputs_and_reports_missing_keys(tmp_path):
    import base64
    import json

    from emergence import figures

    fig, ax = figures.figure()
    ax.plot([0, 1], [1, 0])
    shown = figures.StaticFigure(fig, "a falling line")
    data, meta = shown._repr_mimebundle_()
    record = {"output_type": "display_data", "metadata": {**meta, "scrapbook": {"name": "k", "mime_prefix": sphinxext.GLUE_PREFIX}},
              "data": {sphinxext.GLUE_PREFIX + m: v for m, v in data.items()}}
    notebook = tmp_path / "lab.ipynb"
    notebook.write_text(json.dumps({"cells": [{"cell_type": "code", "outputs": [record]}], "metadata": {}}))
    markup = sphinxext.glued_html(notebook, "k", tmp_path / "out", "../")
    assert 'alt="a falling line"' in markup and 'width="640"' in markup and 'src="../_images/' in markup
    (image,) = (tmp_path / "out" / "_images").iterdir()
    assert image.read_bytes() == base64.b64decode(data["image/png"])
    assert sphinxext.glued_html(notebook, "missing", tmp_path / "out", "../") is None
