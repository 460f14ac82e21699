"""Exercise checkers: a verdict and a hint for any answer, never a traceback.

A chapter's checker is a function decorated with ``@checker("1.2", reread="...")``. Inside,
it raises ``Wrong(message, hint)`` as soon as the answer fails a test; the decorator turns that
(and anything unexpected, such as a student's function crashing) into a failing ``Verdict``.
The ``expect_*`` helpers turn missing, mistyped, mis-shaped or NaN answers into ``Wrong``, and
``judge`` is the one loop every checker uses: run the cases, compare with the reference, and
diagnose the failures with the chapter's list of typical mistakes.

Hints come in tiers: the first failure of a check gets the diagnosis; from the second failure
in the same kernel on, the verdict adds a stronger nudge and the section of the text to reread.
No message names the expected value. With ``EMERGENCE_GRADING=1`` in the environment (the
nbgrader and otter trees set it, see ``emergence.handout``) a failing check shows its verdict
and then raises ``AssertionError``, so an autograder scores it 0.

Every message is written ``_("... {name} ...").format(name=...)`` (never an f-string inside
``_``), so that a check speaks the notebook's language: ``emergence.i18n`` looks it up in the
catalogue ``emergence/locale/<language>/LC_MESSAGES/emergence.po``. After editing a message,
run ``python -m emergence.translations update`` and translate what it marks.
"""
from __future__ import annotations

import collections
import functools
import html
import inspect
import numbers
import os
import re
import types
import warnings
from dataclasses import dataclass

import numpy as np

from emergence.i18n import N_, _


