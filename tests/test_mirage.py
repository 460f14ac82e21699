"""Tests for emergence.mirage: metrics, subset accuracy, confidence intervals, re-analysis."""
import math
from itertools import product

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

from emergence import behaviours, mirage


def binom_cdf(k, n, p):
    """P(X <= k) for X ~ Binomial(n, p), by direct summation (independent of the module)."""
    return sum(math.comb(n, j) * p ** j * (1 - p) ** (n - j) for j in range(k + 1))


# ---------------------------------------------------------------- the smooth family and metrics

def test_per_token_probability_is_the_power_law_formula():
    N = np.array([1e7, 1e9, 1e12])
    p = mirage.per_token_probability(N, c=1e9, alpha=-0.3)
    assert np.allclose(p, np.exp(-(N / 1e9) ** -0.3))
    assert mirage.per_token_probability(1e9, c=1e9, alpha=-0.5) == pytest.approx(math.exp(-1))
    assert isinstance(mirage.per_token_probability(1e8), float)
    assert np.all(np.diff(mirage.per_token_probability(np.geomspace(1, 1e15, 50))) > 0)


@pytest.mark.parametrize("kwargs, word", [
    (dict(N=[1e9, -1.0]), "N"), (dict(N=1e9, c=0.0), "c"), (dict(N=1e9, alpha=0.2), "alpha"),
    (dict(N=1e9, alpha=0.0), "alpha"), (dict(N="big"), "N"), (dict(N=[1e9, np.nan]), "N"),
])
def test_per_token_probability_validates(kwargs, word):
    with pytest.raises((TypeError, ValueError), match=word):
        mirage.per_token_probability(**kwargs)


def test_exact_match_and_token_edit_distance():
    assert mirage.exact_match(0.9, 3) == pytest.approx(0.729)
    assert mirage.token_edit_distance(0.9, 3) == pytest.approx(0.3)  # L(1 - p), not L p
    assert np.allclose(mirage.exact_match([0.5, 1.0], [2, 4]), [0.25, 1.0])
    grid = mirage.exact_match(np.array([[0.5], [0.9]]), np.array([1, 2, 3]))
    assert grid.shape == (2, 3)
    assert mirage.token_edit_distance(1.0, 7) == 0.0 and mirage.token_edit_distance(0.0, 7) == 7


@pytest.mark.parametrize("f", [mirage.exact_match, mirage.token_edit_distance])
@pytest.mark.parametrize("p, L, word", [(1.2, 3, "p"), (-0.1, 3, "p"), (0.5, 0, "L"),
                                         (0.5, 2.5, "L"), (0.5, True, "L"), ("x", 3, "p")])
def test_metrics_validate(f, p, L, word):
    with pytest.raises((TypeError, ValueError), match=word):
        f(p, L)


@settings(max_examples=60, deadline=None)
@given(p=st.floats(0, 1), L=st.integers(1, 50))
def test_metric_properties(p, L):
    em, ted = mirage.exact_match(p, L), mirage.token_edit_distance(p, L)
    assert 0 <= em <= p + 1e-12              # never above one token's accuracy
    assert 0 <= ted <= L
    # expected edit distance from the exact-match side: at least one error unless all right
    assert ted >= (1 - em) - 1e-9
    assert mirage.implied_per_token_accuracy(em, L) == pytest.approx(p, abs=1e-6) or em < 1e-300


@settings(max_examples=40, deadline=None)
@given(p1=st.floats(0, 1), p2=st.floats(0, 1), L=st.integers(1, 30))
def test_metrics_are_monotone_in_p(p1, p2, L):
    lo, hi = sorted((p1, p2))
    assert mirage.exact_match(lo, L) <= mirage.exact_match(hi, L)
    assert mirage.token_edit_distance(lo, L) >= mirage.token_edit_distance(hi, L)


def test_score_dispatches_the_four_metrics():
    p = np.array([0.2, 0.7])
    assert np.allclose(mirage.score("exact match", p, 4), p ** 4)
    assert np.allclose(mirage.score("token edit distance", p, 4), 4 * (1 - p))
    assert np.allclose(mirage.score("Brier score", p, 4), (1 - p) ** 2)
    assert np.allclose(mirage.score("per-token accuracy", p, 4), p)
    assert mirage.score("per-token accuracy", p, [[1], [2]]).shape == (2, 2)
    with pytest.raises(ValueError, match="metric"):
        mirage.score("bleu", p, 4)


