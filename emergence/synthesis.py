"""Chapter 8: the candidate explanations of emergence side by side, and a claim checklist.

Nothing here is new science; it puts the mechanisms of Chapters 2-7 on one pair of axes and
asks each the same question. Three parts:

- **Mechanisms** (:data:`MECHANISMS`, :func:`mechanism_curves`). Each candidate explanation
  gives an ability curve under an all-or-nothing metric *and* its continuous counterpart (the
  probability of each correct token or step), for one setting of its knob (:data:`KNOBS`).
  The composite-task, exact-match and loss-threshold curves are formulas that encode the
  hypothesis; the quantised-skill and grokking curves are the course's shipped experiments
  (``sparse_parity.load_sweep``, ``grokking.load_sweep_runs``). :func:`signature` labels both
  curves with Chapter 3's rule (``behaviours.classify_scaling_curve``): a mechanism whose jump
  *survives* the continuous metric is not a metric effect.
- **Less data, later ability** (:func:`grokking_delays`): steps to generalise against the
  training fraction, read from the shipped grokking phase diagram.
- **Diagnosing a claim** (:func:`diagnose`, :func:`claim_cases`): a short checklist run on a
  measured curve (log and linear axis, whether the rise and the floor are resolved, whether
  the jump survives a continuous metric), with a verdict in words.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from . import behaviours, grokking, induction, scaling, sparse_parity
from ._validate import check_array, check_choice, check_float, check_int

__all__ = ["MECHANISMS", "KNOBS", "Curves", "mechanism_curves", "signature", "grokking_delays",
           "Diagnosis", "diagnose", "Case", "claim_cases"]

MECHANISMS = ("composite task", "exact-match metric", "quantised skills", "loss threshold",
              "grokking on rare data")
"""The explanations that :func:`mechanism_curves` can draw."""

KNOBS = {
    "composite task": ("parts k", (1, 2, 4, 8, 16)),
    "exact-match metric": ("answer length L", (1, 2, 4, 8, 16)),
    "quantised skills": ("frequency rank", (6, 10, 12, 16, 18)),
    "loss threshold": ("threshold loss (nats)", (4.0, 3.5, 3.0, 2.5, 2.0)),
    "grokking on rare data": ("training fraction", (0.2, 0.3, 0.4, 0.5, 0.6)),
}
"""For each mechanism: the name of its knob and the settings the chapter uses."""

SCALES = np.geomspace(1e5, 1e12, 29)
"""Model sizes (parameters) for the formula mechanisms: seven decades, four points each."""

PART_MIDPOINT, PART_SLOPE = 8.5, 0.8
"""Each part of the composite task: ``behaviours.skill_probability(N, 8.5, 0.8)``, a slow ramp."""

TOKEN_SCALE, TOKEN_EXPONENT = 1e7, -0.3
"""Per-token loss ``(N / 1e7) ** -0.3`` for the exact-match mechanism (illustrative values)."""

THRESHOLD_TOKENS, THRESHOLD_TAU = 4, 0.25
"""Loss threshold: a 4-token answer; per-token probability ``1 - exp(-gap / 0.25)``."""

SPARSE_SEED = 0
"""The sparse-parity seed drawn in bold (one family of models, as in a real scaling study)."""

GROKKING_WEIGHT_DECAY = 1.0


# ---------------------------------------------------------------- mechanisms

@dataclass(frozen=True)
class Curves:
    """One mechanism at one knob setting: the sharp metric and its continuous counterpart.

    ``x`` is model size (parameters), or training step for grokking; ``extra`` holds faint
    context curves ``{label: (x, y)}`` (other seeds, the aggregate); ``noise`` is the
    measurement noise passed to the shape rule (0 for formulas).
    """

    mechanism: str
    setting: float
    x: np.ndarray
    sharp: np.ndarray
    continuous: np.ndarray
    x_label: str
    sharp_label: str
    continuous_label: str
    chance: float = 0.0
    noise: float = 0.0
    extra: dict = field(default_factory=dict, repr=False)

    @property
    def knob(self) -> str:
        return f"{KNOBS[self.mechanism][0]} = {self.setting:g}"


@functools.lru_cache(maxsize=1)
def _sparse():
    return sparse_parity.load_sweep()


@functools.lru_cache(maxsize=1)
def _grok_runs():
    return grokking.load_sweep_runs()


def _setting(mechanism: str, setting):
    check_choice("mechanism", mechanism, MECHANISMS)
    allowed = KNOBS[mechanism][1]
    if isinstance(setting, bool) or not isinstance(setting, int | float | np.integer | np.floating):
        raise TypeError(f"setting must be a number, one of {allowed}, got {setting!r}")
    match = [v for v in allowed if np.isclose(v, setting)]
    if not match:
        raise ValueError(f"setting for {mechanism!r} must be one of {allowed}, got {setting!r}")
    return match[0]


def mechanism_curves(mechanism: str, setting) -> Curves:
    """The curves of one explanation at one knob setting (one of ``KNOBS[mechanism][1]``).

    - ``"composite task"``: k parts, each right with probability
      ``p = behaviours.skill_probability(N, 8.5, 0.8)``; the task needs all of them (``p**k``,
      multiplicative reliance). Continuous: ``p``, the success rate of a part.
    - ``"exact-match metric"``: per-token probability ``p = exp(-(N / 1e7)**-0.3)`` (the form
      Schaeffer et al. use, illustrative constants); exact match on L tokens is ``p**L``.
      Continuous: ``p`` (one minus the normalised token edit distance, on average).
    - ``"quantised skills"``: the shipped multitask sparse-parity sweep (seed 0): test accuracy
      of the subtask of the given frequency rank against parameters. Continuous: ``exp(-loss)``
      of that subtask, the geometric-mean probability of the right label (chance 0.5).
    - ``"loss threshold"``: pre-training loss ``scaling.kaplan_loss_N(N)``; nothing is
      learned until it falls below the threshold, then the per-token probability of the
      answer is ``1 - exp(-(threshold - loss) / 0.25)``; exact match on a 4-token answer.
      The thresholds are illustrative, not published values.
    - ``"grokking on rare data"``: the shipped grokking run at that training fraction (weight
      decay 1): test accuracy against training *step*. Continuous: ``exp(-test loss)``.
    """
    setting = _setting(mechanism, setting)
    params = "parameters N"
    if mechanism == "composite task":
        p = np.asarray(behaviours.skill_probability(SCALES, PART_MIDPOINT, PART_SLOPE))
        return Curves(mechanism, setting, SCALES, p ** setting, p, params,
                      f"whole task right (all {setting} parts)", "one part right")
    if mechanism == "exact-match metric":
        p = np.exp(-(SCALES / TOKEN_SCALE) ** TOKEN_EXPONENT)
        return Curves(mechanism, setting, SCALES, p ** setting, p, params,
                      f"exact match ({setting} tokens)", "per-token probability")
    if mechanism == "loss threshold":
        loss = np.asarray(scaling.kaplan_loss_N(SCALES))
        p = -np.expm1(-np.maximum(setting - loss, 0.0) / THRESHOLD_TAU)
        return Curves(mechanism, setting, SCALES, p ** THRESHOLD_TOKENS, p, params,
                      f"exact match ({THRESHOLD_TOKENS} tokens)", "per-token probability",
                      extra={"pre-training loss (nats, right axis)": (SCALES, loss)})
    if mechanism == "quantised skills":
        sweep, i = _sparse(), int(setting) - 1
        s = int(np.flatnonzero(sweep.seeds == SPARSE_SEED)[0])
        acc, loss = sweep.accuracy[:, :, -1, i], sweep.loss[:, :, -1, i]
        n_test = int(sweep.config["test_per_task"])
        extra = {f"seed {int(seed)}": (sweep.n_params, acc[j]) for j, seed in enumerate(sweep.seeds)
                 if j != s}
        extra["all subtasks (frequency-weighted)"] = (
            sweep.n_params, np.exp(-(sweep.loss[s, :, -1] @ sweep.probs)))
        return Curves(mechanism, setting, sweep.n_params.astype(float), acc[s], np.exp(-loss[s]),
                      params, f"subtask {int(setting)} accuracy",
                      f"subtask {int(setting)} probability of the right label", chance=0.5,
                      noise=2 * np.sqrt(0.25 / n_test), extra=extra)
    run = _grok_runs()[setting, GROKKING_WEIGHT_DECAY]
    keep = run.steps > 0
    return Curves(mechanism, setting, run.steps[keep].astype(float), run.test_acc[keep],
                  np.exp(-run.test_loss[keep]), "training step", "test accuracy",
                  "test probability of the right answer", noise=0.02,
                  extra={"train accuracy": (run.steps[keep], run.train_acc[keep])})


def signature(curves: Curves) -> tuple[str, str]:
    """Chapter 3's shape label of the sharp curve and of its continuous counterpart."""
    if not isinstance(curves, Curves):
        raise TypeError(f"curves must come from mechanism_curves, got {type(curves).__name__}")
    return tuple(behaviours.classify_scaling_curve(curves.x, y, noise=curves.noise)
                 for y in (curves.sharp, curves.continuous))


