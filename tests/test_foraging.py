"""Ant-colony foraging: trails form only in large colonies, and more evaporation needs more ants."""
import numpy as np
import pytest

from emergence import foraging as fo


def test_deterministic_and_seeded():
    a = fo.simulate(30, 0.02, 300, seed=4)
    b = fo.simulate(30, 0.02, 300, seed=4)
    np.testing.assert_array_equal(a["delivered"], b["delivered"])
    np.testing.assert_array_equal(a["pheromone"], b["pheromone"])
    assert not np.array_equal(a["pheromone"], fo.simulate(30, 0.02, 300, seed=5)["pheromone"])


def test_no_food_no_pheromone_and_no_deliveries_before_the_shortest_round_trip():
    run = fo.simulate(50, 0.02, 400, seed=0)
    first = int(np.argmax(run["delivered"] > 0))
    assert first + 1 >= 2 * fo.Colony().distance()     # out to the food and back, at best
    far = fo.Colony(food=(20, 28), nest=(20, 8))
    assert fo.simulate(5, 0.02, 10, seed=0, colony=far)["pheromone"].sum() == 0


def test_pheromone_is_strongest_near_the_food():
    run = fo.simulate(200, 0.01, 1500, seed=1)
    trail = run["pheromone"][19:22, :]                  # the corridor between nest and food
    nest, food = fo.Colony().nest[1], fo.Colony().food[1]
    assert trail[:, food - 3:food].sum() > trail[:, nest + 1:nest + 4].sum()


def test_large_colony_outforages_small_one_and_evaporation_kills_trails():
    small = np.mean([fo.efficiency(5, 0.1, 2000, seed=s) for s in range(2)])
    large = np.mean([fo.efficiency(320, 0.1, 2000, seed=s) for s in range(2)])
    assert large > 3 * small
    slow = np.mean([fo.efficiency(20, 0.01, 2000, seed=s) for s in range(2)])
    fast = np.mean([fo.efficiency(20, 0.1, 2000, seed=s) for s in range(2)])
    assert slow > 3 * fast


def test_record_every_stores_frames():
    run = fo.simulate(10, 0.05, 100, seed=0, record_every=25)
    assert run["frames"].shape == (4, 40, 40)
    np.testing.assert_array_equal(run["frames"][-1], run["pheromone"])


def test_critical_colony():
    assert fo.critical_colony([5, 10, 20], [0.1, 0.6, 0.9], 0.5) == 10
    assert np.isnan(fo.critical_colony([5, 10], [0.1, 0.2], 0.5))


def test_shipped_sweep_shape_and_trend():
    sweep = fo.load_sweep()
    assert sweep["ants"].tolist() == list(fo.SWEEP_ANTS)
    assert sweep["evaporation"].tolist() == list(fo.SWEEP_EVAPORATION)
    eff = sweep["efficiency"]
    assert eff[:, -1].mean() > eff[:, 0].mean()          # bigger colonies forage better
    assert eff[-1].mean() < eff[0].mean()                # faster evaporation, worse foraging


@pytest.mark.parametrize("call, exc, name", [
    (lambda: fo.simulate(0, 0.02, 10, 0), ValueError, "n_ants"),
    (lambda: fo.simulate(5.0, 0.02, 10, 0), TypeError, "n_ants"),
    (lambda: fo.simulate(5, 0.0, 10, 0), ValueError, "evaporation"),
    (lambda: fo.simulate(5, 1.5, 10, 0), ValueError, "evaporation"),
    (lambda: fo.simulate(5, 0.02, 0, 0), ValueError, "steps"),
    (lambda: fo.simulate(5, 0.02, 10, 0, record_every=-1), ValueError, "record_every"),
    (lambda: fo.simulate(5, 0.02, 10, "x"), TypeError, "seed"),
    (lambda: fo.critical_colony([5], [0.1], -1), ValueError, "level"),
])
def test_bad_input_names_the_parameter(call, exc, name):
    with pytest.raises(exc, match=name):
        call()
