"""Answers no checker may choke on: each must give a failing verdict, never a traceback."""
import math

import numpy as np


def crash(*args):
    raise ZeroDivisionError("boom")


GARBAGE = [None, Ellipsis, "abc", 3, True, [1, 2], {"a": 1}, float("nan"), np.ones((2, 3)), crash,
           lambda *a: None, lambda *a: "abc", lambda *a: [1, 2], lambda *a: float("nan"),
           lambda *a: math.inf, lambda *a: [[1], [1, 2]], lambda *a: {"x": 1},
           lambda *a: np.ones((3, 3)), lambda *a: 1j, lambda *a: True, lambda *a: (1, 2, 3, 4),
           lambda *a: (np.nan, 1.0), lambda *a: (np.ones((3, 3)), np.ones((3, 3)))]
"""Missing, mistyped, mis-shaped and non-finite answers, and functions that crash or return them."""


def garbage_id(answer) -> str:
    return getattr(answer, "__name__", repr(answer))
