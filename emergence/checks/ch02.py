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
from emergence.checks import (Wrong, checker, compare_prediction, expect_array, expect_function,
                              expect_number, expect_pair, expect_prediction, judge, judge_value,
                              outputs, page)
from emergence.i18n import _

__all__ = ["fit_loglog", "kaplan", "chinchilla_optimal", "tokens_per_parameter",
           "learned_subtasks", "sparse_parity_exponent", "CHINCHILLA_BUDGET", "SP_WIDTH",
           "SP_SEED"]

CHINCHILLA_BUDGET = sc.training_flops(70e9, 1.4e12)
"""6 · 70e9 parameters · 1.4e12 tokens: Chinchilla's training compute by C = 6ND."""
SP_WIDTH, SP_SEED = 128, 0
"""The run whose learned subtasks exercise 2.5 asks for."""


PAGE = "ch02_scaling_laws"


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
        (x1, 3.0 * x1 ** -0.5, _("the example y = 3 x^-0.5")),
        (N, kaplan, _("noisy Kaplan-style losses L(N) for N from 1e6 to 1e9")),
        (x3, rising, _("a rising law with unevenly spaced x")),
        (x4, 40 * x4 ** -1.2, _("x below 1 (from 0.01 to 10)")),
    ]


def _fit_mistakes():
    ln, lg = np.log, np.log10

    def endpoints(x, y):
        b = (ln(y[-1]) - ln(y[0])) / (ln(x[-1]) - ln(x[0]))
        return b, float(y[0] / x[0] ** b)

    return [
        (_("you returned (prefactor, exponent): the exponent comes first."),
         lambda x, y: _ref_fit(x, y)[::-1]),
        (_("your prefactor is still a logarithm: the intercept of the line is the log of the "
           "prefactor."), lambda x, y: (_ref_fit(x, y)[0], _polyfit(ln(x), ln(y))[1])),
        (_("your prefactor is still a (base-10) logarithm: the intercept of the line is the log of "
           "the prefactor."), lambda x, y: (_ref_fit(x, y)[0], _polyfit(lg(x), lg(y))[1])),
        (_("you fitted with base-10 logarithms but undid the logarithm in base e."),
         lambda x, y: (_ref_fit(x, y)[0], float(np.exp(_polyfit(lg(x), lg(y))[1])))),
        (_("you fitted with natural logarithms but undid the logarithm in base 10."),
         lambda x, y: (_ref_fit(x, y)[0], float(10 ** _polyfit(ln(x), ln(y))[1]))),
        (_("a degree-1 fit returns its coefficients highest power first; you swapped slope and "
           "intercept."), lambda x, y: (_polyfit(ln(x), ln(y))[1], float(np.exp(_polyfit(ln(x), ln(y))[0])))),
        (_("the axes are swapped: x is the horizontal axis."), lambda x, y: (_polyfit(ln(y), ln(x))[0],
                                                                         float(np.exp(_polyfit(ln(y), ln(x))[1])))),
        (_("a power law is a straight line on log-log axes, not on semi-log axes: x needs a "
           "logarithm too."), lambda x, y: (_polyfit(x, ln(y))[0], float(np.exp(_polyfit(x, ln(y))[1])))),
        (_("a power law is a straight line in the logarithms, not in the raw numbers."),
         lambda x, y: _polyfit(x, y)),
        (_("keep the sign: a falling curve has a negative exponent."),
         lambda x, y: (-_ref_fit(x, y)[0], _ref_fit(x, y)[1])),
        (_("you used only the first and last points: fit a least-squares line through all of them."),
         endpoints),
    ]


@checker("2.1", reread=page(PAGE, "Power laws and how to fit them"))
def fit_loglog(answer):
    """Check ``fit_loglog(x, y) -> (exponent, prefactor)``: least squares on log-log axes."""
    f = expect_function(answer, "fit_loglog", own=(sc.fit_power_law,))
    judge(outputs(f, "fit_loglog(x, y)"), [((x, y), label) for x, y, label in _fit_cases()],
          _ref_fit, _fit_mistakes(),
          _("take logarithms so that the power law becomes a straight line, fit the line, then "
            "translate its two coefficients back."), what="fit_loglog",
          read=lambda out, label: np.array(expect_pair(out, _("fit_loglog on {label}").format(label=label),
                                                       ("exponent", "prefactor"))),
          agree=lambda got, want: bool(np.allclose(got, want, rtol=1e-6, atol=1e-12)))
    return (_("fit_loglog recovers exponent and prefactor on 4 data sets, falling and rising, "
              "evenly and unevenly spaced."))


