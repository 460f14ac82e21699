"""Checkers for the Chapter 3 exercises (smooth, emergent and U-shaped scaling).

Each checker runs the student's answer on several inputs, some never shown in the notebook,
compares with the library's reference (``emergence.tasks``), and when the answer is wrong
tries the usual mistakes one by one: if a known wrong approach reproduces the student's
answers, the hint names that mistake.

    from emergence.checks import ch03 as check
    check.emergence_score(emergence_score)
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from emergence import tasks
from emergence.checks import (Wrong, checker, close, expect_array, expect_dict, expect_function,
                              expect_real, explain, fmt, quiet_call, same, shape_of)

__all__ = ["emergence_score", "chain_success", "half_scale", "distracted_accuracy",
           "classify_curves", "CURVE_SIZES", "CURVES"]

TOL = 1e-6


def _fails(f, cases, reference, what: str, digits: int = 4):
    """Run ``f`` on every (args, label) case; return (failed, first message)."""
    failed, first = [], None
    for args, label in cases:
        out = quiet_call(f, *args, what=what)
        got = expect_real(out, f"{what.split('(')[0]} on {label}")
        want = reference(*args)
        if not close(got, want, rel=TOL, abs=1e-9):
            failed.append((args, got))
            first = first or (f"{what.split('(')[0]} gave {fmt(got, digits)} for {label}; "
                              f"expected {fmt(want, digits)}.")
    return failed, first


def _star(f):
    """A candidate mistake written for unpacked arguments, applied to one case tuple."""
    return lambda case: f(*case)


# ---------------------------------------------------------------- 3.1 emergence score

def _score(y):
    return tasks.emergence_score(y)


def _score_cases():
    _, two_digit = tasks.gpt3_arithmetic("2D+", "few-shot")
    _, multiply = tasks.gpt3_arithmetic("2Dx", "one-shot")
    return [
        ((np.array([0.0, 1.0, 2.0, 10.0]),), "the worked example [0, 1, 2, 10]"),
        ((two_digit,), "GPT-3 2-digit addition, few-shot"),
        ((multiply[:7],), "GPT-3 2-digit multiplication, one-shot, first 7 sizes (6 steps)"),
        ((np.array([0.0, 1.0, 4.0, 5.0, 20.0]),), "[0, 1, 4, 5, 20] (an even number of steps)"),
        ((np.array([60.0, 58.0, 50.0, 20.0, 5.0, 4.0]),), "a falling curve"),
        ((np.array([5.0, 0.0, 10.0, 3.0]),), "[5, 0, 10, 3] (ends below its start)"),
        ((np.array([0.5, 0.48, 0.3, 0.25, 0.6, 0.95]),), "a U-shaped curve"),
    ]


def _wrong_scores():
    def parts(y):
        y = np.asarray(y, float)
        return y, np.diff(y), float(y.max() - y.min())

    def sign(y):
        return float(np.sign(np.argmax(y) - np.argmin(y)))

    def typical(y):
        return math.sqrt(float(np.median(np.diff(np.asarray(y, float)) ** 2)))

    def unsigned(y):
        return abs(_score(y))

    return [
        ("you left out the sign: the score is negative when the maximum comes before the "
         "minimum (np.sign(np.argmax(y) - np.argmin(y))).", _star(unsigned)),
        ("the sign comes from where the maximum and minimum are (argmax - argmin), not from "
         "the last value minus the first.",
         _star(lambda y: float(np.sign(y[-1] - y[0])) * unsigned(y))),
        ("the sign is reversed: use np.sign(argmax - argmin), positive when the maximum comes "
         "after the minimum.", _star(lambda y: -_score(y))),
        ("the numerator is the whole range, max(y) - min(y), not the last value minus the first.",
         _star(lambda y: sign(y) * abs(float(y[-1] - y[0])) / typical(y))),
        ("you used the mean of the squared steps (their RMS); the score uses the median, which "
         "ignores the few big jumps.",
         _star(lambda y: sign(y) * parts(y)[2] / math.sqrt(float(np.mean(parts(y)[1] ** 2))))),
        ("you took the median of |step|; the formula is the square root of the median of "
         "step². They agree for an odd number of steps but not for an even number, where the "
         "median averages the two middle values.",
         _star(lambda y: sign(y) * parts(y)[2] / float(np.median(np.abs(parts(y)[1]))))),
        ("you forgot the square root of the median of the squared steps.",
         _star(lambda y: sign(y) * parts(y)[2] / float(np.median(parts(y)[1] ** 2)))),
        ("the steps are differences between neighbouring points (np.diff(y)), not the values "
         "of y themselves.",
         _star(lambda y: sign(y) * parts(y)[2] / math.sqrt(float(np.median(parts(y)[0] ** 2))))),
        ("the denominator is the typical step, sqrt(median((y[i] - y[i-1])²)), not the spread "
         "of the values (standard deviation).",
         _star(lambda y: sign(y) * parts(y)[2] / float(np.std(y)))),
        ("you sorted y by value; the score uses y in order of model scale, as given.",
         _star(lambda y: _score(np.sort(y)))),
    ]


def _special_score(f, y, want: float, label: str, hint: str) -> None:
    """Check a degenerate curve (flat, or mostly zero steps) with its own hint."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            out = f(np.array(y, dtype=float))
    except Exception as err:  # noqa: BLE001 -- a crash here is the typical mistake
        raise Wrong(f"emergence_score raised {type(err).__name__} on {label}.", hint) from None
    if isinstance(out, np.ndarray) and out.size == 1:
        out = out.item()
    if out is None or out is Ellipsis or isinstance(out, bool) or not isinstance(
            out, int | float | np.number):
        raise Wrong(f"emergence_score returned {out!r} on {label}.", hint)
    if not (float(out) == want or (math.isnan(want) and math.isnan(float(out)))):
        raise Wrong(f"emergence_score gave {float(out)} on {label}; expected {want}.", hint)


