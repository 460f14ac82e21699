"""The student-version maker: solutions stubbed, instructor notes become answer cells, outputs
and run metadata removed, links to the published book."""
import nbformat
import pytest

from emergence.student import strip_solutions, student_version

SOURCE = '''import numpy as np
# BEGIN SOLUTION
x = np.arange(3)
for i in range(3):
    pass
# END SOLUTION
def f(a, b=2):
    """Double."""
    # BEGIN SOLUTION
    return a * b
    # END SOLUTION
check(x, f)'''


def test_regions_become_stubs_that_keep_names_and_signatures():
    out = strip_solutions(SOURCE)
    assert "np.arange" not in out and "a * b" not in out and "for i" not in out
    assert "x = ...  # YOUR CODE HERE" in out
    assert 'def f(a, b=2):\n    """Double."""\n    return ...  # YOUR CODE HERE' in out
    assert out.endswith("check(x, f)")
    compile(out, "<student>", "exec")


def test_function_defined_inside_a_region_keeps_its_docstring():
    out = strip_solutions('# BEGIN SOLUTION\ndef g(s, *, k=1):\n    """Compute g."""\n    return s\n# END SOLUTION')
    assert out == 'def g(s, *, k=1):\n    """Compute g."""\n    ...  # YOUR CODE HERE'


@pytest.mark.parametrize("bad", ["# BEGIN SOLUTION\nx = 1", "x = 1\n# END SOLUTION",
                                 "# BEGIN SOLUTION\n# BEGIN SOLUTION\n# END SOLUTION"])
def test_unbalanced_markers_are_reported(bad):
    with pytest.raises(ValueError, match="SOLUTION"):
        strip_solutions(bad)


def test_student_version_clears_outputs_and_drops_instructor_cells():
    nb = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell(SOURCE, metadata={"tags": ["hide-input"]})
    code.outputs = [nbformat.v4.new_output("stream", text="secret")]
    code.execution_count = 3
    note = nbformat.v4.new_markdown_cell("answer sketch", metadata={"tags": ["instructor"]})
    nb.cells = [nbformat.v4.new_markdown_cell("Intro"), code, note]
    nb.metadata["widgets"] = {"state": 1}
    nb.metadata["emergence"] = {"fingerprint": "x"}
    code.metadata["execution"] = {"iopub.execute_input": "2026-12-06T01:49:19Z"}
    out = student_version(nb)
    assert [c.cell_type for c in out.cells] == ["markdown", "code", "markdown"]
    assert out.cells[1].outputs == [] and out.cells[1].execution_count is None
    assert "hide-input" not in out.cells[1].metadata["tags"]
    assert "execution" not in out.cells[1].metadata
    assert "widgets" not in out.metadata and "emergence" not in out.metadata
    assert nb.cells[1].outputs, "the instructor notebook itself is untouched"
    answer = out.cells[2]
    assert "sketch" not in answer.source and "Your answer to Think! 1" in answer.source
    assert answer.metadata["tags"] == ["answer"]


def test_handout_links_point_to_the_published_book_and_book_only_sentences_go():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(
        "Try. In the online book, the worked solutions are hidden behind the\ntoggle on each "
        "answer cell: try first. Read [the text](../book/ch06_grokking.md#three-phases), the "
        "[lab](ch06_lab.ipynb) and {doc}`../book/ch08_why_emergence`.")]
    text = student_version(nb).cells[0].source
    assert "toggle" not in text and text.startswith("Try. Read")
    assert "](https://emergence-course.github.io/emergence/book/ch06_grokking.html#three-phases)" in text
    assert "](https://emergence-course.github.io/emergence/notebooks/ch06_lab.html)" in text
    assert "(https://emergence-course.github.io/emergence/book/ch08_why_emergence.html)" in text
    assert ".md" not in text and "{doc}" not in text


def test_the_book_address_is_the_one_the_book_is_published_at():
    import yaml
    from emergence.checks import BOOK
    from emergence.execute import ROOT
    repo = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    owner, name = repo.removeprefix("https://github.com/").split("/")
    assert BOOK == f"https://{owner}.github.io/{name}"
