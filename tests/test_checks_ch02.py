"""Chapter 2 checkers: right answers pass, typical mistakes get their hint, garbage never raises.

The last test makes the student version of notebooks/ch02_exercises.ipynb, runs it, and
checks that every check cell says "Not yet" without any cell raising.
"""
import numpy as np
import pytest

from emergence import scaling as sc
from emergence import sparse_parity as sp
from emergence.checks import Verdict
from emergence.checks import ch02 as check
from garbage import crash, garbage_id

BUDGET = 6 * 70e9 * 1.4e12


# ---------------------------------------------------------------- reference solutions

def fit_loglog(x, y):
    slope, intercept = np.polyfit(np.log(x), np.log(y), 1)
    return slope, np.exp(intercept)


def fit_loglog10(x, y):
    slope, intercept = np.polyfit(np.log10(x), np.log10(y), 1)
    return [slope, 10 ** intercept]


def fit_lstsq(x, y):
    A = np.stack([np.log(x), np.ones(len(x))], axis=1)
    (b, la), *_ = np.linalg.lstsq(A, np.log(y), rcond=None)
    return np.array([b, np.exp(la)])


def chinchilla_optimal(C, A, B, alpha, beta):
    G = (alpha * A / (beta * B)) ** (1 / (alpha + beta))
    N = G * (C / 6) ** (beta / (alpha + beta))
    return N, C / (6 * N)


def chinchilla_optimal_numeric(C, A, B, alpha, beta):
    logN = np.linspace(np.log(1e2), np.log(C / 6 / 1e2), 200001)
    N = np.exp(logN)
    loss = A / N ** alpha + B / (C / 6 / N) ** beta
    i = int(np.argmin(loss))
    lo, hi = logN[max(i - 1, 0)], logN[min(i + 1, len(logN) - 1)]
    for _ in range(100):  # golden-section refinement
        m1, m2 = lo + 0.382 * (hi - lo), lo + 0.618 * (hi - lo)
        f = lambda t: A / np.exp(t) ** alpha + B / (C / 6 / np.exp(t)) ** beta  # noqa: E731
        lo, hi = (lo, m2) if f(m1) < f(m2) else (m1, hi)
    N = float(np.exp((lo + hi) / 2))
    return N, C / 6 / N


def ratios():
    out = []
    for fit in ("hoffmann2022", "besiroglu2024"):
        f = sc.chinchilla_fit(fit)
        N, D = chinchilla_optimal(BUDGET, f.A, f.B, f.alpha, f.beta)
        out.append(D / N)
    return out


@pytest.fixture(scope="module")
def sweep():
    return sp.load_sweep()


def learned_answers(sweep):
    ranks = np.flatnonzero(sweep.run(128, 0).accuracy[-1] >= 0.9) + 1
    counts = np.array([(sweep.run(w, 0).accuracy[-1] >= 0.9).sum() for w in sweep.widths])
    return ranks, counts


def exponent_answers(sweep):
    mean_loss = sweep.mean_loss[:, :, -1].mean(axis=0)
    return mean_loss, fit_loglog(sweep.n_params, mean_loss)[0]


K = sc.kaplan_constants()
LOSS_1E9 = (K["L(N)", "N_c"] / 1e9) ** K["L(N)", "alpha_N"]
GROWTH = 0.9 ** (-1 / K["L(N)", "alpha_N"])


# ---------------------------------------------------------------- (a) right answers pass

@pytest.mark.parametrize("f", [fit_loglog, fit_loglog10, fit_lstsq])
def test_fit_loglog_references_pass(f):
    verdict = check.fit_loglog(f)
    assert verdict.passed, verdict


def test_kaplan_reference_passes():
    assert check.kaplan(LOSS_1E9, GROWTH, 2).passed
    assert check.kaplan(sc.kaplan_loss_N(1e9), np.exp(-np.log(0.9) / 0.076), 2).passed


@pytest.mark.parametrize("f", [chinchilla_optimal, chinchilla_optimal_numeric])
def test_chinchilla_optimal_references_pass(f):
    verdict = check.chinchilla_optimal(f)
    assert verdict.passed, verdict


def test_tokens_per_parameter_reference_passes():
    rh, rb = ratios()
    verdict = check.tokens_per_parameter(rh, rb, 20.0, 20)
    assert verdict.passed and "20" in verdict.message, verdict


def test_learned_subtasks_reference_passes(sweep):
    ranks, counts = learned_answers(sweep)
    assert check.learned_subtasks(ranks, counts).passed
    assert check.learned_subtasks(list(ranks), counts.tolist()).passed


def test_sparse_parity_exponent_reference_passes(sweep):
    mean_loss, exponent = exponent_answers(sweep)
    assert check.sparse_parity_exponent(mean_loss, exponent).passed
    # fitting against widths instead of parameters gives practically the same exponent
    assert check.sparse_parity_exponent(mean_loss, fit_loglog(sweep.widths, mean_loss)[0]).passed