class Wrong(Exception):
    """Raised inside a checker: the answer is not right; ``hint`` says what to look at."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.message, self.hint = message, hint


@dataclass(frozen=True)
class Verdict:
    """The outcome of one check. Truthy when passed; displays as one clear line."""

    exercise: str
    passed: bool
    message: str
    hint: str = ""

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        head = _("✅ Correct") if self.passed else _("❌ Not yet")
        text = _("{head} (exercise {exercise}): {message}").format(
            head=head, exercise=self.exercise, message=self.message)
        return text + ("\n   " + _("Hint: {hint}").format(hint=self.hint)
                       if self.hint and not self.passed else "")

    __repr__ = __str__

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.passed else "#b3261e"
        body = html.escape(str(self)).replace("\n", "<br>")
        return (f'<div role="status" style="border-left:4px solid {colour};padding:0.3em 0.8em;'
                f'font-family:sans-serif">{body}</div>')


BOOK = "https://emergence-course.github.io/emergence"  # the published book (see _config.yml)
GRADING = "EMERGENCE_GRADING"  # environment variable: "1" makes a failing check raise
FAILURES: collections.Counter = collections.Counter()  # failed attempts per exercise, this kernel


def page(chapter_page: str, section: str = "") -> str:
    """The published address of a book page (``"ch06_grokking"``) and an optional section."""
    anchor = "#" + re.sub(r"[^a-z0-9]+", "-", section.lower()).strip("-") if section else ""
    return f"{BOOK}/book/{chapter_page}.html{anchor}"


def in_edition(url: str, language: str | None = None) -> str:
    """The address of a published page in the edition of ``language`` (default: the language
    the checks speak now): the Chinese book lives under ``zh/`` (``emergence.editions``)."""
    from emergence.editions import folder
    from emergence.i18n import language as current

    edition = folder(language or current())
    return url.replace(f"{BOOK}/", f"{BOOK}/{edition}/", 1) if edition else url


def nudge(exercise: str, reread: str) -> str:
    """The second-tier hint: a stronger push and the section of the text to reread."""
    where = _(" Reread {reread}.").format(reread=in_edition(reread)) if reread else ""
    return _("(attempt {attempt}) Work one small case by hand, where you know the answer, and "
             "compare it with what your code returns, line by line.{where}").format(
        attempt=FAILURES[exercise], where=where)


def checker(exercise: str, reread: str = ""):
    """Decorate a checker so that it always returns a ``Verdict``.

    ``reread`` names the section of the text (with its address) that a student who failed
    twice should go back to.
    """

    def wrap(check):
        @functools.wraps(check)
        def run(*args, **kwargs) -> Verdict | None:
            try:
                message = check(*args, **kwargs)
            except Wrong as wrong:
                verdict = Verdict(exercise, False, wrong.message, wrong.hint)
            except Exception as err:  # noqa: BLE001 -- a student must never see a traceback
                verdict = Verdict(exercise, False, _("the answer could not be checked "
                                    "({type}: {err})").format(type=type(err).__name__, err=err),
                                  _("check that your answer has the type the exercise asks for"))
            else:
                verdict = Verdict(exercise, True, message or _("well done."))
                if os.environ.get(GRADING) == "1":  # shown as text, so that an autograder
                    _show(str(verdict))             # does not read it as a partial score
                    return None
                return verdict
            FAILURES[exercise] += 1
            if FAILURES[exercise] > 1:
                more = nudge(exercise, reread)
                verdict = Verdict(exercise, False, verdict.message,
                                  _("{hint} {nudge}").format(hint=verdict.hint, nudge=more)
                                  if verdict.hint else more)
            if os.environ.get(GRADING) == "1":
                _show(verdict)
                raise AssertionError(_("exercise {exercise} is not correct yet").format(exercise=exercise))
            return verdict

        def passes(*args, **kwargs) -> bool:
            """Whether the answer passes, without counting an attempt or raising."""
            try:
                check(*args, **kwargs)
            except Exception:  # noqa: BLE001 -- Wrong or a crash: not passing
                return False
            return True

        run.exercise, run.passes = exercise, passes
        return run

    return wrap


def _show(verdict) -> None:
    """Show a verdict in grading mode, where the check cell itself returns nothing."""
    print(verdict, flush=True)


def _missing(answer) -> bool:
    return answer is None or answer is Ellipsis


def expect_number(answer, what: str = N_("your answer")) -> float:
    """``answer`` as a float, or ``Wrong`` saying why it isn't one."""
    what = _(what)  # the default is marked N_
    if _missing(answer):
        raise Wrong(_("{what} is still empty.").format(what=what), _("replace the `...` with your answer and re-run the cell"))
    if isinstance(answer, np.ndarray) and answer.size == 1:
        answer = answer.item()
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
        raise Wrong(_("{what} should be a single number, not a {type}.").format(what=what, type=type(answer).__name__),
                    _("if you computed an array, pick out the one value the question asks for"))
    value = float(answer)
    if not np.isfinite(value):
        raise Wrong(_("{what} is {value}.").format(what=what, value=value), _("look for a division by zero or a log of zero"))
    return value


def expect_array(answer, shape: tuple | None = None, what: str = N_("your answer"), *,
                 ndarray: bool = False) -> np.ndarray:
    """``answer`` as a finite float array (of ``shape``, where ``None`` is any size).

    ``ndarray=True`` is for prompts that ask for a numpy array: a list or tuple is diagnosed.
    """
    what = _(what)  # the default is marked N_
    if _missing(answer):
        raise Wrong(_("{what} is still empty.").format(what=what), _("replace the `...` with your answer and re-run the cell"))
    if ndarray and isinstance(answer, list | tuple):
        raise Wrong(_("{what} is a Python {type}; the exercise asks for a numpy "
                      "array.").format(what=what, type=type(answer).__name__), _("numpy arrays support the arithmetic and indexing the analysis "
                      "needs; build the result with numpy operations rather than a list"))
    try:
        arr = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        raise Wrong(_("{what} should be an array of numbers, not a {type}.").format(what=what, type=type(answer).__name__),
                    _("build it with numpy, e.g. np.array([...])")) from None
    if shape is not None and (arr.ndim != len(shape) or any(
            s is not None and s != a for s, a in zip(shape, arr.shape))):
        want = "×".join("n" if s is None else str(s) for s in shape) or _("scalar")
        raise Wrong(_("{what} has shape {shape}; expected {want}.").format(what=what, shape=arr.shape, want=want),
                    _("check which axis you reduced over, and that you kept every entry"))
    if not np.all(np.isfinite(arr)):
        raise Wrong(_("{what} contains NaN or inf.").format(what=what), _("look for a division by zero or a log of zero"))
    return arr


