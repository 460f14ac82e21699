"""Precompute the ant-colony foraging sweep shipped in emergence/data/foraging_sweep.csv.

    python scripts/foraging_sweep.py      # a few minutes on 2 cores
"""
from emergence import foraging

if __name__ == "__main__":
    foraging.run_sweep()
    print(f"wrote {foraging.SWEEP_PATH}")
