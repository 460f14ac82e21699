"""Chapter 1 checkers: right answers pass, typical mistakes get their hint, garbage never raises.

The last test makes the student version of notebooks/ch01_exercises.ipynb, runs it, and
checks that every check cell says "Not yet" without any cell raising.
"""
import numpy as np
import pytest

from emergence import complex_systems as cs
from emergence.checks import Verdict
from emergence.checks import ch01 as check
from garbage import crash, garbage_id


# ---------------------------------------------------------------- reference solutions

def crossing(ps, probs, level=0.5):
    ps, probs = np.asarray(ps, dtype=float), np.asarray(probs, dtype=float)
    i = np.flatnonzero((probs[:-1] < level) & (probs[1:] >= level))[0]
    fraction = (level - probs[i]) / (probs[i + 1] - probs[i])
    return ps[i] + fraction * (ps[i + 1] - ps[i])


def crossing_interp(ps, probs, level=0.5):
    return float(np.interp(level, probs, ps))


def energy_per_spin(spins):
    s = np.asarray(spins, dtype=float)
    bonds = s * np.roll(s, -1, axis=1) + s * np.roll(s, -1, axis=0)
    return -bonds.sum() / s.size


def energy_loops(spins):
    h, w = np.shape(spins)
    e = 0
    for i in range(h):
        for j in range(w):
            e -= int(spins[i][j]) * (int(spins[(i + 1) % h][j]) + int(spins[i][(j + 1) % w]))
    return e / (h * w)


def _moore(g):
    g = np.asarray(g, dtype=int)
    return sum(np.roll(g, (di, dj), axis=(0, 1))
               for di in (-1, 0, 1) for dj in (-1, 0, 1) if (di, dj) != (0, 0))


def life_step(grid):
    g = np.asarray(grid, dtype=bool)
    n = _moore(g)
    return (n == 3) | (g & (n == 2))


def life_step_block_sum(grid):
    """The 'total of the 3x3 block' formulation, returning 0/1 integers."""
    g = np.asarray(grid, dtype=int)
    total = _moore(g) + g
    return ((total == 3) | ((g == 1) & (total == 4))).astype(int)


def polar_order(angles):
    a = np.asarray(angles, dtype=float)
    return float(np.hypot(np.cos(a).mean(), np.sin(a).mean()))


def polar_order_complex(angles):
    return abs(np.exp(1j * np.asarray(angles)).mean())


def flow(road):
    road = np.asarray(road)
    cars = road >= 0
    density = cars.sum(axis=1) / road.shape[1]
    mean_speed = road.sum(axis=1, where=cars) / cars.sum(axis=1)
    return float(np.mean(density * mean_speed))


def flow_clip(road):
    return np.clip(road, 0, None).mean()


def widths_with(cross, lo=0.1, hi=0.9):
    curves = [cs.spanning_probability(L, check.FINITE_SIZE_PS, check.FINITE_SIZE_TRIALS, L)
              for L in check.FINITE_SIZE_LS]
    return np.array([cross(check.FINITE_SIZE_PS, c, hi) - cross(check.FINITE_SIZE_PS, c, lo)
                     for c in curves])


@pytest.fixture(scope="module")
def widths():
    return widths_with(crossing)


def fit(widths, x=np.log, y=np.log):
    return float(np.polyfit(x(np.array(check.FINITE_SIZE_LS, float)), y(widths), 1)[0])


# ---------------------------------------------------------------- (a) right answers pass

@pytest.mark.parametrize("checker, answer", [
    (check.crossing, crossing), (check.crossing, crossing_interp),
    (check.energy_per_spin, energy_per_spin), (check.energy_per_spin, energy_loops),
    (check.life_step, life_step), (check.life_step, life_step_block_sum),
    (check.polar_order, polar_order), (check.polar_order, polar_order_complex),
    (check.flow, flow), (check.flow, flow_clip),
])
def test_reference_solutions_pass(checker, answer):
    verdict = checker(answer)
    assert verdict.passed, str(verdict)
    assert str(verdict).startswith("✅ Correct")


