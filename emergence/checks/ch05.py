"""Checkers for the Chapter 5 exercises (chain of thought).

Each checker runs the student's answer on several inputs, some never shown in the
notebook, compares with a reference, and when the answer is wrong tries the usual
mistakes one by one: if a known wrong approach reproduces the student's answers, the
hint names that mistake.

    from emergence.checks import ch05 as check
    check.chain_success(chain_success)
"""
from __future__ import annotations

import functools
import re

import numpy as np

from emergence import cot
from emergence.checks import (Wrong, call, checker, expect_function, expect_number, expect_pair, fmt,
                              judge, judge_value, outputs, page, quiet_call)
from emergence.i18n import N_, _

__all__ = ["chain_success", "required_step_accuracy", "parity_step", "crossover",
           "who_published", "predict_chain", "PREDICT_K", "PREDICT_UPDATES"]

PAGE = "ch05_chain_of_thought"


def _numbers(name: str):
    """``read`` for ``judge``: numbers of the broadcast shape of the case's inputs."""
    def read(out, label):
        try:
            got = np.asarray(out, dtype=float)
        except (TypeError, ValueError):
            raise Wrong(_("{name}{label} returned {type} {out!r:.60}, not numbers.").format(name=name, label=label, type=type(out).__name__, out=out),
                        _("return a number (or an array of numbers for array inputs).")) from None
        if not np.all(np.isfinite(got)):
            raise Wrong(_("{name}{label} returned {got}.").format(name=name, label=label, got=fmt(got)),
                        _("look for a division by zero or a log of zero."))
        return got
    return read


def _agree(got, want) -> bool:
    """Equal within 1e-6, and of the inputs' shape (a one-element array counts as a number)."""
    if got.shape != np.shape(want) and not got.size == np.size(want) == 1:
        return False
    return bool(np.allclose(got.reshape(np.shape(want)), want, rtol=1e-6, atol=1e-12))


def _elementwise(name: str, cases):
    """Before judging: one result per element for array inputs, not one number."""
    def check(f):
        for args, label in cases:
            out = quiet_call(f, *args, what=f"{name}{label}")
            want = np.broadcast_shapes(*(np.shape(a) for a in args))
            if want and not np.shape(out):
                raise Wrong(_("{name}{label} returned one number for array input.").format(name=name, label=label),
                            _("use numpy operations that work elementwise on arrays, and no "
                              "Python loop or math.* function."))
            if np.shape(out) not in (want, ()) and np.size(out) != 1:
                raise Wrong(_("{name}{label} returned shape {shape}; the inputs "
                              "broadcast to {want}.").format(name=name, label=label, shape=np.shape(out), want=want), _("the result should have the broadcast "
                              "shape of the inputs."))
    return check


def _crash_hint(f, name, args, label):
    """A specific hint when the function works on numbers but not on arrays."""
    try:
        call(f, *args, what=name)
    except Wrong as wrong:
        if "TypeError" in wrong.message or "ValueError" in wrong.message:
            raise Wrong(_("{message} (on {label}).").format(message=wrong.message, label=label),
                        _("your function must also accept numpy arrays: use ** or np.power "
                          "(math.pow and `if` tests on the value work only on single numbers).")
                        ) from None
        raise


# ---------------------------------------------------------------- 5.1 chain success

P_CASES = [
    ((0.9, 10), "(0.9, 10)"), ((0.5, 1), "(0.5, 1)"), ((0.99, 100), "(0.99, 100)"),
    ((1.0, 50), "(1.0, 50)"), ((0.0, 3), "(0.0, 3)"), ((0.8, 0), N_("(0.8, 0): no steps at all")),
    ((np.array([0.9, 0.95, 0.99]), 20), "(np.array([0.9, 0.95, 0.99]), 20)"),
    ((0.95, np.arange(1, 9)), "(0.95, np.arange(1, 9))"),
]


