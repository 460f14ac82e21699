"""Chapter 6 demo frames: grokking curves, weight norm, Fourier spectrum, phase diagram."""
from __future__ import annotations

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.patches import Rectangle

from .. import grokking as g
from ..figures import PALETTE, line_label

TRAIN, TEST, NORM = PALETTE[0], PALETTE[1], PALETTE[3]
PHASE_SHADES = {"memorisation": "#e8eef7", "plateau": "#f4f4f4", "generalisation": "#e3f3ea"}
OUTCOME_COLOURS = {"grokked": "#7fc9a5", "memorised only": "#f2c46d", "never fit": "#c9c9c9"}


def _steps(history):
    """Evaluation steps after 0 (log axes cannot show step 0) and a mask selecting them."""
    keep = history.steps > 0
    return history.steps[keep], keep


def shade_phases(ax, history) -> dict:
    """Shade memorisation, plateau and generalisation behind ``ax``; return the phases."""
    found = g.phases(history)
    first = _steps(history)[0][0]  # the log axis starts at the first step after 0
    for name, span in found.items():
        low = max(span[0], first) if span is not None else None
        if span is not None and span[1] > low:
            ax.axvspan(low, span[1], color=PHASE_SHADES[name], zorder=0, lw=0)
            ax.text(np.sqrt(low * span[1]), 0.5, name, rotation=90, ha="center", va="center",
                    color="#444444", transform=ax.get_xaxis_transform(), zorder=1,
                    bbox=dict(fc=PHASE_SHADES[name], ec="none", pad=1, alpha=0.85), clip_on=True)
    return found


def plot_accuracy(ax, history, *, legend: bool = True, shade: bool = True) -> None:
    """Train and test accuracy against step (log axis), phases shaded."""
    x, keep = _steps(history)
    if shade:
        shade_phases(ax, history)
    ax.plot(x, history.train_acc[keep], color=TRAIN, lw=2, label="train")
    ax.plot(x, history.test_acc[keep], color=TEST, lw=2, label="test")
    ax.set(xscale="log", xlabel="training step (log scale)", ylabel="accuracy", ylim=(-0.03, 1.03),
           xlim=(x[0], x[-1]))
    if legend:
        ax.legend(loc="center left", fontsize=8)


def _milestone_text(history) -> str:
    t_train, t_test = g.milestones(history)
    if t_train is None:
        return "train accuracy never reaches 99 %"
    if t_test is None:
        return (f"train accuracy reaches 99 % at step {t_train}; test accuracy never reaches "
                f"95 % (it ends at {history.test_acc[-1]:.0%})")
    return (f"train accuracy reaches 99 % at step {t_train}, test accuracy 95 % at step "
            f"{t_test}, {t_test / t_train:.0f} times later")


def draw_training(fig, weight_decay, *, runs, frac):
    """Left: train/test accuracy of one run. Right: weight norm at every weight decay."""
    left, right = fig.subplots(1, 2, width_ratios=[1.25, 1])
    history = runs[frac, weight_decay]
    x, keep = _steps(history)
    plot_accuracy(left, history)
    left.set_title(f"weight decay {weight_decay:g}, {frac:.0%} of pairs for training", fontsize=9)
    decays = sorted({wd for f, wd in runs if f == frac})
    for i, wd in enumerate(decays):
        run = runs[frac, wd]
        chosen = wd == weight_decay
        right.plot(x, run.weight_norm[keep], color=PALETTE[i % len(PALETTE)],
                   lw=2.5 if chosen else 1, alpha=1 if chosen else 0.45, label=f"wd {wd:g}")
    right.set(xscale="log", xlabel="training step (log scale)", ylabel="weight norm ‖θ‖₂",
              xlim=(x[0], x[-1]))
    right.legend(fontsize=7, loc="upper left", ncols=2)
    norms = ", ".join(f"{runs[frac, wd].weight_norm[-1]:.0f} (wd {wd:g})" for wd in decays)
    return (f"Modular addition mod {history.config.p}, {frac:.0%} of pairs for training, "
            f"weight decay {weight_decay:g}: {_milestone_text(history)}; outcome: "
            f"{g.outcome(history)}. Final weight norm by weight decay: {norms}.")


def draw_spectrum(fig, step, *, history):
    """Accuracy with a marker at ``step``; the embedding's Fourier power; the key-frequency plane."""
    curve, bars, plane = fig.subplots(1, 3, width_ratios=[1.1, 1.3, 0.9])
    i = history.at(step)
    table = history.embeddings[i]
    plot_accuracy(curve, history, legend=True)
    curve.axvline(max(step, 1), color="black", lw=1.2)
    curve.set_title(f"step {step}: train {history.train_acc[i]:.0%}, test {history.test_acc[i]:.0%}",
                    fontsize=9)
    power = g.fourier_power(table)[1:]
    share = power / power.sum()
    key = g.key_frequencies(table)
    ks = np.arange(1, len(power) + 1)
    colours = [TEST if k in set(key) else "#9db7d5" for k in ks]
    bars.bar(ks, share, color=colours, width=0.8)
    bars.set(xlabel="frequency k (cycles over 0 … p−1)", ylabel="share of embedding power",
             ylim=(0, max(0.3, share.max() * 1.1)), xlim=(0.3, len(power) + 0.7))
    bars.set_title(f"{len(key)} of {len(power)} frequencies hold 80 % (orange)", fontsize=9)
    top = int(key[0])
    xy = g.frequency_plane(table, top)
    plane.scatter(xy[:, 0], xy[:, 1], s=9, color=PALETTE[0])
    for a in range(4):
        plane.annotate(str(a), xy[a], fontsize=7, xytext=(2, 2), textcoords="offset points")
    lim = np.abs(xy).max() * 1.15
    plane.set(xlim=(-lim, lim), ylim=(-lim, lim), aspect="equal", xticks=[], yticks=[])
    plane.set_title(f"numbers on the k = {top} plane", fontsize=9)
    radius = np.linalg.norm(xy, axis=1)
    spread = radius.std() / radius.mean()
    return (f"Step {step}: train accuracy {history.train_acc[i]:.0%}, test accuracy "
            f"{history.test_acc[i]:.0%}. {len(key)} of {len(power)} frequencies hold 80 % of the "
            f"embedding's non-constant power; the strongest are k = "
            f"{', '.join(map(str, key[:5]))}. Projected on the plane of k = {top}, the numbers' "
            f"distances from the centre vary by {spread:.0%} (0 % would be a perfect circle).")


