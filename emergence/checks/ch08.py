"""Checkers for the Chapter 8 exercises (why do abilities emerge?).

    from emergence.checks import ch08 as check
    check.composite_half_scale(composite_half_scale)
"""
from __future__ import annotations

import functools
import math

import numpy as np

from emergence import grokking as g
from emergence import sparse_parity as sp
from emergence import synthesis as sy
from emergence import behaviours
from emergence.curves import loglog_slope
from emergence.checks import (Wrong, checker, compare_prediction, expect_dict, expect_function,
                              expect_prediction, expect_real, judge, judge_value, outputs, page,
                              shape_of)
from emergence.i18n import N_, _

__all__ = ["composite_half_scale", "survivors", "match_curves", "rare_subtasks", "data_delay",
           "MATCH", "SP_WIDTH", "DELAY_WEIGHT_DECAY", "DELAY_PREDICT_FRAC", "SURVIVORS"]

PAGE = "ch08_why_emergence"


# ---------------------------------------------------------------- 8.1 composite half scale

def _cross(N, y, level=0.5):
    """First bracket y[i] < level <= y[i+1], interpolated linearly in log10 N (N[0] if y[0] >= level)."""
    N, y = np.asarray(N, float), np.asarray(y, float)
    if y[0] >= level:
        return float(N[0])
    i = int(np.flatnonzero((y[:-1] < level) & (y[1:] >= level))[0])
    t = np.log10(N)
    return float(10 ** (t[i] + (level - y[i]) * (t[i + 1] - t[i]) / (y[i + 1] - y[i])))


def _composite(N, parts):
    return _cross(N, np.prod(np.asarray(parts, float), axis=0))


def _half_cases():
    """(N, parts, label): every product crosses 1/2 inside the grid."""
    N = np.geomspace(1e7, 1e12, 11)
    chess = np.array([behaviours.skill_probability(N, m, s) for m, s in ((8.0, 1.2), (9.0, 0.8),
                                                                      (9.5, 1.5))])
    rng = np.random.default_rng(81)
    many = np.array([behaviours.skill_probability(N, m, 1.0) for m in rng.uniform(7.5, 9.0, 8)])
    uneven = np.array([1e6, 3e6, 2e7, 5e7, 4e8, 1e9, 8e9, 3e10])
    return [
        (np.array([1e8, 1e9, 1e10, 1e11]), np.array([[0.5, 0.8, 0.95, 0.99],
                                                     [0.4, 0.7, 0.9, 0.98]]),
         _("the worked example")),
        (N, chess, _("three chess skills (opening, tactics, endgame)")),
        (N, many, _("eight parts with different midpoints")),
        (uneven, np.array([behaviours.skill_probability(uneven, 7.5, 2.0)] * 4),
         _("four equal parts at unevenly spaced sizes")),
        (N, chess[:1], _("a single part")),
        (N[:6], np.full((2, 6), 0.8), _("two parts already at 0.8 (0.64 at the smallest size)")),
    ]


def _wrong_halves():
    def at(combine, space="log"):
        def f(N, parts):
            y = combine(np.asarray(parts, float))
            if space == "log":
                return _cross(N, y)
            if y[0] >= 0.5:
                return float(N[0])
            return float(np.interp(0.5, y, N))
        return f

    prod = functools.partial(np.prod, axis=0)
    return [
        (_("the task needs every part; averaging the parts gives the continuous 'fraction of "
           "parts right' instead."),
         at(lambda p: p.mean(axis=0))),
        (_("adding success rates can exceed 1: that is not how independent parts combine."),
         at(lambda p: p.sum(axis=0))),
        (_("that is where the weakest part reaches 1/2. Even when every other part is better, "
           "each can still fail."), at(lambda p: p.min(axis=0))),
        (_("that is where the first part alone reaches 1/2; the task needs all of them."),
         at(lambda p: p[0])),
        (_("you used the mean part for every part; the parts differ."),
         at(lambda p: p.mean(axis=0) ** len(p))),
        (_("you interpolated in N; the sizes are spread over decades, so the straight line "
           "belongs on a logarithmic axis."), at(prod, "linear")),
        (_("you returned the logarithm of the size; the exercise asks for N itself."),
         lambda N, parts: math.log10(_composite(N, parts))),
        (_("you returned the first size at or above 1/2 without interpolating."),
         lambda N, parts: float(N[int(np.argmax(np.prod(parts, axis=0) >= 0.5))])),
        (_("you returned the last size below 1/2 without interpolating."),
         lambda N, parts: float(N[max(int(np.argmax(np.prod(parts, axis=0) >= 0.5)) - 1, 0)])),
    ]


