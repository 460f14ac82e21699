"""Tests for emergence.complex_systems: physics checks, determinism and bad input."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from emergence import complex_systems as cs

P_C_SQUARE_SITE = 0.592746  # site percolation threshold, square lattice (Newman & Ziff 2000)


def crossing(ps, curve, level):
    """First p at which a non-decreasing curve reaches ``level``."""
    return ps[np.argmax(curve >= level)]


# ---------------------------------------------------------------- percolation

PS = np.linspace(0.4, 0.8, 4001)


@pytest.fixture(scope="module")
def curves():
    return {L: cs.spanning_probability(L, PS, 200, seed=0) for L in (16, 32, 64, 128)}


def test_percolation_grid_occupation():
    grid = cs.percolation_grid(200, 0.3, seed=1)
    assert grid.shape == (200, 200) and grid.dtype == bool
    assert abs(grid.mean() - 0.3) < 0.01
    assert not cs.percolation_grid(5, 0.0, seed=1).any() and cs.percolation_grid(5, 1.0, seed=1).all()


def test_spans_hand_made_grids():
    column = np.zeros((6, 6), bool)
    column[:, 2] = True
    checkerboard = np.indices((6, 6)).sum(axis=0) % 2 == 0
    assert cs.spans(column)
    assert not cs.spans(checkerboard)
    assert not cs.spans(np.zeros((6, 6), bool))
    assert cs.spans(np.ones((1, 1), int))  # 0/1 numbers are accepted
    assert not cs.spans(column.T)  # a horizontal line does not


def test_spans_follows_winding_paths():
    # down column 0, across row 4, UP column 4, across row 0, down column 6 to the bottom
    snake = np.zeros((7, 7), bool)
    snake[:5, 0] = snake[4, :5] = snake[1:5, 4] = snake[1, 4:7] = snake[1:, 6] = True
    assert cs.spans(snake)
    snake[4, 2] = False  # cut it: column 0 alone does not reach the bottom
    assert not cs.spans(snake)


def test_spanning_cluster_mask():
    grid = np.zeros((6, 6), bool)
    grid[:, 1] = True          # spanning column
    grid[2, 2:4] = True        # a branch of it
    grid[0:3, 5] = True        # touches the top only
    grid[4, 3] = True          # isolated
    expected = np.zeros_like(grid)
    expected[:, 1] = True
    expected[2, 2:4] = True
    np.testing.assert_array_equal(cs.spanning_cluster(grid), expected)
    assert not cs.spanning_cluster(grid[:, 2:]).any()


def test_thresholds_agree_with_brute_force():
    L, trials, seed = 10, 40, 3
    thresholds = cs.spanning_thresholds(L, trials, seed)
    u = np.random.default_rng(seed).random((trials, L, L), dtype=np.float32)
    for k, t in enumerate(thresholds):
        assert t in u[k]
        assert cs.spans(u[k] <= t) and not cs.spans(u[k] < t)
        for p in (0.45, 0.55, 0.6, 0.65, 0.75):
            assert cs.spans(u[k] < p) == (t < p)


def test_threshold_of_a_single_grid_matches_percolation_grid():
    t = cs.spanning_thresholds(12, 1, seed=5)[0]
    assert cs.spans(cs.percolation_grid(12, np.nextafter(t, 1), seed=5))
    assert not cs.spans(cs.percolation_grid(12, t, seed=5))


def test_spanning_probability_crosses_half_at_pc(curves):
    assert abs(crossing(PS, curves[128], 0.5) - P_C_SQUARE_SITE) < 0.02


def test_spanning_curves_sharpen_with_size(curves):
    # mean slope over the middle half of the curve (from P = 1/4 to P = 3/4)
    slopes = [0.5 / (crossing(PS, c, 0.75) - crossing(PS, c, 0.25)) for c in curves.values()]
    assert all(a < b for a, b in zip(slopes, slopes[1:])), slopes
    assert slopes[-1] > 2 * slopes[0]


def test_spanning_probability_shape_and_limits():
    ps = np.array([[0.0, 0.3], [0.7, 1.0]])
    prob = cs.spanning_probability(8, ps, 50, seed=2)
    assert prob.shape == ps.shape
    assert prob[0, 0] == 0 and prob[1, 1] == 1


def test_percolation_deterministic():
    np.testing.assert_array_equal(cs.spanning_thresholds(16, 10, 4), cs.spanning_thresholds(16, 10, 4))
    assert not np.array_equal(cs.spanning_thresholds(16, 10, 4), cs.spanning_thresholds(16, 10, 5))
    np.testing.assert_array_equal(cs.percolation_grid(9, 0.5, 4), cs.percolation_grid(9, 0.5, 4))


@settings(max_examples=25, deadline=None)
@given(L=st.integers(1, 12), seed=st.integers(0, 2**32 - 1),
       ps=st.lists(st.floats(0, 1), min_size=1, max_size=20))
def test_spanning_probability_is_non_decreasing(L, seed, ps):
    prob = cs.spanning_probability(L, np.sort(ps), 20, seed)
    assert np.all(np.diff(prob) >= 0) and np.all((prob >= 0) & (prob <= 1))


@settings(max_examples=25, deadline=None)
@given(L=st.integers(1, 12), p=st.floats(0, 1), seed=st.integers(0, 2**32 - 1))
def test_spans_iff_p_above_threshold(L, p, seed):
    assert cs.spans(cs.percolation_grid(L, p, seed)) == (cs.spanning_thresholds(L, 1, seed)[0] < p)


# ---------------------------------------------------------------- Ising

@pytest.fixture(scope="module")
def ising():
    return cs.ising_simulate(32, [1.0, 1.5, 2.0, 3.5], 400, seed=0)


def test_ising_output_shapes(ising):
    assert set(ising) == {"T", "abs_m", "energy", "susceptibility", "spins"}
    assert ising["spins"].shape == (4, 32, 32) and ising["spins"].dtype == np.int8
    assert set(np.unique(ising["spins"])) <= {-1, 1}
    assert np.all(ising["susceptibility"] >= 0)


def test_ising_ordered_at_low_and_disordered_at_high_temperature(ising):
    abs_m = dict(zip(ising["T"], ising["abs_m"]))
    assert abs_m[1.5] > 0.85
    assert abs_m[3.5] < 0.3


def test_ising_matches_onsager_below_tc(ising):
    assert abs(ising["abs_m"][2] - cs.onsager_magnetisation(2.0)) < 0.05


def test_ising_ground_state_energy(ising):
    assert np.all(ising["energy"] >= -2)
    assert ising["energy"][0] == pytest.approx(-2, abs=0.01)  # T = 1: almost all bonds aligned


def test_ising_susceptibility_peaks_near_tc():
    Ts = np.linspace(2.0, 2.8, 17)
    chi = cs.ising_simulate(32, Ts, 800, seed=1)["susceptibility"]
    assert abs(Ts[np.argmax(chi)] - cs.T_CRITICAL) <= 0.25


def test_ising_deterministic_and_hot_start():
    a = cs.ising_simulate(8, [2.0, 3.0], 20, seed=3, start="hot")
    b = cs.ising_simulate(8, [2.0, 3.0], 20, seed=3, start="hot")
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    c = cs.ising_simulate(8, [2.0, 3.0], 20, seed=4, start="hot")
    assert not np.array_equal(a["spins"], c["spins"])


def test_onsager_magnetisation():
    assert cs.T_CRITICAL == pytest.approx(2.269185, abs=1e-6)
    T = np.array([0.01, 1.0, 2.0, cs.T_CRITICAL, 2.5, 10.0])
    m = cs.onsager_magnetisation(T)
    assert m.shape == T.shape
    assert m[0] == pytest.approx(1) and m[2] == pytest.approx(0.911319, abs=1e-6)
    assert np.all(np.diff(m) <= 0) and np.all(m[3:] == 0)


# ---------------------------------------------------------------- traffic

def test_nasch_space_time_diagram():
    road = cs.nasch_simulate(100, 0.2, 50, seed=0)
    assert road.shape == (50, 100) and road.dtype == np.int8
    assert road.min() >= -1 and road.max() <= 5
    np.testing.assert_array_equal(np.flatnonzero(road[0] >= 0), np.arange(20) * 5)
    assert np.all(road[0][road[0] >= 0] == 0)


@pytest.mark.parametrize("density", [0.001, 0.1, 0.37, 1.0])
def test_nasch_conserves_cars(density):
    road = cs.nasch_simulate(200, density, 60, seed=1)
    assert np.all((road >= 0).sum(axis=1) == max(1, round(density * 200)))


def test_nasch_free_flow_at_low_density():
    flow = cs.nasch_flow(1000, [0.01], 400, seed=0)[0]
    assert flow == pytest.approx(0.01 * (5 - 0.3), rel=0.05)


def test_nasch_fundamental_diagram_peaks_then_declines():
    densities = np.linspace(0.02, 0.6, 30)
    flow = cs.nasch_flow(400, densities, 400, seed=0)
    peak = np.argmax(flow)
    assert 0.08 <= densities[peak] <= 0.2  # measured: 0.14 (vmax = 5, p_slow = 0.3)
    assert np.all(np.diff(flow[:4]) > 0)  # free flow: rises linearly
    assert flow[-1] < 0.6 * flow[peak]    # jammed: declines


def test_nasch_no_jams_without_random_braking():
    road = cs.nasch_simulate(200, 0.05, 60, seed=0, p_slow=0)
    later = road[20:]
    assert np.all(later[later >= 0] == 5)


def test_nasch_jams_at_high_density():
    road = cs.nasch_simulate(400, 0.3, 200, seed=0)
    assert np.any(road[100:] == 0)


def test_nasch_deterministic():
    np.testing.assert_array_equal(cs.nasch_simulate(80, 0.2, 30, 7), cs.nasch_simulate(80, 0.2, 30, 7))
    np.testing.assert_array_equal(cs.nasch_flow(80, [0.1, 0.3], 30, 7), cs.nasch_flow(80, [0.1, 0.3], 30, 7))
    assert not np.array_equal(cs.nasch_simulate(80, 0.2, 30, 7), cs.nasch_simulate(80, 0.2, 30, 8))


# ---------------------------------------------------------------- flocking

def test_vicsek_order_low_and_high_noise():
    low, high = cs.vicsek_order(300, 7.0, [0.1, 2 * np.pi], 200, seed=0)
    assert low > 0.9     # measured ~1.0: one flock
    assert high < 0.3    # measured ~0.05: a gas (random headings give ~1/sqrt(n))


def test_vicsek_simulate_outputs():
    out = cs.vicsek_simulate(100, 5.0, 1.0, 50, seed=1)
    assert out["order"].shape == (50,) and out["positions"].shape == (100, 2) and out["angles"].shape == (100,)
    assert np.all((out["order"] >= 0) & (out["order"] <= 1 + 1e-12))
    assert np.all((out["positions"] >= 0) & (out["positions"] <= 5.0))
    assert np.all((out["angles"] >= -np.pi) & (out["angles"] < np.pi))
    assert np.allclose(cs.vicsek_simulate(1, 5.0, 1.0, 5, seed=1)["order"], 1)


def test_vicsek_deterministic():
    a, b = (cs.vicsek_simulate(50, 4.0, 0.5, 20, seed=2) for _ in range(2))
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    assert not np.array_equal(a["angles"], cs.vicsek_simulate(50, 4.0, 0.5, 20, seed=3)["angles"])



def _distance_to_half(x: np.ndarray) -> np.ndarray:
    return np.abs(x - np.floor(x) - 0.5)


@pytest.mark.parametrize("offset", [0.0, 0.5])
def test_vicsek_tables_are_the_same_on_every_cpu(offset):
    """cos/sin may differ in the last bit between CPUs (~1e-16 * UNIT ≈ 1e-10 lattice units);
    no table entry lies within 1e-6 of a rounding boundary, so the rounded table cannot."""
    angles = cs._STEP * (np.arange(cs.HEADINGS) + offset)
    scaled = np.stack([np.cos(angles), np.sin(angles)], -1) * cs.UNIT
    assert _distance_to_half(scaled).min() > 1e-6
    table = cs._BISECTORS if offset else cs._VECTORS
    np.testing.assert_array_equal(table, np.round(scaled))


def test_vicsek_heading_sector_is_exact():
    """The sector of a summed vector is settled by integer cross products, even for vectors
    lying exactly on a sector boundary, where a float arctan2 guess is a coin toss."""
    rng = np.random.default_rng(0)
    j = rng.integers(0, cs.HEADINGS, 500)
    on_boundary = cs._BISECTORS[j] * rng.integers(1, 50, (500, 1))
    s = np.concatenate([on_boundary, on_boundary + rng.integers(-1, 2, (500, 2)),
                        rng.integers(-300 * cs.UNIT, 300 * cs.UNIT, (2000, 2))])
    k = cs._nearest_heading(s, np.zeros(len(s), dtype=np.int64))
    assert np.all(cs._cross(cs._BISECTORS[k - 1], s) >= 0) and np.all(cs._cross(cs._BISECTORS[k], s) < 0)
    np.testing.assert_array_equal(k[:500], (j + 1) % cs.HEADINGS)  # a boundary belongs to the sector above


def test_vicsek_zero_sum_keeps_heading():
    assert cs._nearest_heading(np.zeros((3, 2), dtype=np.int64), np.array([5, 6, 7])).tolist() == [5, 6, 7]

# ---------------------------------------------------------------- Game of Life

def place(pattern, shape=(8, 8), at=(0, 0)):
    grid = np.zeros(shape, bool)
    p = np.array(pattern, bool)
    grid[at[0]:at[0] + p.shape[0], at[1]:at[1] + p.shape[1]] = p
    return grid


def test_blinker_has_period_two():
    blinker = place([[1, 1, 1]], at=(3, 2))
    history = cs.life_run(blinker, 4)
    assert not np.array_equal(history[1], blinker)
    np.testing.assert_array_equal(history[2], blinker)
    np.testing.assert_array_equal(history[4], blinker)


def test_block_is_still():
    block = place([[1, 1], [1, 1]], at=(3, 3))
    np.testing.assert_array_equal(cs.life_step(block), block)


def test_glider_translates_diagonally_with_wrap():
    glider = place([[0, 1, 0], [0, 0, 1], [1, 1, 1]], at=(5, 5))  # heads down-right, across the edge
    np.testing.assert_array_equal(cs.life_run(glider, 4)[4], np.roll(glider, (1, 1), axis=(0, 1)))
    np.testing.assert_array_equal(cs.life_run(glider, 32)[32], glider)  # 8 moves on an 8 x 8 torus


def test_random_soup_dies_down():
    soup = cs.life_random((64, 64), 0.5, seed=0)
    history = cs.life_run(soup, 200)
    assert history.shape == (201, 64, 64)
    np.testing.assert_array_equal(history[0], soup)
    assert history[-1].sum() < soup.sum()


def test_life_random():
    soup = cs.life_random((100, 50), 0.25, seed=1)
    assert soup.shape == (100, 50) and soup.dtype == bool and abs(soup.mean() - 0.25) < 0.02
    np.testing.assert_array_equal(soup, cs.life_random((100, 50), 0.25, seed=1))


@settings(max_examples=30, deadline=None)
@given(h=st.integers(3, 12), w=st.integers(3, 12), density=st.floats(0, 1),
       seed=st.integers(0, 2**32 - 1), shift=st.tuples(st.integers(-5, 5), st.integers(-5, 5)))
def test_life_keeps_shape_and_commutes_with_shifts(h, w, density, seed, shift):
    grid = cs.life_random((h, w), density, seed)
    nxt = cs.life_step(grid)
    assert nxt.shape == grid.shape and nxt.dtype == bool
    np.testing.assert_array_equal(cs.life_step(np.roll(grid, shift, (0, 1))), np.roll(nxt, shift, (0, 1)))


# ---------------------------------------------------------------- bad input

GRID = np.ones((4, 4), bool)
NAN = float("nan")

BAD_INPUT = [
    # percolation
    (cs.percolation_grid, (4.0, 0.5, 0), {}, TypeError, "L"),
    (cs.percolation_grid, (0, 0.5, 0), {}, ValueError, "L"),
    (cs.percolation_grid, (4, 1.5, 0), {}, ValueError, "p"),
    (cs.percolation_grid, (4, NAN, 0), {}, ValueError, "p"),
    (cs.percolation_grid, (4, "0.5", 0), {}, TypeError, "p"),
    (cs.percolation_grid, (4, 0.5, -1), {}, ValueError, "seed"),
    (cs.percolation_grid, (4, 0.5, 1.5), {}, TypeError, "seed"),
    (cs.spans, ([1, 0, 1],), {}, ValueError, "grid"),
    (cs.spans, (np.full((3, 3), 2),), {}, ValueError, "grid"),
    (cs.spans, (np.full((3, 3), NAN),), {}, ValueError, "grid"),
    (cs.spans, ([["a"]],), {}, TypeError, "grid"),
    (cs.spanning_cluster, (np.zeros((0, 3)),), {}, ValueError, "grid"),
    (cs.spanning_cluster, ("grid",), {}, TypeError, "grid"),
    (cs.spanning_thresholds, (8, 0, 0), {}, ValueError, "trials"),
    (cs.spanning_thresholds, (8, 10.0, 0), {}, TypeError, "trials"),
    (cs.spanning_thresholds, (True, 10, 0), {}, TypeError, "L"),
    (cs.spanning_probability, (8, [0.5, 1.2], 10, 0), {}, ValueError, "ps"),
    (cs.spanning_probability, (8, [0.5, NAN], 10, 0), {}, ValueError, "ps"),
    (cs.spanning_probability, (8, ["a"], 10, 0), {}, TypeError, "ps"),
    (cs.spanning_probability, (8, [], 10, 0), {}, ValueError, "ps"),
    (cs.spanning_probability, (8, 0.5, 10, None), {}, TypeError, "seed"),
    # Ising
    (cs.ising_simulate, (7, [2.0], 10, 0), {}, ValueError, "L"),
    (cs.ising_simulate, ("8", [2.0], 10, 0), {}, TypeError, "L"),
    (cs.ising_simulate, (8, [2.0, 0.0], 10, 0), {}, ValueError, "temperatures"),
    (cs.ising_simulate, (8, [2.0, NAN], 10, 0), {}, ValueError, "temperatures"),
    (cs.ising_simulate, (8, [[2.0]], 10, 0), {}, ValueError, "temperatures"),
    (cs.ising_simulate, (8, [2.0], 0, 0), {}, ValueError, "sweeps"),
    (cs.ising_simulate, (8, [2.0], 10, 0), {"burn_in": 10}, ValueError, "burn_in"),
    (cs.ising_simulate, (8, [2.0], 10, 0), {"burn_in": 2.5}, TypeError, "burn_in"),
    (cs.ising_simulate, (8, [2.0], 10, 0), {"start": "warm"}, ValueError, "start"),
    (cs.onsager_magnetisation, (-1.0,), {}, ValueError, "T"),
    (cs.onsager_magnetisation, (NAN,), {}, ValueError, "T"),
    (cs.onsager_magnetisation, ("hot",), {}, TypeError, "T"),
    # traffic
    (cs.nasch_simulate, (0, 0.2, 10, 0), {}, ValueError, "road_length"),
    (cs.nasch_simulate, (100, 0.0, 10, 0), {}, ValueError, "density"),
    (cs.nasch_simulate, (100, NAN, 10, 0), {}, ValueError, "density"),
    (cs.nasch_simulate, (100, 0.2, 10.0, 0), {}, TypeError, "steps"),
    (cs.nasch_simulate, (100, 0.2, 10, 0), {"vmax": 0}, ValueError, "vmax"),
    (cs.nasch_simulate, (100, 0.2, 10, 0), {"vmax": 200}, ValueError, "vmax"),
    (cs.nasch_simulate, (100, 0.2, 10, 0), {"p_slow": -0.1}, ValueError, "p_slow"),
    (cs.nasch_simulate, (100, 0.2, 10, 0), {"p_slow": NAN}, ValueError, "p_slow"),
    (cs.nasch_flow, (100, [0.2, 1.1], 10, 0), {}, ValueError, "densities"),
    (cs.nasch_flow, (100, [0.2, NAN], 10, 0), {}, ValueError, "densities"),
    (cs.nasch_flow, (100, [0.2], 10, 0), {"burn_in": -1}, ValueError, "burn_in"),
    (cs.nasch_flow, (100, [0.2], 10, "0"), {}, TypeError, "seed"),
    # flocking
    (cs.vicsek_simulate, (0, 5.0, 0.5, 10, 0), {}, ValueError, "n"),
    (cs.vicsek_simulate, (10, 0.0, 0.5, 10, 0), {}, ValueError, "box"),
    (cs.vicsek_simulate, (10, 5.0, 7.0, 10, 0), {}, ValueError, "eta"),
    (cs.vicsek_simulate, (10, 5.0, NAN, 10, 0), {}, ValueError, "eta"),
    (cs.vicsek_simulate, (10, 5.0, 0.5, 0, 0), {}, ValueError, "steps"),
    (cs.vicsek_simulate, (10, 5.0, 0.5, 10, 0), {"v0": -1.0}, ValueError, "v0"),
    (cs.vicsek_simulate, (10, 5.0, 0.5, 10, 0), {"radius": 0.0}, ValueError, "radius"),
    (cs.vicsek_simulate, (10, 5.0, 0.5, 10, 0), {"radius": "1"}, TypeError, "radius"),
    (cs.vicsek_order, (10, 5.0, [0.5, -0.1], 10, 0), {}, ValueError, "etas"),
    (cs.vicsek_order, (10, 5.0, [NAN], 10, 0), {}, ValueError, "etas"),
    (cs.vicsek_order, (10.5, 5.0, [0.5], 10, 0), {}, TypeError, "n"),
    # Game of Life
    (cs.life_step, (np.ones(4, bool),), {}, ValueError, "grid"),
    (cs.life_step, (np.full((3, 3), 0.5),), {}, ValueError, "grid"),
    (cs.life_run, (GRID, -1), {}, ValueError, "steps"),
    (cs.life_run, (GRID, 2.0), {}, TypeError, "steps"),
    (cs.life_run, ([[NAN]], 2), {}, ValueError, "grid"),
    (cs.life_random, ((4,), 0.5, 0), {}, TypeError, "shape"),
    (cs.life_random, ((4, 0), 0.5, 0), {}, ValueError, "shape"),
    (cs.life_random, ((4, 4.0), 0.5, 0), {}, TypeError, "shape"),
    (cs.life_random, ((4, 4), 1.5, 0), {}, ValueError, "density"),
    (cs.life_random, ((4, 4), NAN, 0), {}, ValueError, "density"),
]


@pytest.mark.parametrize("func, args, kwargs, error, name", BAD_INPUT,
                         ids=[f"{f.__name__}-{n}-{i}" for i, (f, _, _, _, n) in enumerate(BAD_INPUT)])
def test_bad_input_names_the_parameter(func, args, kwargs, error, name):
    with pytest.raises(error, match=rf"^{name}\b"):
        func(*args, **kwargs)


def test_every_public_function_is_checked_for_bad_input():
    public = {name for name in dir(cs) if not name.startswith("_") and callable(getattr(cs, name))
              and getattr(getattr(cs, name), "__module__", None) == cs.__name__}
    assert public == {f.__name__ for f, *_ in BAD_INPUT}


def test_nasch_steady_state_peak_moves_to_lower_density_with_dawdling():
    """In the steady state random slowing lowers the peak flow and moves it to a lower density;
    a short run from evenly spaced cars hides the shift (both peaks at the same density)."""
    densities = np.round(np.linspace(0.02, 0.6, 30), 3)
    peaks = {}
    for steps in (400, cs.STEADY_STEPS):
        flows = [cs.nasch_flow(400, densities, steps, seed=3, p_slow=p) for p in (0.0, 0.3)]
        peaks[steps] = [densities[int(np.argmax(f))] for f in flows]
    assert peaks[400][0] == peaks[400][1]
    assert peaks[cs.STEADY_STEPS][1] < peaks[cs.STEADY_STEPS][0]
