"""Chapter 3 demo frames: k-step sharpness, a U-shape and chain of thought, GPT-3 arithmetic."""
from __future__ import annotations

import math

import numpy as np

from .. import behaviours
from ..figures import GREY, PALETTE, line_label, size_label, size_ticks

def _set_axis(ax, axis: str, xlim) -> None:
    ax.set_xscale("log" if axis == "log" else "linear")
    ax.set_xlim(*xlim)
    size_ticks(ax)
    ax.set_xlabel(f"model size N (parameters), {axis} axis")


def score_text(score: float) -> str:
    return ("+∞" if score > 0 else "−∞") if math.isinf(score) else f"{score:.3g}"


def draw_multi_step(fig, k, axis, *, N, samples, midpoint, slope):
    """A k-step task (p^k, dark) against one of its steps (p, dashed), with sampled models."""
    ax = fig.subplots()
    step = behaviours.skill_probability(N, midpoint, slope)
    task = behaviours.multi_step_accuracy(N, k, midpoint, slope)
    sampled = behaviours.multi_step_accuracy(samples, k, midpoint, slope)
    shape = behaviours.describe_scaling_curve(samples, sampled, log_x=axis == "log")
    half_one, half_k = behaviours.multi_step_scale(0.5, [1, k], midpoint, slope)
    ax.plot(N, step, "--", color=GREY, lw=1.5, label="one step: p(N)")
    ax.plot(N, task, color=PALETTE[0], lw=2.5, label=f"whole task: p(N)$^{{{k}}}$")
    ax.plot(samples, sampled, "o", color=PALETTE[0], ms=5, label=f"{len(samples)} model sizes")
    for n, colour in ((half_one, GREY), (half_k, PALETTE[0])):
        ax.axvline(n, color=colour, ls=":", lw=1)
    ax.axhline(0.5, color=GREY, lw=0.5)
    _set_axis(ax, axis, (N[0], N[-1]))
    ax.set(ylabel="accuracy", ylim=(-0.03, 1.03))
    delay = math.log10(half_k / half_one)
    ax.set_title(f"k = {k}: 50% at N = {size_label(half_k)}, {delay:.2f} decades after one step\n"
                 f"classifier ({axis} axis): {shape.label}; emergence score "
                 f"{score_text(shape.score)}", fontsize=10)
    ax.legend(loc="upper left" if axis == "log" else "lower right", fontsize=8)
    at_half_one = float(behaviours.multi_step_accuracy(half_one, k, midpoint, slope))
    return (f"A {k}-step task whose steps each improve smoothly with model size, on a {axis} "
            f"size axis. Each step is right half the time at N = {size_label(half_one)}, where the "
            f"whole task succeeds {at_half_one:.1%} of the time; the task reaches 50% only at "
            f"N = {size_label(half_k)}, {delay:.2f} decades later. Sampled at {len(samples)} model "
            f"sizes the curve is classified {shape.label} (emergence score "
            f"{score_text(shape.score)}).")


def draw_distractor(fig, strength, prompting, largest, *, N, chance, heuristic_midpoint,
                    skill_midpoint, slope, n_models, sizes):
    """Accuracy with a distractor, direct or step by step, with the two competences behind it.

    ``largest`` names the biggest model trained (a key of ``sizes``, e.g. "100B"); models
    beyond it are greyed out, and the classifier sees only the trained ones.
    """
    largest = sizes[largest]
    ax = fig.subplots()
    h = behaviours.skill_probability(N, heuristic_midpoint, slope)
    s = behaviours.skill_probability(N, skill_midpoint, slope)
    kw = dict(strength=strength, chance=chance, heuristic_midpoint=heuristic_midpoint,
              skill_midpoint=skill_midpoint, slope=slope)
    cot = prompting == "step by step"
    acc = {c: behaviours.distractor_accuracy(N, cot=c, **kw) for c in (False, True)}
    models = np.geomspace(N[0], largest, n_models)
    sampled = behaviours.distractor_accuracy(models, cot=cot, **kw)
    shape = behaviours.describe_scaling_curve(models, sampled)
    ax.plot(N, h, ":", color=PALETTE[1], lw=1.5, label="heuristic learned (h)")
    ax.plot(N, s, ":", color=PALETTE[2], lw=1.5, label="true skill learned (s)")
    ax.plot(N, acc[not cot], color=GREY, lw=1, alpha=0.6,
            label=f"accuracy, {'direct' if cot else 'step by step'}")
    ax.plot(N, acc[cot], color=PALETTE[0], lw=2.5, label=f"accuracy, {prompting}")
    ax.plot(models, sampled, "o", color=PALETTE[0], ms=4)
    ax.axhline(chance, color=GREY, ls="--", lw=0.8)
    line_label(ax, "chance", y=chance)
    if largest < N[-1]:
        ax.axvspan(largest, N[-1], color="#dddddd", alpha=0.6, lw=0)
        ax.text(largest * 1.3, 0.03, "not yet trained", fontsize=8, color="#555555")
    ax.set(xscale="log", xlabel="model size N (parameters)", ylabel="probability",
           ylim=(-0.03, 1.03), xlim=(N[0], N[-1]))
    size_ticks(ax)
    ax.set_title(f"distractor strength {strength:g}, {prompting}: models up to {size_label(largest)} "
                 f"look {shape.label}", fontsize=10)
    ax.legend(fontsize=7, loc="upper left")
    low = int(np.argmin(acc[cot]))
    return (f"Distractor strength {strength:g}, {prompting} prompting. The heuristic is learned "
            f"around N = {size_label(10 ** heuristic_midpoint)}, the true skill around "
            f"N = {size_label(10 ** skill_midpoint)}. Accuracy starts at chance ({chance:.2f}), is "
            f"lowest ({acc[cot][low]:.2f}) at N = {size_label(N[low])} and reaches "
            f"{acc[cot][-1]:.2f} at N = {size_label(N[-1])}. Models up to {size_label(largest)} give a "
            f"curve the classifier calls {shape.label}.")


