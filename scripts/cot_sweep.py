"""Chapter 5 sweep: direct vs step-by-step learners on state tracking, by chain length and budget.

    python scripts/cot_sweep.py     # writes emergence/data/cot_sweep.csv

For each task (the shell game and running parity) and seed, one stack of direct models
(one per chain length k) trains for 10,000 updates and is evaluated after 100, 300, 1,000,
3,000 and 10,000 updates; the step model, with the same budget, is evaluated on chains
of every length after 5, 10, 15, 20, 30, 50, 100, ..., 10,000 updates. With a constant
learning rate a long run passes through the state of every shorter one, so each
checkpoint is what a run with that budget would give. The lab re-runs the (shell game,
seed 0, 300 updates) rows live and checks that they agree. Measured: 36 min on a shared
2-core machine (load 4-7), one BLAS thread.
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # tiny matrices: threads only add overhead

import sys  # noqa: E402
import time  # noqa: E402

from emergence import cot  # noqa: E402
from emergence.data import DATA, write_table  # noqa: E402

TASKS = ("cups", "parity")
SEEDS = (0, 1, 2)
KS = (2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 16)
DIRECT_UPDATES = (100, 300, 1000, 3000, 10000)
STEP_UPDATES = (5, 10, 15, 20, 30, 50, 100, 300, 1000, 3000, 10000)
OUT = DATA / "cot_sweep.csv"


def rows_for(task: str, seed: int) -> list[dict]:
    direct = cot.train(cot.DirectConfig(task, KS, steps=max(DIRECT_UPDATES), seed=seed,
                                        width=None, checkpoints=DIRECT_UPDATES), progress=False)
    stepper = cot.train(cot.StepperConfig(task, steps=max(STEP_UPDATES), seed=seed,
                                          checkpoints=STEP_UPDATES, checkpoint_ks=KS),
                        progress=False)
    params = direct.parameters()
    rows = []
    for updates, accs in direct.checkpoints.items():
        rows += [dict(task=task, learner="direct", seed=seed, updates=updates, k=k,
                      final=accs[k], chain=None, step=None, params=params[k]) for k in KS]
    for updates, by_k in stepper.checkpoints.items():
        rows += [dict(task=task, learner="step", seed=seed, updates=updates, k=k,
                      final=r["final"], chain=r["chain"], step=r["step"],
                      params=stepper.model.num_parameters()) for k, r in by_k.items()]
    return rows


def main() -> int:
    rows = []
    for task in TASKS:
        for seed in SEEDS:
            start = time.perf_counter()
            rows += rows_for(task, seed)
            print(f"{task} seed {seed}: {time.perf_counter() - start:.0f} s", file=sys.stderr)
    source = "this course: scripts/cot_sweep.py (emergence.cot.train)"
    write_table(OUT, [{k: (f"{v:.4f}" if isinstance(v, float) else v) for k, v in row.items()}
                      | {"source": source} for row in rows], cot.SWEEP_COLUMNS)
    print(f"wrote {len(rows)} rows to {OUT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
