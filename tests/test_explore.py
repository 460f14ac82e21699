"""explore(): every frame is reachable from the controls, in the right place, with its alt text."""
import ipywidgets as widgets
import numpy as np
import pytest

from emergence.explore import explore


def _plot(fig, a, b, c=0):
    ax = fig.subplots()
    x = np.linspace(0, 1, 50)
    ax.plot(x, x ** a)
    ax.set_title(f"{b}")
    return f"frame a={a} b={b}" + (f" c={c}" if c else "")


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
    from ipywidgets.widgets.widget import _instances
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
    assert text == "Demo: demo -- controls a (1), b (5); 5 frames"


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
])
def test_bad_input_names_the_parameter(kwargs, match):
    with pytest.raises((TypeError, ValueError), match=match):
        explore(**kwargs)
