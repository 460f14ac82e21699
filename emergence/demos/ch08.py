"""Chapter 8 demo frames: one curve with many stories, rare data groks late, diagnosing a claim."""
from __future__ import annotations

import textwrap

import numpy as np
from matplotlib.ticker import FuncFormatter, NullLocator

from ..figures import PALETTE, line_label
from ..mirage import wilson_interval
from ..synthesis import KNOBS, signature

SETTINGS = (1, 2, 3, 4, 5)
"""The demo's knob slider: position i picks ``KNOBS[mechanism][1][i - 1]``."""


def _log(ax, axis: str = "x", plain: bool = False) -> None:
    """A log axis without minor ticks (building them is most of a frame's cost); ``plain``
    labels the major ticks 10, 100, 1000 instead of powers of ten in mathtext."""
    getattr(ax, f"set_{axis}scale")("log")
    which = getattr(ax, f"{axis}axis")
    which.set_minor_locator(NullLocator())
    if plain:
        which.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))


def _verdict(sharp: str, continuous: str) -> str:
    if sharp != "emergent":
        return f"not sharp here ({sharp})"
    if continuous == "emergent":
        return "the jump survives the continuous metric"
    return f"the jump disappears under the continuous metric ({continuous})"


def draw_mechanism(fig, mechanism, setting, *, curves):
    """Left: the all-or-nothing metric; right: its continuous counterpart; every knob value
    faint, the chosen one bold. ``curves[mechanism, value]`` come from ``mechanism_curves``."""
    values = KNOBS[mechanism][1]
    chosen = curves[mechanism, values[setting - 1]]
    left, right = fig.subplots(1, 2, sharex=True)
    for value in values:
        c = curves[mechanism, value]
        bold = value == chosen.setting
        for ax, y in ((left, c.sharp), (right, c.continuous)):
            ax.plot(c.x, y, color=PALETTE[0] if bold else "#9aa5b1", lw=2.4 if bold else 0.9,
                    zorder=3 if bold else 2, marker="o" if bold and len(c.x) < 12 else None, ms=4)
    for label, (x, y) in chosen.extra.items():
        if "loss" in label:
            continue
        ax = right if "all subtasks" in label else left
        ax.plot(x, y, ls="--", color=PALETTE[1], lw=1.2, label=label)
    sharp, cont = signature(chosen)
    for ax, label, shape in ((left, chosen.sharp_label, sharp), (right, chosen.continuous_label, cont)):
        _log(ax, plain=chosen.x_label == "training step")
        ax.set(xlabel=chosen.x_label, ylim=(-0.03, 1.03))
        ax.set_title(textwrap.fill(label, 34) + f"\nshape: {shape}", fontsize=9)
        if chosen.chance:
            ax.axhline(chosen.chance, color="grey", ls=":", lw=1)
            line_label(ax, "chance", y=chosen.chance)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7, loc="upper left")
    left.set_ylabel("score")
    fig.suptitle(f"{mechanism}, {chosen.knob}: {_verdict(sharp, cont)}", fontsize=10)
    alt = (f"{mechanism.capitalize()} with {chosen.knob}. Left, {chosen.sharp_label} against "
           f"{chosen.x_label} on a log axis, goes from {chosen.sharp[0]:.2f} to "
           f"{chosen.sharp[-1]:.2f} and is labelled {sharp}; right, {chosen.continuous_label} goes "
           f"from {chosen.continuous[0]:.2f} to {chosen.continuous[-1]:.2f} and is labelled {cont}. "
           f"Verdict: {_verdict(sharp, cont)}.")
    if "pre-training loss (nats, right axis)" in chosen.extra:
        x, loss = chosen.extra["pre-training loss (nats, right axis)"]
        below = np.flatnonzero(loss < chosen.setting)
        where = f"{x[below[0]]:.2g} parameters" if below.size else "no size in the window"
        alt += f" The pre-training loss falls below the threshold at {where}."
    return alt


def draw_rare(fig, frac, weight_decay, *, runs, delays):
    """Left: train and test accuracy of one shipped grokking run against training step.
    Right: steps to 95 % test accuracy against the number of training pairs, per weight decay."""
    left, right = fig.subplots(1, 2, width_ratios=[1.2, 1])
    run = runs[frac, weight_decay]
    keep = run.steps > 0
    left.plot(run.steps[keep], run.train_acc[keep], color=PALETTE[1], label="train")
    left.plot(run.steps[keep], run.test_acc[keep], color=PALETTE[0], lw=2.2, label="test")
    _log(left, plain=True)
    left.set(xlabel="training step", ylabel="accuracy", ylim=(-0.03, 1.03),
             title=f"{frac:.0%} of the table, weight decay {weight_decay:g}")
    left.legend(fontsize=8, loc="center left")
    d = delays[weight_decay]
    pairs = d["frac"] * d["p"] ** 2
    budget = float(d["budget"][0])
    done = np.isfinite(d["test95"])
    right.plot(pairs[done], d["test95"][done], "o-", color=PALETTE[0], label="reached test 95 %")
    right.plot(pairs[~done], np.full((~done).sum(), budget), "^", mfc="white", color=PALETTE[0],
               label=f"not within {budget:.0f} steps")
    k = int(np.flatnonzero(np.isclose(d["frac"], frac))[0])
    right.plot([pairs[k]], [d["test95"][k] if done[k] else budget], "o", ms=11, mfc="none",
               color="black")
    _log(right, "x", plain=True)
    _log(right, "y", plain=True)
    right.set_xticks([700, 1000, 1400, 2000], ["700", "1000", "1400", "2000"])
    right.set_yticks([100, 200, 500, 1000], ["100", "200", "500", "1000"])
    right.set(xlabel="training pairs", ylabel="steps to test 95 %",
              ylim=(50, 2 * budget), title=f"weight decay {weight_decay:g}")
    right.legend(fontsize=7, loc="lower left")
    t_train = d["train99"][k]
    memorised = (f"memorises (train 99 %) at step {t_train:.0f}" if np.isfinite(t_train)
                 else "never fits its training set")
    general = (f"generalises (test 95 %) at step {d['test95'][k]:.0f}" if done[k]
               else f"does not generalise within {budget:.0f} steps (test accuracy ends at "
               f"{run.test_acc[-1]:.0%})")
    trend = ", ".join(f"{f:.0%}: {t:.0f}" for f, t in zip(d["frac"][done], d["test95"][done]))
    return (f"Grokking with {frac:.0%} of the {d['p'][0]:.0f}-by-{d['p'][0]:.0f} table "
            f"({pairs[k]:.0f} training pairs), weight decay {weight_decay:g}: the network "
            f"{memorised} and {general}. Steps to generalise by training fraction at this weight "
            f"decay: {trend or 'none generalised'}; less data means later, or never.")


