"""Kernels that nbval starts inherit the executor's thread settings (see emergence.execute)."""
from emergence.execute import pin_threads

pin_threads()