# ---------------------------------------------------------------- (b) typical mistakes

def _loglog_with(base_fit, base_undo):
    def f(x, y):
        s, i = np.polyfit(base_fit(x), base_fit(y), 1)
        return s, base_undo(i)
    return f


@pytest.mark.parametrize("answer, keyword", [
    (lambda x, y: fit_loglog(x, y)[::-1], "exponent comes first"),
    (lambda x, y: (np.polyfit(np.log(x), np.log(y), 1)[0], np.polyfit(np.log(x), np.log(y), 1)[1]),
     "still a logarithm"),
    (_loglog_with(np.log10, np.exp), "base-10 logarithms but undid"),
    (_loglog_with(np.log, lambda i: 10 ** i), "natural logarithms but undid"),
    (lambda x, y: (np.polyfit(np.log(x), np.log(y), 1)[1], np.exp(np.polyfit(np.log(x), np.log(y), 1)[0])),
     "highest power first"),
    (lambda x, y: (np.polyfit(np.log(y), np.log(x), 1)[0], np.exp(np.polyfit(np.log(y), np.log(x), 1)[1])),
     "horizontal axis"),
    (lambda x, y: (np.polyfit(x, np.log(y), 1)[0], np.exp(np.polyfit(x, np.log(y), 1)[1])),
     "semi-log"),
    (lambda x, y: tuple(np.polyfit(x, y, 1)), "not in the raw numbers"),
    (lambda x, y: (-fit_loglog(x, y)[0], fit_loglog(x, y)[1]), "keep the sign"),
    (lambda x, y: ((np.log(y[-1]) - np.log(y[0])) / (np.log(x[-1]) - np.log(x[0])),
                   y[0] / x[0] ** ((np.log(y[-1]) - np.log(y[0])) / (np.log(x[-1]) - np.log(x[0])))),
     "first and last points"),
    (lambda x, y: fit_loglog(x, y)[0], "should be a pair"),
    (lambda x, y: (*fit_loglog(x, y), 0.0), "should be a pair"),
    (lambda x, y: None, "return"),
])
def test_fit_loglog_mistakes(answer, keyword):
    verdict = check.fit_loglog(answer)
    assert not verdict.passed
    assert keyword in verdict.hint or keyword in verdict.message, verdict


aN, Nc = K["L(N)", "alpha_N"], K["L(N)", "N_c"]


@pytest.mark.parametrize("loss, growth, keyword", [
    ((1e9 / Nc) ** aN, GROWTH, "upside down"),
    ((K["L(D)", "D_c"] / 1e9) ** K["L(D)", "alpha_D"], GROWTH, "data constants"),
    ((Nc / 1e9) ** K["L(D)", "alpha_D"], GROWTH, "exponent of L(D)"),
    ((6.4e13 / 1e9) ** aN, GROWTH, "joint law"),
    (Nc / 1e9 * aN, GROWTH, "a power, not a factor"),
    (LOSS_1E9, 0.9 ** (1 / aN), "smaller"),
    (LOSS_1E9, 1.1 ** (1 / aN), "1/1.1"),
    (LOSS_1E9, 0.1 / aN, "not linear"),
    (LOSS_1E9, 0.9 ** -aN, "undoing the power"),
    (LOSS_1E9, 10 ** (-np.log(0.9) / aN), "mix"),
    (LOSS_1E9, np.exp(-np.log10(0.9) / aN), "mix"),
])
def test_kaplan_mistakes(loss, growth, keyword):
    verdict = check.kaplan(loss, growth, 2)
    assert not verdict.passed and keyword in verdict.hint, verdict


def _opt(six=6.0, swap_ab=False, wrong_exp=False, inverted_G=False, no_G=False, no_ab_in_G=False,
         order=False, d_without_6=False):
    def f(C, A, B, alpha, beta):
        if swap_ab:
            A, B, alpha, beta = B, A, beta, alpha
        G = (alpha * A / (beta * B)) ** (1 / (alpha + beta))
        if inverted_G:
            G = 1 / G
        if no_G:
            G = 1.0
        if no_ab_in_G:
            G = (A / B) ** (1 / (alpha + beta))
        e = alpha / (alpha + beta) if wrong_exp else beta / (alpha + beta)
        N = G * (C / six) ** e
        D = C / N if d_without_6 else C / (six * N)
        return (D, N) if order else (N, D)
    return f


@pytest.mark.parametrize("answer, keyword", [
    (_opt(order=True), "wrong places"),
    (_opt(swap_ab=True), "symmetric"),
    (lambda C, A, B, alpha, beta: chinchilla_optimal(C, A, B, beta, alpha), "α and β are swapped"),
    (_opt(six=1.0), "6 in the budget is missing"),
    (_opt(six=2.0), "not 2"),
    (_opt(d_without_6=True), "whole budget"),
    (_opt(wrong_exp=True), "wrong rate"),
    (_opt(inverted_G=True), "upside down"),
    (_opt(no_G=True), "lost its constant prefactor"),
    (_opt(no_ab_in_G=True), "that the derivative brings"),
    (lambda C, A, B, alpha, beta: C / 6, "should be a pair"),
    (lambda C, A, B, alpha, beta: 1 / 0, "ZeroDivisionError"),
])
def test_chinchilla_optimal_mistakes(answer, keyword):
    verdict = check.chinchilla_optimal(answer)
    assert not verdict.passed
    assert keyword in verdict.hint or keyword in verdict.message, verdict


