"""Train the Chapter 4 attention-only transformers for longer than a notebook can, and ship the histories.

    python scripts/induction_heads_run.py            # writes emergence/data/induction_history.npz

Runs (every one records per-token losses, the ICL score and head scores every 10 steps):

- ``two_layer_seed0`` .. ``two_layer_seed4``: the lab's two-layer model, five seeds (when does
  the phase change happen, and how much does that vary?). Seed 0 also keeps attention
  patterns at checkpoints; the lab's live run repeats its first steps.
- ``one_layer_seed0``, ``one_layer_seed1``: the same with one layer (no induction head possible).
- ``two_layer_repeat50``, ``two_layer_repeat25``: only 50 % / 25 % of training sequences repeat
  (the rest are random tokens): less "bursty" data.

About 10 minutes on one busy core (set OPENBLAS_NUM_THREADS=1 on a shared machine).
"""
from __future__ import annotations

import time
from pathlib import Path

from emergence import induction

STEPS = 1500
CHECKPOINTS = (0, 100, 150, 200, 220, 240, 260, 280, 300, 400, 800, 1500)
RUNS = {
    **{f"two_layer_seed{s}": dict(n_layers=2, seed=s) for s in range(5)},
    **{f"one_layer_seed{s}": dict(n_layers=1, seed=s) for s in range(2)},
    "two_layer_repeat50": dict(n_layers=2, seed=0, repeat_fraction=0.5),
    "two_layer_repeat25": dict(n_layers=2, seed=0, repeat_fraction=0.25),
}
OUT = Path(__file__).resolve().parent.parent / "emergence" / "data" / "induction_history.npz"


def main() -> None:
    runs = {}
    for name, settings in RUNS.items():
        start = time.perf_counter()
        keep = CHECKPOINTS if name == "two_layer_seed0" else ()
        run = induction.train(induction.InductionConfig(steps=STEPS, checkpoints=keep, **settings),
                        progress=False)
        runs[name] = run
        print(f"{name}: {run.phase_change()}; final ICL score {run.icl[-1]:+.2f}; "
              f"best induction score {run.induction[-1].max():.2f}; "
              f"{time.perf_counter() - start:.0f} s", flush=True)
    induction.save_runs(OUT, runs)
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
