"""Sphinx extension: serve the ipywidgets JavaScript from the book itself.

The static book renders stored widget state with ``@jupyter-widgets/html-manager``.
We fetch that package once with the npm client, cache it, and ship ``embed.js`` (which
needs no RequireJS) through ``html_extra_path`` -- never through the book's ``_static/``
folder, whose every ``.js`` Jupyter Book 1 injects into every page (that loads the manager
twice and renders each widget twice). Without npm and without a cache, the build says so
loudly and falls back to the public CDN.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from sphinx.util import logging

PACKAGE = "@jupyter-widgets/html-manager"
VERSION = "1.0.15"  # the html-manager that matches ipywidgets 8.1 / jupyterlab_widgets 3.0
SUBDIR = "_static/jupyter-widgets"  # inside the site; Sphinx resolves js paths under _static/
CDN = f"https://cdn.jsdelivr.net/npm/{PACKAGE}@{VERSION}/dist/embed.js"
_SHIPPED = (".js", ".woff2", ".woff", ".ttf", ".eot", ".svg", ".txt")

logger = logging.getLogger(__name__)


def cache_dir() -> Path:
    """Where the unpacked package lives between builds (``$EMERGENCE_CACHE`` overrides)."""
    root = os.environ.get("EMERGENCE_CACHE") or Path.home() / ".cache" / "emergence"
    return Path(root) / f"html-manager-{VERSION}" / "site"


def fetch_html_manager(site: Path) -> bool:
    """Ensure ``site/_static/jupyter-widgets/embed.js`` exists; fetch it with npm if not."""
    target = site / SUBDIR
    if (target / "embed.js").is_file():
        return True
    npm = shutil.which("npm")
    if npm is None:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        try:
            subprocess.run([npm, "pack", f"{PACKAGE}@{VERSION}", "--silent"], cwd=tmp,
                           check=True, capture_output=True, timeout=300)
        except (subprocess.SubprocessError, OSError) as err:
            logger.info(f"[emergence] npm could not fetch {PACKAGE}@{VERSION}: {err}")
            return False
        (tarball,) = Path(tmp).glob("*.tgz")
        with tarfile.open(tarball) as tar:
            tar.extractall(tmp, filter="data")
        staging = Path(tmp) / "site" / SUBDIR
        staging.mkdir(parents=True)
        for f in (Path(tmp) / "package" / "dist").iterdir():
            if f.suffix in _SHIPPED and "amd" not in f.name:
                shutil.copy2(f, staging / f.name)
        site.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(site, ignore_errors=True)
        shutil.move(str(Path(tmp) / "site"), site)
    return True


def configure_widgets(app, config) -> None:
    """Point myst-nb's widget JavaScript at our copy (or, failing that, the CDN)."""
    site = cache_dir()
    if fetch_html_manager(site):
        config.html_extra_path = [*config.html_extra_path, str(site)]
        config.nb_ipywidgets_js = {"jupyter-widgets/embed.js": {}}
        logger.info(f"[emergence] widget JavaScript served from the book ({PACKAGE}@{VERSION})")
    else:
        config.nb_ipywidgets_js = {CDN: {"crossorigin": "anonymous"}}
        logger.info("\n" + "!" * 78 + f"\n[emergence] npm unavailable and no cached {PACKAGE}: the "
                    "book's demos will load their JavaScript from the public CDN and will NOT "
                    "work offline.\n" + "!" * 78)


def setup(app):
    app.connect("config-inited", configure_widgets, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": VERSION}
