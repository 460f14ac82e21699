"""Chapter 2 demo frames: the compute-optimal calculator, power-law fitting pitfalls, loss
curves against N, D and C, and the multitask sparse parity sweep."""
from __future__ import annotations

import numpy as np
from matplotlib import colormaps
from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, NullLocator, ScalarFormatter

from .. import scaling as sc
from ..figures import PALETTE, line_label

FIT_LABELS = {"hoffmann2022": "Hoffmann et al. 2022 (Eq. 10)",
              "besiroglu2024": "Besiroglu et al. 2024 (refit)"}


def sci(x: float, digits: int = 2) -> str:
    """1.4e+12 -> '1.4e12' (short scientific notation for labels and alt text)."""
    mantissa, exponent = f"{x:.{digits - 1}e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def plain_log_y(ax, ticks) -> None:
    """Label a log-scaled y axis with plain numbers at ``ticks`` (no 6×10⁰)."""
    ax.yaxis.set_major_locator(FixedLocator(ticks))
    ax.yaxis.set_major_formatter(ScalarFormatter())
    ax.yaxis.set_minor_locator(NullLocator())


def title(ax, text: str) -> None:
    """An axes title at a fixed height: matplotlib's automatic title placement measures every
    tick label and was half the cost of a frame."""
    ax.set_title(text, y=1.0, pad=4, fontsize=10)


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _power_of_ten(value, _pos=None) -> str:
    """10¹⁴ as plain text: log-axis labels in mathtext were a quarter of a frame's cost."""
    if value <= 0:
        return ""
    exponent = np.log10(value)
    if abs(exponent - round(exponent)) > 1e-6:
        return ""
    return "10" + str(int(round(exponent))).translate(_SUPERSCRIPT)


def lean_log(*axes, every: int = 1) -> None:
    """Log axes without minor ticks, with a major tick every ``every`` decades and plain-text
    labels: frames draw several times faster (tick labels dominate the cost of a frame)."""
    for ax in axes:
        for axis, scale in ((ax.xaxis, ax.get_xscale()), (ax.yaxis, ax.get_yscale())):
            if scale == "log":
                axis.set_minor_locator(NullLocator())
                axis.set_major_locator(LogLocator(base=10.0 ** every))
                axis.set_major_formatter(FuncFormatter(_power_of_ten))


# ---------------------------------------------------------------- compute-optimal calculator

