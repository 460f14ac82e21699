"""Checkers for the Chapter 2 exercises (scaling laws).

Each checker compares the answer with a reference computed here and, when it is wrong, tries
the usual mistakes one by one (natural against base-10 logarithms, the 6 in C = 6ND, α and β
swapped, ranks counted from 0, ...): if a known mistake reproduces the answer, the hint names it.

    from emergence.checks import ch02 as check
    check.fit_loglog(fit_loglog)
"""
from __future__ import annotations


import numpy as np

from emergence import scaling as sc
from emergence import sparse_parity as sp
from emergence.checks import (Wrong, checker, close, expect_array, expect_function, expect_number,
                              explain, fmt, quiet_call)

__all__ = ["fit_loglog", "kaplan", "chinchilla_optimal", "tokens_per_parameter",
           "learned_subtasks", "sparse_parity_exponent", "CHINCHILLA_BUDGET", "SP_WIDTH",
           "SP_SEED"]

TOL = 1e-6
CHINCHILLA_BUDGET = sc.training_flops(70e9, 1.4e12)
"""6 · 70e9 parameters · 1.4e12 tokens: Chinchilla's training compute by C = 6ND."""
SP_WIDTH, SP_SEED = 128, 0
"""The run whose learned subtasks exercise 2.5 asks for."""


def _pair(answer, what: str, names: tuple[str, str]) -> tuple[float, float]:
    """Two numbers from a tuple/list/array answer, or Wrong."""
    if answer is None or answer is Ellipsis:
        raise Wrong(f"{what} returned nothing.", "did you forget the `return` statement?")
    if isinstance(answer, (str, bytes, dict)) or not hasattr(answer, "__len__"):
        raise Wrong(f"{what} returned a {type(answer).__name__}; expected two numbers "
                    f"({names[0]}, {names[1]}).", f"end with `return {names[0]}, {names[1]}`")
    if len(answer) != 2:
        raise Wrong(f"{what} returned {len(answer)} values; expected two ({names[0]}, {names[1]}).",
                    f"end with `return {names[0]}, {names[1]}`")
    return tuple(expect_number(v, f"{what}'s {n}") for v, n in zip(answer, names))


def _same_pair(got, want, rel=TOL) -> bool:
    return all(close(g, w, rel=rel, abs=1e-12) for g, w in zip(got, want))


# ---------------------------------------------------------------- 2.1 log-log least squares

def _polyfit(x, y):
    slope, intercept = np.polyfit(x, y, 1)
    return float(slope), float(intercept)


def _ref_fit(x, y):
    b, la = _polyfit(np.log(x), np.log(y))
    return b, float(np.exp(la))


def _fit_cases():
    """(x, y, description): the first is the example in the notebook."""
    rng = np.random.default_rng(21)
    x1 = np.geomspace(1, 1e4, 9)
    N = np.geomspace(1e6, 1e9, 8)
    kaplan = (8.8e13 / N) ** 0.076 * np.exp(rng.normal(0, 0.01, 8))
    x3 = np.sort(rng.uniform(1, 100, 12))
    rising = 0.2 * x3 ** 1.5 * np.exp(rng.normal(0, 0.05, 12))
    x4 = np.geomspace(0.01, 10, 6)
    return [
        (x1, 3.0 * x1 ** -0.5, "the example y = 3 x^-0.5"),
        (N, kaplan, "noisy Kaplan-style losses L(N) for N from 1e6 to 1e9"),
        (x3, rising, "a rising law with unevenly spaced x"),
        (x4, 40 * x4 ** -1.2, "x below 1 (from 0.01 to 10)"),
    ]