def expect_function(answer, what: str = N_("your function"), own=()):
    """``answer`` if it is callable, else ``Wrong``.

    ``own`` lists the library functions the exercise asks the student to re-implement: an
    answer that is one of them, or calls one, gets a friendly "write it yourself".
    """
    what = _(what)  # the default is marked N_
    if _missing(answer):
        raise Wrong(_("{what} is not written yet.").format(what=what), _("complete the function body and re-run its cell"))
    if not callable(answer):
        raise Wrong(_("{what} should be a function, not a {type}.").format(what=what, type=type(answer).__name__),
                    _("pass the function itself (its name, no parentheses)"))
    if own and uses_library(answer, own):
        raise Wrong(_("{what} uses the course library's own version of this exercise.").format(what=what),
                    _("the point is to write it yourself: use numpy and the ideas of the chapter, "
                      "not the emergence function that does the same job"))
    return answer


def uses_library(function, targets) -> bool:
    """True when ``function`` is one of ``targets`` or its code refers to one of them."""
    targets = tuple(targets)
    seen = set()

    def refers(f) -> bool:
        if any(f is t for t in targets):
            return True
        f = getattr(f, "__wrapped__", f)
        if isinstance(f, functools.partial):
            return refers(f.func)
        code = getattr(f, "__code__", None)
        if code is None or id(f) in seen:
            return False
        seen.add(id(f))
        names, stack = set(), [code]
        while stack:
            c = stack.pop()
            names.update(c.co_names)
            stack.extend(k for k in c.co_consts if isinstance(k, types.CodeType))
        cells = [cell.cell_contents for cell in (f.__closure__ or ())
                 if _has_contents(cell)]
        glb = getattr(f, "__globals__", {})
        objects = [glb[n] for n in names if n in glb] + cells
        for obj in objects:
            if any(obj is t for t in targets):
                return True
            if inspect.ismodule(obj) and any(any(_attribute(obj, n) is t for t in targets)
                                             for n in names):
                return True
        return False

    return refers(function)


