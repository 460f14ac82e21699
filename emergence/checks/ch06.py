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

import numpy as np

from emergence import grokking as g
from emergence.checks import (Wrong, call, checker, compare_prediction, expect_function,
                              expect_number, expect_prediction, judge, judge_value, outputs, page,
                              quiet_call, shape_of)
from emergence.i18n import N_, _

__all__ = ["split", "first_step", "delay", "fourier_power", "top_frequencies", "classify",
           "half_life", "norm_ratio", "DELAY_RUN", "NORM_FRAC"]

DELAY_RUN = (0.5, 1.0)   # the sweep run whose delay exercise 6.2 asks for
NORM_FRAC = 0.4          # the training fraction of exercise 6.5's weight norms
PAGE = "ch06_grokking"


@functools.lru_cache(maxsize=1)
def _runs():
    return g.load_sweep_runs()


def _run(function, *args, what: str):
    """The student's step (None is an answer here) on copies of ``args``."""
    return quiet_call(function, *args, what=what, none_is_an_answer=True)


def _as_step(value, what: str):
    """A step (int) or None from a student's answer, or ``Wrong``."""
    if value is None:
        return None
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        raise Wrong(_("{what} is NaN.").format(what=what), _("when the curve never reaches the level, return None."))
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise Wrong(_("{what} should be a step number (or None), not {type}.").format(what=what, type=type(value).__name__),
                    _("return one entry of `steps`, e.g. int(steps[i])."))
    return float(value)


# ---------------------------------------------------------------- 6.1 the dataset split

SPLIT_CASES = [(13, 0.4, 0), (7, 0.6, 1), (31, 0.55, 2), (59, 0.4, 0), (23, 0.25, 3)]
SPLIT_HINT = N_("reread the recipe in the prompt step by step: the order in which the pairs are "
                "listed, the generator that draws the permutation, and which positions train.")


def _codes(x, p):
    x = np.asarray(x)
    return x[:, 0] * p + x[:, 1]


def _split_arrays(out, p, label):
    if not isinstance(out, (tuple, list)) or len(out) != 4:
        raise Wrong((_("split{label} returned {type} of length {n_out}.")
                     if isinstance(out, (tuple, list)) else _("split{label} returned {type}.")).format(
                        label=label, type=type(out).__name__, n_out=len(out) if isinstance(out, (tuple, list)) else 0),
                    _("return four arrays: train_x, train_y, test_x, test_y."))
    arrays = []
    for name, a, ndim in zip(("train_x", "train_y", "test_x", "test_y"), out, (2, 1, 2, 1)):
        try:
            arr = np.asarray(a, dtype=float)
        except (TypeError, ValueError):
            raise Wrong(_("{name} from split{label} is not an array of numbers.").format(name=name, label=label),
                        _("build it by indexing numpy arrays with the permutation.")) from None
        if arr.ndim != ndim or (ndim == 2 and arr.shape[1] != 2):
            want = _("(n, 2): one row (a, b) per pair") if ndim == 2 else _("(n,): one answer per pair")
            raise Wrong(_("{name} from split{label} has shape {shape}; expected {want}.").format(name=name, label=label, shape=arr.shape, want=want),
                        _("each row of the x arrays is one pair: two columns, one row per pair."))
        if not isinstance(a, np.ndarray):
            raise Wrong(_("{name} from split{label} is a Python {type}; the exercise "
                          "asks for numpy arrays.").format(name=name, label=label, type=type(a).__name__), _("index numpy arrays with the permutation instead "
                          "of building lists."))
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)) or (
                arr.size and (arr.min() < 0 or arr.max() >= p)):
            raise Wrong(_("{name} from split{label} holds values outside the integers 0 … {p}.").format(name=name, label=label, p=p - 1),
                        _("numbers and answers are residues mod p: integers from 0 to p − 1."))
        arrays.append(arr.astype(np.int64))
    tx, ty, ex, ey = arrays
    if len(tx) != len(ty) or len(ex) != len(ey):
        raise Wrong(_("split{label}: each x needs one y ({n_tx} train pairs but {n_ty} "
                      "answers, or {n_ex} test pairs but {n_ey} answers).").format(label=label, n_tx=len(tx), n_ty=len(ty), n_ex=len(ex), n_ey=len(ey)),
                    _("index pairs and answers with the same positions of the permutation."))
    return tx, ty, ex, ey