def _ratio(fit, C=BUDGET):
    N, D = sc.compute_optimal(C, fit)
    return D / N


@pytest.mark.parametrize("answers, keyword", [
    ((1 / _ratio("hoffmann2022"), _ratio("besiroglu2024"), 20), "parameters per token"),
    ((_ratio("besiroglu2024"), _ratio("hoffmann2022"), 20), "other fit"),
    ((_ratio("hoffmann2022", BUDGET / 6), _ratio("besiroglu2024"), 20), "6 FLOPs"),
    ((_ratio("hoffmann2022_unrounded"), _ratio("besiroglu2024"), 20), "unrounded"),
    ((_ratio("hoffmann2022"), 1 / _ratio("besiroglu2024"), 20), "parameters per token"),
    ((_ratio("hoffmann2022"), _ratio("besiroglu2024"), 0.05), "tokens per parameter"),
])
def test_tokens_per_parameter_mistakes(answers, keyword):
    verdict = check.tokens_per_parameter(*answers, 20)
    assert not verdict.passed and keyword in verdict.hint, verdict


def test_learned_subtasks_mistakes(sweep):
    ranks, counts = learned_answers(sweep)
    run = sweep.run(128, 0)
    cases = [
        ((ranks - 1, counts), "0-based"),
        ((run.accuracy[-1] >= 0.9, counts), "mask"),
        ((np.flatnonzero(run.accuracy[-1] >= 0.5) + 1, counts), "threshold"),
        ((ranks, (sweep.accuracy[:, :, -1] >= 0.9).sum(axis=2).sum(axis=0)), "totals"),
        ((ranks, (sweep.accuracy[:, :, -1] >= 0.9).sum(axis=2).mean(axis=0)), "averages"),
        ((ranks, counts[::-1]), "reverse"),
        ((ranks, 64 - counts), "unlearned"),
        ((ranks, counts[:3]), "widths"),
    ]
    ever = np.flatnonzero(run.accuracy.max(axis=0) >= 0.9) + 1
    if not np.array_equal(ever, ranks):
        cases.append(((ever, counts), "ever reached"))
    for args, keyword in cases:
        verdict = check.learned_subtasks(*args)
        assert not verdict.passed, (keyword, verdict)
        assert keyword in verdict.hint or keyword in verdict.message, (keyword, verdict)


def test_sparse_parity_exponent_mistakes(sweep):
    mean_loss, exponent = exponent_answers(sweep)
    final = sweep.loss[:, :, -1]
    cases = [
        ((final.mean(axis=2).mean(axis=0), exponent), "weights each subtask"),
        ((sweep.mean_loss[0, :, -1], exponent), "seed 0 only"),
        ((sweep.mean_loss[:, :, 0].mean(axis=0), exponent), "first evaluation"),
        ((mean_loss[:3], exponent), "one per width"),
        ((mean_loss, -exponent), "sign"),
        ((mean_loss, fit_loglog(sweep.n_params, mean_loss)), "two numbers"),
        ((mean_loss, fit_loglog(sweep.n_params, mean_loss)[1]), "prefactor"),
        ((mean_loss, np.polyfit(sweep.n_params.astype(float), np.log(mean_loss), 1)[0]), "log-log axes"),
    ]
    for args, keyword in cases:
        verdict = check.sparse_parity_exponent(*args)
        assert not verdict.passed, (keyword, verdict)
        assert keyword in verdict.hint or keyword in verdict.message, (keyword, verdict)


# ---------------------------------------------------------------- (c) garbage never raises


@pytest.mark.parametrize("answer", [None, Ellipsis, "abc", float("nan"), [1, 2], {"a": 1},
                                    crash, np.ones((2, 3)), float("inf"), -1, True],
                         ids=garbage_id)
def test_garbage_numbers(answer, sweep):
    ranks, counts = learned_answers(sweep)
    mean_loss, exponent = exponent_answers(sweep)
    rh, rb = ratios()
    verdicts = [check.kaplan(answer, GROWTH, 2), check.kaplan(LOSS_1E9, answer, 2),
                check.tokens_per_parameter(answer, rb, 20, 20), check.tokens_per_parameter(rh, rb, answer, 20),
                check.learned_subtasks(answer, counts), check.learned_subtasks(ranks, answer),
                check.sparse_parity_exponent(answer, exponent),
                check.sparse_parity_exponent(mean_loss, answer)]
    for verdict in verdicts:
        assert isinstance(verdict, Verdict) and not verdict.passed, verdict
        assert "Traceback" not in str(verdict)
