"""Chapter 8 checkers: right answers pass, typical mistakes get their hint, garbage never raises."""
import math

import numpy as np
import pytest

from emergence import grokking, sparse_parity, synthesis
from emergence.checks import Verdict
from emergence.checks import ch08 as check


def _passed(verdict):
    assert isinstance(verdict, Verdict) and verdict.passed, str(verdict)


def _rejected(verdict, keyword):
    assert isinstance(verdict, Verdict) and not verdict.passed, str(verdict)
    assert keyword.lower() in str(verdict).lower(), str(verdict)


# ---------------------------------------------------------------- 8.1 composite half scale

def _half(N, parts, combine=lambda p: np.prod(p, axis=0), log=True):
    N = np.asarray(N, float)
    whole = combine(np.asarray(parts, float))
    if whole[0] >= 0.5:
        return float(N[0])
    i = np.flatnonzero((whole[:-1] < 0.5) & (whole[1:] >= 0.5))[0]
    t = np.log10(N) if log else N
    x = t[i] + (0.5 - whole[i]) * (t[i + 1] - t[i]) / (whole[i + 1] - whole[i])
    return float(10 ** x if log else x)


def _half_loop(N, parts):
    """A correct loop version (returns a numpy float)."""
    whole = np.ones(len(N))
    for row in parts:
        whole = whole * np.asarray(row)
    for i in range(len(N)):
        if whole[i] >= 0.5:
            if i == 0:
                return N[0]
            lo, hi = math.log10(N[i - 1]), math.log10(N[i])
            return np.float64(10 ** (lo + (0.5 - whole[i - 1]) / (whole[i] - whole[i - 1]) * (hi - lo)))
    return float("nan")


@pytest.mark.parametrize("answer", [_half, _half_loop])
def test_composite_half_scale_reference(answer):
    _passed(check.composite_half_scale(answer))


@pytest.mark.parametrize("answer, keyword", [
    (lambda N, p: _half(N, p, lambda q: q.mean(axis=0)), "needs every part"),
    (lambda N, p: _half(N, p, lambda q: q.sum(axis=0)), "adding"),
    (lambda N, p: _half(N, p, lambda q: q.min(axis=0)), "weakest part"),
    (lambda N, p: _half(N, p, lambda q: q[0]), "first part"),
    (lambda N, p: _half(N, p, lambda q: q.mean(axis=0) ** len(q)), "mean part for every part"),
    (lambda N, p: _half(N, p, log=False), "logarithmic axis"),
    (lambda N, p: math.log10(_half(N, p)), "logarithm of the size"),
    (lambda N, p: float(N[int(np.argmax(np.prod(p, axis=0) >= 0.5))]), "without interpolating"),
    (lambda N, p: np.prod(p, axis=0), "one size"),
    (lambda N, p: 1e9, "whole task"),
])
def test_composite_half_scale_mistakes(answer, keyword):
    _rejected(check.composite_half_scale(answer), keyword)


# ---------------------------------------------------------------- 8.2 survivors

@pytest.mark.parametrize("answer", [
    {"quantised skills", "loss threshold", "grokking on rare data"},
    ["Quantised skills", "loss_threshold", "grokking"],
    ("quantized skills", "threshold", "grokking on rare data"),
])
def test_survivors_reference(answer):
    _passed(check.survivors(answer))


def test_survivors_agree_with_the_computed_signatures():
    """The reference set is what the lab's curves show (in most knob settings)."""
    for m in synthesis.MECHANISMS:
        labels = [synthesis.signature(synthesis.mechanism_curves(m, v)) for v in synthesis.KNOBS[m][1]]
        kept = sum(s == "emergent" and c == "emergent" for s, c in labels)
        sharp = sum(s == "emergent" for s, _ in labels)
        assert (kept > sharp / 2) == (m in check.SURVIVORS), (m, labels)


