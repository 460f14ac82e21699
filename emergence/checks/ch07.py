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
from emergence.checks import (Wrong, checker, expect_array, expect_dict, expect_function,
                              expect_pair, fmt, judge, outputs, page, same, shape_of)
from emergence.i18n import N_, _

__all__ = ["mirage_metrics", "wilson", "implied_per_digit", "subset_accuracy", "zero_upper",
           "checklist", "CHECKLIST", "EVIDENCE"]

PAGE = "ch07_mirage"


def _arrays(out, what: str, size: int):
    """A student's (first, second) answer as two float arrays of ``size`` entries."""
    if not isinstance(out, tuple | list) or len(out) != 2:
        shown = fmt(out) if shape_of(out) not in (None, ()) or isinstance(out, float | int) else \
            repr(out)[:40]
        raise Wrong(_("{what} should return two things, (first, second); it returned "
                      "{type} {shown}.").format(what=what, type=type(out).__name__, shown=shown),
                    _("end the function with `return first, second` (a tuple of two)."))
    return np.stack([expect_array(v, shape=(size,), what=_("the {n} value {what} returned").format(n=n, what=what))
                     for v, n in zip(out, ("first", "second"))])


def _per_model(name: str, hint: str):
    """``read`` for ``judge``: one value per model, with ``hint`` for a scalar or wrong count."""
    def read(out, label):
        shape = shape_of(out)
        if shape == ():
            raise Wrong(_("{name} returned one number for {label}.").format(name=name, label=label), hint)
        if shape is not None and len(shape) == 1 and shape[0] != _models(label):
            raise Wrong(_("{name} returned {shape} values for {label}: not one per model.").format(name=name, shape=shape[0], label=label), hint)
        return expect_array(out, what=_("{name} on {label}").format(name=name, label=label))
    return read


def _models(label: str) -> int:
    """The number of models in a case, from the ``(models)`` prefix of its label."""
    return int(label.split(" ")[0])


# ---------------------------------------------------------------- 7.1 exact match and TED

def _metric_cases():
    p_models = np.asarray(mirage.per_token_probability(np.geomspace(1e7, 1e13, 7)))
    return [
        ((np.array([0.5, 0.9, 0.99]), 2), _("3 models: p = [0.5, 0.9, 0.99], L = 2 (the worked example)")),
        ((p_models, 5), _("7 models: the per-token accuracies of 7 sizes, L = 5")),
        ((np.array([0.0, 0.3, 1.0]), 1), _("3 models, L = 1 (one token)")),
        ((np.linspace(0.05, 0.95, 10), 12), _("10 models, L = 12")),
    ]


def _wrong_metrics():
    def a(p):
        return np.asarray(p, float)

    ted = mirage.token_edit_distance
    em = mirage.exact_match
    return [
        (_("your exact match is the inverse step: the per-token accuracy *implied* by a score, "
           "not the score implied by a per-token accuracy."), lambda p, L: (a(p) ** (1 / L), ted(p, L))),
        (_("your exact match is the chance that *at least one* token is right; exact match needs "
           "every one of them."), lambda p, L: (1 - (1 - a(p)) ** L, ted(p, L))),
        (_("your exact match grows in proportion to L; for independent tokens, chances of all "
           "of them happening multiply."), lambda p, L: (L * a(p), ted(p, L))),
        (_("your exact match does not depend on the answer length L."), lambda p, L: (a(p), ted(p, L))),
        (_("your exact match is the chance that every token is *wrong*."),
         lambda p, L: ((1 - a(p)) ** L, ted(p, L))),
        (_("your edit distance counts the expected number of *right* tokens. (Schaeffer et al.'s "
           "appendix has the same slip.)"), lambda p, L: (em(p, L), L * a(p))),
        (_("your edit distance is a per-token error rate; it counts wrong tokens over the whole "
           "answer."), lambda p, L: (em(p, L), 1 - a(p))),
        (_("your edit distance is the chance that every token is wrong; it should be an expected "
           "*number* of wrong tokens, which is linear in p."), lambda p, L: (em(p, L), (1 - a(p)) ** L)),
        (_("your edit distance is the chance that the answer is not exactly right; it should count "
           "how many tokens are wrong."), lambda p, L: (em(p, L), 1 - a(p) ** L)),
        (_("your edit distance mixes in the exact-match score; each token is wrong on its own "
           "with a fixed probability."), lambda p, L: (em(p, L), L * (1 - a(p) ** L))),
        (_("the two values are swapped: exact match first, then the token edit distance."),
         lambda p, L: (ted(p, L), em(p, L))),
    ]


