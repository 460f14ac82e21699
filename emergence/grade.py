"""Grade submitted exercise notebooks: re-run each one and count its checks' verdicts.

    python -m emergence.grade student/ch06_exercises.ipynb student/ch07_exercises.ipynb \\
        --submissions submissions/ --csv grades.csv --answers answers.csv

The positional paths are the student versions that were handed out. ``--submissions`` takes
notebooks or folders (searched recursively); a submission belongs to the handout whose name
its file name contains. The student is the submission's folder (``submissions/ada/ch06_exercises
.ipynb`` is ``ada``), or the ``student`` group of ``--name``, a regular expression searched in
the file name, then in the path (``--name '(?P<student>[a-z]+)_ch'`` for
``ada_ch06_exercises.ipynb``). Two submissions of one handout by one student are refused.

Each submission is executed top to bottom in a fresh kernel (errors allowed), and only the
verdicts printed by the handed-out check cells count: a check cell that is missing or edited
is reported and earns nothing, so a ``print("✅ Correct ...")`` elsewhere is worthless. A file
that is not a readable notebook is reported for that student, and the others are graded.
``--csv`` writes one row per student, one column per exercise (1 passed, 0 not yet, empty if
not submitted) and totals; ``--answers`` writes the Think! answers for marking by hand. Neither
file is ever overwritten (pass ``--force`` to replace it). Grading is a convenience, not a
proctor: read the rows with notes by hand.
"""
from __future__ import annotations

import argparse
import csv
import importlib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from .execute import pin_threads

COMMAND = "python -m emergence.grade"
# The first line of a verdict in any language the checks speak: "✅ Correct (exercise 6.1): ..."
# or "❌ 还不对（练习 6.1）：...": the mark, then the exercise number in (full-width) brackets.
VERDICT = re.compile(r"^(✅|❌)[^\n(（]*[(（][^\d\n)）]*(\d[^)）\s]*)[)）]", re.M)
CHECKS_IMPORT = re.compile(r"from emergence\.checks import (ch\d\d) as check")
ANSWER_TAG = "answer"  # the Think! answer cells of a student version


def check_cells(nb) -> list:
    """Code cells whose last line calls a checker (``check.something(...)``)."""
    return [c for c in nb.cells
            if c.cell_type == "code" and c.source.strip()
            and c.source.strip().splitlines()[-1].startswith("check.")]


def exercises(handout) -> list[str]:
    """The exercise numbers of a handout's check cells, in order (``["6.1", "6.2", ...]``)."""
    text = "\n".join(c.source for c in handout.cells if c.cell_type == "code")
    found = CHECKS_IMPORT.search(text)
    if found is None:
        raise ValueError("the handout does not import its checks "
                         "(from emergence.checks import chNN as check)")
    module = importlib.import_module(f"emergence.checks.{found.group(1)}")
    names = [c.source.strip().splitlines()[-1].split("(")[0].removeprefix("check.")
             for c in check_cells(handout)]
    return [getattr(module, name).exercise for name in names]


@dataclass(frozen=True)
class Grade:
    """One submission's result: exercises passed and not yet passed, and what to look at."""

    student: str
    passed: tuple[str, ...]
    not_yet: tuple[str, ...]
    total: int
    altered: int = 0  # handed-out check cells missing or edited in the submission
    errors: int = 0  # cells that raised when re-run
    problem: str = ""  # why the submission could not be graded at all
    answers: tuple = field(default=(), compare=False)  # (question, text) of its Think! answers

    def __str__(self) -> str:
        if self.problem:
            return f"{self.student}: not graded ({self.problem})"
        return (f"{self.student}: {len(self.passed)}/{self.total} correct"
                f" | passed: {' '.join(self.passed) or '-'}"
                f" | not yet: {' '.join(self.not_yet) or '-'}"
                f" | altered check cells: {self.altered} | errors: {self.errors}")

    @property
    def notes(self) -> str:
        if self.problem:
            return self.problem
        return "; ".join(text for n, text in ((self.altered, f"{self.altered} altered check cells"),
                                              (self.errors, f"{self.errors} cells raised"))
                         if n)


def grade(handout, submission: Path, student: str | None = None, timeout: int = 180) -> Grade:
    """Re-run ``submission`` and count the verdicts of ``handout``'s check cells in it."""
    student = student or Path(submission).stem
    expected = {c.source for c in check_cells(handout)}
    try:
        nb = nbformat.read(submission, as_version=4)
    except Exception as err:  # noqa: BLE001 -- any unreadable file is reported, not fatal
        return Grade(student, (), (), len(expected),
                     problem=f"{Path(submission).name} is not a readable notebook "
                             f"({type(err).__name__})")
    altered = len(expected - {c.source for c in check_cells(nb)})
    answers = tuple((c.metadata.get("emergence", {}).get("question", ""), c.source)
                    for c in nb.cells if ANSWER_TAG in c.metadata.get("tags", []))
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(Path(submission).parent)}}).execute()
    except Exception as err:  # noqa: BLE001 -- a timeout or a dead kernel: report it
        return Grade(student, (), (), len(expected), altered,
                     problem=f"could not run ({type(err).__name__}: {str(err)[:80]})",
                     answers=answers)
    passed, not_yet, errors = [], [], 0
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            errors += out.output_type == "error"
            if cell.source in expected:
                text = out.get("data", {}).get("text/plain", "") + out.get("text", "")
                for head, exercise in VERDICT.findall(text):
                    (passed if head.startswith("✅") else not_yet).append(exercise)
    return Grade(student, tuple(passed), tuple(not_yet), len(expected), altered, errors,
                 answers=answers)


