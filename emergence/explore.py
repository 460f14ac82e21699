"""Interactive demos that keep working in the static book, with no kernel.

``explore(plot, grid)`` renders one figure per point of a small parameter grid, once, and
returns ipywidgets controls linked *client-side* (``jslink``) to a stack of those frames.
The stored widget state holds every frame, so in the published book moving a control
switches frames instantly in the browser; in Jupyter the same cell behaves the same way.

Several parameters nest stacks: the outer stack is driven by the first control and every
inner stack by the next, so only ``jslink`` (no Python callback) is ever needed.
"""
from __future__ import annotations

import base64
import html
import io
import itertools
import numbers
from dataclasses import dataclass, field

import ipywidgets as widgets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from . import figures
from ._validate import check_float, check_int

MAX_BYTES = 1_100_000  # frames stored per demo: keeps a lab notebook small to load and diff (CONTRIBUTING.md)
MAX_FRAMES = 60
TIME_AXES = ("step", "steps", "time", "generation")
"""Parameters that are a time axis: their slider gets a play button (client-side)."""


@dataclass
class Demo:
    """A rendered demo: the widget tree, each frame's alt text and the total size."""

    title: str
    widget: widgets.Widget
    controls: dict[str, widgets.Widget]
    alts: dict[tuple, str] = field(repr=False)
    nbytes: int

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = self.summary()
        return bundle

    def summary(self) -> str:
        """What a reader sees where the widget cannot be drawn (an untrusted or unexecuted
        notebook): what the demo is, and how to bring it to life."""
        sizes = ", ".join(f"{c.description} ({len(c.options)} value{'s' * (len(c.options) > 1)})"
                          for c in self.controls.values())
        return (f"Interactive demo: {self.title} -- {sizes}; {len(self.alts)} frames. "
                "To use it, run this cell, or trust the notebook to show the saved demo "
                "(JupyterLab: Command Palette, Trust Notebook).")


def _format(value) -> str:
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return figures.size_label(value) if abs(value) >= 1e5 else f"{value:g}"
    return str(value)


def render_frame(plot, params: dict, *, figsize, dpi, positions=None, name: str = "demo",
                 check_ticks: bool = True) -> tuple[bytes, str, list]:
    """Draw one frame with ``plot(fig, **params)``; return (WebP image, alt text, axes boxes).

    ``dpi`` is the frame's displayed pixels per inch; it is rendered at twice that (sharp on
    high-density screens) in the house style (``figures.house_style``). Constrained layout
    is a third of the cost of a frame, so it runs once: later frames with the same axes
    reuse the first frame's ``positions``, unless that would clip some text. Titles, labels
    and legends are checked on every frame; tick labels (slow to find) when ``check_ticks``.
    """
    fig, alt = _draw(plot, params, figsize, dpi, positions)
    if positions is not None and figures.clipped_texts(fig, ticks=check_ticks):
        fig, alt = _draw(plot, params, figsize, dpi, None)
    clipped = figures.clipped_texts(fig, ticks=check_ticks or positions is None)
    if clipped:
        raise ValueError(f"{name}: frame {params} has text beyond the canvas: {clipped}")
    # The canvas is already drawn at 2x. A 128-colour palette in lossless WebP keeps plots
    # crisp at about half the size of a palette PNG (a third of full colour), fast to encode.
    out = io.BytesIO()
    Image.frombuffer("RGBA", fig.canvas.get_width_height(), fig.canvas.buffer_rgba()).convert(
        "RGB").quantize(colors=128, method=Image.Quantize.FASTOCTREE).save(
        out, format="webp", lossless=True, method=2)
    return out.getvalue(), alt, [ax.get_position() for ax in fig.axes]


def _draw(plot, params, figsize, dpi, positions):
    reuse = positions is not None
    fig = Figure(figsize=figsize, dpi=2 * dpi, facecolor="white",
                 layout=None if reuse else "constrained")
    FigureCanvasAgg(fig)
    alt = plot(fig, **params)
    if not isinstance(alt, str) or not alt.strip():
        raise ValueError("plot must return the frame's alt text (a non-empty str describing "
                         f"what the frame shows); it returned {alt!r} for {params}")
    figures.house_style(fig, display_width=figures.display_width(figsize[0], dpi))
    if reuse and len(fig.axes) == len(positions):
        for ax, box in zip(fig.axes, positions):
            ax.set_position(box)
    elif reuse:
        fig.set_layout_engine("constrained")
    if reuse:
        fig.canvas.draw()
    else:
        figures.fit_texts(fig)
    return fig, alt.strip()


def _frame_widget(image: bytes, alt: str, width: int) -> widgets.HTML:
    src = "data:image/webp;base64," + base64.b64encode(image).decode("ascii")
    return widgets.HTML(f'<img src="{src}" alt="{html.escape(alt)}" width="{width}" '
                        f'style="width:{width}px;max-width:100%;height:auto">')