@checker("7.1", reread=page(PAGE, "The argument in one formula"))
def mirage_metrics(answer):
    """Check ``mirage_metrics(p, L)`` -> ``(exact_match, token_edit_distance)``."""
    f = expect_function(answer, "mirage_metrics",
                        own=(mirage.exact_match, mirage.token_edit_distance, mirage.score))
    judge(outputs(f, "mirage_metrics(p, L)"), _metric_cases(),
          lambda p, L: (mirage.exact_match(p, L), mirage.token_edit_distance(p, L)),
          _wrong_metrics(), _("think of one answer of L tokens, each right with chance p on its "
            "own: when is it exactly right, and how many of its tokens are wrong on average?"),
          what="mirage_metrics",
          read=lambda out, label: _arrays(out, "mirage_metrics", _models(label)),
          agree=lambda got, want: same(got, np.array(want)))
    return (_("both are right. On the same models exact match is p ** L, which stays near 0 and "
              "then shoots up, while the token edit distance L(1 - p) falls linearly as p rises."))


# ---------------------------------------------------------------- 7.2 Wilson interval

def _wilson_ref(k, n, z):
    centre = (k + z * z / 2) / (n + z * z)
    half = z / (n + z * z) * math.sqrt(k * (n - k) / n + z * z / 4)
    return max(centre - half, 0.0), min(centre + half, 1.0)


def _wilson_cases():
    return [
        ((0, 100, 1.96), _("k = 0 of n = 100, z = 1.96")),
        ((7, 20, 1.96), _("k = 7 of n = 20, z = 1.96")),
        ((186, 2000, 1.96), _("k = 186 of n = 2000, z = 1.96")),
        ((3, 40, 2.576), _("k = 3 of n = 40, z = 2.576 (99%)")),
        ((45, 50, 1.645), _("k = 45 of n = 50, z = 1.645 (90%)")),
        ((1, 10, 1.0), _("k = 1 of n = 10, z = 1")),
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
        (_("that is the normal (Wald) interval. It collapses to a single point at k = 0, the very "
           "case that matters for emergence: Wilson's interval comes from solving for the p whose "
           "score test just accepts k."), wald),
        (_("that is the normal (Wald) interval, cut at 0 and 1; at k = 0 it still has zero width."),
         wald_clipped),
        (_("a z appears where the derivation gives its square (check every place z enters)."),
         with_z),
        (_("your interval is centred on k/n. Wilson's centre is pulled towards 1/2, and that "
           "shift is what keeps it above 0 when k = 0."), no_shift),
        (_("the half-width of your interval has the wrong units: it is missing a square root."),
         no_sqrt),
        (_("your interval ignores the z it is given (try z = 1 and z = 2.576)."), fixed_z),
        (_("your half-width vanishes at k = 0: a term that does not depend on k is missing under "
           "the root."), half_z),
        (_("the two ends are swapped: low first, then high."), lambda k, n, z: _wilson_ref(k, n, z)[::-1]),
    ]