# ---------------------------------------------------------------- 2.2 Kaplan's L(N)

@checker("2.2", reread=page(PAGE, "Kaplan et al. 2020"))
def kaplan(loss_1e9, growth_for_10pct, guess):
    """Check L(N) at 1e9 parameters and the factor in N that lowers the loss by 10 %, after the
    student's recorded prediction ``guess`` of that factor."""
    guess = expect_prediction(guess, "growth_guess")
    k = sc.kaplan_constants()
    aN, Nc = k["L(N)", "alpha_N"], k["L(N)", "N_c"]
    want = sc.kaplan_loss_N(1e9)
    judge_value(expect_number(loss_1e9, "loss_1e9"), want, [
        (_("the ratio is upside down: the loss falls as N grows."), (1e9 / Nc) ** aN),
        (_("the sign of your exponent makes the loss grow with N."), (Nc / 1e9) ** -aN),
        (_("you used the data constants of L(D); L(N) has its own."),
         (k["L(D)", "D_c"] / 1e9) ** k["L(D)", "alpha_D"]),
        (_("you used the exponent of L(D); L(N) has its own."), (Nc / 1e9) ** k["L(D)", "alpha_D"]),
        (_("those are the constants of the joint law L(N, D) (Table 2); the single-variable L(N) "
           "of §1.2 has its own."), (6.4e13 / 1e9) ** aN),
        (_("the exponent is a power, not a factor."), Nc / 1e9 * aN),
    ], _("evaluate Kaplan's L(N) with the constants the notebook printed."), what="loss_1e9",
        label="N = 1e9", tol=1e-3)
    want_g = 0.9 ** (-1 / aN)
    g = expect_number(growth_for_10pct, "growth_for_10pct")
    linear = _("a power law is not linear: dividing 10 % by the exponent is right only for tiny changes.")
    bases = _("mixing log bases? Use the same base for the logarithm and its inverse.")
    judge_value(g, want_g, [
        (_("that factor makes the model smaller: a lower loss needs a larger N, so the factor "
           "is above 1."), 0.9 ** (1 / aN)),
        (_("that lowers the loss to 1/1.1 of its value, not to 0.9 of it."), 1.1 ** (1 / aN)),
        (linear, 0.1 / aN), (linear, 1 + 0.1 / aN),
        (_("you raised 0.9 to the exponent; the factor comes from undoing the power."), 0.9 ** -aN),
        (bases, float(10 ** (-np.log(0.9) / aN))), (bases, float(np.exp(-np.log10(0.9) / aN))),
    ], _("write L(f·N) / L(N) with the power law: N drops out, and what is left is an equation "
         "for f."), what="growth_for_10pct", label=_("a 10 % lower loss"), tol=1e-3)
    return (_("{compare_prediction} L(1e9) = {want:.3f} nats/token, and each {want_g:.1f}-fold increase in "
              "parameters cuts the loss by 10 %: at that rate a 1000-fold larger model lowers "
              "the loss by only {value:.0%}.").format(compare_prediction=compare_prediction(guess, want_g), want=want, want_g=want_g, value=1 - 1000 ** (-aN)))


# ---------------------------------------------------------------- 2.3 compute-optimal split

def _fit_cases_chinchilla():
    fits = [sc.chinchilla_fit("hoffmann2022"), sc.chinchilla_fit("besiroglu2024")]
    consts = [(f.A, f.B, f.alpha, f.beta, f.name) for f in fits]
    consts.append((100.0, 1000.0, 0.5, 0.25, _("made-up constants A=100, B=1000, α=0.5, β=0.25")))
    return [(C, c) for c in consts for C in (1e20, CHINCHILLA_BUDGET, 1e25)]


