"""Chapter 5 checkers: right answers pass, typical mistakes get their hint, garbage never raises.

The last test makes the student version of notebooks/ch05_exercises.ipynb, runs it, and
checks that every check cell says "Not yet" without any cell raising.
"""
import math

import numpy as np
import pytest

from emergence import cot
from emergence.checks import Verdict
from emergence.checks import ch05 as check

# ---------------------------------------------------------------- reference solutions


def chain_success(p, k):
    return np.asarray(p, float) ** np.asarray(k, float)


def required(target, k):
    return np.asarray(target, float) ** (1 / np.asarray(k, float))


def crossover(scales, direct, cot_acc):
    x = np.log10(np.asarray(scales, float))
    d = np.asarray(cot_acc, float) - np.asarray(direct, float)
    i = np.flatnonzero((d[:-1] <= 0) & (d[1:] > 0))[0]
    return 10 ** (x[i] + (0 - d[i]) / (d[i + 1] - d[i]) * (x[i + 1] - x[i]))


def crossover_interp(scales, direct, cot_acc):
    """np.interp on the rising part of the difference: also right."""
    d = np.asarray(cot_acc, float) - np.asarray(direct, float)
    i = int(np.flatnonzero((d[:-1] <= 0) & (d[1:] > 0))[0])
    return 10 ** np.interp(0, d[i:i + 2], np.log10(scales[i:i + 2]))


@pytest.mark.parametrize("checker, answer", [
    (check.chain_success, chain_success), (check.chain_success, lambda p, k: np.power(p, k)),
    (check.required_step_accuracy, required),
    (check.required_step_accuracy, lambda t, k: np.exp(np.log(t) / k)),
    (check.parity_step, lambda s, b: (s + b) % 2), (check.parity_step, lambda s, b: s ^ b),
    (check.parity_step, lambda s, b: np.not_equal(s, b)), (check.parity_step, cot.parity_step),
    (check.crossover, crossover), (check.crossover, crossover_interp),
])
def test_reference_solutions_pass(checker, answer):
    verdict = checker(answer)
    assert verdict.passed, str(verdict)


def test_who_published_and_predict_reference_pass():
    rows = cot.published("accuracy")
    wei = {r["model"]: r for r in rows if r["paper"] == "wei2022chain"}
    hurt = [m for m, r in wei.items() if r["cot_acc"] < r["baseline_acc"]]
    assert check.who_published("kojima2022large", (10.4, 40.7), 39.0, hurt).passed
    assert check.who_published("Kojima et al. 2022", [10.4, 40.7], np.float64(39.0), ("PaLM 8B",))
    m = check.measured_step_model()
    p, k = m["step"], check.PREDICT_K
    verdict = check.predict_chain(p, p ** k, p ** k + (1 - p ** k) / 3)
    assert verdict.passed, str(verdict)


# ---------------------------------------------------------------- typical mistakes

@pytest.mark.parametrize("answer, keyword", [
    (lambda p, k: p * k, "multiplied p by k"), (lambda p, k: 1 - (1 - p) ** k, "at least one"),
    (lambda p, k: (1 - p) ** k, "every step fails"),
    (lambda p, k: np.asarray(p) ** (1 / np.maximum(k, 1e-9)), "Exercise 5.2"),
    (lambda p, k: np.asarray(k, float) ** p, "swapped"),
    (lambda p, k: np.asarray(p) ** (np.asarray(k) - 1), "off by one"),
    (lambda p, k: 1 - k * (1 - np.asarray(p)), "first-order"),
    (lambda p, k: p + 0 * np.asarray(k), "does not depend on k"),
    (lambda p, k: math.pow(p, k), "numpy arrays"),
])
def test_chain_success_mistakes(answer, keyword):
    verdict = check.chain_success(answer)
    assert not verdict.passed and keyword in verdict.hint, str(verdict)


@pytest.mark.parametrize("answer, keyword", [
    (lambda t, k: t ** 1 / k, "operator precedence"),
    (lambda t, k: np.asarray(t) ** np.asarray(k), "inverse"),
    (lambda t, k: 1 - (1 - np.asarray(t)) / k, "first-order"),
    (lambda t, k: np.asarray(t) ** (-1 / np.asarray(k)), "sign"),
    (lambda t, k: 1 - np.asarray(t) ** (1 / np.asarray(k)), "error rate"),
    (lambda t, k: t + 0 * np.asarray(k), "does not depend on k"),
    (lambda t, k: math.pow(t, 1 / k), "numpy arrays"),
])
def test_required_accuracy_mistakes(answer, keyword):
    verdict = check.required_step_accuracy(answer)
    assert not verdict.passed and keyword in verdict.hint, str(verdict)


def parity_if(state, bit):
    if bit:
        return 1 - state
    return state


@pytest.mark.parametrize("answer, keyword", [
    (lambda s, b: s + b, "a parity is 0 or 1"), (lambda s, b: s * b, "AND"), (lambda s, b: s | b, "OR"),
    (lambda s, b: 1 - (s + b) % 2, "inverted"), (lambda s, b: b, "ignores the state"),
    (lambda s, b: s, "ignores the bit"), (parity_if, "elementwise"),
    (lambda s, b: s and not b or b and not s, "elementwise"),
])
def test_parity_step_mistakes(answer, keyword):
    verdict = check.parity_step(answer)
    assert not verdict.passed and keyword in verdict.hint, str(verdict)