@checker("5.1", reread=page(PAGE, "Compounding"))
def chain_success(answer):
    """Check ``chain_success(p, k)``: the probability that all k independent steps succeed."""
    f = expect_function(answer, "chain_success")
    cases = [(args, _(label)) for args, label in P_CASES]  # labels in the notebook's language
    for args, label in cases[-2:]:
        _crash_hint(f, "chain_success", args, label)
    _elementwise("chain_success", cases)(f)
    mistakes = [
        (_("you multiplied p by k; that can exceed 1, so it is not a probability."),
         lambda p, k: p * k),
        (_("that is the probability that at least one step succeeds; the chain needs every step."),
         lambda p, k: 1 - (1 - p) ** k),
        (_("that is the probability that every step fails."), lambda p, k: (1 - p) ** k),
        (_("that is the per-step accuracy a chain needs (Exercise 5.2), the inverse question."),
         lambda p, k: p ** (1 / np.maximum(k, 1e-300))),
        (_("the base and the exponent are swapped."), lambda p, k: k ** p),
        (_("off by one: a chain of k steps has k chances to fail."), lambda p, k: p ** (k - 1)),
        (_("off by one: a chain of k steps has k chances to fail."), lambda p, k: p ** (k + 1)),
        (_("that is only the first-order approximation (fine when k(1 - p) is small, even "
           "negative when it is not); the exercise asks for the exact value."),
         lambda p, k: 1 - k * (1 - p)),
        (_("your answer does not depend on k: every one of the k steps must succeed."),
         lambda p, k: p + 0 * k),
        (_("dividing by k is not how independent successes combine."),
         lambda p, k: p / np.maximum(k, 1e-300)),
    ]
    judge(outputs(f, "chain_success"), cases,
          lambda p, k: np.asarray(p, float) ** np.asarray(k, float), mistakes,
          _("the chain succeeds only if step 1 and step 2 and … and step k succeed, "
            "independently."), what="chain_success", read=_numbers("chain_success"),
          agree=_agree)
    return (_("chain_success is right on 8 cases, arrays included: with p = 0.99, a 100-step chain "
              "is fully right only {value:.0%} of the time.").format(value=0.99 ** 100))


# ---------------------------------------------------------------- 5.2 required accuracy

T_CASES = [
    ((0.5, 10), "(0.5, 10)"), ((0.9, 1), "(0.9, 1)"), ((0.9, 20), "(0.9, 20)"),
    ((0.99, 100), "(0.99, 100)"), ((1.0, 5), "(1.0, 5)"), ((0.25, 2), "(0.25, 2)"),
    ((np.array([0.5, 0.9, 0.99]), 8), "(np.array([0.5, 0.9, 0.99]), 8)"),
    ((0.9, np.array([1, 2, 5, 10, 50])), "(0.9, np.array([1, 2, 5, 10, 50]))"),
]


@checker("5.2", reread=page(PAGE, "Compounding"))
def required_step_accuracy(answer):
    """Check ``required_step_accuracy(target, k)``: the p with p**k = target."""
    f = expect_function(answer, "required_step_accuracy")
    for args, label in T_CASES[-2:]:
        _crash_hint(f, "required_step_accuracy", args, label)
    _elementwise("required_step_accuracy", T_CASES)(f)
    mistakes = [
        (_("you computed target/k. Watch operator precedence: a power binds tighter than a "
           "division."), lambda t, k: t / k),
        (_("that is how likely a k-step chain is to succeed if each step is right with "
           "probability target; you need the inverse question."), lambda t, k: t ** k),
        (_("that is the first-order approximation (good only when target is near 1); the "
           "exercise asks for the exact value."), lambda t, k: 1 - (1 - t) / k),
        (_("the sign of your exponent gives a 'probability' above 1."), lambda t, k: t ** (-1 / k)),
        (_("that is the error rate each step may have; the exercise asks for the accuracy."),
         lambda t, k: 1 - t ** (1 / k)),
        (_("the base and exponent are swapped."), lambda t, k: (1 / k) ** t),
        (_("your answer does not depend on k: longer chains need more reliable steps."),
         lambda t, k: t + 0 * k),
    ]
    judge(outputs(f, "required_step_accuracy"), T_CASES,
          lambda t, k: np.asarray(t, float) ** (1 / np.asarray(k, float)), mistakes,
          _("write the chain's success in terms of the step accuracy (Exercise 5.1), set it to "
            "the target and solve for the step accuracy."), what="required_step_accuracy",
          read=_numbers("required_step_accuracy"),
          agree=_agree)
    return (_("required_step_accuracy is right on 8 cases: to get a 20-step chain right 90% of the "
              "time, each step must be right {value:.2%} of the time.").format(value=0.9 ** (1 / 20)))


