"""Chapter 3: smooth, emergent and U-shaped scaling, with toy mechanisms and a curve classifier.

Three parts, all vectorised over model size ``N`` (parameters, a positive array):

- **Published curves.** GPT-3 arithmetic by model size (Brown et al. 2020), the scale at which
  each ability emerged (Wei et al. 2022, Table 1), and the Inverse Scaling Prize tasks with the
  U-shaped follow-up, read from ``emergence/data/*.csv`` (every row carries its source).
- **Toy mechanisms.** One logistic "skill curve" in log10 N is the building block:
  averaging many of them with spread-out midpoints gives a *smooth* curve (a knowledge task),
  multiplying k of them gives an *emergent*-looking one (a multi-step task), and a distractor
  heuristic learned before the true skill gives a *U-shape*, which step-by-step reasoning
  (chain of thought) turns back into ordinary scaling by removing the distractor.
- **Measuring shape.** :func:`emergence_score` (the BIG-bench emergence score, as used by
  Schaeffer et al. 2023) and :func:`classify_scaling_curve`, a documented rule that labels a
  curve "smooth", "emergent", "u-shaped" or "inverse" ("flat" when it does not change).
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np

from ._validate import check_array, check_choice, check_float, check_int, rng_from
from .curves import first_crossing, logistic, scalar_or_array
from .data import read_table

GPT3_TASKS = ("2D+", "2D-", "3D+", "3D-", "4D+", "4D-", "5D+", "5D-", "2Dx", "1DC")
"""The ten GPT-3 arithmetic tasks, in the order of Brown et al. 2020, Table 3.9."""

GPT3_TASK_NAMES = {
    "2D+": "2-digit addition", "2D-": "2-digit subtraction",
    "3D+": "3-digit addition", "3D-": "3-digit subtraction",
    "4D+": "4-digit addition", "4D-": "4-digit subtraction",
    "5D+": "5-digit addition", "5D-": "5-digit subtraction",
    "2Dx": "2-digit multiplication", "1DC": "1-digit composite (three numbers, +, -, *)",
}
GPT3_SETTINGS = ("zero-shot", "one-shot", "few-shot")
GPT3_INSTANCES = 2000
"""Test problems per task (Brown et al. 2020, §3.9.1): one problem is 0.05 percentage points."""

LABELS = ("smooth", "emergent", "u-shaped", "inverse", "flat")
"""What :func:`classify_scaling_curve` can return ("flat" only for curves that do not change)."""

RISE_LEVEL = 0.1
"""A rise is measured from this fraction of a curve's range to one minus it (10% to 90%)."""
DIP = 0.25
"""Default fall and climb, as a fraction of the range, that make a dip count (u-shaped, inverse)."""
SHARP = 0.5
"""Default widest rise, as a fraction of the x-range, that counts as sharp (emergent)."""
LATE = 0.25
"""Default fraction of the x-range an emergent curve stays below ``RISE_LEVEL`` first."""


# ---------------------------------------------------------------- published data

@dataclass(frozen=True)
class ShotTable:
    """GPT-3 arithmetic accuracy (%) by task, prompt setting and model size.

    ``accuracy[i, s, m]`` is task ``tasks[i]`` in setting ``GPT3_SETTINGS[s]`` for model
    ``models[m]`` (NaN where the source has no certain value); ``transcribed`` flags values
    read from a transcription of the paper's Table H.1 rather than from the paper itself.
    """

    tasks: tuple[str, ...]
    models: tuple[str, ...]
    params: np.ndarray
    accuracy: np.ndarray = field(repr=False)
    transcribed: np.ndarray = field(repr=False)
    sources: tuple[str, ...] = field(repr=False)

    def _at(self, task: str, setting: str) -> tuple[int, int]:
        check_choice("task", task, self.tasks)
        check_choice("setting", setting, GPT3_SETTINGS)
        return self.tasks.index(task), GPT3_SETTINGS.index(setting)

    def curve(self, task: str, setting: str = "few-shot") -> np.ndarray:
        """Accuracy (%) of each model size, smallest first, for one task and setting."""
        return self.accuracy[self._at(task, setting)].copy()

    def gain(self, task: str, setting: str = "few-shot", baseline: str = "zero-shot") -> np.ndarray:
        """Percentage points gained by ``setting`` over ``baseline`` at each model size."""
        return self.curve(task, setting) - self.curve(task, baseline)


