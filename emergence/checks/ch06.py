"""Checkers for the Chapter 6 exercises (grokking).

Each checker runs the student's answer on several inputs (some never shown in the
notebook), compares with the library's reference, and when the answer is wrong looks for
the usual mistake that explains it.

    from emergence.checks import ch06 as check
    check.split(split)
"""
from __future__ import annotations

import functools
import math
import numbers
import warnings

import numpy as np

from emergence import grokking as g
from emergence.checks import (Wrong, call, checker, close, expect_function, expect_number, explain,
                              fmt, quiet_call, same, shape_of)

__all__ = ["split", "first_step", "delay", "fourier_power", "top_frequencies", "classify",
           "half_life", "norm_ratio", "DELAY_RUN", "NORM_FRAC"]

DELAY_RUN = (0.5, 1.0)   # the sweep run whose delay exercise 6.2 asks for
NORM_FRAC = 0.4          # the training fraction of exercise 6.5's weight norms


@functools.lru_cache(maxsize=1)
def _runs():
    return g.load_sweep_runs()


def _run(function, *args, what: str):
    """Call a student's function on copies of ``args``; unlike ``call``, None is an answer."""
    args = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return function(*args)
    except Exception as err:  # noqa: BLE001
        raise Wrong(f"{what} raised {type(err).__name__}: {err}",
                    "run it on a small example in a new cell to find the failing line") from None


def _as_step(value, what: str):
    """A step (int) or None from a student's answer, or ``Wrong``."""
    if value is None:
        return None
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        raise Wrong(f"{what} is NaN.", "when the curve never reaches the level, return None.")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise Wrong(f"{what} should be a step number (or None), not {type(value).__name__}.",
                    "return one entry of `steps`, e.g. int(steps[i]).")
    return float(value)


# ---------------------------------------------------------------- 6.1 the dataset split

SPLIT_CASES = [(13, 0.4, 0), (7, 0.6, 1), (31, 0.55, 2), (59, 0.4, 0), (23, 0.25, 3)]
SPLIT_HINT = ("list the pairs a-major, (0,0), (0,1), …, (0,p-1), (1,0), …; labels (a+b) % p; "
              "order = np.random.default_rng(seed).permutation(p * p); the first "
              "round(frac * p * p) positions of order train, the rest test.")


def _codes(x, p):
    x = np.asarray(x)
    return x[:, 0] * p + x[:, 1]


def _split_arrays(out, p, label):
    if not isinstance(out, (tuple, list)) or len(out) != 4:
        raise Wrong(f"split{label} returned {type(out).__name__}"
                    + (f" of length {len(out)}" if isinstance(out, (tuple, list)) else "") + ".",
                    "return four arrays: train_x, train_y, test_x, test_y.")
    arrays = []
    for name, a, ndim in zip(("train_x", "train_y", "test_x", "test_y"), out, (2, 1, 2, 1)):
        try:
            arr = np.asarray(a, dtype=float)
        except (TypeError, ValueError):
            raise Wrong(f"{name} from split{label} is not an array of numbers.",
                        "build it with numpy indexing, e.g. pairs[order[:n_train]].") from None
        if arr.ndim != ndim or (ndim == 2 and arr.shape[1] != 2):
            want = "(n, 2): one row (a, b) per pair" if ndim == 2 else "(n,): one answer per pair"
            raise Wrong(f"{name} from split{label} has shape {arr.shape}; expected {want}.",
                        "np.stack([a, b], axis=1) makes the (n, 2) table of pairs.")
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)) or (
                arr.size and (arr.min() < 0 or arr.max() >= p)):
            raise Wrong(f"{name} from split{label} holds values outside the integers 0 … {p - 1}.",
                        "numbers and answers are residues mod p: integers from 0 to p − 1.")
        arrays.append(arr.astype(np.int64))
    tx, ty, ex, ey = arrays
    if len(tx) != len(ty) or len(ex) != len(ey):
        raise Wrong(f"split{label}: each x needs one y ({len(tx)} train pairs but {len(ty)} "
                    f"answers, or {len(ex)} test pairs but {len(ey)} answers).",
                    "index pairs and answers with the same positions of the permutation.")
    return tx, ty, ex, ey