# ---------------------------------------------------------------- 5.3 the step of running parity

@checker("5.3", reread=page(PAGE, "Why writing steps helps"))
def parity_step(answer):
    """Check ``parity_step(state, bit)`` on every pair, on arrays, and along whole chains."""
    f = expect_function(answer, "parity_step")
    table = {}
    for state in (0, 1):
        for bit in (0, 1):
            out = quiet_call(f, state, bit, what=f"parity_step({state}, {bit})")
            value = expect_number(out if not isinstance(out, (bool, np.bool_)) else int(out),
                                  f"parity_step({state}, {bit})")
            table[state, bit] = value
    keys = [(0, 0), (0, 1), (1, 0), (1, 1)]
    rules = [
        ((0, 1, 1, 2), _("1 + 1 gave 2: a parity is 0 or 1.")),
        ((0, 0, 0, 1), _("that is AND: the parity flips whenever the bit is 1.")),
        ((0, 1, 1, 1), _("that is OR: after an odd parity, reading a 1 makes the count even.")),
        ((1, 0, 0, 1), _("your answers are inverted: reading a 0 leaves the parity unchanged.")),
        ((0, 1, 0, 1), _("your function returns the bit and ignores the state: the new parity "
                         "depends on both the parity so far and the new bit.")),
        ((0, 0, 1, 1), _("your function returns the state and ignores the bit: reading a 1 must "
                         "flip it.")),
    ]
    shown = ", ".join(f"({s}, {b}) → {fmt(table[s, b])}" for s, b in keys)
    judge_value(np.array([table[k] for k in keys]), np.array([(s + b) % 2 for s, b in keys]),
                [(h, np.array(rule)) for rule, h in rules],
                _("count the ones read so far by hand for a short string such as 1, 1, 0, 1: when "
                  "does the parity change?"), what="parity_step", label=_("the four pairs ({shown})").format(shown=shown))
    rng = np.random.default_rng(53)
    states, bits = rng.integers(0, 2, 50), rng.integers(0, 2, 50)
    try:
        out = call(f, states.copy(), bits.copy(), what=_("parity_step(states, bits) on arrays"))
    except Wrong as wrong:
        raise Wrong(wrong.message, _("make it work elementwise on numpy arrays: arithmetic and "
                      "bitwise operators do; `if`, `and`, `or` do not.")) from None
    out = np.asarray(out)
    if out.shape != states.shape or not np.array_equal(out.astype(int), (states + bits) % 2):
        raise Wrong(_("parity_step is right on single numbers but not on arrays of 50 states "
                      "and bits."), _("use operations that act elementwise on arrays."))
    bits = rng.integers(0, 2, (200, 24))
    state = np.zeros(200, dtype=int)
    for t in range(bits.shape[1]):
        state = np.asarray(f(state, bits[:, t])).astype(int)
    if not np.array_equal(state, bits.sum(axis=1) % 2):
        raise Wrong(_("applied along 24-bit strings, parity_step does not end on the parity."),
                    _("each step must return 0 or 1 (not True/False mixed with other numbers)."))
    return (_("parity_step is right on every (state, bit) pair, works on arrays, and applied "
              "24 times gives the parity of 200 random 24-bit strings. One tiny fixed "
              "computation per step is all a chain needs."))


# ---------------------------------------------------------------- 5.4 crossover

def _crossover(scales, direct, cot_acc):
    """Reference: first i with d[i] <= 0 < d[i+1] (d = cot - direct), linear in log10(scale)."""
    x = np.log10(np.asarray(scales, float))
    d = np.asarray(cot_acc, float) - np.asarray(direct, float)
    i = int(np.flatnonzero((d[:-1] <= 0) & (d[1:] > 0))[0])
    return float(10 ** (x[i] + (0 - d[i]) / (d[i + 1] - d[i]) * (x[i + 1] - x[i])))


