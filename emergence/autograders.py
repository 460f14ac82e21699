"""Write an exercises notebook in the source formats of nbgrader and otter-grader.

    python -m emergence.autograders nbgrader notebooks/ch05_exercises.ipynb --out course/
    python -m emergence.autograders otter notebooks/ch05_exercises.ipynb --out otter/

``nbgrader`` writes a course directory: ``source/<chNN_exercises>/<chNN_exercises>.ipynb`` with
nbgrader's cell metadata (solution cells, one point per check cell, read-only check cells) and
an ``nbgrader_config.py`` that turns on the checks' grading mode, so that a check cell shows its
verdict and then raises, and ``nbgrader autograde`` scores a wrong answer 0. ``otter`` writes a
notebook in Otter Assign's format: one question per check, whose test asserts that the check
passed (so it never depends on the wording of a verdict).

In both, instructor cells are dropped, outputs and run metadata are cleared, and a solution
that defines a function keeps its ``def`` line and docstring outside the solution region, so
the stub a student sees still says what to write. The cells a student sees are unchanged.
"""
from __future__ import annotations

import argparse
import ast
import re
import sys
import textwrap
from pathlib import Path

import nbformat

from .checks import GRADING
from .execute import SOLUTION_BEGIN, SOLUTION_END
from .grade import check_cells

COMMAND = "python -m emergence.autograders"
KEEP_METADATA = ("kernelspec", "language_info")


def markers_inside(source: str) -> str:
    """``source`` with each solution region that is one function moved inside its body.

    The region ``# BEGIN SOLUTION / def f(x): \"\"\"doc\"\"\" / body / # END SOLUTION`` becomes
    ``def f(x): \"\"\"doc\"\"\" / # BEGIN SOLUTION / body / # END SOLUTION``.
    """
    lines, out, i = source.splitlines(), [], 0
    while i < len(lines):
        if lines[i].strip() != SOLUTION_BEGIN:
            out.append(lines[i])
            i += 1
            continue
        end = next((j for j in range(i + 1, len(lines)) if lines[j].strip() == SOLUTION_END), None)
        if end is None:
            raise ValueError(f"{SOLUTION_BEGIN!r} without {SOLUTION_END!r} in:\n{source}")
        out.extend(_function_region(lines[i], lines[i + 1:end], lines[end]))
        i = end + 1
    return "\n".join(out)


def _function_region(begin: str, region: list[str], end: str) -> list[str]:
    """The region's lines with its markers inside the function body, if it is one function."""
    try:
        tree = ast.parse(textwrap.dedent("\n".join(region)))
    except SyntaxError:
        tree = None
    if tree is None or len(tree.body) != 1 or not isinstance(tree.body[0], ast.FunctionDef):
        return [begin, *region, end]
    body = tree.body[0].body
    has_doc = isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and \
        isinstance(body[0].value.value, str)
    split = body[0].end_lineno if has_doc and len(body) > 1 else body[0].lineno - 1
    if has_doc and len(body) == 1:
        return [begin, *region, end]
    indent = re.match(r"\s*", region[body[-1].lineno - 1]).group(0)
    return [*region[:split], indent + SOLUTION_BEGIN, *region[split:], indent + SOLUTION_END]


def _clean(nb):
    """A copy of ``nb`` without instructor cells, outputs or run metadata."""
    nb = nbformat.from_dict(nb)
    nb.cells = [c for c in nb.cells if "instructor" not in c.metadata.get("tags", [])]
    nb.metadata = nbformat.from_dict({k: v for k, v in nb.metadata.items() if k in KEEP_METADATA})
    for cell in nb.cells:
        cell.metadata = nbformat.from_dict(
            {"tags": [t for t in cell.metadata.get("tags", []) if t != "hide-input"]}
            if cell.metadata.get("tags") else {})
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.source = markers_inside(cell.source)
    return nb


def _check_name(cell) -> str:
    """``fourier_power`` for a check cell ``check.fourier_power(...)``."""
    return cell.source.strip().splitlines()[-1].split("(")[0].removeprefix("check.")


