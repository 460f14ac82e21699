"""Chapter 1 simulations: simple local rules that produce collective behaviour.

Five classic models, each vectorised over the whole lattice (and over a batch of
parameters where the notebook sweeps one): site percolation, the 2-D Ising model,
Nagel-Schreckenberg traffic, Vicsek flocking and Conway's Game of Life.
Every stochastic function takes ``seed`` and draws from ``np.random.default_rng(seed)``.
"""
from __future__ import annotations

import numpy as np

from emergence._validate import check_array, check_choice, check_float, check_int, rng_from

VON_NEUMANN = ((0, 1), (0, -1), (1, 0), (-1, 0))
MOORE = tuple((i, j) for i in (-1, 0, 1) for j in (-1, 0, 1) if (i, j) != (0, 0))


# ---------------------------------------------------------------- shared helpers

def _neighbour_sum(a: np.ndarray, offsets) -> np.ndarray:
    """Sum of ``a`` over the given neighbour offsets on a periodic lattice (last two axes)."""
    return sum(np.roll(a, off, axis=(-2, -1)) for off in offsets)


def _check_values(name: str, values, lo: float, hi: float, *, lo_open: bool = False,
                  vector: bool = True) -> np.ndarray:
    """Non-empty float array with every entry in [lo, hi] (or (lo, hi]); 1-D if ``vector``."""
    arr = check_array(name, values, dtype=float)
    if vector:
        if arr.ndim > 1:
            raise ValueError(f"{name} must be a number or a 1-D sequence, got shape {arr.shape}")
        arr = np.atleast_1d(arr)
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    if np.any(arr < lo) or np.any(arr > hi) or (lo_open and np.any(arr == lo)):
        raise ValueError(f"{name} must lie in {'(' if lo_open else '['}{lo}, {hi}], "
                         f"got values from {arr.min()} to {arr.max()}")
    return arr


def _check_grid(name: str, grid) -> np.ndarray:
    """A 2-D boolean grid (0/1 numbers are accepted and converted)."""
    arr = check_array(name, grid, ndim=2)
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    if arr.dtype != bool and not np.all((arr == 0) | (arr == 1)):
        raise ValueError(f"{name} must hold booleans or 0/1 values")
    return arr.astype(bool)


# ---------------------------------------------------------------- 1. percolation

def percolation_grid(L: int, p: float, seed: int) -> np.ndarray:
    """An L x L site-percolation grid: each site is occupied with probability ``p``.

    The grid is ``u < p`` with ``u = default_rng(seed).random((L, L), dtype=np.float32)``,
    the same uniforms :func:`spanning_thresholds` uses (so its trial 0 is this grid).
    """
    L, p = check_int("L", L, min=1), check_float("p", p, min=0, max=1)
    return rng_from("seed", seed).random((L, L), dtype=np.float32).astype(float) < p  # float64: exactly u < p


def _relax(d: np.ndarray, source: np.ndarray, u: np.ndarray) -> None:
    """In place ``d = max(u, min(d, source))``: reach a site from a neighbour, paying its own u."""
    np.minimum(d, source, out=d)
    np.maximum(d, u, out=d)


def _sweep(d: np.ndarray, u: np.ndarray, step: int, hops: int = 3) -> None:
    """One in-place pass down (``step=1``) or up (``step=-1``) the rows of ``d`` (H, W, trials).

    Each row takes over its predecessor's paths, then lets them take ``hops`` sideways
    steps each way, so one pass follows paths that wander while heading down (or up).
    """
    rows = range(1, len(d)) if step == 1 else range(len(d) - 2, -1, -1)
    for i in rows:
        row, u_row = d[i], u[i]
        _relax(row, d[i - step], u_row)
        for _ in range(hops):
            _relax(row[1:], row[:-1], u_row[1:])  # numpy buffers overlapping operands, so
            _relax(row[:-1], row[1:], u_row[:-1])  # each call is exactly one step sideways


def _transpose(a: np.ndarray) -> np.ndarray:
    """Swap the two lattice axes of an (H, W, trials) array, keeping rows contiguous."""
    return np.ascontiguousarray(a.transpose(1, 0, 2))


