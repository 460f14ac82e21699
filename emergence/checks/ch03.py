"""Checkers for the Chapter 3 exercises (smooth, emergent and U-shaped scaling).

Each checker runs the student's answer on several inputs, some never shown in the notebook,
compares with the library's reference (``emergence.behaviours``), and when the answer is wrong
tries the usual mistakes one by one: if a known wrong approach reproduces the student's
answers, the hint names that mistake.

    from emergence.checks import ch03 as check
    check.emergence_score(emergence_score)
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from emergence import behaviours
from emergence.checks import (Wrong, checker, expect_array, expect_dict, expect_function, judge,
                              outputs, page, shape_of)
from emergence.i18n import N_, _

__all__ = ["emergence_score", "chain_success", "half_scale", "distracted_accuracy",
           "classify_curves", "CURVE_SIZES", "CURVES"]

PAGE = "ch03_scaling_behaviours"


# ---------------------------------------------------------------- 3.1 emergence score

def _score(y):
    return behaviours.emergence_score(y)


def _score_cases():
    _skip, two_digit = behaviours.gpt3_arithmetic("2D+", "few-shot")
    _skip, multiply = behaviours.gpt3_arithmetic("2Dx", "one-shot")
    return [
        ((np.array([0.0, 1.0, 2.0, 10.0]),), _("the worked example [0, 1, 2, 10]")),
        ((two_digit,), _("GPT-3 2-digit addition, few-shot")),
        ((multiply[:7],), _("GPT-3 2-digit multiplication, one-shot, first 7 sizes (6 steps)")),
        ((np.array([0.0, 1.0, 4.0, 5.0, 20.0]),), _("[0, 1, 4, 5, 20] (an even number of steps)")),
        ((np.array([60.0, 58.0, 50.0, 20.0, 5.0, 4.0]),), _("a falling curve")),
        ((np.array([5.0, 0.0, 10.0, 3.0]),), _("[5, 0, 10, 3] (ends below its start)")),
        ((np.array([0.5, 0.48, 0.3, 0.25, 0.6, 0.95]),), _("a U-shaped curve")),
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
        (_("you left out the sign: the score is negative when the maximum comes before the "
           "minimum."), unsigned),
        (_("the sign comes from where the maximum and minimum are, not from the last value minus "
           "the first."), lambda y: float(np.sign(y[-1] - y[0])) * unsigned(y)),
        (_("the sign is reversed: a curve whose maximum comes after its minimum scores positive."),
         lambda y: -_score(y)),
        (_("the numerator is the whole range of the curve, not the last value minus the first."),
         lambda y: sign(y) * abs(float(y[-1] - y[0])) / typical(y)),
        (_("you used the mean of the squared steps (their RMS); the score uses the median, which "
           "ignores the few big jumps."),
         lambda y: sign(y) * parts(y)[2] / math.sqrt(float(np.mean(parts(y)[1] ** 2)))),
        (_("you took the median of the absolute steps; the definition squares first. They agree "
           "for an odd number of steps but not for an even number, where the median averages "
           "the two middle values."),
         lambda y: sign(y) * parts(y)[2] / float(np.median(np.abs(parts(y)[1])))),
        (_("your typical step is still squared: it has the units of y squared."),
         lambda y: sign(y) * parts(y)[2] / float(np.median(parts(y)[1] ** 2))),
        (_("the steps are differences between neighbouring points, not the values of y "
           "themselves."), lambda y: sign(y) * parts(y)[2] / math.sqrt(float(np.median(parts(y)[0] ** 2)))),
        (_("the denominator is the typical step between neighbours, not the spread of the values "
           "(standard deviation)."), lambda y: sign(y) * parts(y)[2] / float(np.std(y))),
        (_("you sorted y by value; the score uses y in order of model scale, as given."),
         lambda y: _score(np.sort(y))),
    ]


def _special_score(f, y, want: float, label: str, hint: str) -> None:
    """Check a degenerate curve (flat, or mostly zero steps) with its own hint."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            out = f(np.array(y, dtype=float))
    except Exception as err:  # noqa: BLE001 -- a crash here is the typical mistake
        raise Wrong(_("emergence_score raised {type} on {label}.").format(type=type(err).__name__, label=label), hint) from None
    if isinstance(out, np.ndarray) and out.size == 1:
        out = out.item()
    if out is None or out is Ellipsis or isinstance(out, bool) or not isinstance(
            out, int | float | np.number):
        raise Wrong(_("emergence_score returned {out!r} on {label}.").format(out=out, label=label), hint)
    if not (float(out) == want or (math.isnan(want) and math.isnan(float(out)))):
        raise Wrong(_("emergence_score gave {out} on {label}.").format(out=float(out), label=label), hint)


