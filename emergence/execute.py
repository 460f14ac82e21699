"""Re-execute notebooks in place and record what code produced their outputs.

    python -m emergence.execute                 # every notebook under notebooks/
    python -m emergence.execute notebooks/ch01_lab.ipynb

Outputs and widget state are stored (the book shows them; nbval compares them). The
notebook's metadata gets a fingerprint of the code cells plus the source of every
``emergence`` module the kernel imported, so ``stale()`` can tell when a notebook no
longer matches the code. Solution cells are tagged ``hide-input`` (a toggle in the book),
and each figure's alt text is moved where myst-nb reads it.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
COMMAND = "python -m emergence.execute"
SOLUTION_BEGIN, SOLUTION_END = "# BEGIN SOLUTION", "# END SOLUTION"
# Kernels get one BLAS thread: the course's matrices are small, a second thread mostly
# waits on a shared 2-core machine, and float32 sums then do not depend on the core count,
# so stored outputs reproduce bit for bit under nbval (./conftest.py uses the same).
KERNEL_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
# Every kernel starts with the course's one-time setup (plot style, allocator), as each
# notebook's setup cell does; importing the library does neither.
KERNEL_SETUP = "--IPKernelApp.exec_lines=import emergence; emergence.setup()"
_LIST_MODULES = ("import sys as _s, json as _j; print(_j.dumps(sorted({m.__file__ for n, m in "
                 "list(_s.modules.items()) if (n == 'emergence' or n.startswith('emergence.')) "
                 "and getattr(m, '__file__', None)})))")


def fingerprint(nb, modules: list[str]) -> str:
    """Hash of the code cells and of the library files (paths relative to the repo root)."""
    h = hashlib.sha256()
    for cell in nb.cells:
        if cell.cell_type == "code":
            h.update(cell.source.encode() + b"\0")
    for rel in sorted(modules):
        path = ROOT / rel
        h.update(rel.encode() + b"\0" + (path.read_bytes() if path.exists() else b"<missing>"))
    return h.hexdigest()


def stale(path: Path) -> str | None:
    """Why ``path`` is out of date with the current code, or None if it is current."""
    nb = nbformat.read(path, as_version=4)
    meta = nb.metadata.get("emergence", {})
    if "fingerprint" not in meta:
        return f"{path.name} was never run by the executor; run: {COMMAND} {path.as_posix()}"
    if fingerprint(nb, meta["modules"]) != meta["fingerprint"]:
        return (f"{path.name} is stale (its code or the library changed since its outputs were "
                f"stored); run: {COMMAND} {path.as_posix()}")
    return None


def _tag_solutions(nb) -> None:
    for cell in nb.cells:
        if cell.cell_type == "code" and SOLUTION_BEGIN in cell.source:
            tags = cell.metadata.setdefault("tags", [])
            if "hide-input" not in tags:
                tags.append("hide-input")


def _move_alt_text(nb) -> None:
    """Copy each figure's alt text from its output metadata to the cell's ``mystnb`` options."""
    for cell in nb.cells:
        alts = [o.get("metadata", {}).get("image/png", {}).get("alt")
                for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]
        alts = [a for a in alts if a]
        if alts:
            cell.metadata.setdefault("mystnb", {}).setdefault("image", {})["alt"] = " / ".join(alts)


def execute(path: Path, timeout: int = 300) -> float:
    """Run ``path`` top to bottom in a fresh kernel, store outputs, return wall seconds."""
    path = Path(path).resolve()
    nb = nbformat.read(path, as_version=4)
    _tag_solutions(nb)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", store_widget_state=True,
                            extra_arguments=[KERNEL_SETUP],
                            resources={"metadata": {"path": str(path.parent)}})
    probe = nbformat.v4.new_code_cell(_LIST_MODULES)
    nb.cells.append(probe)  # asks the kernel which library modules the notebook used
    start = time.perf_counter()
    try:
        client.execute()
    finally:
        nb.cells.pop()
    seconds = time.perf_counter() - start
    files = json.loads(probe.outputs[0]["text"])
    modules = sorted(Path(f).resolve().relative_to(ROOT).as_posix() for f in files)
    _move_alt_text(nb)
    nb.metadata["emergence"] = {"fingerprint": fingerprint(nb, modules), "modules": modules,
                                "seconds": round(seconds, 1)}
    nbformat.write(nb, path)
    return seconds


def pin_threads() -> None:
    """Make kernels started from this process use ``KERNEL_ENV`` (unless the caller set it)."""
    for name, value in KERNEL_ENV.items():
        os.environ.setdefault(name, value)


def main(argv=None) -> int:
    pin_threads()
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="notebooks (default: all)")
    args = parser.parse_args(argv)
    paths = args.paths or sorted(p for p in NOTEBOOKS.glob("*.ipynb"))
    for path in paths:
        if path.suffix != ".ipynb" or not path.is_file():
            parser.error(f"not a notebook: {path}")
        seconds = execute(path)
        print(f"{path.name}: {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
