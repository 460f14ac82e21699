"""Checkers for the Chapter 7 exercises (is emergence a mirage of the metric?).

Each checker runs the student's answer on several inputs, some never shown in the notebook,
compares with the library's reference (``emergence.mirage``), and when the answer is wrong
tries the usual mistakes one by one: if a known wrong approach reproduces the student's
answers, the hint names that mistake.

    from emergence.checks import ch07 as check
    check.mirage_metrics(mirage_metrics)
"""
from __future__ import annotations

import math

import numpy as np

from emergence import mirage
from emergence.checks import (Wrong, checker, close, expect_array, expect_dict, expect_function,
                              expect_real, explain, fmt, quiet_call, same, shape_of)

__all__ = ["mirage_metrics", "wilson", "implied_per_digit", "subset_accuracy", "zero_upper",
           "checklist", "CHECKLIST", "EVIDENCE"]

TOL = 1e-6


def _star(f):
    """A candidate mistake written for unpacked arguments, applied to one case tuple."""
    return lambda case: f(*case)


def _pair(out, what: str, size: int | None):
    """A student's (first, second) answer as two float arrays of ``size`` entries (None: scalar)."""
    pair = isinstance(out, tuple | list) or (isinstance(out, np.ndarray) and out.ndim >= 1)
    if not pair or len(out) != 2:
        shown = fmt(out) if shape_of(out) not in (None, ()) or isinstance(out, float | int) else \
            repr(out)[:40]
        raise Wrong(f"{what} should return two things, (first, second); it returned "
                    f"{type(out).__name__} {shown}.",
                    "end the function with `return first, second` (a tuple of two).")
    shape = () if size is None else (size,)
    first = expect_array(out[0], shape=shape, what=f"the first value {what} returned")
    second = expect_array(out[1], shape=shape, what=f"the second value {what} returned")
    return first, second


def _per_model(f, cases, reference, name: str, signature: str, hint: str, mistakes, fallback):
    """Run ``f`` on every (args, label) case, expecting one value per model as ``reference``
    gives. A scalar or a wrong count is ``Wrong`` with ``hint``; wrong values are ``Wrong``
    with the hint of the first of ``mistakes`` that explains them, else ``fallback``."""
    failed, first = [], None
    for args, label in cases:
        out = quiet_call(f, *args, what=f"{name}{signature}")
        want = np.asarray(reference(*args))
        shape = shape_of(out)
        if shape == ():
            raise Wrong(f"{name} returned one number for {label}.", hint)
        if shape is not None and len(shape) == 1 and shape != want.shape:
            raise Wrong(f"{name} returned {shape[0]} values for {label}; expected "
                        f"{want.shape[0]}, one per model.", hint)
        got = expect_array(out, shape=want.shape, what=f"{name} on {label}")
        if not same(got, want):
            failed.append((args, got))
            first = first or f"{name} gave {fmt(got)} for {label}; expected {fmt(want)}."
    if failed:
        raise Wrong(first, explain(failed, mistakes) or fallback)


# ---------------------------------------------------------------- 7.1 exact match and TED

def _metric_cases():
    p_models = np.asarray(mirage.per_token_probability(np.geomspace(1e7, 1e13, 7)))
    return [
        ((np.array([0.5, 0.9, 0.99]), 2), "p = [0.5, 0.9, 0.99], L = 2 (the worked example)"),
        ((p_models, 5), "the per-token accuracies of 7 model sizes, L = 5"),
        ((np.array([0.0, 0.3, 1.0]), 1), "L = 1 (one token)"),
        ((np.linspace(0.05, 0.95, 10), 12), "10 accuracies, L = 12"),
    ]


