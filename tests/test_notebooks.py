"""The notebook contract (CONTRIBUTING.md, "The notebook contract"): current, fully run, in
the book, within budget.

nbval (run over notebooks/ by the README's test command) re-executes each notebook and
compares its text outputs; these tests check what nbval does not.
"""
import json

import nbformat
import pytest
import yaml

from emergence.execute import ROOT, stale
from emergence.explore import MAX_BYTES

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
BUDGET_S = 30
CONTROLS_MB = 0.1
"""Widget state a demo stores besides its frames: sliders, buttons, layout."""
DEMO_MB = MAX_BYTES / 1e6 + CONTROLS_MB  # per demo: explore() caps the frames (base64) at MAX_BYTES


def _toc_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    found = [toc["root"]]

    def walk(entries):
        for entry in entries:
            if "file" in entry:
                found.append(entry["file"])
            walk(entry.get("sections", []) + entry.get("chapters", []))

    walk(toc.get("parts", []))
    return set(found)


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ is empty"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_current(path):
    reason = stale(path)
    assert reason is None, reason


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_fully_run_in_book_and_within_budget(path):
    nb = nbformat.read(path, as_version=4)
    unrun = [i for i, c in enumerate(nb.cells)
             if c.cell_type == "code" and c.source.strip() and c.execution_count is None]
    assert not unrun, f"cells {unrun} have no stored execution"
    assert path.relative_to(ROOT).with_suffix("").as_posix() in _toc_files()
    seconds = nb.metadata["emergence"]["seconds"]
    assert seconds <= BUDGET_S, f"{path.name} took {seconds} s (budget {BUDGET_S} s)"
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_demos_are_small_and_stored(path):
    nb = nbformat.read(path, as_version=4)
    demos = [c for c in nb.cells for o in c.get("outputs", [])
             if o.get("data", {}).get("text/plain", "").startswith("Interactive demo:")]
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    if demos:
        assert state.get("state"), "demos need stored widget state to work in the static book"
    megabytes = len(json.dumps(state)) / 1e6
    assert megabytes <= DEMO_MB * max(1, len(demos)), f"{megabytes:.2f} MB of widget state"


def test_every_exercise_notebook_hides_its_solutions():
    for path in ROOT.glob("notebooks/*_exercises.ipynb"):
        nb = nbformat.read(path, as_version=4)
        solutions = [c for c in nb.cells if "# BEGIN SOLUTION" in c.source]
        assert solutions, f"{path.name} has no solution regions"
        assert all("hide-input" in c.metadata.get("tags", []) for c in solutions)