def _check_labels(x, y, p, which, label):
    if np.array_equal(y, (x[:, 0] + x[:, 1]) % p):
        return
    a, b = x[:, 0], x[:, 1]
    every = (np.arange(p * p) // p + np.arange(p * p) % p) % p
    candidates = [
        ("the answers are not reduced mod p: use (a + b) % p.", a + b),
        ("that is subtraction: the task is addition, (a + b) % p.", (a - b) % p),
        ("that is multiplication: the task is addition, (a + b) % p.", (a * b) % p),
        ("the answers were not shuffled with the pairs: take pairs and answers at the same "
         "positions of the permutation.", every[:len(y)] if which == "train" else every[-len(y):]),
    ]
    hint = next((h for h, want in candidates if len(want) == len(y) and np.array_equal(y, want)),
                "each answer must be (a + b) % p for the pair (a, b) in the same row.")
    raise Wrong(f"split{label}: some {which} answers do not match their pairs.", hint)


@checker("6.1")
def split(answer):
    """Check ``split(p, frac, seed)`` -> (train_x, train_y, test_x, test_y)."""
    f = expect_function(answer, "split")
    for p, frac, seed in SPLIT_CASES:
        label = f"({p}, {frac}, {seed})"
        tx, ty, ex, ey = _split_arrays(quiet_call(f, p, frac, seed, what=f"split{label}"),
                                       p, label)
        n, want = p * p, int(round(frac * p * p))
        if len(tx) + len(ex) != n or len(np.unique(np.concatenate([_codes(tx, p), _codes(ex, p)]))) != n:
            raise Wrong(f"split{label}: train and test together hold {len(tx) + len(ex)} pairs "
                        f"({len(np.unique(np.concatenate([_codes(tx, p), _codes(ex, p)])))} "
                        f"different); expected every one of the {n} pairs exactly once.",
                        "split one permutation of all p² pairs into two parts: the sets are then "
                        "disjoint and cover the table (sampling with rng.choice or with "
                        "replacement does not guarantee it).")
        if len(tx) != want:
            hint = ("round, do not truncate: n_train = round(frac * p * p) (int() rounds down)."
                    if len(tx) == int(frac * n) else
                    "train and test are swapped: the training set is the first round(frac·p²) "
                    "positions of the permutation." if len(tx) == n - want else
                    f"n_train = round(frac * p * p) = {want} for p = {p}, frac = {frac}.")
            raise Wrong(f"split{label} puts {len(tx)} pairs in the training set; expected {want}.",
                        hint)
        _check_labels(tx, ty, p, "train", label)
        _check_labels(ex, ey, p, "test", label)
        ref = g.modular_data(p, "add", frac, seed)
        if not np.array_equal(np.sort(_codes(tx, p)), np.sort(_codes(ref.train_x, p))):
            again = _split_arrays(quiet_call(f, p, frac, seed, what=f"split{label}"), p, label)
            if not np.array_equal(again[0], tx):
                hint = ("two calls with the same seed gave different splits: draw the "
                        "permutation from np.random.default_rng(seed).")
            else:
                b_major = np.stack(np.divmod(np.arange(n), p)[::-1], axis=1)
                b_major_train = b_major[np.random.default_rng(seed).permutation(n)[:want]]
                legacy = np.random.RandomState(seed).permutation(n)[:want]
                if np.array_equal(np.sort(_codes(tx, p)), np.sort(_codes(b_major_train, p))):
                    hint = ("list the pairs a-major ((0,0), (0,1), (0,2), …), the order "
                            "np.divmod(np.arange(p * p), p) gives, before permuting.")
                elif np.array_equal(np.sort(_codes(tx, p)), np.sort(legacy)):
                    hint = ("that is numpy's legacy generator (np.random.seed / RandomState): use "
                            "np.random.default_rng(seed).permutation(p * p).")
                elif np.array_equal(np.sort(_codes(tx, p)), np.arange(want)):
                    hint = "the pairs were not shuffled: take them in the order of the permutation."
                else:
                    hint = SPLIT_HINT
            raise Wrong(f"split{label} is a valid split (right sizes, answers and coverage) but "
                        "not the seeded one the recipe gives, so runs would not be reproducible.",
                        hint)
    return (f"split is right on {len(SPLIT_CASES)} tables (p from 7 to 59): the sizes, answers, "
            "disjointness and the seeded permutation all match.")


# ---------------------------------------------------------------- 6.2 milestones

def _first_step_cases():
    steps = np.arange(0, 410, 10)
    sigmoid = 1 / (1 + np.exp(-(steps - 200) / 25))
    dip = np.clip(np.interp(steps, [0, 50, 70, 90, 400], [0, 0.97, 0.6, 0.97, 1]), 0, 1)
    uneven = np.array([0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000])
    uneven_values = np.array([0.01, 0.02, 0.1, 0.2, 0.35, 0.45, 0.5, 0.7, 0.9, 0.99, 1.0])
    run = _runs()[0.4, 1.0]
    exact = np.array([0.5, 0.9, 0.95, 0.95, 1.0])
    return [
        ((steps, sigmoid, 0.95), "a rising sigmoid, level 0.95"),
        ((steps, sigmoid, 1.5), "a curve that never reaches the level"),
        ((steps, 0.5 + 0 * steps, 0.2), "a curve already above the level at step 0"),
        ((np.arange(0, 50, 10), exact, 0.95), "a curve that reaches the level exactly"),
        ((steps, dip, 0.95), "a curve that crosses, dips below and crosses again"),
        ((uneven, uneven_values, 0.5), "unevenly spaced steps"),
        ((run.steps, run.train_acc, 0.99), "the lab's run: train accuracy, level 0.99"),
        ((run.steps, run.test_acc, 0.95), "the lab's run: test accuracy, level 0.95"),
    ]


def _wrong_first_steps():
    def index(s, v, level):
        hit = np.flatnonzero(np.asarray(v) >= level)
        return int(hit[0]) if hit.size else None

    def strict(s, v, level):
        hit = np.flatnonzero(np.asarray(v) > level)
        return int(s[hit[0]]) if hit.size else None

    def stays(s, v, level):
        below = np.flatnonzero(np.asarray(v) < level)
        if not below.size:
            return int(s[0])
        return int(s[below[-1] + 1]) if below[-1] + 1 < len(s) else None

    return [
        ("you returned a position in the array (an index), not a step: return steps[i].", index),
        ("use >= (reaches the level), not > (exceeds it).", strict),
        ("that is the step after which the curve stays above the level; the milestone is the "
         "first step at which it reaches it.", stays),
        ("that is the step of the curve's maximum, not the first step at the level.",
         lambda s, v, level: int(s[int(np.argmax(v))])),
    ]


@checker("6.2")
def first_step(answer):
    """Check ``first_step(steps, values, level)``: the first step with value >= level, or None."""
    f = expect_function(answer, "first_step")
    failed, first = [], None
    for (steps, values, level), label in _first_step_cases():
        want = g.milestone(steps, values, level)
        out = _run(f, steps, values, level, what="first_step(steps, values, level)")
        got = _as_step(out, f"first_step on {label}")
        if want is None and got is not None:
            hint = ("np.argmax of an all-False array is 0: check that the level is reached at "
                    "all, and return None if it is not." if got == steps[0] else
                    "when the curve never reaches the level, return None (not a number).")
            raise Wrong(f"first_step returned {got:g} for {label}; expected None.", hint)
        if want is not None and (got is None or got != want):
            failed.append(((steps, values, level), got))
            first = first or (f"first_step gave {got if got is None else f'{got:g}'} for {label}; "
                              f"expected {want}.")
    if failed:
        hint = explain([(c, a) for c, a in failed if a is not None],
                        [(h, lambda c, w=w: w(*c)) for h, w in _wrong_first_steps()])
        raise Wrong(first, hint or "find the indices where values >= level "
                    "(np.flatnonzero), and return steps at the first one.")
    return "first_step is right on 8 curves, including dips, exact hits and a curve that never gets there."


def _delay_reference():
    run = _runs()[DELAY_RUN]
    t_train, t_test = g.milestones(run)
    return run, t_train, t_test


@checker("6.2b")
def delay(answer):
    """Check the delay ratio (step of test 95 %) / (step of train 99 %) of the ``DELAY_RUN`` run."""
    run, t_train, t_test = _delay_reference()
    value = expect_number(answer, "delay")
    want = t_test / t_train
    if close(value, want, rel=1e-6):
        return (f"test accuracy reached 95 % {want:.1f} times later than train accuracy reached "
                f"99 % (steps {t_test} and {t_train}).")
    t_test99 = g.milestone(run.steps, run.test_acc, 0.99)
    t_train95 = g.milestone(run.steps, run.train_acc, 0.95)
    candidates = [
        ("that ratio is upside down: divide the test milestone by the train milestone.",
         t_train / t_test),
        ("that is the difference in steps; the question asks for the ratio.", t_test - t_train),
        ("use 95 % for the test milestone (you used 99 %).", t_test99 / t_train),
        ("use 99 % for the train milestone (you used 95 %).", t_test / t_train95),
        ("use 99 % for train accuracy and 95 % for test accuracy.", t_test99 / t_train95),
    ]
    hint = next((h for h, v in candidates if close(value, v, rel=1e-6)),
                "compute both milestones with your first_step on run.steps and the two accuracy "
                "curves, then divide the test step by the train step.")
    raise Wrong(f"delay = {value:.4g}; not the ratio of the two milestone steps of this run.", hint)


# ---------------------------------------------------------------- 6.3 Fourier power

def _fourier_cases():
    p = 31
    a = np.arange(p)[:, None]
    rng = np.random.default_rng(63)
    phases = rng.uniform(0, 2 * np.pi, (1, 6))
    waves = np.cos(2 * np.pi * 3 * a / p + phases) + 0.5 * np.cos(2 * np.pi * 11 * a / p + phases)
    even = np.cos(2 * np.pi * 2 * np.arange(12)[:, None] / 12 + rng.uniform(0, 6, (1, 4)))
    return [
        (waves, "a 31 × 6 table of cosines at k = 3 and 11"),
        (rng.normal(size=(13, 5)), "a random 13 × 5 table"),
        (waves + 2.0, "the cosine table plus a constant"),
        (even, "a 12 × 4 table (even p)"),
        (_runs()[0.4, 1.0].embeddings[0], "the trained embedding of the lab's run (59 × 64)"),
    ]


def _wrong_powers():
    def rfft(t, **kw):
        return np.fft.rfft(np.asarray(t, float), axis=0, **kw)

    return [
        ("square the magnitudes: power is |X_k|², not |X_k|.",
         lambda t: np.abs(rfft(t)).sum(axis=1)),
        ("square each coefficient's magnitude before summing over the columns: sum of |X_k|², "
         "not |sum of X_k|².", lambda t: np.abs(rfft(t).sum(axis=1)) ** 2),
        ("sum over the columns, do not average them.", lambda t: (np.abs(rfft(t)) ** 2).mean(axis=1)),
        ("return the power itself, not each frequency's share of the total.",
         lambda t: (lambda q: q / q.sum())((np.abs(rfft(t)) ** 2).sum(axis=1))),
        ("use the plain transform (no norm= argument).",
         lambda t: (np.abs(rfft(t, norm="ortho")) ** 2).sum(axis=1)),
    ]


@checker("6.3")
def fourier_power(answer):
    """Check ``fourier_power(table)``: power per frequency k = 0 … p // 2 of a (p, dim) table."""
    f = expect_function(answer, "fourier_power")
    failed, first = [], None
    for table, label in _fourier_cases():
        p = table.shape[0]
        out = quiet_call(f, table, what="fourier_power(table)")
        shape = shape_of(out)
        want = g.fourier_power(table)
        if shape != want.shape:
            hints = {(p,): "np.fft.fft returns all p frequencies; np.fft.rfft keeps k = 0 … p // 2 "
                           "(for a real table k and p − k carry the same power).",
                     (p // 2,): "include k = 0 (the constant part) as the first entry.",
                     (p // 2 + 1, table.shape[1]): "sum the power over the columns (axis=1): one "
                                                   "number per frequency.",
                     (p, table.shape[1] // 2 + 1): "transform along the numbers (axis=0): each "
                                                   "column is a function of a = 0 … p-1.",
                     (table.shape[1] // 2 + 1,): "transform along the numbers (axis=0), then sum "
                                                 "over the columns (axis=1)."}
            raise Wrong(f"fourier_power returned shape {shape} for {label}; expected {want.shape}.",
                        hints.get(shape, "rfft over axis 0, squared magnitude, summed over axis 1."))
        if np.iscomplexobj(np.asarray(out)):
            raise Wrong(f"fourier_power returned complex numbers for {label}.",
                        "power is a real number: take np.abs(...) ** 2 of the coefficients.")
        got = np.asarray(out, dtype=float)
        if not same(got, want, 1e-6):
            failed.append((table, got))
            first = first or f"fourier_power is wrong for {label}: got {fmt(got)}, expected {fmt(want)}."
    if failed:
        raise Wrong(first, explain(failed, _wrong_powers(), tol=1e-6)
                    or "np.abs(np.fft.rfft(table, axis=0)) ** 2, summed over axis 1.")
    return "fourier_power is right on 5 tables, including the lab's trained embedding."


def _top(table, n):
    return np.argsort(g.fourier_power(table)[1:], kind="stable")[::-1][:n] + 1


def _top_cases():
    p = 37
    a = np.arange(p)[:, None]
    rng = np.random.default_rng(36)
    amps = {5: 1.0, 17: 0.8, 9: 0.6, 2: 0.3}
    table = sum(amp * np.cos(2 * np.pi * k * a / p + rng.uniform(0, 6, (1, 8)))
                for k, amp in amps.items())
    return [
        ((table, 3), "a 37 × 8 table with waves at k = 5, 17, 9, 2 (strongest first)"),
        ((table + 3.0, 2), "the same table plus a constant"),
        ((rng.normal(size=(23, 16)), 4), "a random 23 × 16 table"),
        ((_runs()[0.4, 1.0].embeddings[0], 3), "the trained embedding of the lab's run"),
    ]


@checker("6.3b")
def top_frequencies(answer):
    """Check ``top_frequencies(table, n)``: the n strongest frequencies k >= 1, strongest first."""
    f = expect_function(answer, "top_frequencies")
    for (table, n), label in _top_cases():
        out = quiet_call(f, table, n, what="top_frequencies(table, n)")
        want = _top(table, n)
        shape = shape_of(out)
        if shape != (n,):
            raise Wrong(f"top_frequencies returned shape {shape} for {label} with n = {n}; "
                        f"expected ({n},).", "return exactly n frequencies, e.g. order[:n].")
        got = np.asarray(out, dtype=float)
        if np.array_equal(got, want):
            continue
        power = g.fourier_power(table)
        full = np.argsort(power, kind="stable")[::-1]
        candidates = [
            ("k = 0 is the constant part, not a wave: leave it out (search power[1:] and add 1 "
             "to the positions).", full[:n]),
            ("positions in power[1:] are k − 1: add 1 to get the frequency.", want - 1),
            ("strongest first: sort the powers in decreasing order.", want[::-1]),
            ("you returned the powers; return the frequencies k where they occur.", power[want]),
            ("strongest first, by power: do not sort the frequencies by k.", np.sort(want)),
            ("those are the weakest frequencies: sort the powers in decreasing order.",
             np.argsort(power[1:], kind="stable")[:n] + 1),
        ]
        hint = next((h for h, v in candidates if same(got, v)), None)
        raise Wrong(f"top_frequencies gave {fmt(got)} for {label}; expected {fmt(want)}.",
                    hint or "np.argsort(power[1:])[::-1][:n] + 1, with power from fourier_power.")
    return "top_frequencies finds the strongest waves, strongest first, and skips the constant."


# ---------------------------------------------------------------- 6.4 classify a run

def _classify_cases():
    steps = np.arange(0, 110, 10)
    ramp = np.linspace(0, 1, 11)
    up = np.minimum(1, ramp * 3)
    cases = [((r.train_acc, r.test_acc), f"the sweep run at {f:.0%}, weight decay {wd:g}")
             for (f, wd), r in sorted(_runs().items())]
    cases += [
        ((up, np.where(steps >= 60, 0.95, 0.1)), "a run whose test accuracy reaches exactly 0.95"),
        ((np.where(steps >= 20, 0.99, 0.3), 0.02 + 0 * ramp),
         "a run whose train accuracy reaches exactly 0.99"),
        ((up, np.interp(steps, [0, 50, 60, 100], [0, 0.97, 0.9, 0.9])),
         "a run whose test accuracy touches 0.97 and falls back to 0.90"),
        ((np.interp(steps, [0, 30, 40, 100], [0, 1, 0.9, 0.95]), 0.02 + 0 * ramp),
         "a run whose train accuracy touches 1.0 and ends at 0.95"),
        ((np.minimum(0.97, ramp * 2), 0.02 + 0 * ramp), "a run whose train accuracy stops at 0.97"),
        ((up, np.minimum(0.97, ramp * 1.2)), "a run whose test accuracy stops at 0.97"),
    ]
    return cases


def _outcome(train_acc, test_acc, train_level=g.TRAIN_LEVEL, test_level=g.TEST_LEVEL, ever=True):
    pick = np.max if ever else (lambda a: a[-1])
    if pick(train_acc) < train_level:
        return "never fit"
    return "grokked" if pick(test_acc) >= test_level else "memorised only"


@checker("6.4")
def classify(answer):
    """Check ``classify(train_acc, test_acc)`` -> "grokked" | "memorised only" | "never fit"."""
    f = expect_function(answer, "classify")
    failed, first = [], None
    for (train_acc, test_acc), label in _classify_cases():
        out = quiet_call(f, train_acc, test_acc, what="classify(train_acc, test_acc)")
        if not isinstance(out, str):
            raise Wrong(f"classify returned {type(out).__name__} for {label}.",
                        f"return one of the strings {', '.join(map(repr, g.OUTCOMES))}.")
        if out not in g.OUTCOMES:
            near = [o for o in g.OUTCOMES if o.replace(" ", "")[:5] == out.lower().replace(" ", "")[:5]]
            raise Wrong(f"classify returned {out!r} for {label}.",
                        (f"spell it exactly {near[0]!r} (lower case, British spelling)." if near
                         else f"return one of {', '.join(map(repr, g.OUTCOMES))}."))
        want = _outcome(train_acc, test_acc)
        if out != want:
            failed.append(((train_acc, test_acc), out))
            first = first or f"classify said {out!r} for {label}; it is {want!r}."
    if failed:
        candidates = [
            ("a milestone counts once it is reached at any step, even if accuracy later dips: "
             "use the maximum (or any(...)), not the last value.",
             lambda c: _outcome(*c, ever=False)),
            ("use >= for the levels (reaching 0.99 counts), not >.",
             lambda c: _outcome(c[0], c[1], 0.99 + 1e-9, 0.95 + 1e-9)),
            ("the levels are 99 % for train accuracy and 95 % for test accuracy (swapped?).",
             lambda c: _outcome(c[0], c[1], 0.95, 0.99)),
        ]
        hint = None
        for text, wrong in candidates:
            if all(wrong(c) == a for c, a in failed):
                hint = text
                break
        raise Wrong(first, hint or "never fit if train accuracy never reaches 0.99; otherwise "
                    "grokked if test accuracy ever reaches 0.95, else memorised only.")
    return (f"classify agrees on all {len(_runs())} runs of the phase diagram and on 6 "
            "hand-made edge cases.")


# ---------------------------------------------------------------- 6.5 weight decay

HALF_LIFE_CASES = [(1e-2, 1.0), (1e-2, 0.3), (1e-2, 3.0), (1e-3, 1.0), (1e-2, 10.0), (3e-2, 20.0),
                   (1e-2, 0.0)]


def _half_life(lr, wd):
    return math.inf if wd == 0 else math.log(0.5) / math.log(1 - lr * wd)


@checker("6.5")
def half_life(answer):
    """Check ``half_life(lr, weight_decay)``: steps for AdamW's decay alone to halve a weight."""
    f = expect_function(answer, "half_life")
    failed, first = [], None
    for lr, wd in HALF_LIFE_CASES:
        want = _half_life(lr, wd)
        try:
            out = call(f, lr, wd, what=f"half_life({lr:g}, {wd:g})")
        except Wrong as wrong:
            if wd == 0:
                raise Wrong(wrong.message, "with no weight decay the weights never shrink: "
                            "return math.inf (np.inf) when weight_decay == 0.") from None
            raise
        if wd == 0:
            if out is None or not isinstance(out, numbers.Real) or not (
                    math.isinf(out) and out > 0):
                raise Wrong(f"half_life({lr:g}, 0) returned {out!r}; expected inf.",
                            "without weight decay a weight is never halved: return math.inf.")
            continue
        got = expect_number(out, f"half_life({lr:g}, {wd:g})")
        if not close(got, want, rel=1e-6):
            failed.append(((lr, wd), got))
            first = first or f"half_life({lr:g}, {wd:g}) = {got:.4g}; expected {want:.4g}."
    if failed:
        candidates = [
            ("you used the small-step approximation ln 2 / (lr · wd); use the exact factor: "
             "(1 − lr·wd)^t = 1/2, so t = ln(1/2) / ln(1 − lr·wd).",
             lambda c: math.log(2) / (c[0] * c[1])),
            ("that is the e-folding time (shrink by e); the half-life is the time to shrink "
             "by 2.", lambda c: -1 / math.log(1 - c[0] * c[1])),
            ("AdamW multiplies each weight by (1 − lr · weight_decay) per step: include the "
             "learning rate.", lambda c: math.log(0.5) / math.log(1 - c[1]) if c[1] < 1 else None),
            ("do not round: return the exact (fractional) number of steps.",
             lambda c: math.ceil(_half_life(*c))),
            ("do not round: return the exact (fractional) number of steps.",
             lambda c: round(_half_life(*c))),
            ("check the sign: ln(1/2) and ln(1 − lr·wd) are both negative, so t is positive.",
             lambda c: -_half_life(*c)),
        ]
        hint = explain(failed, candidates, tol=1e-6)
        raise Wrong(first, hint or "solve (1 − lr · weight_decay)^t = 1/2 for t.")
    lr = g.LIVE["lr"]
    return (f"half_life is right: with the lab's lr = {lr:g} and weight decay 1, the decay alone "
            f"would halve a weight in {_half_life(lr, 1.0):.1f} steps; with no weight decay, never.")


def _norm_reference():
    runs = _runs()
    return runs[NORM_FRAC, 0.0].weight_norm, runs[NORM_FRAC, 1.0].weight_norm


@checker("6.5b")
def norm_ratio(answer):
    """Check the final weight norm without weight decay divided by that with weight decay 1."""
    value = expect_number(answer, "norm_ratio")
    no_wd, wd1 = _norm_reference()
    want = no_wd[-1] / wd1[-1]
    if close(value, want, rel=1e-3):
        return (f"without weight decay the weights end {want:.2f} times larger "
                f"(norm {no_wd[-1]:.0f} against {wd1[-1]:.0f}), and that run does not generalise "
                "within the budget.")
    runs = _runs()
    candidates = [
        ("upside down: divide the norm without weight decay by the norm with it.", 1 / want),
        ("use the final values (the last entry), not the first.", no_wd[0] / wd1[0]),
        ("use the final values (the last entry), not the largest.", no_wd.max() / wd1.max()),
        ("that is the difference; the question asks for the ratio.", no_wd[-1] - wd1[-1]),
    ] + [(f"use the runs at training fraction {NORM_FRAC:.0%} (you used {f:.0%}).",
          runs[f, 0.0].weight_norm[-1] / runs[f, 1.0].weight_norm[-1])
         for f in g.SWEEP_FRACS if f != NORM_FRAC]
    hint = next((h for h, v in candidates if close(value, v, rel=1e-3)),
                f"runs[{NORM_FRAC}, 0.0].weight_norm[-1] / runs[{NORM_FRAC}, 1.0].weight_norm[-1].")
    raise Wrong(f"norm_ratio = {value:.4g}; not the ratio of the two final weight norms.", hint)
