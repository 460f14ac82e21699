"""Scaling laws: fitting power laws, and the published laws of Kaplan et al. and Chinchilla.

- ``fit_power_law(x, y)`` fits ``y = a·x^b`` (least squares in log space) or, with
  ``offset=True``, ``y = c + a·x^b`` with an irreducible term ``c``; it returns the exponent,
  prefactor, offset and their standard errors, and can predict with an error band.
- ``kaplan_loss_N``, ``kaplan_loss_D``, ``kaplan_loss_C`` and ``kaplan_loss_ND`` are the laws of
  Kaplan et al. 2020 (arXiv:2001.08361); ``chinchilla_loss(N, D, fit=...)`` is the parametric
  law ``E + A/N^α + B/D^β`` of Hoffmann et al. 2022 (arXiv:2203.15556) or its refit by
  Besiroglu et al. 2024 (arXiv:2404.10102).
- ``compute_optimal(C, fit=...)`` splits a training budget of ``C`` FLOPs into parameters
  ``N`` and tokens ``D`` with ``C = 6ND`` so that the parametric loss is lowest.

Every published constant is read from ``emergence/data/*.csv``, where each row names its
source; nothing here retypes a published number.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ._validate import check_array, check_choice, check_float, check_int, rng_from
from .curves import scalar_or_array
from .data import read_table

__all__ = ["PF_DAY", "FLOPS_PER_PARAM_TOKEN", "PowerLawFit", "ChinchillaFit",
           "fit_power_law", "kaplan_constants", "kaplan_loss_N", "kaplan_loss_D",
           "kaplan_loss_C", "kaplan_loss_ND", "chinchilla_fit", "chinchilla_loss",
           "chinchilla_loss_N", "sample_losses",
           "training_flops", "compute_optimal", "allocation_exponents", "FITS"]

PF_DAY = 1e15 * 24 * 3600
"""One petaflop/s-day in FLOPs (8.64e19): Kaplan et al. measure compute in PF-days."""
FLOPS_PER_PARAM_TOKEN = 6
"""Training FLOPs per parameter per token: ``C ≈ 6ND`` (forward 2, backward 4)."""
FITS = ("hoffmann2022", "hoffmann2022_unrounded", "besiroglu2024")


# ---------------------------------------------------------------- published tables

@lru_cache(maxsize=None)
def kaplan_constants() -> dict:
    """Kaplan et al. 2020 constants by ``(law, parameter)``, e.g. ``("L(N)", "alpha_N")``."""
    return {(row["law"], row["parameter"]): row["value"] for row in read_table("kaplan2020_constants")}


@dataclass(frozen=True)
class ChinchillaFit:
    """A parametric fit ``L(N, D) = E + A/N^alpha + B/D^beta`` and its standard errors."""

    name: str
    E: float
    A: float
    B: float
    alpha: float
    beta: float
    se: dict
    source: str


@lru_cache(maxsize=None)
def chinchilla_fit(fit: str = "hoffmann2022") -> ChinchillaFit:
    """The named fit from ``chinchilla_fits.csv`` (``"hoffmann2022"``: Eq. 10 as printed)."""
    check_choice("fit", fit, FITS)
    row = next(r for r in read_table("chinchilla_fits") if r["fit"] == fit)
    se = {k: row[f"{k}_se"] for k in ("E", "A", "B", "alpha", "beta") if row[f"{k}_se"] is not None}
    return ChinchillaFit(fit, row["E"], row["A"], row["B"], row["alpha"], row["beta"], se,
                         row["source"])


# ---------------------------------------------------------------- argument checks

def _positive(name: str, value) -> np.ndarray:
    """``value`` as a float array of positive finite numbers (scalars allowed)."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a positive number or array, got bool")
    arr = check_array(name, value, dtype=float)
    if np.any(arr <= 0):
        raise ValueError(f"{name} must be positive, got a minimum of {arr.min():g}")
    return arr


# ---------------------------------------------------------------- Kaplan et al. 2020

def kaplan_loss_N(N):
    """``L(N) = (N_c/N)^alpha_N``: loss (nats/token) of a model with ``N`` non-embedding
    parameters trained to convergence on enough data (Kaplan et al. 2020, §1.2)."""
    k = kaplan_constants()
    return scalar_or_array((k["L(N)", "N_c"] / _positive("N", N)) ** k["L(N)", "alpha_N"])


