"""Chapter 5 demo frames: published chain-of-thought results, direct vs step-by-step
learners, compounding errors, and the crossover with scale."""
from __future__ import annotations

import numpy as np

from .. import cot
from ..curves import longest_run
from ..figures import PALETTE, line_label

DIRECT, STEP, GUESS = PALETTE[1], PALETTE[0], "grey"
PUBLISHED_VIEWS = ("GSM8K by model", "gain by model", "zero-shot CoT", "where it starts to help")
TASK_NAMES = {"shell game": "cups", "parity": "parity"}


def _by_size(rows):
    """Rows sorted by model size, models of unpublished size last."""
    return sorted(rows, key=lambda r: (np.isnan(r["params_b"]), r["params_b"]))


def _size(billions: float) -> str:
    """40M, 62B: a parameter count for labels."""
    return f"{billions * 1e3:.0f}M" if billions < 1 else f"{billions:.0f}B"


def draw_published(fig, view, *, rows):
    """One view of the published results: accuracies, gains, zero-shot CoT, onset scale."""
    ax = fig.subplots()
    acc = [r for r in rows if r["kind"] == "accuracy"]
    wei = _by_size([r for r in acc if r["paper"] == "wei2022chain"])
    if view == "where it starts to help":
        onset = sorted((r for r in rows if r["kind"] == "emergence_scale"),
                       key=lambda r: r["params_b"])
        y = np.arange(len(onset))
        ax.scatter([r["params_b"] * 1e9 for r in onset], y, s=60, color=STEP, zorder=3)
        for i, r in enumerate(onset):
            ax.annotate(f"{r['model']} {_size(r['params_b'])}, {r['flops']:.1e} FLOPs",
                        (r["params_b"] * 1e9, i), xytext=(8, 4), textcoords="offset points",
                        fontsize=8)
        ax.set(xscale="log", xlim=(1e7, 1e13), ylim=(-0.7, len(onset) - 0.3),
               yticks=y, yticklabels=[r["method"] + (f"\n({r['dataset']})" if r["dataset"] else "")
                                      for r in onset],
               xlabel="model parameters where the method starts to beat the baseline",
               title="Wei et al. 2022 (Emergent Abilities), Table 1")
        ax.tick_params(axis="y", labelsize=8)
        return ("Scale at which each method starts to help, from Wei et al. 2022 (Emergent "
                "Abilities), Table 1: " + "; ".join(
                    f"{r['method']}{' on ' + r['dataset'] if r['dataset'] else ''}: "
                    f"{_size(r['params_b'])} parameters ({r['model']})" for r in onset) + ".")
    if view == "zero-shot CoT":
        chosen = [r for r in acc if r["paper"] == "kojima2022large"]
        labels = [r["dataset"] for r in chosen]
        title = "Kojima et al. 2022: zero-shot, text-davinci-002"
        names = ("zero-shot", "zero-shot + \"Let's think step by step\"")
    else:
        chosen = wei
        labels = [r["model"].replace(" (text-davinci-002)", "\n(text-davinci-002)") for r in wei]
        title = "Wei et al. 2022: GSM8K, few-shot (Table 2, transcribed)"
        names = ("standard prompting", "chain-of-thought prompting")
    x = np.arange(len(chosen))
    base = np.array([r["baseline_acc"] for r in chosen])
    with_cot = np.array([r["cot_acc"] for r in chosen])
    if view == "gain by model":
        gain = with_cot - base
        bars = ax.bar(x, gain, color=[DIRECT if g < 0 else STEP for g in gain])
        ax.bar_label(bars, labels=[f"{g:+.1f}" for g in gain], fontsize=8, padding=2)
        ax.axhline(0, color="black", lw=0.8)
        ax.set(ylabel="chain of thought minus standard (points)", ylim=(-5, 50))
        worst = chosen[int(np.argmin(gain))]
        alt = ("Gain from chain-of-thought prompting on GSM8K by model (Wei et al. 2022, "
               "Table 2): "
               + ", ".join(f"{r['model']} {g:+.1f} points" for r, g in zip(chosen, gain))
               + f". Only {worst['model']} gets worse.")
    else:
        for offset, values, name, colour in ((-0.2, base, names[0], GUESS),
                                            (0.2, with_cot, names[1], STEP)):
            bars = ax.bar(x + offset, values, 0.4, label=name, color=colour)
            ax.bar_label(bars, labels=[f"{v:.1f}" for v in values], fontsize=7, padding=1)
        ax.set(ylabel="accuracy (%)", ylim=(0, 90))
        ax.legend(fontsize=8, loc="upper left")
        alt = (f"{title}: " + "; ".join(f"{lab.replace(chr(10), ' ')} {b:.1f}% to {c:.1f}%"
                                       for lab, b, c in zip(labels, base, with_cot)) + ".")
    ax.set_xticks(x, labels, fontsize=8)
    ax.set_title(title, fontsize=10)
    ax.grid(axis="x", visible=False)
    return alt