def test_finite_size_reference_passes(widths):
    assert check.finite_size(widths, fit(widths), 1.5).passed
    assert check.finite_size(list(widths), np.float32(fit(widths)), 1.5).passed
    ref_w, ref_slope = check.finite_size_reference()
    assert np.allclose(ref_w, widths) and -0.95 < ref_slope < -0.55


def test_finite_size_accepts_an_honest_simulation_with_other_seeds():
    curves = [cs.spanning_probability(L, check.FINITE_SIZE_PS, 150, 1000 + L)
              for L in check.FINITE_SIZE_LS]
    w = np.array([crossing_interp(check.FINITE_SIZE_PS, c, 0.9)
                  - crossing_interp(check.FINITE_SIZE_PS, c, 0.1) for c in curves])
    assert check.finite_size(w, fit(w), 1.5).passed


# ---------------------------------------------------------------- (b) typical mistakes

def _bracket(ps, probs, level):
    return np.flatnonzero((probs[:-1] < level) & (probs[1:] >= level))[0]


def cross_nearest(ps, probs, level=0.5):
    return ps[np.argmin(np.abs(np.asarray(probs) - level))]


def cross_index(ps, probs, level=0.5):
    i = _bracket(ps, probs, level)
    return i + (level - probs[i]) / (probs[i + 1] - probs[i])


def cross_no_interp(ps, probs, level=0.5):
    return ps[np.argmax(np.asarray(probs) >= level)]


def cross_off_by_one(ps, probs, level=0.5):
    j = np.argmax(np.asarray(probs) >= level)  # first sample at or above: used as the left end
    return ps[j] + (level - probs[j]) * (ps[j + 1] - ps[j]) / (probs[j + 1] - probs[j])


def cross_off_by_one_safe(ps, probs, level=0.5):
    i = _bracket(ps, probs, level) + 1  # one pair too far, but never past the end
    i = min(i, len(ps) - 2)
    return ps[i] + (level - probs[i]) * (ps[i + 1] - ps[i]) / (probs[i + 1] - probs[i])


def cross_swapped(ps, probs, level=0.5):
    return np.interp(level, ps, probs)


def cross_fixed_level(ps, probs, level=0.5):
    return crossing(ps, probs, 0.5)


def cross_uniform(ps, probs, level=0.5):
    i = _bracket(ps, probs, level)
    return ps[0] + (i + (level - probs[i]) / (probs[i + 1] - probs[i])) * (ps[1] - ps[0])


def cross_upside_down(ps, probs, level=0.5):
    i = _bracket(ps, probs, level)
    return ps[i] + (level - probs[i]) * (probs[i + 1] - probs[i]) / (ps[i + 1] - ps[i])


@pytest.mark.parametrize("answer, keyword", [
    (cross_nearest, "nearest"), (cross_index, "index"), (cross_no_interp, "without interpolating"),
    (cross_off_by_one, "off by one"), (cross_off_by_one_safe, "off by one"),
    (cross_swapped, "inverse"), (cross_fixed_level, "`level`"),
    (cross_uniform, "evenly spaced"), (cross_upside_down, "upside down"),
])
def test_crossing_mistakes(answer, keyword):
    verdict = check.crossing(answer)
    assert not verdict.passed and keyword in verdict.hint, str(verdict)


def energy_double(s):
    s = np.asarray(s, float)
    return -(s * sum(np.roll(s, k, a) for k in (1, -1) for a in (0, 1))).sum() / s.size


def energy_open(s):
    s = np.asarray(s, float)
    return -((s[1:] * s[:-1]).sum() + (s[:, 1:] * s[:, :-1]).sum()) / s.size