def _optimal(C, A, B, alpha, beta, six=6.0):
    G = (alpha * A / (beta * B)) ** (1 / (alpha + beta))
    N = G * (C / six) ** (beta / (alpha + beta))
    return N, C / six / N


def _optimal_mistakes():
    def split(C, N):
        return N, C / 6 / N

    return [
        (_("your N and D are the right numbers in the wrong places: parameters first. (Swapping "
           "(A, α) with (B, β) has the same effect: the problem is symmetric in N and D.)"),
         lambda C, A, B, a, b: _optimal(C, A, B, a, b)[::-1]),
        (_("the 6 in the budget is missing: each parameter costs 6 FLOPs per token."),
         lambda C, A, B, a, b: _optimal(C, A, B, a, b, six=1.0)),
        (_("the budget counts 6 FLOPs per parameter per token (forward and backward), not 2."),
         lambda C, A, B, a, b: _optimal(C, A, B, a, b, six=2.0)),
        (_("N_opt is right, but D_opt does not use the whole budget."),
         lambda C, A, B, a, b: (_optimal(C, A, B, a, b)[0], C / _optimal(C, A, B, a, b)[0])),
        (_("α and β are swapped: α is the exponent of N (it goes with A), β that of D (with B)."),
         lambda C, A, B, a, b: _optimal(C, A, B, b, a)),
        (_("N_opt grows with C at the wrong rate: recheck which exponent ends up in the power of C."),
         lambda C, A, B, a, b: split(C, (a * A / (b * B)) ** (1 / (a + b)) * (C / 6) ** (a / (a + b)))),
        (_("the constant in front of N_opt is upside down."),
         lambda C, A, B, a, b: split(C, (b * B / (a * A)) ** (1 / (a + b)) * (C / 6) ** (b / (a + b)))),
        (_("N_opt has the right power of C but lost its constant prefactor."),
         lambda C, A, B, a, b: split(C, (C / 6) ** (b / (a + b)))),
        (_("the constant in front of N_opt lost the exponents α and β that the derivative brings "
           "down."), lambda C, A, B, a, b: split(C, (A / B) ** (1 / (a + b)) * (C / 6) ** (b / (a + b)))),
    ]


@checker("2.3", reread=page(PAGE, "Compute, and the best way to spend it"))
def chinchilla_optimal(answer):
    """Check ``chinchilla_optimal(C, A, B, alpha, beta) -> (N_opt, D_opt)``."""
    f = expect_function(answer, "chinchilla_optimal", own=(sc.compute_optimal,))
    cases = [((C, A, B, a, b), _("C = {C:.3g} FLOPs with the {label} constants").format(C=C, label=label))
             for C, (A, B, a, b, label) in _fit_cases_chinchilla()]
    judge(outputs(f, "chinchilla_optimal(C, A, B, alpha, beta)"), cases, _optimal,
          _optimal_mistakes(),
          _("use the budget to write D in terms of N, put that into the loss, and find the N "
            "where the loss stops falling."), what="chinchilla_optimal",
          read=lambda out, label: np.array(expect_pair(out, "chinchilla_optimal",
                                                       ("N_opt", "D_opt"))), tol=1e-4)
    return (_("chinchilla_optimal matches the closed form for 3 budgets and 3 sets of constants "
              "(both published fits and one made up)."))


# ---------------------------------------------------------------- 2.4 tokens per parameter

