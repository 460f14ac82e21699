"""Fetch an npm package with the ordinary npm client, once, into a local cache.

Used for the JavaScript the book and its browser tests need (the widget manager, axe-core):
nothing third-party is committed; it is fetched at build/test time and reused offline.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path


def cache_root() -> Path:
    """``$EMERGENCE_CACHE``, else ``~/.cache/emergence``."""
    return Path(os.environ.get("EMERGENCE_CACHE") or Path.home() / ".cache" / "emergence")


def npm_package(name: str, version: str) -> Path | None:
    """The unpacked package folder of ``name@version`` (cached), or None if npm can't get it."""
    target = cache_root() / "npm" / f"{name.replace('/', '+')}@{version}"
    if (target / "package.json").is_file():
        return target
    npm = shutil.which("npm")
    if npm is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        try:
            subprocess.run([npm, "pack", f"{name}@{version}", "--silent"], cwd=tmp, check=True,
                           capture_output=True, timeout=300)
        except (subprocess.SubprocessError, OSError):
            return None
        tarballs = list(Path(tmp).glob("*.tgz"))
        if len(tarballs) != 1:
            return None
        try:
            with tarfile.open(tarballs[0]) as tar:
                tar.extractall(tmp, filter="data")
            if not (Path(tmp) / "package" / "package.json").is_file():
                return None
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(target, ignore_errors=True)
            shutil.move(str(Path(tmp) / "package"), target)
        except (tarfile.TarError, OSError):
            return None
    return target