def kaplan_loss_D(D):
    """``L(D) = (D_c/D)^alpha_D``: loss of a large model trained on ``D`` tokens with early
    stopping (Kaplan et al. 2020, §1.2)."""
    k = kaplan_constants()
    return scalar_or_array((k["L(D)", "D_c"] / _positive("D", D)) ** k["L(D)", "alpha_D"])


def kaplan_loss_C(C_min):
    """``L(C_min) = (C_c^min/C_min)^alpha_C^min`` with ``C_min`` in PF-days (divide FLOPs by
    ``PF_DAY``): loss for compute ``C_min`` allocated optimally (Kaplan et al. 2020, §1.2)."""
    k = kaplan_constants()
    return scalar_or_array((k["L(C_min)", "C_c_min"] / _positive("C_min", C_min)) ** k["L(C_min)", "alpha_C_min"])


def kaplan_loss_ND(N, D):
    """``L(N, D) = [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D``, Kaplan et al. 2020 Eq. 1.5
    with the Table 2 constants: the loss when both model size and data are finite."""
    k = kaplan_constants()
    N, D = np.broadcast_arrays(_positive("N", N), _positive("D", D))
    aN, aD = k["L(N,D)", "alpha_N"], k["L(N,D)", "alpha_D"]
    return scalar_or_array(((k["L(N,D)", "N_c"] / N) ** (aN / aD) + k["L(N,D)", "D_c"] / D) ** aD)


# ---------------------------------------------------------------- Chinchilla

def chinchilla_loss(N, D, fit: str = "hoffmann2022"):
    """``L(N, D) = E + A/N^alpha + B/D^beta`` (nats/token) for ``N`` parameters trained on
    ``D`` tokens, with the constants of ``fit``: ``"hoffmann2022"`` (Hoffmann et al. 2022,
    Eq. 10 as printed), ``"hoffmann2022_unrounded"`` or ``"besiroglu2024"`` (the refit)."""
    f = chinchilla_fit(fit)
    N, D = np.broadcast_arrays(_positive("N", N), _positive("D", D))
    return scalar_or_array(f.E + f.A / N ** f.alpha + f.B / D ** f.beta)


def chinchilla_loss_N(N, fit: str = "hoffmann2022"):
    """``E + A/N^alpha``: the parametric loss of ``N`` parameters with unlimited data."""
    f = chinchilla_fit(fit)
    return scalar_or_array(f.E + f.A / _positive("N", N) ** f.alpha)


def sample_losses(decades: int, noise: float, n: int = 10, fit: str = "hoffmann2022"):
    """``(N, loss)``: ``n`` model sizes from 1e6 over ``decades`` decades and their
    :func:`chinchilla_loss_N` with multiplicative log-normal noise of width ``noise`` (seeded by
    the two settings): data to fit a scaling law to, with a known truth."""
    decades = check_int("decades", decades, min=1, max=12)
    noise = check_float("noise", noise, min=0, max=1)
    n = check_int("n", n, min=2, max=10_000)
    N = np.geomspace(1e6, 1e6 * 10.0 ** decades, n)
    rng = np.random.default_rng([decades, round(1000 * noise)])
    return N, chinchilla_loss_N(N, fit) * np.exp(rng.normal(0, noise, n))


def training_flops(N, D):
    """Training compute ``C ≈ 6·N·D`` FLOPs for ``N`` parameters and ``D`` tokens."""
    N, D = np.broadcast_arrays(_positive("N", N), _positive("D", D))
    return scalar_or_array(FLOPS_PER_PARAM_TOKEN * N * D)


def allocation_exponents(fit: str = "hoffmann2022") -> tuple[float, float]:
    """``(a, b)`` with ``N_opt ∝ C^a`` and ``D_opt ∝ C^b``: ``a = beta/(alpha+beta)``, ``b = 1 - a``."""
    f = chinchilla_fit(fit)
    a = f.beta / (f.alpha + f.beta)
    return a, 1.0 - a


