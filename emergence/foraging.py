"""Ant-colony foraging on pheromone trails: a colony-level ability that appears with colony size.

Ants leave a nest and wander on a square lattice (a torus). An ant that finds food carries it
straight home and marks every cell on the way with pheromone, less the further it has come
(``fade`` per step), so a trail is strongest at the food; pheromone evaporates a fixed fraction
each step. A searching ant steps forward, left or right (never back), preferring
cells with more pheromone. No ant knows where the food is or that a trail exists, yet a large
enough colony builds a trail and its food intake per ant jumps: the transition that
Beekman, Sumpter and Ratnieks (2001) observed in Pharaoh's ants. A small colony's marks
evaporate before anyone follows them.

The model uses only additions, multiplications, divisions and comparisons of float64 numbers
(no exp or pow, whose last bit can depend on the CPU's SIMD code), so a seeded run is the same
on every machine.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._validate import check_float, check_int, rng_from
from .data import DATA, read_table

# headings: 0 = +x, 1 = +y, 2 = -x, 3 = -y
_STEPS = np.array([[1, 0], [0, 1], [-1, 0], [0, -1]])


@dataclass(frozen=True)
class Colony:
    """The world: a size x size torus with the nest and the food patch on one line."""

    size: int = 40
    nest: tuple[int, int] = (20, 10)
    food: tuple[int, int] = (20, 28)
    food_radius: int = 1
    deposit: float = 1.0
    bias: float = 0.2
    fade: float = 0.95

    def distance(self) -> int:
        """Lattice (Manhattan) distance from the nest to the food patch's centre."""
        return sum(min(abs(a - b), self.size - abs(a - b)) for a, b in zip(self.nest, self.food))