def _bottleneck_from_top(u: np.ndarray) -> np.ndarray:
    """For ``u`` of shape (H, W, trials): the minimax path value of every site from the top row.

    ``d[i, j, k]`` = min over 4-neighbour paths from row 0 to (i, j) of the largest ``u``
    on the path. Sweeps down, up, then (transposed) right and left until nothing
    changes, re-sweeping only the trials that still change.
    """
    d = np.full_like(u, np.inf)
    d[0] = u[0]
    u_t = _transpose(u)
    active = np.arange(u.shape[-1])
    while active.size:
        dd, uu, uu_t = (np.take(a, active, axis=-1) for a in (d, u, u_t))
        before = dd.copy()
        for v in (uu, uu_t):  # rows, then columns: the second transpose restores the layout
            _sweep(dd, v, 1)
            _sweep(dd, v, -1)
            dd = _transpose(dd)
        d[..., active] = dd
        active = active[np.any(dd != before, axis=(0, 1))]
    return d


def _reach_from_top(grid: np.ndarray) -> np.ndarray:
    """Occupied sites connected to the top row through occupied sites (open boundaries)."""
    return _bottleneck_from_top(np.where(grid, 0.0, 1.0)[..., None])[..., 0] == 0


def spanning_cluster(grid) -> np.ndarray:
    """Mask of the sites in clusters touching both the top and the bottom row (4-neighbour).

    A site is in such a cluster exactly when it is reachable from the top row and
    from the bottom row; the mask is all False if the grid does not span.
    """
    grid = _check_grid("grid", grid)
    return _reach_from_top(grid) & _reach_from_top(grid[::-1])[::-1]


def spans(grid) -> bool:
    """True if an occupied 4-neighbour cluster connects the top row to the bottom row."""
    return bool(_reach_from_top(_check_grid("grid", grid))[-1].any())


def spanning_thresholds(L: int, trials: int, seed: int) -> np.ndarray:
    """Per trial, the spanning threshold: the grid ``{u < p}`` spans exactly when p > threshold.

    With ``u = default_rng(seed).random((trials, L, L), dtype=np.float32)`` the threshold is
    the bottleneck (minimax) value of the best top-to-bottom path, one of the u's: the grid
    ``{u <= threshold}`` spans, ``{u < threshold}`` does not. One set of trials thus gives
    the whole spanning-probability curve.
    """
    L, trials = check_int("L", L, min=1), check_int("trials", trials, min=1)
    u = rng_from("seed", seed).random((trials, L, L), dtype=np.float32)
    d = _bottleneck_from_top(np.ascontiguousarray(u.transpose(1, 2, 0)))
    return d[-1].min(axis=0).astype(float)


def spanning_probability(L: int, ps, trials: int, seed: int) -> np.ndarray:
    """Estimated probability that an L x L grid spans, at each p in ``ps`` (same shape).

    The fraction of trials whose threshold is strictly below p: ``mean(thresholds < p)``.
    """
    ps = _check_values("ps", ps, 0, 1, vector=False)
    thresholds = np.sort(spanning_thresholds(L, trials, seed))
    return np.searchsorted(thresholds, ps, side="left") / len(thresholds)


# ---------------------------------------------------------------- 2. Ising model

T_CRITICAL = 2 / np.log(1 + np.sqrt(2))


def onsager_magnetisation(T):
    """Onsager's exact spontaneous magnetisation of the infinite 2-D Ising model.

    ``m = (1 - sinh(2/T)^-4)^(1/8)`` below T_c and 0 above; same shape as ``T``.
    """
    T = _check_values("T", T, 0, np.inf, lo_open=True, vector=False)
    with np.errstate(over="ignore"):
        return np.clip(1 - np.sinh(2 / T) ** -4.0, 0, None) ** 0.125