def draw_compute_optimal(fig, log10_C, fit, *, table3, models):
    """Left: loss along C = 6ND against N for one budget, minimum marked. Right: N_opt and
    D_opt against C for both fits, with Chinchilla's Table 3 and the Chinchilla/Gopher runs."""
    left, right = fig.subplots(1, 2, width_ratios=[1, 1.1])
    C = 10.0 ** log10_C
    other = next(f for f in FIT_LABELS if f != fit)
    N = np.geomspace(max(1e5, C / 6 / 1e15), min(1e14, C / 6 / 1e5), 300)
    for name, style in ((fit, dict(lw=2.5, color=PALETTE[0])),
                        (other, dict(lw=1, ls="--", color="grey"))):
        left.plot(N, sc.chinchilla_loss(N, C / 6 / N, name), label=FIT_LABELS[name], **style)
    N_opt, D_opt = sc.compute_optimal(C, fit)
    loss = sc.chinchilla_loss(N_opt, D_opt, fit)
    N_alt, D_alt = sc.compute_optimal(C, other)
    left.plot([N_opt], [loss], "o", color="black", ms=7, zorder=3)
    left.plot([N_alt], [sc.chinchilla_loss(N_alt, D_alt, other)], "o", color="grey", ms=5, zorder=3)
    f = sc.chinchilla_fit(fit)
    top = f.E + 1.2 * (sc.chinchilla_loss(N[[0, -1]], C / 6 / N[[0, -1]], fit).min() - f.E)
    left.set(xscale="log", xlabel="parameters N (tokens D = C / 6N)", ylabel="loss (nats/token)",
             ylim=(f.E - 0.05, max(top, loss + 0.3)))
    title(left, f"budget C = {sci(C)} FLOPs")
    left.text(0.03, 0.04, f"N_opt = {sci(N_opt)}\nD_opt = {sci(D_opt)}\nD/N = {D_opt / N_opt:.0f}"
              f"\nloss = {loss:.3f}", transform=left.transAxes, fontsize=8, va="bottom",
              bbox=dict(facecolor="white", edgecolor="none", alpha=0.8))
    left.legend(fontsize=7, loc="upper center")

    Cs = np.logspace(17, 27, 60)
    for name, alpha_ in ((fit, 1.0), (other, 0.35)):
        Ns, Ds = sc.compute_optimal(Cs, name)
        right.plot(Cs, Ns, color=PALETTE[0], alpha=alpha_, lw=2 if name == fit else 1)
        right.plot(Cs, Ds, color=PALETTE[1], alpha=alpha_, lw=2 if name == fit else 1)
    t_N, t_D = np.array([r["parameters"] for r in table3]), np.array([r["tokens"] for r in table3])
    right.plot(6 * t_N * t_D, t_N, "s", color=PALETTE[0], mfc="white", ms=5,
               label="Table 3: parameters")
    right.plot(6 * t_N * t_D, t_D, "s", color=PALETTE[1], mfc="white", ms=5, label="Table 3: tokens")
    for (name, (mN, mD)), marker in zip(models.items(), ("*", "P")):
        right.plot([6 * mN * mD] * 2, [mN, mD], marker, color="black", ms=8, ls=":", lw=0.8,
                   label=f"{name} (N and D)")
    right.plot([C, C], [N_opt, D_opt], "o", color="black", ms=6)
    right.axvline(C, color="grey", lw=0.8, ls=":")
    right.set(xscale="log", yscale="log", xlabel="compute C (FLOPs)",
              ylabel="N_opt (blue), D_opt (orange)", ylim=(1e6, 1e15))
    title(right, "bold: this fit; faint: the other")
    right.legend(fontsize=6.5, loc="upper left")
    lean_log(left, right, every=2)
    return (f"Budget {sci(C)} FLOPs with the {FIT_LABELS[fit]} fit: the lowest loss along "
            f"C = 6ND is {loss:.3f} nats/token at N = {sci(N_opt)} parameters and D = "
            f"{sci(D_opt)} tokens, {D_opt / N_opt:.0f} tokens per parameter. The other fit puts "
            f"the optimum at N = {sci(N_alt)}, D = {sci(D_alt)} ({D_alt / N_alt:.0f} tokens per "
            "parameter).")


# ---------------------------------------------------------------- power-law fitting pitfalls