def _crossover_cases():
    """(scales, direct, cot, label) curves with exactly one CoT-overtakes-direct crossing."""
    cases = []
    for k, n, lo, hi in ((4, 30, 1e7, 1e14), (8, 12, 1e8, 1e13), (2, 8, 1e6, 1e14)):
        scales = np.logspace(np.log10(lo), np.log10(hi), n)
        toy = cot.scale_model(scales, k)
        cases.append((scales, toy["direct"], toy["cot"],
                      _("the toy model for k = {k} ({n} log-spaced scales)").format(k=k, n=n)))
    wei = cot.published("accuracy")
    palm = sorted((r for r in wei if r["model"].startswith("PaLM")), key=lambda r: r["params_b"])
    cases.append((np.array([r["params_b"] * 1e9 for r in palm]),
                  np.array([r["baseline_acc"] for r in palm]),
                  np.array([r["cot_acc"] for r in palm]),
                  _("PaLM 8B, 62B, 540B on GSM8K (Wei et al. 2022, Table 2)")))
    cases.append((np.array([1e9, 3e9, 1e10, 3e10, 1e11]), np.array([0.1, 0.12, 0.15, 0.2, 0.3]),
                  np.array([0.05, 0.08, 0.14, 0.3, 0.6]), _("a hand-made example with 5 sizes")))
    cases.append((np.array([2e8, 1e9, 1.2e10, 4e10, 9e11, 2e12]),
                  np.array([0.3, 0.3, 0.31, 0.33, 0.4, 0.5]),
                  np.array([0.1, 0.2, 0.3, 0.45, 0.7, 0.9]), _("unevenly spaced sizes")))
    return cases


def _wrong_crossovers():
    def bracket(s, d, c):
        diff = np.asarray(c, float) - np.asarray(d, float)
        return int(np.flatnonzero((diff[:-1] <= 0) & (diff[1:] > 0))[0]), diff

    def linear(s, d, c):
        i, diff = bracket(s, d, c)
        return s[i] + (0 - diff[i]) / (diff[i + 1] - diff[i]) * (s[i + 1] - s[i])

    return [
        (_("you interpolated on a linear scale axis; the sizes are spread over decades, so the "
           "straight line belongs on a logarithmic axis."), linear),
        (_("you returned the logarithm of the crossover scale, not the scale."),
         lambda s, d, c: np.log10(_crossover(s, d, c))),
        (_("you returned the first sampled scale where chain of thought is ahead, without "
           "interpolating between it and the sample before."),
         lambda s, d, c: s[bracket(s, d, c)[0] + 1]),
        (_("you returned the last sampled scale where direct answering is still ahead, without "
           "interpolating."), lambda s, d, c: s[bracket(s, d, c)[0]]),
        (_("your function returns a position in the array (an index), not a scale."),
         lambda s, d, c: bracket(s, d, c)[0]),
        (_("your function returns a position in the array (an index), not a scale."),
         lambda s, d, c: bracket(s, d, c)[0] + 1),
        (_("you returned the sample where the two curves are closest; the crossover lies between "
           "two samples and needs interpolating."),
         lambda s, d, c: s[int(np.argmin(np.abs(np.asarray(c) - np.asarray(d))))]),
    ]


@checker("5.4", reread=page(PAGE, "Why chain of thought can hurt small models"))
def crossover(answer):
    """Check ``crossover(scales, direct, cot)``: where chain of thought first overtakes direct."""
    f = expect_function(answer, "crossover")
    cases = [((s, d, c), label) for s, d, c, label in _crossover_cases()]
    judge(outputs(f, "crossover(scales, direct, cot)"), cases, _crossover, _wrong_crossovers(),
          _("look at the difference between the two curves: where does it change sign, and where "
            "between those two samples would a straight line (on the right axis) reach zero?"),
          what="crossover", tol=1e-4)
    palm = _crossover(*_crossover_cases()[3][:3])
    return (_("crossover is right on 6 sets of curves. For PaLM on GSM8K it puts the crossover at "
              "{palm:.1f}B parameters, but with models at 8B and 62B only, all the data say "
              "is 'somewhere between 8B and 62B'.").format(palm=palm / 1000000000.0))


# ---------------------------------------------------------------- 5.5 who published what

