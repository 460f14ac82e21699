"""In-context learning as Bayesian inference (Chapter 4), solved exactly.

A finite set of labelling rules ("concepts") on the inputs 0..15, a prior over them, and
demonstrations ``(x, y)``: :func:`posterior` is Bayes' rule, computed exactly after every
demonstration; :func:`icl_accuracy` is the accuracy of the Bayes-optimal answer to a new query
after ``k`` demonstrations. This is a simplified, exactly solvable cousin of Xie et al.'s
mixture-of-HMMs setting, not their model.

GPT-3's accuracy by number of examples is :func:`emergence.behaviours.gpt3_shots`; the
mechanism that learns from the prompt, induction heads, is :mod:`emergence.induction`.
"""
from __future__ import annotations

import numpy as np

from ._validate import check_array, check_float, check_int, rng_from

__all__ = ["INPUTS", "CONCEPTS", "concept_labels", "prior_favouring", "posterior", "predictive",
           "sample_demonstrations", "icl_accuracy"]


INPUTS = np.arange(16)
"""The inputs of the toy: the integers 0..15 (a demonstration is a pair x -> yes/no)."""

CONCEPTS = {
    "even": lambda x: x % 2 == 0,
    "8 or more": lambda x: x >= 8,
    "multiple of 3": lambda x: x % 3 == 0,
    "multiple of 4": lambda x: x % 4 == 0,
    "prime": lambda x: np.isin(x, [2, 3, 5, 7, 11, 13]),
    "square": lambda x: np.isin(x, [0, 1, 4, 9]),
}
"""The latent concepts: labelling rules a prompt's examples might be following."""


def concept_labels() -> tuple[tuple[str, ...], np.ndarray]:
    """(names, labels): ``labels[c, x]`` is True when concept ``c`` says "yes" to input ``x``."""
    names = tuple(CONCEPTS)
    return names, np.array([CONCEPTS[n](INPUTS) for n in names], dtype=bool)


def prior_favouring(n_concepts: int, favoured: int, weight: float) -> np.ndarray:
    """A prior with probability ``weight`` on concept ``favoured`` and the rest shared equally."""
    n = check_int("n_concepts", n_concepts, min=2)
    favoured = check_int("favoured", favoured, min=0, max=n - 1)
    weight = check_float("weight", weight, min=0, max=1, min_open=True, max_open=True)
    prior = np.full(n, (1 - weight) / (n - 1))
    prior[favoured] = weight
    return prior


def _check_prior(prior, n_concepts: int) -> np.ndarray:
    prior = check_array("prior", prior, ndim=1, dtype=float)
    if prior.shape != (n_concepts,):
        raise ValueError(f"prior must have one entry per concept ({n_concepts}), got {prior.shape}")
    if np.any(prior < 0) or not np.isclose(prior.sum(), 1):
        raise ValueError("prior must be non-negative and sum to 1")
    return prior


def _check_labels(labels) -> np.ndarray:
    labels = check_array("labels", labels, ndim=2)
    if not np.all((labels == 0) | (labels == 1)):
        raise ValueError("labels must hold booleans (or 0/1): labels[c, x] is concept c's answer")
    return labels.astype(bool)


def _check_demos(xs, ys, n_inputs: int) -> tuple[np.ndarray, np.ndarray]:
    xs = check_array("xs", xs)
    ys = check_array("ys", ys)
    if xs.shape != ys.shape or xs.ndim not in (1, 2):
        raise ValueError(f"xs and ys must have the same shape (k,) or (n, k), got {xs.shape} "
                         f"and {ys.shape}")
    if xs.size == 0:  # no demonstrations yet
        return xs.astype(np.int64), ys.astype(bool)
    if not np.issubdtype(xs.dtype, np.integer) or xs.min() < 0 or xs.max() >= n_inputs:
        raise ValueError(f"xs must hold integer inputs in [0, {n_inputs - 1}]")
    if not np.all((ys == 0) | (ys == 1)):
        raise ValueError("ys must hold booleans (or 0/1): the label of each demonstration")
    return xs, ys.astype(bool)


