"""Chapter 7: is emergence a mirage of the metric? Smooth models, sharp scores, and error bars.

After Schaeffer, Miranda & Koyejo 2023 (arXiv:2304.15004). Their illustrative model: the
per-token cross-entropy falls as a power law in model size N, ``L_CE(N) = (N/c)**alpha``
(``c > 0``, ``alpha < 0``), so the probability of getting one token right,
``p = exp(-L_CE)``, rises smoothly. Scoring an answer of ``L`` tokens by

- **exact match** (all L right, tokens independent): ``p**L``, which hugs zero and then shoots
  up (nonlinear in p);
- **token edit distance** (expected number of wrong tokens): ``L * (1 - p)``, linear in p and
  smooth (the paper's appendix writes L(1 - eps) with eps the *error* rate, a slip; it is
  L(1 - p));

turns one smooth family into an "emergent" or a smooth curve. A second ingredient is
**resolution**: a test set of n items cannot tell 0 from anything below about 1/n, which this
module makes explicit with confidence intervals for an accuracy (Wilson and exact
Clopper–Pearson; numpy only, the beta quantile by bisection on the regularised incomplete
beta function). The rest re-scores results: subset accuracy ("all K of K items right"), the
Brier score, and the per-token accuracy implied by an exact-match score
(``accuracy**(1/L)``), with the exact answer-length distributions of GPT-3's arithmetic tasks.
The emergence score is :func:`emergence.behaviours.emergence_score`, re-exported here.
"""
from __future__ import annotations

import functools
import math
from statistics import NormalDist

import numpy as np

from ._validate import check_array, check_choice, check_float, check_int, rng_from
from .behaviours import (GPT3_INSTANCES, GPT3_SETTINGS, GPT3_TASKS, emergence_score,
                         gpt3_arithmetic, gpt3_transcribed, skill_probability)
from .curves import scalar_or_array

__all__ = ["per_token_probability", "exact_match", "token_edit_distance", "brier_score",
           "CHECKLIST", "METRICS", "score", "subset_accuracy", "subset_accuracy_from_outcomes",
           "classifier_accuracy", "sample_outcomes", "sample_counts", "wilson_interval",
           "clopper_pearson_interval", "interval", "betainc", "beta_quantile",
           "implied_per_token_accuracy", "UNITS", "gpt3_answer_lengths", "gpt3_rescored",
           "emergence_score", "resolution_experiment", "subset_experiment"]

CHECKLIST = {
    "metric": "Is the score nonlinear or discontinuous in per-token quality (exact match, "
              "multiple-choice grade, a threshold)?",
    "resolution": "How many test items? Are zeros and small scores given with confidence "
                  "intervals?",
    "sampling": "How densely were model scales sampled, especially around the jump?",
    "axis": "Which axes (log or linear, x and y)? Does the shape survive a change of axis?",
    "surrogate": "Is there a continuous surrogate (token edit distance, Brier score, "
                 "log-likelihood of the right answer), and does it jump too?",
    "loss": "Against pre-training loss, does the ability switch on at the same loss across "
            "model families?",
    "comparisons": "How many tasks, metrics and model families were searched to find this "
                   "curve?",
}
"""Chapter 7's checklist for judging a claim of emergence: key -> the question it asks."""

METRICS = ("exact match", "token edit distance", "Brier score", "per-token accuracy")
"""The four ways :func:`score` can score an answer of L tokens from its per-token accuracy p."""


# ---------------------------------------------------------------- validation helpers

def _probability(name: str, value) -> np.ndarray:
    arr = check_array(name, value, dtype=float)
    if np.any((arr < 0) | (arr > 1)):
        raise ValueError(f"{name} must lie in [0, 1]")
    return arr


def _lengths(name: str, value) -> np.ndarray:
    """Positive integers (a scalar or an array), e.g. answer lengths in tokens."""
    arr = check_array(name, value)
    if arr.dtype == bool or not np.all(arr == np.round(arr)) or np.any(arr < 1):
        raise ValueError(f"{name} must hold integers >= 1, got {value!r}")
    return arr.astype(float)


