"""Grade submitted exercise notebooks: re-run each one and count its checks' verdicts.

    python -m emergence.grade student/ch03_exercises.ipynb submissions/*.ipynb --csv grades.csv

The first path is the student version that was handed out. Each submission is executed top
to bottom in a fresh kernel (errors allowed), and only the verdicts printed by the handed-out
check cells count: a check cell that is missing or edited is reported and earns nothing, so a
``print("✅ Correct ...")`` elsewhere is worthless. Grading is a convenience, not a proctor:
read the rows with errors or altered check cells by hand.
"""
from __future__ import annotations

import argparse
import csv
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from .execute import pin_threads

COMMAND = "python -m emergence.grade"
VERDICT = re.compile(r"^(✅ Correct|❌ Not yet) \(exercise ([^)]+)\)", re.M)


def check_cells(nb) -> list:
    """Code cells whose last line calls a checker (``check.something(...)``)."""
    return [c for c in nb.cells
            if c.cell_type == "code" and c.source.strip()
            and c.source.strip().splitlines()[-1].startswith("check.")]


@dataclass(frozen=True)
class Grade:
    """One submission's result: exercises passed and not yet passed, and what to look at."""

    student: str
    passed: tuple[str, ...]
    not_yet: tuple[str, ...]
    total: int
    altered: int  # handed-out check cells missing or edited in the submission
    errors: int  # cells that raised when re-run

    def __str__(self) -> str:
        return (f"{self.student}: {len(self.passed)}/{self.total} correct"
                f" | passed: {' '.join(self.passed) or '-'}"
                f" | not yet: {' '.join(self.not_yet) or '-'}"
                f" | altered check cells: {self.altered} | errors: {self.errors}")


def grade(handout, submission: Path, timeout: int = 180) -> Grade:
    """Re-run ``submission`` and count the verdicts of ``handout``'s check cells in it."""
    expected = {c.source for c in check_cells(handout)}
    nb = nbformat.read(submission, as_version=4)
    altered = len(expected - {c.source for c in check_cells(nb)})
    NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(Path(submission).parent)}}).execute()
    passed, not_yet, errors = [], [], 0
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            errors += out.output_type == "error"
            if cell.source in expected:
                for head, exercise in VERDICT.findall(out.get("data", {}).get("text/plain", "")):
                    (passed if head.startswith("✅") else not_yet).append(exercise)
    return Grade(Path(submission).stem, tuple(passed), tuple(not_yet), len(expected), altered,
                 errors)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.splitlines()[0])
    parser.add_argument("handout", type=Path, help="the student version that was handed out")
    parser.add_argument("submissions", nargs="+", type=Path, help="submitted notebooks")
    parser.add_argument("--csv", type=Path, help="also write one row per submission here")
    args = parser.parse_args(argv)
    for path in [args.handout, *args.submissions]:
        if not path.is_file():
            parser.error(f"no such notebook: {path}")
    pin_threads()
    handout = nbformat.read(args.handout, as_version=4)
    if not check_cells(handout):
        parser.error(f"{args.handout} has no check cells (cells ending in check.…(...))")
    grades = []
    for path in args.submissions:
        grades.append(grade(handout, path))
        print(grades[-1], flush=True)
    if args.csv:
        with open(args.csv, "w", newline="", encoding="utf-8") as f:
            out = csv.writer(f)
            out.writerow(["student", "correct", "of", "passed", "not_yet", "altered_check_cells",
                          "errors"])
            out.writerows([g.student, len(g.passed), g.total, " ".join(g.passed),
                           " ".join(g.not_yet), g.altered, g.errors] for g in grades)
    return 0


if __name__ == "__main__":
    sys.exit(main())
