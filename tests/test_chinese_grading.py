"""Student versions, grading and the autograder formats work on the Chinese notebooks and give
the same grades as on the English ones (issue 17, item 4)."""
import nbformat
import pytest
from nbclient import NotebookClient

from emergence import translate_notebooks as tn
from emergence.autograders import nbgrader_notebook, otter_notebook
from emergence.execute import NOTEBOOKS
from emergence.grade import VERDICT, check_cells, grade
from emergence.student import student_version

SOURCE = NOTEBOOKS / "ch05_exercises.ipynb"  # the quickest exercises notebook (~2 s)


def _notebooks():
    english = nbformat.read(SOURCE, as_version=4)
    chinese, report = tn.translate_notebook(english, tn.catalogue(SOURCE.stem), SOURCE.stem)
    assert report.english == []
    return {"en": english, "zh_CN": chinese}


def _submissions(instructor):
    """Full marks, the first two solutions only, and the untouched handout."""
    solved = [c for c in instructor.cells if "# BEGIN SOLUTION" in c.source]
    out = {}
    for name, keep in (("full", len(solved)), ("two", 2), ("none", 0)):
        nb = student_version(instructor)
        stubs = [c for c in nb.cells if c.cell_type == "code" and "YOUR CODE HERE" in c.source]
        for cell, right in zip(stubs[:keep], solved[:keep]):
            cell.source = right.source
        out[name] = nb
    return out


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("zh-grading")
    results = {}
    for language, instructor in _notebooks().items():
        handout = student_version(instructor)
        for name, nb in _submissions(instructor).items():
            path = root / language / name / "ch05_exercises.ipynb"
            path.parent.mkdir(parents=True)
            nbformat.write(nb, path)
            results[language, name] = grade(handout, path, name)
    return results


def test_chinese_submissions_get_the_same_grades_as_english_ones(graded):
    for name in ("full", "two", "none"):
        en, zh = graded["en", name], graded["zh_CN", name]
        assert (zh.passed, zh.not_yet, zh.total, zh.altered) == (en.passed, en.not_yet, en.total,
                                                                 en.altered), name
        assert zh.errors == en.errors
    assert len(graded["en", "full"].passed) == 6 and graded["en", "none"].passed == ()
    assert 0 < len(graded["en", "two"].passed) < 6


def test_the_chinese_handout_speaks_chinese_and_keeps_the_code():
    notebooks = _notebooks()
    en, zh = (student_version(nb) for nb in (notebooks["en"], notebooks["zh_CN"]))
    assert [c.cell_type for c in en.cells] == [c.cell_type for c in zh.cells]
    for a, b in zip(en.cells, zh.cells):
        if a.cell_type == "code":
            assert b.source == a.source.replace("emergence.setup()", 'emergence.setup(language="zh_CN")')
    markdown = "\n".join(c.source for c in zh.cells if c.cell_type == "markdown")
    assert "**你对想一想！1 的回答：**" in markdown and "在线版教材" not in markdown
    answers = [c for c in zh.cells if "answer" in c.metadata.get("tags", [])]
    assert answers[0].metadata["emergence"]["question"] == "Think! 1"  # the grading key


def test_a_chinese_check_cell_prints_a_chinese_verdict_that_grading_reads(tmp_path):
    nb = _submissions(_notebooks()["zh_CN"])["two"]
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    text = "\n".join(o.get("data", {}).get("text/plain", "") + o.get("text", "")
                   for c in check_cells(nb) for o in c.outputs)
    assert "❌ 还不对（练习 5." in text and "提示：" in text and "✅ 正确（练习 5.1）：" in text
    assert len(VERDICT.findall(text)) == 6


def test_the_autograder_formats_have_the_same_questions_in_chinese():
    notebooks = _notebooks()
    ids = {lang: [c.metadata["nbgrader"]["grade_id"] for c in nbgrader_notebook(nb).cells
                  if "nbgrader" in c.metadata] for lang, nb in notebooks.items()}
    assert ids["en"] == ids["zh_CN"] and any(i.startswith("check_") for i in ids["en"])
    otter = {lang: [c.source for c in otter_notebook(nb, "ch05").cells if c.cell_type == "raw"]
             for lang, nb in notebooks.items()}
    assert otter["en"] == otter["zh_CN"]