@checker("3.1", reread=page(PAGE, "Measuring abruptness"))
def emergence_score(answer):
    """Check ``emergence_score(y)``: the BIG-bench emergence score of a curve in order of scale."""
    f = expect_function(answer, "emergence_score", own=(behaviours.emergence_score,))
    judge(outputs(f, "emergence_score(y)"), _score_cases(), _score, _wrong_scores(),
          _("work the score out by hand on the worked example, piece by piece (sign, range, "
            "typical step), and compare each piece with your code."), what="emergence_score")
    _special_score(f, [3.0] * 6, 0.0, _("a flat curve [3, 3, 3, 3, 3, 3]"),
                   _("a flat curve makes the formula 0/0: the exercise defines its score "
                     "separately. Test for that case first."))
    _special_score(f, [0.0, 0.0, 0.0, 0.0, 5.0], math.inf,
                   _("[0, 0, 0, 0, 5] (most steps exactly zero)"),
                   _("most steps are 0, so the typical step is 0: what does a division by zero "
                     "mean here, and what does a Python float do with it?"))
    _special_score(f, [5.0, 0.0, 0.0, 0.0, 0.0], -math.inf, "[5, 0, 0, 0, 0]",
                   _("here the maximum comes first: the sign applies to the infinite case too."))
    return (_("emergence_score is right on 7 curves, including GPT-3 rows, a falling curve and an "
              "even number of steps, and handles flat and single-jump curves."))


# ---------------------------------------------------------------- 3.2 chain success

def _chain(p):
    return np.prod(np.asarray(p, float), axis=0)


def _chain_cases():
    rng = np.random.default_rng(32)
    smooth = np.array([behaviours.skill_probability(np.geomspace(1e7, 1e12, 9), m)
                       for m in (8.5, 9.0, 9.0, 9.7)])
    return [
        (np.array([[0.9, 0.95, 0.99], [0.5, 0.8, 0.9]]), _("the worked example (2 steps, 3 models)")),
        (rng.uniform(0.3, 1.0, (5, 8)), _("5 steps, 8 models")),
        (rng.uniform(0.0, 1.0, (1, 6)), _("a single step (k = 1)")),
        (np.vstack([rng.uniform(0.5, 1, 7), np.zeros(7), rng.uniform(0.5, 1, 7)]),
         _("3 steps, one of which always fails")),
        (smooth, _("4 skill curves from behaviours.skill_probability, 9 models")),
        (np.full((10, 4), 0.9), _("10 steps, each right 90% of the time")),
    ]


def _wrong_chains():
    def arr(p):
        return np.asarray(p, float)

    return [
        (_("a chain is right only if *every* step is right; an average is not that."),
         lambda p: arr(p).mean(axis=0)),
        (_("that is the weakest step's success rate. Even if every other step is better, each "
           "can still fail."), lambda p: arr(p).min(axis=0)),
        (_("that is the probability that *at least one* step is right; the chain needs all of "
           "them."), lambda p: 1 - np.prod(1 - arr(p), axis=0)),
        (_("a sum of probabilities can exceed 1: independent events that must all happen do not "
           "add."), lambda p: arr(p).sum(axis=0)),
        (_("you used the first step's success rate for every step; the steps differ."),
         lambda p: arr(p)[0] ** len(arr(p))),
    ]