def energy_square(s):
    s = np.asarray(s, float)
    return -(s * np.roll(s, 1, 0) + s * np.roll(s, 1, 1)).sum() / len(s) ** 2


def energy_diagonal(s):
    s = np.asarray(s, float)
    return -(s * sum(np.roll(s, off, (0, 1)) for off in cs.MOORE)).sum() / 2 / s.size


@pytest.mark.parametrize("answer, keyword", [
    (energy_double, "twice"), (energy_open, "periodic"), (lambda s: -energy_per_spin(s), "sign"),
    (lambda s: energy_per_spin(s) * np.size(s), "per spin"),
    (lambda s: -(np.asarray(s) * np.roll(s, 1, 1)).sum() / np.size(s), "two directions"),
    (energy_square, "need not be square"), (energy_diagonal, "diagonal"), (lambda s: np.mean(s), "magnetisation"),
])
def test_energy_mistakes(answer, keyword):
    verdict = check.energy_per_spin(answer)
    assert not verdict.passed and keyword in verdict.hint, str(verdict)


def life_zero_padded(grid):
    g = np.pad(np.asarray(grid, int), 1)
    n = sum(np.roll(g, off, (0, 1)) for off in cs.MOORE)[1:-1, 1:-1]
    return (n == 3) | (np.asarray(grid, bool) & (n == 2))


def life_counts_itself(grid):
    g = np.asarray(grid, bool)
    n = _moore(g) + g
    return (n == 3) | (g & (n == 2))


def life_bool_sum(grid):
    g = np.asarray(grid, bool)
    n = np.roll(g, 1, 0) + np.roll(g, -1, 0)  # bool + bool is OR in numpy
    for off in cs.MOORE[2:]:
        n = n + np.roll(g, off, (0, 1))
    return (n == 3) | (g & (n == 2))


def life_rule(survive, born):
    def step(grid):
        g = np.asarray(grid, bool)
        n = _moore(g)
        return np.where(g, np.isin(n, survive), np.isin(n, born))
    return step


def life_in_place(grid):
    h, w = grid.shape
    for i in range(h):
        for j in range(w):
            n = sum(grid[(i + a) % h, (j + b) % w] for a, b in cs.MOORE)
            grid[i, j] = n == 3 or (grid[i, j] and n == 2)
    return grid


def life_von_neumann(grid):
    g = np.asarray(grid, bool)
    n = sum(np.roll(g.astype(int), off, (0, 1)) for off in cs.VON_NEUMANN)
    return (n == 3) | (g & (n == 2))


@pytest.mark.parametrize("answer, keyword", [
    (life_zero_padded, "periodic"), (life_counts_itself, "itself"), (life_bool_sum, "logical OR"),
    (life_rule([3], [3]), "a live cell with 2 live neighbours dies, but should survive"),
    (life_rule([2, 3], [2, 3]), "a dead cell with 2 live neighbours comes alive"),
    (life_rule([2, 3, 4], [3]), "a live cell with 4 live neighbours survives, but should die"),
    (life_in_place, "changed its input"), (lambda g: _moore(g), "intermediate count"),
    (life_von_neumann, "diagonal"), (lambda g: np.pad(life_step(g), 1), "padding"),
    (lambda g: g.copy(), "unchanged"),
])
def test_life_mistakes(answer, keyword):
    verdict = check.life_step(answer)
    assert not verdict.passed and keyword in str(verdict), str(verdict)


def order_vector(a):
    return np.array([np.cos(a).mean(), np.sin(a).mean()])


@pytest.mark.parametrize("answer, keyword", [
    (lambda a: np.mean(a), "averaged the angles"),
    (lambda a: abs(np.mean(a)), "averaged the angles"),
    (order_vector, "length"), (lambda a: np.exp(1j * a).mean(), "absolute value"),
    (lambda a: polar_order(np.radians(a)), "radians"),
    (lambda a: np.hypot(np.cos(a), np.sin(a)).mean(), "always 1"),
    (lambda a: np.hypot(np.cos(a).sum(), np.sin(a).sum()), "grows with the number of particles"),
    (lambda a: np.cos(a).mean() ** 2 + np.sin(a).mean() ** 2, "squared length"),
    (lambda a: abs(np.cos(a).mean()), "both"),
])
def test_polar_order_mistakes(answer, keyword):
    verdict = check.polar_order(answer)
    assert not verdict.passed and keyword in str(verdict), str(verdict)


