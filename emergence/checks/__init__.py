"""Exercise checkers: a verdict and a hint for any answer, never a traceback.

A chapter's checker is a function decorated with ``@checker("1.2")``. Inside, it raises
``Wrong(message, hint)`` as soon as the answer fails a test; the decorator turns that (and
anything unexpected, such as a student's function crashing) into a failing ``Verdict``.
The ``expect_*`` helpers turn missing, mistyped, mis-shaped or NaN answers into ``Wrong``.
"""
from __future__ import annotations

import functools
import html
import numbers
import warnings
from dataclasses import dataclass

import numpy as np


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
        head = "✅ Correct" if self.passed else "❌ Not yet"
        text = f"{head} (exercise {self.exercise}): {self.message}"
        return text + (f"\n   Hint: {self.hint}" if self.hint and not self.passed else "")

    __repr__ = __str__

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.passed else "#b3261e"
        body = html.escape(str(self)).replace("\n", "<br>")
        return (f'<div role="status" style="border-left:4px solid {colour};padding:0.3em 0.8em;'
                f'font-family:sans-serif">{body}</div>')


def checker(exercise: str):
    """Decorate a checker so that it always returns a ``Verdict``."""

    def wrap(check):
        @functools.wraps(check)
        def run(*args, **kwargs) -> Verdict:
            try:
                message = check(*args, **kwargs)
            except Wrong as wrong:
                return Verdict(exercise, False, wrong.message, wrong.hint)
            except Exception as err:  # noqa: BLE001 -- a student must never see a traceback
                return Verdict(exercise, False, f"the answer could not be checked "
                               f"({type(err).__name__}: {err})",
                               "check that your answer has the type the exercise asks for")
            return Verdict(exercise, True, message or "well done.")

        return run

    return wrap


def _missing(answer) -> bool:
    return answer is None or answer is Ellipsis


def expect_number(answer, what: str = "your answer") -> float:
    """``answer`` as a float, or ``Wrong`` saying why it isn't one."""
    if _missing(answer):
        raise Wrong(f"{what} is still empty.", "replace the `...` with your answer and re-run the cell")
    if isinstance(answer, np.ndarray) and answer.size == 1:
        answer = answer.item()
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
        raise Wrong(f"{what} should be a single number, not a {type(answer).__name__}.",
                    "if you computed an array, pick out the one value the question asks for")
    value = float(answer)
    if not np.isfinite(value):
        raise Wrong(f"{what} is {value}.", "look for a division by zero or a log of zero")
    return value


def expect_array(answer, shape: tuple | None = None, what: str = "your answer") -> np.ndarray:
    """``answer`` as a finite float array (of ``shape``, where ``None`` is any size)."""
    if _missing(answer):
        raise Wrong(f"{what} is still empty.", "replace the `...` with your answer and re-run the cell")
    try:
        arr = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        raise Wrong(f"{what} should be an array of numbers, not a {type(answer).__name__}.",
                    "build it with numpy, e.g. np.array([...])") from None
    if shape is not None and (arr.ndim != len(shape) or any(
            s is not None and s != a for s, a in zip(shape, arr.shape))):
        want = "×".join("n" if s is None else str(s) for s in shape) or "scalar"
        raise Wrong(f"{what} has shape {arr.shape}; expected {want}.",
                    "check which axis you reduced over, and that you kept every entry")
    if not np.all(np.isfinite(arr)):
        raise Wrong(f"{what} contains NaN or inf.", "look for a division by zero or a log of zero")
    return arr


def expect_function(answer, what: str = "your function"):
    """``answer`` if it is callable, else ``Wrong``."""
    if _missing(answer):
        raise Wrong(f"{what} is not written yet.", "complete the function body and re-run its cell")
    if not callable(answer):
        raise Wrong(f"{what} should be a function, not a {type(answer).__name__}.",
                    "pass the function itself (its name, no parentheses)")
    return answer


def expect_dict(answer, keys, what: str, example: str) -> dict:
    """``answer`` if it is a dict with an entry for every one of ``keys``, else ``Wrong``.

    ``example`` shows the expected form, e.g. ``'{"A": "smooth", "B": ...}'``.
    """
    if _missing(answer):
        raise Wrong(f"{what} is still empty.", f"fill in the dict: {example}")
    if not isinstance(answer, dict):
        raise Wrong(f"{what} should be a dict, not a {type(answer).__name__}.",
                    f"write it like {example}")
    missing = [k for k in keys if k not in answer]
    if missing:
        raise Wrong(f"{what} has no entry for {', '.join(map(str, missing))}.",
                    f"give one entry for each of {', '.join(map(str, keys))}")
    return answer


def call(function, *args, what: str = "your function"):
    """Call a student's function; turn a crash or a missing ``return`` into ``Wrong``."""
    try:
        result = function(*args)
    except Exception as err:  # noqa: BLE001
        raise Wrong(f"{what} raised {type(err).__name__}: {err}",
                    "run it on a small example in a new cell to find the failing line") from None
    if _missing(result):
        raise Wrong(f"{what} returned {result!r}.", "did you forget the `return` statement?")
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


def quiet_call(function, *args, what: str):
    """``call`` on copies of the arguments, with numpy warnings silenced."""
    args = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return call(function, *args, what=what)


def same(a, b, tol: float = 1e-6) -> bool:
    """True when a and b (numbers or arrays) have the same shape and are equal within tol."""
    if a is None or b is None:
        return False
    try:
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    except (TypeError, ValueError):
        return False
    return a.shape == b.shape and bool(np.all(np.isfinite(b))) and bool(
        np.allclose(a, b, rtol=tol, atol=tol))


def explain(failed, candidates, tol: float = 1e-6):
    """The hint of the first mistake that reproduces every failed answer, else None.

    ``failed`` is a list of (case, answer); each candidate is (hint, wrong_function) where
    ``wrong_function(case)`` is what that mistake returns on the case (None: not applicable).
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
        raise Wrong(f"{what} is a complex number ({answer}).",
                    "take its absolute value (np.abs) to get a real length.")
    return expect_number(answer, what)