@functools.lru_cache(maxsize=None)
def _gpt3_table() -> ShotTable:
    rows = read_table("gpt3_arithmetic")
    models = sorted({(r["params"], r["model"]) for r in rows})
    names = tuple(m for _, m in models)
    accuracy = np.full((len(GPT3_TASKS), len(GPT3_SETTINGS), len(models)), np.nan)
    transcribed = np.zeros(accuracy.shape, dtype=bool)
    for r in rows:
        at = (GPT3_TASKS.index(r["task"]), GPT3_SETTINGS.index(r["setting"]),
              names.index(r["model"]))
        accuracy[at] = np.nan if r["accuracy_percent"] is None else r["accuracy_percent"]
        transcribed[at] = r["transcribed"]
    for array in (accuracy, transcribed):
        array.flags.writeable = False
    params = np.array([float(p) for p, _ in models])
    params.flags.writeable = False
    return ShotTable(GPT3_TASKS, names, params, accuracy, transcribed,
                     tuple(sorted({r["source"] for r in rows})))


def gpt3_shots() -> ShotTable:
    """The GPT-3 zero/one/few-shot arithmetic table (Brown et al. 2020, Tables 3.9 and H.1).

    Read once from ``gpt3_arithmetic.csv``; the arrays are read-only (copy to change them).
    """
    return _gpt3_table()


def gpt3_arithmetic(task: str, setting: str = "few-shot") -> tuple[np.ndarray, np.ndarray]:
    """``(params, accuracy)`` of GPT-3 on one arithmetic task, smallest model first.

    Accuracy is in percent of 2,000 problems, for the eight GPT-3 sizes (125M to 175B
    parameters, all trained on 300B tokens). The 175B values are Table 3.9 of Brown et al.
    2020; the smaller sizes come from a transcription of their Table H.1 (the CSV marks them
    ``transcribed=yes``). Entries the transcription garbled (4D- one-shot below 175B) are NaN.
    """
    table = _gpt3_table()
    return table.params.copy(), table.curve(task, setting)


def gpt3_transcribed(task: str, setting: str = "few-shot") -> np.ndarray:
    """Boolean mask over the eight sizes: True where the value is transcribed (Table H.1)."""
    table = _gpt3_table()
    return table.transcribed[table._at(task, setting)].copy()


def wei2022_table1() -> list[dict]:
    """Wei et al. 2022, Table 1: the smallest scale at which each ability emerged.

    Each dict has ``ability``, ``prompting`` ("few-shot" or "augmented"), ``train_flops`` and
    ``params`` (floats), ``model``, ``source``, ``tag`` and ``note``.
    """
    rows = read_table("wei2022_table1")
    for row in rows:
        row["train_flops"], row["params"] = float(row["train_flops"]), float(row["params"])
    return rows


def inverse_scaling_tasks() -> list[dict]:
    """The eleven Inverse Scaling Prize winners (McKenzie et al. 2023) with round and cause."""
    return [{k: row[k] for k in ("task", "prize_round", "cause", "tag", "source", "note")}
            for row in read_table("inverse_scaling") if row["record"] == "prize_task"]


def u_shaped_followup(version: str = "final") -> dict[str, int]:
    """How many prize tasks Wei, Kim, Tay & Le found inverse, U-shaped or positive at larger scale.

    ``version="final"``: the 11 tasks (published abstract, up to 540B parameters);
    ``version="v1"``: the first version's result on the four round-1 tasks.
    """
    record = {"final": "u_shaped_followup", "v1": "u_shaped_followup_v1"}[
        check_choice("version", version, ("final", "v1"))]
    rows = [r for r in read_table("inverse_scaling") if r["record"] == record]
    counts = {r["outcome"]: r["count"] for r in rows}
    counts["of"] = rows[0]["of_tasks"]
    return counts


# ---------------------------------------------------------------- toy mechanisms

def _scales(N) -> np.ndarray:
    """log10 of a positive model-size array (a scalar stays 0-d)."""
    N = check_array("N", N, dtype=float)
    if N.size and np.any(N <= 0):
        raise ValueError("N (model size) must be positive")
    return np.log10(N)


def skill_probability(N, midpoint: float = 9.0, slope: float = 2.0):
    """Probability that one skill is right in a model of ``N`` parameters.

    A logistic curve in log10 N: ``1 / (1 + exp(-slope * (log10 N - midpoint)))``. The
    skill is right half the time at ``N = 10**midpoint`` and ``slope`` sets how fast it
    improves per decade of scale. Smooth in log scale by construction: every mechanism
    below is built from such curves.
    """
    midpoint = check_float("midpoint", midpoint)
    slope = check_float("slope", slope, min=0, min_open=True)
    return scalar_or_array(logistic(slope * (_scales(N) - midpoint)))