def ising_simulate(L: int, temperatures, sweeps: int, seed: int, *, burn_in: int | None = None,
                   start: str = "cold") -> dict:
    """Metropolis simulation of the periodic L x L Ising model (J = k_B = 1) at many T at once.

    Spins of one checkerboard colour have no neighbours of the same colour, so each
    half-sweep flips them all in parallel: flip with probability min(1, exp(-dE/T)).
    Averages are over the sweeps after ``burn_in`` (default ``sweeps // 2``).
    """
    L = check_int("L", L, min=2)
    if L % 2:
        raise ValueError(f"L must be even for the periodic checkerboard update, got {L}")
    T = _check_values("temperatures", temperatures, 0, np.inf, lo_open=True)
    sweeps = check_int("sweeps", sweeps, min=1)
    burn_in = sweeps // 2 if burn_in is None else check_int("burn_in", burn_in, min=0, max=sweeps - 1)
    check_choice("start", start, ("cold", "hot"))
    rng = rng_from("seed", seed)

    shape = (len(T), L, L)
    s = np.ones(shape, np.int8) if start == "cold" else rng.choice(np.array([-1, 1], np.int8), shape)
    i, j = np.indices((L, L))
    colours = ((i + j) % 2 == 0, (i + j) % 2 == 1)
    beta = 1 / T[:, None, None]
    m, e = [], []
    for sweep in range(sweeps):
        r = rng.random(shape)  # one number per site per sweep: each site is visited once
        for colour in colours:
            dE = 2 * s * _neighbour_sum(s, VON_NEUMANN)
            s[colour & (r < np.exp(-beta * np.maximum(dE, 0)))] *= -1
        if sweep >= burn_in:
            m.append(s.mean(axis=(1, 2)))
            e.append(-0.5 * (s * _neighbour_sum(s, VON_NEUMANN)).mean(axis=(1, 2)))
    m, e = np.array(m), np.array(e)
    abs_m = np.abs(m).mean(axis=0)
    return {"T": T, "abs_m": abs_m, "energy": e.mean(axis=0),
            "susceptibility": L * L * ((m ** 2).mean(axis=0) - abs_m ** 2) / T, "spins": s}


# ---------------------------------------------------------------- 3. traffic

def _nasch_run(n_cars, road_length: int, rng, vmax: int, p_slow: float):
    """Yield the roads (one per car count, -1 = empty, else velocity) at every time step.

    Starts from evenly spaced cars at rest, then applies the NaSch rules in parallel:
    accelerate, brake to the gap ahead, randomly slow with probability p_slow, move.
    """
    road = np.full((len(n_cars), road_length), -1, np.int8)
    for row, n in zip(road, n_cars):
        row[np.arange(n) * road_length // n] = 0
    cells = np.arange(2 * road_length)
    while True:
        yield road
        occupied = road >= 0
        # index of the nearest car at or after each cell of the doubled (wrapped) ring
        car_at = np.where(np.tile(occupied, 2), cells, cells.size)
        next_car = np.minimum.accumulate(car_at[:, ::-1], axis=1)[:, ::-1]
        gap = next_car[:, 1:road_length + 1] - cells[:road_length] - 1
        v = np.minimum(np.minimum(road + 1, vmax), gap)
        v = np.maximum(v - (rng.random(road.shape) < p_slow), 0)
        lane, x = np.nonzero(occupied)
        road = np.full_like(road, -1)
        road[lane, (x + v[lane, x]) % road_length] = v[lane, x]


def _nasch_args(road_length, steps, seed, vmax, p_slow):
    """Validate the arguments shared by the two NaSch functions (vmax + 1 must fit in int8)."""
    return (check_int("road_length", road_length, min=1), check_int("steps", steps, min=1),
            rng_from("seed", seed), check_int("vmax", vmax, min=1, max=126),
            check_float("p_slow", p_slow, min=0, max=1))


def _car_counts(densities: np.ndarray, road_length: int) -> np.ndarray:
    """Number of cars for each density: nearest integer to density * road_length, at least 1."""
    return np.maximum(1, np.rint(densities * road_length)).astype(int)


def nasch_simulate(road_length: int, density: float, steps: int, seed: int, *, vmax: int = 5,
                   p_slow: float = 0.3) -> np.ndarray:
    """Space-time diagram (steps, road_length) of Nagel-Schreckenberg traffic on a ring road.

    Entries are -1 for an empty cell, else the car's velocity; row 0 is the start
    (evenly spaced cars at rest) and each row is one parallel update after the last.
    Jams emerge spontaneously from random braking: no bottleneck or accident needed.
    """
    road_length, steps, rng, vmax, p_slow = _nasch_args(road_length, steps, seed, vmax, p_slow)
    density = check_float("density", density, min=0, max=1, min_open=True)
    run = _nasch_run(_car_counts(np.array([density]), road_length), road_length, rng, vmax, p_slow)
    return np.array([next(run)[0] for _ in range(steps)])


STEADY_STEPS = 4000  # long enough for the steady-state fundamental diagram (peak within 0.02)


def nasch_flow(road_length: int, densities, steps: int, seed: int, *, vmax: int = 5,
               p_slow: float = 0.3, burn_in: int | None = None) -> np.ndarray:
    """Fundamental diagram: mean flow (cars passing a point per step) at each density.

    Flow = density x mean velocity = (sum of velocities) / road_length, averaged over
    time steps ``burn_in`` (default ``steps // 2``) to ``steps - 1``; all densities run at once.
    The run starts from evenly spaced cars, a free-flow state that with ``p_slow > 0`` decays
    into jams only slowly near the peak: use a few thousand steps
    (``STEADY_STEPS``) to measure the steady state, or the peak lands at too high a density.
    """
    road_length, steps, rng, vmax, p_slow = _nasch_args(road_length, steps, seed, vmax, p_slow)
    densities = _check_values("densities", densities, 0, 1, lo_open=True)
    burn_in = steps // 2 if burn_in is None else check_int("burn_in", burn_in, min=0, max=steps - 1)
    run = _nasch_run(_car_counts(densities, road_length), road_length, rng, vmax, p_slow)
    flows = [np.maximum(road, 0).sum(axis=1) for t, road in zip(range(steps), run) if t >= burn_in]
    return np.mean(flows, axis=0) / road_length


# ---------------------------------------------------------------- 4. flocking
# The flock is chaotic, so a last-bit difference between two CPUs (OpenBLAS and numpy pick
# their kernels by CPU) would grow until the printed order parameter differed. The model
# therefore runs in exact arithmetic: a heading is one of HEADINGS directions, each an
# integer vector from a fixed table; positions are integers on a GRID x GRID lattice; every
# sum is a sum of integers, which any summation order or kernel computes exactly.
HEADINGS = 4096          # directions a particle can take: steps of 2 pi / 4096 ≈ 0.0015 rad
UNIT = 2 ** 20           # length of a heading vector in the table
GRID = 2 ** 15           # lattice points along a side of the box (int32 squared distances)


def _unit_table(angles: np.ndarray) -> np.ndarray:
    """Integer vectors (len(angles), 2) of length ≈ UNIT pointing at ``angles``.

    Rounded from float64 cos and sin, whose last bit may differ between CPUs; the table is
    the same everywhere because no entry lies within 1e-6 of a rounding boundary (tested).
    """
    return np.round(np.stack([np.cos(angles), np.sin(angles)], -1) * UNIT).astype(np.int64)


_STEP = 2 * np.pi / HEADINGS
_VECTORS = _unit_table(_STEP * np.arange(HEADINGS))            # heading k points at k * _STEP
_BISECTORS = _unit_table(_STEP * (np.arange(HEADINGS) + 0.5))  # boundary between k and k + 1


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """z-component of a x b for integer vectors (..., 2); > 0 when b is anticlockwise of a."""
    return a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]