def _wrong_exact():
    def a(p):
        return np.asarray(p, float)

    return [
        ("that is p ** (1/L), the inverse step (per-token accuracy *implied* by an exact-match "
         "score). All L tokens right, independently: p ** L.", _star(lambda p, L: a(p) ** (1 / L))),
        ("that is the chance that *at least one* token is right, 1 - (1 - p) ** L. Exact match "
         "needs all of them: p ** L.", _star(lambda p, L: 1 - (1 - a(p)) ** L)),
        ("L appears as a factor; for independent tokens probabilities multiply: p * p * ... "
         "(L times) = p ** L.", _star(lambda p, L: L * a(p))),
        ("exact match depends on the answer length: all L tokens must be right, p ** L.",
         _star(lambda p, L: a(p))),
        ("that is the chance that all L tokens are *wrong*, (1 - p) ** L.",
         _star(lambda p, L: (1 - a(p)) ** L)),
    ]


def _wrong_ted():
    def a(p):
        return np.asarray(p, float)

    return [
        ("you computed L * p, the expected number of *right* tokens. Schaeffer et al.'s "
         "appendix writes L(1 - ε) with ε the error rate, which is a slip: the expected number "
         "of wrong tokens is L(1 - p).", _star(lambda p, L: L * a(p))),
        ("that is the per-token error rate 1 - p; the edit distance counts wrong tokens over "
         "the whole answer: L * (1 - p).", _star(lambda p, L: 1 - a(p))),
        ("that is the chance that every token is wrong; the expected *number* of wrong tokens "
         "is L * (1 - p) (linear in p).", _star(lambda p, L: (1 - a(p)) ** L)),
        ("that is 1 - p ** L, the chance that the answer is not exactly right. The edit distance "
         "counts how many tokens are wrong: L * (1 - p).", _star(lambda p, L: 1 - a(p) ** L)),
        ("that is L * (1 - p ** L); each token is wrong with probability 1 - p, so the "
         "expected count is L * (1 - p).", _star(lambda p, L: L * (1 - a(p) ** L))),
    ]


@checker("7.1")
def mirage_metrics(answer):
    """Check ``mirage_metrics(p, L)`` -> ``(exact_match, token_edit_distance)``."""
    f = expect_function(answer, "mirage_metrics")
    failed = {"exact match": [], "token edit distance": []}
    first = None
    for (p, L), label in _metric_cases():
        out = quiet_call(f, p, L, what="mirage_metrics(p, L)")
        em, ted = _pair(out, "mirage_metrics", len(p))
        want = (mirage.exact_match(p, L), mirage.token_edit_distance(p, L))
        if same(em, want[1]) and same(ted, want[0]) and not same(em, want[0]):
            raise Wrong(f"the two values are swapped for {label}.",
                        "return exact match first, then the token edit distance.")
        for name, got, ref in (("exact match", em, want[0]), ("token edit distance", ted, want[1])):
            if not same(got, ref):
                failed[name].append(((p, L), got))
                first = first or (f"{name} for {label} is {fmt(got)}; expected {fmt(ref)}.")
    if failed["exact match"]:
        raise Wrong(first, explain(failed["exact match"], _wrong_exact()) or
                    "exact match needs all L tokens right: p ** L.")
    if failed["token edit distance"]:
        raise Wrong(first, explain(failed["token edit distance"], _wrong_ted()) or
                    "each of the L tokens is wrong with probability 1 - p: L * (1 - p).")
    return ("both are right. On the same models exact match is p ** L, which stays near 0 and "
            "then shoots up, while the token edit distance L(1 - p) falls linearly as p rises.")


# ---------------------------------------------------------------- 7.2 Wilson interval

def _wilson_ref(k, n, z):
    centre = (k + z * z / 2) / (n + z * z)
    half = z / (n + z * z) * math.sqrt(k * (n - k) / n + z * z / 4)
    return max(centre - half, 0.0), min(centre + half, 1.0)


def _wilson_cases():
    return [
        ((0, 100, 1.96), "k = 0 of n = 100, z = 1.96"),
        ((7, 20, 1.96), "k = 7 of n = 20, z = 1.96"),
        ((186, 2000, 1.96), "k = 186 of n = 2000, z = 1.96"),
        ((3, 40, 2.576), "k = 3 of n = 40, z = 2.576 (99%)"),
        ((45, 50, 1.645), "k = 45 of n = 50, z = 1.645 (90%)"),
        ((1, 10, 1.0), "k = 1 of n = 10, z = 1"),
    ]