def _fit_mistakes():
    ln, lg = np.log, np.log10

    def endpoints(x, y):
        b = (ln(y[-1]) - ln(y[0])) / (ln(x[-1]) - ln(x[0]))
        return b, float(y[0] / x[0] ** b)

    return [
        ("you returned (prefactor, exponent): return the exponent first, as `return exponent, "
         "prefactor`.", lambda x, y: _ref_fit(x, y)[::-1]),
        ("the intercept of the line is log(prefactor): exponentiate it (np.exp for natural "
         "logs) to get the prefactor.", lambda x, y: (_ref_fit(x, y)[0], _polyfit(ln(x), ln(y))[1])),
        ("the intercept of the line is log(prefactor): exponentiate it (10 ** intercept for "
         "base-10 logs) to get the prefactor.",
         lambda x, y: (_ref_fit(x, y)[0], _polyfit(lg(x), lg(y))[1])),
        ("you fitted with base-10 logarithms (np.log10) but undid the logarithm with np.exp: "
         "the prefactor is 10 ** intercept for base-10 logs, np.exp(intercept) for natural logs.",
         lambda x, y: (_ref_fit(x, y)[0], float(np.exp(_polyfit(lg(x), lg(y))[1])))),
        ("you fitted with natural logarithms (np.log) but undid the logarithm with 10 **: "
         "the prefactor is np.exp(intercept) for natural logs.",
         lambda x, y: (_ref_fit(x, y)[0], float(10 ** _polyfit(ln(x), ln(y))[1]))),
        ("np.polyfit(x, y, 1) returns [slope, intercept], highest power first: you swapped "
         "them.", lambda x, y: (_polyfit(ln(x), ln(y))[1], float(np.exp(_polyfit(ln(x), ln(y))[0])))),
        ("put log x on the horizontal axis and log y on the vertical one: np.polyfit(np.log(x), "
         "np.log(y), 1).", lambda x, y: (_polyfit(ln(y), ln(x))[0],
                                          float(np.exp(_polyfit(ln(y), ln(x))[1])))),
        ("take the logarithm of x too: a power law is a straight line on log-log axes, not on "
         "semi-log axes.", lambda x, y: (_polyfit(x, ln(y))[0], float(np.exp(_polyfit(x, ln(y))[1])))),
        ("fit the logarithms, not the raw numbers: a power law is a straight line in "
         "(log x, log y).", lambda x, y: _polyfit(x, y)),
        ("keep the sign: y = prefactor * x**exponent, so a falling curve has a negative exponent.",
         lambda x, y: (-_ref_fit(x, y)[0], _ref_fit(x, y)[1])),
        ("you used only the first and last points: fit a least-squares line through all of them.",
         endpoints),
    ]


@checker("2.1")
def fit_loglog(answer):
    """Check ``fit_loglog(x, y) -> (exponent, prefactor)``: least squares on log-log axes."""
    f = expect_function(answer, "fit_loglog")
    failed, first = [], None
    for x, y, label in _fit_cases():
        out = quiet_call(f, x, y, what="fit_loglog(x, y)")
        got = _pair(out, f"fit_loglog on {label}", ("exponent", "prefactor"))
        want = _ref_fit(x, y)
        if not _same_pair(got, want):
            failed.append(((x, y), got))
            first = first or (f"fit_loglog gave exponent {fmt(got[0])}, prefactor {fmt(got[1])} "
                              f"on {label}; expected {fmt(want[0])} and {fmt(want[1])}.")
    if failed:
        mistakes = [(h, lambda case, m=m: m(*case)) for h, m in _fit_mistakes()]
        raise Wrong(first, explain(failed, mistakes) or
                    "fit a straight line to (np.log(x), np.log(y)) with np.polyfit(..., 1); the "
                    "slope is the exponent and np.exp(intercept) the prefactor.")
    return ("fit_loglog recovers exponent and prefactor on 4 data sets, falling and rising, "
            "evenly and unevenly spaced.")


# ---------------------------------------------------------------- 2.2 Kaplan's L(N)

