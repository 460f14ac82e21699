"""The nbgrader and otter-grader exports: their format, and the real tools scoring them.

The two slow tests run nbgrader (generate_assignment -> autograde) and otter-grader
(assign -> run) from requirements.txt on Chapter 5, the quickest exercises notebook: the
instructor's version earns full marks, the untouched handout 0, and typical wrong answers 0
on their exercise.
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from emergence.autograders import (markers_inside, nbgrader_notebook, otter_notebook, write_nbgrader,
                                   write_otter)
from emergence.execute import NOTEBOOKS
from emergence.grade import check_cells
from emergence.student import student_version

SOURCE = NOTEBOOKS / "ch05_exercises.ipynb"
ENV = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
ENV.pop("EMERGENCE_GRADING", None)


def test_markers_move_inside_a_function_and_keep_its_signature_and_docstring():
    source = ('# BEGIN SOLUTION\ndef f(x,\n      y):\n    """Doc."""\n    z = x + y\n'
              '    return z\n# END SOLUTION\ncheck(f)')
    assert markers_inside(source) == ('def f(x,\n      y):\n    """Doc."""\n    # BEGIN SOLUTION\n'
                                      '    z = x + y\n    return z\n    # END SOLUTION\ncheck(f)')
    no_doc = "# BEGIN SOLUTION\ndef g(x):\n    return 2 * x\n# END SOLUTION"
    assert markers_inside(no_doc) == "def g(x):\n    # BEGIN SOLUTION\n    return 2 * x\n    # END SOLUTION"
    values = "# BEGIN SOLUTION\na = 1\nb = 2\n# END SOLUTION"
    assert markers_inside(values) == values
    with pytest.raises(ValueError, match="without"):
        markers_inside("# BEGIN SOLUTION\na = 1")


def _all_text(nb) -> str:
    return "\n".join(c.source for c in nb.cells)


def test_nbgrader_metadata_one_point_per_check_and_no_instructor_cells():
    instructor = nbformat.read(SOURCE, as_version=4)
    nb = nbgrader_notebook(instructor)
    meta = [c.metadata.get("nbgrader") for c in nb.cells]
    graded = [m for m in meta if m and m["grade"]]
    assert len(graded) == len(check_cells(instructor)) and all(m["points"] == 1 for m in graded)
    assert all(m["locked"] for m in graded)
    assert sum(bool(m and m["solution"]) for m in meta) == sum(
        "# BEGIN SOLUTION" in c.source for c in instructor.cells)
    assert len({m["grade_id"] for m in meta if m}) == sum(bool(m) for m in meta)
    assert "For teachers" not in _all_text(nb) and "For teachers" in _all_text(instructor)
    assert set(nb.metadata) <= {"kernelspec", "language_info"}
    assert not any("execution" in c.metadata or c.get("outputs") for c in nb.cells)
    # the check cells a student sees are exactly the handout's
    assert [c.source for c in check_cells(nb)] == [
        c.source for c in check_cells(student_version(instructor))]


def test_otter_notebook_has_one_question_per_check_and_tests_that_only_assert():
    instructor = nbformat.read(SOURCE, as_version=4)
    nb = otter_notebook(instructor, "ch05_exercises")
    raw = [c.source for c in nb.cells if c.cell_type == "raw"]
    assert raw[0].startswith("# ASSIGNMENT CONFIG")
    assert sum(s.startswith("# BEGIN QUESTION") for s in raw) == len(check_cells(instructor))
    tests = [nb.cells[i + 1].source for i, c in enumerate(nb.cells)
             if c.cell_type == "raw" and c.source == "# BEGIN TESTS"]
    assert tests and all(t.startswith("assert bool(check.") for t in tests)
    assert "For teachers" not in _all_text(nb)


def _run(*args, cwd):
    result = subprocess.run([sys.executable, "-m", *args], cwd=cwd, env=ENV, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result


def _solution_cells(nb):
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]


def _with_answer(release, source, name: str, body: str):
    """The release with the instructor's answers, except ``name``, whose body is ``body``."""
    nb = nbformat.from_dict(release)
    for cell, right in zip(_solution_cells(nb), _solution_cells(source)):
        cell.source = (cell.source.replace("    # YOUR CODE HERE\n    raise NotImplementedError()",
                                           body)
                       if cell.source.startswith(f"def {name}(") else right.source)
    return nb