def _wrong_wilsons():
    def wald(k, n, z):
        ph = k / n
        h = z * math.sqrt(ph * (1 - ph) / n)
        return ph - h, ph + h

    def wald_clipped(k, n, z):
        lo, hi = wald(k, n, z)
        return max(lo, 0.0), min(hi, 1.0)

    def with_z(k, n, z):  # z where z² belongs
        centre = (k + z / 2) / (n + z)
        half = z / (n + z) * math.sqrt(k * (n - k) / n + z / 4)
        return centre - half, centre + half

    def no_shift(k, n, z):
        half = z / (n + z * z) * math.sqrt(k * (n - k) / n + z * z / 4)
        return k / n - half, k / n + half

    def no_sqrt(k, n, z):
        centre = (k + z * z / 2) / (n + z * z)
        half = z / (n + z * z) * (k * (n - k) / n + z * z / 4)
        return centre - half, centre + half

    def fixed_z(k, n, z):
        return _wilson_ref(k, n, 1.96)

    def half_z(k, n, z):  # z² / 4 written as z / 4... or z²/2 dropped
        centre = (k + z * z / 2) / (n + z * z)
        half = z / (n + z * z) * math.sqrt(k * (n - k) / n)
        return centre - half, centre + half

    return [
        ("that is the normal (Wald) interval, k/n ± z·sqrt(p̂(1 - p̂)/n). It collapses to a "
         "single point at k = 0, the very case that matters for emergence; use Wilson's "
         "formula.", _star(wald)),
        ("that is the normal (Wald) interval, cut at 0 and 1. At k = 0 it is still [0, 0]: "
         "use Wilson's formula.", _star(wald_clipped)),
        ("you used z where the formula has z² (in the centre, n + z², and the z²/4 under the "
         "root).", _star(with_z)),
        ("your interval is centred on k/n. Wilson's is centred on (k + z²/2)/(n + z²), pulled "
         "towards 1/2: that shift is what keeps it above 0 when k = 0.", _star(no_shift)),
        ("the half-width needs a square root: z/(n + z²) · sqrt(k(n - k)/n + z²/4).",
         _star(no_sqrt)),
        ("you always used z = 1.96; use the z you are given (1.645 for 90%, 2.576 for 99%).",
         _star(fixed_z)),
        ("the term z²/4 under the square root is missing; without it the interval has zero "
         "width at k = 0.", _star(half_z)),
    ]


@checker("7.2")
def wilson(answer):
    """Check ``wilson(k, n, z)`` -> ``(low, high)``, the Wilson score interval."""
    f = expect_function(answer, "wilson")
    failed, first = [], None
    for args, label in _wilson_cases():
        out = quiet_call(f, *args, what="wilson(k, n, z)")
        lo, hi = _pair(out, "wilson", None)
        want = _wilson_ref(*args)
        got = np.array([float(lo), float(hi)])
        if not same(got, np.array(want), tol=1e-6):
            failed.append((args, got))
            first = first or (f"wilson gave ({float(lo):.5g}, {float(hi):.5g}) for {label}; "
                              f"expected ({want[0]:.5g}, {want[1]:.5g}).")
    if failed:
        hint = explain(failed, [(h, (lambda w: lambda case: np.array(w(case), float))(w))
                                for h, w in _wrong_wilsons()])
        if hint is None and any(g[0] > g[1] for _, g in failed):
            hint = "return (low, high) in that order."
        raise Wrong(first, hint or "centre = (k + z²/2)/(n + z²); half = z/(n + z²)·"
                    "sqrt(k(n - k)/n + z²/4); return (centre - half, centre + half).")
    lo, hi = _wilson_ref(0, 100, 1.96)
    return (f"wilson is right. Zero right out of 100 still allows a true accuracy up to "
            f"{hi:.1%}: a measured 0 is not evidence of an absent ability.")


# ---------------------------------------------------------------- 7.3 implied per-digit accuracy