def _mean_band(sweep, **match):
    ks, values = sweep.per_seed("final", **match)
    return ks, values.mean(0), values.min(0), values.max(0)


def draw_trained(fig, task, updates, *, sweep, live=None):
    """Accuracy vs chain length for direct and step-by-step learners at a training budget."""
    ax = fig.subplots()
    name = TASK_NAMES[task]
    direct = dict(task=name, learner="direct", updates=updates)
    step = dict(task=name, learner="step", updates=updates)
    ks = sweep.per_seed("final", **direct)[0]
    chance = 1 / cot.TASKS[name].shape[0]
    for mask, label, colour, marker in ((step, "step by step (1 step model)", STEP, "o"),
                                        (direct, "direct (1 model per k)", DIRECT, "s")):
        _, mean, lo, hi = _mean_band(sweep, **mask)
        ax.fill_between(ks, lo, hi, color=colour, alpha=0.2, lw=0)
        ax.plot(ks, mean, marker=marker, ms=4, color=colour, label=label)
    if live is not None and live["task"] == name and live["updates"] == updates:
        ax.plot(live["ks"], live["direct"], "x", color="black", ms=8, mew=2,
                label="direct, re-run live in this notebook")
    ax.axhline(chance, color=GUESS, ls=":", lw=1)
    ax.text(ks[-1], chance + 0.02, "chance", ha="right", fontsize=8, color=GUESS)
    ax.set(xlabel="chain length k (serial steps)", ylabel="final answer accuracy",
           ylim=(0, 1.05), xticks=ks,
           title=f"{task}: {updates:,} training updates (mean and range of 3 seeds)")
    ax.legend(fontsize=8, loc="lower left")
    d_mean = _mean_band(sweep, **direct)[1]
    s_mean = _mean_band(sweep, **step)[1]
    solved = longest_run(ks, d_mean)
    return (f"{task}, {updates} training updates: the direct models answer correctly up to "
            f"k = {solved} at 90% or better and reach {d_mean[-1]:.2f} at k = {ks[-1]} (chance "
            f"{chance:.2f}); the step-by-step model's lowest accuracy at any k up to {ks[-1]} "
            f"is {s_mean.min():.2f}.")


def draw_compounding(fig, p, *, max_k: int = 60):
    """Left: chain success p**k vs k. Right: per-step accuracy needed for a target."""
    left, right = fig.subplots(1, 2)
    k = np.arange(1, max_k + 1)
    success = cot.chain_success(p, k)
    for other in (0.9, 0.99, 0.999):
        if other != p:
            curve = cot.chain_success(other, k)
            left.plot(k, curve, color=GUESS, lw=0.8, alpha=0.6)
            at = int(np.flatnonzero(curve >= 0.08)[-1])  # label where the curve is visible
            left.annotate(f"p = {other:g}", (k[at], curve[at]), xytext=(2, 2),
                          textcoords="offset points", fontsize=7, color=GUESS)
    left.plot(k, success, color=STEP, lw=2)
    half = np.log(0.5) / np.log(p) if p < 1 else np.inf
    if half <= max_k:
        left.axvline(half, color=GUESS, ls=":", lw=1)
        left.annotate(f"below 50% after\nk = {half:.1f} steps", (half, 0.5), xytext=(6, 10),
                      textcoords="offset points", fontsize=8)
    left.set(xlabel="steps k", ylabel="P(every step right) = p^k", ylim=(0, 1.03),
             title=f"per-step accuracy p = {p:g}")
    for target, colour in ((0.5, STEP), (0.9, DIRECT)):
        right.plot(k, cot.required_step_accuracy(target, k), color=colour,
                   label=f"chain right {target:.0%} of the time")
    right.axhline(p, color="black", lw=1, ls="--", label=f"p = {p:g}")
    right.set(xlabel="steps k", ylabel="per-step accuracy needed", ylim=(0.5, 1.005),
              title="p needed = target^(1/k)")
    right.legend(fontsize=8, loc="lower left")
    at10, at50 = cot.chain_success(p, 10)[()], cot.chain_success(p, 50)[()]
    return (f"With per-step accuracy {p:g}, a chain of 10 steps is fully right with probability "
            f"{at10:.3f} and a chain of 50 steps with probability {at50:.3g}; success drops "
            f"below one half after {half:.1f} steps. For 90% success over 10 steps each step "
            f"must be right {cot.required_step_accuracy(0.9, 10)[()]:.4f} of the time.")


