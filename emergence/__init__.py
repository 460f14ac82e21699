"""Emergence: the course library. Every number a notebook shows is computed here, under test.

The map: where each chapter lives. Chapter N's page is ``book/chNN_<topic>.md``, its notebooks
``notebooks/chNN_lab.ipynb`` and ``notebooks/chNN_exercises.ipynb``, its demo frames
``emergence/demos/chNN.py`` and its exercise checkers ``emergence/checks/chNN.py``; the
science is in the modules below, each tested by ``tests/test_<module>.py``.

====  ================================  ==========================================================
ch.   science (``emergence/``)          shipped data (``emergence/data/``, made by ``scripts/``)
====  ================================  ==========================================================
1     complex_systems.py, foraging.py   foraging_sweep
2     scaling.py, sparse_parity.py      kaplan2020_constants, chinchilla_*; sparse_parity_sweep
3     behaviours.py                     gpt3_arithmetic, wei2022_table1, inverse_scaling
4     icl.py, induction.py              gpt3_arithmetic (via behaviours); induction_history
5     cot.py                            cot_published; cot_sweep
6     grokking.py                       grokking_phase_diagram, grokking_sweep
7     mirage.py                         gpt3_arithmetic (via behaviours)
8     synthesis.py                      the sweeps of chapters 2, 4 and 6
====  ================================  ==========================================================

Shared by every chapter:

- ``data/__init__.py``: the data layer. ``read_table`` reads every CSV (typed once, with its
  ``source`` column); ``save_runs``/``load_runs`` the saved runs (``.npz``, JSON settings).
- ``curves.py``: helpers on sampled curves (first crossing, first step reaching a level,
  longest run above a level, log-log slope, the logistic function).
- ``nn/``: the numpy training engine; ``nn.train`` is the one training loop (per-step
  ``on_step`` callback, evaluations, ``History``). Each experiment module has a ``*Config``
  dataclass whose defaults are the live run and a ``train(config)`` returning a run built on
  ``nn.History``.
- ``figures.py``, ``explore.py`` (demos that work in the static book), ``glue.py`` (numbers
  for the pages), ``execute.py`` (re-runs notebooks), ``machines.py`` (runs them as on
  another CPU), ``student.py``, ``grade.py`` and ``autograders.py`` (student versions,
  grading, nbgrader/otter-grader formats), ``sphinxext.py``, ``npm.py``, ``_validate.py``.
- The Chinese edition: ``editions.py`` (builds both editions), ``translations.py`` (the book's
  message catalogues), ``i18n.py`` (the language of the exercise checks) and
  ``translate_notebooks.py`` (Chinese notebooks).

``CONTRIBUTING.md`` says how to add a chapter.
"""

__version__ = "0.1.0"


def setup(language: str | None = None) -> None:
    """Prepare this process for the course: the plot style and memory reuse for training, and
    the language of the exercise checks (``"zh_CN"`` for Chinese; default: English, whatever
    the machine's locale).

    Importing the library changes nothing global; notebooks (their setup cell), the notebook
    executor and the benchmark call this once instead.
    """
    from .figures import use_style
    from .i18n import set_language
    from .nn import tune_allocator
    if language is not None:
        set_language(language)
    use_style()
    tune_allocator()
