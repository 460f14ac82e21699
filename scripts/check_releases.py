"""Run every notebook against the newest releases (or the oldest supported ones) and compare.

    python scripts/check_releases.py newest    # newest numpy, matplotlib, ipywidgets, ipykernel, nbclient
    python scripts/check_releases.py oldest    # the lower bounds declared in pyproject.toml

Makes a fresh virtual environment under ~/.cache/emergence/, installs that set plus the course
library (--no-deps), runs each notebook top to bottom in a kernel of that environment, and
compares every printed result with the output stored in the notebook (what nbval compares).
Exits non-zero on a changed result, an error or a warning, listing each. The book's own pins
(requirements.txt) are not used. Run weekly by .github/workflows/book.yml, not by .ci/run.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "emergence"
RUNTIME = ["ipykernel", "nbclient", "nbformat", "pillow"]
SETS = {
    "newest": ["numpy", "matplotlib", "ipywidgets", *RUNTIME],
    "oldest": None,  # read from pyproject.toml: each dependency at its lower bound
}
def oldest_set() -> list[str]:
    """Each library dependency pinned at the lower bound pyproject.toml declares."""
    import tomllib

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = []
    for dep in deps:
        name, _, bound = dep.partition(">=")
        if not bound:
            raise ValueError(f"pyproject.toml: dependency {dep!r} has no lower bound (>=) to test")
        pins.append(f"{name.strip()}=={bound.split(',')[0].strip()}")
    return pins + RUNTIME


def printed(cell) -> str:
    """What a code cell printed: every notebook prints its key results as rounded text.

    (Glued values and widget fallbacks need the book's toolchain, which is not installed here.)
    """
    return "".join(out["text"] for out in cell.get("outputs", [])
                   if out["output_type"] == "stream" and out["name"] == "stdout")


def problems(cell) -> list[str]:
    """Errors and warnings a cell wrote."""
    found = []
    for out in cell.get("outputs", []):
        if out["output_type"] == "error":
            found.append(f"error {out['ename']}: {out['evalue']}")
        elif out["output_type"] == "stream" and out["name"] == "stderr":
            found.append(f"stderr: {out['text'].strip()[:300]}")
    return found


def run_notebooks(paths: list[Path]) -> int:
    """Inside the environment under test: execute each notebook and compare with the stored one."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    failures = 0
    for path in paths:
        stored = nbformat.read(path, as_version=4)
        fresh = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        client = NotebookClient(fresh, timeout=600, kernel_name="python3", allow_errors=True,
                                resources={"metadata": {"path": str(path.parent)}})
        try:
            client.execute()
        except CellExecutionError as err:  # allow_errors keeps going; this is a kernel death
            print(f"{path.name}: kernel failed: {err}")
            failures += 1
            continue
        issues = []
        for k, (old, new) in enumerate(zip(stored.cells, fresh.cells)):
            if old.cell_type != "code":
                continue
            issues += [f"  cell {k}: {p}" for p in problems(new)]
            if printed(old) != printed(new):
                issues.append(f"  cell {k}: printed {printed(new)!r}, stored {printed(old)!r}")
        seconds = time.perf_counter() - start
        print(f"{path.name}: {'OK' if not issues else f'{len(issues)} problem(s)'} ({seconds:.1f} s)")
        print("\n".join(issues)) if issues else None
        failures += bool(issues)
    return failures


def make_env(name: str) -> Path:
    """A fresh venv with the release set ``name`` and the course library (no dependencies)."""
    folder = CACHE / f"releases-{name}"
    venv.EnvBuilder(clear=True, with_pip=True).create(folder)
    python = folder / "bin" / "python"
    packages = SETS[name] or oldest_set()
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "-U", *packages], check=True)
    subprocess.run([*pip, "--no-deps", "-e", str(ROOT)], check=True)
    return python


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("releases", choices=sorted(SETS), help="which release set to test")
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.notebooks] or sorted(NOTEBOOKS.glob("*.ipynb"))
    if args.inside:
        return 1 if run_notebooks(paths) else 0
    python = make_env(args.releases)
    versions = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(', '.join(f'{p} ' + "
         "m.version(p) for p in ('numpy', 'matplotlib', 'ipywidgets', 'ipykernel', 'nbclient')))"],
        capture_output=True, text=True, check=True).stdout.strip()
    print(f"== {args.releases} releases: {versions}")
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1",  # warnings filtered as a student sees them
           "PATH": f"{python.parent}{os.pathsep}{os.environ['PATH']}"}
    code = subprocess.run([str(python), __file__, args.releases, *map(str, paths), "--inside"],
                          env=env).returncode
    print(f"== {args.releases} releases: {'same printed results, no error or warning' if code == 0 else 'FAILED'}")
    return code


if __name__ == "__main__":
    sys.exit(main())