def nbgrader_notebook(nb):
    """``nb`` (the instructor's version) with nbgrader's metadata: one point per check."""
    nb = _clean(nb)
    checks = {id(c) for c in check_cells(nb)}
    for n, cell in enumerate(nb.cells):
        meta = {"schema_version": 3, "task": False, "locked": False, "grade": False,
                "solution": False, "grade_id": f"cell_{n}"}
        if cell.cell_type == "code" and SOLUTION_BEGIN in cell.source:
            meta.update(solution=True, grade_id=f"solution_{n}")
        elif id(cell) in checks:
            meta.update(grade=True, locked=True, points=1, grade_id=f"check_{_check_name(cell)}")
        else:
            continue
        cell.metadata["nbgrader"] = meta
    return nb


NBGRADER_CONFIG = '''"""nbgrader settings for the Emergence exercises, written by {command}."""
import os

os.environ["{grading}"] = "1"  # a check cell shows its verdict, then raises if it is not right

c = get_config()  # noqa: F821 -- provided by nbgrader
c.CourseDirectory.course_id = "emergence"
c.ClearSolutions.begin_solution_delimeter = "BEGIN SOLUTION"
c.ClearSolutions.end_solution_delimeter = "END SOLUTION"
'''


def write_nbgrader(path: Path, out: Path) -> Path:
    """Write the nbgrader source tree for one exercises notebook under the course folder ``out``."""
    name = Path(path).stem
    target = Path(out) / "source" / name / f"{name}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbgrader_notebook(nbformat.read(path, as_version=4)), target)
    config = Path(out) / "nbgrader_config.py"
    config.write_text(NBGRADER_CONFIG.format(command=COMMAND, grading=GRADING), encoding="utf-8")
    return target


def otter_notebook(nb, name: str):
    """``nb`` in Otter Assign's format: each check cell becomes a question with one test."""
    nb = _clean(nb)
    raw = nbformat.v4.new_raw_cell
    cells = [raw(f"# ASSIGNMENT CONFIG\nname: {name}\ninit_cell: false\ncheck_all_cell: false\n"
                 "export_cell: false\nrun_tests: false\n")]
    pending = []  # solution cells waiting for their check
    for cell in nb.cells:
        if cell.cell_type == "code" and SOLUTION_BEGIN in cell.source:
            pending.append(cell)
            continue
        if cell in check_cells(nb) and pending:
            call = cell.source.strip().splitlines()[-1]
            cells += [raw(f"# BEGIN QUESTION\nname: {_check_name(cell)}\npoints: 1"),
                      raw("# BEGIN SOLUTION"), *pending, raw("# END SOLUTION"),
                      raw("# BEGIN TESTS"),
                      nbformat.v4.new_code_cell(f"assert bool({call})"),
                      raw("# END TESTS"), raw("# END QUESTION")]
            pending = []
        cells.append(cell)
    if pending:
        raise ValueError("a solution cell is not followed by a check cell")
    nb.cells = cells
    return nb


def write_otter(path: Path, out: Path) -> Path:
    """Write the Otter Assign source notebook for one exercises notebook into ``out``."""
    name = Path(path).stem
    target = Path(out) / f"{name}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(otter_notebook(nbformat.read(path, as_version=4), name), target)
    return target


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.splitlines()[0])
    parser.add_argument("tool", choices=("nbgrader", "otter"))
    parser.add_argument("notebooks", nargs="+", type=Path, help="instructor exercises notebooks")
    parser.add_argument("--out", type=Path, required=True,
                        help="the nbgrader course folder, or the folder for otter's notebooks")
    args = parser.parse_args(argv)
    for path in args.notebooks:
        if path.suffix != ".ipynb" or not path.is_file():
            parser.error(f"not a notebook: {path}")
    write = write_nbgrader if args.tool == "nbgrader" else write_otter
    for path in args.notebooks:
        print(f"wrote {write(path, args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
