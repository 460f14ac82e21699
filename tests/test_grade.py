"""The grading command: student ids from folders or a pattern, several handouts and students
in one CSV, no silent overwrite, broken submissions reported per student, Think! answers out."""
import csv
import re

import nbformat
import pytest

from emergence.execute import NOTEBOOKS
from emergence.grade import check_cells, exercises, grade, main, student_of
from emergence.student import student_version

SOURCE = NOTEBOOKS / "ch05_exercises.ipynb"  # the quickest exercises notebook (~2 s)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A handout and five students: full marks, untouched, a forged verdict, a crash, and one
    who handed in a file that is not a notebook."""
    root = tmp_path_factory.mktemp("grading")
    instructor = nbformat.read(SOURCE, as_version=4)
    handout = student_version(instructor)
    nbformat.write(handout, root / "ch05_exercises.ipynb")
    subs = root / "submissions"
    full = student_version(instructor)
    for cell, right in zip(full.cells, instructor.cells):
        if "# BEGIN SOLUTION" in right.source:
            cell.source = right.source
    answer = next(c for c in full.cells if "answer" in c.metadata.get("tags", []))
    answer.source = "Because the steps compound."
    forged = student_version(instructor)
    check_cells(forged)[0].source = 'print("✅ Correct (exercise 5.1): forged")'
    broken = student_version(instructor)
    broken.cells.insert(2, nbformat.v4.new_code_cell("def oops(:"))
    for name, nb in {"ada": full, "ben": handout, "dan": forged, "eve": broken}.items():
        (subs / name).mkdir(parents=True)
        nbformat.write(nb, subs / name / "ch05_exercises.ipynb")
    (subs / "fay").mkdir()
    (subs / "fay" / "ch05_exercises.ipynb").write_text("not a notebook {")
    return root


def _rows(path):
    return {r["student"]: r for r in csv.DictReader(open(path, encoding="utf-8"))}


def test_students_from_folders_one_row_each_with_totals_and_notes(folder, capsys):
    out = folder / "grades.csv"
    assert main([str(folder / "ch05_exercises.ipynb"), "--submissions", str(folder / "submissions"),
                 "--csv", str(out), "--answers", str(folder / "answers.csv")]) == 0
    rows = _rows(out)
    ids = exercises(nbformat.read(SOURCE, as_version=4))
    assert ids == ["5.1", "5.2", "5.3", "5.4", "5.5", "5.6"]
    assert sorted(rows) == ["ada", "ben", "dan", "eve", "fay"]
    assert [rows["ada"][i] for i in ids] == ["1"] * 6 and rows["ada"]["total"] == "6"
    assert rows["ada"]["of"] == "6" and rows["ada"]["notes"] == ""
    assert rows["ben"]["total"] == "0" and [rows["ben"][i] for i in ids] == ["0"] * 6
    assert rows["dan"]["total"] == "0" and "1 altered check cells" in rows["dan"]["notes"]
    assert rows["eve"]["total"] == "0" and "1 cells raised" in rows["eve"]["notes"]
    assert rows["fay"]["total"] == "0" and "not a readable notebook" in rows["fay"]["notes"]
    answers = list(csv.DictReader(open(folder / "answers.csv", encoding="utf-8")))
    ada = [a for a in answers if a["student"] == "ada"]
    assert len(ada) == 4 and ada[0]["answer"] == "Because the steps compound."
    assert ada[0]["question"] == "Think! 1"
    assert "ada: 6/6 correct" in capsys.readouterr().out


def test_never_overwrites_without_force(folder, capsys):
    out = folder / "existing.csv"
    out.write_text("keep me")
    with pytest.raises(SystemExit):
        main([str(folder / "ch05_exercises.ipynb"), "--submissions",
              str(folder / "submissions" / "ben"), "--csv", str(out)])
    assert out.read_text() == "keep me" and "--force" in capsys.readouterr().err
    assert main([str(folder / "ch05_exercises.ipynb"), "--submissions",
                 str(folder / "submissions" / "ben"), "--csv", str(out), "--force"]) == 0
    assert list(_rows(out)) == ["ben"]


def test_several_handouts_into_one_table_and_a_name_pattern(folder, tmp_path):
    ch03 = student_version(nbformat.read(NOTEBOOKS / "ch03_exercises.ipynb", as_version=4))
    nbformat.write(ch03, tmp_path / "ch03_exercises.ipynb")
    flat = tmp_path / "inbox"
    flat.mkdir()
    nbformat.write(ch03, flat / "ada_ch03_exercises.ipynb")
    (flat / "ada_ch05_exercises.ipynb").write_bytes(
        (folder / "submissions" / "ada" / "ch05_exercises.ipynb").read_bytes())
    out = tmp_path / "both.csv"
    assert main([str(tmp_path / "ch03_exercises.ipynb"), str(folder / "ch05_exercises.ipynb"),
                 "--submissions", str(flat), "--name", r"(?P<student>[a-z]+)_ch",
                 "--csv", str(out)]) == 0
    (row,) = _rows(out).values()
    assert row["student"] == "ada" and row["ch05_exercises total"] == "6"
    assert row["ch03_exercises total"] == "0" and row["total"] == "6"
    assert row["of"] == str(6 + len(check_cells(ch03))) and row["3.1"] == "0"


def test_student_ids_and_two_submissions_for_one_student(folder, tmp_path, capsys):
    assert student_of(tmp_path / "ada" / "ch05_exercises.ipynb") == "ada"
    assert student_of(tmp_path / "ada_ch05.ipynb", re.compile(r"(?P<student>[a-z]+)_")) == "ada"
    with pytest.raises(ValueError, match="student"):
        student_of(tmp_path / "x.ipynb", re.compile(r"nothing"))
    flat = tmp_path / "flat"
    flat.mkdir()
    for name in ("ada_ch05_exercises.ipynb", "ben_ch05_exercises.ipynb"):
        (flat / name).write_text("{}")
    with pytest.raises(SystemExit):  # both would be student "flat": refuse, do not overwrite
        main([str(folder / "ch05_exercises.ipynb"), "--submissions", str(flat)])
    assert "--name" in capsys.readouterr().err


def test_grade_object_reads_well(folder):
    handout = nbformat.read(folder / "ch05_exercises.ipynb", as_version=4)
    g = grade(handout, folder / "submissions" / "ben" / "ch05_exercises.ipynb", "ben")
    assert str(g).startswith("ben: 0/") and "altered check cells: 0" in str(g)


def test_bad_paths_are_named(folder, capsys):
    with pytest.raises(SystemExit):
        main([str(folder / "missing.ipynb"), "--submissions", str(folder)])
    assert "missing.ipynb" in capsys.readouterr().err