@pytest.mark.parametrize("answer, keyword", [
    (set(check.SURVIVORS) | {"composite task"}, "parts"),
    (set(check.SURVIVORS) | {"exact-match metric"}, "mirage"),
    (set(check.SURVIVORS) - {"quantised skills"}, "missing from your set"),
    (set(check.SURVIVORS) - {"loss threshold"}, "missing from your set"),
    (set(check.SURVIVORS) - {"grokking on rare data"}, "missing from your set"),
    (set(), "missing"),
    (set(synthesis.MECHANISMS), "does not survive"),
    ("loss threshold", "one string"),
    ({"loss threshold": True}, "set of names"),
    ({"emergence"}, "not one of the five"),
])
def test_survivors_mistakes(answer, keyword):
    _rejected(check.survivors(answer), keyword)


# ---------------------------------------------------------------- 8.3 match curves

REFERENCE_MATCH = {k: v[0] for k, v in check.MATCH.items()}


def test_match_reference_and_aliases():
    _passed(check.match_curves(REFERENCE_MATCH))
    _passed(check.match_curves({**REFERENCE_MATCH, "C": "Grokking", "A": "exact match"}))


def _swap(**changes):
    return {**REFERENCE_MATCH, **changes}


@pytest.mark.parametrize("answer, keyword", [
    (_swap(A="composite task", D="exact-match metric"), "tokens of one answer"),
    (_swap(B="loss threshold", E="quantised skills"), "other seeds"),
    (_swap(C="quantised skills", B="grokking on rare data"), "jump in training time"),
    (_swap(C="loss threshold"), "plotted against training steps"),
    (_swap(A="loss threshold"), "dashed curve rises smoothly"),
    (_swap(E="composite task"), "dashed curve jumps too"),
    ({"A": "exact-match metric"}, "no entry"),
    (_swap(A="magic"), "not one of the five"),
    (["A", "B"], "dict"),
])
def test_match_mistakes(answer, keyword):
    _rejected(check.match_curves(answer), keyword)


def test_match_hints_never_mention_the_wrong_answer_as_right():
    for letter, (truth, _) in check.MATCH.items():
        for given in synthesis.MECHANISMS:
            if given != truth:
                verdict = check.match_curves(_swap(**{letter: given}))
                assert not verdict.passed and f"curve {letter}" in str(verdict)


# ---------------------------------------------------------------- 8.4 rare subtasks

def _rare(width=256, threshold=sparse_parity.LEARNED, seeds=(0, 1, 2)):
    sweep = sparse_parity.load_sweep()
    w = int(np.flatnonzero(sweep.widths == width)[0])
    steps = np.array([sparse_parity.learning_steps(sweep.eval_steps, sweep.accuracy[s, w], threshold)
                      for s in seeds])
    return sweep, steps


def _fit(steps, x):
    x = np.broadcast_to(x, steps.shape)
    ok = np.isfinite(steps) & (steps > 0)
    return np.polyfit(np.log(x[ok]), np.log(steps[ok]), 1)


def test_rare_subtasks_reference():
    sweep, steps = _rare()
    _passed(check.rare_subtasks(steps, _fit(steps, sweep.probs)[0]))
    _passed(check.rare_subtasks(steps.tolist(), float(_fit(steps, sweep.probs)[0])))


def test_rare_subtasks_slope_is_near_minus_one():
    _, slope = check.rare_reference()
    assert -1.2 < slope < -0.6