@checker("2.4", reread=page(PAGE, "Chinchilla against Gopher"))
def tokens_per_parameter(ratio_hoffmann, ratio_besiroglu, ratio_chinchilla, guess):
    """Check D_opt/N_opt at Chinchilla's budget under both fits, and Chinchilla's own D/N, after
    the student's recorded prediction ``guess`` of the first."""
    guess = expect_prediction(guess, "ratio_guess")

    def ratio(fit, C=CHINCHILLA_BUDGET):
        N, D = sc.compute_optimal(C, fit)
        return D / N

    answers = {"ratio_hoffmann": ("hoffmann2022", ratio_hoffmann),
               "ratio_besiroglu": ("besiroglu2024", ratio_besiroglu)}
    for name, (fit, value) in answers.items():
        got, want = expect_number(value, name), ratio(fit)
        other = "besiroglu2024" if fit == "hoffmann2022" else "hoffmann2022"
        judge_value(got, want, [
            (_("that is parameters per token; the question asks for tokens per parameter."),
             1 / want),
            (_("that is the ratio for the other fit ({other}).").format(other=other), ratio(other)),
            (_("your budget is N·D; the training compute counts 6 FLOPs per parameter per token."),
             ratio(fit, CHINCHILLA_BUDGET / 6)),
            (_("you used the unrounded Hoffmann constants; use Eq. 10 as printed."),
             ratio("hoffmann2022_unrounded")),
        ], _("compute the optimal split at Chinchilla's budget with the fit the name says (your "
             "chinchilla_optimal from 2.3 does it; if it does not pass yet, fix it first), then "
             "divide."), what=name, label=_("the {fit} fit").format(fit=fit), tol=1e-3)
    judge_value(expect_number(ratio_chinchilla, "ratio_chinchilla"), 1.4e12 / 70e9,
                [(_("that is parameters per token; the question asks for tokens per parameter."),
                  70e9 / 1.4e12)], _("Chinchilla was trained with 70e9 parameters on 1.4e12 tokens."),
                what="ratio_chinchilla", label="Chinchilla", tol=1e-3)
    return (_("{compare_prediction} "
              "At Chinchilla's budget Eq. 10 as printed wants {ratio:.0f} tokens "
              "per parameter and the refit {ratio2:.0f}; Chinchilla itself was "
              "trained with 20. Only the refit agrees with the model that was actually trained.").format(compare_prediction=compare_prediction(guess, ratio('hoffmann2022')), ratio=ratio('hoffmann2022'), ratio2=ratio('besiroglu2024')))


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
        raise Wrong(_("{what} looks like a True/False mask over all subtasks.").format(what=what),
                    _("the question asks for the ranks of the learned subtasks, not a mask."))
    return arr


@checker("2.5", reread=page(PAGE, "Multitask sparse parity"))
def learned_subtasks(ranks, counts):
    """Check the ranks learned by width 128 (seed 0) and the number learned by every width."""
    sweep = _sweep()
    if isinstance(ranks, np.ndarray) and ranks.dtype == bool:
        raise Wrong(_("ranks is a True/False mask over all 64 subtasks."),
                    _("the question asks for the ranks of the learned subtasks, counted from 1."))
    got = np.sort(_int_array(ranks, "ranks"))
    want = _ranks_ref(sweep)
    run = sweep.run(SP_WIDTH, SP_SEED)
    judge_value(got, want, [
        (_("those are 0-based indices; subtasks are ranked from 1 (the most frequent)."), want - 1),
        (_("you counted a subtask as learned if it ever reached 90 %; the question is about the "
           "end of training."), np.flatnonzero(run.accuracy.max(axis=0) >= sp.LEARNED) + 1),
        (_("that is the accuracy at the first evaluation; the question is about the end of "
           "training."), np.flatnonzero(run.accuracy[0] >= sp.LEARNED) + 1),
        (_("chance is 0.5, so a threshold of 0.5 counts unlearned subtasks too."),
         _ranks_ref(sweep, 0.5)),
        (_("use seed {SP_SEED}.").format(SP_SEED=SP_SEED), np.flatnonzero(sweep.run(SP_WIDTH, 1).accuracy[-1] >= sp.LEARNED) + 1),
    ], _("find the subtasks of the width-{SP_WIDTH} run (seed {SP_SEED}) whose final test "
         "accuracy is at least 90 %, as ranks from 1.").format(SP_WIDTH=SP_WIDTH, SP_SEED=SP_SEED), what="ranks",
        label=_("width {SP_WIDTH}, seed {SP_SEED}").format(SP_WIDTH=SP_WIDTH, SP_SEED=SP_SEED),
        agree=lambda g, w: g.shape == w.shape and bool(np.array_equal(g, w)))
    c = expect_array(counts, (None,), "counts")
    want_c = _counts_ref(sweep)
    if c.shape != want_c.shape:
        raise Wrong(_("counts has {size} entries; the sweep has {n_want_c} widths "
                      "({tolist}).").format(size=c.size, n_want_c=len(want_c), tolist=sweep.widths.tolist()), _("count for every width, in the order of sweep.widths."))
    judge_value(c, want_c, [
        (_("those are totals over the three seeds; count for seed 0 only."),
         (sweep.accuracy[:, :, -1] >= sp.LEARNED).sum(axis=2).sum(axis=0)),
        (_("those are averages over the three seeds; count for seed 0 only."),
         (sweep.accuracy[:, :, -1] >= sp.LEARNED).sum(axis=2).mean(axis=0)),
        (_("the widths are in reverse order; follow sweep.widths."), want_c[::-1]),
        (_("you counted subtasks that ever reached 90 %; use the final accuracy."),
         (sweep.accuracy[0].max(axis=1) >= sp.LEARNED).sum(axis=1)),
        (_("those are the unlearned subtasks; count the learned ones."), 64 - want_c),
    ], _("do for every width what you did for the ranks, and count."), what="counts",
        label=_("the widths of the sweep"))
    return (_("width {SP_WIDTH} has learned subtasks {map}"
              "{value}: almost exactly the most frequent ones. "
              "The count grows with width: {map2}.").format(SP_WIDTH=SP_WIDTH, map=', '.join(map(str, want[:12])), value=', ...' if len(want) > 12 else '', map2=', '.join(map(str, want_c))))