@pytest.mark.slow
def test_nbgrader_generate_and_autograde(tmp_path):  # ~35 s
    from nbgrader import api as nbgrader  # pinned in requirements.txt
    name = SOURCE.stem
    write_nbgrader(SOURCE, tmp_path)
    _run("nbgrader", "generate_assignment", name, "--force", cwd=tmp_path)
    release = nbformat.read(tmp_path / "release" / name / f"{name}.ipynb", as_version=4)
    source = nbformat.read(tmp_path / "source" / name / f"{name}.ipynb", as_version=4)
    text = _all_text(release)
    assert "For teachers" not in text and "BEGIN SOLUTION" not in text
    assert "** np.asarray(k" not in text  # the 5.1 solution line
    assert "def chain_success(p, k):" in text  # the signature stays
    submissions = {
        "ada": source,
        "ben": release,
        "cy": _with_answer(release, source, "chain_success", "    return p * k"),
        "dee": _with_answer(release, source, "required_step_accuracy", "    return target / k"),
    }
    for student, nb in submissions.items():
        folder = tmp_path / "submitted" / student / name
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{name}.ipynb")
    _run("nbgrader", "autograde", name, cwd=tmp_path)
    with nbgrader.Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gb:
        scores = {s: {g.name: g.score for g in gb.find_submission_notebook(name, name, s).grades}
                  for s in submissions}
    total = len(check_cells(source))
    assert sum(scores["ada"].values()) == total
    assert sum(scores["ben"].values()) == 0
    assert scores["cy"]["check_chain_success"] == 0 and sum(scores["cy"].values()) == total - 1
    assert scores["dee"]["check_required_step_accuracy"] == 0
    assert sum(scores["dee"].values()) == total - 1


@pytest.mark.slow
def test_otter_assign_and_run(tmp_path):  # ~40 s
    name = SOURCE.stem
    master = write_otter(SOURCE, tmp_path / "src")
    _run("otter", "assign", str(master), "dist", cwd=tmp_path)
    student = nbformat.read(tmp_path / "dist" / "student" / f"{name}.ipynb", as_version=4)
    assert "For teachers" not in _all_text(student)
    assert "BEGIN SOLUTION" not in _all_text(student) and "** np.asarray(k" not in _all_text(student)
    (zipfile,) = (tmp_path / "dist" / "autograder").glob("*.zip")
    scores = {}
    for who, path in (("instructor", tmp_path / "dist" / "autograder" / f"{name}.ipynb"),
                      ("untouched", tmp_path / "dist" / "student" / f"{name}.ipynb")):
        out = tmp_path / who
        out.mkdir()
        _run("otter", "run", "-a", str(zipfile), str(path), "-o", str(out), cwd=tmp_path)
        tests = json.loads((out / "results.json").read_text())["tests"]
        scores[who] = {t["name"]: t.get("score") for t in tests if "score" in t}
    checks = len(check_cells(nbformat.read(SOURCE, as_version=4)))
    assert len(scores["instructor"]) == checks and sum(scores["instructor"].values()) == checks
    assert sum(scores["untouched"].values()) == 0


def test_command_line_writes_both(tmp_path, capsys):
    from emergence.autograders import main
    assert main(["nbgrader", str(SOURCE), "--out", str(tmp_path / "course")]) == 0
    assert (tmp_path / "course" / "nbgrader_config.py").read_text().count("EMERGENCE_GRADING") == 1
    assert main(["otter", str(SOURCE), "--out", str(tmp_path / "otter")]) == 0
    assert "wrote" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["otter", str(tmp_path / "missing.ipynb"), "--out", str(tmp_path)])
    shutil.rmtree(tmp_path / "course")