def _counts(k, n) -> tuple[np.ndarray, np.ndarray]:
    """Successes k and trials n as float arrays of whole numbers with 0 <= k <= n, n >= 1."""
    k, n = check_array("k", k, dtype=float), check_array("n", n, dtype=float)
    if np.any(k != np.round(k)) or np.any(n != np.round(n)):
        raise ValueError("k and n must be whole numbers (counts of test items)")
    if np.any(n < 1):
        raise ValueError("n (test items) must be >= 1")
    if np.any(k < 0):
        raise ValueError("k (successes) must be >= 0")
    try:
        k, n = np.broadcast_arrays(k, n)
    except ValueError:
        raise ValueError(f"k and n must broadcast together, got shapes {k.shape} and "
                         f"{n.shape}") from None
    if np.any(k > n):
        raise ValueError("k (successes) must be <= n (test items)")
    return k.astype(float), n.astype(float)


def _z(confidence: float) -> float:
    confidence = check_float("confidence", confidence, min=0, max=1, min_open=True, max_open=True)
    return NormalDist().inv_cdf(0.5 + confidence / 2)


# ---------------------------------------------------------------- the smooth model family

def per_token_probability(N, c: float = 1e9, alpha: float = -0.3):
    """Probability of one token right for a model of ``N`` parameters: ``exp(-(N/c)**alpha)``.

    The per-token cross-entropy ``(N/c)**alpha`` falls as a power law (``alpha < 0``), so p
    rises smoothly from 0 towards 1 with no threshold anywhere. Illustrative, as in
    Schaeffer et al. 2023; the defaults put the rise between 1e7 and 1e13 parameters.
    """
    N = check_array("N", N, dtype=float)
    if N.size and np.any(N <= 0):
        raise ValueError("N (model size) must be positive")
    c = check_float("c", c, min=0, min_open=True)
    alpha = check_float("alpha", alpha, max=0, max_open=True)
    return scalar_or_array(np.exp(-(N / c) ** alpha))


def exact_match(p, L):
    """Probability that all ``L`` tokens of an answer are right: ``p**L`` (independent tokens).

    ``p`` (per-token accuracy) and ``L`` (answer length in tokens, integers >= 1) broadcast.
    """
    return scalar_or_array(_probability("p", p) ** _lengths("L", L))


def token_edit_distance(p, L):
    """Expected number of wrong tokens in an answer of ``L`` tokens: ``L * (1 - p)``.

    (Substitutions only: the answer has the right length.) Linear in p, so it inherits the
    smoothness of p. Not ``L * p``, which is what ``L(1 - eps)`` becomes if eps is read as
    the per-token error rate.
    """
    return scalar_or_array(_lengths("L", L) * (1.0 - _probability("p", p)))


def brier_score(prob, outcome, axis=None):
    """Mean squared difference between predicted probabilities and 0/1 outcomes.

    ``prob`` is the probability the model gave to "right" (or to each option), ``outcome``
    1 where that was right and 0 where not; they broadcast. Lower is better; 0 is perfect.
    Continuous in the probabilities, unlike a grade that only asks which option scored highest.
    """
    prob = _probability("prob", prob)
    outcome = check_array("outcome", outcome, dtype=float)
    if np.any((outcome != 0) & (outcome != 1)):
        raise ValueError("outcome must hold only 0 and 1 (or False and True)")
    try:
        sq = (prob - outcome) ** 2
    except ValueError:
        raise ValueError(f"prob and outcome must broadcast together, got shapes {prob.shape} "
                         f"and {outcome.shape}") from None
    if sq.size == 0:
        raise ValueError("prob and outcome must not be empty")
    return scalar_or_array(sq.mean(axis=axis))


def score(metric: str, p, L):
    """Score answers of ``L`` tokens with per-token accuracy ``p`` under one of :data:`METRICS`.

    ``"exact match"``: ``p**L``; ``"token edit distance"``: ``L (1 - p)`` (lower is better);
    ``"Brier score"``: ``(1 - p)**2``, the Brier score of the probability p given to each
    right token (lower is better); ``"per-token accuracy"``: p itself.
    """
    check_choice("metric", metric, METRICS)
    p, lengths = _probability("p", p), _lengths("L", L)
    if metric == "exact match":
        return scalar_or_array(p ** lengths)
    if metric == "token edit distance":
        return scalar_or_array(lengths * (1.0 - p))
    p = np.broadcast_to(p, np.broadcast_shapes(p.shape, lengths.shape))
    return scalar_or_array((1.0 - p) ** 2 if metric == "Brier score" else p.copy())