def test_calling_the_library_is_not_your_own_work():
    for answer in (cs.life_step, lambda g: cs.life_step(g)):
        verdict = check.life_step(answer)
        assert not verdict.passed and "write it yourself" in verdict.hint, str(verdict)


def test_finite_size_width_mistakes(widths):
    cases = [(-widths, "wrong way round"), (widths[::-1], "wrong order"),
             (widths_with(cross_nearest), "nearest"), (widths_with(crossing, 0.25, 0.75), "25-75"),
             (widths[:3], "shape"), (widths * 3, "10 % and 90 %")]
    for w, keyword in cases:
        verdict = check.finite_size(w, -0.75, 1.5)
        assert not verdict.passed and keyword in str(verdict), (keyword, str(verdict))


def test_finite_size_slope_mistakes(widths):
    L = np.array(check.FINITE_SIZE_LS, float)
    ident = lambda x: x  # noqa: E731
    cases = [
        (fit(widths, x=np.log, y=ident), "logarithm of the widths"),
        (fit(widths, x=ident, y=np.log), "logarithm of L"),
        (float(np.polyfit(np.log(widths), np.log(L), 1)[0]), "x-axis"),
        (float(np.polyfit(np.log(L), np.log(widths), 1)[1]), "intercept"),
        (np.polyfit(np.log(L), np.log(widths), 1), "slope and an intercept"),
        (fit(widths, x=np.log10), "same logarithm"),
        (-1 / fit(widths), "ν"), (-fit(widths), "sign"),
    ]
    endpoints = float(np.log(widths[-1] / widths[0]) / np.log(L[-1] / L[0]))
    if abs(endpoints - fit(widths)) > 0.011:  # within 0.01 of the fit it is accepted, rightly
        cases.append((endpoints, "all 4 points"))
    for slope, keyword in cases:
        verdict = check.finite_size(widths, slope, 1.5)
        assert not verdict.passed and keyword in str(verdict), (keyword, str(verdict))


@pytest.mark.parametrize("answer, keyword", [
    (lambda r: np.asarray(r, float).mean(), "-1"),
    (lambda r: np.asarray(r)[np.asarray(r) >= 0].mean(), "mean speed of the cars"),
    (lambda r: (np.asarray(r) >= 0).mean(), "that is the density"),
    (lambda r: np.clip(r, 0, None).mean(axis=1), "one number"),
    (lambda r: np.clip(r, 0, None).sum() / len(r), "road length"),
    (lambda r: (np.asarray(r) >= 0).mean() * np.clip(r, 0, None).mean(), "counts the density twice"),
    (lambda r: (np.asarray(r) > 0).mean(), "how many cars are moving"),
])
def test_flow_mistakes(answer, keyword):
    verdict = check.flow(answer)
    assert not verdict.passed and keyword in str(verdict), str(verdict)


# ---------------------------------------------------------------- (c) garbage never raises


@pytest.mark.parametrize("answer", [None, Ellipsis, "abc", [1, 2], float("nan"), crash,
                                    [1, 2, np.nan, 4], {"a": 1}, [[1, 2], [3]], np.ones((2, 4))],
                         ids=garbage_id)
def test_finite_size_garbage(answer, widths):
    for verdict in (check.finite_size(answer, -0.75, 1.5), check.finite_size(widths, answer, 1.5)):
        assert isinstance(verdict, Verdict) and not verdict.passed
    assert not check.finite_size(answer, answer, 1.5).passed
