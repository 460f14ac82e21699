"""Chapter 7 demo frames: the mirage machine, test-set resolution, subset accuracy and GPT-3
re-scored."""
from __future__ import annotations

import numpy as np
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

from .. import behaviours, mirage
from ..figures import GREY, PALETTE, size_label, size_ticks
from .ch03 import score_text

LOWER_IS_BETTER = ("token edit distance", "Brier score")


def _improvement(metric: str, y):
    """The metric turned so that up is better (for the score and the classifier)."""
    return -np.asarray(y) if metric in LOWER_IS_BETTER else np.asarray(y)


def _log_y(ax) -> None:
    """A log y axis with plain-text decade ticks and no minor ticks (fast to draw)."""
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(numticks=6))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0e}" if v < 0.01 else f"{v:g}"))


def _log_floor(ax, y, floor: float = 1e-12) -> None:
    _log_y(ax)
    positive = np.asarray(y)[np.asarray(y) > 0]
    bottom = max(floor, float(positive.min()) / 2) if positive.size else floor
    ax.set_ylim(bottom=bottom)


def _fix_titles(fig) -> None:
    """Titles at a fixed height: skips matplotlib's per-frame search for overlapping ticks."""
    for ax in fig.axes:
        ax.set_title(ax.get_title(), y=1.02, fontsize=ax.title.get_fontsize())


# ---------------------------------------------------------------- 1. the mirage machine

def draw_mirage(fig, metric, L, y_axis, *, N, models, c, alpha):
    """One smooth family (per-token accuracy p, left) scored by ``metric`` on answers of ``L``
    tokens (right), with ``models`` marking the model sizes a paper would have trained."""
    left, right = fig.subplots(1, 2, width_ratios=[1, 1.6])
    p = mirage.per_token_probability(N, c, alpha)
    p_models = mirage.per_token_probability(models, c, alpha)
    left.plot(N, p, color=GREY, lw=2)
    left.plot(models, p_models, "o", color=GREY, ms=4)
    left.set(xscale="log", ylim=(-0.03, 1.03), xlabel="parameters N", ylabel="per-token accuracy p",
             title="what the model does:\np = exp(−(N/c)$^α$)")
    left.title.set_fontsize(10)
    y, y_models = mirage.score(metric, p, L), mirage.score(metric, p_models, L)
    colour = PALETTE[1] if metric == "exact match" else PALETTE[0]
    right.plot(N, y, color=colour, lw=2.5)
    right.plot(models, y_models, "o", color=colour, ms=6, label=f"{len(models)} model sizes")
    right.set(xscale="log", xlabel="parameters N", ylabel=metric)
    if y_axis == "log":
        _log_floor(right, y)
    elif metric in ("exact match", "per-token accuracy"):
        right.set_ylim(-0.03, 1.03)
    up = _improvement(metric, np.log10(y_models) if y_axis == "log" else y_models)
    label = behaviours.classify_scaling_curve(models, up)
    score = behaviours.emergence_score(up)
    better = "lower is better" if metric in LOWER_IS_BETTER else "higher is better"
    right.set_title(f"what the metric says ({better}), L = {L}\nclassifier ({y_axis} y): {label}; "
                    f"emergence score {score_text(score)}", fontsize=10)
    right.legend(loc="best", fontsize=8)
    for ax in (left, right):
        size_ticks(ax)
    small, large = y_models[0], y_models[-1]
    _fix_titles(fig)
    return (f"Per-token accuracy rises smoothly from {p_models[0]:.2f} to {p_models[-1]:.2f} "
            f"between {size_label(models[0])} and {size_label(models[-1])} parameters. Scored by {metric} "
            f"on answers of {L} tokens ({y_axis} y axis), the {len(models)} models go from "
            f"{small:.3g} to {large:.3g}; the classifier calls the curve {label} (emergence "
            f"score {score_text(score)}).")


# ---------------------------------------------------------------- 2. resolution