@checker("2.2")
def kaplan(loss_1e9, growth_for_10pct):
    """Check L(N) at 1e9 parameters and the factor in N that lowers the loss by 10 %."""
    k = sc.kaplan_constants()
    aN, Nc = k["L(N)", "alpha_N"], k["L(N)", "N_c"]
    want = sc.kaplan_loss_N(1e9)
    got = expect_number(loss_1e9, "loss_1e9")
    if not close(got, want, rel=1e-3):
        candidates = [
            ("the ratio is upside down: L(N) = (N_c / N)^alpha_N, with N_c = 8.8e13 on top.",
             (1e9 / Nc) ** aN),
            ("that is (N_c/N)^-alpha_N: the exponent in L(N) = (N_c/N)^alpha_N is +0.076.",
             (Nc / 1e9) ** -aN),
            ("you used the data constants (D_c = 5.4e13, alpha_D = 0.095); L(N) uses "
             "N_c = 8.8e13 and alpha_N = 0.076.", (k["L(D)", "D_c"] / 1e9) ** k["L(D)", "alpha_D"]),
            ("you used alpha_D = 0.095; L(N) uses alpha_N = 0.076.", (Nc / 1e9) ** k["L(D)", "alpha_D"]),
            ("those are the constants of the joint law L(N, D) (Table 2, N_c = 6.4e13); the "
             "single-variable L(N) of §1.2 uses N_c = 8.8e13.", (6.4e13 / 1e9) ** aN),
            ("the loss is (N_c/N) raised to the power alpha_N, not multiplied by it.",
             Nc / 1e9 * aN),
        ]
        hint = next((h for h, v in candidates if close(got, v, rel=1e-3)), None)
        raise Wrong(f"loss_1e9 = {got:.4g}, but Kaplan's L(N) at N = 1e9 is {want:.4g}.",
                    hint or "compute (8.8e13 / 1e9) ** 0.076.")
    want_g = 0.9 ** (-1 / aN)
    g = expect_number(growth_for_10pct, "growth_for_10pct")
    if not close(g, want_g, rel=1e-3):
        candidates = [
            ("that factor makes the model smaller: a lower loss needs a larger N, so the factor "
             "is above 1. Solve (1/f)^alpha_N = 0.9 for f.", 0.9 ** (1 / aN)),
            ("you solved f^alpha_N = 1.1; the loss must fall to 0.9 of its value, so "
             "f^-alpha_N = 0.9 and f = 0.9^(-1/alpha_N).", 1.1 ** (1 / aN)),
            ("a power law is not linear: 10 % / 0.076 would be right only for tiny changes. "
             "Solve f^-alpha_N = 0.9 exactly.", 0.1 / aN),
            ("a power law is not linear: 10 % / 0.076 would be right only for tiny changes. "
             "Solve f^-alpha_N = 0.9 exactly.", 1 + 0.1 / aN),
            ("you raised 0.9 to alpha_N; invert the power: f = 0.9^(-1/alpha_N).", 0.9 ** -aN),
            ("mixing log bases? f = 10^(-log10(0.9)/alpha_N) = e^(-ln(0.9)/alpha_N); do not "
             "mix np.log with 10 ** (or np.log10 with np.exp).",
             float(10 ** (-np.log(0.9) / aN))),
            ("mixing log bases? f = 10^(-log10(0.9)/alpha_N) = e^(-ln(0.9)/alpha_N); do not "
             "mix np.log with 10 ** (or np.log10 with np.exp).",
             float(np.exp(-np.log10(0.9) / aN))),
        ]
        hint = next((h for h, v in candidates if close(g, v, rel=1e-3)), None)
        raise Wrong(f"growth_for_10pct = {g:.4g}; expected {want_g:.4g}.",
                    hint or "L(fN)/L(N) = f^-alpha_N for any N: solve f^-0.076 = 0.9 for f.")
    return (f"L(1e9) = {want:.3f} nats/token, and each {want_g:.1f}-fold increase in "
            f"parameters cuts the loss by 10 %: at that rate a 1000-fold larger model lowers "
            f"the loss by only {1 - 1000 ** -aN:.0%}.")


# ---------------------------------------------------------------- 2.3 compute-optimal split

def _fit_cases_chinchilla():
    fits = [sc.chinchilla_fit("hoffmann2022"), sc.chinchilla_fit("besiroglu2024")]
    consts = [(f.A, f.B, f.alpha, f.beta, f.name) for f in fits]
    consts.append((100.0, 1000.0, 0.5, 0.25, "made-up constants A=100, B=1000, α=0.5, β=0.25"))
    return [(C, c) for c in consts for C in (1e20, CHINCHILLA_BUDGET, 1e25)]


def _optimal(C, A, B, alpha, beta, six=6.0):
    G = (alpha * A / (beta * B)) ** (1 / (alpha + beta))
    N = G * (C / six) ** (beta / (alpha + beta))
    return N, C / six / N