def _attribute(module, name: str):
    """``module.name`` or None, quietly: looking up a name such as ``bool`` on numpy 1.26
    warns (FutureWarning), which a student would see under their answer."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(module, name, None)


def _has_contents(cell) -> bool:
    try:
        cell.cell_contents
    except ValueError:  # an empty closure cell
        return False
    return True


def expect_dict(answer, keys, what: str, example: str) -> dict:
    """``answer`` if it is a dict with an entry for every one of ``keys``, else ``Wrong``.

    ``example`` shows the expected form, e.g. ``'{"A": "smooth", "B": ...}'``.
    """
    if _missing(answer):
        raise Wrong(_("{what} is still empty.").format(what=what), _("fill in the dict: {example}").format(example=example))
    if not isinstance(answer, dict):
        raise Wrong(_("{what} should be a dict, not a {type}.").format(what=what, type=type(answer).__name__),
                    _("write it like {example}").format(example=example))
    missing = [k for k in keys if k not in answer]
    if missing:
        raise Wrong(_("{what} has no entry for {map}.").format(what=what, map=', '.join(map(str, missing))),
                    _("give one entry for each of {map}").format(map=', '.join(map(str, keys))))
    return answer


def expect_prediction(guess, what: str = N_("your prediction")) -> float:
    """A recorded prediction (a positive number), or ``Wrong`` asking for one first."""
    what = _(what)  # the default is marked N_
    if _missing(guess):
        raise Wrong(_("{what} is still empty.").format(what=what), _("write down your prediction before you compute: "
                      "a guess, not a calculation. Any honest number passes."))
    value = expect_number(guess, what)
    if value <= 0:
        raise Wrong(_("{what} is {value:g}; the quantity is positive.").format(what=what, value=value), _("guess a positive number"))
    return value


def compare_prediction(guess: float, value: float) -> str:
    """One sentence comparing a recorded prediction with the measured value."""
    ratio = value / guess
    verdict = (_("close to what you expected") if 2 / 3 <= ratio <= 3 / 2 else
               _("{ratio:.1f} times what you expected").format(ratio=ratio) if ratio > 1 else
               _("{value:.1f} times smaller than you expected").format(value=1 / ratio))
    return _("You predicted {guess:.3g}; the measurement is {value:.3g}, {verdict}.").format(guess=guess, value=value, verdict=verdict)


def call(function, *args, what: str = N_("your function"), none_is_an_answer: bool = False):
    """Call a student's function; turn a crash or a missing ``return`` into ``Wrong``
    (``none_is_an_answer`` for exercises whose right answer may be None)."""
    what = _(what)  # the default is marked N_
    try:
        result = function(*args)
    except Exception as err:  # noqa: BLE001
        raise Wrong(_("{what} raised {type}: {err}").format(what=what, type=type(err).__name__, err=err),
                    _("run it on a small example in a new cell to find the failing line")) from None
    if result is Ellipsis:
        raise Wrong(_("{what} is not written yet (it returns the `...` placeholder).").format(what=what),
                    _("complete the function body and re-run its cell"))
    if result is None and not none_is_an_answer:
        raise Wrong(_("{what} returned None.").format(what=what), _("did you forget the `return` statement?"))
    return result


def close(value: float, target: float, *, rel: float = 0.0, abs: float = 0.0) -> bool:
    """True when ``value`` is within ``abs`` or ``rel``·|target| of ``target``."""
    return bool(np.isclose(value, target, rtol=rel, atol=abs))


# ---------------------------------------------------------------- for diagnosing mistakes

def fmt(a, digits: int = 3) -> str:
    """Short text for a number or a small array."""
    a = np.asarray(a, dtype=float)
    if a.ndim == 0:
        return f"{float(a):.{digits + 1}g}"
    items = [f"{x:.{digits}g}" for x in a.ravel()[:12]]
    return "[" + ", ".join(items) + (", ...]" if a.size > 12 else "]")


def quiet_call(function, *args, what: str, none_is_an_answer: bool = False):
    """``call`` on copies of the arguments, with numpy warnings silenced."""
    args = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return call(function, *args, what=what, none_is_an_answer=none_is_an_answer)


def same(a, b, tol: float = 1e-6) -> bool:
    """True when a and b (numbers or arrays, or strings) have the same shape and are equal
    within tol."""
    if a is None or b is None:
        return False
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    try:
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    except (TypeError, ValueError):
        return False
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=tol, atol=tol, equal_nan=True))


def explain(failed, candidates, tol: float = 1e-6):
    """The hint of the first mistake that explains the failed answers, else None.

    ``failed`` is a list of (case, answer); each candidate is (hint, wrong_function) where
    ``wrong_function(case)`` is what that mistake returns on the case (None: not applicable).
    A mistake explains the failures when it applies to at least half of them and reproduces
    every answer it applies to (a mistake may not apply to a case, e.g. an index error).
    """
    for hint, wrong in candidates:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            try:
                outs = [wrong(case) for case, _ in failed]
            except Exception:  # noqa: BLE001 -- a candidate that does not apply
                continue
        usable = [(o, ans) for o, ans in zip(outs, [a for _, a in failed]) if o is not None]
        if usable and len(usable) >= (len(failed) + 1) // 2 and all(
                same(ans, o, tol) for o, ans in usable):
            return hint
    return None


def judge(result, cases, reference, mistakes=(), fallback: str = "", *, what: str,
          read=None, agree=None, tol: float = 1e-6) -> None:
    """The one judging loop of every checker: run the cases, diagnose the failures.

    ``cases`` is a list of (args, label). ``result(*args)`` is the student's raw output for a
    case (``outputs(f)`` for a function, ``lambda: value`` for a value), ``read(out, label)``
    turns it into something comparable or raises ``Wrong`` (default: one real number), and
    ``reference(*args)`` is the right output. ``agree(got, want)`` compares (default: equal
    within ``tol``). ``mistakes`` are (hint, wrong) pairs, ``wrong(*args)`` being what that
    mistake gives: the first that reproduces the failures gives the hint, else ``fallback``
    (a string, or a function of the list of failed (args, got) that returns one).
    Raises ``Wrong`` naming the first failing case and what the answer gave there, never the
    expected value. Pair and choice answers use ``read=expect_pair`` or ``agree=operator.eq``.
    """
    read = read or (lambda out, label: expect_real(out, _("{what} on {label}").format(what=what, label=label)))
    agree = agree or (lambda got, want: same(got, want, tol))
    failed, first = [], None
    for args, label in cases:
        got = read(result(*args), label)
        if not agree(got, reference(*args)):
            failed.append((args, got))
            first = first or (label, got)
    if failed:
        hint = explain(failed, [(h, lambda a, w=w: w(*a)) for h, w in mistakes], tol)
        if hint is None and callable(fallback):
            fallback = fallback(failed)
        label, got = first
        shown = got if isinstance(got, str) else fmt(got, 5)
        more = _(" (and {n_failed} more of the {n_cases} cases)").format(n_failed=len(failed) - 1, n_cases=len(cases)) if len(failed) > 1 else ""
        raise Wrong(_("{what} gives {shown} on {label}: not right{more}.").format(what=what, shown=shown, label=label, more=more), hint or fallback)


def judge_value(value, want, mistakes, fallback, *, what: str, label: str = N_("this answer"),
                tol: float = 1e-6, agree=None) -> None:
    """``judge`` for one already-validated value; ``mistakes`` are (hint, the value it gives)."""
    label = _(label)  # the default is marked N_
    judge(lambda: value, [((), label)], lambda: want, [(h, lambda v=v: v) for h, v in mistakes],
          fallback, what=what, read=lambda out, _: out, agree=agree, tol=tol)


def outputs(function, what: str):
    """``result`` for ``judge``: the student's function called on a case's arguments."""
    return lambda *args: quiet_call(function, *args, what=what)


def expect_pair(answer, what: str, names: tuple[str, str]) -> tuple[float, float]:
    """Two real numbers (a tuple or list of two) named ``names``, or ``Wrong``."""
    if isinstance(answer, np.ndarray) and answer.shape == (2,):
        answer = tuple(answer)
    if not isinstance(answer, tuple | list) or len(answer) != 2:
        raise Wrong(_("{what} should be a pair ({names}, {names2}), not "
                      "{type}.").format(what=what, names=names[0], names2=names[1], type=type(answer).__name__), _("return the two numbers as a tuple: "
                      "return {names}, {names2}").format(names=names[0], names2=names[1]))
    return tuple(expect_real(v, _("{n} from {what}").format(n=n, what=what)) for v, n in zip(answer, names))


def shape_of(answer) -> tuple | None:
    """np.shape of an answer, or None for strings and things numpy cannot shape."""
    if isinstance(answer, str | bytes):
        return None
    try:
        return np.shape(answer)
    except Exception:  # noqa: BLE001 -- ragged lists and other oddities
        return None


def expect_real(answer, what: str) -> float:
    """A student's scalar result, with a specific word for complex numbers and 2-vectors."""
    if isinstance(answer, complex) or (isinstance(answer, np.ndarray | np.generic)
                                       and np.iscomplexobj(answer)):
        raise Wrong(_("{what} is a complex number ({answer}).").format(what=what, answer=answer),
                    _("take its absolute value (np.abs) to get a real length."))
    return expect_number(answer, what)