def multi_step_accuracy(N, k: int, midpoint: float = 9.0, slope: float = 2.0):
    """Accuracy on a task that needs ``k`` independent steps, each a skill curve: ``p(N)**k``.

    For large k this tends to a fixed shape in log10 N (a Gumbel curve,
    ``exp(-exp(-slope * (log10 N - midpoint) + ln k))``) shifted right by ln(k)/slope
    decades: the rise is delayed and hugs zero for longer, which is what looks emergent.
    """
    k = check_int("k", k, min=1, max=10_000)
    return scalar_or_array(np.asarray(skill_probability(N, midpoint, slope)) ** k)


def multi_step_scale(level: float, k, midpoint: float = 9.0, slope: float = 2.0):
    """The model size N at which a k-step task reaches accuracy ``level`` (exact inverse).

    Each step must be right with probability ``q = level**(1/k)``, so
    ``log10 N = midpoint + logit(q) / slope``. ``k`` may be an array of step counts.
    """
    level = check_float("level", level, min=0, max=1, min_open=True, max_open=True)
    k = check_array("k", k)
    if not np.issubdtype(k.dtype, np.integer) or np.any(k < 1):
        raise ValueError("k (number of steps) must hold integers >= 1")
    midpoint = check_float("midpoint", midpoint)
    slope = check_float("slope", slope, min=0, min_open=True)
    log_q = math.log(level) / k.astype(float)                 # log of the per-step success
    logit_q = log_q - np.log(-np.expm1(log_q))                 # log(q / (1 - q)), stable
    return scalar_or_array(10.0 ** (midpoint + logit_q / slope))