def draw_crossover(fig, k, *, scales):
    """Left: toy direct and CoT accuracy vs scale for k steps. Right: their difference."""
    left, right = fig.subplots(1, 2)
    model = cot.scale_model(scales, k)
    star = cot.crossover_scale(k)
    left.plot(scales, model["direct"], color=DIRECT, label="direct answer")
    left.plot(scales, model["cot"], color=STEP, label="chain of thought")
    left.plot(scales, model["p"], color=STEP, ls=":", lw=1, label="one written step, p")
    gain = 100 * (model["cot"] - model["direct"])
    right.plot(scales, gain, color="black")
    right.fill_between(scales, gain, 0, where=gain < 0, color=DIRECT, alpha=0.35,
                       label="chain of thought hurts")
    right.fill_between(scales, gain, 0, where=gain > 0, color=STEP, alpha=0.25,
                       label="chain of thought helps")
    right.axhline(0, color="black", lw=0.6)
    dip = gain.min()
    right.annotate(f"CoT hurts: {dip:.1f} points", (scales[np.argmin(gain)], dip),
                   xytext=(0, -14), textcoords="offset points", fontsize=8, color=DIRECT)
    for ax in (left, right):
        ax.axvline(star, color=GUESS, ls="--", lw=1)
        ax.set(xscale="log", xlabel="model size (toy model)")
    left.set(ylabel="accuracy", ylim=(0, 1.03), title=f"a {k}-step problem (toy model)")
    left.legend(fontsize=8, loc="upper left")
    right.set(ylabel="CoT minus direct (points)", ylim=(-15, 100),
              title=f"crossover at {star:.2g}")
    right.legend(fontsize=8, loc="upper left")
    low = cot.scale_model(np.array([scales[0]]), k)
    return (f"Toy model, {k}-step problem: at the smallest scale chain of thought scores "
            f"{low['cot'][0]:.3f} against {low['direct'][0]:.3f} for a direct answer; it "
            f"overtakes direct answering at scale {star:.2g}, where each written step is right "
            f"with probability {cot.scale_model(np.array([star]), k)['p'][0]:.2f}; the largest "
            f"advantage is {gain.max():.0f} points.")


def draw_measured(fig, updates, *, checkpoints, n_states: int = 3):
    """Measured chain and final-answer accuracy of an under-trained step model vs p**k."""
    ax = fig.subplots()
    by_k = checkpoints[updates]
    ks = np.array(sorted(by_k))
    p = by_k[ks.max()]["step"]
    chain = np.array([by_k[k]["chain"] for k in ks])
    final = np.array([by_k[k]["final"] for k in ks])
    smooth = np.linspace(ks.min(), ks.max(), 200)
    predicted = cot.chain_success(p, smooth)
    ax.plot(smooth, predicted, color=STEP, lw=1.5, label=f"prediction p^k, p = {p:.3f}")
    ax.plot(ks, chain, "o", color=STEP, ms=5, label="measured: every step right")
    ax.plot(smooth, predicted + (1 - predicted) / n_states, color=DIRECT, lw=1.5, ls="--",
            label=f"prediction p^k + (1 - p^k)/{n_states}")
    ax.plot(ks, final, "s", color=DIRECT, ms=5, label="measured: final answer right")
    ax.axhline(1 / n_states, color=GUESS, ls=":", lw=1)
    line_label(ax, "chance", y=1 / n_states, color=GUESS)
    ax.set(xlabel="chain length k", ylabel="fraction of 2,000 test chains", ylim=(0, 1.03),
           title=f"shell game, step model after {updates} updates")
    ax.legend(fontsize=8, loc="upper right")
    k8 = int(ks[np.argmin(np.abs(ks - 8))])
    return (f"Step model after {updates} training updates: each step right with probability "
            f"{p:.3f}. For {k8}-step chains, p^k predicts {p ** k8:.3f} fully right and "
            f"{by_k[k8]['chain']:.3f} are measured; final answers are right "
            f"{by_k[k8]['final']:.3f} of the time, close to the 1-in-{n_states} floor of a "
            f"derailed chain.")
