"""Emergence: the course library. Every number a notebook shows is computed here, under test."""

__version__ = "0.1.0"


def setup() -> None:
    """Prepare this process for the course: the plot style and memory reuse for training.

    Importing the library changes nothing global; notebooks (their setup cell), the notebook
    executor and the benchmark call this once instead.
    """
    from .figures import use_style
    from .nn import tune_allocator
    use_style()
    tune_allocator()
