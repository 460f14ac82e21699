"""Chapter 4 demo frames: GPT-3 by number of examples, the Bayesian toy, induction heads."""
from __future__ import annotations

import numpy as np

from ..behaviours import GPT3_SETTINGS
from ..figures import PALETTE

SETTING_STYLE = {"zero-shot": ("zero-shot", PALETTE[6], "s"),
                 "one-shot": ("one-shot", PALETTE[0], "^"),
                 "few-shot": ("few-shot (50 examples)", PALETTE[1], "o")}


def _params_label(p: float) -> str:
    return f"{p / 1e9:g}B" if p >= 1e9 else f"{p / 1e6:g}M"


def draw_gpt3_shots(fig, task, *, table):
    """Left: accuracy vs model size for 0, 1 and 50 examples. Right: the few-shot gain."""
    left, right = fig.subplots(1, 2, width_ratios=[1.3, 1])
    x = np.log10(table.params)  # a linear axis of log10(N): much cheaper to draw than a log axis
    for setting, (label, colour, marker) in SETTING_STYLE.items():
        y = table.curve(task, setting)
        i = table.tasks.index(task)
        copied = table.transcribed[i, GPT3_SETTINGS.index(setting)]
        left.plot(x, y, "-", color=colour, lw=1.5, label=label)
        left.plot(x[copied], y[copied], marker, mfc="white", color=colour, ms=5)
        left.plot(x[~copied], y[~copied], marker, color=colour, ms=6)
    shown = [0, 3, 6, 7]
    left.set_xticks(x[shown], [_params_label(table.params[i]) for i in shown])
    left.set(xlabel="parameters (log scale)", ylabel="accuracy (%)", ylim=(-3, 103),
             title=f"GPT-3 on {task}")
    left.legend(fontsize=7, loc="upper left")
    gain = table.gain(task)
    right.bar(range(len(x)), gain, color=PALETTE[1])
    right.axhline(0, color="grey", lw=0.8)
    right.set_xticks(range(len(x)), [_params_label(p) for p in table.params], rotation=60,
                     fontsize=7)
    right.set(ylabel="few-shot − zero-shot (points)", title="gain from 50 examples")
    best = int(np.nanargmax(gain))
    sizes = [_params_label(p) for p in table.params]
    return (f"GPT-3 on {task}: with 50 examples in the prompt the {sizes[0]} model "
            f"goes from {table.curve(task, 'zero-shot')[0]:g}% to {table.curve(task, 'few-shot')[0]:g}% "
            f"and the 175B model from {table.curve(task, 'zero-shot')[-1]:g}% to "
            f"{table.curve(task, 'few-shot')[-1]:g}%; the largest gain, {gain[best]:.1f} points, is at "
            f"{sizes[best]}. Open markers are transcribed values (Table H.1).")


def draw_posterior(fig, k, prior, *, names, post, curves, examples, true):
    """Left: the posterior over concepts after k examples. Right: accuracy vs k for each prior."""
    left, right = fig.subplots(1, 2, width_ratios=[1.15, 1])
    p = post[prior][k]
    colours = [PALETTE[1] if i == true else PALETTE[5] for i in range(len(names))]
    left.barh(range(len(names)), p, color=colours)
    left.set_yticks(range(len(names)), names, fontsize=8)
    left.invert_yaxis()
    left.set(xlim=(0, 1.02), xlabel="posterior probability")
    shown = ", ".join(f"{x}{'✓' if y else '✗'}" for x, y in examples[:k]) or "none yet"
    left.set_title(f"after {k} example{'s' if k != 1 else ''}: {shown}", fontsize=8, loc="left")
    for i, v in enumerate(p):
        left.text(min(v + 0.02, 0.85), i, f"{v:.2f}", va="center", fontsize=7)
    ks = np.arange(len(next(iter(curves.values()))))
    for j, (name, curve) in enumerate(curves.items()):
        on = name == prior
        right.plot(ks, curve, "o-", ms=3, lw=2.2 if on else 1, alpha=1 if on else 0.35,
                   color=PALETTE[j % len(PALETTE)], label=name)
    right.plot([k], [curves[prior][k]], "o", color="black", ms=7)
    right.set(xlabel="examples in the prompt (k)", ylabel="accuracy on a new query",
              ylim=(0.45, 1.02))
    right.legend(fontsize=6.5, loc="lower right")
    top = int(np.argmax(p))
    return (f"Prior '{prior}', after {k} examples of '{names[true]}': the posterior gives "
            f"{p[true]:.2f} to the true rule and its largest weight, {p[top]:.2f}, to "
            f"'{names[top]}'. Averaged over random prompts, the Bayes answer to a new query is "
            f"right {curves[prior][k]:.0%} of the time.")


def head_labels(run) -> list[str]:
    """``["L1H1", "L1H2", ...]``: one label per head of ``run``, layer by layer."""
    return [f"L{layer + 1}H{h + 1}" for layer in range(run.config.n_layers)
            for h in range(run.config.n_heads)]


