"""Static figures for notebooks: one look across chapters, and alt text from the data.

``show(fig, alt)`` displays a figure as a PNG whose output metadata carries its alt text;
the notebook executor copies that text into the cell metadata, where myst-nb reads it, so
the book's ``<img>`` describes what the data show rather than a file name.
"""
from __future__ import annotations

import base64
import io

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import FuncFormatter

PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
"""Okabe–Ito colours: distinguishable with common colour-vision deficiencies."""
GREY = "#7f7f7f"
"""For context lines drawn behind the data."""

STYLE = {
    "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "font.size": 10,
    "legend.frameon": False,
}
"""The course's plot style (matplotlib rcParams), applied by :func:`use_style`."""


def use_style() -> None:
    """Apply :data:`STYLE` to matplotlib; ``emergence.setup()`` calls it (importing does not)."""
    matplotlib.rcParams.update(STYLE)


def size_label(n: float) -> str:
    """A model size for people: 3.2e+09 -> '3.2B'."""
    if n == 0:
        return "0"
    for unit, scale in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if n >= scale:
            value = n / scale
            return f"{value:.0f}{unit}" if value >= 10 else f"{value:.2g}{unit}"
    return f"{n:.2g}"


def size_ticks(ax) -> None:
    """Plain-text size ticks (10M, 1B, ...) and no minor ticks on the x axis: clearer, and
    much faster to draw than mathtext powers of ten (most of a demo frame's drawing time)."""
    ax.minorticks_off()
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: size_label(v)))


def line_label(ax, text: str, *, x=None, y=None, color=GREY) -> None:
    """Name a reference line on the figure itself: a horizontal line (``y``) at its right
    end, a vertical one (``x``) at its top."""
    if (x is None) == (y is None):
        raise ValueError("line_label needs exactly one of x (vertical line) or y (horizontal line)")
    box = dict(fc="white", ec="none", pad=1, alpha=0.85)  # readable over the curves
    if y is not None:
        ax.text(0.99, y, text, transform=ax.get_yaxis_transform(), ha="right", va="bottom",
                color=color, bbox=box)
    else:
        ax.text(x, 0.97, " " + text, transform=ax.get_xaxis_transform(), ha="left", va="top",
                color=color, bbox=box)


def figure(figsize=(6.4, 3.6), ncols: int = 1, nrows: int = 1, dpi: int = 100):
    """A new white-background figure (dark mode keeps it legible) and its axes."""
    fig = Figure(figsize=figsize, dpi=dpi, facecolor="white", layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=True)
    return fig, axes


def png_bytes(fig, dpi: int = 100) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()


# ---------------------------------------------------------------- house style: 2x pixels, text >= 11 px, nothing clipped

MAX_DISPLAY_WIDTH = 688
"""The book's text column in CSS pixels: wider figures are shown scaled down to it."""
MIN_FONT_PX = 11
"""No text smaller than this at the width the book displays a figure."""
MAX_FONT_FLOOR_PT = 12
"""A figure so wide that its text would need more than this to stay legible is rejected."""


def display_width(width_in: float, dpi: float) -> int:
    """The CSS pixel width at which the book shows a figure ``width_in`` inches wide drawn at
    ``dpi`` displayed pixels per inch."""
    return int(round(min(width_in * dpi, MAX_DISPLAY_WIDTH)))


def font_floor(width_in: float, shown_px: float) -> float:
    """The smallest font size (points) that is ``MIN_FONT_PX`` tall when a figure
    ``width_in`` inches wide is shown ``shown_px`` pixels wide."""
    return MIN_FONT_PX * 72 * width_in / shown_px


