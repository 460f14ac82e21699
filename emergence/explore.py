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

from . import figures  # noqa: F401  (applies the course's figure style)
from ._validate import check_float, check_int

MAX_BYTES = 1_100_000  # keep each demo near the ~1 MB budget of COURSE_DESIGN §4
MAX_FRAMES = 60


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
        sizes = ", ".join(f"{name} ({len(c.options)})" for name, c in self.controls.items())
        bundle["text/plain"] = f"Demo: {self.title} -- controls {sizes}; {len(self.alts)} frames"
        return bundle


def _format(value) -> str:
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return f"{value:g}"
    return str(value)


def render_frame(plot, params: dict, *, figsize, dpi, positions=None) -> tuple[bytes, str, list]:
    """Draw one frame with ``plot(fig, **params)``; return (palette PNG, alt text, axes boxes).

    Constrained layout is a third of the cost of a frame, so it runs once: later frames
    with the same axes reuse the first frame's ``positions``.
    """
    reuse = positions is not None
    fig = Figure(figsize=figsize, dpi=dpi, facecolor="white",
                 layout=None if reuse else "constrained")
    FigureCanvasAgg(fig)
    alt = plot(fig, **params)
    if reuse and len(fig.axes) == len(positions):
        for ax, box in zip(fig.axes, positions):
            ax.set_position(box)
    elif reuse:
        fig.set_layout_engine("constrained")
    if not isinstance(alt, str) or not alt.strip():
        raise ValueError("plot must return the frame's alt text (a non-empty str describing "
                         f"what the frame shows); it returned {alt!r} for {params}")
    raw = io.BytesIO()
    fig.savefig(raw, format="png", dpi=dpi, facecolor="white")
    # A 128-colour palette keeps plots crisp at a fraction of the size (and is fast).
    image = Image.open(raw).convert("RGB").quantize(colors=128, method=Image.Quantize.FASTOCTREE)
    out = io.BytesIO()
    image.save(out, format="png")
    return out.getvalue(), alt.strip(), [ax.get_position() for ax in fig.axes]


def _frame_widget(png: bytes, alt: str, width: int) -> widgets.HTML:
    src = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return widgets.HTML(f'<img src="{src}" alt="{html.escape(alt)}" '
                        f'style="width:{width}px;max-width:100%;height:auto">')


def _control(name: str, values: list, label: str) -> widgets.Widget:
    options = [(_format(v), i) for i, v in enumerate(values)]
    numeric = all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values)
    style = {"description_width": "initial"}
    if numeric and len(values) > 3:
        return widgets.SelectionSlider(options=options, value=0, description=label,
                                       continuous_update=True, style=style,
                                       layout=widgets.Layout(width="420px"))
    if len(values) <= 4:
        return widgets.ToggleButtons(options=options, value=0, description=label, style=style)
    return widgets.Dropdown(options=options, value=0, description=label, style=style)


def explore(plot, grid: dict, *, title: str, labels: dict | None = None,
            figsize=(6.4, 3.4), dpi: int = 90, max_bytes: int = MAX_BYTES) -> Demo:
    """Render ``plot(fig, **params)`` for every combination in ``grid`` and link controls to it.

    ``grid`` maps each parameter name to the list of values its control offers (one or two
    parameters usually; at most ``MAX_FRAMES`` frames in all). ``plot`` draws on the empty
    matplotlib ``Figure`` it is given and returns the frame's alt text, computed from the
    data it plotted. ``labels`` gives each control a readable description.
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
    width = round(check_float("figsize[0]", figsize[0], min=1, max=20) * dpi)
    check_float("figsize[1]", figsize[1], min=1, max=20)

    names = list(values)
    frames, alts, nbytes, positions = {}, {}, 0, None
    for combo in itertools.product(*(range(len(values[n])) for n in names)):
        params = {n: values[n][i] for n, i in zip(names, combo)}
        png, alt, boxes = render_frame(plot, params, figsize=figsize, dpi=dpi, positions=positions)
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

    for control in controls.values():
        control.add_class("emergence-control")
    box = widgets.VBox([*controls.values(), stack(())],
                       layout=widgets.Layout(align_items="flex-start"))
    box.add_class("emergence-demo")
    return Demo(title=title, widget=box, controls=controls, alts=alts, nbytes=nbytes)
