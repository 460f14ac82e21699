"""The Chinese notebooks: translated markdown block by block, the same code (issue 17, item 4)."""
import nbformat
import pytest

from emergence import translate_notebooks as tn

MARKDOWN = """## Exercise 9.1: a heading

A paragraph over
two lines, with $x^2$ and `code`.

- a list item
  that continues
- a second item, not translated

1. a numbered item

| name | value |
|---|---|
| first cell | 2 |

$$
\\text{loss} = 1
$$

```{admonition} Think! 1: a title
:class: tip

A body paragraph.
```"""

PO = r'''msgid ""
msgstr "Content-Type: text/plain; charset=utf-8\n"

msgid "Exercise 9.1: a heading"
msgstr "练习 9.1：标题"

msgid "A paragraph over two lines, with $x^2$ and `code`."
msgstr "跨两行的段落，含 $x^2$ 和 `code`。"

msgid "a list item that continues"
msgstr "一个延续的列表项"

msgid "a second item, not translated"
msgstr ""

#, fuzzy
msgid "a numbered item"
msgstr "旧的编号项"

msgid "name"
msgstr "名称"

msgid "value"
msgstr "值"

msgid "first cell"
msgstr "第一格"

msgid "2"
msgstr "2"

msgid ""
"\n"
"\\text{loss} = 1\n"
msgstr ""
"\n"
"\\text{损失} = 1\n"

msgid "Think! 1: a title"
msgstr "想一想！1：标题"

msgid "A body paragraph."
msgstr "正文段落。"
'''

EXPECTED = """## 练习 9.1：标题

跨两行的段落，含 $x^2$ 和 `code`。

- 一个延续的列表项
- a second item, not translated

1. a numbered item

| 名称 | 值 |
|---|---|
| 第一格 | 2 |

$$
\\text{损失} = 1
$$

```{admonition} 想一想！1：标题
:class: tip

正文段落。
```"""

SETUP = "import emergence\n\nemergence.setup()   # the course's plot style"
CODE = "from emergence.checks import ch01 as check\nx = 1  # a comment\nprint(x)"


def _notebook():
    nb = nbformat.v4.new_notebook()
    check = nbformat.v4.new_code_cell("check.crossing(crossing)")
    check.outputs = [nbformat.v4.new_output("stream", text="❌ Not yet (exercise 1.1): ...")]
    plot = nbformat.v4.new_code_cell(CODE)
    plot.outputs = [nbformat.v4.new_output("stream", text="1\n")]
    nb.cells = [nbformat.v4.new_code_cell(SETUP), nbformat.v4.new_markdown_cell(MARKDOWN), plot,
                check]
    return nb


@pytest.fixture
def catalogues(tmp_path):
    folder = tmp_path / "po"
    folder.mkdir()
    (folder / "ch09_exercises.po").write_text(PO, encoding="utf-8")
    return folder


def test_every_translated_block_is_replaced_and_the_code_is_the_same(catalogues):
    table = tn.catalogue("ch09_exercises", catalogues)
    nb, report = tn.translate_notebook(_notebook(), table, "ch09_exercises")
    setup, markdown, plot, check = nb.cells
    assert markdown.source == EXPECTED
    assert setup.source == SETUP.replace("setup()", 'setup(language="zh_CN")')
    assert plot.source == CODE and plot.outputs[0].text == "1\n"  # outputs kept ...
    assert check.source == "check.crossing(crossing)" and check.outputs == []  # ... not verdicts
    assert report.english == ["a second item, not translated", "a numbered item"]  # missing, fuzzy
    assert report.translated == 10  # 1 heading, 1 paragraph, 1 item, 4 cells, math, title, body


def test_the_command_reports_and_strict_fails(catalogues, tmp_path, capsys):
    source = tmp_path / "ch09_exercises.ipynb"
    nbformat.write(_notebook(), source)
    out = tmp_path / "zh"
    assert tn.main([str(source), "--out", str(out), "--catalogues", str(catalogues)]) == 0
    assert "2 block(s) left in English" in capsys.readouterr().out
    assert nbformat.read(out / source.name, 4).cells[1].source == EXPECTED
    assert tn.main([str(source), "--out", str(out), "--catalogues", str(catalogues),
                    "--strict"]) == 1


def test_a_notebook_without_its_catalogue_or_setup_call_is_refused(catalogues):
    with pytest.raises(ValueError, match="no catalogue"):
        tn.catalogue("ch99_lab", catalogues)
    nb = _notebook()
    nb.cells[0].source = "import emergence"
    with pytest.raises(ValueError, match="setup"):
        tn.translate_notebook(nb, {}, "ch09_exercises")


def test_the_real_exercises_notebooks_are_fully_translated():
    """The book's own catalogues translate every block of an exercises notebook (the labs are
    checked by the catalogue sync test once their English settles)."""
    path = tn.NOTEBOOKS / "ch01_exercises.ipynb"
    nb, report = tn.translate_notebook(nbformat.read(path, 4), tn.catalogue(path.stem), path.stem)
    assert report.translated > 50 and report.english == []
    english = nbformat.read(path, 4)
    for before, after in zip(english.cells, nb.cells):
        if before.cell_type == "code" and "emergence.setup(" not in before.source:
            assert after.source == before.source
