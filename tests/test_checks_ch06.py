"""Chapter 6 checkers: right answers pass, typical mistakes get their hint, garbage never raises.

The last test makes the student version of notebooks/ch06_exercises.ipynb, runs it, and
checks that every check cell says "Not yet" without any cell raising.
"""
import math

import numpy as np
import pytest

from emergence import grokking as g
from emergence.checks import Verdict
from emergence.checks import ch06 as check

RUNS = g.load_sweep_runs()


# ---------------------------------------------------------------- 6.1 split

def split(p, frac, seed):
    a, b = np.divmod(np.arange(p * p), p)
    x, y = np.stack([a, b], axis=1), (a + b) % p
    order = np.random.default_rng(seed).permutation(p * p)
    n = round(frac * p * p)
    return x[order[:n]], y[order[:n]], x[order[n:]], y[order[n:]]


def split_shuffle(p, frac, seed):
    """Shuffling the rows in place gives the same permutation: accepted."""
    a, b = np.divmod(np.arange(p * p), p)
    table = np.stack([a, b, (a + b) % p], axis=1)
    np.random.default_rng(seed).shuffle(table)
    n = round(frac * p * p)
    return table[:n, :2], table[:n, 2], table[n:, :2], table[n:, 2]


def split_lists(p, frac, seed):
    return tuple(arr.tolist() for arr in split(p, frac, seed))


def _variant(*, floor=False, swap=False, labels=None, b_major=False, legacy=False, unseeded=False,
             unshuffled_labels=False, overlap=False, no_shuffle=False):
    def f(p, frac, seed):
        a, b = np.divmod(np.arange(p * p), p)
        if b_major:
            a, b = b, a
        x = np.stack([a, b], axis=1)
        y = (labels or (lambda a, b, p: (a + b) % p))(a, b, p)
        if legacy:
            order = np.random.RandomState(seed).permutation(p * p)
        elif unseeded:
            order = np.random.default_rng().permutation(p * p)
        elif no_shuffle:
            order = np.arange(p * p)
        else:
            order = np.random.default_rng(seed).permutation(p * p)
        n = int(frac * p * p) if floor else round(frac * p * p)
        tr, te = order[:n], order[n:]
        if swap:
            tr, te = te, tr
        if overlap:
            te = order[n - 5:]
        ytr = y[:len(tr)] if unshuffled_labels else y[tr]
        return x[tr], ytr, x[te], y[te]
    return f


SPLIT_MISTAKES = [
    (split_lists, "numpy arrays"),
    (_variant(floor=True), "round"),
    (_variant(swap=True), "swapped"),
    (_variant(labels=lambda a, b, p: a + b), "mod p"),
    (_variant(labels=lambda a, b, p: (a - b) % p), "subtraction"),
    (_variant(b_major=True), "a changing slowest"),
    (_variant(legacy=True), "legacy"),
    (_variant(unseeded=True), "same seed"),
    (_variant(unshuffled_labels=True), "shuffled with the pairs"),
    (_variant(overlap=True), "exactly once"),
    (_variant(no_shuffle=True), "not shuffled"),
    (lambda p, frac, seed: split(p, frac, seed)[:2], "four arrays"),
]


# ---------------------------------------------------------------- 6.2 milestones

def first_step(steps, values, level):
    hits = np.flatnonzero(np.asarray(values) >= level)
    return int(steps[hits[0]]) if hits.size else None


def first_step_loop(steps, values, level):
    for s, v in zip(steps, values):
        if v >= level:
            return s
    return None


FIRST_STEP_MISTAKES = [
    (lambda s, v, level: int(np.argmax(np.asarray(v) >= level)) if np.any(np.asarray(v) >= level)
     else None, "index"),
    (lambda s, v, level: int(s[np.argmax(np.asarray(v) >= level)]), "argmax"),
    (lambda s, v, level: first_step(s, v, level) if first_step(s, v, level) is not None else -1,
     "no step to return"),
    (lambda s, v, level: first_step(s, v, level + 1e-9), ">="),
    (lambda s, v, level: int(s[int(np.argmax(v))]) if first_step(s, v, level) is not None else None,
     "maximum"),
]


def _delay():
    run = RUNS[check.DELAY_RUN]
    t_train, t_test = g.milestones(run)
    return run, t_train, t_test


# ---------------------------------------------------------------- 6.3 Fourier

def fourier_power(table):
    return (np.abs(np.fft.rfft(np.asarray(table, dtype=float), axis=0)) ** 2).sum(axis=1)