# ---------------------------------------------------------------- less data, later ability

def grokking_delays(weight_decay: float = GROKKING_WEIGHT_DECAY) -> dict[str, np.ndarray]:
    """From the shipped phase diagram: per training fraction, the steps to train 99 % and to
    test 95 % (NaN where not reached within the 1000-step budget) and the outcome."""
    weight_decay = check_float("weight_decay", weight_decay, min=0)
    rows = sorted((r for r in grokking.load_phase_diagram()
                   if np.isclose(r["weight_decay"], weight_decay)), key=lambda r: r["frac"])
    if not rows:
        decays = sorted({r["weight_decay"] for r in grokking.load_phase_diagram()})
        raise ValueError(f"weight_decay must be one of {decays}, got {weight_decay}")

    def col(name):
        return np.array([np.nan if r[name] is None else float(r[name]) for r in rows])

    return {"frac": col("frac"), "train99": col("step_train99"), "test95": col("step_test95"),
            "outcome": np.array([r["outcome"] for r in rows]), "budget": col("steps"),
            "p": col("p")}


# ---------------------------------------------------------------- diagnosing a claim

@dataclass(frozen=True)
class Diagnosis:
    """What :func:`diagnose` found. ``checks`` are (question, answer) lines; ``verdict`` sums up."""

    shape_log: str
    shape_linear: str
    shape_continuous: str | None
    points_in_rise: int | None
    unresolved: int | None
    checks: tuple[tuple[str, str], ...]
    verdict: str

    def __str__(self) -> str:
        return "\n".join(f"- {q} {a}" for q, a in self.checks) + f"\nVerdict: {self.verdict}"