@checker("3.1")
def emergence_score(answer):
    """Check ``emergence_score(y)``: the BIG-bench emergence score of a curve in order of scale."""
    f = expect_function(answer, "emergence_score")
    failed, first = _fails(f, _score_cases(), _score, "emergence_score(y)")
    if failed:
        raise Wrong(first, explain(failed, _wrong_scores()) or
                    "score = np.sign(argmax - argmin) * (max - min) / "
                    "sqrt(median(np.diff(y)**2)); check each piece on the worked example.")
    _special_score(f, [3.0] * 6, 0.0, "a flat curve [3, 3, 3, 3, 3, 3]",
                   "a flat curve has max - min = 0 and every step 0, so the formula is 0/0: the "
                   "exercise defines its score as 0.0. Test for max == min first.")
    _special_score(f, [0.0, 0.0, 0.0, 0.0, 5.0], math.inf,
                   "[0, 0, 0, 0, 5] (most steps exactly zero)",
                   "most steps are 0, so the median squared step is 0 and the score is infinite: "
                   "return math.inf times the sign (np.float64 division by zero gives inf too, "
                   "but a Python float raises ZeroDivisionError).")
    _special_score(f, [5.0, 0.0, 0.0, 0.0, 0.0], -math.inf, "[5, 0, 0, 0, 0]",
                   "here the maximum comes first, so the score is -inf: multiply math.inf by "
                   "the sign.")
    return ("emergence_score is right on 7 curves, including GPT-3 rows, a falling curve and an "
            "even number of steps, and handles flat and single-jump curves.")


# ---------------------------------------------------------------- 3.2 chain success

def _chain(p):
    return np.prod(np.asarray(p, float), axis=0)


def _chain_cases():
    rng = np.random.default_rng(32)
    smooth = np.array([tasks.skill_probability(np.geomspace(1e7, 1e12, 9), m)
                       for m in (8.5, 9.0, 9.0, 9.7)])
    return [
        (np.array([[0.9, 0.95, 0.99], [0.5, 0.8, 0.9]]), "the worked example (2 steps, 3 models)"),
        (rng.uniform(0.3, 1.0, (5, 8)), "5 steps, 8 models"),
        (rng.uniform(0.0, 1.0, (1, 6)), "a single step (k = 1)"),
        (np.vstack([rng.uniform(0.5, 1, 7), np.zeros(7), rng.uniform(0.5, 1, 7)]),
         "3 steps, one of which always fails"),
        (smooth, "4 skill curves from tasks.skill_probability, 9 models"),
        (np.full((10, 4), 0.9), "10 steps, each right 90% of the time"),
    ]


def _wrong_chains():
    def arr(p):
        return np.asarray(p, float)

    return [
        ("a chain is right only if *every* step is right: multiply the step success rates "
         "(np.prod), don't average them.", lambda p: arr(p).mean(axis=0)),
        ("that is the weakest step's success rate. Even if every other step is better, each "
         "can still fail: multiply them all.", lambda p: arr(p).min(axis=0)),
        ("that is the probability that *at least one* step is right, 1 - prod(1 - p). The "
         "chain needs all of them: prod(p).", lambda p: 1 - np.prod(1 - arr(p), axis=0)),
        ("success rates are probabilities of independent events: multiply them, don't add.",
         lambda p: arr(p).sum(axis=0)),
        ("you raised the first step's success to the power k; the steps differ, so multiply "
         "each one's own success rate.", lambda p: arr(p)[0] ** len(arr(p))),
    ]