# ---------------------------------------------------------------- subset accuracy

def subset_accuracy(accuracy, K):
    """Chance that all ``K`` of K independent items are right, each with ``accuracy``: ``a**K``."""
    return scalar_or_array(_probability("accuracy", accuracy) ** _lengths("K", K))


def subset_accuracy_from_outcomes(outcomes, K: int):
    """Measured subset accuracy: the fraction of groups of ``K`` items that are all right.

    ``outcomes`` is 0/1 (or bool) with items on the last axis; the items are cut into
    ``n_items // K`` consecutive groups (a remainder is dropped). Returns one value per
    leading index (e.g. per model).
    """
    out = check_array("outcomes", outcomes)
    if out.ndim == 0:
        raise ValueError("outcomes must have at least one axis (the test items)")
    if np.any((out != 0) & (out != 1)):
        raise ValueError("outcomes must hold only 0 and 1 (or False and True)")
    K = check_int("K", K, min=1)
    groups = out.shape[-1] // K
    if groups == 0:
        raise ValueError(f"K ({K}) must be at most the number of items ({out.shape[-1]})")
    grouped = out[..., :groups * K].reshape(*out.shape[:-1], groups, K).astype(bool)
    return scalar_or_array(grouped.all(axis=-1).mean(axis=-1))


def classifier_accuracy(N, chance: float = 0.1, midpoint: float = 6.0, slope: float = 1.5):
    """Test accuracy of a smoothly improving classifier family (e.g. LeNets on 10-class MNIST).

    ``chance + (1 - chance) * skill``, with the skill a logistic in log10 N
    (:func:`emergence.behaviours.skill_probability`): no threshold anywhere.
    """
    chance = check_float("chance", chance, min=0, max=1, max_open=True)
    return scalar_or_array(chance + (1 - chance) * np.asarray(skill_probability(N, midpoint, slope)))


def sample_outcomes(accuracy, n_items: int, seed=0) -> np.ndarray:
    """Bool array ``(*accuracy.shape, n_items)``: independent right/wrong answers per item."""
    accuracy = _probability("accuracy", accuracy)
    n_items = check_int("n_items", n_items, min=1, max=10_000_000)
    rng = rng_from("seed", seed)
    return rng.random((*accuracy.shape, n_items)) < accuracy[..., None]


def sample_counts(accuracy, n, seed=0):
    """How many of ``n`` test items a model with true ``accuracy`` gets right (binomial draws)."""
    accuracy = _probability("accuracy", accuracy)
    n = check_int("n", n, min=1, max=10**12)
    return scalar_or_array(rng_from("seed", seed).binomial(n, accuracy).astype(float))


# ---------------------------------------------------------------- confidence intervals

def wilson_interval(k, n, confidence: float = 0.95):
    """Wilson score interval for an accuracy of ``k`` right out of ``n``: ``(low, high)``.

    The set of accuracies a that a two-sided z-test would not reject given k/n::

        centre = (k + z²/2) / (n + z²),  half = z / (n + z²) * sqrt(k (n - k) / n + z²/4)

    Unlike the normal ("Wald") interval k/n ± z sqrt(k/n (1 - k/n) / n), it is never empty
    at k = 0: 0 right out of n still allows an accuracy up to about z² / n.
    """
    k, n = _counts(k, n)
    z = _z(confidence)
    centre = (k + z * z / 2) / (n + z * z)
    half = z / (n + z * z) * np.sqrt(k * (n - k) / n + z * z / 4)
    low = np.where(k == 0, 0.0, np.clip(centre - half, 0, 1))   # exact ends, no rounding dust
    high = np.where(k == n, 1.0, np.clip(centre + half, 0, 1))
    return scalar_or_array(low), scalar_or_array(high)