def _points_in_rise(x, shape) -> int | None:
    if not np.isfinite(shape.rise_start):
        return None
    t = np.log10(np.sort(x))
    lo = t[0] + shape.rise_start * (t[-1] - t[0])
    hi = lo + shape.rise_width * (t[-1] - t[0])
    return int(np.sum((t > lo + 1e-9) & (t < hi - 1e-9)))


def diagnose(x, y, *, n_test: int | None = None, continuous=None, noise: float = 0.0) -> Diagnosis:
    """Run the chapter's checklist on a claimed curve: score ``y`` (in [0, 1]) at scales ``x``.

    1. Shape on a log axis and on a linear axis (``behaviours.classify_scaling_curve``).
    2. Is the rise resolved in scale: how many measured scales lie inside its 10-90 % part?
       (None when the curve does not rise.)
    3. With ``n_test`` (test items per point): how many points before the rise read as
       exactly zero. Zero right answers out of n only bound the rate below about 3/n (the
       "rule of three", a 95 % bound), so a zero is not evidence of absence.
    4. With ``continuous`` (the same models under a continuous metric, in [0, 1]): does the
       jump survive?

    The verdict is *emergent under both metrics*, *a metric effect or composite of smooth
    parts*, *undecided* (no continuous metric) or *not emergent*, plus any caveat from 2-3.
    """
    y = check_array("y", y, ndim=1, dtype=float)
    x = check_array("x", x, ndim=1, dtype=float)
    if x.shape != y.shape or x.size < 3:
        raise ValueError(f"x and y must have the same length (at least 3), got {x.size}, {y.size}")
    if np.any(x <= 0):
        raise ValueError("x (scale) must be positive")
    if np.any((y < 0) | (y > 1)):
        raise ValueError("y must lie in [0, 1] (a fraction, not a percentage)")
    noise = check_float("noise", noise, min=0)
    order = np.argsort(x)
    x, y = x[order], y[order]
    if n_test is not None:
        n_test = check_int("n_test", n_test, min=1)
        noise = max(noise, 2 * np.sqrt(0.25 / n_test))
    if continuous is not None:
        continuous = check_array("continuous", continuous, ndim=1, dtype=float)
        if continuous.shape != y.shape:
            raise ValueError(f"continuous must match y in length ({y.size}), got {continuous.size}")
        continuous = continuous[order]
    shape = behaviours.describe_scaling_curve(x, y, noise=noise)
    linear = behaviours.classify_scaling_curve(x, y, log_x=False, noise=noise)
    cont = (None if continuous is None
            else behaviours.classify_scaling_curve(x, continuous, noise=noise))
    inside = _points_in_rise(x, shape)
    unresolved = None
    if n_test is not None:
        before = np.arange(y.size) <= int(np.argmax(y >= y.min() + 0.5 * np.ptp(y)))
        unresolved = int(np.sum(before & (np.round(y * n_test) == 0)))
    checks = [("Shape on a log axis:", shape.label),
              ("Shape on a linear axis:", linear),
              ("Measured scales inside the rise:",
               "n/a (no rise)" if inside is None else f"{inside}"
               + (" (the jump falls between two neighbouring scales)" if inside == 0 else "")),
              ("Points before the rise that read as zero:",
               "n/a (test-set size unknown)" if unresolved is None
               else f"{unresolved} (each only says: below about {300 / n_test:.2g} %)"),
              ("Under a continuous metric:", "n/a (none available)" if cont is None else cont)]
    if shape.label != "emergent":
        verdict = f"not emergent: {shape.label} on a log axis."
    elif cont == "emergent":
        verdict = "emergent under both metrics: the jump is not only in the metric."
    elif cont is not None:
        verdict = (f"the jump does not survive the continuous metric ({cont}): a metric effect, "
                   "or a composite of smoothly improving parts.")
    else:
        verdict = "undecided: sharp, but no continuous metric to tell a metric effect apart."
    caveats = []
    if inside == 0:
        caveats.append("no model inside the rise")
    if unresolved:
        caveats.append(f"{unresolved} point{'s' if unresolved > 1 else ''} before the rise "
                       f"read{'' if unresolved > 1 else 's'} as zero, which {n_test} test items "
                       f"cannot tell from {300 / n_test:.2g} %")
    if caveats:
        verdict += " Caveat: " + "; ".join(caveats) + "."
    return Diagnosis(shape.label, linear, cont, inside, unresolved, tuple(checks), verdict)


