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

import numpy as np

from emergence import cot
from emergence.checks import (Wrong, call, checker, close, expect_function, expect_number, explain,
                              fmt, quiet_call)

__all__ = ["chain_success", "required_step_accuracy", "parity_step", "crossover",
           "who_published", "predict_chain", "PREDICT_K", "PREDICT_UPDATES"]

TOL = 1e-6


def _judge(f, name: str, cases, reference, mistakes, fallback: str) -> None:
    """Run ``f(*args)`` on every (args, label) case; ``Wrong`` with a diagnosed hint on failure."""
    failed, first = [], None
    for args, label in cases:
        out = quiet_call(f, *args, what=f"{name}{label}")
        want = reference(*args)
        try:
            got = np.asarray(out, dtype=float)
        except (TypeError, ValueError):
            raise Wrong(f"{name}{label} returned {type(out).__name__} {out!r:.60}, not numbers.",
                        "return a number (or an array of numbers for array inputs).") from None
        if got.shape != np.shape(want):
            if np.ndim(want) and not got.ndim:
                raise Wrong(f"{name}{label} returned one number for array input.",
                            "use numpy operations (**, np.power) that work elementwise on "
                            "arrays, and no Python loop or math.* function.")
            raise Wrong(f"{name}{label} returned shape {got.shape}; expected {np.shape(want)}.",
                        "the result should have the broadcast shape of the inputs.")
        if not np.all(np.isfinite(got)):
            raise Wrong(f"{name}{label} returned {fmt(got)}.",
                        "look for a division by zero or a log of zero.")
        if not np.allclose(got, want, rtol=TOL, atol=1e-12):
            failed.append((args, got))
            first = first or f"{name}{label} gave {fmt(got, 4)}; expected {fmt(want, 4)}."
    if failed:
        raise Wrong(first, explain(failed, [(h, lambda a, w=w: w(*a)) for h, w in mistakes])
                    or fallback)


def _crash_hint(f, name, args, label):
    """A specific hint when the function works on numbers but not on arrays."""
    try:
        call(f, *args, what=name)
    except Wrong as wrong:
        if "TypeError" in wrong.message or "ValueError" in wrong.message:
            raise Wrong(f"{wrong.message} (on {label}).",
                        "your function must also accept numpy arrays: use ** or np.power "
                        "(math.pow and `if` tests on the value work only on single numbers)."
                        ) from None
        raise


# ---------------------------------------------------------------- 5.1 chain success

P_CASES = [
    ((0.9, 10), "(0.9, 10)"), ((0.5, 1), "(0.5, 1)"), ((0.99, 100), "(0.99, 100)"),
    ((1.0, 50), "(1.0, 50)"), ((0.0, 3), "(0.0, 3)"), ((0.8, 0), "(0.8, 0): no steps at all"),
    ((np.array([0.9, 0.95, 0.99]), 20), "(np.array([0.9, 0.95, 0.99]), 20)"),
    ((0.95, np.arange(1, 9)), "(0.95, np.arange(1, 9))"),
]


@checker("5.1")
def chain_success(answer):
    """Check ``chain_success(p, k)``: the probability that all k independent steps succeed."""
    f = expect_function(answer, "chain_success")
    for args, label in P_CASES[-2:]:
        _crash_hint(f, "chain_success", args, label)
    mistakes = [
        ("you multiplied p by k. All k steps must succeed, and they are independent, so the "
         "probabilities multiply: p · p · … · p = p**k.", lambda p, k: p * k),
        ("that is the probability that at least one step succeeds, 1 - (1-p)**k; the chain "
         "needs every step: p**k.", lambda p, k: 1 - (1 - p) ** k),
        ("(1-p)**k is the probability that every step fails; the chain needs every step to "
         "succeed: p**k.", lambda p, k: (1 - p) ** k),
        ("p**(1/k) is the per-step accuracy a chain needs (Exercise 5.2): here the chain's "
         "success is p**k.", lambda p, k: p ** (1 / np.maximum(k, 1e-300))),
        ("the base and the exponent are swapped: p**k, not k**p.", lambda p, k: k ** p),
        ("off by one: a chain of k steps has k factors of p, not k - 1.",
         lambda p, k: p ** (k - 1)),
        ("off by one: a chain of k steps has k factors of p, not k + 1.",
         lambda p, k: p ** (k + 1)),
        ("1 - k(1-p) is only the first-order approximation (fine when k(1-p) is small, "
         "even negative when it is not); the exact answer is p**k.",
         lambda p, k: 1 - k * (1 - p)),
        ("your answer does not depend on k: every one of the k steps must succeed.",
         lambda p, k: p + 0 * k),
        ("p/k is not a probability of success: the k independent successes multiply, p**k.",
         lambda p, k: p / np.maximum(k, 1e-300)),
    ]
    _judge(f, "chain_success", P_CASES, lambda p, k: np.asarray(p, float) ** np.asarray(k, float),
           mistakes, "the chain succeeds only if step 1 and step 2 and … and step k succeed; for "
           "independent steps, multiply their probabilities.")
    return ("chain_success is right on 8 cases, arrays included: with p = 0.99, a 100-step chain "
            f"is fully right only {0.99 ** 100:.0%} of the time.")


