"""Every exercises notebook, both versions: the instructor's passes each check, the student's
(made by ``python -m emergence.student``) runs without an error and fails each check."""
import nbformat
import pytest
from nbclient import NotebookClient

from emergence.execute import NOTEBOOKS
from emergence.grade import check_cells
from emergence.student import student_version

EXERCISES = sorted(NOTEBOOKS.glob("*_exercises.ipynb"))
MIN_CHECKS = 4  # the course's contract: at least four auto-checked exercises per chapter


def _text(cell):
    return "".join(o.get("data", {}).get("text/plain", "") for o in cell.get("outputs", []))


def test_every_chapter_has_exercises():
    labs = sorted(NOTEBOOKS.glob("*_lab.ipynb"))
    assert len(labs) == 8 and [p.name.split("_")[0] for p in EXERCISES] == \
        [p.name.split("_")[0] for p in labs], EXERCISES


@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.stem)
def test_instructor_notebook_stores_a_pass_for_every_check(path):
    cells = check_cells(nbformat.read(path, as_version=4))
    assert len(cells) >= MIN_CHECKS
    for cell in cells:
        assert _text(cell).startswith("✅ Correct"), (cell.source, _text(cell))


@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.stem)
def test_student_version_runs_and_fails_every_check(path):  # 3-10 s each
    instructor = nbformat.read(path, as_version=4)
    nb = student_version(instructor)
    assert not any("BEGIN SOLUTION" in c.source for c in nb.cells)
    NotebookClient(nb, timeout=180, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, errors
    checks = check_cells(nb)
    assert len(checks) == len(check_cells(instructor))
    for cell in checks:
        assert "Not yet" in _text(cell), (cell.source, _text(cell))
