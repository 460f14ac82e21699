"""Importing the library changes nothing global; ``emergence.setup()`` applies the plot style
and the allocator tuning explicitly (issue: no work at import)."""
import subprocess
import sys

PROBE = """
import matplotlib
before = {k: matplotlib.rcParams[k] for k in ("axes.grid", "axes.spines.top", "font.size")}
import emergence, emergence.figures, emergence.nn, emergence.grokking
from emergence.nn import allocator
after = {k: matplotlib.rcParams[k] for k in before}
print(before == after, allocator._tuned is None)
emergence.setup()
print(matplotlib.rcParams["axes.grid"], matplotlib.rcParams["axes.spines.top"],
      allocator._tuned is not None)
"""


def test_import_does_nothing_and_setup_does_both():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                         check=True).stdout.split("\n")
    assert out[0] == "True True", "importing changed rcParams or tuned the allocator"
    assert out[1] == "True False True", "setup() did not apply the style and the allocator"