def test_brier_score():
    assert mirage.brier_score([0.8, 0.3], [1, 0]) == pytest.approx((0.04 + 0.09) / 2)
    assert mirage.brier_score([1.0, 0.0], [True, False]) == 0.0
    assert np.allclose(mirage.brier_score([[0.5, 1.0], [0.0, 0.0]], [[1, 1], [1, 1]], axis=1),
                       [0.125, 1.0])
    for prob, outcome, word in (([0.5, 1.5], [1, 0], "prob"), ([0.5], [2], "outcome"),
                                ([0.1, 0.2, 0.3], [1, 0], "broadcast"), ([], [], "empty")):
        with pytest.raises(ValueError, match=word):
            mirage.brier_score(prob, outcome)


# ---------------------------------------------------------------- subset accuracy

def test_subset_accuracy():
    assert mirage.subset_accuracy(0.9, 5) == pytest.approx(0.9 ** 5)
    out = np.array([[1, 1, 1, 0, 1, 1, 1], [1, 1, 1, 1, 1, 1, 0]])
    assert np.allclose(mirage.subset_accuracy_from_outcomes(out, 1), out.mean(axis=1))
    assert np.allclose(mirage.subset_accuracy_from_outcomes(out, 2), [2 / 3, 1.0])  # 3 groups
    assert np.allclose(mirage.subset_accuracy_from_outcomes(out, 3), [0.5, 1.0])
    assert mirage.subset_accuracy_from_outcomes(out[0], 7) == 0.0
    for bad, K, word in ((out, 8, "K"), (out, 0, "K"), (out * 2, 2, "outcomes"), (1, 1, "outcomes")):
        with pytest.raises((TypeError, ValueError), match=word):
            mirage.subset_accuracy_from_outcomes(bad, K)


@settings(max_examples=30, deadline=None)
@given(a=st.floats(0.05, 0.95), K=st.integers(1, 5), seed=st.integers(0, 2**31))
def test_measured_subset_accuracy_matches_a_to_the_K(a, K, seed):
    outcomes = mirage.sample_outcomes(a, 20_000, seed=seed)
    measured = mirage.subset_accuracy_from_outcomes(outcomes, K)
    groups = 20_000 // K
    assume(groups * a ** K >= 25)  # enough expected successes for the normal bound below
    sd = math.sqrt(a ** K * (1 - a ** K) / groups)
    assert abs(measured - a ** K) < 5 * sd + 1e-9


def test_classifier_family_is_smooth_and_starts_at_chance():
    N = np.geomspace(1e2, 1e10, 9)
    acc = mirage.classifier_accuracy(N, chance=0.1, midpoint=6, slope=1.5)
    assert acc[0] == pytest.approx(0.1, abs=3e-3) and acc[-1] > 0.99
    assert np.all(np.diff(acc) > 0)
    with pytest.raises(ValueError, match="chance"):
        mirage.classifier_accuracy(N, chance=1.0)


def test_sampling_is_seeded():
    a = np.array([0.1, 0.5])
    assert np.array_equal(mirage.sample_outcomes(a, 50, seed=3), mirage.sample_outcomes(a, 50, seed=3))
    assert mirage.sample_outcomes(a, 50).shape == (2, 50)
    assert np.array_equal(mirage.sample_counts(a, 1000, seed=1), mirage.sample_counts(a, 1000, seed=1))
    with pytest.raises(ValueError, match="n"):
        mirage.sample_counts(a, 0)


# ---------------------------------------------------------------- confidence intervals

def test_wilson_interval_known_values():
    lo, hi = mirage.wilson_interval(0, 100)
    assert lo == 0.0 and hi == pytest.approx(1.96 ** 2 / (100 + 1.96 ** 2), rel=1e-3)
    lo, hi = mirage.wilson_interval(5, 10)   # symmetric about 1/2
    assert lo == pytest.approx(1 - hi) and lo == pytest.approx(0.2366, abs=1e-4)
    lo, hi = mirage.wilson_interval(np.array([1, 50]), 100, confidence=0.9)
    assert lo.shape == (2,) and np.all(lo < [0.01, 0.5]) and np.all(hi > [0.01, 0.5])


def test_clopper_pearson_known_values():
    # k = 5 of 10: the textbook exact interval (0.1871, 0.8129)
    assert np.allclose(mirage.clopper_pearson_interval(5, 10), (0.187086, 0.812914), atol=1e-6)
    # closed forms at the edges
    for n in (1, 10, 2000):
        assert mirage.clopper_pearson_interval(0, n) == pytest.approx((0.0, 1 - 0.025 ** (1 / n)))
        assert mirage.clopper_pearson_interval(n, n) == pytest.approx((0.025 ** (1 / n), 1.0))
    # one success in 2,000: low = 1 - 0.975**(1/2000)
    assert mirage.clopper_pearson_interval(1, 2000)[0] == pytest.approx(1 - 0.975 ** (1 / 2000), rel=1e-6)