def draw_attention(fig, step, head, *, run, roles):
    """Left: a head's attention on the probe sequence at a checkpoint. Right: its scores in training.

    ``head`` is a label from :func:`head_labels`; ``roles`` maps each label to a description.
    """
    left, right = fig.subplots(1, 2, width_ratios=[1, 1.25])
    c = int(np.flatnonzero(run.checkpoints == step)[0])
    layer, h = divmod(head_labels(run).index(head), run.config.n_heads)
    name = f"layer {layer + 1}, head {h + 1}"
    pattern = run.patterns[c, layer, h]
    size, period = pattern.shape[0], run.probe_period
    left.imshow(pattern, cmap="Blues", vmin=0, vmax=1, interpolation="nearest")
    t = np.arange(size)
    left.plot(t[1:] - 1, t[1:], ":", color=PALETTE[2], lw=1.2)  # previous token
    i, j = np.nonzero((t[None, :] >= 1) & (t[None, :] <= t[:, None] + 1 - period)
                      & ((t[:, None] + 1 - t[None, :]) % period == 0))
    left.scatter(j, i, s=9, facecolors="none", edgecolors=PALETTE[1], linewidths=0.7)
    left.set(xlabel="key position (attended to)", ylabel="query position")
    left.set_title(f"{name}, step {step}", fontsize=9)
    left.grid(False)
    e = int(np.searchsorted(run.eval_steps, step))
    right.plot(run.eval_steps, run.prev_token[:, layer, h], color=PALETTE[2],
               label="previous-token score")
    right.plot(run.eval_steps, run.induction[:, layer, h], color=PALETTE[1],
               label="induction score")
    right.plot(run.eval_steps, -run.icl / np.log(run.config.n_vocab), color="grey", lw=1,
               ls="--", label="−ICL score / ln V")
    right.axvline(step, color="black", lw=1)
    right.set(xlabel="training step", ylabel="score of this head", ylim=(-0.03, 1.03),
              xlim=(0, run.eval_steps[-1]))
    right.legend(fontsize=6.5, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2)
    prev, ind = run.prev_token[e, layer, h], run.induction[e, layer, h]
    return (f"{name} ({roles[head]}) at training step {step}: on average "
            f"{prev:.2f} of its attention goes to the previous token and {ind:.2f} to the token "
            f"after an earlier copy of the current one (induction); the model's ICL score is "
            f"{run.icl[e]:+.2f} nats. Circles mark the induction targets, the dotted line the "
            "previous token.")


def draw_layers(fig, step, *, runs, names):
    """Left: loss by token position at one step, per model. Right: ICL score over training."""
    left, right = fig.subplots(1, 2, width_ratios=[1, 1.2])
    parts = []
    for j, (label, run) in enumerate(zip(names, runs)):
        e = int(np.searchsorted(run.eval_steps, step))
        loss = run.position_loss[e]
        colour = PALETTE[j]
        left.plot(np.arange(len(loss)), loss, color=colour, label=label)
        right.plot(run.eval_steps, run.icl, color=colour, label=label)
        right.plot([step], [run.icl[e]], "o", color=colour)
        cfg = run.config
        parts.append(f"{label}: token {cfg.early} {loss[cfg.early]:.2f}, token "
                     f"{cfg.late} {loss[cfg.late]:.2f} nats")
    n_vocab = runs[0].config.n_vocab
    left.axhline(np.log(n_vocab), color="grey", ls=":", lw=1)
    left.text(1, np.log(n_vocab) + 0.08, f"uniform guess, ln {n_vocab}", fontsize=7, color="grey")
    left.set(xlabel="token position in the sequence", ylabel="loss (nats)", ylim=(0, 5),
             title=f"step {step}")
    left.legend(fontsize=7, loc="lower left")
    right.axvline(step, color="black", lw=1)
    right.set(xlabel="training step", ylabel="ICL score (nats)", title="late − early loss")
    return f"Loss by position at training step {step}. " + "; ".join(parts) + "."


def draw_icl_curves(fig, *, groups):
    """One panel per group: the ICL score over training of several runs (a static figure)."""
    axes = np.atleast_1d(fig.subplots(1, len(groups), sharey=True))
    parts = []
    for ax, (title, runs) in zip(axes, groups.items()):
        for j, (label, run) in enumerate(runs.items()):
            ax.plot(run.eval_steps, run.icl, color=PALETTE[j % len(PALETTE)], lw=1.3, label=label)
            pc = run.phase_change()
            parts.append(f"{label}: fastest fall at steps {pc.start}-{pc.end}, final "
                         f"{run.icl[-1]:+.1f}")
        ax.set(xlabel="training step", title=title)
        ax.legend(fontsize=7)
    axes[0].set_ylabel("ICL score (nats)")
    return "ICL score over training. " + "; ".join(parts) + "."


def draw_live_run(fig, *, run):
    """Left: training loss and ICL score over the steps. Right: loss by position at four moments."""
    left, right = fig.subplots(1, 2)
    pc = run.phase_change()
    window = 20
    smooth = np.convolve(run.train_loss, np.ones(window) / window, mode="valid")
    left.plot(np.arange(len(smooth)) + window // 2, smooth, color=PALETTE[0],
              label=f"training loss ({window}-step mean)")
    left.plot(run.eval_steps, run.icl, color=PALETTE[1], label="ICL score")
    left.axvspan(pc.start, pc.end, color="grey", alpha=0.2, lw=0)
    left.set(xlabel="training step", ylabel="nats")
    left.legend(fontsize=7)
    moments = {"step 0": 0, f"step {pc.start}": pc.start, f"step {pc.end}": pc.end,
               f"step {run.eval_steps[-1]}": run.eval_steps[-1]}
    for j, (label, step) in enumerate(moments.items()):
        e = int(np.searchsorted(run.eval_steps, step))
        right.plot(run.position_loss[e], color=PALETTE[j], label=label)
    right.set(xlabel="token position", ylabel="loss (nats)", ylim=(0, None))
    right.legend(fontsize=7)
    return (f"Training the two-layer attention-only transformer: the ICL score falls fastest "
            f"between steps {pc.start} and {pc.end} (shaded), from {pc.before:+.2f} to "
            f"{pc.after:+.2f} nats, while the training loss drops from a plateau. After the "
            f"window the loss falls along the sequence; at step 0 it is flat.")