def _check_labels(x, y, p, which, label):
    a, b = x[:, 0], x[:, 1]
    every = (np.arange(p * p) // p + np.arange(p * p) % p) % p
    candidates = [
        (_("the answers are not reduced mod p: they must stay below p."), a + b),
        (_("that is subtraction: the task is addition mod p."), (a - b) % p),
        (_("that is multiplication: the task is addition mod p."), (a * b) % p),
        (_("the answers were not shuffled with the pairs: take pairs and answers at the same "
           "positions of the permutation."), every[:len(y)] if which == "train" else every[-len(y):]),
    ]
    judge_value(y, (a + b) % p, [(h, v) for h, v in candidates if len(v) == len(y)],
                _("each answer must be the sum mod p of the pair in the same row."),
                what=(_("the train answers of split{label}") if which == "train" else
                      _("the test answers of split{label}")).format(label=label), label=_("their pairs"),
                agree=lambda got, want: bool(np.array_equal(got, want)))


@checker("6.1", reread=page(PAGE, "The experiment in this course"))
def split(answer):
    """Check ``split(p, frac, seed)`` -> (train_x, train_y, test_x, test_y)."""
    f = expect_function(answer, "split")
    for p, frac, seed in SPLIT_CASES:
        label = f"({p}, {frac}, {seed})"
        tx, ty, ex, ey = _split_arrays(quiet_call(f, p, frac, seed, what=f"split{label}"),
                                       p, label)
        n, want = p * p, int(round(frac * p * p))
        if len(tx) + len(ex) != n or len(np.unique(np.concatenate([_codes(tx, p), _codes(ex, p)]))) != n:
            raise Wrong(_("split{label}: train and test together hold {n_tx} pairs "
                          "({n_unique} "
                          "different); expected every one of the {n} pairs exactly once.").format(label=label, n_tx=len(tx) + len(ex), n_unique=len(np.unique(np.concatenate([_codes(tx, p), _codes(ex, p)]))), n=n),
                        _("split one permutation of all p² pairs into two parts: the sets are then "
                          "disjoint and cover the table (sampling with rng.choice or with "
                          "replacement does not guarantee it)."))
        if len(tx) != want:
            hint = (_("round to the nearest whole number of pairs; int() always rounds down.")
                    if len(tx) == int(frac * n) else
                    _("train and test are swapped: the training set is the first part of the "
                      "permutation.") if len(tx) == n - want else
                    _("the training set holds the fraction frac of all p² pairs."))
            raise Wrong(_("split{label} puts {n_tx} pairs in the training set: the wrong "
                          "number.").format(label=label, n_tx=len(tx)), hint)
        _check_labels(tx, ty, p, "train", label)
        _check_labels(ex, ey, p, "test", label)
        ref = g.modular_data(p, "add", frac, seed)
        if not np.array_equal(np.sort(_codes(tx, p)), np.sort(_codes(ref.train_x, p))):
            again = _split_arrays(quiet_call(f, p, frac, seed, what=f"split{label}"), p, label)
            if not np.array_equal(again[0], tx):
                hint = (_("two calls with the same seed gave different splits: the permutation "
                          "must come from a generator seeded with seed, created inside split."))
            else:
                b_major = np.stack(np.divmod(np.arange(n), p)[::-1], axis=1)
                b_major_train = b_major[np.random.default_rng(seed).permutation(n)[:want]]
                legacy = np.random.RandomState(seed).permutation(n)[:want]
                if np.array_equal(np.sort(_codes(tx, p)), np.sort(_codes(b_major_train, p))):
                    hint = (_("your pairs are listed with b changing slowest; the recipe lists them "
                              "with a changing slowest, (0,0), (0,1), (0,2), …, before permuting."))
                elif np.array_equal(np.sort(_codes(tx, p)), np.sort(legacy)):
                    hint = (_("that is numpy's legacy generator (np.random.seed / RandomState); the "
                              "recipe uses the modern Generator interface."))
                elif np.array_equal(np.sort(_codes(tx, p)), np.arange(want)):
                    hint = _("the pairs were not shuffled: take them in the order of the permutation.")
                else:
                    hint = _(SPLIT_HINT)
            raise Wrong(_("split{label} is a valid split (right sizes, answers and coverage) but "
                          "not the seeded one the recipe gives, so runs would not be reproducible.").format(label=label),
                        hint)
    return (_("split is right on {n_SPLIT_CASES} tables (p from 7 to 59): the sizes, answers, "
              "disjointness and the seeded permutation all match.").format(n_SPLIT_CASES=len(SPLIT_CASES)))


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
        ((steps, sigmoid, 0.95), _("a rising sigmoid, level 0.95")),
        ((steps, sigmoid, 1.5), _("a curve that never reaches the level")),
        ((steps, 0.5 + 0 * steps, 0.2), _("a curve already above the level at step 0")),
        ((np.arange(0, 50, 10), exact, 0.95), _("a curve that reaches the level exactly")),
        ((steps, dip, 0.95), _("a curve that crosses, dips below and crosses again")),
        ((uneven, uneven_values, 0.5), _("unevenly spaced steps")),
        ((run.steps, run.train_acc, 0.99), _("the lab's run: train accuracy, level 0.99")),
        ((run.steps, run.test_acc, 0.95), _("the lab's run: test accuracy, level 0.95")),
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
        (_("you returned a position in the array (an index), not a step: return steps[i]."), index),
        (_("use >= (reaches the level), not > (exceeds it)."), strict),
        (_("that is the step after which the curve stays above the level; the milestone is the "
           "first step at which it reaches it."), stays),
        (_("that is the step of the curve's maximum, not the first step at the level."),
         lambda s, v, level: int(s[int(np.argmax(v))])),
    ]