@checker("7.2", reread=page(PAGE, "Confidence intervals for a small accuracy"))
def wilson(answer):
    """Check ``wilson(k, n, z)`` -> ``(low, high)``, the Wilson score interval."""
    f = expect_function(answer, "wilson", own=(mirage.wilson_interval, mirage.interval))
    judge(outputs(f, "wilson(k, n, z)"), _wilson_cases(), _wilson_ref, _wrong_wilsons(),
          _("start from the score test: the p for which |k − n·p| = z·sqrt(n·p·(1 − p)) is a "
            "quadratic in p; its two roots are the ends of the interval."), what="wilson",
          read=lambda out, label: np.array(expect_pair(out, "wilson", ("low", "high"))),
          agree=lambda got, want: same(got, np.array(want)))
    lo, hi = _wilson_ref(0, 100, 1.96)
    return (_("wilson is right. Zero right out of 100 still allows a true accuracy up to "
              "{hi:.1%}: a measured 0 is not evidence of an absent ability.").format(hi=hi))


# ---------------------------------------------------------------- 7.3 implied per-digit accuracy

def _implied_cases():
    return [
        ((np.array([25.5]), 4), _("1 model: 25.5% with L = 4")),
        ((np.array([0.15, 0.9, 8.4, 80.4]), 4), _("4 models: 3D+ few-shot at 2.7B, 6.7B, 13B, 175B with L = 4")),
        ((np.array([0.0, 0.05, 9.3]), 6), _("3 models: 5D+ few-shot at 6.7B, 13B, 175B with L = 6")),
        ((np.array([100.0, 55.5, 11.9]), 3), _("3 models: 2D+ few-shot with L = 3")),
        ((np.array([49.0, 64.0]), 2), _("2 models: [49, 64] with L = 2")),
    ]


def _wrong_implied():
    def frac(x):
        return np.asarray(x, float) / 100

    return [
        (_("you left the accuracy in percent: the exact-match model works with a fraction "
           "between 0 and 1."), lambda x, L: np.asarray(x, float) ** (1 / L)),
        (_("that is a percentage (times 100); return a fraction between 0 and 1."),
         lambda x, L: 100 * frac(x) ** (1 / L)),
        (_("that is the forward direction (the score a per-digit accuracy would give); invert it."),
         lambda x, L: frac(x) ** L),
        (_("dividing by L does not undo raising to the power L."), lambda x, L: frac(x) / L),
        (_("that inverts the chance of at least one right digit, not of all of them."),
         lambda x, L: 1 - (1 - frac(x)) ** (1 / L)),
        (_("you took the root of the percentage and then divided by 100; the units must be "
           "converted before the root."), lambda x, L: np.asarray(x, float) ** (1 / L) / 100),
    ]


@checker("7.3", reread=page(PAGE, "Re-analysis 1: GPT-3's arithmetic"))
def implied_per_digit(answer):
    """Check ``implied_per_digit(exact_percent, L)``: per-digit accuracy p with p**L = accuracy."""
    f = expect_function(answer, "implied_per_digit", own=(mirage.implied_per_token_accuracy,))
    judge(outputs(f, "implied_per_digit(exact_percent, L)"), _implied_cases(),
          lambda x, L: (x / 100) ** (1 / L), _wrong_implied(),
          _("write the exact-match score in terms of the per-digit accuracy, then solve that "
            "for the per-digit accuracy (mind the units)."), what="implied_per_digit",
          read=_per_model("implied_per_digit", _("work on the whole array at once (numpy "
                            "arithmetic), one value per model.")))
    exact = np.array([0.4, 25.5])                   # GPT-3 4D+ few-shot, 13B and 175B (%)
    p = (exact / 100) ** (1 / 4)
    return (_("implied_per_digit is right. GPT-3 4-digit addition (few-shot, 13B: {exact}%; "
              "175B: {exact2}%) implies per-digit accuracy {p:.2f} and {p2:.2f} with L = 4: "
              "a {exact3:.0f}-fold jump in exact match is a {p3:.1f}-fold "
              "change per digit.").format(exact=exact[0], exact2=exact[1], p=p[0], p2=p[1], exact3=exact[1] / exact[0], p3=p[1] / p[0]))


# ---------------------------------------------------------------- 7.4 subset accuracy