@checker("8.1", reread=page(PAGE, "The candidate explanations"))
def composite_half_scale(answer):
    """Check ``composite_half_scale(N, parts)``: where the product of the parts reaches 1/2."""
    f = expect_function(answer, "composite_half_scale")
    cases = [((N, parts), label) for N, parts, label in _half_cases()]
    counts = {label: (len(N), len(parts)) for (N, parts), label in cases}

    def read(out, label):
        shape = shape_of(out)
        if shape is not None and len(shape) == 1 and shape[0] in counts[label]:
            raise Wrong(_("composite_half_scale returned {shape} numbers for {label}.").format(shape=shape[0], label=label),
                        _("return one size: the N at which the whole task first reaches 0.5."))
        return expect_real(out, _("composite_half_scale on {label}").format(label=label))

    judge(outputs(f, "composite_half_scale(N, parts)"), cases, _composite, _wrong_halves(),
          _("first the whole task's success at each size (it needs every part), then where that "
            "curve first reaches 1/2, between two sizes."), what="composite_half_scale", read=read)
    N, chess, _skip = _half_cases()[1]
    alone = [_cross(N, part) for part in chess]
    return (_("composite_half_scale is right. The three chess skills reach 1/2 at "
              "{n} parameters; the game needs all three and "
              "reaches 1/2 only at {_composite:.2g}.").format(n=', '.join((f'{n:.2g}' for n in alone)), _composite=_composite(N, chess)))


# ---------------------------------------------------------------- 8.2 which jumps survive?

SURVIVORS = frozenset({"quantised skills", "loss threshold", "grokking on rare data"})
"""The mechanisms whose jump survives a continuous metric (exercise 8.2)."""

_SURVIVE_HINTS = {
    "composite task": N_("a composite task jumps because it multiplies parts that each improve "
                         "smoothly; score the parts (the fraction of parts right) and the curve is "
                         "as smooth as they are. See the first demo at k = 8."),
    "exact-match metric": N_("this is the mirage argument: the per-token probability improves "
                             "smoothly and only the all-or-nothing score jumps (Chapter 7)."),
    "quantised skills": N_("one skill's own loss drops as abruptly as its accuracy (the sparse "
                           "parity sweep): the jump is in the model. Only the average over many "
                           "skills is smooth."),
    "loss threshold": N_("Du et al. report abilities that stay at chance until the loss crosses a "
                         "threshold whether the metric is continuous or not: under this hypothesis "
                         "the continuous score jumps too."),
    "grokking on rare data": N_("when the network groks, the probability it puts on the right "
                                "answer rises as abruptly as its accuracy (the second demo): the "
                                "jump is not made by the metric."),
}

_MECHANISM_ALIASES = {
    "composite": "composite task", "composite tasks": "composite task",
    "multiplicative": "composite task", "metric": "exact-match metric",
    "exact match": "exact-match metric", "exact-match": "exact-match metric",
    "non-smooth metric": "exact-match metric", "quantised skill": "quantised skills",
    "quantized skills": "quantised skills", "quantization": "quantised skills",
    "quantisation": "quantised skills", "loss thresholds": "loss threshold",
    "threshold": "loss threshold", "grokking": "grokking on rare data",
}


def _mechanism(value, what: str) -> str:
    text = value.strip().lower().replace("_", " ") if isinstance(value, str) else None
    text = _MECHANISM_ALIASES.get(text, text)
    if text not in sy.MECHANISMS:
        raise Wrong(_("{what} is {value!r}, which is not one of the five mechanisms.").format(what=what, value=value),
                    _("use the names in synthesis.MECHANISMS: ") + ", ".join(map(repr, sy.MECHANISMS)))
    return text


