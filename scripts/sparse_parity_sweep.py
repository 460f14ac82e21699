"""The multitask sparse parity sweep shipped in emergence/data/sparse_parity_sweep.{npz,csv}.

    python scripts/sparse_parity_sweep.py            # the shipped sweep (~25 min on a busy 2-core machine)
    python scripts/sparse_parity_sweep.py --quick    # a 2-minute smoke run into /tmp

Trains one-hidden-layer MLPs of several widths, with several seeds, on the course's
multitask sparse parity task (emergence.sparse_parity) and saves every subtask's test accuracy
and loss every 500 steps. The Chapter 2 lab loads the result, and re-runs the start of one
width live to check that it reproduces the shipped curves.
"""
import argparse
import os
import sys
import time
from pathlib import Path

# One BLAS thread per process: these matrices are small, and on a shared machine a second
# OpenBLAS thread mostly waits (measured: 2-threaded steps 6x slower under load).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from emergence import sparse_parity as sp  # noqa: E402

WIDTHS = [8, 16, 32, 64, 128, 256, 512]
SEEDS = [0, 1, 2]
STEPS = 20_000


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 widths, 1 seed, 2000 steps, to /tmp")
    parser.add_argument("--out", type=Path, default=None, help="output path without suffix")
    args = parser.parse_args(argv)
    widths, seeds, steps = ([8, 64], [0], 2000) if args.quick else (WIDTHS, SEEDS, STEPS)
    out = args.out or (Path("/tmp/sparse_parity_quick") if args.quick else sp.SWEEP_PATH)
    task = sp.SparseParity()
    start = time.perf_counter()

    def log(run):
        print(f"seed {run.seed}: {run.summary()} [{time.perf_counter() - start:.0f} s]", flush=True)

    sweep = sp.run_sweep(task, widths, seeds, steps=steps, log=log, batch_size=256, lr=1e-2,
                         eval_every=500, test_per_task=200)
    sp.save_sweep(sweep, out)
    print(f"wrote {out.with_suffix('.npz')} and {out.with_suffix('.csv')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
