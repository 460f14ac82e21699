"""The data layer: every shipped table and every shipped run is read and written here.

Two formats, one for each kind of file in this folder:

- **Tables** (``<name>.csv``): published results, and the final numbers of this course's
  sweeps, one row per record, every row with a ``source`` column saying where it comes from.
  :func:`read_table` types each cell once: empty -> None, ``yes``/``no`` -> bool, an
  integer -> int, another number -> float, anything else stays text. :func:`write_table`
  writes such a table.
- **Runs** (``<name>.npz``): the curves of trained runs (histories, sweeps). A file holds
  named runs; each is a :class:`SavedRun`, its settings as a JSON dict (typed, never
  re-parsed from strings) and its numpy arrays. :func:`save_runs` and :func:`load_runs`.
"""
from __future__ import annotations

import csv
import functools
import json
from pathlib import Path
from typing import NamedTuple

import numpy as np

__all__ = ["DATA", "read_table", "write_table", "SavedRun", "save_runs", "load_runs"]

DATA = Path(__file__).resolve().parent
"""The folder of shipped tables and runs (``emergence/data``)."""


# ---------------------------------------------------------------- tables

def _cell(text: str):
    """One CSV cell, typed: None, bool, int, float or the text itself."""
    if text == "":
        return None
    if text in ("yes", "no"):
        return text == "yes"
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


@functools.lru_cache(maxsize=None)
def _rows(path: Path) -> tuple[dict, ...]:
    with path.open(newline="", encoding="utf-8") as f:
        return tuple({k: _cell(v) for k, v in row.items()} for row in csv.DictReader(f))


def _table_path(name) -> Path:
    if not isinstance(name, str | Path):
        raise TypeError(f"name must be a str (a table in emergence/data) or a path, "
                        f"got {type(name).__name__}")
    path = Path(name) if isinstance(name, Path) else DATA / f"{name}.csv"
    if not path.is_file():
        known = sorted(p.stem for p in DATA.glob("*.csv"))
        raise ValueError(f"name must be one of {known} (or the path of a CSV file), got {name!r}")
    return path.resolve()


def read_table(name) -> list[dict]:
    """The rows of ``emergence/data/<name>.csv`` (or of the CSV at a path) as typed dicts.

    Every column is kept, ``source`` included, so a number never travels without its origin.
    Returns fresh dicts: changing them does not change what the next call returns.
    """
    return [dict(row) for row in _rows(_table_path(name))]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    return str(value)


def write_table(path, rows, columns) -> None:
    """Write ``rows`` (dicts) to the CSV file ``path`` with the given ``columns``, in order.

    None is written as an empty cell and bools as ``yes``/``no``, so :func:`read_table` gives
    back what was written. Format floats before passing them to fix their digits.
    """
    columns = list(columns)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows({k: _text(row[k]) for k in columns} for row in rows)
    _rows.cache_clear()


# ---------------------------------------------------------------- runs

class SavedRun(NamedTuple):
    """One saved run: its settings (a JSON-able dict) and its arrays by name."""

    config: dict
    arrays: dict


def save_runs(path, runs: dict) -> None:
    """Write named runs (``{name: SavedRun}`` or ``{name: (config, arrays)}``) to one ``.npz``."""
    if not isinstance(runs, dict) or not runs:
        raise TypeError("runs must be a non-empty dict {name: (config, arrays)}")
    configs, arrays = {}, {}
    for name, run in runs.items():
        if not isinstance(name, str) or "/" in name or not name:
            raise ValueError(f"run names must be non-empty strings without '/', got {name!r}")
        config, run_arrays = SavedRun(*run)
        configs[name] = config
        for key, value in run_arrays.items():
            arrays[f"{name}/{key}"] = np.asarray(value)
    np.savez_compressed(path, runs=json.dumps(configs), **arrays)


def load_runs(path) -> dict[str, SavedRun]:
    """Read a file written by :func:`save_runs`: ``{name: SavedRun(config, arrays)}``.

    ``path`` is a file path, or a name of a shipped file in ``emergence/data`` (no suffix).
    """
    if isinstance(path, str) and "/" not in path and not path.endswith(".npz"):
        path = DATA / f"{path}.npz"
    with np.load(path) as data:
        configs = json.loads(str(data["runs"]))
        runs = {name: SavedRun(config, {}) for name, config in configs.items()}
        for key in data.files:
            if key != "runs":
                name, array = key.split("/", 1)
                runs[name].arrays[array] = data[key]
    return runs
