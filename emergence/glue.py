"""Hand a computed number to the book's text pages (myst-nb ``glue``), so prose never types it.

A page quotes it with ``{glue:text}`../notebooks/ch01_lab.ipynb::key:s``` style references.
Outside a Jupyter Book toolchain (e.g. on Colab) gluing is skipped silently.
"""
from __future__ import annotations

from ._validate import check_int


def glue(name: str, value: float, digits: int = 3) -> None:
    """Glue ``value`` rounded to ``digits`` under ``name`` (an int when ``digits`` is 0).

    Pages quote it with the ``:s`` format so they show exactly the stored text.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be an identifier-like str, got {name!r}")
    digits = check_int("digits", digits, min=0, max=12)
    rounded = round(float(value), digits) if digits else int(round(float(value)))
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        return
    myst_glue(name, rounded, display=False)


class _Label(str):
    """A str whose repr is itself, so ``{glue:text}`` shows the word without quotes."""

    def __repr__(self) -> str:
        return str(self)


def glue_label(name: str, text: str) -> None:
    """Glue a word or short phrase (a classifier label, a list of names) for a page to quote.

    Pages quote it with ``{glue:text}`` and no format spec; the notebook prints the same text,
    so nbval checks it.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be an identifier-like str, got {name!r}")
    if not isinstance(text, str) or not text.strip() or "\n" in text:
        raise ValueError(f"text must be a non-empty one-line str, got {text!r}")
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        return
    myst_glue(name, _Label(text), display=False)


def glue_figure(name: str, obj) -> None:
    """Glue a figure or demo (``figures.show(..., glue=)`` does it for static figures) under
    ``name``, for a text page to show with ``{glue:figure}`` -- the notebook's own object,
    never a second copy of its plotting code."""
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be an identifier-like str, got {name!r}")
    if not hasattr(obj, "_repr_mimebundle_"):
        raise TypeError(f"obj must be a demo or figure with a display form, got {type(obj).__name__}")
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        return
    myst_glue(name, obj, display=False)