def draw_power_law_fit(fig, decades, noise, model, *, samples, truth, target):
    """Noisy samples of a law with a floor, a fit over a short range, and its extrapolation."""
    ax = fig.subplots()
    N, L = samples[decades, noise]
    offset = model == "power law + offset"
    fit = sc.fit_power_law(N, L, offset=offset)
    grid = np.geomspace(N[0], target * 3, 200)
    ax.plot(grid, truth(grid), "--", color="grey", lw=1.2, label="true law 1.69 + 406.4/N^0.34")
    ax.plot(N, L, "o", color="black", ms=4, label=f"{len(N)} noisy samples", zorder=3)
    lo, hi = fit.band(grid)
    ax.fill_between(grid, lo, hi, color=PALETTE[0], alpha=0.2, lw=0, label="fit ± 2 s.e.")
    ax.plot(grid, fit(grid), color=PALETTE[0], lw=2, label=f"fit: {model}")
    ax.axvspan(N[0], N[-1], color=PALETTE[2], alpha=0.08)
    ax.axvline(target, color=PALETTE[1], lw=1, ls=":")
    pred, true = fit(target), truth(target)
    t_lo, t_hi = fit.band(target)
    ax.plot([target], [pred], "o", color=PALETTE[1], ms=7, zorder=4)
    ax.set(xscale="log", yscale="log", xlabel="parameters N", ylabel="loss",
           ylim=(0.4, 12))
    title(ax, f"fit over {decades} decade{'s' if decades > 1 else ''}, {100 * noise:g}% noise: "
          f"exponent {fit.exponent:.2f} ± {fit.exponent_se:.2f} (true −0.34)")
    ax.text(0.98, 0.96, f"at N = {sci(target, 1)}:\npredicted {pred:.2f} "
            f"[{t_lo:.2f}, {t_hi:.2f}]\ntrue {true:.2f}", transform=ax.transAxes, ha="right",
            va="top", fontsize=8, color=PALETTE[1],
            bbox=dict(facecolor="white", edgecolor="none", alpha=0.8))
    lean_log(ax)
    plain_log_y(ax, [0.5, 1, 2, 3, 5, 10])
    ax.legend(fontsize=7, loc="lower left")
    return (f"Fitting a {model} to {len(N)} samples spanning {decades} decade"
            f"{'s' if decades > 1 else ''} of N with {100 * noise:g}% noise gives exponent "
            f"{fit.exponent:.2f} ± {fit.exponent_se:.2f} (true law: 1.69 + 406.4 N^-0.34). "
            f"Extrapolated to N = {sci(target, 1)} it predicts a loss of {pred:.2f} (2-s.e. band "
            f"{t_lo:.2f} to {t_hi:.2f}); the true value is {true:.2f}.")


# ---------------------------------------------------------------- loss against N, D and C

def draw_loss_curves(fig, vary, log10_fixed, fit, *, fixed_values):
    """Loss against the varied quantity for several values of the other (left) and the same
    curves against compute C = 6ND with the compute-optimal frontier (right)."""
    left, right = fig.subplots(1, 2)
    f = sc.chinchilla_fit(fit)
    x = np.logspace(6, 14, 200)
    vary_N = vary == "parameters N"
    fixed_name = "D" if vary_N else "N"
    cmap = colormaps["viridis"]
    chosen = None
    for i, lf in enumerate(fixed_values):
        other = 10.0 ** lf
        N, D = (x, other) if vary_N else (other, x)
        loss = sc.chinchilla_loss(N, D, fit)
        C = sc.training_flops(N, D)
        bold = np.isclose(lf, log10_fixed)
        style = dict(color=cmap(i / max(1, len(fixed_values) - 1) * 0.9),
                     lw=2.5 if bold else 1, alpha=1 if bold else 0.45)
        left.plot(x, loss, label=f"{fixed_name} = 1e{lf:g}", **style)
        right.plot(C, loss, **style)
        if bold:
            chosen = (loss, C, other)
    loss, C, other = chosen
    floor = f.E + (f.B / other ** f.beta if vary_N else f.A / other ** f.alpha)
    left.axhline(floor, color="black", ls="--", lw=1)
    left.axhline(f.E, color="grey", ls=":", lw=1)
    line_label(left, "irreducible E", y=f.E)
    left.set(xscale="log", yscale="log", ylim=(f.E * 0.97, 8),
             xlabel="parameters N" if vary_N else "tokens D", ylabel="loss (nats/token)")
    title(left, f"{fixed_name} fixed; floor E + {'B/D^β' if vary_N else 'A/N^α'} dashed")
    left.legend(fontsize=6.5, loc="upper right")
    lean_log(left, right, every=2)
    plain_log_y(left, [2, 3, 4, 6, 8])
    Cs = np.logspace(12, 30, 200)
    frontier = sc.chinchilla_loss(*sc.compute_optimal(Cs, fit), fit)
    right.plot(Cs, frontier, "--", color="black", lw=1.2, label="compute-optimal frontier")
    gap = loss - sc.chinchilla_loss(*sc.compute_optimal(C, fit), fit)
    k = int(np.argmin(gap))
    right.plot([C[k]], [loss[k]], "o", color="black", ms=6)
    right.set(xscale="log", yscale="log", ylim=(f.E * 0.97, 8), xlim=(1e12, 1e30),
              xlabel="compute C = 6ND (FLOPs)")
    title(right, FIT_LABELS[fit])
    right.legend(fontsize=7, loc="upper right")
    plain_log_y(right, [2, 3, 4, 6, 8])
    touch = x[k]
    varied = "N" if vary_N else "D"
    return (f"{FIT_LABELS[fit]}, {fixed_name} fixed at {sci(other, 1)}: as {varied} grows from "
            f"1e6 to 1e14 the loss falls from {loss[0]:.2f} to {loss[-1]:.3f} and cannot go below "
            f"{floor:.3f}, set by the fixed {fixed_name}. Against compute this curve touches the "
            f"compute-optimal frontier at {varied} = {sci(touch)} (C = {sci(C[k])} FLOPs), where "
            f"it is {gap[k]:.3f} above it; beyond that point the compute is better spent on "
            f"{fixed_name}.")


