"""The grokking phase diagram of Chapter 6: training fraction × weight decay.

    python scripts/grokking_sweep.py     # 25 runs; about 6 min on a shared, busy 2-core machine

Trains ``emergence.grokking.LIVE`` (modular addition, p = 59, the lab's MLP and budget) at
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

import csv
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from emergence import grokking as g  # noqa: E402


def main() -> None:
    rows, arrays, configs = [], {}, []
    start = time.time()
    for frac in g.SWEEP_FRACS:
        for wd in g.SWEEP_WEIGHT_DECAYS:
            history = g.run_cell(frac, wd)
            row = g.phase_row(history)
            rows.append(row)
            i = len(configs)
            configs.append(history.config)
            arrays.update(history.to_arrays(f"{i}/"))
            arrays[f"{i}/final_embedding"] = history.model.embedding().astype(np.float32)
            print(f"frac {frac:.1f}, weight decay {wd:4.1f}: {row['outcome']:<14} "
                  f"train 99% at {row['step_train99']}, test 95% at {row['step_test95']} "
                  f"({time.time() - start:.0f} s)", flush=True)
    with open(g.PHASE_DIAGRAM, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=g.PHASE_COLUMNS)
        writer.writeheader()
        writer.writerows({k: ("" if v is None else v) for k, v in row.items()} for row in rows)
    np.savez_compressed(g.SWEEP_RUNS, configs=json.dumps(configs), **arrays)
    print(f"wrote {g.PHASE_DIAGRAM.name} and {g.SWEEP_RUNS.name}")


if __name__ == "__main__":
    main()