def _one_per_model(out, label, rows, cols):
    shape = shape_of(out)
    if shape == ():
        raise Wrong(_("chain_success returned one number for {label}.").format(label=label),
                    _("return one success rate per model: combine over the steps only."))
    if shape == (rows,) and rows != cols:
        raise Wrong(_("chain_success returned {rows} numbers (one per step) for {label}.").format(rows=rows, label=label),
                    _("you combined along the wrong axis: rows are steps, columns are models."))
    return expect_array(out, shape=(cols,), what=_("chain_success on {label}").format(label=label))


@checker("3.2", reread=page(PAGE, "Emergent"))
def chain_success(answer):
    """Check ``chain_success(step_success)``: product over steps (axis 0), one value per model."""
    f = expect_function(answer, "chain_success")
    cases = _chain_cases()
    shapes = {label: p.shape for p, label in cases}
    judge(outputs(f, "chain_success(step_success)"), [((p,), label) for p, label in cases],
          _chain, _wrong_chains(),
          _("for one model with two steps, each right with some chance on its own: what is the "
            "chance that both are right? Do that for every model."), what="chain_success",
          read=lambda out, label: _one_per_model(out, label, *shapes[label]))
    return (_("chain_success is right: with independent steps the chain's success is the product "
              "of the steps' success rates, never above its weakest step."))


# ---------------------------------------------------------------- 3.3 half scale

def _half(k, midpoint, slope):
    return behaviours.multi_step_scale(0.5, k, midpoint, slope)


def _half_cases():
    return [
        ((1, 9.0, 2.0), _("k = 1, midpoint 9, slope 2")),
        ((10, 9.0, 2.0), _("k = 10, midpoint 9, slope 2")),
        ((3, 10.0, 1.0), _("k = 3, midpoint 10, slope 1")),
        ((50, 8.0, 3.0), _("k = 50, midpoint 8, slope 3")),
        ((2, 9.5, 0.5), _("k = 2, midpoint 9.5, slope 0.5")),
    ]


def _wrong_halves():
    def logit(q):
        return math.log(q / (1 - q))

    return [
        (_("you returned the exponent (log10 N); the exercise asks for N itself."),
         lambda k, m, a: math.log10(_half(k, m, a))),
        (_("that is where *one step* is right half the time. The whole task needs every step "
           "right, so each step must be more reliable than that."), lambda k, m, a: 10.0 ** m),
        (_("each step's reliability q must make the *whole task* right half the time; you made "
           "each step q = 0.5 ** k, which makes the task far less likely."),
         lambda k, m, a: 10.0 ** (m + logit(0.5 ** k) / a)),
        (_("the skill curve is in log10 N, so undo it with a power of 10, not of e."),
         lambda k, m, a: math.exp(m + logit(0.5 ** (1 / k)) / a)),
        (_("the sign is flipped when you inverted the logistic: a more reliable step needs a "
           "larger model."), lambda k, m, a: 10.0 ** (m - logit(0.5 ** (1 / k)) / a)),
        (_("the logistic function uses the natural logarithm, not log10."),
         lambda k, m, a: 10.0 ** (m + math.log10(0.5 ** (1 / k) / (1 - 0.5 ** (1 / k))) / a)),
        (_("a steeper slope should bring the answer closer to the midpoint; yours moves it "
           "further away."), lambda k, m, a: 10.0 ** (m + logit(0.5 ** (1 / k)) * a)),
    ]


@checker("3.3", reread=page(PAGE, "Emergent"))
def half_scale(answer):
    """Check ``half_scale(k, midpoint, slope)``: the N at which p(N)**k = 1/2."""
    f = expect_function(answer, "half_scale", own=(behaviours.multi_step_scale,))
    judge(outputs(f, "half_scale(k, midpoint, slope)"), _half_cases(), _half, _wrong_halves(),
          _("two steps: first, how reliable must each step be for the whole task to be right "
            "half the time? Then, at what size does the skill curve reach that reliability?"),
          what="half_scale")
    delay = math.log10(_half(10, 9.0, 2.0) / _half(1, 9.0, 2.0))
    return (_("half_scale is right. A 10-step task reaches 50% {delay:.2f} decades (a factor "
              "{value:.0f}) after one of its steps does.").format(delay=delay, value=10 ** delay))


