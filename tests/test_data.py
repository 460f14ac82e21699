"""Tests for emergence.data: one reader for tables, one format for saved runs."""
import json

import numpy as np
import pytest

from emergence import data


TABLES = ("chinchilla_fits", "chinchilla_table3", "chinchilla_vs_gopher", "cot_published",
          "cot_sweep", "gpt3_arithmetic", "grokking_phase_diagram", "inverse_scaling",
          "kaplan2020_constants", "sparse_parity_sweep", "wei2022_table1")


@pytest.mark.parametrize("name", TABLES)
def test_every_shipped_table_is_typed_once_and_names_its_source(name):
    rows = data.read_table(name)
    assert rows and all(row["source"] for row in rows), name
    for row in rows:
        for value in row.values():
            assert value is None or isinstance(value, bool | int | float | str)
            if isinstance(value, str):  # text that looks like a number would be a typing bug
                with pytest.raises(ValueError):
                    float(value)


def test_cells_are_typed(tmp_path):
    path = tmp_path / "t.csv"
    data.write_table(path, [dict(a=1, b="0.5", c=None, d=True, e="x y", f="2e3")], "abcdef")
    assert path.read_text().splitlines()[1] == "1,0.5,,yes,x y,2e3"
    assert data.read_table(path) == [dict(a=1, b=0.5, c=None, d=True, e="x y", f=2000.0)]


def test_read_table_returns_fresh_rows():
    rows = data.read_table("gpt3_arithmetic")
    rows[0]["task"] = "changed"
    assert data.read_table("gpt3_arithmetic")[0]["task"] == "2D+"


def test_runs_round_trip_without_parsing_strings(tmp_path):
    runs = {"a": data.SavedRun({"lr": 0.01, "steps": 3, "name": "x"}, {"loss": np.arange(3.0)}),
            "b": ({"steps": 1}, {"w": np.ones((2, 2), np.float32), "n": np.array(7)})}
    data.save_runs(tmp_path / "r.npz", runs)
    back = data.load_runs(tmp_path / "r.npz")
    assert list(back) == ["a", "b"]
    assert back["a"].config == {"lr": 0.01, "steps": 3, "name": "x"}
    assert type(back["a"].config["steps"]) is int
    assert np.array_equal(back["a"].arrays["loss"], np.arange(3.0))
    assert back["b"].arrays["w"].dtype == np.float32 and int(back["b"].arrays["n"]) == 7
    with np.load(tmp_path / "r.npz") as raw:
        assert json.loads(str(raw["runs"]))["b"] == {"steps": 1}


def test_every_shipped_run_file_uses_the_runs_format():
    for path in sorted(data.DATA.glob("*.npz")):
        runs = data.load_runs(path.stem)
        assert runs and all(isinstance(r.config, dict) and r.arrays for r in runs.values())


@pytest.mark.parametrize("call, word", [
    (lambda: data.read_table("nope"), "name"),
    (lambda: data.read_table(3), "name"),
    (lambda: data.save_runs("x.npz", {}), "runs"),
    (lambda: data.save_runs("x.npz", {"a/b": ({}, {})}), "names"),
])
def test_bad_input_names_the_parameter(call, word):
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    assert word in str(info.value)