def _toward(frm: np.ndarray, to: int, size: int) -> np.ndarray:
    """Signed one-cell step along one axis towards ``to`` on a ring of ``size`` cells (0 if there)."""
    d = (to - frm) % size
    return np.where(d == 0, 0, np.where(d <= size // 2, 1, -1))


def simulate(n_ants: int, evaporation: float, steps: int, seed: int, *,
             colony: Colony = Colony(), record_every: int = 0) -> dict:
    """Run one colony; return food deliveries per step and the final pheromone field.

    ``evaporation`` is the fraction of pheromone lost per step. ``record_every`` > 0 also
    stores the pheromone field every that many steps (for pictures).
    """
    n_ants = check_int("n_ants", n_ants, min=1, max=100_000)
    evaporation = check_float("evaporation", evaporation, min=0, max=1, min_open=True)
    steps = check_int("steps", steps, min=1)
    record_every = check_int("record_every", record_every, min=0)
    rng = rng_from("seed", seed)
    L = colony.size
    pos = np.tile(np.array(colony.nest), (n_ants, 1))
    heading = rng.integers(0, 4, n_ants)
    carrying = np.zeros(n_ants, bool)
    dose = np.zeros(n_ants)          # what a carrying ant drops next: fades on the way home
    pher = np.zeros(L * L)
    delivered = np.zeros(steps, np.int64)
    frames = []
    fx, fy = colony.food
    for t in range(steps):
        # searching ants: forward, left or right, weighted by (bias + pheromone) squared
        options = (heading[:, None] + np.array([0, 1, 3])) % 4          # (ants, 3)
        target = (pos[:, None, :] + _STEPS[options]) % L                 # (ants, 3, 2)
        w = colony.bias + pher[target[..., 0] * L + target[..., 1]]
        w = w * w
        cum = np.cumsum(w, axis=1)
        pick = (rng.random(n_ants)[:, None] * cum[:, -1:] >= cum[:, :2]).sum(axis=1)
        new_heading = options[np.arange(n_ants), pick]
        # carrying ants: one step home, along the axis that is further off
        dx = _toward(pos[:, 0], colony.nest[0], L)
        dy = _toward(pos[:, 1], colony.nest[1], L)
        off_x = np.minimum((colony.nest[0] - pos[:, 0]) % L, (pos[:, 0] - colony.nest[0]) % L)
        off_y = np.minimum((colony.nest[1] - pos[:, 1]) % L, (pos[:, 1] - colony.nest[1]) % L)
        far_x = (off_x >= off_y) & (off_x > 0)
        home_step = np.where(far_x[:, None], np.stack([dx, np.zeros_like(dx)], 1),
                             np.stack([np.zeros_like(dy), dy], 1))
        step = np.where(carrying[:, None], home_step, _STEPS[new_heading])
        heading = np.where(carrying, heading, new_heading)
        pos = (pos + step) % L
        # pheromone: evaporate, then carrying ants mark the cell they reached
        pher *= 1.0 - evaporation
        pher += np.bincount(pos[carrying, 0] * L + pos[carrying, 1], weights=dose[carrying],
                            minlength=L * L)
        dose = dose * colony.fade
        # arrivals: food found, food delivered (an ant that delivers turns round)
        at_nest = carrying & (pos[:, 0] == colony.nest[0]) & (pos[:, 1] == colony.nest[1])
        delivered[t] = at_nest.sum()
        heading = np.where(at_nest, (heading + 2) % 4, heading)
        near = ((np.minimum((pos[:, 0] - fx) % L, (fx - pos[:, 0]) % L) <= colony.food_radius)
                & (np.minimum((pos[:, 1] - fy) % L, (fy - pos[:, 1]) % L) <= colony.food_radius))
        found = ~carrying & near
        carrying = (carrying & ~at_nest) | found
        dose = np.where(found, colony.deposit, dose)
        heading = np.where(found, (heading + 2) % 4, heading)
        if record_every and (t + 1) % record_every == 0:
            frames.append(pher.reshape(L, L).copy())
    out = {"delivered": delivered, "pheromone": pher.reshape(L, L)}
    if record_every:
        out["frames"] = np.array(frames)
    return out


def efficiency(n_ants: int, evaporation: float, steps: int, seed: int, *,
               colony: Colony = Colony()) -> float:
    """Food delivered per ant per 100 steps, over the second half of the run (steady state)."""
    run = simulate(n_ants, evaporation, steps, seed, colony=colony)
    return 100.0 * run["delivered"][steps // 2:].sum() / (n_ants * (steps - steps // 2))


SWEEP_PATH = DATA / "foraging_sweep.csv"
SWEEP_STEPS = 3000
SWEEP_ANTS = (5, 10, 20, 40, 80, 160, 320)
SWEEP_EVAPORATION = (0.005, 0.01, 0.02, 0.05, 0.1)
SWEEP_SEEDS = (0, 1, 2)


def run_sweep(path=SWEEP_PATH) -> None:
    """Efficiency for every colony size, evaporation rate and seed; written as CSV (a few minutes)."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["n_ants", "evaporation", "seed", "steps", "efficiency", "source"])
        for evaporation in SWEEP_EVAPORATION:
            for n_ants in SWEEP_ANTS:
                for seed in SWEEP_SEEDS:
                    e = efficiency(n_ants, evaporation, SWEEP_STEPS, seed)
                    out.writerow([n_ants, evaporation, seed, SWEEP_STEPS, f"{e:.4f}",
                                  "this course: scripts/foraging_sweep.py"])


def load_sweep(path=SWEEP_PATH) -> dict:
    """The shipped sweep: ants, evaporation, seeds, by_seed[evaporation, ants, seed] and its mean
    over seeds, efficiency[evaporation, ants]."""
    rows = read_table(Path(path))
    ants = np.array(sorted({int(r["n_ants"]) for r in rows}))
    evap = np.array(sorted({float(r["evaporation"]) for r in rows}))
    seeds = np.array(sorted({int(r["seed"]) for r in rows}))
    by_seed = np.full((len(evap), len(ants), len(seeds)), np.nan)
    for r in rows:
        by_seed[np.searchsorted(evap, float(r["evaporation"])), np.searchsorted(ants, int(r["n_ants"])),
                np.searchsorted(seeds, int(r["seed"]))] = float(r["efficiency"])
    return {"ants": ants, "evaporation": evap, "seeds": seeds, "by_seed": by_seed,
            "efficiency": by_seed.mean(axis=2)}


def critical_colony(ants, efficiency, level: float) -> float:
    """Smallest colony size whose efficiency reaches ``level`` (NaN if none does)."""
    ants = np.asarray(ants)
    above = np.nonzero(np.asarray(efficiency) >= check_float("level", level, min=0))[0]
    return float(ants[above[0]]) if above.size else float("nan")