# ---------------------------------------------------------------- 3.4 distracted accuracy

def _distracted(s, h, w, c):
    s, h = np.asarray(s, float), np.asarray(h, float)
    return s + (1 - s) * (1 - w * h) * c


def _distracted_cases():
    N = np.geomspace(1e7, 1e13, 13)
    s, h = behaviours.skill_probability(N, 10.5), behaviours.skill_probability(N, 8.5)
    rng = np.random.default_rng(34)
    return [
        ((np.array([0.0, 0.1, 0.9]), np.array([0.0, 0.9, 1.0]), 0.8, 0.5), _("the worked example")),
        ((s, h, 1.0, 0.5), _("skill and heuristic curves, strength 1, chance 0.5")),
        ((s, h, 0.4, 0.25), _("strength 0.4, chance 0.25 (four options)")),
        ((s, h, 0.0, 0.5), _("strength 0 (no distractor)")),
        ((rng.random(20), rng.random(20), 0.7, 0.2), _("random competences, strength 0.7, chance 0.2")),
    ]


def _wrong_distracted():
    def a(x):
        return np.asarray(x, float)

    return [
        (_("you added the guess for every model, also those that used the skill: the guess only "
           "happens when the skill is not used."), lambda s, h, w, c: a(s) + (1 - w * a(h)) * c),
        (_("the skill is missing: with probability `skill` the model answers right."),
         lambda s, h, w, c: (1 - w * a(h)) * c),
        (_("the strength of the distractor is missing."),
         lambda s, h, w, c: a(s) + (1 - a(s)) * (1 - a(h)) * c),
        (_("a guess is right only some of the time: the chance of a right guess is missing."),
         lambda s, h, w, c: a(s) + (1 - a(s)) * (1 - w * a(h))),
        (_("the heuristic's answer is always wrong, so it takes away guesses as a probability "
           "of its own, not by subtracting from the chance."),
         lambda s, h, w, c: a(s) + (1 - a(s)) * (c - w * a(h))),
        (_("when the distractor fires the answer is *wrong*; your guessing branch is the branch "
           "in which it fires."), lambda s, h, w, c: a(s) + (1 - a(s)) * w * a(h) * c),
    ]


def _above_one(failed):
    if any(np.any(got > 1 + 1e-9) for _, got in failed):
        return _("some accuracies are above 1: the branches must add up to one model.")
    return (_("draw the tree of what a model does: it uses the skill, or else the distractor "
              "fires, or else it guesses. Multiply along each branch that ends in a right answer."))


@checker("3.4", reread=page(PAGE, "A toy"))
def distracted_accuracy(answer):
    """Check ``distracted_accuracy(skill, heuristic, strength, chance)``: the U-shape toy."""
    f = expect_function(answer, "distracted_accuracy")

    def read(out, label):
        got = expect_array(out, what=_("distracted_accuracy on {label}").format(label=label))
        if got.ndim != 1:
            raise Wrong(_("distracted_accuracy returned shape {shape} for {label}: not one "
                          "accuracy per model.").format(shape=got.shape, label=label), _("use numpy arithmetic on the whole arrays (no "
                          "loops, no sums)."))
        return got

    judge(outputs(f, "distracted_accuracy(skill, heuristic, strength, chance)"),
          _distracted_cases(), _distracted, _wrong_distracted(), _above_one,
          what="distracted_accuracy", read=read,
          agree=lambda got, want: got.shape == want.shape and bool(np.allclose(got, want)))
    return (_("distracted_accuracy is right: chance for small models, (1 - strength) × chance "
              "where the heuristic is learned but the skill is not, then up to 1."))


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