def draw_phase_diagram(fig, weight_decay, *, rows, runs):
    """Left: every run's outcome (colour) and step to 95 % test. Right: one weight decay's runs."""
    grid, curve = fig.subplots(1, 2, width_ratios=[1, 1.1])
    fracs = sorted({r["frac"] for r in rows})
    decays = sorted({r["weight_decay"] for r in rows})
    cells = {(r["frac"], r["weight_decay"]): r for r in rows}
    codes = np.array([[g.OUTCOMES.index(cells[f, wd]["outcome"]) for f in fracs] for wd in decays])
    cmap = ListedColormap([OUTCOME_COLOURS[o] for o in g.OUTCOMES])
    grid.imshow(codes, cmap=cmap, vmin=-0.5, vmax=len(g.OUTCOMES) - 0.5, origin="lower",
                aspect="auto")
    for yi, wd in enumerate(decays):
        for xi, f in enumerate(fracs):
            step = cells[f, wd]["step_test95"]
            grid.text(xi, yi, "–" if step is None else str(step), ha="center", va="center",
                      fontsize=8)
    yi = decays.index(weight_decay)
    grid.add_patch(Rectangle((-0.5, yi - 0.5), len(fracs), 1, fill=False, lw=2.5, color="black"))
    grid.set(xticks=range(len(fracs)), xticklabels=[f"{f:.0%}" for f in fracs],
             yticks=range(len(decays)), yticklabels=[f"{wd:g}" for wd in decays],
             xlabel="training fraction", ylabel="weight decay")
    grid.grid(False)
    grid.set_title("step to 95 % test accuracy (– never)", fontsize=9)
    handles = [Rectangle((0, 0), 1, 1, color=OUTCOME_COLOURS[o]) for o in g.OUTCOMES]
    grid.legend(handles, g.OUTCOMES, fontsize=7, loc="upper center", ncols=3,
                bbox_to_anchor=(0.5, -0.2), handlelength=1)
    for i, f in enumerate(fracs):
        history = runs[f, weight_decay]
        x, keep = _steps(history)
        colour = PALETTE[i % len(PALETTE)]
        curve.plot(x, history.test_acc[keep], color=colour, lw=2, label=f"{f:.0%}")
        curve.plot(x, history.train_acc[keep], color=colour, lw=1, ls="--", alpha=0.7)
    curve.axhline(g.TEST_LEVEL, color="grey", lw=0.8, ls=":")
    line_label(curve, f"test {g.TEST_LEVEL:.0%}", y=g.TEST_LEVEL)
    curve.set(xscale="log", xlabel="training step (log scale)", xlim=(x[0], x[-1]),
              ylabel="test accuracy (train dashed)", ylim=(-0.03, 1.03))
    curve.legend(title="training\nfraction", fontsize=7, title_fontsize=7, loc="upper left",
                 bbox_to_anchor=(1.0, 1.0))
    curve.set_title(f"weight decay {weight_decay:g}", fontsize=9)
    counts = {o: sum(r["outcome"] == o for r in rows) for o in g.OUTCOMES}
    row = "; ".join(f"{f:.0%}: {cells[f, weight_decay]['outcome']}"
                    + (f" at step {cells[f, weight_decay]['step_test95']}"
                       if cells[f, weight_decay]["outcome"] == "grokked" else "")
                    for f in fracs)
    return (f"Phase diagram of {len(rows)} runs: " + ", ".join(f"{n} {o}" for o, n in counts.items())
            + f". At weight decay {weight_decay:g}, by training fraction: {row}.")


def plot_overview(axes, history) -> str:
    """Three panels of one run: accuracy, loss (log–log) and weight norm; returns alt text."""
    acc, loss, norm = axes
    x, keep = _steps(history)
    plot_accuracy(acc, history)
    shade_phases(loss, history)
    loss.plot(x, history.train_loss[keep], color=TRAIN, lw=2, label="train")
    loss.plot(x, history.test_loss[keep], color=TEST, lw=2, label="test")
    loss.set(xscale="log", yscale="log", xlabel="training step (log scale)",
             ylabel="loss (log scale)", xlim=(x[0], x[-1]))
    loss.legend(fontsize=8, loc="lower left")
    shade_phases(norm, history)
    norm.plot(x, history.weight_norm[keep], color=NORM, lw=2)
    norm.set(xscale="log", xlabel="training step (log scale)", ylabel="weight norm ‖θ‖₂",
             xlim=(x[0], x[-1]))
    found = g.phases(history)
    names = ", ".join(f"{name} steps {span[0]}–{span[1]}" for name, span in found.items()
                      if span is not None)
    return (f"Training curves on a log step axis, phases shaded ({names}): "
            f"{_milestone_text(history)}. Test loss peaks at {history.test_loss.max():.1f} "
            f"while train loss falls to {history.train_loss[-1]:.1g}; the weight norm goes from "
            f"{history.weight_norm[0]:.0f} to {history.weight_norm[-1]:.0f}.")