def knowledge_accuracy(N, n_facts: int = 2000, low: float = 7.0, high: float = 11.0,
                       slope: float = 2.0, seed: int = 0):
    """Fraction of ``n_facts`` independent facts a model of size ``N`` knows (expected).

    Fact i is known with probability ``skill_probability(N, m_i, slope)``, its midpoint
    ``m_i`` drawn uniformly from [``low``, ``high``] (decades of N): rarer facts need bigger
    models. The average of many such curves rises smoothly across the whole range, however
    steep each one is (try ``slope=50``: every fact is a step, the total is a ramp).
    """
    n_facts = check_int("n_facts", n_facts, min=1, max=100_000)
    low, high = check_float("low", low), check_float("high", high)
    if high <= low:
        raise ValueError(f"high must be > low, got low={low}, high={high}")
    slope = check_float("slope", slope, min=0, min_open=True)
    midpoints = rng_from("seed", seed).uniform(low, high, n_facts)
    logN = _scales(N)
    flat = logN.reshape(-1)
    rows = max(1, 4_000_000 // n_facts)  # bound the (sizes x facts) temporary to ~32 MB
    known = np.concatenate([logistic(slope * (flat[i:i + rows, None] - midpoints)).mean(axis=1)
                            for i in range(0, flat.size, rows)] or [np.empty(0)])
    return scalar_or_array(known.reshape(logN.shape))


def distractor_accuracy(N, strength: float = 0.8, chance: float = 0.5,
                        heuristic_midpoint: float = 8.5, skill_midpoint: float = 10.5,
                        slope: float = 2.0, cot: bool = False, cot_attenuation: float = 1.0):
    """Accuracy when a wrong heuristic is learned before the true skill (U-shaped scaling).

    With ``s = skill_probability(N, skill_midpoint, slope)`` and
    ``h = skill_probability(N, heuristic_midpoint, slope)``: the model uses the true skill
    with probability s (right); otherwise the distractor heuristic fires with probability
    ``w * h`` (always wrong); otherwise it guesses (right with probability ``chance``)::

        accuracy = s + (1 - s) * (1 - w * h) * chance,   w = strength

    Small models guess (accuracy = chance); mid-sized ones have learned the heuristic but
    not the skill (accuracy falls to (1 - w) * chance: inverse scaling); large ones have the
    skill (accuracy -> 1). With ``cot=True`` step-by-step reasoning spells out the steps and
    the distractor's weight becomes ``w * (1 - cot_attenuation)``: with the default full
    attenuation the dip disappears and accuracy rises monotonically. (This toy ignores the
    cost of reasoning for small models; Chapter 5 takes that up.)
    """
    w = check_float("strength", strength, min=0, max=1)
    chance = check_float("chance", chance, min=0, max=1)
    if not isinstance(cot, bool | np.bool_):
        raise TypeError(f"cot must be True or False, got {type(cot).__name__} {cot!r}")
    attenuation = check_float("cot_attenuation", cot_attenuation, min=0, max=1)
    if cot:
        w *= 1.0 - attenuation
    s = np.asarray(skill_probability(N, skill_midpoint, slope))
    h = np.asarray(skill_probability(N, heuristic_midpoint, slope))
    return scalar_or_array(s + (1.0 - s) * (1.0 - w * h) * chance)


# ---------------------------------------------------------------- measuring shape

def _curve(y, x, min_len: int = 2) -> tuple[np.ndarray, np.ndarray | None]:
    """(y, x) as float arrays sorted by x (x may be None: y already in order of scale)."""
    y = check_array("y", y, ndim=1, dtype=float)
    if y.size < min_len:
        raise ValueError(f"y needs at least {min_len} points, got {y.size}")
    if x is None:
        return y, None
    x = check_array("x", x, ndim=1, dtype=float)
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same length, got {x.size} and {y.size}")
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    if np.any(np.diff(x) == 0):
        raise ValueError("x must not repeat a scale (the order of the points would be ambiguous)")
    return y, x


def emergence_score(y, x=None, *, resolution: float = 0.0) -> float:
    """The BIG-bench emergence score of a curve ``y`` ordered by scale (sorted by ``x`` if given).

    ``sign(argmax y - argmin y) * (max y - min y) / sqrt(median((y[i] - y[i-1])**2))``
    (BIG-bench, Srivastava et al. 2023; as used by Schaeffer et al. 2023). Large when the curve rises
    in a few big steps; an evenly rising curve of n points scores n - 1; negative when the
    maximum comes before the minimum.

    Degenerate curves, decided explicitly: a constant curve scores 0.0 (no change, no
    emergence). If most steps are exactly zero the median step is zero and the score is
    +inf or -inf (all of the change happens in a few steps). ``resolution`` (same units as
    y, e.g. one test problem) puts a floor under the denominator: steps smaller than the
    measurement can resolve are not counted as "smaller than the jump" without limit.
    """
    y, _ = _curve(y, x)
    resolution = check_float("resolution", resolution, min=0)
    spread = float(y.max() - y.min())
    if spread == 0.0:
        return 0.0
    sign = float(np.sign(int(np.argmax(y)) - int(np.argmin(y))))
    typical = max(math.sqrt(float(np.median(np.diff(y) ** 2))), resolution)
    return sign * math.inf if typical == 0.0 else sign * spread / typical


@dataclass(frozen=True)
class CurveShape:
    """What :func:`describe_scaling_curve` measured, and the label it implies.

    Fractions of the range are relative to ``max y - min y``; positions are fractions of the
    x-range (of log10 x on a log axis).
    """

    label: str
    reason: str
    score: float
    dip: float
    recovery: float
    end_drop: float
    rise_start: float
    rise_width: float


def describe_scaling_curve(x, y, *, log_x: bool = True, dip: float = DIP, sharp: float = SHARP,
                           late: float = LATE, noise: float = 0.0) -> CurveShape:
    """Measure a scaling curve (score ``y`` at scales ``x``) and label its shape.

    The rule, applied in order to the curve sorted by x (R = max y - min y, the range):

    1. **flat** if R <= ``noise``.
    2. **u-shaped** if the lowest point is inside the curve (not first or last), the curve
       falls into it from an earlier point by at least ``dip`` * R *and* climbs out of it by
       at least ``dip`` * R afterwards (every threshold is at least ``noise``).
    3. **inverse** if the curve ends at least ``dip`` * R below its best value, or its best
       value comes before its worst: bigger models do worse at the large end (falling curves,
       and U-shapes that have not recovered yet).
    4. Otherwise the curve rises (any dip before its lowest point is too small to count).
       Let f = (y - min y) / R, followed from the lowest point on. **emergent** if f goes from
       ``RISE_LEVEL`` to 1 - ``RISE_LEVEL`` within at most ``sharp`` of the x-range (a sharp
       rise) *and* first reaches ``RISE_LEVEL`` only after ``late`` of the x-range (a stretch of
       small models without the ability); else **smooth**. (With ``noise`` above
       ``RISE_LEVEL`` * R the two levels move inwards, to
       ``noise`` above the floor and below the top: wobbles on the floor do not count as
       the start of the rise.)

    Positions are measured on log10 x when ``log_x`` (the usual axis for model size), on x
    itself otherwise: the same data can be emergent on one axis and smooth on the other.
    Crossings interpolate linearly between neighbouring models, so with sparse models the
    measured width is at least the gap between them. The emergence score is reported but
    not used: it grows with the number of points and cannot tell where the rise happens.
    """
    y, x = _curve(y, x, min_len=3)
    if not isinstance(log_x, bool | np.bool_):
        raise TypeError(f"log_x must be True or False, got {type(log_x).__name__} {log_x!r}")
    dip = check_float("dip", dip, min=0, max=1, min_open=True)
    sharp = check_float("sharp", sharp, min=0, max=1, min_open=True)
    late = check_float("late", late, min=0, max=1)
    noise = check_float("noise", noise, min=0)
    if log_x and np.any(x <= 0):
        raise ValueError("x must be positive on a log axis (pass log_x=False for other scales)")
    t = np.log10(x) if log_x else x
    score = emergence_score(y)
    spread = float(y.max() - y.min())
    nan = float("nan")
    if spread <= noise:
        return CurveShape("flat", f"changes by {spread:.3g}, no more than the noise {noise:.3g}",
                          score, 0.0, 0.0, 0.0, nan, nan)
    threshold = max(dip * spread, noise)
    low = int(np.argmin(y))
    fall = float(y[:low + 1].max() - y[low])
    climb = float(y[low:].max() - y[low])
    end_drop = float(y.max() - y[-1])
    shape = functools.partial(CurveShape, score=score, dip=fall / spread,
                              recovery=climb / spread, end_drop=end_drop / spread)
    if 0 < low < y.size - 1 and fall >= threshold and climb >= threshold:
        return shape(label="u-shaped", reason=f"falls by {fall / spread:.0%} of its range to a "
                     f"minimum at point {low + 1} of {y.size}, then climbs {climb / spread:.0%}",
                     rise_start=nan, rise_width=nan)
    if end_drop >= threshold or int(np.argmax(y)) < low:
        return shape(label="inverse", reason=f"ends {end_drop / spread:.0%} of its range below "
                     f"its best value, which is at point {int(np.argmax(y)) + 1} of {y.size}",
                     rise_start=nan, rise_width=nan)
    f = (y[low:] - y[low]) / spread  # the rise out of the lowest point
    band = min(max(RISE_LEVEL, noise / spread), 0.5)  # RISE_LEVEL of the range, or the noise
    t_lo, t_hi = first_crossing(t[low:], f, band), first_crossing(t[low:], f, 1.0 - band)
    span = float(t[-1] - t[0])
    start, width = (t_lo - t[0]) / span, (t_hi - t_lo) / span
    emergent = width <= sharp and start >= late
    axis = "log-scale" if log_x else "linear"
    return shape(label="emergent" if emergent else "smooth",
                 reason=f"rises from {band:.0%} to {1 - band:.0%} of its range within "
                 f"{width:.0%} of the {axis} x-range, starting at {start:.0%} of it",
                 rise_start=float(start), rise_width=float(width))


def classify_scaling_curve(x, y, *, log_x: bool = True, dip: float = DIP, sharp: float = SHARP,
                           late: float = LATE, noise: float = 0.0) -> str:
    """"smooth", "emergent", "u-shaped" or "inverse" ("flat" if y does not change).

    The rule is :func:`describe_scaling_curve`'s; use that to see the numbers behind a label.
    """
    return describe_scaling_curve(x, y, log_x=log_x, dip=dip, sharp=sharp, late=late,
                                  noise=noise).label


def gpt3_shapes(resolution: float = 100 / GPT3_INSTANCES) -> dict:
    """Every GPT-3 arithmetic curve measured, keyed by ``(task, setting)``.

    Each value holds the curve (``x`` parameters, ``y`` accuracy in %, ``known`` where it is
    not NaN, ``transcribed``) and, for curves with at least 3 known points, the emergence
    ``score``, the score with a ``resolution`` floor (``score_floor``; default one problem of
    2,000, in percent) and the :class:`CurveShape` on a ``"log"`` and a ``"linear"`` size axis.
    """
    resolution = check_float("resolution", resolution, min=0)
    data = {}
    for task in GPT3_TASKS:
        for setting in GPT3_SETTINGS:
            x, y = gpt3_arithmetic(task, setting)
            known = np.isfinite(y)
            entry = {"x": x, "y": y, "known": known, "transcribed": gpt3_transcribed(task, setting)}
            if known.sum() >= 3:
                entry["score"] = emergence_score(y[known])
                entry["score_floor"] = emergence_score(y[known], resolution=resolution)
                for axis in ("log", "linear"):
                    entry[axis] = describe_scaling_curve(x[known], y[known], log_x=axis == "log")
            data[task, setting] = entry
    return data
