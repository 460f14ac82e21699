"""Every checker of every chapter: garbage gets a verdict, and no message gives the answer away.

The chapter test files check each exercise's typical mistakes; this file holds the rules that
apply to all of them at once (issue 14: "a verdict and a hint, never a traceback"; "no message
contains the reference answer's source line or value").
"""
import ast
import importlib
import inspect
import os
import re

import nbformat
import numpy as np
import pytest

import emergence.checks as checks
from emergence import i18n
from emergence.execute import NOTEBOOKS, SOLUTION_BEGIN, SOLUTION_END
from garbage import GARBAGE, garbage_id

CHAPTERS = [f"ch0{n}" for n in range(1, 9)]
MODULES = {ch: importlib.import_module(f"emergence.checks.{ch}") for ch in CHAPTERS}
CHECKERS = [(ch, name, getattr(m, name)) for ch, m in MODULES.items() for name in m.__all__
            if hasattr(getattr(m, name), "exercise")]
IDS = [f"{checker.exercise}-{name}" for _, name, checker in CHECKERS]


def test_every_chapter_has_checkers_and_each_names_a_section_to_reread():
    assert {ch for ch, _, _ in CHECKERS} == set(CHAPTERS)
    assert len(CHECKERS) >= 40
    for ch, name, checker in CHECKERS:
        checks.FAILURES.pop(checker.exercise, None)
        verdict = checker(*[None] * _arity(checker))
        verdict = checker(*[None] * _arity(checker))
        assert checks.BOOK + "/book/" + ch in verdict.hint, (name, verdict.hint)


def _arity(checker) -> int:
    return len(inspect.signature(checker).parameters)


@pytest.mark.parametrize("answer", GARBAGE, ids=garbage_id)
@pytest.mark.parametrize("chapter, name, checker", CHECKERS, ids=IDS)
def test_garbage_gives_a_failing_verdict(chapter, name, checker, answer):
    verdict = checker(*[answer] * _arity(checker))
    assert isinstance(verdict, checks.Verdict) and not verdict.passed, (name, answer)
    assert "Traceback" not in str(verdict)


def test_second_failure_nudges_harder_and_grading_mode_raises(monkeypatch):
    check = MODULES["ch06"].half_life
    checks.FAILURES.pop("6.5", None)
    first, second = check(lambda lr, wd: 1.0), check(lambda lr, wd: 1.0)
    assert "Reread" not in first.hint and "Reread" in second.hint and "attempt 2" in second.hint
    monkeypatch.setenv(checks.GRADING, "1")
    with pytest.raises(AssertionError, match="6.5"):
        check(lambda lr, wd: 1.0)
    assert check.passes(lambda lr, wd: 1.0) is False  # quiet: no attempt counted, no raise
    assert check(MODULES["ch06"]._half_life) is None  # a right answer never raises


# ---------------------------------------------------------------- no message leaks the answer

def _solutions(chapter) -> list[str]:
    """The code inside the solution regions of a chapter's exercises notebook."""
    nb = nbformat.read(NOTEBOOKS / f"{chapter}_exercises.ipynb", as_version=4)
    code = []
    for cell in nb.cells:
        inside = False
        for line in cell.source.splitlines():
            if line.strip() == SOLUTION_BEGIN:
                inside, region = True, []
            elif line.strip() == SOLUTION_END:
                inside = False
                code.append("\n".join(region))
            elif inside:
                region.append(line)
    return code


def _expressions(code: str) -> set[str]:
    """Every computed sub-expression of the solution (calls, arithmetic, comparisons, indexing),
    whitespace removed: the pieces a hint must not hand over."""
    import textwrap
    tree = ast.parse(textwrap.dedent(code))
    kinds = (ast.BinOp, ast.Call, ast.Compare, ast.Subscript, ast.BoolOp, ast.UnaryOp)
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, kinds) and not _given(node):
            text = re.sub(r"\s+", "", ast.unparse(node))
            if len(text) >= 12 and not text.startswith(("print(", "f'", 'f"')):
                out.add(text)
    return out


def _given(node) -> bool:
    """A call with plain names (a function's signature) or a lookup by a string key (the
    exercise's own data): text the prompt shows anyway."""
    if isinstance(node, ast.Call):
        return all(isinstance(a, ast.Name | ast.Constant) for a in node.args)
    return isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant)