# ---------------------------------------------------------------- 5.2 required accuracy

T_CASES = [
    ((0.5, 10), "(0.5, 10)"), ((0.9, 1), "(0.9, 1)"), ((0.9, 20), "(0.9, 20)"),
    ((0.99, 100), "(0.99, 100)"), ((1.0, 5), "(1.0, 5)"), ((0.25, 2), "(0.25, 2)"),
    ((np.array([0.5, 0.9, 0.99]), 8), "(np.array([0.5, 0.9, 0.99]), 8)"),
    ((0.9, np.array([1, 2, 5, 10, 50])), "(0.9, np.array([1, 2, 5, 10, 50]))"),
]


@checker("5.2")
def required_step_accuracy(answer):
    """Check ``required_step_accuracy(target, k)``: the p with p**k = target."""
    f = expect_function(answer, "required_step_accuracy")
    for args, label in T_CASES[-2:]:
        _crash_hint(f, "required_step_accuracy", args, label)
    mistakes = [
        ("you computed target/k. If you wrote target**1/k, operator precedence makes that "
         "(target**1)/k: write target**(1/k), the k-th root.", lambda t, k: t / k),
        ("target**k is how likely a k-step chain is to succeed if each step is right with "
         "probability target; you need the inverse: p = target**(1/k).", lambda t, k: t ** k),
        ("1 - (1 - target)/k is the first-order approximation (good only when target is near 1); "
         "the exact answer is target**(1/k).", lambda t, k: 1 - (1 - t) / k),
        ("the exponent's sign: p = target**(1/k), not target**(-1/k) (a probability is at most 1).",
         lambda t, k: t ** (-1 / k)),
        ("that is 1 - p, the error rate each step may have; the exercise asks for p itself.",
         lambda t, k: 1 - t ** (1 / k)),
        ("the base and exponent are swapped: target**(1/k), not (1/k)**target.",
         lambda t, k: (1 / k) ** t),
        ("your answer does not depend on k: longer chains need more reliable steps.",
         lambda t, k: t + 0 * k),
    ]
    _judge(f, "required_step_accuracy", T_CASES,
           lambda t, k: np.asarray(t, float) ** (1 / np.asarray(k, float)), mistakes,
           "solve p**k = target for p: take the k-th root, target**(1/k).")
    return ("required_step_accuracy is right on 8 cases: to get a 20-step chain right 90% of the "
            f"time, each step must be right {0.9 ** (1 / 20):.2%} of the time.")


# ---------------------------------------------------------------- 5.3 the step of running parity

