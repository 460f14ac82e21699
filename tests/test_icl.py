"""Tests for emergence.icl: in-context learning as exact Bayesian inference."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from emergence import icl

# ---------------------------------------------------------------- Bayesian toy

NAMES, LABELS = icl.concept_labels()


def brute_posterior(prior, xs, ys, noise):
    """Bayes' rule one concept at a time, with plain Python loops."""
    weights = []
    for c in range(len(prior)):
        w = prior[c]
        for x, y in zip(xs, ys):
            w *= (1 - noise) if bool(LABELS[c, x]) == bool(y) else noise
        weights.append(w)
    return np.array(weights) / sum(weights)


def test_concepts_are_distinct_rules_on_0_to_15():
    assert LABELS.shape == (6, 16) and len(set(map(bytes, LABELS))) == 6
    assert LABELS[NAMES.index("prime")].nonzero()[0].tolist() == [2, 3, 5, 7, 11, 13]
    assert LABELS[NAMES.index("8 or more")].sum() == 8


def test_posterior_matches_brute_force_after_every_example():
    rng = np.random.default_rng(0)
    for _ in range(20):
        prior = rng.dirichlet(np.ones(6))
        k = int(rng.integers(0, 8))
        xs, ys = rng.integers(0, 16, k), rng.random(k) < 0.5
        noise = float(rng.uniform(0.01, 0.4))
        post = icl.posterior(prior, LABELS, xs, ys, noise)
        assert post.shape == (k + 1, 6)
        for j in range(k + 1):
            assert np.allclose(post[j], brute_posterior(prior, xs[:j], ys[:j], noise))


def test_posterior_batches_and_zero_prior():
    prior = np.array([0.5, 0, 0.5, 0, 0, 0])
    xs, ys = icl.sample_demonstrations(LABELS, 1, 5, n=3, seed=1)
    post = icl.posterior(prior, LABELS, xs, ys)
    assert post.shape == (3, 6, 6)
    assert np.all(post[..., 1] == 0) and np.allclose(post.sum(-1), 1)  # prior 0 stays 0
    for n in range(3):
        assert np.allclose(post[n], icl.posterior(prior, LABELS, xs[n], ys[n]))


def test_posterior_sharpens_on_the_true_concept():
    xs, ys = icl.sample_demonstrations(LABELS, 2, 12, seed=0)
    post = icl.posterior(np.full(6, 1 / 6), LABELS, xs[0], ys[0])
    assert post[0, 2] == pytest.approx(1 / 6) and post[-1, 2] > 0.99


def test_predictive_is_the_posterior_weighted_vote():
    post = np.array([0.5, 0.5, 0, 0, 0, 0])  # even or 8+
    p = icl.predictive(post, LABELS, noise=0.0)
    assert p[8] == 1 and p[1] == 0 and p[2] == 0.5 and p[9] == 0.5


def test_icl_accuracy_rises_with_examples_and_depends_on_the_prior():
    true = NAMES.index("multiple of 3")
    uniform = icl.icl_accuracy(np.full(6, 1 / 6), LABELS, true, 10, n_prompts=500)
    rare = icl.icl_accuracy(icl.prior_favouring(6, true, 0.02), LABELS, true, 10, n_prompts=500)
    assert uniform[-1] > 0.98 and uniform[0] < 0.8
    assert np.all(rare <= uniform + 0.02) and rare[3] < uniform[3] - 0.1
    common = icl.icl_accuracy(icl.prior_favouring(6, true, 0.5), LABELS, true, 3, n_prompts=50)
    assert np.all(common == 1)  # a prior that already picks the rule needs no examples


@pytest.mark.parametrize("call, match", [
    (lambda: icl.posterior([0.5, 0.5], LABELS, [1], [True]), "prior"),
    (lambda: icl.posterior(np.full(6, 0.2), LABELS, [1], [True]), "prior"),
    (lambda: icl.posterior(np.full(6, 1 / 6), LABELS, [16], [True]), "xs"),
    (lambda: icl.posterior(np.full(6, 1 / 6), LABELS, [1.5], [True]), "xs"),
    (lambda: icl.posterior(np.full(6, 1 / 6), LABELS, [1, 2], [True]), "same shape"),
    (lambda: icl.posterior(np.full(6, 1 / 6), LABELS, [1], [2]), "ys"),
    (lambda: icl.posterior(np.full(6, 1 / 6), LABELS, [1], [True], noise=0.7), "noise"),
    (lambda: icl.posterior(np.full(6, 1 / 6), LABELS * 2, [1], [True]), "labels"),
    (lambda: icl.prior_favouring(6, 6, 0.5), "favoured"),
    (lambda: icl.icl_accuracy(np.full(6, 1 / 6), LABELS, 0, -1), "k_max"),
])
def test_bayes_bad_input_names_the_parameter(call, match):
    with pytest.raises((TypeError, ValueError), match=match):
        call()


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 15), max_size=6), st.floats(0.01, 0.49), st.integers(0, 5))
def test_posterior_is_a_distribution(xs, noise, concept):
    xs = np.array(xs, dtype=np.int64)
    post = icl.posterior(np.full(6, 1 / 6), LABELS, xs, LABELS[concept][xs], noise)
    assert np.all(post >= 0) and np.allclose(post.sum(-1), 1)
    assert post[-1, concept] >= post[-1].max() - 1e-12  # the true rule is never behind
