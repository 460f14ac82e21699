"""Chapter 7 checkers: right answers pass, typical mistakes get their hint, garbage never raises.

(tests/test_exercise_notebooks.py runs both versions of notebooks/ch07_exercises.ipynb.)
"""
import math

import numpy as np
import pytest

from emergence import mirage
from emergence.checks import ch07 as check


# ---------------------------------------------------------------- reference solutions

def mirage_metrics(p, L):
    p = np.asarray(p, dtype=float)
    return p ** L, L * (1 - p)


def mirage_metrics_loop(p, L):
    em, ted = [], []
    for q in p:
        prod = 1.0
        for _ in range(L):
            prod *= q
        em.append(prod)
        ted.append(sum(1 - q for _ in range(L)))
    return em, ted


def wilson(k, n, z):
    centre = (k + z ** 2 / 2) / (n + z ** 2)
    half = z / (n + z ** 2) * math.sqrt(k * (n - k) / n + z ** 2 / 4)
    return centre - half, centre + half


def wilson_numpy(k, n, z):
    p = k / n
    denom = 1 + z ** 2 / n
    centre = (p + z ** 2 / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z ** 2 / (4 * n ** 2)) / denom
    return np.array([centre - half, centre + half])


def implied_per_digit(x, L):
    return (np.asarray(x, dtype=float) / 100) ** (1 / L)


def subset_accuracy(outcomes, K):
    x = np.asarray(outcomes, dtype=bool)
    g = x.shape[1] // K
    return x[:, :g * K].reshape(len(x), g, K).all(axis=2).mean(axis=1)


def subset_accuracy_loop(outcomes, K):
    out = []
    for row in outcomes:
        groups = [all(row[i:i + K]) for i in range(0, len(row) - K + 1, K)]
        out.append(sum(groups) / len(groups))
    return out


def zero_upper(n, c):
    return 1 - ((1 - c) / 2) ** (1 / n)


ANSWERS = {"a": "resolution", "b": "surrogate", "c": "sampling", "d": "comparisons",
           "e": "axis", "f": "loss", "g": "metric"}


@pytest.mark.parametrize("checker, answer", [
    (check.mirage_metrics, mirage_metrics), (check.mirage_metrics, mirage_metrics_loop),
    (check.wilson, wilson), (check.wilson, wilson_numpy),
    (check.implied_per_digit, implied_per_digit),
    (check.subset_accuracy, subset_accuracy), (check.subset_accuracy, subset_accuracy_loop),
    (check.zero_upper, zero_upper),
    (check.checklist, ANSWERS), (check.checklist, {k: v.upper() for k, v in ANSWERS.items()}),
])
def test_reference_solutions_pass(checker, answer):
    verdict = checker(answer)
    assert verdict.passed, str(verdict)
    assert str(verdict).startswith("✅ Correct")


# ---------------------------------------------------------------- typical mistakes

def _a(p):
    return np.asarray(p, dtype=float)


@pytest.mark.parametrize("answer, keyword", [
    (lambda p, L: (_a(p) ** (1 / L), L * (1 - _a(p))), "inverse step"),
    (lambda p, L: (1 - (1 - _a(p)) ** L, L * (1 - _a(p))), "at least one"),
    (lambda p, L: (L * _a(p), L * (1 - _a(p))), "in proportion to L"),
    (lambda p, L: (_a(p), L * (1 - _a(p))), "does not depend on the answer length"),
    (lambda p, L: (_a(p) ** L, L * _a(p)), "same slip"),
    (lambda p, L: (_a(p) ** L, 1 - _a(p)), "per-token error rate"),
    (lambda p, L: (_a(p) ** L, (1 - _a(p)) ** L), "every token is wrong"),
    (lambda p, L: (_a(p) ** L, 1 - _a(p) ** L), "not exactly right"),
    (lambda p, L: (_a(p) ** L, L * (1 - _a(p) ** L)), "mixes in the exact-match"),
    (lambda p, L: (L * (1 - _a(p)), _a(p) ** L), "swapped"),
    (lambda p, L: _a(p) ** L, "two things"),
    (lambda p, L: (_a(p) ** L, float(np.mean(L * (1 - _a(p))))), "shape"),
])
def test_mirage_metrics_mistakes(answer, keyword):
    verdict = check.mirage_metrics(answer)
    assert not verdict.passed and keyword in str(verdict), str(verdict)