def _subset_cases():
    rng = np.random.default_rng(74)
    acc = np.asarray(mirage.classifier_accuracy(np.geomspace(1e4, 1e8, 6)))
    return [
        ((np.array([[1, 1, 1, 0, 1, 1, 1, 1], [1, 0, 1, 1, 1, 1, 0, 1]], dtype=bool), 2),
         _("2 models, 8 items (the worked example), K = 2")),
        ((mirage.sample_outcomes(acc, 1000, seed=7), 5), _("6 models, 1000 items, K = 5")),
        ((rng.random((4, 103)) < 0.7, 3), _("4 models, 103 items (not a multiple of 3), K = 3")),
        ((rng.random((3, 50)) < 0.5, 1), _("3 models, 50 items, K = 1")),
        ((rng.random((5, 64)) < 0.9, 4), _("5 models, 64 items, K = 4")),
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

    def reshaped_wrongly(x, K):  # items cut with the models mixed in: (n_items // K, K) per model
        x = o(x)
        g = x.shape[1] // K
        return x[:, :g * K].T.reshape(-1, K)[:x.shape[0] * g].reshape(x.shape[0], g, K) \
            .all(axis=2).mean(axis=1)

    return [
        (_("that is accuracy ** K, the *prediction* for independent items. The exercise asks "
           "for the value measured on these outcomes."), lambda x, K: o(x).mean(axis=1) ** K),
        (_("you counted groups with *at least one* right item; a group counts only if every "
           "item in it is right."), lambda x, K: groups(x, K).max(axis=2).mean(axis=1)),
        (_("you used overlapping windows (items 1-K, 2-(K+1), ...); each item belongs to "
           "exactly one group."), sliding),
        (_("the last, incomplete group is counted; a group of fewer than K items is not a "
           "group of K."), padded),
        (_("that is the fraction of *items* right, ignoring K."), lambda x, K: o(x).mean(axis=1)),
        (_("that is the fraction of groups that are all *wrong*."),
         lambda x, K: (1 - groups(x, K)).min(axis=2).mean(axis=1)),
        (_("your groups mix items of different models: a reshape that does not keep the "
           "model axis first reads the outcomes in the wrong order."), reshaped_wrongly),
    ]


@checker("7.4", reread=page(PAGE, "Make your own emergence"))
def subset_accuracy(answer):
    """Check ``subset_accuracy(outcomes, K)``: per model, the fraction of K-groups all right."""
    f = expect_function(answer, "subset_accuracy",
                        own=(mirage.subset_accuracy_from_outcomes, mirage.subset_accuracy))
    judge(outputs(f, "subset_accuracy(outcomes, K)"), _subset_cases(),
          mirage.subset_accuracy_from_outcomes, _wrong_subsets(),
          _("for one model, write down its groups of K items by hand on the worked example and "
            "count the groups that pass; then do the same for every row at once."),
          what="subset_accuracy",
          read=_per_model("subset_accuracy", _("rows are models and columns are items: one "
                            "value per row.")))
    return (_("subset_accuracy is right: with independent items it is close to accuracy ** K, "
              "and it stays near zero until the single-item accuracy is high."))


# ---------------------------------------------------------------- 7.5 upper bound after zero

def _zero_ref(n, confidence):
    return 1 - ((1 - confidence) / 2) ** (1 / n)


def _zero_cases():
    return [((2000, 0.95), "n = 2000, 95%"), ((100, 0.95), "n = 100, 95%"),
            ((40, 0.99), "n = 40, 99%"), ((10, 0.9), "n = 10, 90%"), ((1, 0.95), "n = 1, 95%")]


def _wrong_zeros():
    return [
        (_("that is a *one-sided* bound; the exercise asks for the upper end of a two-sided "
           "interval, with the missing confidence split between two tails."),
         lambda n, c: 1 - (1 - c) ** (1 / n)),
        (_("that is the rule of three, 3/n: a correct one-sided 95% bound for large n. The "
           "exercise asks for the exact two-sided bound, which is larger."),
         lambda n, c: 3 / n),
        (_("1/n is the resolution of the test set, not a confidence bound."), lambda n, c: 1 / n),
        (_("that is the chance of 0 successes at the bound, not the bound itself."),
         lambda n, c: ((1 - c) / 2) ** (1 / n)),
        (_("solving for the accuracy undoes a power n; your answer applies it again."),
         lambda n, c: 1 - ((1 - c) / 2) ** n),
        (_("that is a percentage; return a fraction between 0 and 1."),
         lambda n, c: 100 * _zero_ref(n, c)),
    ]


@checker("7.5", reread=page(PAGE, "Confidence intervals for a small accuracy"))
def zero_upper(answer):
    """Check ``zero_upper(n, confidence)``: the exact upper confidence bound after 0 of n right."""
    f = expect_function(answer, "zero_upper",
                        own=(mirage.clopper_pearson_interval, mirage.beta_quantile,
                             mirage.interval))
    judge(outputs(f, "zero_upper(n, confidence)"), _zero_cases(), _zero_ref, _wrong_zeros(),
          _("for a candidate accuracy a, what is the chance of getting 0 right out of n? The "
            "bound is the a at which that chance has fallen to the tail the confidence leaves."),
          what="zero_upper")
    bound = _zero_ref(2000, 0.95)
    lengths, weights = mirage.gpt3_answer_lengths("5D+")
    digit = mirage.implied_per_token_accuracy(bound, lengths, weights)
    return (_("zero_upper is right. A score of 0 of 2,000, like GPT-3's on 5-digit addition up "
              "to 6.7B parameters, allows an accuracy up to {bound:.2%}, and so a per-digit "
              "accuracy up to {digit:.2f} (answers of {lengths:.1f} characters on "
              "average): the zeros hide a lot.").format(bound=bound, digit=digit, lengths=lengths @ weights))


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

_CLUE = {
    "a": N_("look at what the evidence counts: items and outcomes on a test set, not sizes or axes."),
    "b": N_("the evidence is about a second way of scoring the same outputs."),
    "c": N_("the evidence is about which model sizes exist at all."),
    "d": N_("the evidence is about how this curve was found among many."),
    "e": N_("the evidence is about how the numbers are drawn."),
    "f": N_("the evidence lines up different model families by something other than size."),
    "g": N_("the evidence is about how one answer is turned into a score."),
}


def _diagnosis(letter: str, key: str) -> str:
    """Why checklist item ``key`` does not fit evidence ``letter``, without naming the one that does."""
    return (_("({letter}): the '{key}' item asks \"{CHECKLIST}\" The evidence does not "
              "answer that question; {_CLUE}").format(letter=letter, key=key, CHECKLIST=CHECKLIST[key], _CLUE=_(_CLUE[letter])))


@checker("7.6", reread=page(PAGE, "A checklist for a claim of emergence"))
def checklist(answer):
    """Check a dict {evidence letter: checklist key} for the seven pieces of evidence."""
    letters = sorted(EVIDENCE)
    expect_dict(answer, letters, "answers", _("{\"a\": \"...\", \"b\": \"...\", ...} with one checklist "
                  "key per letter"))
    given = {}
    for x in letters:
        value = answer[x]
        text = value.strip().lower() if isinstance(value, str) else None
        if text not in CHECKLIST:
            raise Wrong(_("the answer for {x} is {value!r:.40}.").format(x=x, value=value),
                        _("use one of the checklist keys: {map}").format(map=', '.join(map(repr, CHECKLIST))))
        given[x] = text
    wrong = [x for x in letters if given[x] != _ANSWERS[x]]
    if wrong:
        x = wrong[0]
        raise Wrong(_("{n_wrong} of {n_letters} do not match yet; the first is ({x}).").format(n_wrong=len(wrong), n_letters=len(letters), x=x),
                    _diagnosis(x, given[x]))
    return (_("all seven match. A claim of emergence that survives every item on the list is "
              "much stronger than one that was only ever plotted one way."))
