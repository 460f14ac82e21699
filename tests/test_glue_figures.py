"""glue() and figures.show(): computed numbers and alt text reach the book."""
import pytest

from emergence import figures
from emergence.glue import glue


def test_glue_validates_name_and_digits():
    with pytest.raises(ValueError, match="name"):
        glue("not an identifier", 1.0)
    with pytest.raises(TypeError, match="digits"):
        glue("key", 1.0, digits=1.5)


def test_show_requires_alt_text():
    fig, ax = figures.figure()
    ax.plot([0, 1], [0, 1])
    with pytest.raises(ValueError, match="alt"):
        figures.show(fig, "  ")


def test_png_is_a_png():
    fig, ax = figures.figure()
    ax.plot([0, 1], [1, 0])
    assert figures.png_bytes(fig)[:8] == b"\x89PNG\r\n\x1a\n"