@checker("8.2", reread=page(PAGE, "What each explanation predicts"))
def survivors(answer):
    """Check the set of mechanisms whose jump survives a continuous metric."""
    if answer is None or answer is Ellipsis:
        raise Wrong(_("survivors is still empty."), _("write a set of mechanism names, "
                      "{\"...\", \"...\"}; an empty set is set()."))
    if isinstance(answer, str):
        raise Wrong(_("survivors is one string."), _("make it a set of names, {\"...\"}, even if you "
                      "choose only one."))
    if isinstance(answer, dict) or not isinstance(answer, set | frozenset | list | tuple):
        raise Wrong(_("survivors should be a set of names, not a {type}.").format(type=type(answer).__name__),
                    _("write it like {\"...\", \"...\"}."))
    chosen = {_mechanism(v, _("the entry {v!r}").format(v=v)) for v in answer}
    extra = [m for m in sy.MECHANISMS if m in chosen - SURVIVORS]
    missing = [m for m in sy.MECHANISMS if m in SURVIVORS - chosen]
    if extra:
        more = len(extra) + len(missing) - 1
        raise Wrong((_("{extra!r} does not survive a continuous metric.") if more == 0 else
                     _("{extra!r} does not survive a continuous metric (and 1 more choice to fix).")
                     if more == 1 else
                     _("{extra!r} does not survive a continuous metric (and {n_more} more choices "
                       "to fix).")).format(extra=extra[0], n_more=more),
                    _(_SURVIVE_HINTS[extra[0]]))
    if missing:
        raise Wrong(_("1 mechanism whose jump survives a continuous metric is missing from your "
                      "set.") if len(missing) == 1 else
                    _("{n_missing} mechanisms whose jump survives a continuous metric are missing "
                      "from your set.").format(n_missing=len(missing)),
                    _("for each mechanism you left out, ask where its jump is: in the model "
                      "(then a continuous score jumps too) or in the score."))
    return (_("right: quantised skills, a loss threshold and grokking make jumps that a continuous "
              "metric keeps; a composite task and an exact-match metric make jumps that a "
              "continuous metric removes. So re-scoring a claimed ability with a continuous metric "
              "splits the explanations into two groups, but cannot pick one inside a group."))


# ---------------------------------------------------------------- 8.3 match curves

MATCH = {"A": ("exact-match metric", 16), "B": ("quantised skills", 16),
         "C": ("grokking on rare data", 0.5), "D": ("composite task", 8),
         "E": ("loss threshold", 2.5)}
"""The five anonymous curves of exercise 8.3: letter -> (mechanism, knob setting)."""

_CLUES = {
    "composite task": N_("the dashed curve is one part of the task, a separate skill that improves "
                         "smoothly; the whole task needs all of them"),
    "exact-match metric": N_("the dashed curve is the per-token probability of one long answer; only "
                             "the score that needs every token right jumps"),
    "quantised skills": N_("the other seeds jump at different sizes, and the average over all "
                           "subtasks (dotted) is smooth while this one subtask jumps"),
    "loss threshold": N_("the pre-training loss (dotted, right axis) falls smoothly; the ability "
                         "switches on exactly where it crosses a fixed level"),
    "grokking on rare data": N_("the x-axis is training steps, not model size, and train accuracy "
                                "(dotted) is perfect long before the test score moves"),
}


def _why_not(letter: str, truth: str, given: str) -> str:
    survives = {m: m in SURVIVORS for m in sy.MECHANISMS}
    if (given == "grokking on rare data") != (truth == "grokking on rare data"):
        why = (_("grokking is a jump in training time at a fixed model size")
               if given == "grokking on rare data" else
               _("curve {letter} is plotted against training steps, not model size").format(letter=letter))
    elif survives[given] and not survives[truth]:
        why = (_("'{given}' predicts a jump that survives the continuous metric, but curve "
                 "{letter}'s dashed curve rises smoothly").format(given=given, letter=letter))
    elif survives[truth] and not survives[given]:
        why = (_("'{given}' predicts that the jump disappears under a continuous metric, but curve "
                 "{letter}'s dashed curve jumps too").format(given=given, letter=letter))
    elif {given, truth} == {"composite task", "exact-match metric"}:
        why = (_("both multiply probabilities, so the shapes agree; ask what the parts are: "
                 "separate skills (composite) or the tokens of one answer (metric)"))
    else:
        why = (_("both keep their jump under a continuous metric; ask what else moves with it: "
                 "other seeds and the average over skills, or the pre-training loss"))
    return _("{why}. '{given}' would show this: {_CLUES}. Does curve {letter}?").format(why=why, given=given, _CLUES=_(_CLUES[given]), letter=letter)