def _wald(k, n, z):
    p = k / n
    h = z * math.sqrt(p * (1 - p) / n)
    return p - h, p + h


@pytest.mark.parametrize("answer, keyword", [
    (_wald, "Wald"),
    (lambda k, n, z: (max(_wald(k, n, z)[0], 0), min(_wald(k, n, z)[1], 1)), "cut at 0 and 1"),
    (lambda k, n, z: ((k + z / 2) / (n + z) - z / (n + z) * math.sqrt(k * (n - k) / n + z / 4),
                      (k + z / 2) / (n + z) + z / (n + z) * math.sqrt(k * (n - k) / n + z / 4)),
     "gives its square"),
    (lambda k, n, z: (k / n - (wilson(k, n, z)[1] - wilson(k, n, z)[0]) / 2,
                      k / n + (wilson(k, n, z)[1] - wilson(k, n, z)[0]) / 2), "centred on k/n"),
    (lambda k, n, z: wilson(k, n, 1.96), "ignores the z"),
    (lambda k, n, z: ((k + z * z / 2) / (n + z * z) - z / (n + z * z) * math.sqrt(k * (n - k) / n),
                      (k + z * z / 2) / (n + z * z) + z / (n + z * z) * math.sqrt(k * (n - k) / n)),
     "missing under the root"),
    (lambda k, n, z: wilson(k, n, z)[::-1], "low first"),
    (lambda k, n, z: wilson(k, n, z)[0], "should be a pair"),
])
def test_wilson_mistakes(answer, keyword):
    verdict = check.wilson(answer)
    assert not verdict.passed and keyword in str(verdict), str(verdict)


@pytest.mark.parametrize("answer, keyword", [
    (lambda x, L: np.asarray(x, float) ** (1 / L), "in percent"),
    (lambda x, L: 100 * implied_per_digit(x, L), "is a percentage"),
    (lambda x, L: (np.asarray(x) / 100) ** L, "forward direction"),
    (lambda x, L: np.asarray(x) / 100 / L, "dividing by L"),
    (lambda x, L: 1 - (1 - np.asarray(x) / 100) ** (1 / L), "at least one right digit"),
    (lambda x, L: np.asarray(x, float) ** (1 / L) / 100, "converted before the root"),
    (lambda x, L: float(implied_per_digit(x, L)[0]), "one number"),
])
def test_implied_mistakes(answer, keyword):
    verdict = check.implied_per_digit(answer)
    assert not verdict.passed and keyword in str(verdict), str(verdict)


def _groups(x, K):
    x = np.asarray(x, float)
    g = x.shape[1] // K
    return x[:, :g * K].reshape(len(x), g, K)


@pytest.mark.parametrize("answer, keyword", [
    (lambda x, K: np.asarray(x, float).mean(axis=1) ** K, "*prediction*"),
    (lambda x, K: _groups(x, K).max(axis=2).mean(axis=1), "at least one"),
    (lambda x, K: np.stack([np.asarray(x, float)[:, i:np.shape(x)[1] - K + 1 + i] for i in range(K)],
                           -1).min(-1).mean(1), "overlapping"),
    (lambda x, K: np.asarray(x, float).mean(axis=1), "ignoring K"),
    (lambda x, K: (1 - _groups(x, K)).min(axis=2).mean(axis=1), "all *wrong*"),
    (lambda x, K: subset_accuracy(np.asarray(x).T, K), "not one per model"),
    (lambda x, K: float(subset_accuracy(x, K).mean()), "one number"),
])
def test_subset_mistakes(answer, keyword):
    verdict = check.subset_accuracy(answer)
    assert not verdict.passed and keyword in str(verdict), str(verdict)