def _key(text) -> str:
    return str(text).strip().lower()


@checker("5.5", reread=page(PAGE, "What was measured, and by whom"))
def who_published(multiarith_paper, gsm8k_zero_shot, palm540_gain, hurt):
    """Check four facts read from ``cot.published()``; diagnose the common mix-ups."""
    rows = cot.published("accuracy")
    kojima = {r["dataset"]: r for r in rows if r["paper"] == "kojima2022large"}
    wei = {r["model"]: r for r in rows if r["paper"] == "wei2022chain"}
    if multiarith_paper is None or multiarith_paper is Ellipsis:
        raise Wrong(_("multiarith_paper is still empty."), _("give the bibliography key of the paper, "
                      "as in the `paper` column of cot.published()."))
    paper = _key(multiarith_paper)
    if "wei" in paper:
        raise Wrong(_("multiarith_paper: MultiArith 17.7% → 78.7% is not from Wei et al."),
                    _("a common misattribution. Wei et al.'s chain-of-thought paper used few-shot "
                      "exemplars, and its Table 2 reports GSM8K by model; look at which prompt "
                      "and which data set the MultiArith numbers come with."))
    judge_value(paper, _key(next(r["paper"] for r in rows if r["dataset"] == "MultiArith")), [],
                _("look at the `paper` column of the MultiArith row of cot.published(); answer "
                  "with that key."), what="multiarith_paper", label=_("MultiArith 17.7% → 78.7%"),
                agree=lambda got, want: re.match("[a-z]+", want).group() in got)
    gsm = kojima["GSM8K"]
    pair = np.array(expect_pair(gsm8k_zero_shot, "gsm8k_zero_shot", ("before", "after")))
    near = {"agree": lambda got, want: bool(np.allclose(got, want, atol=0.05, rtol=0))}
    davinci = wei["GPT-3 175B (text-davinci-002)"]
    judge_value(pair, np.array([gsm["baseline_acc"], gsm["cot_acc"]]), [
        (_("those are the MultiArith numbers; the question asks for GSM8K, a harder set of "
           "grade-school problems."),
         np.array([kojima["MultiArith"]["baseline_acc"], kojima["MultiArith"]["cot_acc"]])),
        (_("those are few-shot numbers for the same model: standard few-shot against few-shot "
           "chain of thought. The question asks for the zero-shot prompt."),
         np.array([davinci["baseline_acc"], davinci["cot_acc"]])),
        (_("the order is (before, after): without the prompt first."),
         np.array([gsm["cot_acc"], gsm["baseline_acc"]])),
        (_("those are few-shot PaLM 540B numbers, not zero-shot ones."),
         np.array([wei["PaLM 540B"]["baseline_acc"], wei["PaLM 540B"]["cot_acc"]])),
    ], _("read the GSM8K row of the paper you named for MultiArith: accuracy without, then with, "
         "the step-by-step prompt."), what="gsm8k_zero_shot", label=_("GSM8K, zero-shot"), tol=0.05,
        **near)
    palm = wei["PaLM 540B"]
    gain = expect_number(palm540_gain, "palm540_gain")
    want = palm["cot_acc"] - palm["baseline_acc"]
    judge_value(gain, want, [
        (_("that uses PaLM 540B with an external calculator; the question asks for the plain "
           "chain-of-thought row. (It is also, by coincidence, the zero-shot-CoT GSM8K accuracy.)"),
         58.6 - palm["baseline_acc"]),
        (_("the gain in percentage points is a difference, not a ratio."),
         palm["cot_acc"] / palm["baseline_acc"]),
        (_("that is the relative gain in %; the question asks for percentage points."),
         100 * (palm["cot_acc"] / palm["baseline_acc"] - 1)),
        (_("check the sign: chain of thought raised PaLM 540B's accuracy."), -want),
        (_("that is the zero-shot gain for text-davinci-002; the question asks about PaLM 540B in "
           "Wei et al."), gsm["cot_acc"] - gsm["baseline_acc"]),
    ], _("take the PaLM 540B row of Wei et al. and compare its two accuracies."),
        what="palm540_gain", label=_("PaLM 540B"), tol=0.05,
        agree=lambda got, want: abs(got - want) <= 0.05)
    if isinstance(hurt, str) or hurt is None or hurt is Ellipsis or not hasattr(hurt, "__iter__"):
        raise Wrong(_("hurt should be a list of model names, got {hurt!r:.60}.").format(hurt=hurt),
                    _("a list of names from the `model` column, or [] if chain of thought helped "
                      "every model."))
    names = {_key(m): m for m in wei}
    named = {_key(h) for h in hurt}
    truth = {_key(m) for m, r in wei.items() if r["cot_acc"] < r["baseline_acc"]}
    if named != truth:
        extra = sorted(named - truth)
        if not named:
            hint = (_("compare the two accuracies for every row of Wei et al.: is chain of "
                      "thought better for every model?"))
        elif extra and all(e in names for e in extra):
            hint = (_("{names} improved with chain of thought: keep "
                      "only models whose cot_acc is below their baseline_acc.").format(names=', '.join((names[e] for e in extra))))
        else:
            hint = (_("use the model names exactly as in the `model` column of Wei et al.'s rows, "
                      "and include every model whose cot_acc is below its baseline_acc."))
        raise Wrong(_("hurt = {sorted!r:.80}.").format(sorted=sorted(hurt)), hint)
    return (_("all four right. Kojima et al. (zero-shot) and Wei et al. (few-shot, by model) "
              "measured different things; keep the two apart, and note that the one model "
              "chain of thought hurt is the smallest."))