@checker("8.3", reread=page(PAGE, "What each explanation predicts"))
def match_curves(answer):
    """Check a dict {letter: mechanism} for the five curves of exercise 8.3."""
    letters = sorted(MATCH)
    expect_dict(answer, letters, "matches", _("{\"A\": \"...\", \"B\": \"...\", ...} with one mechanism "
                  "per curve"))
    given = {n: _mechanism(answer[n], _("the entry for curve {n}").format(n=n)) for n in letters}
    wrong = [n for n in letters if given[n] != MATCH[n][0]]
    if wrong:
        n = wrong[0]
        raise Wrong((_("1 of 5 matches is off: curve {n} is not {given!r}.") if len(wrong) == 1 else
                     _("{n_wrong} of 5 matches are off: curve {n} is not {given!r}.")).format(
                        n_wrong=len(wrong), n=n, given=given[n]),
                    _why_not(n, MATCH[n][0], given[n]))
    return (_("all five match. Two questions sorted them: does the jump survive the continuous "
              "metric, and what else changes with it (the axis, the seeds, the loss, the parts)?"))


# ---------------------------------------------------------------- 8.4 rare subtasks learned late

SP_WIDTH = 256


@functools.lru_cache(maxsize=1)
def _sweep():
    return sp.load_sweep()


def _learn_steps(sweep, width=SP_WIDTH, threshold=sp.LEARNED, seeds=None):
    w = int(np.flatnonzero(sweep.widths == width)[0])
    seeds = range(len(sweep.seeds)) if seeds is None else seeds
    return np.array([sp.learning_steps(sweep.eval_steps, sweep.accuracy[s, w], threshold)
                     for s in seeds])


def _slope_of(steps, x):
    return loglog_slope(x, steps)[0]


def rare_reference() -> tuple[np.ndarray, float]:
    """(learning steps, shape (seeds, subtasks); slope of log step against log frequency)."""
    sweep = _sweep()
    steps = _learn_steps(sweep)
    return steps, _slope_of(steps, sweep.probs)