def _optimal_mistakes():
    return [
        ("your N and D are the right numbers in the wrong places: return the parameters "
         "first, `return N_opt, D_opt`. (Swapping (A, α) with (B, β) has the same effect: the "
         "problem is symmetric in N and D.)",
         lambda C, A, B, a, b: _optimal(C, A, B, a, b)[::-1]),
        ("you forgot the 6 in C = 6ND: the budget buys N·D = C/6, not C.",
         lambda C, A, B, a, b: _optimal(C, A, B, a, b, six=1.0)),
        ("the budget is C = 6ND (6 FLOPs per parameter per token: 2 forward, 4 backward), not 2ND.",
         lambda C, A, B, a, b: _optimal(C, A, B, a, b, six=2.0)),
        ("N_opt is right, but D_opt must use the whole budget: D_opt = C / (6 N_opt).",
         lambda C, A, B, a, b: (_optimal(C, A, B, a, b)[0], C / _optimal(C, A, B, a, b)[0])),
        ("α and β are swapped: α is the exponent of N (it goes with A), β that of D (with B).",
         lambda C, A, B, a, b: _optimal(C, A, B, b, a)),
        ("the exponent is swapped: N_opt ∝ (C/6)^(β/(α+β)), not α/(α+β).",
         lambda C, A, B, a, b: (lambda N: (N, C / 6 / N))(
             (a * A / (b * B)) ** (1 / (a + b)) * (C / 6) ** (a / (a + b)))),
        ("G is upside down: G = (αA/(βB))^(1/(α+β)).",
         lambda C, A, B, a, b: (lambda N: (N, C / 6 / N))(
             (b * B / (a * A)) ** (1 / (a + b)) * (C / 6) ** (b / (a + b)))),
        ("you dropped the prefactor G = (αA/(βB))^(1/(α+β)) from N_opt.",
         lambda C, A, B, a, b: (lambda N: (N, C / 6 / N))((C / 6) ** (b / (a + b)))),
        ("G needs α and β inside: G = (α·A/(β·B))^(1/(α+β)), not (A/B)^(1/(α+β)).",
         lambda C, A, B, a, b: (lambda N: (N, C / 6 / N))(
             (A / B) ** (1 / (a + b)) * (C / 6) ** (b / (a + b)))),
    ]


@checker("2.3")
def chinchilla_optimal(answer):
    """Check ``chinchilla_optimal(C, A, B, alpha, beta) -> (N_opt, D_opt)``."""
    f = expect_function(answer, "chinchilla_optimal")
    failed, first = [], None
    for C, (A, B, a, b, label) in _fit_cases_chinchilla():
        out = quiet_call(f, C, A, B, a, b, what="chinchilla_optimal(C, A, B, alpha, beta)")
        got = _pair(out, "chinchilla_optimal", ("N_opt", "D_opt"))
        want = _optimal(C, A, B, a, b)
        if not _same_pair(got, want, rel=1e-4):
            failed.append(((C, A, B, a, b), got))
            first = first or (f"for C = {C:.3g} FLOPs with the {label} constants you gave "
                              f"N = {got[0]:.3g}, D = {got[1]:.3g}; expected N = {want[0]:.3g}, "
                              f"D = {want[1]:.3g}.")
    if failed:
        mistakes = [(h, lambda case, m=m: m(*case)) for h, m in _optimal_mistakes()]
        raise Wrong(first, explain(failed, mistakes, tol=1e-4) or
                    "substitute D = C/(6N) into A/N^α + B/D^β, set the derivative in N to zero, "
                    "and solve: N_opt = G (C/6)^(β/(α+β)), G = (αA/(βB))^(1/(α+β)); "
                    "D_opt = C/(6 N_opt).")
    return ("chinchilla_optimal matches the closed form for 3 budgets and 3 sets of constants "
            "(both published fits and one made up).")


# ---------------------------------------------------------------- 2.4 tokens per parameter

