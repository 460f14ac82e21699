"""explore(): every frame is reachable from the controls, in the right place, with its alt text."""
import io

import ipywidgets as widgets
import numpy as np
import pytest
from ipywidgets.widgets.widget import _instances
from matplotlib.figure import Figure
from PIL import Image

from emergence import figures
from emergence.explore import explore, render_frame


def _plot(fig, a, b, c=0):
    ax = fig.subplots()
    x = np.linspace(0, 1, 50)
    ax.plot(x, x ** a)
    ax.set_title(f"{b}")
    return f"frame a={a} b={b}" + (f" c={c}" if c else "")


def _clipped(fig, a):
    ax = fig.subplots()
    ax.plot([0, 1], [0, a])
    fig.text(1.2, 0.5, "far away")
    return "a clipped label"


def _frame_at(demo, *indices):
    node = demo.widget.children[-1]
    for i in indices:
        assert isinstance(node, widgets.Stack)
        node = node.children[i]
    return node


def test_nested_stacks_put_each_frame_where_its_controls_point():
    demo = explore(_plot, {"a": [1, 2, 3], "b": ["x", "y"]}, title="t")
    assert len(demo.alts) == 6
    for i, a in enumerate([1, 2, 3]):
        for j, b in enumerate(["x", "y"]):
            assert f'alt="frame a={a} b={b}"' in _frame_at(demo, i, j).value


def test_controls_are_jslinked_to_every_stack_level():
    demo = explore(_plot, {"a": [1, 2], "b": ["x", "y", "z"]}, title="t")
    links = [w for w in _instances.values() if isinstance(w, widgets.widget_link.Link)]
    a, b = demo.controls["a"], demo.controls["b"]
    linked = {(l.source[0].model_id, l.target[0].model_id) for l in links}
    outer = demo.widget.children[-1]
    assert (a.model_id, outer.model_id) in linked
    for inner in outer.children:
        assert (b.model_id, inner.model_id) in linked


def test_control_kinds_and_text_summary():
    demo = explore(_plot, {"a": [1, 2, 3, 4], "b": ["x", "y"], "c": [0.1, 0.2]}, title="demo",
                   labels={"a": "power"})
    assert isinstance(demo.controls["a"], widgets.SelectionSlider)
    assert demo.controls["a"].description == "power"
    assert isinstance(demo.controls["b"], widgets.ToggleButtons)
    assert isinstance(demo.controls["c"], widgets.ToggleButtons), "few numbers read best as buttons"
    demo = explore(_plot, {"a": [1], "b": list("abcde")}, title="demo")
    assert isinstance(demo.controls["b"], widgets.Dropdown)
    text = demo._repr_mimebundle_()["text/plain"]
    assert text.startswith("Interactive demo: demo -- a (1 value), b (5 values); 5 frames. ")
    assert "run this cell" in text and "trust the notebook" in text


def test_frames_are_small():
    demo = explore(_plot, {"a": [1, 2, 3, 4], "b": ["x"]}, title="t")
    assert demo.nbytes < 4 * 40_000


@pytest.mark.parametrize("kwargs, match", [
    (dict(plot=42, grid={"a": [1]}, title="t"), "plot"),
    (dict(plot=_plot, grid={}, title="t"), "grid"),
    (dict(plot=_plot, grid={"a": []}, title="t"), "grid"),
    (dict(plot=_plot, grid={"a": "abc"}, title="t"), "grid"),
    (dict(plot=_plot, grid={"a": [1]}, title=""), "title"),
    (dict(plot=_plot, grid={"a": list(range(61))}, title="t"), "frames"),
    (dict(plot=_plot, grid={"a": [1], "b": [1]}, title="t", dpi=1), "dpi"),
    (dict(plot=_plot, grid={"a": [1], "b": [1]}, title="t", labels={"c": "x"}), "labels"),
    (dict(plot=lambda fig, a: None, grid={"a": [1]}, title="t"), "alt text"),
    (dict(plot=_plot, grid={"a": [1, 2], "b": [1]}, title="t", max_bytes=10), "max_bytes"),
    (dict(plot=_plot, grid={"a": [1]}, title="t", figsize=(14, 3)), r"figsize\[0\]=14 in.*<= 10.4"),
    (dict(plot=_plot, grid={"a": [1]}, title="t", dpi=50), "dpi=50.*dpi >= 66"),
    (dict(plot=_clipped, grid={"a": [1]}, title="clipper"), "clipper.*beyond the canvas.*far away"),
])
def test_bad_input_names_the_parameter(kwargs, match):
    with pytest.raises((TypeError, ValueError), match=match):
        explore(**kwargs)


def _tiny(fig, a):
    ax = fig.subplots()
    ax.plot([0, 1], [0, a], label="line")
    ax.legend(fontsize=5)
    ax.set_title("t", fontsize=4)
    return "tiny text"


def test_frames_are_sharp_and_legible():
    """Frames are drawn at twice the displayed width, with no text below the legible size."""
    image, _, _ = render_frame(_tiny, {"a": 1}, figsize=(6, 3), dpi=90)
    assert Image.open(io.BytesIO(image)).size == (1080, 540)
    fig = Figure(figsize=(6, 3))
    _tiny(fig, 1)
    figures.house_style(fig, display_width=540)
    fig.canvas.draw()
    px_per_pt = 540 / (6 * 72)
    assert min(t.get_fontsize() for t in figures._drawn_texts(fig)) * px_per_pt >= figures.MIN_FONT_PX - 1e-9


def test_time_axis_gets_a_linked_play_button():
    demo = explore(lambda fig, step: _plot(fig, 1, "x", step), {"step": [0, 1, 2]}, title="t")
    panel = demo.widget.children[0]
    plays = [w for w in panel.children if isinstance(w, widgets.Play)]
    assert len(plays) == 1 and plays[0].max == 2
    links = {(link.source[0].model_id, link.target[0].model_id) for link in _instances.values()
             if isinstance(link, widgets.widget_link.Link)}
    assert (plays[0].model_id, demo.controls["step"].model_id) in links
    assert isinstance(demo.controls["step"], widgets.SelectionSlider)
    assert not any(isinstance(w, widgets.Play) for w in explore(_plot, {"a": [1, 2, 3, 4], "b": ["x"]},
                                                                  title="t").widget.children[0].children)
