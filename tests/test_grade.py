"""The grading command counts only honest verdicts of the handed-out check cells."""
import csv

import nbformat
import pytest

from emergence.execute import NOTEBOOKS
from emergence.grade import check_cells, grade, main
from emergence.student import student_version

SOURCE = NOTEBOOKS / "ch05_exercises.ipynb"  # the quickest exercises notebook (~2 s)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A handout and four submissions: full marks, untouched, a forged verdict, a crash."""
    root = tmp_path_factory.mktemp("grading")
    instructor = nbformat.read(SOURCE, as_version=4)
    handout = student_version(instructor)
    nbformat.write(handout, root / "handout.ipynb")
    nbformat.write(instructor, root / "ada.ipynb")
    nbformat.write(handout, root / "ben.ipynb")
    forged = student_version(instructor)
    first = check_cells(forged)[0]
    first.source = 'print("✅ Correct (exercise 5.1): forged")'
    nbformat.write(forged, root / "dan.ipynb")
    broken = student_version(instructor)
    broken.cells.insert(2, nbformat.v4.new_code_cell("def oops(:"))
    nbformat.write(broken, root / "eve.ipynb")
    return root


def test_full_marks_untouched_forged_and_broken(folder, capsys):
    assert main([str(folder / "handout.ipynb"), *(str(folder / f"{n}.ipynb")
                 for n in ("ada", "ben", "dan", "eve")), "--csv", str(folder / "g.csv")]) == 0
    rows = {r["student"]: r for r in csv.DictReader(open(folder / "g.csv", encoding="utf-8"))}
    total = len(check_cells(nbformat.read(SOURCE, as_version=4)))
    assert total >= 4
    assert rows["ada"]["correct"] == str(total) and rows["ada"]["errors"] == "0"
    assert rows["ben"]["correct"] == "0" and len(rows["ben"]["not_yet"].split()) == total
    assert rows["dan"]["correct"] == "0" and rows["dan"]["altered_check_cells"] == "1"
    assert rows["eve"]["errors"] == "1" and rows["eve"]["correct"] == "0"
    assert "ada: " in capsys.readouterr().out


def test_grade_object_reads_well(folder):
    g = grade(nbformat.read(folder / "handout.ipynb", as_version=4), folder / "ben.ipynb")
    assert str(g).startswith("ben: 0/") and "altered check cells: 0" in str(g)


def test_bad_paths_are_named(folder, capsys):
    with pytest.raises(SystemExit):
        main([str(folder / "missing.ipynb"), str(folder / "ada.ipynb")])
    assert "missing.ipynb" in capsys.readouterr().err