def _log_likelihoods(labels, xs, ys, noise) -> np.ndarray:
    """log p(y_i | x_i, c) for every concept: shape xs.shape + (K,)."""
    agree = labels.T[xs] == ys[..., None]
    return np.where(agree, np.log1p(-noise), np.log(noise))


def posterior(prior, labels, xs, ys, noise: float = 0.05) -> np.ndarray:
    """Posterior over concepts after 0, 1, ..., k demonstrations, by Bayes' rule (exact).

    A concept labels input ``x`` with ``labels[c, x]``; each demonstrated label is flipped with
    probability ``noise``, so ``p(y | x, c) = 1 − noise`` if ``y == labels[c, x]``, else
    ``noise``. Inputs carry no evidence here (every concept draws x uniformly). ``xs``, ``ys``
    have shape ``(k,)`` (one prompt) or ``(n, k)`` (n prompts); the result has shape
    ``(k + 1, K)`` or ``(n, k + 1, K)``: row ``j`` is ``p(c | first j demonstrations)``.
    """
    labels = _check_labels(labels)
    prior = _check_prior(prior, labels.shape[0])
    noise = check_float("noise", noise, min=0, max=0.5, min_open=True, max_open=True)
    xs, ys = _check_demos(xs, ys, labels.shape[1])
    with np.errstate(divide="ignore"):
        logprior = np.log(prior)  # a concept with prior 0 stays at 0
    loglik = np.cumsum(_log_likelihoods(labels, xs, ys, noise), axis=-2)
    start = np.broadcast_to(logprior, loglik.shape[:-2] + (1, prior.size))
    logpost = np.concatenate([start, logprior + loglik], axis=-2)
    logpost -= logpost.max(axis=-1, keepdims=True)
    post = np.exp(logpost)
    return post / post.sum(axis=-1, keepdims=True)


def predictive(post, labels, noise: float = 0.05) -> np.ndarray:
    """``p(y = yes | x, demonstrations)`` for every input x: the posterior-weighted vote.

    ``post`` has shape ``(..., K)``; the result ``(..., n_inputs)``.
    """
    labels = _check_labels(labels)
    post = check_array("post", post, dtype=float)
    if post.ndim == 0 or post.shape[-1] != labels.shape[0]:
        raise ValueError(f"post must have last dimension {labels.shape[0]} (one per concept)")
    noise = check_float("noise", noise, min=0, max=0.5, max_open=True)
    yes = np.where(labels, 1 - noise, noise)
    return post @ yes


def sample_demonstrations(labels, concept: int, k: int, n: int = 1, seed=0):
    """``n`` prompts of ``k`` demonstrations of ``concept``: inputs uniform, labels correct.

    Returns ``(xs, ys)`` of shape ``(n, k)``.
    """
    labels = _check_labels(labels)
    concept = check_int("concept", concept, min=0, max=labels.shape[0] - 1)
    k, n = check_int("k", k, min=0), check_int("n", n, min=1)
    xs = rng_from("seed", seed).integers(0, labels.shape[1], size=(n, k))
    return xs, labels[concept][xs]


def icl_accuracy(prior, labels, concept: int, k_max: int, *, noise: float = 0.05,
                 n_prompts: int = 2000, seed=0) -> np.ndarray:
    """Accuracy on a new query after k = 0..k_max demonstrations of ``concept``.

    The learner answers "yes" when ``predictive(...) > 1/2`` (a tie counts as a coin flip).
    Accuracy is averaged exactly over the query (uniform over the inputs) and by Monte Carlo
    over ``n_prompts`` random prompts; each prompt's posterior is exact.
    """
    labels = _check_labels(labels)
    k_max = check_int("k_max", k_max, min=0)
    n_prompts = check_int("n_prompts", n_prompts, min=1)
    xs, ys = sample_demonstrations(labels, concept, k_max, n_prompts, seed)
    p_yes = predictive(posterior(prior, labels, xs, ys, noise), labels, noise)
    truth = labels[concept]
    correct = np.where(np.isclose(p_yes, 0.5), 0.5, (p_yes > 0.5) == truth)
    return correct.mean(axis=(0, 2))