def _strings(module) -> list[str]:
    """Every string literal in a checker module (the text of its messages and hints)."""
    tree = ast.parse(inspect.getsource(module))
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_message_contains_a_line_of_the_reference_solution(chapter):
    solution = set().union(*map(_expressions, _solutions(chapter)))
    assert solution, chapter
    chinese = list(i18n.translations("zh_CN").messages.values())  # the same messages in Chinese
    texts = [re.sub(r"\s+", "", s) for s in _strings(MODULES[chapter]) + chinese]
    leaks = sorted({expr for expr in solution for text in texts if expr in text})
    assert not leaks, leaks


NEAR_MISSES = [0.37, -2.5, np.array([0.37, 0.2]), lambda *a: 0.37, lambda *a: (0.37, 0.2)]


def _perturbed(value):
    """A well-typed wrong answer next to ``value``: what a nearly right student returns."""
    if isinstance(value, tuple):
        return tuple(_perturbed(v) for v in value)
    if value is None or isinstance(value, str):
        raise TypeError("no numeric neighbour")
    return np.asarray(value, dtype=float) * 1.1 + 0.013


@pytest.mark.parametrize("language", i18n.LANGUAGES)
@pytest.mark.parametrize("chapter, name, checker", CHECKERS, ids=IDS)
def test_no_message_states_the_expected_value(chapter, name, checker, language, monkeypatch):
    """Every reference ``judge`` computes is recorded, the student's output is replaced by a
    near miss of it, and the verdict's text must not show the reference."""
    seen = []
    judge = checks.judge

    def near_miss(result, cases, reference, *args, **kwargs):
        def ref(*a):
            value = reference(*a)
            seen.append(value)
            return value

        def student(*a):
            try:
                return _perturbed(reference(*a))
            except TypeError:
                return result(*a)
        return judge(student, cases, ref, *args, **kwargs)

    monkeypatch.setattr(MODULES[chapter], "judge", near_miss, raising=False)
    monkeypatch.setattr(checks, "judge", near_miss)
    monkeypatch.delenv(checks.GRADING, raising=False)
    monkeypatch.setattr(i18n, "_chosen", language)
    reference_solution = getattr(importlib.import_module(f"test_checks_{chapter}"), name, None)
    answers = [[reference_solution] * _arity(checker)] if callable(reference_solution) else []
    answers += [list(values()) for key, values in RIGHT_VALUES.items() if key == checker.exercise]
    reached = False
    for answer in answers + NEAR_MISSES:
        seen.clear()
        checks.FAILURES.pop(checker.exercise, None)
        args = answer if isinstance(answer, list) else [answer] * _arity(checker)
        verdict = checker(*args)
        text = str(verdict)
        reached = reached or bool(seen)
        for value in seen:
            for shown in _shown(value):
                assert not _contains(text, shown), (name, shown, text)
    assert reached or checker.exercise in CHOICES, f"{name}: no answer reached the comparison"


CHOICES = {"3.5", "4.4", "4.5", "7.6", "8.2", "8.3"}  # choices and circuits: no judged value


def _sparse_parity_answers():
    sweep = importlib.import_module("emergence.sparse_parity").load_sweep()
    return importlib.import_module("test_checks_ch02").exponent_answers(sweep)


RIGHT_VALUES = {  # answers whose earlier parts must be right for the later ones to be judged
    "1.5": lambda: (*MODULES["ch01"].finite_size_reference(), 1.5),
    "2.6": _sparse_parity_answers,
    "5.2": lambda: [lambda t, k: np.asarray(t, float) ** (1 / np.asarray(k, float))],
    "8.4": lambda: MODULES["ch08"].rare_reference(),
}


def _shown(value) -> set[str]:
    """The ways a message could print a reference value (skipping short, common numbers)."""
    try:
        arr = np.asarray(value, dtype=float).ravel()
    except (TypeError, ValueError):
        return set()
    out = set()
    for x in arr[:12]:
        if not np.isfinite(x) or float(x).is_integer() and abs(x) < 1000:
            continue
        for digits in (3, 4, 5):
            text = checks.fmt(x, digits)
            if len(text.lstrip("-")) >= 4:
                out.add(text)
    return out


def _contains(text: str, number: str) -> bool:
    """``number`` appears in ``text`` as a whole number (not inside 1.1e+09 or 0.123)."""
    return re.search(rf"(?<![\d.]){re.escape(number)}(?![\d])", text) is not None


def test_grading_env_is_off_in_the_test_run():
    assert os.environ.get(checks.GRADING) != "1"