# ---------------------------------------------------------------- 5.6 predict, then measure

PREDICT_K = 8
PREDICT_UPDATES = 10


@functools.lru_cache(maxsize=1)
def measured_step_model() -> dict:
    """The under-trained step model of Exercise 5.6, evaluated on ``PREDICT_K``-step shell games."""
    result = cot.train(cot.StepperConfig("cups", steps=PREDICT_UPDATES, seed=0), progress=False)
    return cot.evaluate_stepper(result, [PREDICT_K])[PREDICT_K]


@checker("5.6", reread=page(PAGE, "An experiment"))
def predict_chain(p, chain_prediction, final_prediction):
    """Check the per-step accuracy used and the two predictions made from it."""
    m = measured_step_model()
    k = PREDICT_K
    p = expect_number(p, "p")
    judge_value(p, m["step"], [
        (_("that is the final-answer accuracy; p is the accuracy of one step given the right "
           "previous state."), m["final"]),
        (_("that is the fraction of whole chains right; p is the accuracy of one step."), m["chain"]),
    ], _("p is the measured accuracy of one step given the right previous state."), what="p",
        label=_("the measured model"), agree=lambda got, want: abs(got - want) <= 1e-6)
    chain = expect_number(chain_prediction, "chain_prediction")
    want = p ** k
    judge_value(chain, want, [
        (_("that can exceed 1, so it is not a probability: all {k} steps must be right.").format(k=k), p * k),
        (_("off by one: the chain has {k} steps.").format(k=k), p ** (k - 1)),
        (_("that is the chance that at least one step is right."), 1 - (1 - p) ** k),
        (_("that is Exercise 5.2's inverse question."), p ** (1 / k)),
    ], _("if every step is right with probability p, independently, how likely are all {k}?").format(k=k),
        what="chain_prediction", label=f"p = {p:.4f}")
    final = expect_number(final_prediction, "final_prediction")
    want_final = want + (1 - want) / 3
    judge_value(final, want_final, [
        (_("the final answer can be right even when the chain went wrong: a derailed chain ends "
           "under a random cup."), want),
        (_("count the cups: a derailed chain ends under a random one of them."),
         want + (1 - want) / 2),
        (_("add the chains that are right all the way."), (1 - want) / 3),
        (_("only the chains that went wrong get the lucky guess."), want + 1 / 3),
    ], _("two ways to end right: right all the way, or wrong somewhere and lucky at the end."),
        what="final_prediction", label=f"p = {p:.4f}")
    return (_("predicted {want:.3f} of chains right all the way and {want_final:.3f} of final "
              "answers right; the model measured {m:.3f} and {m2:.3f}.").format(want=want, want_final=want_final, m=m['chain'], m2=m['final']))