def _bracket(s, d, c):
    diff = np.asarray(c, float) - np.asarray(d, float)
    return int(np.flatnonzero((diff[:-1] <= 0) & (diff[1:] > 0))[0]), diff


def crossover_linear(s, d, c):
    i, diff = _bracket(s, d, c)
    return s[i] + (0 - diff[i]) / (diff[i + 1] - diff[i]) * (s[i + 1] - s[i])


@pytest.mark.parametrize("answer, keyword", [
    (crossover_linear, "linear scale"), (lambda s, d, c: np.log10(crossover(s, d, c)), "logarithm of the crossover"),
    (lambda s, d, c: s[_bracket(s, d, c)[0] + 1], "first sampled scale"),
    (lambda s, d, c: s[_bracket(s, d, c)[0]], "last sampled scale"),
    (lambda s, d, c: _bracket(s, d, c)[0], "index"),
    (lambda s, d, c: s[int(np.argmin(np.abs(np.asarray(c) - np.asarray(d))))], "closest"),
])
def test_crossover_mistakes(answer, keyword):
    verdict = check.crossover(answer)
    assert not verdict.passed and keyword in verdict.hint, str(verdict)


@pytest.mark.parametrize("args, keyword", [
    (("wei2022chain", (10.4, 40.7), 39.0, ["PaLM 8B"]), "misattribution"),
    (("brown2020language", (10.4, 40.7), 39.0, ["PaLM 8B"]), "MultiArith row"),
    (("kojima2022large", (17.7, 78.7), 39.0, ["PaLM 8B"]), "MultiArith numbers"),
    (("kojima2022large", (15.6, 46.9), 39.0, ["PaLM 8B"]), "few-shot numbers for the same model"),
    (("kojima2022large", (40.7, 10.4), 39.0, ["PaLM 8B"]), "(before, after)"),
    (("kojima2022large", (17.9, 56.9), 39.0, ["PaLM 8B"]), "PaLM 540B"),
    (("kojima2022large", "10.4 -> 40.7", 39.0, ["PaLM 8B"]), "pair"),
    (("kojima2022large", (10.4, 40.7), 40.7, ["PaLM 8B"]), "calculator"),
    (("kojima2022large", (10.4, 40.7), 56.9 / 17.9, ["PaLM 8B"]), "ratio"),
    (("kojima2022large", (10.4, 40.7), -39.0, ["PaLM 8B"]), "sign"),
    (("kojima2022large", (10.4, 40.7), 30.3, ["PaLM 8B"]), "zero-shot gain"),
    (("kojima2022large", (10.4, 40.7), 39.0, []), "better for every model"),
    (("kojima2022large", (10.4, 40.7), 39.0, ["PaLM 8B", "LaMDA 137B"]), "LaMDA 137B improved"),
    (("kojima2022large", (10.4, 40.7), 39.0, "PaLM 8B"), "list of model names"),
    (("kojima2022large", (10.4, 40.7), 39.0, ["PaLM-8B"]), "exactly as in the `model` column"),
])
def test_who_published_mistakes(args, keyword):
    verdict = check.who_published(*args)
    assert not verdict.passed and keyword in str(verdict), str(verdict)


def test_predict_chain_mistakes():
    m = check.measured_step_model()
    p, k = m["step"], check.PREDICT_K
    right = p ** k + (1 - p ** k) / 3
    cases = [((m["final"], p ** k, right), "final-answer accuracy"),
             ((m["chain"], p ** k, right), "whole chains"),
             ((p, p * k, right), "not a probability"), ((p, p ** (k - 1), right), "off by one"),
             ((p, p ** k, p ** k), "derailed chain"),
             ((p, p ** k, p ** k + (1 - p ** k) / 2), "count the cups"),
             ((p, p ** k, p ** k + 1 / 3), "only the chains that went wrong")]
    for args, keyword in cases:
        verdict = check.predict_chain(*args)
        assert not verdict.passed and keyword in str(verdict), (keyword, str(verdict))


# ---------------------------------------------------------------- garbage never raises


@pytest.mark.parametrize("bad", [None, Ellipsis, "abc", float("nan"), [1, 2, 3], {"a": 1}, 1j,
                                 [[1, 2], [3]], (None, None)], ids=repr)
def test_multi_argument_checkers_survive_garbage(bad):
    for verdict in (check.who_published(bad, bad, bad, bad),
                    check.who_published("kojima2022large", bad, 39.0, ["PaLM 8B"]),
                    check.who_published("kojima2022large", (10.4, 40.7), bad, ["PaLM 8B"]),
                    check.who_published("kojima2022large", (10.4, 40.7), 39.0, bad),
                    check.predict_chain(bad, bad, bad), check.predict_chain(0.5, bad, 0.3)):
        assert isinstance(verdict, Verdict) and not verdict.passed
        assert "Traceback" not in str(verdict)