@dataclass(frozen=True)
class Case:
    """A curated curve to diagnose, with where it comes from."""

    x: np.ndarray
    y: np.ndarray
    x_label: str
    y_label: str
    source: str
    n_test: int | None = None
    continuous: np.ndarray | None = None
    continuous_label: str = ""
    chance: float = 0.0

    def diagnose(self) -> Diagnosis:
        return diagnose(self.x, self.y, n_test=self.n_test, continuous=self.continuous)


def _synthetic_mirage(seed: int = 8) -> Case:
    """Seven model sizes a decade apart; exact match on a 12-token answer, 100 test items."""
    rng = np.random.default_rng(seed)
    sizes, n, length = np.geomspace(1e6, 1e12, 7), 100, 12
    p = np.exp(-(sizes / TOKEN_SCALE) ** TOKEN_EXPONENT)
    right = rng.random((sizes.size, n, length)) < p[:, None, None]
    return Case(sizes, right.all(axis=2).mean(axis=1), "parameters N", "exact match",
                "synthetic: per-token p = exp(-(N/1e7)^-0.3), 12 tokens, 100 test items (seed 8)",
                n_test=n, continuous=right.mean(axis=(1, 2)),
                continuous_label="per-token accuracy")


def claim_cases() -> dict[str, Case]:
    """Seven curves from the course to diagnose (published, shipped experiments, synthetic)."""
    cases = {}
    for task in ("4D+", "2Dx"):
        params, acc = behaviours.gpt3_arithmetic(task, "few-shot")
        cases[f"GPT-3 {behaviours.GPT3_TASK_NAMES[task]}"] = Case(
            params, acc / 100, "parameters N", "accuracy (few-shot)",
            "Brown et al. 2020, Table 3.9 (175B) and Table H.1 (smaller sizes, transcribed)",
            n_test=behaviours.GPT3_INSTANCES)
    sweep, rank = _sparse(), 12
    s = int(np.flatnonzero(sweep.seeds == SPARSE_SEED)[0])
    cases[f"sparse parity: subtask {rank}"] = Case(
        sweep.n_params.astype(float), sweep.accuracy[s, :, -1, rank - 1], "parameters N",
        "test accuracy", "this course: shipped sparse-parity sweep, seed 0 (Chapter 2)",
        n_test=int(sweep.config["test_per_task"]),
        continuous=np.exp(-sweep.loss[s, :, -1, rank - 1]),
        continuous_label="probability of the right label", chance=0.5)
    cases["sparse parity: all subtasks"] = Case(
        sweep.n_params.astype(float), sweep.accuracy[s, :, -1] @ sweep.probs, "parameters N",
        "test accuracy (frequency-weighted)", "this course: shipped sparse-parity sweep, seed 0",
        continuous=np.exp(-(sweep.loss[s, :, -1] @ sweep.probs)),
        continuous_label="probability of the right label", chance=0.5)
    run = induction.load_runs()["two_layer_seed0"]
    gain = np.clip(-run.icl[1:] / np.log(run.config.n_vocab), 0, 1)
    cases["induction heads: ICL score"] = Case(
        run.eval_steps[1:].astype(float), gain, "training step",
        "ICL score as a fraction of ln(vocabulary)",
        "this course: shipped 2-layer attention-only run (Chapter 4); the score is a loss "
        "difference, so already continuous", continuous=gain,
        continuous_label="the same (already a loss)")
    grok = _grok_runs()[0.4, GROKKING_WEIGHT_DECAY]
    keep = grok.steps > 0
    n_pairs = grok.config.p ** 2
    cases["grokking: training fraction 0.4"] = Case(
        grok.steps[keep].astype(float), grok.test_acc[keep], "training step", "test accuracy",
        "this course: shipped grokking sweep, weight decay 1 (Chapter 6)",
        n_test=n_pairs - round(grok.config.frac * n_pairs),
        continuous=np.exp(-grok.test_loss[keep]), continuous_label="probability of the right answer")
    cases["synthetic mirage: exact match"] = _synthetic_mirage()
    return cases