def _step_read(out, label):
    got = _as_step(out, _("first_step on {label}").format(label=label))
    return np.nan if got is None else got


@checker("6.2", reread=page(PAGE, "Three phases"))
def first_step(answer):
    """Check ``first_step(steps, values, level)``: the first step with value >= level, or None."""
    f = expect_function(answer, "first_step", own=(g.milestone,))
    cases = [(args, label) for args, label in _first_step_cases()]
    for (steps, values, level), label in cases:
        if g.milestone(steps, values, level) is None:
            got = _as_step(_run(f, steps, values, level, what="first_step"), _("first_step on {label}").format(label=label))
            if got is not None:
                raise Wrong(_("first_step returned a step for {label}.").format(label=label),
                            _("an argmax of an all-False array is 0: check that the level is "
                              "reached at all.") if got == steps[0] else
                            _("when the curve never reaches the level there is no step to return."))

    def reference(steps, values, level):
        want = g.milestone(steps, values, level)
        return np.nan if want is None else float(want)

    judge(lambda *a: _run(f, *a, what="first_step(steps, values, level)"), cases, reference,
          [(h, lambda *a, w=w: (lambda v: np.nan if v is None else v)(w(*a)))
           for h, w in _wrong_first_steps()],
          _("find where the values first reach the level (>=), and return the step there, "
            "not its position."), what="first_step", read=_step_read,
          agree=lambda got, want: (np.isnan(got) and np.isnan(want)) or got == want)
    return _("first_step is right on 8 curves, including dips, exact hits and a curve that never gets there.")


def _delay_reference():
    run = _runs()[DELAY_RUN]
    t_train, t_test = g.milestones(run)
    return run, t_train, t_test