@checker("8.4", reread=page(PAGE, "Less data for a task, later ability"))
def rare_subtasks(steps, slope):
    """Check the learning step of every subtask (width 256, all seeds) and the log-log slope."""
    sweep = _sweep()
    ref, ref_slope = rare_reference()
    if isinstance(steps, np.ndarray) and steps.dtype == bool:
        raise Wrong(_("steps is a True/False mask."), _("steps holds the first evaluation step at "
                      "which each subtask reaches 90 %."))
    if steps is None or steps is Ellipsis:
        raise Wrong(_("steps is still empty."), _("replace the `...` with your answer and re-run the cell"))
    try:
        arr = np.asarray(steps, dtype=float)
    except (TypeError, ValueError):
        raise Wrong(_("steps should be an array of numbers, not a {type}.").format(type=type(steps).__name__),
                    _("stack one row per seed with np.array([...])")) from None
    if arr.shape != ref.shape:
        if arr.shape == ref.shape[1:]:
            raise Wrong(_("steps has shape {shape}: one seed only.").format(shape=arr.shape),
                        _("give one row per seed (shape {shape}): all three seeds.").format(shape=ref.shape))
        raise Wrong(_("steps has shape {shape}; expected {shape2} (seeds × subtasks).").format(shape=arr.shape, shape2=ref.shape),
                    _("one row per seed, one column per subtask, in rank order."))
    budget = float(sweep.eval_steps[-1])
    candidates = [
        (_("subtasks that never reach 90 % have no learning step: keep them NaN rather than the "
           "budget."), np.where(np.isnan(ref), budget, ref)),
        (_("subtasks that never reach 90 % have no learning step: keep them NaN rather than 0."),
         np.where(np.isnan(ref), 0, ref)),
        (_("chance is 0.5: a threshold there counts unlearned subtasks as learned."),
         _learn_steps(sweep, threshold=0.5)),
    ] + [(_("use width {SP_WIDTH}.").format(SP_WIDTH=SP_WIDTH), _learn_steps(sweep, width=w)) for w in sweep.widths
         if w != SP_WIDTH]
    judge_value(arr, ref, candidates, _("for each seed, the first evaluation step at which each "
                  "subtask of the width-{SP_WIDTH} run reaches 90 %.").format(SP_WIDTH=SP_WIDTH), what="steps",
                label=_("width {SP_WIDTH}, all seeds").format(SP_WIDTH=SP_WIDTH))
    if isinstance(slope, np.ndarray | list | tuple) and np.size(slope) == 2:
        raise Wrong(_("slope holds two numbers."),
                    _("a straight-line fit gives a slope and an intercept: the question asks for "
                      "one of them."))
    s = expect_real(slope, "slope")
    ranks = np.arange(1, len(sweep.probs) + 1)
    ok = np.isfinite(ref) & (ref > 0)
    x = np.broadcast_to(sweep.probs, ref.shape)
    judge_value(s, ref_slope, [
        (_("you fitted against the rank; the question is about frequency."), _slope_of(ref, ranks)),
        (_("the axes are swapped: frequency is the cause, on the x-axis."),
         float(np.polyfit(np.log(ref[ok]), np.log(x[ok]), 1)[0])),
        (_("a straight-line fit gives two numbers, and you took the intercept."),
         float(np.polyfit(np.log(x[ok]), np.log(ref[ok]), 1)[1])),
        (_("use the same logarithm on both axes."),
         float(np.polyfit(np.log10(x[ok]), np.log(ref[ok]), 1)[0])),
        (_("use the same logarithm on both axes."),
         float(np.polyfit(np.log(x[ok]), np.log10(ref[ok]), 1)[0])),
        (_("fit all three seeds together, not seed 0 alone."), _slope_of(ref[0], sweep.probs)),
        (_("fit on log-log axes."), float(np.polyfit(x[ok], ref[ok], 1)[0])),
    ], _("pair each learned subtask's step with its frequency, over all seeds, and fit a power "
         "law."), what="slope", label=_("the learned subtasks"), tol=1e-4,
        agree=lambda got, want: abs(got - want) <= 1e-6)
    batch = sweep.config["batch_size"]
    ok = np.isfinite(ref)
    seen = (ref * sweep.probs * batch)[ok]
    q1, q3 = np.percentile(seen, [25, 75])
    return (_("slope {ref_slope:.2f}: the learning step grows about as 1/frequency, so a subtask "
              "is learned after a similar number of its own examples however rare it is (batch "
              "{batch} × frequency × step: median {median:.0f}, middle half "
              "{q1:.0f}-{q3:.0f}).").format(ref_slope=ref_slope, batch=batch, median=np.median(seen), q1=q1, q3=q3))


# ---------------------------------------------------------------- 8.5 data fraction and delay

DELAY_WEIGHT_DECAY = 1.0
DELAY_PREDICT_FRAC = 0.3


def delay_reference() -> tuple[float, float]:
    """(exponent of steps-to-test-95 % against training fraction; prediction at 0.3)."""
    d = sy.grokking_delays(DELAY_WEIGHT_DECAY)
    ok = np.isfinite(d["test95"])
    b, a = np.polyfit(np.log(d["frac"][ok]), np.log(d["test95"][ok]), 1)
    return float(b), float(np.exp(a + b * np.log(DELAY_PREDICT_FRAC)))