@checker("2.4")
def tokens_per_parameter(ratio_hoffmann, ratio_besiroglu, ratio_chinchilla):
    """Check D_opt/N_opt at Chinchilla's budget under both fits, and Chinchilla's own D/N."""
    def ratio(fit, C=CHINCHILLA_BUDGET):
        N, D = sc.compute_optimal(C, fit)
        return D / N

    answers = {"ratio_hoffmann": ("hoffmann2022", ratio_hoffmann),
               "ratio_besiroglu": ("besiroglu2024", ratio_besiroglu)}
    for name, (fit, value) in answers.items():
        got, want = expect_number(value, name), ratio(fit)
        if close(got, want, rel=1e-3):
            continue
        other = "besiroglu2024" if fit == "hoffmann2022" else "hoffmann2022"
        candidates = [
            ("that is N/D, parameters per token; the question asks for tokens per parameter, "
             "D_opt / N_opt.", 1 / want),
            (f"that is the ratio for the other fit ({other}).", ratio(other)),
            ("you passed C = N·D = 70e9 · 1.4e12 as the budget; the budget is C = 6ND.",
             ratio(fit, CHINCHILLA_BUDGET / 6)),
            ("you used the unrounded Hoffmann constants; use Eq. 10 as printed "
             "(fit='hoffmann2022').", ratio("hoffmann2022_unrounded")),
        ]
        hint = next((h for h, v in candidates if close(got, v, rel=1e-3)), None)
        raise Wrong(f"{name} = {got:.4g}; expected {want:.4g}.",
                    hint or f"N, D = compute_optimal(C, '{fit}') with C = 6 · 70e9 · 1.4e12, "
                    "then D / N (your chinchilla_optimal from 2.3 gives the same).")
    got = expect_number(ratio_chinchilla, "ratio_chinchilla")
    if not close(got, 1.4e12 / 70e9, rel=1e-3):
        hint = ("that is parameters per token; divide tokens by parameters: 1.4e12 / 70e9."
                if close(got, 70e9 / 1.4e12, rel=1e-3) else "Chinchilla: 70e9 parameters, 1.4e12 tokens.")
        raise Wrong(f"ratio_chinchilla = {got:.4g}; expected {1.4e12 / 70e9:.4g}.", hint)
    return (f"at Chinchilla's budget Eq. 10 as printed wants {ratio('hoffmann2022'):.0f} tokens "
            f"per parameter and the refit {ratio('besiroglu2024'):.0f}; Chinchilla itself was "
            "trained with 20. Only the refit agrees with the model that was actually trained.")


# ---------------------------------------------------------------- 2.5 which subtasks?

def _sweep():
    return sp.load_sweep()


def _ranks_ref(sweep, threshold=sp.LEARNED):
    return np.flatnonzero(sweep.run(SP_WIDTH, SP_SEED).accuracy[-1] >= threshold) + 1


def _counts_ref(sweep, seed_index=0):
    return (sweep.accuracy[seed_index, :, -1] >= sp.LEARNED).sum(axis=1)


def _int_array(answer, what):
    arr = expect_array(answer, (None,), what)
    if arr.dtype == bool or (arr.size and set(np.unique(arr)) <= {0.0, 1.0} and arr.size > 10):
        raise Wrong(f"{what} looks like a True/False mask over all subtasks.",
                    "turn the mask into ranks: np.flatnonzero(mask) + 1.")
    return arr


@checker("2.5")
def learned_subtasks(ranks, counts):
    """Check the ranks learned by width 128 (seed 0) and the number learned by every width."""
    sweep = _sweep()
    if isinstance(ranks, np.ndarray) and ranks.dtype == bool:
        raise Wrong("ranks is a True/False mask over all 64 subtasks.",
                    "turn the mask into 1-based ranks: np.flatnonzero(mask) + 1.")
    got = np.sort(_int_array(ranks, "ranks"))
    want = _ranks_ref(sweep)
    run = sweep.run(SP_WIDTH, SP_SEED)
    if not (got.shape == want.shape and np.array_equal(got, want)):
        candidates = [
            ("those are 0-based indices; subtasks are ranked from 1 (the most frequent): add 1.",
             want - 1),
            ("you counted a subtask as learned if it ever reached 90 %; use the accuracy at the "
             "end of training, accuracy[-1].",
             np.flatnonzero(run.accuracy.max(axis=0) >= sp.LEARNED) + 1),
            ("that is the accuracy at the first evaluation (step 0); use the last row, "
             "accuracy[-1].", np.flatnonzero(run.accuracy[0] >= sp.LEARNED) + 1),
            ("use the threshold 0.9: chance is 0.5, so a threshold of 0.5 counts unlearned "
             "subtasks too.", _ranks_ref(sweep, 0.5)),
            ("use seed 0 (sweep.run(128, 0)).",
             np.flatnonzero(sweep.run(SP_WIDTH, 1).accuracy[-1] >= sp.LEARNED) + 1),
        ]
        hint = next((h for h, v in candidates if v.shape == got.shape and np.array_equal(got, v)),
                    None)
        raise Wrong(f"ranks = {fmt(got)}; width {SP_WIDTH} (seed {SP_SEED}) ends with "
                    f"{len(want)} subtasks at ≥ 90 % test accuracy.",
                    hint or "run = sweep.run(128, 0); np.flatnonzero(run.accuracy[-1] >= 0.9) + 1.")
    c = expect_array(counts, (None,), "counts")
    want_c = _counts_ref(sweep)
    if c.shape != want_c.shape:
        raise Wrong(f"counts has {c.size} entries; expected one per width ({len(want_c)}: "
                    f"{sweep.widths.tolist()}).", "count for every width, in the order of sweep.widths.")
    if not np.allclose(c, want_c):
        candidates = [
            ("those are totals over the three seeds; count for seed 0 only.",
             (sweep.accuracy[:, :, -1] >= sp.LEARNED).sum(axis=2).sum(axis=0)),
            ("those are averages over the three seeds; count for seed 0 only.",
             (sweep.accuracy[:, :, -1] >= sp.LEARNED).sum(axis=2).mean(axis=0)),
            ("the widths are in reverse order; follow sweep.widths.", want_c[::-1]),
            ("you counted subtasks that ever reached 90 %; use the final accuracy.",
             (sweep.accuracy[0].max(axis=1) >= sp.LEARNED).sum(axis=1)),
            ("those are the unlearned subtasks; count the learned ones.", 64 - want_c),
        ]
        hint = next((h for h, v in candidates if np.allclose(c, v)), None)
        raise Wrong(f"counts = {fmt(c)}; expected {fmt(want_c)}.",
                    hint or "for each width w: (sweep.run(w, 0).accuracy[-1] >= 0.9).sum().")
    return (f"width {SP_WIDTH} has learned subtasks {', '.join(map(str, want[:12]))}"
            f"{', ...' if len(want) > 12 else ''}: almost exactly the most frequent ones. "
            f"The count grows with width: {', '.join(map(str, want_c))}.")