def draw_resolution(fig, n, method, *, data):
    """Measured exact match on ``n`` test items, with 95 % intervals, on linear and log axes."""
    models, truth, k = data["models"], data["truth"], data["counts"][n]
    acc = k / n
    low, high = data["intervals"][n, method]
    lin, log = fig.subplots(1, 2)
    zero = k == 0
    for ax in (lin, log):
        ax.plot(models, truth, "--", color=GREY, lw=1.2, label="true accuracy")
        seen = ~zero
        ax.errorbar(models[seen], acc[seen], yerr=[acc[seen] - low[seen], high[seen] - acc[seen]],
                    fmt="o", color=PALETTE[0], ms=5, capsize=3, label="measured, 95% interval")
        ax.set(xscale="log", xlabel="parameters N", xlim=(models[0] / 2, models[-1] * 2))
        size_ticks(ax)
    lin.errorbar(models[zero], acc[zero], yerr=[np.zeros(zero.sum()), high[zero]], fmt="o",
                 color=PALETTE[1], ms=5, capsize=3, label="measured 0")
    lin.set(ylim=(-0.03, 1.03), ylabel=f"exact match (L = {data['L']})", title="linear axis")
    floor = min(truth.min(), 0.5 / n) / 3
    _log_y(log)
    log.set_ylim(floor, 1.5)
    log.plot(models[zero], np.full(zero.sum(), floor * 1.5), "v", color=PALETTE[1], ms=7,
             label="measured 0 (cannot be drawn)")
    for x, h in zip(models[zero], high[zero]):
        log.plot([x, x], [floor * 1.5, h], color=PALETTE[1], lw=1)
        log.plot(x, h, "_", color=PALETTE[1], ms=10, mew=2)
    log.axhline(1 / n, color=PALETTE[1], lw=0.8, ls=":")
    log.text(models[-2], 0.3 / n, f"1/n = {1 / n:.2g}", fontsize=8, color=PALETTE[1], ha="center")
    log.set_title("log axis")
    log.legend(loc="lower right", fontsize=7)
    name = "Wilson" if method == "wilson" else "Clopper–Pearson"
    fig.suptitle(f"n = {n} test items: {int(zero.sum())} of {len(models)} models score 0 "
                 f"({name} intervals)", fontsize=10)
    first = int(np.argmax(~zero)) if (~zero).any() else len(models)
    upper0 = f"{high[0]:.2g}" if zero[0] else "n/a"
    _fix_titles(fig)
    return (f"Exact-match accuracy of {len(models)} models measured on {n} test items with "
            f"95% {name} intervals. {int(zero.sum())} models score exactly 0 although their "
            f"true accuracy is above 0 (smallest: {truth[0]:.2g}); the first non-zero score is "
            f"model {first + 1}. For the smallest model the interval reaches up to {upper0}.")


# ---------------------------------------------------------------- 3. make your own emergence

def draw_subset(fig, K, sizes, *, data):
    """A smoothly improving classifier scored by 'all K of K test images right'."""
    family = data[sizes]
    models, measured = family["models"], family["subset"][K]
    left, right = fig.subplots(1, 2)
    left.plot(data["grid"], data["grid_accuracy"], color=GREY, lw=2)
    left.plot(models, family["accuracy"], "o", color=GREY, ms=4)
    left.set(xscale="log", ylim=(-0.03, 1.03), xlabel="parameters",
             ylabel="test accuracy (one image)",
             title="the classifier family")
    left.title.set_fontsize(10)
    right.plot(data["grid"], data["grid_accuracy"] ** K, "--", color=GREY, lw=1,
               label=f"accuracy$^{{{K}}}$")
    right.plot(models, measured, "o-" if sizes == "sparse" else "o", color=PALETTE[1], ms=5,
               label=f"measured, {len(models)} models")
    right.set(xscale="log", ylim=(-0.03, 1.03), xlabel="parameters",
              ylabel=f"subset accuracy (all {K} right)")
    label = behaviours.classify_scaling_curve(models, measured)
    score = behaviours.emergence_score(measured)
    right.set_title(f"K = {K}, {sizes} sizes: {label}\nemergence score {score_text(score)}",
                    fontsize=10)
    right.legend(loc="upper left", fontsize=8)
    for ax in (left, right):
        size_ticks(ax)
    _fix_titles(fig)
    return (f"A classifier family whose single-image accuracy rises smoothly from "
            f"{family['accuracy'][0]:.2f} to {family['accuracy'][-1]:.2f}, scored by subset "
            f"accuracy with K = {K} on {len(models)} {sizes} model sizes: from "
            f"{measured[0]:.3f} to {measured[-1]:.3f}, classified {label} (emergence score "
            f"{score_text(score)}).")