@checker("6.2b", reread=page(PAGE, "Three phases"))
def delay(answer, guess):
    """Check the delay ratio (step of test 95 %) / (step of train 99 %) of the ``DELAY_RUN`` run,
    after the student's recorded prediction ``guess`` of it."""
    guess = expect_prediction(guess, "delay_guess")
    run, t_train, t_test = _delay_reference()
    value = expect_number(answer, "delay")
    want = t_test / t_train
    t_test99 = g.milestone(run.steps, run.test_acc, 0.99)
    t_train95 = g.milestone(run.steps, run.train_acc, 0.95)
    candidates = [
        (_("that ratio is upside down: divide the test milestone by the train milestone."),
         t_train / t_test),
        (_("that is the difference in steps; the question asks for the ratio."), t_test - t_train),
        (_("use 95 % for the test milestone (you used 99 %)."), t_test99 / t_train),
        (_("use 99 % for the train milestone (you used 95 %)."), t_test / t_train95),
        (_("use 99 % for train accuracy and 95 % for test accuracy."), t_test99 / t_train95),
    ]
    judge(lambda: value, [((), _("this run"))], lambda: want,
          [(h, lambda v=v: v) for h, v in candidates],
          _("the delay compares the two milestones of this run, as a ratio. If your first_step "
            "(exercise 6.2) does not pass yet, fix it first."), what="delay")
    return (_("{compare_prediction} Test accuracy reached 95 % {want:.1f} times later "
              "than train accuracy reached 99 % (steps {t_test} and {t_train}).").format(compare_prediction=compare_prediction(guess, want), want=want, t_test=t_test, t_train=t_train))


# ---------------------------------------------------------------- 6.3 Fourier power

def _fourier_cases():
    p = 31
    a = np.arange(p)[:, None]
    rng = np.random.default_rng(63)
    phases = rng.uniform(0, 2 * np.pi, (1, 6))
    waves = np.cos(2 * np.pi * 3 * a / p + phases) + 0.5 * np.cos(2 * np.pi * 11 * a / p + phases)
    even = np.cos(2 * np.pi * 2 * np.arange(12)[:, None] / 12 + rng.uniform(0, 6, (1, 4)))
    return [
        (waves, _("a 31 × 6 table of cosines at k = 3 and 11")),
        (rng.normal(size=(13, 5)), _("a random 13 × 5 table")),
        (waves + 2.0, _("the cosine table plus a constant")),
        (even, _("a 12 × 4 table (even p)")),
        (_runs()[0.4, 1.0].embeddings[0], _("the trained embedding of the lab's run (59 × 64)")),
    ]


def _wrong_powers():
    def rfft(t, **kw):
        return np.fft.rfft(np.asarray(t, float), axis=0, **kw)

    return [
        (_("square the magnitudes: power is |X_k|², not |X_k|."),
         lambda t: np.abs(rfft(t)).sum(axis=1)),
        (_("square each coefficient's magnitude before summing over the columns: sum of |X_k|², "
           "not |sum of X_k|²."), lambda t: np.abs(rfft(t).sum(axis=1)) ** 2),
        (_("sum over the columns, do not average them."), lambda t: (np.abs(rfft(t)) ** 2).mean(axis=1)),
        (_("return the power itself, not each frequency's share of the total."),
         lambda t: (lambda q: q / q.sum())((np.abs(rfft(t)) ** 2).sum(axis=1))),
        (_("use the plain transform (no norm= argument)."),
         lambda t: (np.abs(rfft(t, norm="ortho")) ** 2).sum(axis=1)),
    ]