def check_legible(width_in: float, dpi: float) -> None:
    """Reject a figure size or dpi at which text cannot stay legible as the book shows it:
    naming ``figsize[0]`` when the figure is scaled down to the column, else ``dpi``."""
    shown = display_width(width_in, dpi)
    floor = font_floor(width_in, shown)
    if floor <= MAX_FONT_FLOOR_PT:
        return
    if shown < width_in * dpi:
        widest = MAX_FONT_FLOOR_PT * MAX_DISPLAY_WIDTH / (MIN_FONT_PX * 72)
        raise ValueError(f"figsize[0]={width_in:g} in is shown {shown} px wide, so its text would "
                         f"need {floor:.1f} pt to stay {MIN_FONT_PX} px tall; use figsize[0] <= {widest:.1f}")
    lowest = MIN_FONT_PX * 72 / MAX_FONT_FLOOR_PT
    raise ValueError(f"dpi={dpi:g} shows text below {MIN_FONT_PX} px unless it is {floor:.1f} pt or "
                     f"more; use dpi >= {lowest:.0f}")


def _labels(fig) -> list:
    """The figure's texts other than tick labels: titles, axis labels, annotations, legends
    (found directly: ``findobj`` would build every tick, the slowest part of a frame)."""
    texts = list(fig.texts) + ([fig._suptitle] if fig._suptitle is not None else [])
    legends = list(fig.legends)
    for ax in fig.axes:
        texts += [ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label, *ax.texts]
        legends += [ax.get_legend()] if ax.get_legend() is not None else []
    for legend in legends:
        texts += [*legend.get_texts(), legend.get_title()]
    return [t for t in texts if t.get_visible() and t.get_text().strip()]


def house_style(fig, display_width: float) -> None:
    """Raise every text in ``fig`` to the legible minimum for ``display_width`` pixels."""
    floor = font_floor(fig.get_figwidth(), display_width)
    for text in _labels(fig):
        if text.get_fontsize() < floor:
            text.set_fontsize(floor)
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            size = axis._major_tick_kw.get("labelsize", matplotlib.rcParams["xtick.labelsize"])
            if FontProperties(size=size).get_size_in_points() < floor:
                axis.set_tick_params(which="both", labelsize=floor)


def _drawn_texts(fig, ticks: bool = True) -> list:
    """Every text a draw of ``fig`` shows (tick labels only for ticks inside the view)."""
    drawn = _labels(fig)
    for ax in fig.axes if ticks else ():
        for axis in (ax.xaxis, ax.yaxis):
            scale = axis.get_transform()  # compare in scaled units (log axes)
            low, high = sorted(scale.transform(np.asarray(axis.get_view_interval(), float)))
            pad = (high - low) * 1e-6
            for locs, labels in ((axis.get_majorticklocs(), axis.get_majorticklabels()),
                                 (axis.get_minorticklocs(), axis.get_minorticklabels())):
                where = scale.transform(np.asarray(locs, float)) if len(locs) else []
                drawn += [label for loc, label in zip(where, labels)
                          if low - pad <= loc <= high + pad and label.get_visible() and label.get_text().strip()]
    return drawn


def clipped_texts(fig, ticks: bool = True) -> list[str]:
    """The texts of a drawn ``fig`` that reach beyond its canvas (empty when none);
    ``ticks=False`` skips the tick labels (a quick check for frames sharing a layout)."""
    renderer = fig.canvas.get_renderer()
    width, height = fig.bbox.width, fig.bbox.height
    out = []
    for text in _drawn_texts(fig, ticks):
        box = text.get_window_extent(renderer)
        if box.x0 < -1 or box.y0 < -1 or box.x1 > width + 1 or box.y1 > height + 1:
            out.append(text.get_text())
    return out


