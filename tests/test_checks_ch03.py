"""Chapter 3 checkers: right answers pass, typical mistakes get their hint, garbage never raises.

The last test makes the student version of notebooks/ch03_exercises.ipynb, runs it, and
checks that every check cell says "Not yet" without any cell raising.
"""
import math

import numpy as np
import pytest

from emergence import behaviours
from emergence.checks import ch03 as check


# ---------------------------------------------------------------- reference solutions

def emergence_score(y):
    y = np.asarray(y, dtype=float)
    spread = y.max() - y.min()
    if spread == 0:
        return 0.0
    sign = np.sign(np.argmax(y) - np.argmin(y))
    typical = math.sqrt(np.median(np.diff(y) ** 2))
    if typical == 0:
        return sign * math.inf
    return sign * spread / typical


def emergence_score_numpy_division(y):
    """Relies on numpy's float division by zero giving inf (and returns a numpy float)."""
    y = np.asarray(y, dtype=float)
    if np.ptp(y) == 0:
        return 0
    with np.errstate(divide="ignore"):
        return np.sign(y.argmax() - y.argmin()) * np.ptp(y) / np.sqrt(np.median(np.square(np.diff(y))))


def chain_success(p):
    return np.prod(np.asarray(p, dtype=float), axis=0)


def chain_loop(p):
    out = np.ones(len(p[0]))
    for row in p:
        out = out * np.asarray(row)
    return list(out)


def half_scale(k, midpoint, slope):
    q = 0.5 ** (1 / k)
    return 10 ** (midpoint + math.log(q / (1 - q)) / slope)


def half_scale_bisect(k, midpoint, slope):
    lo, hi = midpoint - 50, midpoint + 50
    for _ in range(200):
        mid = (lo + hi) / 2
        if behaviours.skill_probability(10.0 ** mid, midpoint, slope) ** k < 0.5:
            lo = mid
        else:
            hi = mid
    return 10 ** ((lo + hi) / 2)


def distracted(s, h, w, c):
    s, h = np.asarray(s, float), np.asarray(h, float)
    return s + (1 - s) * (1 - w * h) * c


def distracted_branches(s, h, w, c):
    s, h = np.asarray(s, float), np.asarray(h, float)
    guess = (1 - s) * (1 - w * h)
    return s * 1.0 + guess * c + (1 - s) * w * h * 0.0


LABELS = {"A": "smooth", "B": "emergent", "C": "u-shaped", "D": "inverse", "E": "emergent",
          "F": "smooth"}


@pytest.mark.parametrize("checker, answer", [
    (check.emergence_score, emergence_score),
    (check.emergence_score, emergence_score_numpy_division),
    (check.chain_success, chain_success), (check.chain_success, chain_loop),
    (check.half_scale, half_scale), (check.half_scale, half_scale_bisect),
    (check.distracted_accuracy, distracted), (check.distracted_accuracy, distracted_branches),
    (check.classify_curves, LABELS),
    (check.classify_curves, {k: v.upper() for k, v in LABELS.items()}),
    (check.classify_curves, {**LABELS, "C": "U-shape"}),
])
def test_reference_solutions_pass(checker, answer):
    verdict = checker(answer)
    assert verdict.passed, str(verdict)
    assert str(verdict).startswith("✅ Correct")


def test_calling_the_library_is_not_your_own_work():
    for checker, library in [(check.emergence_score, behaviours.emergence_score),
                             (check.half_scale, lambda k, m, a: behaviours.multi_step_scale(0.5, k, m, a))]:
        verdict = checker(library)
        assert not verdict.passed and "write it yourself" in verdict.hint, str(verdict)


def test_no_label_diagnosis_names_the_right_label():
    for name, right in LABELS.items():
        for wrong in ("smooth", "emergent", "u-shaped", "inverse"):
            if wrong != right:
                verdict = check.classify_curves({**LABELS, name: wrong})
                assert right not in verdict.hint.lower(), (name, wrong, verdict)


def test_exercise_labels_are_the_rule_and_robust_to_its_thresholds():
    assert check.curve_labels() == LABELS
    for kw in ({"dip": 0.2}, {"dip": 0.3}, {"sharp": 0.45}, {"sharp": 0.55}, {"late": 0.2},
               {"late": 0.3}):
        got = {n: behaviours.classify_scaling_curve(check.CURVE_SIZES, y, **kw)
               for n, y in check.CURVES.items()}
        assert got == LABELS, kw


# ---------------------------------------------------------------- (b) typical mistakes

def _sign(y):
    return np.sign(np.argmax(y) - np.argmin(y))


def _typ(y):
    return np.sqrt(np.median(np.diff(y) ** 2))


@pytest.mark.parametrize("answer, keyword", [
    (lambda y: abs(emergence_score(y)), "left out the sign"),
    (lambda y: -emergence_score(y), "reversed"),
    (lambda y: np.sign(y[-1] - y[0]) * abs(emergence_score(y)), "last value minus the first"),
    (lambda y: _sign(y) * abs(y[-1] - y[0]) / _typ(y), "whole range"),
    (lambda y: _sign(y) * np.ptp(y) / np.sqrt(np.mean(np.diff(y) ** 2)), "mean"),
    (lambda y: _sign(y) * np.ptp(y) / np.median(np.abs(np.diff(y))), "median of the absolute steps"),
    (lambda y: _sign(y) * np.ptp(y) / np.median(np.diff(y) ** 2), "still squared"),
    (lambda y: _sign(y) * np.ptp(y) / np.sqrt(np.median(np.asarray(y) ** 2)), "differences between neighbouring"),
    (lambda y: _sign(y) * np.ptp(y) / np.std(y), "standard deviation"),
    (lambda y: emergence_score(np.sort(y)), "sorted"),
])
def test_emergence_score_mistakes(answer, keyword):
    verdict = check.emergence_score(answer)
    assert not verdict.passed and keyword in verdict.hint, str(verdict)