@checker("3.2")
def chain_success(answer):
    """Check ``chain_success(step_success)``: product over steps (axis 0), one value per model."""
    f = expect_function(answer, "chain_success")
    failed, first = [], None
    for p, label in _chain_cases():
        out = quiet_call(f, p, what="chain_success(step_success)")
        shape = shape_of(out)
        if shape == ():
            raise Wrong(f"chain_success returned one number for {label}.",
                        "return one success rate per model: multiply over the steps only "
                        "(np.prod(step_success, axis=0)).")
        if shape == (p.shape[0],) and p.shape[0] != p.shape[1]:
            raise Wrong(f"chain_success returned {p.shape[0]} numbers (one per step) for {label}.",
                        "you multiplied along the wrong axis: rows are steps, columns are models, "
                        "so use axis=0.")
        got = expect_array(out, shape=(p.shape[1],), what=f"chain_success on {label}")
        if not same(got, _chain(p)):
            failed.append((p, got))
            first = first or (f"chain_success gave {fmt(got)} for {label}; expected "
                              f"{fmt(_chain(p))}.")
    if failed:
        raise Wrong(first, explain(failed, _wrong_chains()) or
                    "the chain succeeds only if step 1 and step 2 and ... all succeed: "
                    "np.prod(step_success, axis=0).")
    return ("chain_success is right: with independent steps the chain's success is the product "
            "of the steps' success rates, never above its weakest step.")


# ---------------------------------------------------------------- 3.3 half scale

def _half(k, midpoint, slope):
    return tasks.multi_step_scale(0.5, k, midpoint, slope)


def _half_cases():
    return [
        ((1, 9.0, 2.0), "k = 1, midpoint 9, slope 2"),
        ((10, 9.0, 2.0), "k = 10, midpoint 9, slope 2"),
        ((3, 10.0, 1.0), "k = 3, midpoint 10, slope 1"),
        ((50, 8.0, 3.0), "k = 50, midpoint 8, slope 3"),
        ((2, 9.5, 0.5), "k = 2, midpoint 9.5, slope 0.5"),
    ]


def _wrong_halves():
    def logit(q):
        return math.log(q / (1 - q))

    return [
        ("you returned log10 N, the exponent; the exercise asks for N itself (10 ** ...).",
         _star(lambda k, m, a: math.log10(_half(k, m, a)))),
        ("that is where *one step* is right half the time (10 ** midpoint). The whole task "
         "needs every step right, so each step must be right with probability 0.5 ** (1/k).",
         _star(lambda k, m, a: 10.0 ** m)),
        ("each step must be right with probability q = 0.5 ** (1/k) (so that q ** k = 0.5), "
         "not 0.5 ** k.", _star(lambda k, m, a: 10.0 ** (m + logit(0.5 ** k) / a))),
        ("the skill curve is in log10 N, so N = 10 ** (...), not exp(...).",
         _star(lambda k, m, a: math.exp(m + logit(0.5 ** (1 / k)) / a))),
        ("the sign is flipped: solving q = 1 / (1 + exp(-a (x - b))) gives "
         "x = b + logit(q) / a with logit(q) = ln(q / (1 - q)).",
         _star(lambda k, m, a: 10.0 ** (m - logit(0.5 ** (1 / k)) / a))),
        ("the logistic function uses the natural logarithm: logit(q) = ln(q / (1 - q)), "
         "not log10.", _star(lambda k, m, a: 10.0 ** (m + math.log10(0.5 ** (1 / k) /
                                                               (1 - 0.5 ** (1 / k))) / a))),
        ("divide the logit by the slope, don't multiply: x = b + logit(q) / a.",
         _star(lambda k, m, a: 10.0 ** (m + logit(0.5 ** (1 / k)) * a))),
    ]