def _wrap(text: str, width: int = 46) -> str:
    return "\n".join(textwrap.fill(line, width, subsequent_indent="   ")
                     for line in text.splitlines())


def draw_claim(fig, case, view, *, cases, diagnoses):
    """Left: a curated curve under one view (log axis, linear axis, or with the continuous
    metric); right: the checklist and verdict of ``synthesis.diagnose``."""
    left, right = fig.subplots(1, 2, width_ratios=[1.15, 1])
    c, d = cases[case], diagnoses[case]
    if c.n_test is not None:
        lo, hi = wilson_interval(np.round(c.y * c.n_test), c.n_test)  # measured counts
        left.errorbar(c.x, c.y, yerr=np.maximum([c.y - lo, hi - c.y], 0), fmt="o-", color=PALETTE[0], ms=4,
                      capsize=2, lw=1.8, label=f"{c.y_label} (95 % interval, n = {c.n_test})")
    else:
        left.plot(c.x, c.y, "o-", color=PALETTE[0], ms=3, lw=1.8, label=c.y_label)
    if view == "continuous metric":
        if c.continuous is None:
            left.text(0.03, 0.9, "no continuous metric\nfor this curve", transform=left.transAxes,
                      fontsize=9, va="top", color=PALETTE[1])
        else:
            left.plot(c.x, c.continuous, "s--", color=PALETTE[1], ms=3,
                      label=textwrap.fill(c.continuous_label, 30))
    if c.chance:
        left.axhline(c.chance, color="grey", ls=":", lw=1)
    if view != "linear axis":
        _log(left, plain=c.x_label == "training step")
    left.set(xlabel=c.x_label + (" (linear axis)" if view == "linear axis" else ""),
             ylabel="score", ylim=(-0.03, 1.03))
    left.set_title(textwrap.fill(case, 40), fontsize=9)
    left.legend(fontsize=7, loc="upper left")
    right.axis("off")
    right.text(0, 1, _wrap(str(d)), va="top", ha="left", fontsize=7.6, family="DejaVu Sans",
               transform=right.transAxes)
    shown = {"log axis": d.shape_log, "linear axis": d.shape_linear,
             "continuous metric": d.shape_continuous or "not available"}[view]
    return (f"{case} ({c.source}), viewed with {view}: {shown}. Checklist: "
            + "; ".join(f"{q} {a}" for q, a in d.checks) + f". Verdict: {d.verdict}")


def draw_match(axes, *, curves):
    """Exercise 8.3: one anonymous mechanism per panel (``curves[letter]``), with its clues.

    Solid: the all-or-nothing score; dashed: a continuous score of the same models; thin and
    dotted lines: context (other seeds, the average over subtasks, train accuracy, the loss).
    """
    axes = list(axes)
    parts = []
    for ax, (letter, c) in zip(axes, sorted(curves.items())):
        ax.plot(c.x, c.sharp, color=PALETTE[0], lw=2.2, label="all-or-nothing score")
        dashed = {"composite task": "one part alone",
                  "exact-match metric": "per-token probability"}.get(
                      c.mechanism, "P(right answer)")
        ax.plot(c.x, c.continuous, "--", color=PALETTE[1], lw=1.6, label=dashed)
        for label, (x, y) in c.extra.items():
            if label.startswith("pre-training loss"):
                twin = ax.twinx()
                twin.plot(x, y, ":", color="grey", lw=1.4)
                twin.axhline(c.setting, color="grey", lw=0.8)
                twin.set_ylabel("pre-training loss (dotted; line: threshold)", fontsize=8)
                twin.spines["right"].set_visible(True)
                twin.grid(False)
            elif label.startswith("seed"):
                ax.plot(x, y, color="#9aa5b1", lw=0.9, label="other seeds" if "seed" not in
                        " ".join(ax.get_legend_handles_labels()[1]) else None)
            else:
                ax.plot(x, y, ":", color="black", lw=1.3, label=label)
        _log(ax, plain=c.x_label == "training step")
        ax.set(xlabel=c.x_label, ylim=(-0.03, 1.03), title=f"curve {letter}")
        corner = {"quantised skills": "lower right", "loss threshold": "center right"}
        ax.legend(fontsize=6.5, loc=corner.get(c.mechanism, "upper left"), frameon=True, framealpha=0.85)
        sharp, cont = signature(c)
        parts.append(f"curve {letter} against {c.x_label}: all-or-nothing score {sharp}, "
                     f"continuous score {cont}")
    for ax in axes[len(curves):]:
        ax.axis("off")
    return ("Five anonymous curves, each with an all-or-nothing score (solid), a continuous "
            "score (dashed) and context lines: " + "; ".join(parts) + ".")