def compute_optimal(C, fit: str = "hoffmann2022"):
    """The compute-optimal ``(N_opt, D_opt)`` for a budget of ``C`` FLOPs under ``C = 6ND``.

    Minimising ``E + A/N^alpha + B/D^beta`` with ``D = C/(6N)`` gives, in closed form,
    ``N_opt = G·(C/6)^(beta/(alpha+beta))`` and ``D_opt = (C/6)/N_opt`` with
    ``G = (alpha·A/(beta·B))^(1/(alpha+beta))``.
    """
    f = chinchilla_fit(fit)
    budget = _positive("C", C) / FLOPS_PER_PARAM_TOKEN
    G = (f.alpha * f.A / (f.beta * f.B)) ** (1.0 / (f.alpha + f.beta))
    N = G * budget ** (f.beta / (f.alpha + f.beta))
    return scalar_or_array(N), scalar_or_array(budget / N)


# ---------------------------------------------------------------- fitting power laws

@dataclass(frozen=True)
class PowerLawFit:
    """``y = offset + prefactor·x^exponent``, fitted by least squares on ``log y``.

    ``*_se`` are standard errors (from the residuals, or bootstrap standard deviations when
    ``method`` says so); ``cov`` is the covariance of ``(log prefactor, exponent[, offset])``
    used by :meth:`band`; ``rms`` is the root-mean-square residual in natural-log units
    (0.01 ≈ a 1 % typical misfit).
    """

    exponent: float
    prefactor: float
    offset: float
    exponent_se: float
    prefactor_se: float
    offset_se: float
    rms: float
    n: int
    method: str
    cov: np.ndarray

    def __call__(self, x):
        """The fitted curve at ``x``."""
        return scalar_or_array(self.offset + self.prefactor * _positive("x", x) ** self.exponent)

    def band(self, x, z: float = 2.0):
        """``(low, high)``: the curve at ``x`` ± ``z`` standard errors (delta method in log
        space), the uncertainty of an extrapolation from the fitted parameters alone."""
        z = check_float("z", z, min=0)
        x = _positive("x", x)
        power = self.prefactor * x ** self.exponent
        y = self.offset + power
        # gradient of log y with respect to (log a, b[, c])
        grads = [power / y, power * np.log(x) / y]
        if self.cov.shape[0] == 3:
            grads.append(1.0 / y)
        g = np.stack(grads, axis=-1)
        sd = np.sqrt(np.einsum("...i,ij,...j->...", g, self.cov, g))
        return scalar_or_array(y * np.exp(-z * sd)), scalar_or_array(y * np.exp(z * sd))

    def summary(self, digits: int = 3) -> str:
        digits = check_int("digits", digits, min=1, max=10)
        text = (f"exponent {self.exponent:.{digits}f} ± {self.exponent_se:.{digits}f}, "
                f"prefactor {self.prefactor:.{digits}g} ± {self.prefactor_se:.{digits}g}")
        if self.cov.shape[0] == 3:
            text += f", offset {self.offset:.{digits}g} ± {self.offset_se:.{digits}g}"
        return text + f" (rms log residual {self.rms:.2g}, n = {self.n}, {self.method})"


def _linear_fit(lx: np.ndarray, ly: np.ndarray):
    """Least squares ``ly = la + b·lx``: (la, b, residuals)."""
    A = np.stack([np.ones_like(lx), lx], axis=1)
    (la, b), *_ = np.linalg.lstsq(A, ly, rcond=None)
    return la, b, ly - la - b * lx


def _offset_residuals(theta, lx, ly):
    la, b, c = theta
    model = c + np.exp(la + b * lx)
    return ly - np.log(model)