def _control(name: str, values: list, label: str) -> widgets.Widget:
    options = [(_format(v), i) for i, v in enumerate(values)]
    numeric = all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values)
    style = {"description_width": "initial"}
    if numeric and len(values) > 3 or name in TIME_AXES and len(values) > 1:
        return widgets.SelectionSlider(options=options, value=0, description=label,
                                       continuous_update=True, style=style,
                                       layout=widgets.Layout(width="100%", max_width="420px"))
    if len(values) <= 4:
        return widgets.ToggleButtons(options=options, value=0, description=label, style=style)
    return widgets.Dropdown(options=options, value=0, description=label, style=style)


def explore(plot, grid: dict, *, title: str, labels: dict | None = None,
            figsize=(6.4, 3.4), dpi: int = 90, max_bytes: int = MAX_BYTES) -> Demo:
    """Render ``plot(fig, **params)`` for every combination in ``grid`` and link controls to it.

    ``grid`` maps each parameter name to the list of values its control offers (one or two
    parameters usually; at most ``MAX_FRAMES`` frames in all). ``plot`` draws on the empty
    matplotlib ``Figure`` it is given and returns the frame's alt text, computed from the
    data it plotted. ``labels`` gives each control a readable description. A time axis
    (a parameter named in ``TIME_AXES``) gets a play button. ``dpi`` is the displayed pixels
    per inch; frames are rendered at twice that, in the house style (``figures``).
    """
    if not callable(plot):
        raise TypeError(f"plot must be callable, got {type(plot).__name__}")
    if not isinstance(grid, dict) or not grid:
        raise TypeError("grid must be a non-empty dict mapping parameter names to value lists")
    if not isinstance(title, str) or not title.strip():
        raise ValueError("title must be a non-empty str")
    labels = dict(labels or {})
    if set(labels) - set(grid):
        raise ValueError(f"labels names unknown parameters: {sorted(set(labels) - set(grid))}")
    values = {}
    for name, vals in grid.items():
        if not isinstance(name, str) or isinstance(vals, (str, bytes)):
            raise TypeError(f"grid[{name!r}] must be a list of values keyed by a str name")
        vals = list(vals)
        if not vals:
            raise ValueError(f"grid[{name!r}] must offer at least one value")
        values[name] = vals
    n_frames = 1
    for vals in values.values():
        n_frames *= len(vals)
    if n_frames > MAX_FRAMES:
        raise ValueError(f"grid has {n_frames} frames; keep demos to at most {MAX_FRAMES}")
    dpi = check_int("dpi", dpi, min=30, max=200)
    check_float("figsize[0]", figsize[0], min=1, max=20)
    check_float("figsize[1]", figsize[1], min=1, max=20)
    width = figures.display_width(figsize[0], dpi)
    figures.check_legible(figsize[0], dpi)

    names = list(values)
    frames, alts, nbytes, positions = {}, {}, 0, None
    combos = list(itertools.product(*(range(len(values[n])) for n in names)))
    for combo in combos:
        params = {n: values[n][i] for n, i in zip(names, combo)}
        png, alt, boxes = render_frame(plot, params, figsize=figsize, dpi=dpi, positions=positions,
                                       name=f"demo {title!r}", check_ticks=combo == combos[-1])
        positions = positions or boxes
        nbytes += len(png) * 4 // 3  # base64 in the stored widget state
        frames[combo] = _frame_widget(png, alt, width)
        alts[tuple(params.values())] = alt
    if nbytes > max_bytes:
        raise ValueError(f"demo {title!r} is {nbytes / 1e6:.2f} MB of frames (max_bytes="
                         f"{max_bytes}); lower dpi or offer fewer values")

    controls = {n: _control(n, values[n], labels.get(n, n)) for n in names}

    def stack(prefix: tuple) -> widgets.Widget:
        depth = len(prefix)
        if depth == len(names):
            return frames[prefix]
        node = widgets.Stack([stack(prefix + (i,)) for i in range(len(values[names[depth]]))],
                             selected_index=0)
        widgets.jslink((controls[names[depth]], "index"), (node, "selected_index"))
        return node

    row = []
    for name, control in controls.items():
        control.add_class("emergence-control")
        if name in TIME_AXES and isinstance(control, widgets.SelectionSlider):
            play = widgets.Play(min=0, max=len(values[name]) - 1, interval=700,
                                description=f"play {control.description}")
            play.add_class("emergence-play")
            widgets.jslink((play, "value"), (control, "index"))
            row.append(play)
        row.append(control)
    panel = widgets.HBox(row, layout=widgets.Layout(flex_flow="row wrap", align_items="center"))
    panel.add_class("emergence-controls")
    box = widgets.VBox([panel, stack(())], layout=widgets.Layout(align_items="flex-start"))
    box.add_class("emergence-demo")
    return Demo(title=title, widget=box, controls=controls, alts=alts, nbytes=nbytes)