@checker("6.3", reread=page(PAGE, "How a network adds with waves"))
def fourier_power(answer):
    """Check ``fourier_power(table)``: power per frequency k = 0 … p // 2 of a (p, dim) table."""
    f = expect_function(answer, "fourier_power", own=(g.fourier_power,))
    cases = _fourier_cases()
    for table, label in cases:
        p = table.shape[0]
        out = quiet_call(f, table, what="fourier_power(table)")
        shape = shape_of(out)
        want = g.fourier_power(table)
        if shape != want.shape:
            hints = {(p,): _("a real signal of length p has only p // 2 + 1 distinct frequencies: "
                             "k and p − k carry the same power, so keep k = 0 … p // 2 only."),
                     (p // 2,): _("the constant part, k = 0, is a frequency too: include it first."),
                     (p // 2 + 1, table.shape[1]): _("the result has one number per frequency: "
                                                     "combine the columns."),
                     (p, table.shape[1] // 2 + 1): _("each column is a signal along the numbers "
                                                     "a = 0 … p − 1: transform along the rows."),
                     (table.shape[1] // 2 + 1,): _("each column is a signal along the numbers "
                                                   "a = 0 … p − 1: transform along the rows, then "
                                                   "combine the columns.")}
            raise Wrong(_("fourier_power returned shape {shape} for {label}; expected one number "
                          "per frequency k = 0 … {p}.").format(shape=shape, label=label, p=p // 2),
                        hints.get(shape, _("one number per frequency, for the whole table.")))
        if not isinstance(out, np.ndarray):
            raise Wrong(_("fourier_power returned a Python {type}; the exercise asks "
                          "for a numpy array.").format(type=type(out).__name__), _("compute the power with numpy operations on arrays."))
        if np.iscomplexobj(out):
            raise Wrong(_("fourier_power returned complex numbers for {label}.").format(label=label),
                        _("power is a real number: the squared size of each coefficient."))
    judge(outputs(f, "fourier_power(table)"), [((t,), label) for t, label in cases],
          g.fourier_power, [(h, w) for h, w in _wrong_powers()],
          _("power is the squared magnitude of each Fourier coefficient, added up over the "
            "columns; compare your result on a table with one pure cosine column."),
          what="fourier_power", read=lambda out, label: np.asarray(out, dtype=float))
    return _("fourier_power is right on 5 tables, including the lab's trained embedding.")


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
        ((table, 3), _("a 37 × 8 table with waves at k = 5, 17, 9, 2 (strongest first)")),
        ((table + 3.0, 2), _("the same table plus a constant")),
        ((rng.normal(size=(23, 16)), 4), _("a random 23 × 16 table")),
        ((_runs()[0.4, 1.0].embeddings[0], 3), _("the trained embedding of the lab's run")),
    ]


@checker("6.3b", reread=page(PAGE, "How a network adds with waves"))
def top_frequencies(answer):
    """Check ``top_frequencies(table, n)``: the n strongest frequencies k >= 1, strongest first."""
    f = expect_function(answer, "top_frequencies", own=(g.key_frequencies,))
    cases = _top_cases()
    for (table, n), label in cases:
        shape = shape_of(quiet_call(f, table, n, what="top_frequencies(table, n)"))
        if shape != (n,):
            raise Wrong(_("top_frequencies returned shape {shape} for {label} with n = {n}.").format(shape=shape, label=label, n=n),
                        _("return exactly n frequencies, one number each."))

    def mistakes():
        def full(t, n):
            return np.argsort(g.fourier_power(t), kind="stable")[::-1][:n]
        return [
            (_("k = 0 is the constant part, not a wave: leave it out, and mind that leaving it "
               "out shifts the positions by one."), full),
            (_("positions after dropping k = 0 are k − 1: shift them back to frequencies."),
             lambda t, n: _top(t, n) - 1),
            (_("strongest first: the order is by decreasing power."), lambda t, n: _top(t, n)[::-1]),
            (_("you returned the powers; return the frequencies k where they occur."),
             lambda t, n: g.fourier_power(t)[_top(t, n)]),
            (_("strongest first, by power: do not sort the frequencies by k."),
             lambda t, n: np.sort(_top(t, n))),
            (_("those are the weakest frequencies: the order is by decreasing power."),
             lambda t, n: np.argsort(g.fourier_power(t)[1:], kind="stable")[:n] + 1),
        ]

    power = getattr(answer, "__globals__", {}).get("fourier_power")
    first = ("" if power is None or fourier_power.passes(power) else
             _(" Your fourier_power (exercise 6.3) does not pass yet: fix it first."))
    judge(outputs(f, "top_frequencies(table, n)"), cases, _top, mistakes(),
          _("rank the frequencies k >= 1 by their power, strongest first.") + first,
          what="top_frequencies", read=lambda out, label: np.asarray(out, dtype=float),
          agree=lambda got, want: np.array_equal(got, want))
    return _("top_frequencies finds the strongest waves, strongest first, and skips the constant.")


# ---------------------------------------------------------------- 6.4 classify a run

def _classify_cases():
    steps = np.arange(0, 110, 10)
    ramp = np.linspace(0, 1, 11)
    up = np.minimum(1, ramp * 3)
    cases = [((r.train_acc, r.test_acc), _("the sweep run at {f:.0%}, weight decay {wd:g}").format(f=f, wd=wd))
             for (f, wd), r in sorted(_runs().items())]
    cases += [
        ((up, np.where(steps >= 60, 0.95, 0.1)), _("a run whose test accuracy reaches exactly 0.95")),
        ((np.where(steps >= 20, 0.99, 0.3), 0.02 + 0 * ramp),
         _("a run whose train accuracy reaches exactly 0.99")),
        ((up, np.interp(steps, [0, 50, 60, 100], [0, 0.97, 0.9, 0.9])),
         _("a run whose test accuracy touches 0.97 and falls back to 0.90")),
        ((np.interp(steps, [0, 30, 40, 100], [0, 1, 0.9, 0.95]), 0.02 + 0 * ramp),
         _("a run whose train accuracy touches 1.0 and ends at 0.95")),
        ((np.minimum(0.97, ramp * 2), 0.02 + 0 * ramp), _("a run whose train accuracy stops at 0.97")),
        ((up, np.minimum(0.97, ramp * 1.2)), _("a run whose test accuracy stops at 0.97")),
    ]
    return cases


def _outcome(train_acc, test_acc, train_level=g.TRAIN_LEVEL, test_level=g.TEST_LEVEL, ever=True):
    pick = np.max if ever else (lambda a: a[-1])
    if pick(train_acc) < train_level:
        return "never fit"
    return "grokked" if pick(test_acc) >= test_level else "memorised only"


def _read_outcome(out, label):
    if not isinstance(out, str):
        raise Wrong(_("classify returned {type} for {label}.").format(type=type(out).__name__, label=label),
                    _("return one of the strings {map}.").format(map=', '.join(map(repr, g.OUTCOMES))))
    if out not in g.OUTCOMES:
        near = [o for o in g.OUTCOMES if o.replace(" ", "")[:5] == out.lower().replace(" ", "")[:5]]
        raise Wrong(_("classify returned {out!r:.40} for {label}.").format(out=out, label=label),
                    (_("spell it exactly {near!r} (lower case, British spelling).").format(near=near[0]) if near
                     else _("return one of {map}.").format(map=', '.join(map(repr, g.OUTCOMES)))))
    return out


@checker("6.4", reread=page(PAGE, "The phase diagram"))
def classify(answer):
    """Check ``classify(train_acc, test_acc)`` -> "grokked" | "memorised only" | "never fit"."""
    f = expect_function(answer, "classify", own=(g.outcome,))
    mistakes = [
        (_("a milestone counts once it is reached at any step, even if accuracy later dips: "
           "look at the whole curve, not only its end."),
         lambda tr, te: _outcome(tr, te, ever=False)),
        (_("reaching a level exactly counts as reaching it."),
         lambda tr, te: _outcome(tr, te, 0.99 + 1e-9, 0.95 + 1e-9)),
        (_("the two levels belong to the other curves: check which level is for training and "
           "which for test accuracy."), lambda tr, te: _outcome(tr, te, 0.95, 0.99)),
    ]
    judge(outputs(f, "classify(train_acc, test_acc)"), _classify_cases(), _outcome, mistakes,
          _("decide first whether the training set was ever fitted, and only then whether the "
            "test set was."), what="classify", read=_read_outcome)
    return (_("classify agrees on all {n__runs} runs of the phase diagram and on 6 "
              "hand-made edge cases.").format(n__runs=len(_runs())))


# ---------------------------------------------------------------- 6.5 weight decay

HALF_LIFE_CASES = [(1e-2, 1.0), (1e-2, 0.3), (1e-2, 3.0), (1e-3, 1.0), (1e-2, 10.0), (3e-2, 20.0),
                   (1e-2, 0.0)]


def _half_life(lr, wd):
    return math.inf if wd == 0 else math.log(0.5) / math.log(1 - lr * wd)


def _read_half_life(out, label):
    if isinstance(out, numbers.Real) and not isinstance(out, bool) and math.isinf(out) and out > 0:
        return math.inf
    return expect_number(out, f"half_life{label}")


@checker("6.5", reread=page(PAGE, "Weight decay, the weight norm and Omnigrok"))
def half_life(answer):
    """Check ``half_life(lr, weight_decay)``: steps for AdamW's decay alone to halve a weight."""
    f = expect_function(answer, "half_life")
    try:
        out = call(f, 1e-2, 0.0, what="half_life(0.01, 0)")
    except Wrong as wrong:
        raise Wrong(wrong.message, _("with no weight decay the weights never shrink: how many "
                      "steps is that?")) from None
    if _read_half_life(out, "(0.01, 0)") != math.inf:
        raise Wrong(_("half_life(0.01, 0) returned {out!r:.40}.").format(out=out),
                    _("without weight decay a weight is never halved: no finite number of steps."))
    mistakes = [
        (_("you used the small-step approximation; the exercise asks for the exact number of "
           "steps of the per-step factor."), lambda lr, wd: math.log(2) / (lr * wd)),
        (_("that is the e-folding time (shrink by e); the half-life is the time to shrink by 2."),
         lambda lr, wd: -1 / math.log(1 - lr * wd)),
        (_("the per-step factor involves the learning rate as well as the weight decay."),
         lambda lr, wd: math.log(0.5) / math.log(1 - wd) if wd < 1 else None),
        (_("do not round: return the exact (fractional) number of steps."),
         lambda lr, wd: math.ceil(_half_life(lr, wd))),
        (_("do not round: return the exact (fractional) number of steps."),
         lambda lr, wd: round(_half_life(lr, wd))),
        (_("check the sign: a number of steps is positive."), lambda lr, wd: -_half_life(lr, wd)),
    ]
    cases = [((lr, wd), f"({lr:g}, {wd:g})") for lr, wd in HALF_LIFE_CASES if wd]
    judge(outputs(f, "half_life(lr, weight_decay)"), cases, _half_life, mistakes,
          _("write down what one step does to a weight, then what t steps do, and solve for the "
            "t that leaves half."), what="half_life", read=_read_half_life)
    lr = g.GrokConfig.lr
    return (_("half_life is right: with the lab's lr = {lr:g} and weight decay 1, the decay alone "
              "would halve a weight in {_half_life:.1f} steps; with no weight decay, never.").format(lr=lr, _half_life=_half_life(lr, 1.0)))


def _norm_reference():
    runs = _runs()
    return runs[NORM_FRAC, 0.0].weight_norm, runs[NORM_FRAC, 1.0].weight_norm


@checker("6.5b", reread=page(PAGE, "Weight decay, the weight norm and Omnigrok"))
def norm_ratio(answer, guess):
    """Check the final weight norm without weight decay divided by that with weight decay 1,
    after the student's recorded prediction ``guess`` of it."""
    guess = expect_prediction(guess, "norm_guess")
    value = expect_number(answer, "norm_ratio")
    no_wd, wd1 = _norm_reference()
    want = no_wd[-1] / wd1[-1]
    runs = _runs()
    candidates = [
        (_("upside down: the question divides the run without weight decay by the one with it."),
         1 / want),
        (_("use the final values (the last entry), not the first."), no_wd[0] / wd1[0]),
        (_("use the final values (the last entry), not the largest."), no_wd.max() / wd1.max()),
        (_("that is the difference; the question asks for the ratio."), no_wd[-1] - wd1[-1]),
    ] + [(_("use the runs at training fraction {NORM_FRAC:.0%} (you used {f:.0%}).").format(NORM_FRAC=NORM_FRAC, f=f),
          runs[f, 0.0].weight_norm[-1] / runs[f, 1.0].weight_norm[-1])
         for f in g.SWEEP_FRACS if f != NORM_FRAC]
    judge(lambda: value, [((), _("the two runs"))], lambda: want,
          [(h, lambda v=v: v) for h, v in candidates],
          _("compare the final weight norms of the two runs the question names."),
          what="norm_ratio", tol=1e-3)
    return (_("{compare_prediction} Without weight decay the weights end "
              "{want:.2f} times larger "
              "(norm {no_wd:.0f} against {wd1:.0f}), and that run does not generalise "
              "within the budget.").format(compare_prediction=compare_prediction(guess, want), want=want, no_wd=no_wd[-1], wd1=wd1[-1]))
