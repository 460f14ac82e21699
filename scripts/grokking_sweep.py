"""The grokking phase diagram of Chapter 6: training fraction × weight decay.

    python scripts/grokking_sweep.py     # 25 runs; about 6 min on a shared, busy 2-core machine

Trains ``emergence.grokking.GrokConfig()`` (modular addition, p = 59, the lab's MLP and budget) at
every training fraction in ``SWEEP_FRACS`` and weight decay in ``SWEEP_WEIGHT_DECAYS``, one
seed, and writes

- ``emergence/data/grokking_phase_diagram.csv``: one row per run (outcome: grokked /
  memorised only / never fit; the steps at which train accuracy reached 99 %, test accuracy
  started to rise and reached 95 %; final accuracies and weight norm);
- ``emergence/data/grokking_sweep.npz``: every run's curves (per evaluation step) and its
  final embedding table (stored in float32), for the lab's demos and the exercises.

Everything is seeded and trained in float64, so re-running reproduces the files whatever the
number of BLAS threads (a different CPU or BLAS build could still differ in the last digits).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from emergence import grokking as g  # noqa: E402
from emergence.data import write_table  # noqa: E402


def main() -> None:
    rows, histories = [], []
    start = time.time()
    for frac in g.SWEEP_FRACS:
        for wd in g.SWEEP_WEIGHT_DECAYS:
            history = g.run_cell(frac, wd)
            row = g.phase_row(history)
            rows.append(row)
            histories.append(history)
            print(f"frac {frac:.1f}, weight decay {wd:4.1f}: {row['outcome']:<14} "
                  f"train 99% at {row['step_train99']}, test 95% at {row['step_test95']} "
                  f"({time.time() - start:.0f} s)", flush=True)
    write_table(g.PHASE_DIAGRAM, rows, g.PHASE_COLUMNS)
    g.save_sweep_runs(histories)
    print(f"wrote {g.PHASE_DIAGRAM.name} and {g.SWEEP_RUNS.name}")


if __name__ == "__main__":
    main()