def _lbeta(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    lgamma = np.vectorize(math.lgamma, otypes=[float])
    return lgamma(a) + lgamma(b) - lgamma(a + b)


def _betacf(a, b, x, iterations: int = 10_000) -> np.ndarray:
    """Continued fraction of the incomplete beta function (modified Lentz), vectorised."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = np.ones_like(x)
    d = 1.0 - qab * x / qap
    d = 1.0 / np.where(np.abs(d) < tiny, tiny, d)
    h = d.copy()
    for m in range(1, iterations + 1):
        m2 = 2 * m
        for num in (m * (b - m) * x / ((qam + m2) * (a + m2)),
                    -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1.0 + num * d
            d = 1.0 / np.where(np.abs(d) < tiny, tiny, d)
            c = 1.0 + num / c
            c = np.where(np.abs(c) < tiny, tiny, c)
            delta = d * c
            h = h * delta
        if np.all(np.abs(delta - 1.0) < 1e-14):
            return h
    return h  # pragma: no cover -- converges in O(sqrt(max(a, b))) iterations


def _betainc(a: np.ndarray, b: np.ndarray, x: np.ndarray, lbeta: np.ndarray) -> np.ndarray:
    """I_x(a, b) for valid float arrays of one shape, with ``lbeta = log B(a, b)`` given."""
    result = np.where(x >= 1.0, 1.0, 0.0)
    inside = (x > 0) & (x < 1)
    if np.any(inside):
        ai, bi, xi = a[inside], b[inside], x[inside]
        front = np.exp(ai * np.log(xi) + bi * np.log1p(-xi) - lbeta[inside])
        flip = xi > (ai + 1) / (ai + bi + 2)  # the fraction converges fast only on this side
        direct = front * _betacf(np.where(flip, bi, ai), np.where(flip, ai, bi),
                                 np.where(flip, 1 - xi, xi))
        result[inside] = np.where(flip, 1.0 - direct / bi, direct / ai)
    return np.clip(result, 0.0, 1.0)


def _beta_args(a, b, *others) -> list[np.ndarray]:
    a = check_array("a", a, dtype=float)
    b = check_array("b", b, dtype=float)
    if np.any(a <= 0) or np.any(b <= 0):
        raise ValueError("a and b must be positive")
    return [arr.astype(float) for arr in np.broadcast_arrays(a, b, *others)]


def betainc(a, b, x):
    """The regularised incomplete beta function I_x(a, b) (numpy only; a, b > 0, x in [0, 1]).

    I_x(a, b) is the CDF at x of a Beta(a, b) variable. It links to the binomial
    distribution: P(at least k successes in n trials of probability x) = I_x(k, n - k + 1).
    """
    a, b, x = _beta_args(a, b, _probability("x", x))
    return scalar_or_array(_betainc(a, b, x, _lbeta(a, b)))


def beta_quantile(q, a, b):
    """The x with I_x(a, b) = q: the q-quantile of Beta(a, b), by bisection (48 halvings)."""
    q = _probability("q", q)
    a, b, q = _beta_args(a, b, q)
    lbeta = _lbeta(a, b)
    lo, hi = np.zeros_like(q), np.ones_like(q)
    for _ in range(48):  # to within 2**-48 (about 4e-15) of the exact quantile
        mid = (lo + hi) / 2
        below = _betainc(a, b, mid, lbeta) < q
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return scalar_or_array((lo + hi) / 2)


def clopper_pearson_interval(k, n, confidence: float = 0.95):
    """Exact (Clopper–Pearson) interval for an accuracy of ``k`` right out of ``n``.

    ``low`` is the accuracy at which k or more successes would happen with probability
    (1 - confidence)/2, ``high`` the one at which k or fewer would; with the beta
    distribution, low = Beta quantile((1-c)/2; k, n-k+1), high = Beta quantile((1+c)/2;
    k+1, n-k), and low = 0 at k = 0, high = 1 at k = n. For k = 0 the upper end is
    1 - ((1-c)/2)**(1/n), about 3.7/n at 95 % (the "rule of three" is the one-sided 3/n).
    Conservative: it covers the true accuracy at least ``confidence`` of the time.
    """
    k, n = _counts(k, n)
    tail = (1 - check_float("confidence", confidence, min=0, max=1, min_open=True,
                            max_open=True)) / 2
    low = np.zeros_like(k)
    high = np.ones_like(k)
    some, not_all = k > 0, k < n
    if np.any(some):
        low[some] = beta_quantile(tail, k[some], n[some] - k[some] + 1)
    if np.any(not_all):
        high[not_all] = beta_quantile(1 - tail, k[not_all] + 1, n[not_all] - k[not_all])
    return scalar_or_array(low), scalar_or_array(high)


def interval(k, n, method: str = "wilson", confidence: float = 0.95):
    """``wilson_interval`` or ``clopper_pearson_interval``, chosen by ``method``."""
    check_choice("method", method, ("wilson", "clopper-pearson"))
    f = wilson_interval if method == "wilson" else clopper_pearson_interval
    return f(k, n, confidence)


# ---------------------------------------------------------------- re-analysis

def implied_per_token_accuracy(accuracy, L, weights=None):
    """Per-token accuracy p implied by an exact-match ``accuracy`` on answers of ``L`` tokens.

    For one length, ``p = accuracy**(1/L)`` (the inverse of :func:`exact_match`). If the
    answers have several lengths, pass them as ``L`` with their ``weights`` (fractions of the
    test set): p then solves ``sum(weights * p**L) = accuracy`` (by bisection), which for
    lengths that differ by one is close to ``accuracy**(1/mean L)``.
    """
    accuracy = _probability("accuracy", accuracy)
    if weights is None:
        return scalar_or_array(accuracy ** (1.0 / _lengths("L", L)))
    L = _lengths("L", L)
    w = check_array("weights", weights, dtype=float)
    if L.ndim != 1 or w.shape != L.shape:
        raise ValueError(f"L and weights must be 1-D of equal length, got shapes {L.shape} "
                         f"and {w.shape}")
    if np.any(w < 0) or not math.isclose(float(w.sum()), 1.0, rel_tol=1e-9):
        raise ValueError("weights must be non-negative and sum to 1")
    lo, hi = np.zeros_like(accuracy), np.ones_like(accuracy)
    for _ in range(60):
        mid = (lo + hi) / 2
        below = (mid[..., None] ** L) @ w < accuracy
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return scalar_or_array((lo + hi) / 2)


UNITS = ("character", "3-digit chunk")
"""What :func:`gpt3_answer_lengths` counts as one token of an answer."""


def _tokens(values: np.ndarray, unit: str) -> np.ndarray:
    """Tokens needed to write integers: digits of |v| (one per digit, or one per started
    group of three), plus one for a minus sign."""
    v = np.abs(values)
    digits = np.where(v == 0, 1, np.floor(np.log10(np.maximum(v, 1))).astype(int) + 1)
    if unit == "3-digit chunk":
        digits = -(-digits // 3)
    return digits + (values < 0)


@functools.lru_cache(maxsize=None)
def _gpt3_lengths(task: str, unit: str) -> tuple[np.ndarray, np.ndarray]:
    if task == "1DC":  # a op1 (b op2 c), digits 0-9, operators from {+, -, *}
        a, b, c = np.meshgrid(*(np.arange(10),) * 3, indexing="ij")
        ops = (np.add, np.subtract, np.multiply)
        answers = np.concatenate([o1(a, o2(b, c)).ravel() for o1 in ops for o2 in ops])
        counts = np.ones(answers.size)
    elif task == "2Dx":
        a, b = np.meshgrid(np.arange(100), np.arange(100), indexing="ij")
        answers, counts = (a * b).ravel(), np.ones(a.size)
    else:  # dD+ or dD-: two operands uniform on [0, 10**d)
        M = 10 ** int(task[0])
        if task.endswith("+"):
            answers = np.arange(2 * M - 1)
            counts = M - np.abs(answers - (M - 1))      # triangular: ways to make each sum
        else:
            answers = np.arange(-(M - 1), M)
            counts = M - np.abs(answers)                # ways to make each difference
    tokens = _tokens(answers, unit)
    lengths = np.unique(tokens)
    weights = np.array([counts[tokens == n].sum() for n in lengths], dtype=float)
    return lengths, weights / weights.sum()


def gpt3_answer_lengths(task: str, unit: str = "character") -> tuple[np.ndarray, np.ndarray]:
    """``(lengths, weights)``: how many tokens the answers of a GPT-3 arithmetic task have,
    and what fraction of problems has each length.

    Exact, by enumerating the problems of Brown et al. 2020, §3.9.1 (dD±: operands uniform
    on [0, 10**d); 2Dx: on [0, 100); 1DC: three digits, operators from {+, -, *}, the last two
    in parentheses). ``unit="character"`` counts one token per digit (and one for a minus
    sign); ``unit="3-digit chunk"`` one per started group of three digits, a hypothetical
    tokeniser that writes numbers in pieces. Neither is GPT-3's byte-pair tokenisation, whose
    tokens for these answers we do not have: the unit is an assumption of the re-analysis.
    """
    check_choice("task", task, GPT3_TASKS)
    check_choice("unit", unit, UNITS)
    lengths, weights = _gpt3_lengths(task, unit)
    return lengths.copy(), weights.copy()


def gpt3_rescored(setting: str = "few-shot", units=UNITS) -> dict:
    """GPT-3's arithmetic re-scored: exact match with 95% Clopper–Pearson intervals, and the
    per-token accuracy it implies for each way of counting tokens (``units``).

    Keyed by ``(task, unit)``; each value holds ``params``, ``exact`` (fraction of the 2,000
    problems), ``low`` and ``high`` (the interval), ``implied`` (per-token accuracy implied by
    exact, low and high), ``setting``, ``transcribed`` (Table H.1 values) and ``mean_length``
    (tokens per answer).
    """
    check_choice("setting", setting, GPT3_SETTINGS)
    n = GPT3_INSTANCES
    curves = {task: gpt3_arithmetic(task, setting) for task in GPT3_TASKS}
    k = np.round(np.array([curves[task][1] for task in GPT3_TASKS]) / 100 * n)
    low, high = clopper_pearson_interval(k, n)      # one vectorised call for every row
    out = {}
    for row, task in enumerate(GPT3_TASKS):
        for unit in units:
            lengths, weights = gpt3_answer_lengths(task, unit)
            exact = k[row] / n
            implied = [np.asarray(implied_per_token_accuracy(v, lengths, weights))
                       for v in (exact, low[row], high[row])]
            out[task, unit] = dict(params=curves[task][0], exact=exact, low=low[row],
                                   high=high[row], implied=implied, setting=setting,
                                   transcribed=gpt3_transcribed(task, setting),
                                   mean_length=float(lengths @ weights))
    return out


# ---------------------------------------------------------------- the lab's experiments

def resolution_experiment(n_values, *, models, L, c, alpha, seed=0) -> dict:
    """Exact match of the model family ``per_token_probability(models, c, alpha)`` on
    ``L``-token answers, measured on test sets of each size in ``n_values``: sampled counts
    (``counts[n]``), their 95 % intervals (``intervals[n, method]``, Wilson and
    Clopper–Pearson) and the true accuracy (``truth``)."""
    truth = np.asarray(exact_match(per_token_probability(models, c, alpha), L))
    counts = {n: np.asarray(sample_counts(truth, n, seed=seed + i))
              for i, n in enumerate(n_values)}
    intervals = {(n, method): tuple(np.asarray(v) for v in interval(counts[n], n, method))
                 for n in n_values for method in ("wilson", "clopper-pearson")}
    return dict(models=models, truth=truth, counts=counts, intervals=intervals, L=L)


def subset_experiment(*, dense, sparse, n_items, chance, midpoint, slope, seed=0,
                      K_max=5) -> dict:
    """A classifier family (:func:`classifier_accuracy`) scored by subset accuracy: per-item
    accuracy and measured subset accuracy (K = 1..K_max, on ``n_items`` sampled items) for a
    ``dense`` and a ``sparse`` set of model sizes, and the accuracy on a fine grid."""
    out = {}
    for name, models in (("dense", dense), ("sparse", sparse)):
        acc = np.asarray(classifier_accuracy(models, chance, midpoint, slope))
        outcomes = sample_outcomes(acc, n_items, seed=seed)
        out[name] = dict(models=models, accuracy=acc, subset={
            K: np.asarray(subset_accuracy_from_outcomes(outcomes, K))
            for K in range(1, K_max + 1)})
    grid = np.geomspace(dense[0], dense[-1], 200)
    out["grid"] = grid
    out["grid_accuracy"] = np.asarray(classifier_accuracy(grid, chance, midpoint, slope))
    return out