@checker("3.3")
def half_scale(answer):
    """Check ``half_scale(k, midpoint, slope)``: the N at which p(N)**k = 1/2."""
    f = expect_function(answer, "half_scale")
    failed, first = _fails(f, _half_cases(), _half, "half_scale(k, midpoint, slope)")
    if failed:
        raise Wrong(first, explain(failed, _wrong_halves(), tol=1e-6) or
                    "solve p(N) ** k = 0.5 for N: q = 0.5 ** (1/k), then "
                    "log10 N = midpoint + ln(q / (1 - q)) / slope.")
    delay = math.log10(_half(10, 9.0, 2.0) / _half(1, 9.0, 2.0))
    return (f"half_scale is right. A 10-step task reaches 50% {delay:.2f} decades (a factor "
            f"{10 ** delay:.0f}) after one of its steps does.")


# ---------------------------------------------------------------- 3.4 distracted accuracy

def _distracted(s, h, w, c):
    s, h = np.asarray(s, float), np.asarray(h, float)
    return s + (1 - s) * (1 - w * h) * c


def _distracted_cases():
    N = np.geomspace(1e7, 1e13, 13)
    s, h = tasks.skill_probability(N, 10.5), tasks.skill_probability(N, 8.5)
    rng = np.random.default_rng(34)
    return [
        ((np.array([0.0, 0.1, 0.9]), np.array([0.0, 0.9, 1.0]), 0.8, 0.5), "the worked example"),
        ((s, h, 1.0, 0.5), "skill and heuristic curves, strength 1, chance 0.5"),
        ((s, h, 0.4, 0.25), "strength 0.4, chance 0.25 (four options)"),
        ((s, h, 0.0, 0.5), "strength 0 (no distractor)"),
        ((rng.random(20), rng.random(20), 0.7, 0.2), "random competences, strength 0.7, chance 0.2"),
    ]


def _wrong_distracted():
    def a(x):
        return np.asarray(x, float)

    return [
        ("you added the guess for every model, also those that used the skill: the guess only "
         "happens when the skill is not used, so multiply by (1 - skill).",
         _star(lambda s, h, w, c: a(s) + (1 - w * a(h)) * c)),
        ("the skill is missing: with probability `skill` the model answers right.",
         _star(lambda s, h, w, c: (1 - w * a(h)) * c)),
        ("the distractor fires with probability strength × heuristic: you left out the strength.",
         _star(lambda s, h, w, c: a(s) + (1 - a(s)) * (1 - a(h)) * c)),
        ("a guess is right only with probability `chance`: multiply the guessing branch by it.",
         _star(lambda s, h, w, c: a(s) + (1 - a(s)) * (1 - w * a(h)))),
        ("the heuristic's answer is always wrong, so it removes guesses: use (1 - w·h) × chance, "
         "not chance - w·h.", _star(lambda s, h, w, c: a(s) + (1 - a(s)) * (c - w * a(h)))),
        ("when the distractor fires the answer is *wrong*: the guessing branch has probability "
         "(1 - w·h), not w·h.", _star(lambda s, h, w, c: a(s) + (1 - a(s)) * w * a(h) * c)),
    ]


@checker("3.4")
def distracted_accuracy(answer):
    """Check ``distracted_accuracy(skill, heuristic, strength, chance)``: the U-shape toy."""
    f = expect_function(answer, "distracted_accuracy")
    failed, first = [], None
    for args, label in _distracted_cases():
        out = quiet_call(f, *args, what="distracted_accuracy(skill, heuristic, strength, chance)")
        want = _distracted(*args)
        got = expect_array(out, what=f"distracted_accuracy on {label}")
        if got.shape != want.shape:
            raise Wrong(f"distracted_accuracy returned shape {got.shape} for {label}; expected "
                        f"{want.shape}, one accuracy per model.",
                        "use numpy arithmetic on the whole arrays (no loops, no sums).")
        if not same(got, want):
            failed.append((args, got))
            first = first or (f"distracted_accuracy gave {fmt(got)} for {label}; expected "
                              f"{fmt(want)}.")
    if failed:
        hint = explain(failed, _wrong_distracted())
        if hint is None and any(np.any(got > 1 + 1e-9) for _, got in failed):
            hint = "some accuracies are above 1: the three branches must add up to one model."
        raise Wrong(first, hint or "three branches: the skill (right, probability s); else the "
                    "distractor (wrong, probability w·h); else a guess (right with probability "
                    "`chance`): s + (1 - s)(1 - w·h)·chance.")
    return ("distracted_accuracy is right: chance for small models, (1 - strength) × chance "
            "where the heuristic is learned but the skill is not, then up to 1.")


# ---------------------------------------------------------------- 3.5 classify curves

CURVE_SIZES = np.array([1.2e8, 3.5e8, 7.6e8, 1.3e9, 2.7e9, 6.7e9, 1.3e10, 7e10, 1.75e11, 5.4e11])
"""Model sizes (parameters) of the ten made-up models in exercise 3.5."""