def wrap_wide_titles(fig) -> bool:
    """Wrap a drawn figure's titles that are wider than the canvas (or, for a panel title,
    than its panel's share of it) onto more lines; True if any changed (draw again)."""
    import textwrap

    renderer = fig.canvas.get_renderer()
    width = fig.bbox.width
    titles = [(fig._suptitle, 0.98 * width)] if fig._suptitle is not None else []
    for ax in fig.axes:
        box = ax.get_position()
        share = max(box.width * width * 1.15, 0.3 * width)
        centre = (box.x0 + box.width / 2) * width  # a centred title must fit on both sides
        room = min(share, 1.96 * min(centre, width - centre))
        titles += [(ax.title, room)] + [(t, min(share, 0.98 * width)) for t in (ax._left_title, ax._right_title)]
    changed = False
    for text, room in titles:
        words = text.get_text()
        if not words.strip() or "$" in words:
            continue
        extent = text.get_window_extent(renderer).width
        if extent > room:
            longest = max(len(line) for line in words.splitlines())
            chars = max(12, int(longest * room / extent) - 1)
            text.set_text("\n".join(textwrap.fill(line, chars) for line in words.splitlines()))
            changed = True
    return changed


def fit_texts(fig) -> None:
    """Draw ``fig``, then shrink its layout area until no text reaches beyond the canvas
    (constrained layout can leave a title of an equal-aspect panel a few pixels outside)."""
    fig.canvas.draw()
    if wrap_wide_titles(fig):
        fig.set_layout_engine("constrained")
        fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    width, height = fig.bbox.width, fig.bbox.height
    for _ in range(2):
        boxes = [t.get_window_extent(renderer) for t in _drawn_texts(fig)]
        if not boxes:
            return
        left = max(0.0, -min(b.x0 for b in boxes)) + 2
        bottom = max(0.0, -min(b.y0 for b in boxes)) + 2
        right = max(0.0, max(b.x1 for b in boxes) - width) + 2
        top = max(0.0, max(b.y1 for b in boxes) - height) + 2
        if max(left, bottom, right, top) <= 3:
            return
        engine = fig.get_layout_engine()
        x0, y0, w, h = engine.get()["rect"] if engine is not None and "rect" in engine.get() else (0, 0, 1, 1)
        fig.set_layout_engine("constrained", rect=(x0 + left / width, y0 + bottom / height,
                                                    w - (left + right) / width, h - (bottom + top) / height))
        fig.canvas.draw()


def show(fig, alt: str, dpi: int = 100, glue: str | None = None) -> None:
    """Display ``fig`` with ``alt`` as its alt text (computed from the plotted data).

    ``dpi`` is the displayed pixels per inch; the figure is drawn at twice that in the house
    style. ``glue`` also stores the same image under that key, for a text page to show with
    ``{glue:figure}``.
    """
    from IPython.display import display

    if not isinstance(alt, str) or not alt.strip():
        raise ValueError("alt must be a non-empty str describing what the figure shows")
    image = StaticFigure(fig, alt.strip(), dpi)
    display(image)
    if glue is not None:
        from .glue import glue_figure

        glue_figure(glue, image)


def _palette_png(png: bytes) -> bytes:
    """The same picture in 128 colours: a plot looks the same at a third of the bytes."""
    from PIL import Image

    out = io.BytesIO()
    Image.open(io.BytesIO(png)).convert("RGB").quantize(
        colors=128, method=Image.Quantize.FASTOCTREE).save(out, format="png", optimize=True)
    return out.getvalue()


class StaticFigure:
    """A figure rendered once in the house style: a PNG at 2x its displayed width."""

    def __init__(self, fig, alt: str, dpi: int = 100):
        self.alt = alt
        self.width = display_width(fig.get_figwidth(), dpi)
        check_legible(fig.get_figwidth(), dpi)
        house_style(fig, self.width)
        fit_texts(fig)
        clipped = clipped_texts(fig)
        if clipped:
            raise ValueError(f"figure {alt[:60]!r}... has text beyond the canvas: {clipped}")
        self.png = _palette_png(png_bytes(fig, dpi=2 * self.width / fig.get_figwidth()))

    def _repr_mimebundle_(self, include=None, exclude=None):
        # The printed form stays fixed: the alt text's numbers belong to the image, and a
        # printed one would make nbval compare them across machines.
        data = {"image/png": base64.b64encode(self.png).decode("ascii"), "text/plain": "[figure]"}
        return data, {"image/png": {"alt": self.alt, "width": self.width}}