def _offset_fit(lx: np.ndarray, ly: np.ndarray, y_min: float):
    """Minimise sum (log y - log(c + a x^b))² over 0 <= c < min y: profile grid, then
    Levenberg-Marquardt. Returns (theta = (log a, b, c), residuals, Jacobian)."""
    c_max = y_min * (1 - 1e-9)
    best = None
    for c in y_min * (1 - np.geomspace(1, 1e-6, 200)) if y_min > 0 else [0.0]:
        la, b, _ = _linear_fit(lx, np.log(np.exp(ly) - c))
        sse = float(np.sum(_offset_residuals((la, b, c), lx, ly) ** 2))
        if best is None or sse < best[0]:
            best = (sse, np.array([la, b, c]))
    theta, lam = best[1], 1e-3

    def jacobian(t):
        la, b, c = t
        power = np.exp(la + b * lx)
        model = c + power
        return -np.stack([power / model, power * lx / model, 1.0 / model], axis=1)

    r = _offset_residuals(theta, lx, ly)
    for _ in range(200):
        J = jacobian(theta)
        H, g = J.T @ J, J.T @ r
        step = np.linalg.solve(H + lam * np.diag(np.diag(H) + 1e-12), -g)
        trial = theta + step
        trial[2] = min(max(trial[2], 0.0), c_max)
        r_trial = _offset_residuals(trial, lx, ly)
        if np.all(np.isfinite(r_trial)) and r_trial @ r_trial < r @ r:
            done = (r @ r - r_trial @ r_trial) <= 1e-14 * (1 + r @ r)
            theta, r, lam = trial, r_trial, max(lam / 10, 1e-12)
            if done:
                break
        else:
            lam *= 10
            if lam > 1e12:
                break
    return theta, r, jacobian(theta)


def _fit_once(lx, ly, offset: bool):
    """(theta, residuals, covariance) for one data set; theta = (log a, b[, c])."""
    if not offset:
        la, b, r = _linear_fit(lx, ly)
        J = -np.stack([np.ones_like(lx), lx], axis=1)
        theta = np.array([la, b])
    else:
        theta, r, J = _offset_fit(lx, ly, float(np.exp(ly).min()))
    dof = len(lx) - len(theta)
    s2 = float(r @ r) / dof
    cov = s2 * np.linalg.pinv(J.T @ J)
    return theta, r, cov


def fit_power_law(x, y, *, offset: bool = False, bootstrap: int = 0, seed: int = 0) -> PowerLawFit:
    """Fit ``y = a·x^b`` (``offset=False``) or ``y = c + a·x^b`` (``offset=True``).

    Both are least squares on ``log y`` (relative errors, as suits data spanning decades).
    Without the offset this is a straight line through ``(log x, log y)``. With it, the
    irreducible term ``c`` is searched on a grid in ``[0, min y)`` and then refined together
    with ``a`` and ``b`` by Levenberg–Marquardt. Standard errors come from the residuals
    (``s²·(JᵀJ)⁻¹``); with ``bootstrap=n`` they are instead the standard deviations over ``n``
    refits to resampled points (seeded by ``seed``). ``b`` is negative for a falling curve.
    """
    x = check_array("x", x, ndim=1, dtype=float)
    y = check_array("y", y, ndim=1, dtype=float)
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same length, got {len(x)} and {len(y)}")
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("x and y must be positive (a power law is fitted on their logarithms)")
    if not isinstance(offset, (bool, np.bool_)):
        raise TypeError(f"offset must be True or False, got {offset!r}")
    need = 4 if offset else 3
    if len(x) < need:
        raise ValueError(f"x and y need at least {need} points for this fit (one more than its "
                         f"parameters, to estimate the uncertainty), got {len(x)}")
    if np.ptp(np.log(x)) == 0:
        raise ValueError("x must take at least two different values")
    bootstrap = check_int("bootstrap", bootstrap, min=0)
    lx, ly = np.log(x), np.log(y)
    theta, r, cov = _fit_once(lx, ly, bool(offset))
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    method = "standard errors from residuals"
    if bootstrap:
        rng = rng_from("seed", seed)
        draws = []
        for _ in range(bootstrap):
            idx = rng.integers(0, len(x), len(x))
            if np.ptp(lx[idx]) == 0 or len(np.unique(idx)) < need:
                continue
            draws.append(_fit_once(lx[idx], ly[idx], bool(offset))[0])
        if len(draws) < 2:
            raise ValueError("bootstrap resamples were all degenerate; use more points")
        draws = np.array(draws)
        cov = np.atleast_2d(np.cov(draws, rowvar=False))
        se = draws.std(axis=0, ddof=1)
        method = f"bootstrap standard deviations over {len(draws)} resamples"
    a = float(np.exp(theta[0]))
    return PowerLawFit(exponent=float(theta[1]), prefactor=a,
                       offset=float(theta[2]) if offset else 0.0,
                       exponent_se=float(se[1]), prefactor_se=float(a * se[0]),
                       offset_se=float(se[2]) if offset else 0.0,
                       rms=float(np.sqrt(np.mean(r ** 2))), n=len(x), method=method, cov=cov)