# ---------------------------------------------------------------- 4. GPT-3 re-scored

def draw_gpt3(fig, task, unit, *, data):
    """GPT-3's exact match (left) and the per-token accuracy it implies (right), a token
    being one ``unit`` of the answer."""
    d = data[task, unit]
    params = d["params"]
    left, right = fig.subplots(1, 2)
    panels = ((left, d["exact"], d["low"], d["high"], "exact match (of 2,000)"),
              (right, *d["implied"], f"implied per-token accuracy (token = {unit})"))
    labels = []
    for ax, y, low, high, name in panels:
        ax.errorbar(params, y, yerr=[y - low, high - y], fmt="-", color=PALETTE[0], lw=1,
                    capsize=3, zorder=1)
        ax.plot(params[d["transcribed"]], y[d["transcribed"]], "o", mfc="white",
                color=PALETTE[0], ms=5, zorder=2)
        ax.plot(params[~d["transcribed"]], y[~d["transcribed"]], "o", color=PALETTE[0], ms=5,
                zorder=2)
        ax.set(xscale="log", ylim=(-0.03, 1.03), xlabel="parameters",
               ylabel=name.replace(" (token = ", "\n(token = "))
        size_ticks(ax)
        labels.append(behaviours.classify_scaling_curve(params, y))
        ax.set_title(f"{name.split(' (')[0]}: {labels[-1]}\nemergence score "
                     f"{score_text(behaviours.emergence_score(y))}", fontsize=10)
    fig.suptitle(f"GPT-3 {task} ({behaviours.GPT3_TASK_NAMES[task]}), {d['setting']}; answers "
                 f"average {d['mean_length']:.2f} tokens of one {unit}", fontsize=10)
    _fix_titles(fig)
    return (f"GPT-3 {task} {d['setting']}: exact match goes from {d['exact'][0]:.2%} at 125M to "
            f"{d['exact'][-1]:.2%} at 175B ({labels[0]}). Counting one token per {unit} "
            f"(answers average {d['mean_length']:.2f} tokens), the per-token accuracy it implies "
            f"goes from {d['implied'][0][0]:.2f} to {d['implied'][0][-1]:.2f} ({labels[1]}). "
            f"Error bars are 95% Clopper–Pearson intervals for 2,000 problems; hollow points are "
            f"transcribed values.")


# ---------------------------------------------------------------- the course in one picture

def draw_one_ability(fig, size, *, N, c, alpha, L):
    """One model family on one task, scored two ways: exact match on ``L``-token answers
    (left) jumps, per-token accuracy (right) rises smoothly; ``size`` marks one model."""
    left, right = fig.subplots(1, 2, sharex=True)
    p = mirage.per_token_probability(N, c, alpha)
    p_here = float(mirage.per_token_probability(size, c, alpha))
    em, em_here = mirage.exact_match(p, L), float(mirage.exact_match(p_here, L))
    for ax, y, here, colour, title in ((left, em, em_here, PALETTE[1], f"exact match ({L}-token answers)"),
                                       (right, p, p_here, PALETTE[0], "per-token accuracy")):
        ax.plot(N, y, color=colour, lw=2.5)
        ax.axvline(size, color=GREY, lw=1, ls=":")
        ax.plot([size], [here], "o", color=colour, ms=9)
        ax.annotate(f"{here:.0%}", (size, here), textcoords="offset points", xytext=(-9, 9),
                    ha="right", color=colour, fontweight="bold",
                    bbox=dict(fc="white", ec="none", pad=1))
        ax.set(xscale="log", ylim=(-0.03, 1.08), xlabel="parameters N", title=title)
        size_ticks(ax)
    left.set_ylabel("score")
    left.text(N[0] * 1.5, 0.9, "looks like\na sudden jump", color=PALETTE[1], va="top")
    right.text(N[0] * 1.5, 0.9, "the same models:\nsmooth progress", color=PALETTE[0], va="top")
    return (f"A model with {size_label(size)} parameters: per-token accuracy {p_here:.0%} "
            f"(right, a smooth rise with size) but exact match on {L}-token answers "
            f"{em_here:.0%} (left, near zero until about {size_label(N[np.argmax(em > 0.1)])} "
            "parameters, then a steep climb).")