def test_subset_padding_mistake():
    def padded(x, K):
        x = np.asarray(x, float)
        g = -(-x.shape[1] // K)
        full = np.concatenate([x, np.ones((len(x), g * K - x.shape[1]))], axis=1)
        return full.reshape(len(x), g, K).min(axis=2).mean(axis=1)
    verdict = check.subset_accuracy(padded)
    assert not verdict.passed and "incomplete group" in verdict.hint, str(verdict)


@pytest.mark.parametrize("answer, keyword", [
    (lambda n, c: 1 - (1 - c) ** (1 / n), "one-sided"),
    (lambda n, c: 3 / n, "rule of three"),
    (lambda n, c: 1 / n, "resolution"),
    (lambda n, c: ((1 - c) / 2) ** (1 / n), "not the bound itself"),
    (lambda n, c: 1 - ((1 - c) / 2) ** n, "applies it again"),
    (lambda n, c: np.array([zero_upper(n, c), 0.0]), "single number"),
])
def test_zero_upper_mistakes(answer, keyword):
    verdict = check.zero_upper(answer)
    assert not verdict.passed and keyword in str(verdict), str(verdict)


@pytest.mark.parametrize("answer, keyword", [
    ({**ANSWERS, "a": "sampling"}, "'sampling' item asks"),
    ({**ANSWERS, "b": "metric", "g": "surrogate"}, "'metric' item asks"),
    ({**ANSWERS, "e": "metric"}, "how the numbers are drawn"),
    ({**ANSWERS, "d": "sampling"}, "among many"),
    ({**ANSWERS, "f": "axis"}, "other than size"),
    ({**ANSWERS, "c": "bogus"}, "checklist keys"),
    ({k: v for k, v in ANSWERS.items() if k != "f"}, "no entry for f"),
    (list(ANSWERS.values()), "should be a dict"),
])
def test_checklist_mistakes(answer, keyword):
    verdict = check.checklist(answer)
    assert not verdict.passed and keyword in str(verdict), str(verdict)


@pytest.mark.parametrize("checker, library", [
    (check.mirage_metrics, lambda p, L: (mirage.exact_match(p, L), mirage.token_edit_distance(p, L))),
    (check.wilson, lambda k, n, z: mirage.wilson_interval(k, n, math.erf(z / math.sqrt(2)))),
    (check.implied_per_digit, lambda x, L: mirage.implied_per_token_accuracy(np.asarray(x) / 100, L)),
    (check.subset_accuracy, mirage.subset_accuracy_from_outcomes),
    (check.zero_upper, lambda n, c: float(mirage.clopper_pearson_interval(0, n, c)[1])),
])
def test_calling_the_library_is_not_your_own_work(checker, library):
    verdict = checker(library)
    assert not verdict.passed and "write it yourself" in str(verdict), str(verdict)


@pytest.mark.parametrize("answer, keyword", [
    (lambda n, c: 100 * zero_upper(n, c), "a percentage"),
])
def test_zero_upper_units(answer, keyword):
    verdict = check.zero_upper(answer)
    assert not verdict.passed and keyword in str(verdict), str(verdict)


def test_subset_reshape_that_mixes_models_is_named():
    def mixed(x, K):
        x = np.asarray(x, bool)
        g = x.shape[1] // K
        return x[:, :g * K].T.reshape(-1, K)[:len(x) * g].reshape(len(x), g, K).all(2).mean(1)
    verdict = check.subset_accuracy(mixed)
    assert not verdict.passed and "mix items of different models" in verdict.hint, str(verdict)


def test_checklist_never_names_the_right_item():
    for letter, right in ANSWERS.items():
        for chosen in check.CHECKLIST:
            if chosen != right:
                verdict = check.checklist({**ANSWERS, letter: chosen})
                assert f"'{right}'" not in str(verdict) and right not in verdict.hint.split("asks")[0]


def test_checklist_covers_every_item_once():
    assert sorted(ANSWERS.values()) == sorted(check.CHECKLIST)
    assert sorted(ANSWERS) == sorted(check.EVIDENCE)