@pytest.mark.parametrize("change, keyword", [
    (lambda sweep, steps: (np.where(np.isnan(steps), 20000, steps), None), "keep them NaN"),
    (lambda sweep, steps: (_rare(threshold=0.5)[1], None), "chance is 0.5"),
    (lambda sweep, steps: (_rare(width=512)[1], None), "use width 256"),
    (lambda sweep, steps: (steps[0], None), "one seed only"),
    (lambda sweep, steps: (np.isfinite(steps), None), "mask"),
    (lambda sweep, steps: (steps, _fit(steps, np.arange(1, 65))[0]), "rank"),
    (lambda sweep, steps: (steps, _fit(steps, sweep.probs)[1]), "intercept"),
    (lambda sweep, steps: (steps, _fit(steps, sweep.probs)), "two numbers"),
    (lambda sweep, steps: (steps, _fit(steps[:1], sweep.probs)[0]), "all three seeds"),
    (lambda sweep, steps: (steps, -1.0), "fit a power law"),
])
def test_rare_subtasks_mistakes(change, keyword):
    sweep, steps = _rare()
    new_steps, slope = change(sweep, steps)
    slope = _fit(steps, sweep.probs)[0] if slope is None else slope
    _rejected(check.rare_subtasks(new_steps, slope), keyword)


def test_rare_subtasks_swapped_axes():
    sweep, steps = _rare()
    x = np.broadcast_to(sweep.probs, steps.shape)
    ok = np.isfinite(steps)
    swapped = np.polyfit(np.log(steps[ok]), np.log(x[ok]), 1)[0]
    _rejected(check.rare_subtasks(steps, swapped), "swapped")


# ---------------------------------------------------------------- 8.5 data delay

def _delay_fit():
    d = synthesis.grokking_delays(1.0)
    ok = np.isfinite(d["test95"])
    return d, ok, np.polyfit(np.log(d["frac"][ok]), np.log(d["test95"][ok]), 1)


def test_data_delay_reference():
    _, _, (b, a) = _delay_fit()
    _passed(check.data_delay(b, np.exp(a + b * np.log(0.3)), 2))
    assert -4 < b < -2


def test_data_delay_reference_from_the_csv_rows():
    rows = [r for r in grokking.load_phase_diagram()
            if r["weight_decay"] == 1.0 and r["outcome"] == "grokked"]
    b, a = np.polyfit(np.log([r["frac"] for r in rows]), np.log([r["step_test95"] for r in rows]), 1)
    _passed(check.data_delay(b, math.exp(a + b * math.log(0.3)), 2))


@pytest.mark.parametrize("answer, keyword", [
    (lambda d, ok, b, a: (np.polyfit(np.log(d["test95"][ok]), np.log(d["frac"][ok]), 1)[0], 1), "swapped"),
    (lambda d, ok, b, a: (a, 1), "intercept"),
    (lambda d, ok, b, a: ((b, a), 1), "two numbers"),
    (lambda d, ok, b, a: (np.polyfit(d["frac"][ok], np.log(d["test95"][ok]), 1)[0], 1), "needs a logarithm too"),
    (lambda d, ok, b, a: (np.polyfit(d["frac"][ok], d["test95"][ok], 1)[0], 1), "log-log"),
    (lambda d, ok, b, a: (np.polyfit(np.log(d["frac"][ok]), np.log(d["test95"][ok] / d["train99"][ok]), 1)[0], 1), "time to memorise"),
    (lambda d, ok, b, a: (b, a + b * np.log(0.3)), "logarithm of the steps"),
    (lambda d, ok, b, a: (b, 10 ** (a + b * np.log(0.3))), "same base"),
    (lambda d, ok, b, a: (b, np.exp(a + b * 0.3)), "fraction itself"),
    (lambda d, ok, b, a: (b, 1000.0), "evaluate the power law"),
    (lambda d, ok, b, a: (float("nan"), 1), "nan"),
])
def test_data_delay_mistakes(answer, keyword):
    d, ok, (b, a) = _delay_fit()
    exponent, predicted = answer(d, ok, b, a)
    _rejected(check.data_delay(exponent, predicted, 2), keyword)


def test_data_delay_with_the_onset_step():
    rows = [r for r in grokking.load_phase_diagram()
            if r["weight_decay"] == 1.0 and r["step_onset"] is not None and r["step_test95"] is not None]
    b = np.polyfit(np.log([r["frac"] for r in rows]), np.log([r["step_onset"] for r in rows]), 1)[0]
    _rejected(check.data_delay(b, 1.0, 2), "onset")
