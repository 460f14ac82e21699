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


def test_glue_figure_validates_name_and_object():
    from emergence.glue import glue_figure

    with pytest.raises(ValueError, match="name"):
        glue_figure("not an identifier", figures.StaticFigure(_line(), "a line"))
    with pytest.raises(TypeError, match="obj"):
        glue_figure("key", 3.0)


def _line(width=6.4):
    fig, ax = figures.figure(figsize=(width, 3))
    ax.plot([0, 1], [0, 1], label="line")
    ax.legend(fontsize=5)
    return fig


def test_static_figures_are_2x_png_with_alt_and_display_width():
    shown = figures.StaticFigure(_line(), "a rising line")
    data, meta = shown._repr_mimebundle_()
    assert meta["image/png"] == {"alt": "a rising line", "width": 640}
    from PIL import Image
    import base64
    import io
    assert Image.open(io.BytesIO(base64.b64decode(data["image/png"]))).size[0] == 1280
    assert data["text/plain"] == "[figure]", "no raw repr, and no machine-sensitive number, in print"


def test_house_style_rejects_clipped_text_and_illegible_sizes():
    fig = _line()
    fig.text(1.05, 0.5, "outside the canvas")
    with pytest.raises(ValueError, match="outside the canvas"):
        figures.StaticFigure(fig, "clipped")
    with pytest.raises(ValueError, match=r"figsize\[0\]=12"):
        figures.StaticFigure(_line(width=12), "too wide to read")
    fig = _line()
    fig.canvas.draw()
    assert figures.clipped_texts(fig) == []


def test_titles_wider_than_the_canvas_are_wrapped_not_clipped():
    fig, ax = figures.figure(figsize=(4, 3))
    ax.plot([0, 1], [0, 1])
    fig.suptitle("a very long suptitle that is much wider than a four inch figure can hold " * 2)
    ax.set_title("and a long panel title that does not fit over its panel either, at all")
    figures.house_style(fig, 400)
    figures.fit_texts(fig)
    assert figures.clipped_texts(fig) == []
    assert "\n" in fig._suptitle.get_text() and "\n" in ax.get_title()


def test_reference_lines_are_named_on_the_figure():
    fig, ax = figures.figure()
    ax.plot([0, 1], [0, 1])
    ax.axhline(0.5)
    figures.line_label(ax, "chance", y=0.5)
    figures.line_label(ax, "p_c", x=0.6)
    assert [t.get_text().strip() for t in ax.texts] == ["chance", "p_c"]
    fig.canvas.draw()
    assert figures.clipped_texts(fig) == []
    with pytest.raises(ValueError, match="exactly one"):
        figures.line_label(ax, "both", x=0.1, y=0.1)
    with pytest.raises(ValueError, match="exactly one"):
        figures.line_label(ax, "neither")