@pytest.mark.parametrize("k, n", [(1, 7), (3, 20), (17, 40), (96, 100), (186, 2000)])
def test_clopper_pearson_ends_solve_the_binomial_tails(k, n):
    lo, hi = mirage.clopper_pearson_interval(k, n)
    assert binom_cdf(k, n, hi) == pytest.approx(0.025, abs=1e-8)          # P(X <= k | hi)
    assert 1 - binom_cdf(k - 1, n, lo) == pytest.approx(0.025, abs=1e-8)  # P(X >= k | lo)


@settings(max_examples=20, deadline=None)
@given(n=st.integers(1, 400), data=st.data(), conf=st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_intervals_contain_the_estimate_and_nest(n, data, conf):
    k = data.draw(st.integers(0, n))
    for method in ("wilson", "clopper-pearson"):
        lo, hi = mirage.interval(k, n, method, conf)
        assert 0 <= lo <= k / n <= hi <= 1
        wider = mirage.interval(k, n, method, (1 + conf) / 2)
        assert wider[0] <= lo + 1e-12 and wider[1] >= hi - 1e-12
    # Clopper-Pearson is conservative: it contains the Wilson interval's centre region
    assert mirage.clopper_pearson_interval(k, n, conf)[1] >= mirage.wilson_interval(k, n, conf)[1] - 0.02


def test_clopper_pearson_covers_at_least_95_percent():
    n, p = 30, 0.13
    k = np.arange(n + 1)
    lo, hi = mirage.clopper_pearson_interval(k, n)     # vectorised over k
    pmf = np.array([math.comb(n, j) * p ** j * (1 - p) ** (n - j) for j in k])
    assert pmf[(lo <= p) & (p <= hi)].sum() >= 0.95


@pytest.mark.parametrize("k, n, word", [(3, 2, "k"), (-1, 5, "k"), (1, 0, "n"), (1.5, 4, "whole"),
                                         ([1, 2], [3, 4, 5], "broadcast")])
@pytest.mark.parametrize("f", [mirage.wilson_interval, mirage.clopper_pearson_interval])
def test_intervals_validate(f, k, n, word):
    with pytest.raises(ValueError, match=word):
        f(k, n)


def test_interval_validates_method_and_confidence():
    with pytest.raises(ValueError, match="method"):
        mirage.interval(1, 10, "wald")
    with pytest.raises(ValueError, match="confidence"):
        mirage.wilson_interval(1, 10, confidence=1.0)


@settings(max_examples=25, deadline=None)
@given(a=st.floats(0.2, 60), b=st.floats(0.2, 60),
       x=st.one_of(st.just(0.0), st.just(1.0), st.floats(1e-6, 1 - 1e-6)))
def test_betainc_symmetry_and_range(a, b, x):
    value = mirage.betainc(a, b, x)
    assert 0 <= value <= 1
    assert value + mirage.betainc(b, a, 1 - x) == pytest.approx(1, abs=1e-9)


@pytest.mark.parametrize("k, n, x", [(2, 4, 0.4), (1, 10, 0.05), (30, 60, 0.55), (7, 7, 0.9)])
def test_betainc_is_the_binomial_upper_tail(k, n, x):
    assert mirage.betainc(k, n - k + 1, x) == pytest.approx(1 - binom_cdf(k - 1, n, x), abs=1e-10)


def test_beta_quantile_inverts_betainc():
    q = np.array([0.025, 0.5, 0.975])
    x = mirage.beta_quantile(q, 3.0, 8.0)
    assert np.allclose(mirage.betainc(3.0, 8.0, x), q, atol=1e-10)
    assert mirage.beta_quantile(0.5, 1.0, 1.0) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="positive"):
        mirage.beta_quantile(0.5, 0.0, 1.0)


# ---------------------------------------------------------------- re-analysis

def test_implied_per_token_accuracy():
    assert mirage.implied_per_token_accuracy(0.25, 2) == pytest.approx(0.5)
    assert np.allclose(mirage.implied_per_token_accuracy([0.0, 1.0], 3), [0.0, 1.0])
    lengths, weights = np.array([4, 5]), np.array([0.5, 0.5])
    p = mirage.implied_per_token_accuracy(0.3, lengths, weights)
    assert (p ** lengths) @ weights == pytest.approx(0.3)
    assert abs(p - 0.3 ** (1 / 4.5)) < 0.01
    for args, word in (((0.3, [4, 5], [0.5, 0.6]), "weights"), ((0.3, [4, 5], [1.0]), "L and weights"),
                       ((1.3, 2), "accuracy"), ((0.3, 0), "L")):
        with pytest.raises(ValueError, match=word):
            mirage.implied_per_token_accuracy(*args)