def _implied_cases():
    return [
        ((np.array([25.5]), 4), "one value, 25.5% with L = 4"),
        ((np.array([0.15, 0.9, 8.4, 80.4]), 4), "3D+ few-shot at 2.7B, 6.7B, 13B, 175B with L = 4"),
        ((np.array([0.0, 0.05, 9.3]), 6), "5D+ few-shot at 6.7B, 13B, 175B with L = 6"),
        ((np.array([100.0, 55.5, 11.9]), 3), "2D+ few-shot with L = 3"),
        ((np.array([49.0, 64.0]), 2), "[49, 64] with L = 2"),
    ]


def _wrong_implied():
    def frac(x):
        return np.asarray(x, float) / 100

    return [
        ("you left the accuracy in percent: divide by 100 first, so 25.5 % becomes 0.255.",
         _star(lambda x, L: np.asarray(x, float) ** (1 / L))),
        ("that is the accuracy as a percentage (times 100); return a fraction between 0 and 1.",
         _star(lambda x, L: 100 * frac(x) ** (1 / L))),
        ("that is accuracy ** L, the forward direction. If exact match = p ** L, then "
         "p = accuracy ** (1/L).", _star(lambda x, L: frac(x) ** L)),
        ("dividing by L is not the inverse of raising to the power L: p = accuracy ** (1/L).",
         _star(lambda x, L: frac(x) / L)),
        ("that is 1 - (1 - accuracy) ** (1/L); exact match is p ** L, so p = accuracy ** (1/L).",
         _star(lambda x, L: 1 - (1 - frac(x)) ** (1 / L))),
        ("you took the L-th root of the percentage and then divided by 100; convert to a "
         "fraction first.", _star(lambda x, L: np.asarray(x, float) ** (1 / L) / 100)),
    ]


@checker("7.3")
def implied_per_digit(answer):
    """Check ``implied_per_digit(exact_percent, L)``: per-digit accuracy p with p**L = accuracy."""
    f = expect_function(answer, "implied_per_digit")
    _per_model(f, _implied_cases(), lambda x, L: (x / 100) ** (1 / L), "implied_per_digit",
               "(exact_percent, L)", "work on the whole array at once (numpy arithmetic), one "
               "value per model.", _wrong_implied(), "convert percent to a fraction, then take "
               "the L-th root: (exact_percent / 100) ** (1 / L).")
    exact = np.array([0.4, 25.5])                   # GPT-3 4D+ few-shot, 13B and 175B (%)
    p = (exact / 100) ** (1 / 4)
    return (f"implied_per_digit is right. GPT-3 4-digit addition (few-shot, 13B: {exact[0]}%; "
            f"175B: {exact[1]}%) implies per-digit accuracy {p[0]:.2f} and {p[1]:.2f} with L = 4: "
            f"a {exact[1] / exact[0]:.0f}-fold jump in exact match is a {p[1] / p[0]:.1f}-fold "
            f"change per digit.")


# ---------------------------------------------------------------- 7.4 subset accuracy

def _subset_cases():
    rng = np.random.default_rng(74)
    acc = np.asarray(mirage.classifier_accuracy(np.geomspace(1e4, 1e8, 6)))
    return [
        ((np.array([[1, 1, 1, 0, 1, 1, 1, 1], [1, 0, 1, 1, 1, 1, 0, 1]], dtype=bool), 2),
         "the worked example (2 models, 8 items), K = 2"),
        ((mirage.sample_outcomes(acc, 1000, seed=7), 5), "6 models, 1000 items, K = 5"),
        ((rng.random((4, 103)) < 0.7, 3), "4 models, 103 items (not a multiple of 3), K = 3"),
        ((rng.random((3, 50)) < 0.5, 1), "3 models, 50 items, K = 1"),
        ((rng.random((5, 64)) < 0.9, 4), "5 models, 64 items, K = 4"),
    ]