@checker("5.3")
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
    want = {(s, b): (s + b) % 2 for s in (0, 1) for b in (0, 1)}
    if table != want:
        got = {key: table[key] for key in sorted(table)}
        rules = [
            ({(0, 0): 0, (0, 1): 1, (1, 0): 1, (1, 1): 2},
             "1 + 1 gave 2: a parity is 0 or 1, so take the sum modulo 2 (or use XOR, ^)."),
            ({(0, 0): 0, (0, 1): 0, (1, 0): 0, (1, 1): 1},
             "that is AND (state * bit): the parity flips whenever the bit is 1, so "
             "(0, 1) gives 1 and (1, 1) gives 0."),
            ({(0, 0): 0, (0, 1): 1, (1, 0): 1, (1, 1): 1},
             "that is OR: after an odd parity (1), reading a 1 makes the count even, so "
             "parity_step(1, 1) is 0."),
            ({(0, 0): 1, (0, 1): 0, (1, 0): 0, (1, 1): 1},
             "your answers are inverted (that is XNOR): reading a 0 leaves the parity "
             "unchanged, so parity_step(0, 0) is 0."),
            ({(0, 0): 0, (0, 1): 1, (1, 0): 0, (1, 1): 1},
             "your function returns the bit and ignores the state: the new parity depends on "
             "both the parity so far and the new bit."),
            ({(0, 0): 0, (0, 1): 0, (1, 0): 1, (1, 1): 1},
             "your function returns the state and ignores the bit: reading a 1 must flip it."),
        ]
        hint = next((h for rule, h in rules if all(close(got[key], v) for key, v in rule.items())),
                    "the parity flips when the bit is 1 and stays when it is 0: "
                    "(state + bit) % 2, or state ^ bit.")
        shown = ", ".join(f"({s}, {b}) → {fmt(v)}" for (s, b), v in got.items())
        raise Wrong(f"parity_step gives {shown}.", hint)
    rng = np.random.default_rng(53)
    states, bits = rng.integers(0, 2, 50), rng.integers(0, 2, 50)
    try:
        out = call(f, states.copy(), bits.copy(), what="parity_step(states, bits) on arrays")
    except Wrong as wrong:
        raise Wrong(wrong.message, "make it work elementwise on numpy arrays: "
                    "(state + bit) % 2 and state ^ bit both do; `if`, `and`, `or` do not."
                    ) from None
    out = np.asarray(out)
    if out.shape != states.shape or not np.array_equal(out.astype(int), (states + bits) % 2):
        raise Wrong("parity_step is right on single numbers but not on arrays of 50 states "
                    "and bits.", "use operations that act elementwise: (state + bit) % 2.")
    bits = rng.integers(0, 2, (200, 24))
    state = np.zeros(200, dtype=int)
    for t in range(bits.shape[1]):
        state = np.asarray(f(state, bits[:, t])).astype(int)
    if not np.array_equal(state, bits.sum(axis=1) % 2):
        raise Wrong("applied along 24-bit strings, parity_step does not end on the parity.",
                    "each step must return 0 or 1 (not True/False mixed with other numbers).")
    return ("parity_step is right on every (state, bit) pair, works on arrays, and applied "
            "24 times gives the parity of 200 random 24-bit strings. One tiny fixed "
            "computation per step is all a chain needs.")


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
                      f"the toy model for k = {k} ({n} log-spaced scales)"))
    wei = cot.published("accuracy")
    palm = sorted((r for r in wei if r["model"].startswith("PaLM")), key=lambda r: r["params_b"])
    cases.append((np.array([r["params_b"] * 1e9 for r in palm]),
                  np.array([r["baseline_acc"] for r in palm]),
                  np.array([r["cot_acc"] for r in palm]),
                  "PaLM 8B, 62B, 540B on GSM8K (Wei et al. 2022, Table 2)"))
    cases.append((np.array([1e9, 3e9, 1e10, 3e10, 1e11]), np.array([0.1, 0.12, 0.15, 0.2, 0.3]),
                  np.array([0.05, 0.08, 0.14, 0.3, 0.6]), "a hand-made example with 5 sizes"))
    cases.append((np.array([2e8, 1e9, 1.2e10, 4e10, 9e11, 2e12]),
                  np.array([0.3, 0.3, 0.31, 0.33, 0.4, 0.5]),
                  np.array([0.1, 0.2, 0.3, 0.45, 0.7, 0.9]), "unevenly spaced sizes"))
    return cases


