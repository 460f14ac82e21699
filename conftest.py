"""Test-suite settings shared by every test and by the kernels nbval starts.

- Kernels inherit the executor's thread settings (see ``emergence.execute.pin_threads``).
- Hypothesis draws the same examples on every run, so CI never meets a new random case.
"""
from hypothesis import settings

from emergence.execute import pin_threads

pin_threads()
settings.register_profile("course", derandomize=True, database=None)
settings.load_profile("course")
