"""A lab notebook in JupyterLab, as a teacher opens it: it runs, its demo responds, the console is clean.

JupyterLab is started by the test on 127.0.0.1 in a temporary folder holding a copy of one
lab notebook; Chromium runs every cell, moves the first demo control and checks that the
frame on display changes. Any console error or warning fails the test (the pinned
jupyterlab-widgets extension logs "Unsatisfied version" warnings when JupyterLab is too old).
"""
from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from emergence.execute import NOTEBOOKS
from test_browser import browser  # noqa: F401  (fixture: headless Chromium, or skip/fail)

pytestmark = pytest.mark.browser
NOTEBOOK = "ch05_lab.ipynb"  # the quickest lab to run (about 20 s)
RUN_SECONDS = 180


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lab")
    shutil.copy(NOTEBOOKS / NOTEBOOK, folder / NOTEBOOK)
    port, token = _free_port(), secrets.token_hex(16)
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
               f"--port={port}", f"--IdentityProvider.token={token}", "--expose-app-in-browser",
               f"--ServerApp.root_dir={folder}", "--LabApp.news_url=''"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # JupyterLab refuses to start as root without it
    log = open(folder / "jupyterlab.log", "w")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=folder)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=1)
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail(f"JupyterLab exited: {(folder / 'jupyterlab.log').read_text()[-2000:]}")
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not answer within 60 s")
        yield url, token
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


_SETTLED = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const cells = panel.content.widgets.filter(c => c.model.type === 'code');
  const outputs = cells.flatMap(c => c.model.outputs.toJSON());
  const done = cells.every(c => c.model.executionCount !== null);
  const failed = outputs.some(o => o.output_type === 'error');
  return (done || failed) && panel.sessionContext.session.kernel.status === 'idle';
}"""
_PROBLEMS = """() => window.jupyterapp.shell.currentWidget.content.widgets
  .filter(c => c.model.type === 'code')
  .flatMap((c, i) => c.model.outputs.toJSON().map(o => [i + 1, o]))
  .filter(([i, o]) => o.output_type === 'error' || (o.name === 'stderr' && /warn/i.test(o.text)))
  .map(([i, o]) => `code cell ${i}: ` + (o.output_type === 'error' ? `${o.ename}: ${o.evalue}` : o.text))"""


def test_lab_notebook_runs_and_its_demo_responds(lab, browser):  # noqa: F811
    url, token = lab
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(url) else r.abort())
    try:
        page.goto(f"{url}/lab/tree/{NOTEBOOK}?token={token}")
        page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget "
                               "&& window.jupyterapp.shell.currentWidget.sessionContext", timeout=60_000)
        page.wait_for_function("() => window.jupyterapp.shell.currentWidget.sessionContext.session"
                               " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel"
                               ".status === 'idle'", timeout=60_000)
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        page.wait_for_timeout(1000)
        page.wait_for_function(_SETTLED, timeout=RUN_SECONDS * 1000, polling=500)
        problems = page.evaluate(_PROBLEMS)
        assert not problems, "the notebook did not run cleanly:\n" + "\n".join(problems)
        demo = page.locator(".jp-OutputArea-output:has(.jupyter-widgets .noUi-handle)").first
        assert demo.count(), "no demo with a slider in the notebook's outputs"
        demo.scroll_into_view_if_needed()
        before = demo.locator("img").first.get_attribute("src")
        handle = demo.locator(".noUi-handle").first
        handle.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(500)
        shown = demo.locator("img:visible").first.get_attribute("src")
        assert shown != before, "moving the demo's slider did not change the frame on display"
    finally:
        context.close()
    assert not console, "JupyterLab logged errors or warnings:\n" + "\n".join(console)