def test_gpt3_answer_lengths_are_exact_distributions():
    L, w = mirage.gpt3_answer_lengths("2D+")       # sums 0..198 of a, b in [0, 100)
    assert L.tolist() == [1, 2, 3] and w.sum() == pytest.approx(1)
    assert w[0] == pytest.approx(55 / 10_000)      # sums 0..9: 1 + 2 + ... + 10 pairs
    a, b = np.meshgrid(np.arange(100), np.arange(100))
    d = (a - b).ravel()
    chars = np.array([len(str(v)) for v in d])      # str() counts the minus sign
    L, w = mirage.gpt3_answer_lengths("2D-")
    assert np.allclose(w, [np.mean(chars == n) for n in L])
    for task in behaviours.GPT3_TASKS:
        L, w = mirage.gpt3_answer_lengths(task)
        assert np.all(L >= 1) and w.sum() == pytest.approx(1) and np.all(w > 0)
    L, w = mirage.gpt3_answer_lengths("5D+")
    assert L.max() == 6 and (L @ w) == pytest.approx(5.5, abs=0.01)
    with pytest.raises(ValueError, match="task"):
        mirage.gpt3_answer_lengths("6D+")
    with pytest.raises(ValueError, match="unit"):
        mirage.gpt3_answer_lengths("2D+", unit="bpe")


def test_gpt3_answer_lengths_in_three_digit_chunks():
    L, w = mirage.gpt3_answer_lengths("4D+", unit="3-digit chunk")   # 3 digits: 1, 4-5 digits: 2
    chars, share = mirage.gpt3_answer_lengths("4D+")
    assert L.tolist() == [1, 2] and w[0] == pytest.approx(share[chars <= 3].sum())
    L, w = mirage.gpt3_answer_lengths("2D-", unit="3-digit chunk")   # "-12" is 2 tokens
    assert L.tolist() == [1, 2] and w[1] == pytest.approx(np.mean(
        (np.arange(100)[:, None] - np.arange(100)[None, :]) < 0))


def test_1dc_lengths_by_brute_force():
    answers = []
    ops = [lambda x, y: x + y, lambda x, y: x - y, lambda x, y: x * y]
    for a, b, c, f, g in product(range(10), range(10), range(10), ops, ops):
        answers.append(len(str(f(a, g(b, c)))))
    L, w = mirage.gpt3_answer_lengths("1DC")
    assert np.allclose(w, [answers.count(n) / len(answers) for n in L])


def test_emergence_score_is_the_chapter_3_function():
    assert mirage.emergence_score is behaviours.emergence_score


def test_gpt3_rescored_keeps_counts_intervals_and_implied_accuracy_together():
    data = mirage.gpt3_rescored("few-shot")
    assert set(data) == {(t, u) for t in behaviours.GPT3_TASKS for u in mirage.UNITS}
    d = data["4D+", "character"]
    params, acc = behaviours.gpt3_arithmetic("4D+", "few-shot")
    assert np.array_equal(d["params"], params)
    assert np.allclose(d["exact"], np.round(acc / 100 * 2000) / 2000)
    assert np.all(d["low"] <= d["exact"]) and np.all(d["exact"] <= d["high"])
    lengths, weights = mirage.gpt3_answer_lengths("4D+", "character")
    assert np.allclose(d["implied"][0], mirage.implied_per_token_accuracy(d["exact"], lengths,
                                                                          weights))
    assert d["transcribed"].tolist() == [True] * 7 + [False]
    with pytest.raises(ValueError, match="setting"):
        mirage.gpt3_rescored("few")


def test_resolution_experiment_samples_each_test_size_with_both_intervals():
    models = np.geomspace(1e8, 1e11, 6)
    r = mirage.resolution_experiment([100, 10_000], models=models, L=5, c=1e9, alpha=-0.3, seed=2)
    truth = mirage.exact_match(mirage.per_token_probability(models, 1e9, -0.3), 5)
    assert np.allclose(r["truth"], truth) and set(r["counts"]) == {100, 10_000}
    assert np.array_equal(r["counts"][100], mirage.sample_counts(truth, 100, seed=2))
    low, high = r["intervals"][100, "clopper-pearson"]
    assert np.all(low <= r["counts"][100] / 100) and np.all(r["counts"][100] / 100 <= high)


def test_subset_experiment_measures_both_families():
    dense, sparse = np.geomspace(1e4, 1e8, 9), np.geomspace(1e4, 1e8, 3)
    r = mirage.subset_experiment(dense=dense, sparse=sparse, n_items=2000, chance=0.1,
                                 midpoint=6.0, slope=1.5, K_max=3)
    assert set(r["dense"]["subset"]) == {1, 2, 3} and r["grid"].shape == (200,)
    one = r["sparse"]["subset"][1]
    assert np.allclose(one, r["sparse"]["accuracy"], atol=0.05)       # K = 1 is the accuracy
    assert np.all(r["dense"]["subset"][3] <= r["dense"]["subset"][1] + 1e-12)