def score_no_flat_case(y):
    y = np.asarray(y, float)
    with np.errstate(all="ignore"):
        return _sign(y) * np.ptp(y) / _typ(y)


def score_python_division(y):
    y = [float(v) for v in y]
    steps = sorted((b - a) ** 2 for a, b in zip(y, y[1:]))
    m = len(steps)
    med = steps[m // 2] if m % 2 else (steps[m // 2 - 1] + steps[m // 2]) / 2
    sign = 1 if y.index(max(y)) > y.index(min(y)) else -1
    return sign * (max(y) - min(y)) / math.sqrt(med)


@pytest.mark.parametrize("answer, keyword", [
    (score_no_flat_case, "flat curve"),
    (score_python_division, "ZeroDivisionError"),
    (lambda y: abs(emergence_score(y)) if np.isinf(emergence_score(y)) else emergence_score(y),
     "maximum comes first"),
])
def test_emergence_score_degenerate_cases(answer, keyword):
    verdict = check.emergence_score(answer)
    assert not verdict.passed and keyword in str(verdict), str(verdict)


@pytest.mark.parametrize("answer, keyword", [
    (lambda p: np.mean(p, axis=0), "an average is not that"),
    (lambda p: np.min(p, axis=0), "weakest step"),
    (lambda p: 1 - np.prod(1 - np.asarray(p), axis=0), "at least one"),
    (lambda p: np.sum(p, axis=0), "do not add"),
    (lambda p: np.asarray(p)[0] ** len(p), "first step"),
    (lambda p: np.prod(p, axis=1), "wrong axis"),
    (lambda p: np.prod(p), "one number"),
])
def test_chain_mistakes(answer, keyword):
    verdict = check.chain_success(answer)
    assert not verdict.passed and keyword in str(verdict), str(verdict)


def _logit(q):
    return math.log(q / (1 - q))


@pytest.mark.parametrize("answer, keyword", [
    (lambda k, m, a: math.log10(half_scale(k, m, a)), "exponent"),
    (lambda k, m, a: 10 ** m, "one step"),
    (lambda k, m, a: 10 ** (m + _logit(0.5 ** k) / a), "far less likely"),
    (lambda k, m, a: math.exp(m + _logit(0.5 ** (1 / k)) / a), "not of e"),
    (lambda k, m, a: 10 ** (m - _logit(0.5 ** (1 / k)) / a), "sign is flipped"),
    (lambda k, m, a: 10 ** (m + math.log10(0.5 ** (1 / k) / (1 - 0.5 ** (1 / k))) / a),
     "natural logarithm"),
    (lambda k, m, a: 10 ** (m + _logit(0.5 ** (1 / k)) * a), "further away"),
])
def test_half_scale_mistakes(answer, keyword):
    verdict = check.half_scale(answer)
    assert not verdict.passed and keyword in str(verdict), str(verdict)


@pytest.mark.parametrize("answer, keyword", [
    (lambda s, h, w, c: np.asarray(s) + (1 - w * np.asarray(h)) * c, "only happens when the skill is not used"),
    (lambda s, h, w, c: (1 - w * np.asarray(h)) * c, "skill is missing"),
    (lambda s, h, w, c: distracted(s, h, 1.0, c), "strength"),
    (lambda s, h, w, c: distracted(s, h, w, 1.0), "chance"),
    (lambda s, h, w, c: np.asarray(s) + (1 - np.asarray(s)) * (c - w * np.asarray(h)), "not by subtracting"),
    (lambda s, h, w, c: np.asarray(s) + (1 - np.asarray(s)) * w * np.asarray(h) * c, "*wrong*"),
    (lambda s, h, w, c: float(np.mean(distracted(s, h, w, c))), "shape"),
])
def test_distracted_mistakes(answer, keyword):
    verdict = check.distracted_accuracy(answer)
    assert not verdict.passed and keyword in str(verdict), str(verdict)


@pytest.mark.parametrize("labels, keyword", [
    ({**LABELS, "C": "inverse"}, "climbs from its low"),
    ({**LABELS, "D": "u-shaped"}, "does not recover"),
    ({**LABELS, "B": "smooth"}, "near 2-3%"),
    ({**LABELS, "E": "u-shaped"}, "wobble"),
    ({**LABELS, "F": "emergent"}, "steadily"),
    ({**LABELS, "A": "emergent"}, "every size"),
    ({**LABELS, "A": "linear"}, "use one of"),
    ({k: v for k, v in LABELS.items() if k != "E"}, "no entry for E"),
    (list(LABELS.values()), "should be a dict"),
])
def test_classify_mistakes(labels, keyword):
    verdict = check.classify_curves(labels)
    assert not verdict.passed and keyword in str(verdict), str(verdict)