def _nearest_heading(s: np.ndarray, current: np.ndarray) -> np.ndarray:
    """Index of the heading sector that holds each integer vector ``s`` (..., 2).

    Sector k lies between bisectors k - 1 and k. A float arctan2 gives a first guess, which
    may be one sector off where it rounds differently on another CPU; exact integer cross
    products with the bisectors then settle the sector. A zero vector keeps ``current``.
    """
    k = np.round(np.arctan2(s[..., 1], s[..., 0]) / _STEP).astype(np.int64) % HEADINGS
    k = np.where(_cross(_BISECTORS[k - 1], s) < 0, k - 1, k) % HEADINGS  # below its sector
    k = np.where(_cross(_BISECTORS[k], s) >= 0, k + 1, k) % HEADINGS     # above its sector
    return np.where((s == 0).all(-1), current, k)


def _neighbours(x: np.ndarray, y: np.ndarray, radius2: int) -> np.ndarray:
    """(..., n, n) mask of pairs within sqrt(radius2) lattice units, minimum image, periodic.

    Integer coordinates in [0, GRID): squared distances stay below 2**31, so int32 holds
    them exactly and the n x n arrays stay small.
    """
    dist2 = 0
    for c in (x.astype(np.int32), y.astype(np.int32)):
        d = np.abs(c[..., :, None] - c[..., None, :])
        np.minimum(d, GRID - d, out=d)
        dist2 = dist2 + d * d
    return dist2 <= radius2


