"""Static figures for notebooks: one look across chapters, and alt text from the data.

``show(fig, alt)`` displays a figure as a PNG whose output metadata carries its alt text;
the notebook executor copies that text into the cell metadata, where myst-nb reads it, so
the book's ``<img>`` describes what the data show rather than a file name.
"""
from __future__ import annotations

import io

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
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


def show(fig, alt: str, dpi: int = 100) -> None:
    """Display ``fig`` with ``alt`` as its alt text (computed from the plotted data)."""
    from IPython.display import Image, display

    if not isinstance(alt, str) or not alt.strip():
        raise ValueError("alt must be a non-empty str describing what the figure shows")
    display(Image(png_bytes(fig, dpi)), metadata={"image/png": {"alt": alt.strip()}})