def fourier_power_explicit(table):
    table = np.asarray(table, dtype=float)
    p = table.shape[0]
    k = np.arange(p // 2 + 1)[:, None]
    basis = np.exp(-2j * np.pi * k * np.arange(p)[None, :] / p)
    return (np.abs(basis @ table) ** 2).sum(axis=1)


def _rfft(t):
    return np.fft.rfft(np.asarray(t, dtype=float), axis=0)


FOURIER_MISTAKES = [
    (lambda t: np.abs(_rfft(t)).sum(axis=1), "square"),
    (lambda t: np.abs(_rfft(t).sum(axis=1)) ** 2, "before summing"),
    (lambda t: (np.abs(_rfft(t)) ** 2).mean(axis=1), "do not average"),
    (lambda t: fourier_power(t) / fourier_power(t).sum(), "share"),
    (lambda t: (np.abs(np.fft.fft(np.asarray(t, float), axis=0)) ** 2).sum(axis=1), "p // 2 + 1"),
    (lambda t: fourier_power(t)[1:], "k = 0"),
    (lambda t: np.abs(_rfft(t)) ** 2, "combine the columns"),
    (lambda t: (np.abs(np.fft.rfft(np.asarray(t, float), axis=1)) ** 2).sum(axis=0), "along the rows"),
    (lambda t: _rfft(t).sum(axis=1), "complex"),
]


def top_frequencies(table, n):
    return np.argsort(fourier_power(table)[1:])[::-1][:n] + 1


TOP_MISTAKES = [
    (lambda t, n: np.argsort(fourier_power(t))[::-1][:n], "k = 0"),
    (lambda t, n: np.argsort(fourier_power(t)[1:])[::-1][:n], "shift them back"),
    (lambda t, n: (np.argsort(fourier_power(t)[1:])[::-1][:n] + 1)[::-1], "strongest first"),
    (lambda t, n: np.sort(fourier_power(t)[1:])[::-1][:n], "powers"),
    (lambda t, n: np.argsort(fourier_power(t)[1:])[:n] + 1, "weakest"),
    (lambda t, n: np.argsort(fourier_power(t)[1:])[::-1][:3] + 1, "exactly n"),
]


# ---------------------------------------------------------------- 6.4 classify

def classify(train_acc, test_acc):
    if np.max(train_acc) < 0.99:
        return "never fit"
    return "grokked" if np.max(test_acc) >= 0.95 else "memorised only"


def classify_any(train_acc, test_acc):
    if not any(a >= 0.99 for a in train_acc):
        return "never fit"
    return "grokked" if any(a >= 0.95 for a in test_acc) else "memorised only"


CLASSIFY_MISTAKES = [
    (lambda tr, te: "never fit" if tr[-1] < 0.99 else ("grokked" if te[-1] >= 0.95
                                                        else "memorised only"), "whole curve"),
    (lambda tr, te: "never fit" if np.max(tr) <= 0.99 else ("grokked" if np.max(te) > 0.95
                                                            else "memorised only"), "exactly"),
    (lambda tr, te: "never fit" if np.max(tr) < 0.95 else ("grokked" if np.max(te) >= 0.99
                                                           else "memorised only"), "which level"),
    (lambda tr, te: {"grokked": "Grokked"}.get(classify(tr, te), classify(tr, te)), "spell"),
    (lambda tr, te: {"memorised only": "memorized only"}.get(classify(tr, te), classify(tr, te)),
     "British"),
    (lambda tr, te: g.OUTCOMES.index(classify(tr, te)), "strings"),
]


# ---------------------------------------------------------------- 6.5 weight decay

def half_life(lr, weight_decay):
    if weight_decay == 0:
        return math.inf
    return math.log(0.5) / math.log(1 - lr * weight_decay)


HALF_LIFE_MISTAKES = [
    (lambda lr, wd: math.inf if wd == 0 else math.log(2) / (lr * wd), "approximation"),
    (lambda lr, wd: math.inf if wd == 0 else -1 / math.log(1 - lr * wd), "e-folding"),
    (lambda lr, wd: math.inf if wd == 0 else math.ceil(half_life(lr, wd)), "round"),
    (lambda lr, wd: math.log(0.5) / math.log(1 - lr * wd), "how many steps"),
    (lambda lr, wd: None if wd == 0 else half_life(lr, wd), "never shrink"),
    (lambda lr, wd: math.inf if wd == 0 else -half_life(lr, wd), "sign"),
]


def _norms(frac=0.4):
    return RUNS[frac, 0.0].weight_norm, RUNS[frac, 1.0].weight_norm


# ---------------------------------------------------------------- (a) right answers pass

@pytest.mark.parametrize("checker, answer", [
    (check.split, split), (check.split, split_shuffle),
    (check.first_step, first_step), (check.first_step, first_step_loop),
    (check.fourier_power, fourier_power), (check.fourier_power, fourier_power_explicit),
    (check.top_frequencies, top_frequencies), (check.top_frequencies,
                                               lambda t, n: list(top_frequencies(t, n))),
    (check.classify, classify), (check.classify, classify_any),
    (check.half_life, half_life),
], ids=lambda a: getattr(a, "__name__", "answer"))
def test_reference_solutions_pass(checker, answer):
    verdict = checker(answer)
    assert verdict.passed, str(verdict)


def test_numeric_answers_pass():
    run, t_train, t_test = _delay()
    assert check.delay(t_test / t_train, 10).passed
    no_wd, wd1 = _norms()
    assert check.norm_ratio(no_wd[-1] / wd1[-1], 3).passed
    assert check.norm_ratio(np.float32(no_wd[-1] / wd1[-1]), 3).passed


# ---------------------------------------------------------------- (b) mistakes get their hint

def _rejected(verdict, keyword):
    assert isinstance(verdict, Verdict) and not verdict.passed, str(verdict)
    text = (verdict.message + " " + verdict.hint).lower()
    assert keyword.lower() in text, str(verdict)


@pytest.mark.parametrize("answer, keyword", SPLIT_MISTAKES, ids=lambda x: str(x)[:20])
def test_split_mistakes(answer, keyword):
    _rejected(check.split(answer), keyword)


@pytest.mark.parametrize("answer, keyword", FIRST_STEP_MISTAKES, ids=lambda x: str(x)[:20])
def test_first_step_mistakes(answer, keyword):
    _rejected(check.first_step(answer), keyword)


@pytest.mark.parametrize("make, keyword", [
    (lambda r, tr, te: tr / te, "upside down"),
    (lambda r, tr, te: te - tr, "difference"),
    (lambda r, tr, te: te / g.milestone(r.steps, r.train_acc, 0.95), "99 % for the train"),
    (lambda r, tr, te: g.milestone(r.steps, r.test_acc, 0.99) / tr, "95 % for the test"),
    (lambda r, tr, te: 7.3, "fix it first"),
])
def test_delay_mistakes(make, keyword):
    _rejected(check.delay(make(*_delay()), 10), keyword)


@pytest.mark.parametrize("answer, keyword", FOURIER_MISTAKES, ids=lambda x: str(x)[:20])
def test_fourier_mistakes(answer, keyword):
    _rejected(check.fourier_power(answer), keyword)


@pytest.mark.parametrize("answer, keyword", TOP_MISTAKES, ids=lambda x: str(x)[:20])
def test_top_frequency_mistakes(answer, keyword):
    _rejected(check.top_frequencies(answer), keyword)


@pytest.mark.parametrize("answer, keyword", CLASSIFY_MISTAKES, ids=lambda x: str(x)[:20])
def test_classify_mistakes(answer, keyword):
    _rejected(check.classify(answer), keyword)


@pytest.mark.parametrize("answer, keyword", HALF_LIFE_MISTAKES, ids=lambda x: str(x)[:20])
def test_half_life_mistakes(answer, keyword):
    _rejected(check.half_life(answer), keyword)


@pytest.mark.parametrize("value, keyword", [
    (lambda a, b: b[-1] / a[-1], "upside down"),
    (lambda a, b: a[0] / b[0], "not the first"),
    (lambda a, b: a.max() / b.max(), "not the largest"),
    (lambda a, b: a[-1] - b[-1], "difference"),
    (lambda a, b: 2.0, "compare the final weight norms"),
])
def test_norm_ratio_mistakes(value, keyword):
    no_wd, wd1 = _norms()
    _rejected(check.norm_ratio(value(no_wd, wd1), 3), keyword)


@pytest.mark.parametrize("checker, library", [
    (check.first_step, g.milestone), (check.first_step, lambda s, v, level: g.milestone(s, v, level)),
    (check.fourier_power, g.fourier_power), (check.fourier_power, lambda t: g.fourier_power(t)),
    (check.top_frequencies, lambda t, n: g.key_frequencies(t)[:n]), (check.classify, g.outcome),
])
def test_calling_the_library_is_not_your_own_work(checker, library):
    _rejected(checker(library), "write it yourself")


def test_a_broken_fourier_power_is_named_before_top_frequencies():
    namespace = {"np": np}
    exec("def fourier_power(t):\n    return np.abs(np.fft.rfft(t, axis=0)).sum(axis=1)\n"
         "def top_frequencies(t, n):\n    return np.argsort(fourier_power(t)[1:])[::-1][:n] + 1\n",
         namespace)
    _rejected(check.top_frequencies(namespace["top_frequencies"]), "6.3")


@pytest.mark.parametrize("guess, words", [(..., "before you compute"), (None, "still empty"),
                                          (-2, "positive"), ("big", "single number")])
def test_a_prediction_must_be_recorded_first(guess, words):
    run, t_train, t_test = _delay()
    _rejected(check.delay(t_test / t_train, guess), words)
    no_wd, wd1 = _norms()
    _rejected(check.norm_ratio(no_wd[-1] / wd1[-1], guess), words)


@pytest.mark.parametrize("guess, words", [(10, "close to what you expected"),
                                          (2, "5.5 times what you expected"),
                                          (44, "4.0 times smaller than you expected")])
def test_the_verdict_compares_the_prediction_with_the_measurement(guess, words):
    run, t_train, t_test = _delay()
    verdict = check.delay(t_test / t_train, guess)
    assert verdict.passed and words in verdict.message, verdict


def test_norm_ratio_of_another_fraction():
    no_wd, wd1 = _norms(0.6)
    _rejected(check.norm_ratio(no_wd[-1] / wd1[-1], 3), "fraction 40%")