def student_of(path: Path, pattern: re.Pattern | None = None) -> str:
    """The student a submission belongs to: the ``student`` group of ``pattern`` searched in
    the file name (then in the whole path), else the name of the submission's folder."""
    if pattern is not None:
        found = pattern.search(path.name) or pattern.search(path.as_posix())
        if found is None or not found.groupdict().get("student"):
            raise ValueError(f"--name does not match {path} (it needs a (?P<student>...) group)")
        return found.group("student")
    return path.resolve().parent.name


def _submissions(paths) -> list[Path]:
    """Every file under the given paths (folders are searched recursively)."""
    out = []
    for path in paths:
        out += [p for p in sorted(path.rglob("*")) if p.is_file()
                and ".ipynb_checkpoints" not in p.parts] if path.is_dir() else [path]
    return out


def write_grades(path: Path, handouts: dict, table: dict) -> None:
    """One row per student: 1/0/empty per exercise, a total per handout, the total, notes."""
    columns = [(name, ex) for name, (_, exs) in handouts.items() for ex in exs]
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["student", *(ex for _, ex in columns), *(f"{n} total" for n in handouts),
                      "total", "of", "notes"])
        for student in sorted(table):
            grades = table[student]
            cells = ["" if name not in grades else int(ex in grades[name].passed)
                     for name, ex in columns]
            totals = [len(grades[n].passed) if n in grades else "" for n in handouts]
            notes = "; ".join(f"{n}: {grades[n].notes}" for n in handouts
                              if n in grades and grades[n].notes)
            out.writerow([student, *cells, *totals, sum(t for t in totals if t != ""),
                          len(columns), notes])


def write_answers(path: Path, table: dict) -> None:
    """The Think! answers, one row per student and question, for marking by hand."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["student", "handout", "question", "answer", "mark"])
        for student in sorted(table):
            for handout, g in table[student].items():
                out.writerows([student, handout, question, text.strip(), ""]
                              for question, text in g.answers)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.splitlines()[0])
    parser.add_argument("handouts", nargs="+", type=Path, help="the student versions handed out")
    parser.add_argument("--submissions", nargs="+", type=Path, required=True,
                        help="submitted notebooks, or folders holding them")
    parser.add_argument("--name", type=re.compile, help="regular expression with a "
                        "(?P<student>...) group, searched in each submission's file name")
    parser.add_argument("--csv", type=Path, help="write one row per student here")
    parser.add_argument("--answers", type=Path, help="write the Think! answers here")
    parser.add_argument("--force", action="store_true", help="replace existing output files")
    args = parser.parse_args(argv)
    for path in [*args.handouts, *args.submissions]:
        if not path.exists():
            parser.error(f"no such file or folder: {path}")
    for path in (args.csv, args.answers):
        if path is not None and path.exists() and not args.force:
            parser.error(f"{path} exists; choose another name or pass --force to replace it")
    handouts = {}
    for path in args.handouts:
        nb = nbformat.read(path, as_version=4)
        if not check_cells(nb):
            parser.error(f"{path} has no check cells (cells ending in check.…(...))")
        handouts[path.stem] = (nb, exercises(nb))
    pin_threads()
    table: dict[str, dict[str, Grade]] = {}
    jobs = {}
    for path in _submissions(args.submissions):
        matches = [n for n in handouts if n in path.name] or (
            list(handouts) if len(handouts) == 1 and path.suffix == ".ipynb" else [])
        if not matches:
            print(f"skipped {path}: matches no handout", flush=True)
            continue
        try:
            key = (student_of(path, args.name), matches[0])
        except ValueError as err:
            parser.error(str(err))
        if key in jobs:
            parser.error(f"{jobs[key]} and {path} are both {key[0]}'s {key[1]}: put each student's "
                         "work in a folder of their own, or give --name a pattern")
        jobs[key] = path
    for (student, handout), path in jobs.items():
        g = grade(handouts[handout][0], path, student)
        table.setdefault(student, {})[handout] = g
        print(f"{handout}: {g}", flush=True)
    if args.csv:
        write_grades(args.csv, handouts, table)
    if args.answers:
        write_answers(args.answers, table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