def _wrong_crossovers():
    def bracket(s, d, c):
        diff = np.asarray(c, float) - np.asarray(d, float)
        return int(np.flatnonzero((diff[:-1] <= 0) & (diff[1:] > 0))[0]), diff

    def linear(s, d, c):
        i, diff = bracket(s, d, c)
        return s[i] + (0 - diff[i]) / (diff[i + 1] - diff[i]) * (s[i + 1] - s[i])

    return [
        ("you interpolated on a linear scale axis; the sizes are spread over decades, so "
         "interpolate in log10(scale) and convert back with 10**x.", linear),
        ("you returned log10 of the crossover scale: convert back with 10**x.",
         lambda s, d, c: np.log10(_crossover(s, d, c))),
        ("you returned the first sampled scale where chain of thought is ahead, without "
         "interpolating between it and the sample before.",
         lambda s, d, c: s[bracket(s, d, c)[0] + 1]),
        ("you returned the last sampled scale where direct answering is still ahead, without "
         "interpolating.", lambda s, d, c: s[bracket(s, d, c)[0]]),
        ("your function returns a position in the array (an index), not a scale.",
         lambda s, d, c: bracket(s, d, c)[0]),
        ("your function returns a position in the array (an index), not a scale.",
         lambda s, d, c: bracket(s, d, c)[0] + 1),
        ("you returned the sample where the two curves are closest; interpolate the difference "
         "cot - direct between the two samples where it changes sign.",
         lambda s, d, c: s[int(np.argmin(np.abs(np.asarray(c) - np.asarray(d))))]),
    ]


@checker("5.4")
def crossover(answer):
    """Check ``crossover(scales, direct, cot)``: where chain of thought first overtakes direct."""
    f = expect_function(answer, "crossover")
    failed, first = [], None
    for scales, direct, cot_acc, label in _crossover_cases():
        out = quiet_call(f, scales, direct, cot_acc, what=f"crossover(...) on {label}")
        got = expect_number(out, f"crossover(...) on {label}")
        want = _crossover(scales, direct, cot_acc)
        if not close(got, want, rel=1e-4):
            failed.append(((scales, direct, cot_acc), got))
            first = first or (f"crossover returned {fmt(got, 4)} on {label}; chain of thought "
                              f"overtakes direct answering at {fmt(want, 4)}.")
    if failed:
        hint = explain(failed, [(h, lambda a, w=w: w(*a)) for h, w in _wrong_crossovers()],
                        tol=1e-4)
        raise Wrong(first, hint or "compute d = cot - direct; find the first i with d[i] <= 0 < "
                    "d[i+1]; interpolate linearly in log10(scale) to where d = 0; return 10**x.")
    palm = _crossover(*_crossover_cases()[3][:3])
    return (f"crossover is right on 6 sets of curves. For PaLM on GSM8K it puts the crossover at "
            f"{palm / 1e9:.1f}B parameters, but with models at 8B and 62B only, all the data say "
            "is 'somewhere between 8B and 62B'.")


# ---------------------------------------------------------------- 5.5 who published what

def _key(text) -> str:
    return str(text).strip().lower()


def _pair(answer, what):
    if isinstance(answer, (str, bytes)) or np.ndim(answer) != 1 or np.size(answer) != 2:
        raise Wrong(f"{what} should be a pair of numbers (before, after), got {answer!r:.60}.",
                    "write it like (12.3, 45.6): accuracy without, then with, the step-by-step "
                    "prompt.")
    try:
        values = [float(v) for v in answer]
    except (TypeError, ValueError):
        raise Wrong(f"{what} should hold two numbers, got {answer!r:.60}.",
                    "write it like (12.3, 45.6), numbers without % signs or quotes.") from None
    return tuple(expect_number(v, what) for v in values)