# ---------------------------------------------------------------- 2.6 the scaling exponent

@checker("2.6")
def sparse_parity_exponent(mean_loss, exponent):
    """Check the seed-averaged, frequency-weighted final test loss per width and its exponent."""
    sweep = _sweep()
    want = sweep.mean_loss[:, :, -1].mean(axis=0)
    m = expect_array(mean_loss, (None,), "mean_loss")
    if m.shape != want.shape:
        raise Wrong(f"mean_loss has {m.size} entries; expected one per width ({len(want)}).",
                    "average over the seed axis and take the last evaluation: one number per width.")
    if not np.allclose(m, want, rtol=1e-4):
        final = sweep.loss[:, :, -1]
        candidates = [
            ("you averaged the subtasks' losses equally; weight them by how often each subtask "
             "occurs: loss @ probs (that is sweep.mean_loss).", final.mean(axis=2).mean(axis=0)),
            ("that is seed 0 only; average the three seeds.", sweep.mean_loss[0, :, -1]),
            ("that is the loss at the first evaluation; use the last one, [..., -1].",
             sweep.mean_loss[:, :, 0].mean(axis=0)),
            ("that is the lowest loss during training; use the final evaluation, [..., -1].",
             sweep.mean_loss.min(axis=2).mean(axis=0)),
        ]
        hint = next((h for h, v in candidates if np.allclose(m, v, rtol=1e-4)), None)
        raise Wrong(f"mean_loss = {fmt(m)}; expected {fmt(want)}.",
                    hint or "sweep.mean_loss[:, :, -1].mean(axis=0).")
    b_ref = _ref_fit(sweep.n_params, want)[0]
    b_widths = _ref_fit(sweep.widths, want)[0]
    if isinstance(exponent, (tuple, list)) or (isinstance(exponent, np.ndarray) and exponent.size == 2):
        raise Wrong("exponent holds two numbers.", "fit_loglog returns (exponent, prefactor): "
                    "take the first.")
    b = expect_number(exponent, "exponent")
    if not (close(b, b_ref, abs=1e-3) or close(b, b_widths, abs=1e-3)):
        candidates = [
            ("keep the sign: the loss falls with P, so the exponent is negative.", -b_ref),
            ("fit log(loss) against log(P) on both axes.",
             _polyfit(sweep.n_params.astype(float), np.log(want))[0]),
            ("that is the prefactor; the exponent is the slope.", _ref_fit(sweep.n_params, want)[1]),
        ]
        hint = next((h for h, v in candidates if close(b, v, rel=1e-3)), None)
        raise Wrong(f"exponent = {b:.4g}; a log-log fit of mean_loss against sweep.n_params "
                    f"gives {b_ref:.4g}.", hint or "exponent, _ = fit_loglog(sweep.n_params, mean_loss).")
    span = sweep.n_params[-1] / sweep.n_params[0]
    return (f"the mean test loss falls as P^{b_ref:.2f} over a {span:.0f}-fold range of parameters, "
            "although each subtask it learns switches from chance to learned over a few doublings of width.")