@checker("8.5", reread=page(PAGE, "Less data for a task, later ability"))
def data_delay(exponent, predicted, guess):
    """Check the fitted exponent of steps-to-generalise against training fraction and the
    extrapolated steps at fraction 0.3 (weight decay 1), after the student's recorded
    prediction ``guess`` of how many times longer generalising takes with half the data."""
    guess = expect_prediction(guess, "halving_guess")
    want_b, want_pred = delay_reference()
    d = sy.grokking_delays(DELAY_WEIGHT_DECAY)
    if isinstance(exponent, np.ndarray | list | tuple) and np.size(exponent) == 2:
        raise Wrong(_("exponent holds two numbers."),
                    _("a straight-line fit gives a slope and an intercept: the exponent is one of "
                      "them."))
    b = expect_real(exponent, "exponent")
    ok = np.isfinite(d["test95"])
    lf, ls = np.log(d["frac"][ok]), np.log(d["test95"][ok])
    rows = [r for r in g.load_phase_diagram() if r["weight_decay"] == DELAY_WEIGHT_DECAY
            and r["step_onset"] is not None and r["step_test95"] is not None]
    candidates = [
        (_("the axes are swapped: the training fraction is the cause, on the x-axis."),
         np.polyfit(ls, lf, 1)[0]),
        (_("a straight-line fit gives two numbers, and you took the intercept."),
         np.polyfit(lf, ls, 1)[1]),
        (_("fit on log-log axes (a power law), not steps against fraction."),
         np.polyfit(d["frac"][ok], d["test95"][ok], 1)[0]),
        (_("the fraction needs a logarithm too: this is a power law."),
         np.polyfit(d["frac"][ok], ls, 1)[0]),
        (_("use the same logarithm on both axes."), np.polyfit(np.log10(d["frac"][ok]), ls, 1)[0]),
        (_("use the same logarithm on both axes."), np.polyfit(lf, np.log10(d["test95"][ok]), 1)[0]),
        (_("the question is about the step where test accuracy reaches 95 %, not the onset."),
         np.polyfit(np.log([r["frac"] for r in rows]),
                    np.log([r["step_onset"] for r in rows]), 1)[0] if len(rows) > 1 else None),
        (_("the question is about the time to generalise; dividing by the time to memorise gives "
           "a different exponent."), np.polyfit(lf, ls - np.log(d["train99"][ok]), 1)[0]),
    ]
    judge_value(b, want_b, [(h, v) for h, v in candidates if v is not None],
                _("keep the runs at weight decay 1 that generalised, and fit a power law of the "
                  "steps to 95 % test accuracy against the training fraction."), what="exponent",
                label=_("weight decay {DELAY_WEIGHT_DECAY:g}").format(DELAY_WEIGHT_DECAY=DELAY_WEIGHT_DECAY), tol=1e-4,
                agree=lambda got, want: abs(got - want) <= 1e-6)
    p = expect_real(predicted, "predicted")
    b_, a_ = np.polyfit(lf, ls, 1)
    judge_value(p, want_pred, [
        (_("you returned the logarithm of the steps."), a_ + b_ * math.log(DELAY_PREDICT_FRAC)),
        (_("the fit is in natural logarithms: undo it in the same base."),
         10 ** (a_ + b_ * math.log(DELAY_PREDICT_FRAC))),
        (_("the fit is in the logarithm of the fraction, and you put in the fraction itself."),
         math.exp(a_ + b_ * DELAY_PREDICT_FRAC)),
        (_("predict at training fraction {DELAY_PREDICT_FRAC}.").format(DELAY_PREDICT_FRAC=DELAY_PREDICT_FRAC), math.exp(a_ + b_ * math.log(0.2))),
    ], _("use both numbers of your fit to evaluate the power law at the new fraction."),
        what="predicted", label=_("fraction {DELAY_PREDICT_FRAC}").format(DELAY_PREDICT_FRAC=DELAY_PREDICT_FRAC), tol=1e-4)
    k = int(np.flatnonzero(np.isclose(d["frac"], DELAY_PREDICT_FRAC))[0])
    budget = d["budget"][k]
    return (_("{compare_prediction} "
              "Steps to generalise grow as fraction^{want_b:.2f}, so halving the data multiplies "
              "the wait by {value:.1f}. At fraction {DELAY_PREDICT_FRAC} the law predicts "
              "{want_pred:.0f} steps, beyond the {budget:.0f}-step budget: consistent with that "
              "run's outcome, '{d}'. Three points are a thin basis for a law; treat "
              "the prediction as a hypothesis to test with a longer run.").format(compare_prediction=compare_prediction(guess, 2 ** (-want_b)), want_b=want_b, value=2 ** (-want_b), DELAY_PREDICT_FRAC=DELAY_PREDICT_FRAC, want_pred=want_pred, budget=budget, d=d['outcome'][k]))