# ---------------------------------------------------------------- multitask sparse parity

def draw_sparse_parity(fig, width, *, sweep, fit, seed=0):
    """Left: every subtask's test accuracy during training (dark: frequent, light: rare).
    Right: final mean test loss against parameters for every width and seed, with the fit."""
    left, right = fig.subplots(1, 2, width_ratios=[1.25, 1])
    run = sweep.run(width, seed)
    cmap = colormaps["viridis"]
    n = len(run.probs)
    shown = min(n, 32)
    for i in range(shown - 1, -1, -1):
        left.plot(run.eval_steps, run.accuracy[:, i], color=cmap(0.9 * i / (shown - 1)),
                  lw=1.6 if i < 8 else 0.8, alpha=0.9 if i < 8 else 0.6)
    left.axhline(0.9, color="grey", ls=":", lw=1)
    line_label(left, "learned", y=0.9)
    got = np.flatnonzero(run.learned()) + 1
    left.set(xlabel="training step", ylabel="test accuracy per subtask", ylim=(0.35, 1.03))
    title(left, f"width {width}: {len(got)} of {n} subtasks learned")
    left.text(0.98, 0.04, f"ranks 1-{shown}:\ndark = frequent\nlight = rarer", transform=left.transAxes,
              ha="right", fontsize=7)
    final = sweep.mean_loss[:, :, -1]
    for s in range(final.shape[0]):
        right.plot(sweep.n_params, final[s], "o", color=PALETTE[0], ms=3, alpha=0.5)
    P = np.geomspace(sweep.n_params[0] * 0.8, sweep.n_params[-1] * 1.25, 50)
    right.plot(P, fit(P), color=PALETTE[1], lw=1.5,
               label=f"fit: L ∝ P^{fit.exponent:.2f}")
    w = int(np.flatnonzero(sweep.widths == width)[0])
    right.plot([sweep.n_params[w]], [final[:, w].mean()], "o", color="black", ms=8)
    right.set(xscale="log", yscale="log", xlabel="parameters P", ylabel="mean test loss (nats)")
    title(right, f"all widths, {final.shape[0]} seeds")
    right.legend(fontsize=7, loc="lower left")
    lean_log(right)
    plain_log_y(right, [0.03, 0.05, 0.1, 0.2, 0.3, 0.5])
    steps = run.eval_steps[np.argmax(run.accuracy >= 0.9, axis=0)][got - 1]
    order = ", ".join(f"{r} (step {int(t)})" for r, t in zip(got[:6], steps[:6]))
    return (f"Multitask sparse parity, width {width} ({sweep.n_params[w]} parameters), seed {seed}: "
            f"{len(got)} of {n} subtasks reach 90% test accuracy in {int(run.eval_steps[-1])} "
            f"steps, each jumping from chance (50%) to near 100%; the first to be learned are "
            f"ranks {order or 'none'}. Mean test loss {run.mean_loss[-1]:.3f}; across all widths "
            f"the loss falls as P^{fit.exponent:.2f}.")