def _wrong_subsets():
    def o(x):
        return np.asarray(x, float)

    def groups(x, K):
        x = o(x)
        g = x.shape[1] // K
        return x[:, :g * K].reshape(x.shape[0], g, K)

    def sliding(x, K):
        x = o(x)
        windows = np.stack([x[:, i:x.shape[1] - K + 1 + i] for i in range(K)], axis=-1)
        return windows.min(axis=-1).mean(axis=1)

    def padded(x, K):
        x = o(x)
        g = -(-x.shape[1] // K)
        pad = np.ones((x.shape[0], g * K - x.shape[1]))
        return np.concatenate([x, pad], axis=1).reshape(x.shape[0], g, K).min(axis=2).mean(axis=1)

    return [
        ("that is accuracy ** K, the *prediction* for independent items. The exercise asks "
         "for the measured value: cut each model's items into groups of K and count the "
         "groups that are all right.", _star(lambda x, K: o(x).mean(axis=1) ** K)),
        ("you counted groups with *at least one* right item; subset accuracy needs all K "
         "right (np.all over each group).",
         _star(lambda x, K: groups(x, K).max(axis=2).mean(axis=1))),
        ("you used overlapping windows (items 1-K, 2-(K+1), ...). Cut the items into separate "
         "groups: item i belongs to group i // K.", _star(sliding)),
        ("the last, incomplete group should be dropped (use the first (n_items // K) * K items), "
         "not counted.", _star(padded)),
        ("that is the fraction of *items* right, ignoring K.",
         _star(lambda x, K: o(x).mean(axis=1))),
        ("that is the fraction of groups that are all *wrong*.",
         _star(lambda x, K: (1 - groups(x, K)).min(axis=2).mean(axis=1))),
    ]


@checker("7.4")
def subset_accuracy(answer):
    """Check ``subset_accuracy(outcomes, K)``: per model, the fraction of K-groups all right."""
    f = expect_function(answer, "subset_accuracy")
    _per_model(f, _subset_cases(), mirage.subset_accuracy_from_outcomes, "subset_accuracy",
               "(outcomes, K)", "rows are models and columns are items: return one value per "
               "row (reduce over the items only).", _wrong_subsets(), "keep the first "
               "(n // K) * K items, reshape to (models, n // K, K), take np.all over the last "
               "axis, then the mean over groups.")
    return ("subset_accuracy is right: with independent items it is close to accuracy ** K, "
            "and it stays near zero until the single-item accuracy is high.")


# ---------------------------------------------------------------- 7.5 upper bound after zero

def _zero_ref(n, confidence):
    return 1 - ((1 - confidence) / 2) ** (1 / n)


def _zero_cases():
    return [((2000, 0.95), "n = 2000, 95%"), ((100, 0.95), "n = 100, 95%"),
            ((40, 0.99), "n = 40, 99%"), ((10, 0.9), "n = 10, 90%"), ((1, 0.95), "n = 1, 95%")]


def _wrong_zeros():
    return [
        ("that is the *one-sided* bound 1 - (1 - c) ** (1/n). A two-sided interval puts "
         "(1 - c)/2 in each tail: 1 - ((1 - c)/2) ** (1/n).",
         _star(lambda n, c: 1 - (1 - c) ** (1 / n))),
        ("that is the rule of three, 3/n: a good approximation of the one-sided 95% bound for "
         "large n, but the exercise asks for the exact two-sided bound.",
         _star(lambda n, c: 3 / n)),
        ("1/n is the resolution of the test set, not a confidence bound.",
         _star(lambda n, c: 1 / n)),
        ("that is ((1 - c)/2) ** (1/n), the probability of 0 successes *at* that bound's "
         "complement; the bound is 1 minus it.", _star(lambda n, c: ((1 - c) / 2) ** (1 / n))),
        ("solve (1 - a) ** n = (1 - c)/2 for a: a = 1 - ((1 - c)/2) ** (1/n). You raised to "
         "the power n instead of 1/n.", _star(lambda n, c: 1 - ((1 - c) / 2) ** n)),
    ]


@checker("7.5")
def zero_upper(answer):
    """Check ``zero_upper(n, confidence)``: the exact upper confidence bound after 0 of n right."""
    f = expect_function(answer, "zero_upper")
    failed, first = [], None
    for args, label in _zero_cases():
        got = expect_real(quiet_call(f, *args, what="zero_upper(n, confidence)"),
                          f"zero_upper on {label}")
        want = _zero_ref(*args)
        if not close(got, want, rel=TOL, abs=1e-12):
            failed.append((args, got))
            first = first or f"zero_upper gave {fmt(got, 5)} for {label}; expected {fmt(want, 5)}."
    if failed:
        raise Wrong(first, explain(failed, _wrong_zeros()) or
                    "the chance of 0 right out of n is (1 - a) ** n; set it equal to "
                    "(1 - confidence)/2 and solve for a.")
    bound = _zero_ref(2000, 0.95)
    lengths, weights = mirage.gpt3_answer_lengths("5D+")
    digit = mirage.implied_per_token_accuracy(bound, lengths, weights)
    return (f"zero_upper is right. A score of 0 of 2,000, like GPT-3's on 5-digit addition up "
            f"to 6.7B parameters, allows an accuracy up to {bound:.2%}, and so a per-digit "
            f"accuracy up to {digit:.2f} (answers of {lengths @ weights:.1f} characters on "
            f"average): the zeros hide a lot.")


# ---------------------------------------------------------------- 7.6 the checklist

CHECKLIST = mirage.CHECKLIST

EVIDENCE = {
    "a": "The 1B, 3B and 7B models each got 0 of 40 questions right.",
    "b": "Under token edit distance, the same outputs improve steadily from 1B to 175B.",
    "c": "Models were trained at 1B, 10B and 100B parameters only.",
    "d": "This task was the most abrupt of 250 tasks, each scored under 6 metrics.",
    "e": "Plotted with a logarithmic y axis, accuracy grows by a similar factor at every size.",
    "f": "Two model families of different sizes leave chance accuracy at the same "
         "pre-training loss.",
    "g": "An answer scores 1 only if all 7 generated digits are exactly right, else 0.",
}
"""Exercise 7.6: seven pieces of evidence, each bearing on one checklist item."""

_ANSWERS = {"a": "resolution", "b": "surrogate", "c": "sampling", "d": "comparisons",
            "e": "axis", "f": "loss", "g": "metric"}

_WHY = {
    "a": "0 of 40 is about the test set: it cannot resolve accuracies below a few percent "
         "(the 95% interval reaches about 9%). That is resolution.",
    "b": "token edit distance is a continuous surrogate scored on the same outputs: "
         "'surrogate'.",
    "c": "three sizes a factor of 10 apart say nothing about what happens in between: "
         "'sampling'.",
    "d": "picking the most abrupt of 1,500 curves is a multiple-comparisons problem: "
         "'comparisons'.",
    "e": "the same numbers look different on a log y axis: 'axis'.",
    "f": "lining families up by pre-training loss is the loss-threshold check: 'loss'.",
    "g": "all-or-nothing scoring of a 7-digit answer is about the metric itself: 'metric'.",
}


@checker("7.6")
def checklist(answer):
    """Check a dict {evidence letter: checklist key} for the seven pieces of evidence."""
    letters = sorted(EVIDENCE)
    expect_dict(answer, letters, "answers", '{"a": "resolution", "b": ..., ...}')
    given = {}
    for x in letters:
        value = answer[x]
        text = value.strip().lower() if isinstance(value, str) else None
        if text not in CHECKLIST:
            raise Wrong(f"the answer for {x} is {value!r}.",
                        f"use one of the checklist keys: {', '.join(map(repr, CHECKLIST))}")
        given[x] = text
    wrong = [x for x in letters if given[x] != _ANSWERS[x]]
    if wrong:
        x = wrong[0]
        raise Wrong(f"{len(wrong)} of {len(letters)} do not match: ({x}) is not about "
                    f"'{given[x]}'.", _WHY[x])
    return ("all seven match. A claim of emergence that survives every item on the list is "
            "much stronger than one that was only ever plotted one way.")