@checker("5.5")
def who_published(multiarith_paper, gsm8k_zero_shot, palm540_gain, hurt):
    """Check four facts read from ``cot.published()``; diagnose the common mix-ups."""
    rows = cot.published("accuracy")
    kojima = {r["dataset"]: r for r in rows if r["paper"] == "kojima2022large"}
    wei = {r["model"]: r for r in rows if r["paper"] == "wei2022chain"}
    if multiarith_paper is None or multiarith_paper is Ellipsis:
        raise Wrong("multiarith_paper is still empty.", "give the bibliography key of the paper, "
                    "as in the `paper` column of cot.published().")
    paper = _key(multiarith_paper)
    if "wei" in paper:
        raise Wrong("multiarith_paper: MultiArith 17.7% → 78.7% is not from Wei et al.",
                    "a common misattribution. Those numbers are Kojima et al. 2022 "
                    "(kojima2022large): one zero-shot prompt, \"Let's think step by step\", with "
                    "text-davinci-002. Wei et al.'s chain-of-thought paper used few-shot "
                    "exemplars; its Table 2 reports GSM8K by model.")
    if "kojima" not in paper:
        raise Wrong(f"multiarith_paper = {multiarith_paper!r} is not the paper that reported "
                    "MultiArith 17.7% → 78.7%.",
                    "look at the `paper` column of the MultiArith row "
                    "of cot.published(); answer with that key.")
    before, after = _pair(gsm8k_zero_shot, "gsm8k_zero_shot")
    gsm = kojima["GSM8K"]
    if not (close(before, gsm["baseline_acc"], abs=0.05)
            and close(after, gsm["cot_acc"], abs=0.05)):
        seen = {(kojima["MultiArith"]["baseline_acc"], kojima["MultiArith"]["cot_acc"]):
                "those are Kojima et al.'s MultiArith numbers; the question asks for GSM8K, a "
                "harder set of grade-school problems.",
                (wei["GPT-3 175B (text-davinci-002)"]["baseline_acc"],
                 wei["GPT-3 175B (text-davinci-002)"]["cot_acc"]):
                "those are Wei et al.'s few-shot numbers for the same model (text-davinci-002): "
                "standard few-shot vs few-shot chain of thought. Zero-shot is Kojima et al.",
                (gsm["cot_acc"], gsm["baseline_acc"]):
                "the order is (before, after): without the prompt first.",
                (wei["PaLM 540B"]["baseline_acc"], wei["PaLM 540B"]["cot_acc"]):
                "those are Wei et al.'s few-shot PaLM 540B numbers, not zero-shot ones."}
        hint = next((h for (b, a), h in seen.items() if close(before, b, abs=0.05)
                     and close(after, a, abs=0.05)), "read the GSM8K row of Kojima et al. "
                    "(kojima2022large): baseline_acc, then cot_acc.")
        raise Wrong(f"gsm8k_zero_shot = ({before:g}, {after:g}) is not Kojima et al.'s zero-shot "
                    "GSM8K result.", hint)
    palm = wei["PaLM 540B"]
    gain = expect_number(palm540_gain, "palm540_gain")
    want = palm["cot_acc"] - palm["baseline_acc"]
    if not close(gain, want, abs=0.05):
        wrongs = [(58.6 - palm["baseline_acc"], "58.6 - 17.9 = 40.7 uses PaLM 540B with an "
                   "external calculator; Table 2's chain-of-thought number is 56.9. (40.7 is "
                   "also, by coincidence, Kojima et al.'s zero-shot-CoT GSM8K accuracy.)"),
                  (palm["cot_acc"] / palm["baseline_acc"], "the gain in percentage points is a "
                   "difference, cot_acc - baseline_acc, not a ratio."),
                  (100 * (palm["cot_acc"] / palm["baseline_acc"] - 1), "that is the relative gain "
                   "in %; the question asks for percentage points: cot_acc - baseline_acc."),
                  (-want, "check the sign: chain of thought raised PaLM 540B's accuracy."),
                  (gsm["cot_acc"] - gsm["baseline_acc"], "that is Kojima et al.'s zero-shot gain "
                   "for text-davinci-002; the question asks about PaLM 540B in Wei et al.")]
        hint = next((h for v, h in wrongs if close(gain, v, abs=0.05)),
                    "take the PaLM 540B row of Wei et al.: cot_acc - baseline_acc.")
        raise Wrong(f"palm540_gain = {gain:g} points.", hint)
    if isinstance(hurt, str) or hurt is None or hurt is Ellipsis or not hasattr(hurt, "__iter__"):
        raise Wrong(f"hurt should be a list of model names, got {hurt!r:.60}.",
                    "e.g. [\"PaLM 8B\"] or [] if chain of thought helped every model.")
    names = {_key(m): m for m in wei}
    named = {_key(h) for h in hurt}
    truth = {_key(m) for m, r in wei.items() if r["cot_acc"] < r["baseline_acc"]}
    if named != truth:
        extra = sorted(named - truth)
        if not named:
            hint = ("one model did worse with chain of thought: compare cot_acc with "
                    "baseline_acc for every row of Wei et al.")
        elif extra and all(e in names for e in extra):
            hint = (f"{', '.join(names[e] for e in extra)} improved with chain of thought: keep "
                    "only models whose cot_acc is below their baseline_acc.")
        else:
            hint = ("use the model names exactly as in the `model` column of Wei et al.'s rows, "
                    "and include every model whose cot_acc is below its baseline_acc.")
        raise Wrong(f"hurt = {sorted(hurt)!r:.80}.", hint)
    return ("all four right. Kojima et al. (zero-shot) and Wei et al. (few-shot, by model) "
            "measured different things; keep the two apart, and note that the one model "
            "chain of thought hurt is the smallest.")


