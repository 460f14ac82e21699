"""Curve utilities: the small numeric helpers every chapter uses on sampled curves.

- :func:`scalar_or_array`: a float for a 0-d result, else the array (how every vectorised
  function of the course returns).
- :func:`logistic`: the logistic function ``1 / (1 + exp(-z))``, without overflow.
- :func:`first_reaching`: the first x (a step, a size) at which a curve reaches a level.
- :func:`first_crossing`: the same, interpolated linearly between the two samples around it.
- :func:`longest_run`: the largest x up to which a curve stays at or above a level.
- :func:`loglog_slope`: the straight-line fit of log y against log x (a power law's exponent).
"""
from __future__ import annotations

import numpy as np

from ._validate import check_array, check_float

__all__ = ["scalar_or_array", "logistic", "first_reaching", "first_crossing", "longest_run",
           "loglog_slope"]


def scalar_or_array(values):
    """A float for 0-d results, else the array."""
    return float(values) if np.ndim(values) == 0 else values


def logistic(z):
    """``1 / (1 + exp(-z))`` for any array, written as ``(1 + tanh(z / 2)) / 2``: no overflow."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))


def _xy(x, values, ndim=(1,)) -> tuple[np.ndarray, np.ndarray]:
    x = check_array("x", x, ndim=1, dtype=float)
    values = check_array("values", values, dtype=float, finite=False)
    if values.ndim not in ndim or values.shape[0] != len(x):
        raise ValueError(f"values must have one row per x ({len(x)}), got shape {values.shape}")
    return x, values


def first_reaching(x, values, level: float):
    """The first ``x`` at which ``values >= level`` (NaN if never).

    ``values`` is one curve (same length as ``x``: returns a float) or one curve per column
    (shape ``(len(x), columns)``: returns an array of floats). No interpolation: ``x`` are the
    points where the curve was measured (evaluation steps, model sizes).
    """
    x, values = _xy(x, values, ndim=(1, 2))
    level = check_float("level", level)
    if not len(x):
        return scalar_or_array(np.full(values.shape[1:], np.nan))
    hit = values >= level
    return scalar_or_array(np.where(hit.any(axis=0), x[np.argmax(hit, axis=0)], np.nan))


def first_crossing(x, values, level: float = 0.5) -> float:
    """Where a sampled curve first reaches ``level``, interpolating linearly in ``x``.

    The rule at the ends: a curve that starts at or above ``level`` crosses at ``x[0]``;
    one that never reaches it gives NaN.
    """
    x, values = _xy(x, values)
    level = check_float("level", level)
    above = np.flatnonzero(values >= level)
    if not above.size:
        return float("nan")
    i = int(above[0])
    if i == 0:
        return float(x[0])
    return float(x[i - 1] + (level - values[i - 1]) * (x[i] - x[i - 1])
                 / (values[i] - values[i - 1]))


def longest_run(x, values, level: float = 0.9) -> int | None:
    """The largest ``x`` up to which every value is at least ``level`` (None if the first is not).

    E.g. the longest chain length ``k`` a learner still solves: ``x`` the chain lengths
    (increasing), ``values`` the accuracy at each.
    """
    x, values = _xy(x, values)
    level = check_float("level", level)
    ok = values >= level
    n = len(ok) if ok.all() else int(np.argmin(ok))
    return int(x[n - 1]) if n else None


def loglog_slope(x, y) -> tuple[float, float]:
    """``(slope, intercept)`` of the least-squares line ``log y = slope * log x + intercept``.

    Only points where both are finite and positive count (e.g. subtasks never learned, NaN,
    drop out); ``x`` is broadcast to the shape of ``y``. Needs two such points.
    """
    y = check_array("y", y, dtype=float, finite=False)
    x = np.broadcast_to(check_array("x", x, dtype=float, finite=False), y.shape)
    ok = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
    if np.count_nonzero(ok) < 2:
        raise ValueError("x and y need at least two points that are finite and positive")
    slope, intercept = np.polyfit(np.log(x[ok]), np.log(y[ok]), 1)
    return float(slope), float(intercept)