def _vicsek_run(n: int, box: float, etas: np.ndarray, steps: int, rng, v0: float, radius: float):
    """Run one Vicsek flock per noise level; return (order per step, positions, angles).

    Each step every particle takes the mean heading of the particles within ``radius``
    (itself included), turns by a uniform random number of heading steps within
    [-eta/2, eta/2] and moves ``v0`` along its new heading.
    """
    to_grid = GRID / box
    move = np.round(_VECTORS * (v0 * to_grid / UNIT)).astype(np.int64)  # (HEADINGS, 2) lattice steps
    radius2 = min(int((radius * to_grid) ** 2), 2 ** 31 - 1)  # int32 comparison
    spread = np.floor(etas / 2 / _STEP).astype(np.int64)[:, None]       # (E, 1) max turn, in steps
    x, y = rng.integers(0, GRID, (2, len(etas), n))                      # (E, n) each
    k = rng.integers(0, HEADINGS, (len(etas), n))                        # (E, n) heading indices
    order = np.empty((len(etas), steps))
    for t in range(steps):
        mask = _neighbours(x, y, radius2).astype(np.float64)             # (E, n, n)
        s = (mask @ _VECTORS[k].astype(np.float64)).astype(np.int64)     # (E, n, 2) exact: integers < 2**53
        k = (_nearest_heading(s, k) + rng.integers(-spread, spread + 1, k.shape)) % HEADINGS
        x, y = (x + move[k, 0]) % GRID, (y + move[k, 1]) % GRID
        total = _VECTORS[k].sum(axis=1).astype(np.float64)               # (E, 2) exact integer sums
        order[:, t] = np.sqrt(total[:, 0] ** 2 + total[:, 1] ** 2) / (n * UNIT)
    angles = (k * _STEP + np.pi) % (2 * np.pi) - np.pi
    return order, np.stack([x, y], -1) / to_grid, angles


def _vicsek_args(n, box, steps, seed, v0, radius):
    """Validate the arguments shared by the two Vicsek functions."""
    return (check_int("n", n, min=1), check_float("box", box, min=0, min_open=True),
            check_int("steps", steps, min=1), rng_from("seed", seed),
            check_float("v0", v0, min=0), check_float("radius", radius, min=0, min_open=True))


def vicsek_simulate(n: int, box: float, eta: float, steps: int, seed: int, *, v0: float = 0.03,
                    radius: float = 1.0) -> dict:
    """Vicsek flocking of ``n`` particles in a periodic box: align with neighbours, plus noise.

    Returns ``order`` (|mean unit velocity| after each step: 1 = one flock, ~0 = gas),
    the final ``positions`` (n, 2) and heading ``angles`` (n,) in [-pi, pi).
    """
    n, box, steps, rng, v0, radius = _vicsek_args(n, box, steps, seed, v0, radius)
    eta = check_float("eta", eta, min=0, max=2 * np.pi)
    order, positions, angles = _vicsek_run(n, box, np.array([eta]), steps, rng, v0, radius)
    return {"order": order[0], "positions": positions[0], "angles": angles[0]}


def vicsek_order(n: int, box: float, etas, steps: int, seed: int, *, v0: float = 0.03,
                 radius: float = 1.0) -> np.ndarray:
    """Mean polar order over the last half of the steps, for each noise level in ``etas``.

    Sweeping eta shows the flocking transition: order near 1 at low noise, near 0 at high.
    """
    n, box, steps, rng, v0, radius = _vicsek_args(n, box, steps, seed, v0, radius)
    etas = _check_values("etas", etas, 0, 2 * np.pi)
    order = _vicsek_run(n, box, etas, steps, rng, v0, radius)[0]
    return order[:, steps // 2:].mean(axis=1)


# ---------------------------------------------------------------- 5. Game of Life

def _life(grid: np.ndarray) -> np.ndarray:
    """One generation of an already-validated boolean grid."""
    n = _neighbour_sum(grid.astype(np.int8), MOORE)
    return (n == 3) | (grid & (n == 2))


def life_step(grid) -> np.ndarray:
    """One Game of Life generation on a periodic grid: birth on 3 neighbours, survival on 2 or 3."""
    return _life(_check_grid("grid", grid))


def life_run(grid, steps: int) -> np.ndarray:
    """History (steps + 1, H, W) of the Game of Life, starting with ``grid`` itself."""
    history = [_check_grid("grid", grid)]
    for _ in range(check_int("steps", steps, min=0)):
        history.append(_life(history[-1]))
    return np.array(history)


def life_random(shape, density: float, seed: int) -> np.ndarray:
    """A random "soup": each cell of a grid of ``shape`` (H, W) is alive with probability ``density``."""
    if not isinstance(shape, (tuple, list)) or len(shape) != 2:
        raise TypeError(f"shape must be a (height, width) pair, got {shape!r}")
    shape = tuple(check_int(f"shape[{k}]", s, min=1) for k, s in enumerate(shape))
    density = check_float("density", density, min=0, max=1)
    return rng_from("seed", seed).random(shape) < density