CURVES = {
    "A": np.array([31.0, 33.5, 36.0, 37.5, 40.5, 43.5, 46.0, 51.0, 54.0, 58.0]),
    "B": np.array([2.0, 2.5, 2.0, 3.0, 2.5, 3.5, 9.0, 38.0, 61.0, 79.0]),
    "C": np.array([51.0, 50.0, 46.0, 41.0, 33.0, 27.0, 25.0, 34.0, 52.0, 71.0]),
    "D": np.array([62.0, 61.0, 57.0, 52.0, 44.0, 39.0, 35.0, 30.0, 27.0, 24.0]),
    "E": np.array([25.0, 24.0, 25.5, 26.0, 27.0, 26.0, 29.0, 30.0, 48.0, 76.0]),
    "F": np.array([10.0, 9.0, 11.0, 13.0, 17.0, 22.0, 30.0, 40.0, 49.0, 56.0]),
}
"""Accuracy (%) of the six made-up curves in exercise 3.5, one value per model size."""

_WHY = {
    ("A", "emergent"): "A improves at every size, by similar amounts per step in log size: its "
                       "rise starts with the smallest models. That is smooth.",
    ("A", "u-shaped"): "A never falls.",
    ("A", "inverse"): "A goes up, not down.",
    ("B", "smooth"): "B sits near 2-3% for six sizes (more than half of the log-size range) "
                     "and then climbs to 79% over the last four: emergent.",
    ("C", "inverse"): "look at the largest models: C climbs from its low of 25% back to 71%, "
                      "above where it started. It falls, then recovers: u-shaped.",
    ("C", "emergent"): "C first falls from 51% to 25% before it rises: u-shaped.",
    ("C", "smooth"): "C first falls from 51% to 25% before it rises: u-shaped.",
    ("D", "u-shaped"): "D does not recover: its largest model is its worst. That is inverse "
                       "(perhaps a U whose right arm lies beyond the largest model trained).",
    ("D", "smooth"): "D goes down with size: inverse.",
    ("E", "smooth"): "E is flat around 25% (chance on a four-choice test) for eight sizes, then "
                     "jumps over the last two: emergent.",
    ("E", "u-shaped"): "E's dip (from 25% to 24%) is tiny compared with its later rise to 76%: "
                       "a wobble at chance level, not a U.",
    ("F", "emergent"): "F starts late but climbs steadily, from 13% at 1.3B to 56% at 540B: "
                       "its 10%-90% rise takes about 60% of the log-size range, more than half. "
                       "Smooth.",
    ("F", "u-shaped"): "F's dip (10% to 9%) is tiny compared with its rise to 56%: not a U.",
}

_ALIASES = {"u": "u-shaped", "u shaped": "u-shaped", "ushaped": "u-shaped", "u-shape": "u-shaped",
            "u shape": "u-shaped", "inverse scaling": "inverse", "emergence": "emergent"}


def curve_labels() -> dict[str, str]:
    """The reference labels of exercise 3.5 (``tasks.classify_scaling_curve`` on a log axis)."""
    return {name: tasks.classify_scaling_curve(CURVE_SIZES, y) for name, y in CURVES.items()}


@checker("3.5")
def classify_curves(labels):
    """Check a dict {curve name: label} for the six curves of exercise 3.5."""
    names = sorted(CURVES)
    expect_dict(labels, names, "labels", '{"A": "smooth", "B": "emergent", ...}')
    allowed = ("smooth", "emergent", "u-shaped", "inverse")
    given = {}
    for name in names:
        value = labels[name]
        text = value.strip().lower().replace("_", "-") if isinstance(value, str) else None
        text = _ALIASES.get(text, text)
        if text not in allowed:
            raise Wrong(f"the label for curve {name} is {value!r}.",
                        f"use one of {', '.join(map(repr, allowed))}")
        given[name] = text
    want = curve_labels()
    wrong = [n for n in names if given[n] != want[n]]
    if wrong:
        n = wrong[0]
        why = _WHY.get((n, given[n]), f"curve {n} is {want[n]} by the rule of the chapter.")
        raise Wrong(f"{len(wrong)} of 6 labels differ from the rule's: curve {n} is not "
                    f"{given[n]}.", why)
    shapes = {n: tasks.describe_scaling_curve(CURVE_SIZES, CURVES[n]) for n in names}
    return ("all six match the rule. " + "; ".join(f"{n}: {shapes[n].label}" for n in names)
            + ". Now try them on a linear size axis (log_x=False).")
