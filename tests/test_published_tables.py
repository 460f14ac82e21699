"""Published numbers typed into the text pages' tables match `emergence/data` (and so their source).

Tables of GPT-3 arithmetic accuracy (Brown et al. 2020) are recognised by a header of model sizes
("125M", "13B", ...); tables from Wei et al. 2022's Table 1 by their "ability | prompting | FLOPs"
header. Every cell must equal the shipped CSV value.
"""
import re
from pathlib import Path

import pytest

from emergence import behaviours

BOOK = Path(__file__).resolve().parent.parent / "book"
SIZE = re.compile(r"^(\d+(?:\.\d+)?)([MB])$")
OPS = {"addition": "+", "subtraction": "-", "multiplication": "x"}
SETTINGS = ("zero-shot", "one-shot", "few-shot")


def _tables(text):
    """Each markdown table as a list of rows (lists of cell strings), separator row dropped."""
    table = []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not all(set(c) <= set("-: ") for c in cells):
                table.append(cells)
        elif table:
            yield table
            table = []


def _params(text):
    number, unit = SIZE.match(text).groups()
    return float(number) * (1e6 if unit == "M" else 1e9)


def _task(label):
    """'3-digit addition' -> '3D+'; None if the label names no GPT-3 arithmetic task."""
    m = re.match(r"(\d)-digit (addition|subtraction|multiplication)", label)
    return f"{m[1]}D{OPS[m[2]]}" if m else None


def _gpt3_cells():
    for page in sorted(BOOK.glob("*.md")):
        for table in _tables(page.read_text(encoding="utf-8")):
            header = table[0]
            if len(header) < 2 or not all(SIZE.match(h) for h in header[1:]):
                continue
            for row in table[1:]:
                setting = next((s for s in SETTINGS if row[0].startswith(s)), "few-shot")
                task = _task(row[0]) or _task(header[0])
                for size, cell in zip(header[1:], row[1:]):
                    yield pytest.param(task, setting, _params(size), float(cell),
                                       id=f"{page.stem}-{task}-{setting}-{size}")


def _wei_rows():
    for page in sorted(BOOK.glob("*.md")):
        for table in _tables(page.read_text(encoding="utf-8")):
            if table[0][:3] == ["ability", "prompting", "FLOPs"]:
                for row in table[1:]:
                    yield pytest.param(*row, id=f"{page.stem}-{row[0]}")


GPT3 = list(_gpt3_cells())
WEI = list(_wei_rows())


def test_the_pages_have_such_tables():
    assert len(GPT3) >= 40 and len(WEI) >= 5


@pytest.mark.parametrize("task, setting, params, value", GPT3)
def test_gpt3_table_cell_matches_the_data(task, setting, params, value):
    assert task is not None, "row label names no GPT-3 arithmetic task"
    sizes, accuracy = behaviours.gpt3_arithmetic(task, setting)
    assert params in sizes
    assert accuracy[list(sizes).index(params)] == pytest.approx(value, abs=1e-9)


@pytest.mark.parametrize("ability, prompting, flops, params, model", WEI)
def test_wei_table1_row_matches_the_data(ability, prompting, flops, params, model):
    rows = [r for r in behaviours.wei2022_table1()
            if r["model"] == model and r["prompting"] == prompting
            and float(r["train_flops"]) == float(flops) and float(r["params"]) == _params(params)]
    assert rows, f"no row of wei2022_table1.csv has {model}, {prompting}, {flops} FLOPs, {params}"