# ---------------------------------------------------------------- 5.6 predict, then measure

PREDICT_K = 8
PREDICT_UPDATES = 10


@functools.lru_cache(maxsize=1)
def measured_step_model() -> dict:
    """The under-trained step model of Exercise 5.6, evaluated on ``PREDICT_K``-step shell games."""
    result = cot.train_stepper("cups", steps=PREDICT_UPDATES, seed=0, progress=False)
    return cot.evaluate_stepper(result, [PREDICT_K])[PREDICT_K]


@checker("5.6")
def predict_chain(p, chain_prediction, final_prediction):
    """Check the per-step accuracy used and the two predictions made from it."""
    m = measured_step_model()
    k = PREDICT_K
    p = expect_number(p, "p")
    if not close(p, m["step"], abs=1e-6):
        names = {m["final"]: "that is the final-answer accuracy, measured['final']; p is the "
                 "accuracy of one step given the right previous state, measured['step'].",
                 m["chain"]: "that is the fraction of whole chains right, measured['chain']; p is "
                 "the accuracy of one step, measured['step']."}
        hint = next((h for v, h in names.items() if close(p, v, abs=1e-6)),
                    "set p = measured['step'].")
        raise Wrong(f"p = {p:.4g}, but the measured per-step accuracy is {m['step']:.4g}.", hint)
    chain = expect_number(chain_prediction, "chain_prediction")
    want = p ** k
    if not close(chain, want, rel=1e-6, abs=1e-12):
        wrongs = [(p * k, f"p*k is not a probability: all {k} steps must be right, p**{k}."),
                  (p ** (k - 1), f"off by one: {k} steps, so p**{k}."),
                  (1 - (1 - p) ** k, "that is the chance that at least one step is right."),
                  (p ** (1 / k), f"the chain needs p**{k}; p**(1/{k}) is Exercise 5.2's inverse.")]
        hint = next((h for v, h in wrongs if close(chain, v, rel=1e-6)),
                    f"if every step is right with probability p, independently, all {k} are "
                    f"right with probability p**{k}.")
        raise Wrong(f"chain_prediction = {chain:.4g}; from p = {p:.4f} it should be {want:.4g}.",
                    hint)
    final = expect_number(final_prediction, "final_prediction")
    want_final = want + (1 - want) / 3
    if not close(final, want_final, rel=1e-6):
        wrongs = [(want, "the final answer can be right even when the chain went wrong: a "
                   "derailed chain ends under a random cup, right 1 time in 3."),
                  (want + (1 - want) / 2, "there are three cups, so a derailed chain ends right "
                   "1 time in 3, not 1 in 2."),
                  ((1 - want) / 3, "add the chains that are right all the way, p**k."),
                  (want + 1 / 3, "only the chains that went wrong (a fraction 1 - p**k) get "
                   "the lucky 1 in 3: p**k + (1 - p**k) / 3.")]
        hint = next((h for v, h in wrongs if close(final, v, rel=1e-6)),
                    "right all the way (p**k), or wrong somewhere and lucky at the end "
                    "((1 - p**k) / 3).")
        raise Wrong(f"final_prediction = {final:.4g}; it should be {want_final:.4g}.", hint)
    return (f"predicted {want:.3f} of chains right all the way and {want_final:.3f} of final "
            f"answers right; the model measured {m['chain']:.3f} and {m['final']:.3f}.")