_WHY = {  # a diagnosis for each wrong label, never naming the right one
    ("A", "emergent"): N_("A improves at every size, by similar amounts per step in log size: its "
                          "rise starts with the smallest models, with no long flat stretch first."),
    ("A", "u-shaped"): N_("A never falls."),
    ("A", "inverse"): N_("A goes up, not down."),
    ("B", "smooth"): N_("B sits near 2-3% for six sizes, more than half of the log-size range, "
                        "before it climbs: check the rule's test for a flat stretch."),
    ("B", "u-shaped"): N_("B has no real dip: its wobbles are within a point."),
    ("B", "inverse"): N_("B goes up, not down."),
    ("C", "inverse"): N_("look at the largest models: C climbs from its low of 25% back to 71%, "
                         "above where it started."),
    ("C", "emergent"): N_("C first falls from 51% to 25% before it rises."),
    ("C", "smooth"): N_("C first falls from 51% to 25% before it rises."),
    ("D", "u-shaped"): N_("D does not recover: its largest model is its worst."),
    ("D", "smooth"): N_("D goes down with size."),
    ("D", "emergent"): N_("D goes down with size."),
    ("E", "smooth"): N_("E is flat around 25% (chance on a four-choice test) for eight sizes "
                        "before it moves: check the rule's test for a flat stretch."),
    ("E", "u-shaped"): N_("E's dip (from 25% to 24%) is tiny compared with its later rise to 76%: "
                          "a wobble at chance level, not a U."),
    ("E", "inverse"): N_("E goes up, not down."),
    ("F", "emergent"): N_("F starts late but climbs steadily, from 13% at 1.3B to 56% at 540B: "
                          "measure how much of the log-size range its 10%-90% rise takes."),
    ("F", "u-shaped"): N_("F's dip (10% to 9%) is tiny compared with its rise to 56%: not a U."),
    ("F", "inverse"): N_("F goes up, not down."),
}

_ALIASES = {"u": "u-shaped", "u shaped": "u-shaped", "ushaped": "u-shaped", "u-shape": "u-shaped",
            "u shape": "u-shaped", "inverse scaling": "inverse", "emergence": "emergent"}


def curve_labels() -> dict[str, str]:
    """The reference labels of exercise 3.5 (``behaviours.classify_scaling_curve`` on a log axis)."""
    return {name: behaviours.classify_scaling_curve(CURVE_SIZES, y) for name, y in CURVES.items()}


@checker("3.5", reread=page(PAGE, "A rule for labelling curves"))
def classify_curves(labels):
    """Check a dict {curve name: label} for the six curves of exercise 3.5."""
    names = sorted(CURVES)
    expect_dict(labels, names, "labels", _("{\"A\": \"...\", \"B\": \"...\", ...} with one label per curve"))
    allowed = ("smooth", "emergent", "u-shaped", "inverse")
    given = {}
    for name in names:
        value = labels[name]
        text = value.strip().lower().replace("_", "-") if isinstance(value, str) else None
        text = _ALIASES.get(text, text)
        if text not in allowed:
            raise Wrong(_("the label for curve {name} is {value!r}.").format(name=name, value=value),
                        _("use one of {map}").format(map=', '.join(map(repr, allowed))))
        given[name] = text
    want = curve_labels()
    wrong = [n for n in names if given[n] != want[n]]
    if wrong:
        n = wrong[0]
        why = (_(_WHY[n, given[n]]) if (n, given[n]) in _WHY else
               _("apply the chapter's rule to curve {n} step by step.").format(n=n))
        raise Wrong(_("{n_wrong} of 6 labels differ from the rule's: curve {n} is not "
                      "{given}.").format(n_wrong=len(wrong), n=n, given=given[n]), why)
    shapes = {n: behaviours.describe_scaling_curve(CURVE_SIZES, CURVES[n]) for n in names}
    return _("all six match the rule. {labels}. Now try them on a linear size axis "
             "(log_x=False).").format(labels="; ".join(f"{n}: {shapes[n].label}" for n in names))