# ---------------------------------------------------------------- 2.6 the scaling exponent

@checker("2.6", reread=page(PAGE, "Multitask sparse parity"))
def sparse_parity_exponent(mean_loss, exponent):
    """Check the seed-averaged, frequency-weighted final test loss per width and its exponent."""
    sweep = _sweep()
    want = sweep.mean_loss[:, :, -1].mean(axis=0)
    m = expect_array(mean_loss, (None,), "mean_loss")
    if m.shape != want.shape:
        raise Wrong(_("mean_loss has {size} entries; expected one per width ({n_want}).").format(size=m.size, n_want=len(want)),
                    _("average over the seed axis and take the last evaluation: one number per width."))
    final = sweep.loss[:, :, -1]
    judge_value(m, want, [
        (_("you averaged the subtasks' losses equally; the mean loss weights each subtask by how "
           "often it occurs."), final.mean(axis=2).mean(axis=0)),
        (_("that is seed 0 only; average the three seeds."), sweep.mean_loss[0, :, -1]),
        (_("that is the loss at the first evaluation; the question is about the end of training."),
         sweep.mean_loss[:, :, 0].mean(axis=0)),
        (_("that is the lowest loss during training; the question is about the end of training."),
         sweep.mean_loss.min(axis=2).mean(axis=0)),
    ], _("one number per width: the frequency-weighted test loss at the end of training, averaged "
         "over the seeds."), what="mean_loss", label=_("the sweep"), tol=1e-4)
    b_ref = _ref_fit(sweep.n_params, want)[0]
    b_widths = _ref_fit(sweep.widths, want)[0]
    if isinstance(exponent, (tuple, list)) or (isinstance(exponent, np.ndarray) and exponent.size == 2):
        raise Wrong(_("exponent holds two numbers."), _("your fit returns two numbers; the question "
                      "asks for one of them."))
    b = expect_number(exponent, "exponent")
    judge_value(b, b_ref, [
        (_("keep the sign: the loss falls with P, so the exponent is negative."), -b_ref),
        (_("fit on log-log axes: the parameter count needs a logarithm too."),
         _polyfit(sweep.n_params.astype(float), np.log(want))[0]),
        (_("that is the prefactor; the exponent is the slope."), _ref_fit(sweep.n_params, want)[1]),
    ], _("fit a power law to mean_loss against the number of parameters with your fit_loglog "
         "(exercise 2.1; fix it first if it does not pass)."), what="exponent",
        label=_("the sweep"), tol=1e-3,
        agree=lambda g, w: abs(g - w) <= 1e-3 or abs(g - b_widths) <= 1e-3)
    span = sweep.n_params[-1] / sweep.n_params[0]
    return (_("the mean test loss falls as P^{b_ref:.2f} over a {span:.0f}-fold range of parameters, "
              "although each subtask it learns switches from chance to learned over a few doublings of width.").format(b_ref=b_ref, span=span))