def draw_gpt3(fig, task, setting, axis, *, data):
    """One GPT-3 arithmetic curve (bold) with the other two prompting settings (faint)."""
    ax = fig.subplots()
    others = [s for s in behaviours.GPT3_SETTINGS if s != setting]
    for i, other in enumerate(others):
        entry = data[task, other]
        x, y, known = entry["x"], entry["y"], entry["known"]
        ax.plot(x[known], y[known], "-", color=GREY, lw=1, alpha=0.5,
                label=" and ".join(others) if i == 0 else None)
    entry = data[task, setting]
    x, y, known, copied = entry["x"], entry["y"], entry["known"], entry["transcribed"]
    ax.plot(x[known], y[known], "-", color=PALETTE[0], lw=2.5, label=setting)
    ax.plot(x[known & copied], y[known & copied], "o", color=PALETTE[0], ms=5, mfc="white",
            label="Table H.1 (transcribed)")
    ax.plot(x[known & ~copied], y[known & ~copied], "o", color=PALETTE[0], ms=6,
            label="Table 3.9")
    top = max(5.0, max(float(np.nanmax(data[task, other]["y"])) for other in behaviours.GPT3_SETTINGS))
    ax.set(ylabel="accuracy (%)", ylim=(-0.04 * top, 1.12 * top))
    _set_axis(ax, axis, (x[0] * 0.7, x[-1] * 2.5) if axis == "log" else (0, x[-1] * 1.15))
    ax.legend(loc="upper left", fontsize=8)
    name = f"{task} ({behaviours.GPT3_TASK_NAMES[task]}), {setting}"
    if "score" not in entry:
        ax.set_title(f"{name}\nonly the 175B value is certain: no curve to classify",
                     fontsize=10)
        return (f"GPT-3 {name}: only the 175B value, {y[-1]:.1f}%, is known with certainty; "
                "the transcription of the smaller sizes is garbled, so nothing is classified.")
    shape = entry[axis]
    score = score_text(entry["score"])
    if math.isinf(entry["score"]):
        score += f" (floor of one problem: {entry['score_floor']:.3g})"
    ax.set_title(f"{name}: emergence score {score}\nclassifier on a {axis} axis: {shape.label}",
                 fontsize=10)
    values = ", ".join(f"{v:g}" for v in y)
    return (f"GPT-3 {name}, accuracy in percent from 125M to 175B parameters on a {axis} size "
            f"axis: {values}. Emergence score {score}; on this axis the classifier calls it "
            f"{shape.label} ({shape.reason}).")


def plot_mechanisms(axes, *, N, samples, k, strength):
    """Static figure: one skill curve combined three ways (average, product, distractor)."""
    curves = [
        ("many facts (average)", lambda n: behaviours.knowledge_accuracy(n, slope=2.0)),
        (f"{k} steps (product)", lambda n: behaviours.multi_step_accuracy(n, k)),
        ("distractor first", lambda n: behaviours.distractor_accuracy(n, strength=strength)),
    ]
    parts = []
    for ax, (name, curve), colour in zip(axes, curves, PALETTE):
        ax.plot(N, behaviours.skill_probability(N), "--", color=GREY, lw=1)
        ax.plot(N, curve(N), color=colour, lw=2.5)
        sampled = curve(samples)
        ax.plot(samples, sampled, "o", color=colour, ms=4)
        label = behaviours.classify_scaling_curve(samples, sampled)
        ax.set(xscale="log", ylim=(-0.03, 1.03), xlabel="model size N")
        ax.set_title(f"{name}\nclassified: {label}", fontsize=10)
        size_ticks(ax)
        parts.append(f"{name}: classified {label}")
    axes[0].set_ylabel("accuracy")
    return ("Three toy tasks built from the same logistic skill curve (dashed grey), against "
            "model size on a log axis: " + "; ".join(parts) + ".")


def plot_emergence_scales(ax, rows):
    """Static figure: Wei et al. 2022 Table 1, the training FLOPs at which each ability emerged."""
    rows = sorted(rows, key=lambda r: (r["prompting"] != "few-shot", r["train_flops"]))
    colours = {"few-shot": PALETTE[0], "augmented": PALETTE[1]}
    for i, row in enumerate(rows):
        ax.plot(row["train_flops"], i, "o", color=colours[row["prompting"]], ms=6)
        ax.text(row["train_flops"] * 1.5, i, f"{row['model']} {size_label(row['params'])}",
                fontsize=7, va="center", color="#444444")
    ax.set_yticks(range(len(rows)), [r["ability"] for r in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set(xscale="log", xlabel="training FLOPs of the smallest model with the ability",
           xlim=(3e19, 3e25))
    ax.minorticks_off()
    for kind, colour in colours.items():
        ax.plot([], [], "o", color=colour, label=f"{kind} prompting")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2, fontsize=8)

    def span(kind):
        flops = [r["train_flops"] for r in rows if r["prompting"] == kind]
        return f"{len(flops)} {kind} rows span {min(flops):.1e} to {max(flops):.1e} FLOPs"

    return (f"Wei et al. 2022, Table 1: the training compute at which each of {len(rows)} "
            f"abilities was first seen, on a log axis. The {span('few-shot')}; the "
            f"{span('augmented')} (prompting or fine-tuning methods that help only above "
            "that scale).")
