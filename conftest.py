"""Test-suite settings shared by every test and by the kernels nbval starts.

- Kernels inherit the executor's thread settings (see ``emergence.execute.pin_threads``).
- ``--machine-profile NAME`` runs the kernels as if on another CPU (``emergence.machines``);
  a failure under a profile is reported with the profile's name.
- Hypothesis draws the same examples on every run, so CI never meets a new random case.
"""
import os

import pytest
from hypothesis import settings

from emergence import machines
from emergence.execute import pin_threads

pin_threads()
settings.register_profile("course", derandomize=True, database=None)
settings.load_profile("course")


def pytest_addoption(parser):
    parser.addoption("--machine-profile", default="native", metavar="NAME",
                     help=f"emulate a CPU in the kernels: {', '.join(machines.PROFILES)}")


def pytest_configure(config):
    name = config.getoption("--machine-profile")
    try:
        env = machines.profile_env(name)
        machines.check_env({**os.environ, **env})
    except ValueError as err:
        raise pytest.UsageError(f"--machine-profile: {err}") from None
    os.environ.update(env)  # before any kernel (or xdist worker) starts
    config.stash[_PROFILE] = name


_PROFILE = pytest.StashKey[str]()
# A figure or demo glued for a text page is stored under the glue mime prefix. Compare it as
# nbval compares the same output unglued: images and widget views (random model ids) are not
# compared; the glued text (a demo's description, a number) is.
GLUE_PREFIX = "application/papermill.record/"


def pytest_collection_modifyitems(items):
    for notebook in {item.parent for item in items if hasattr(item.parent, "skip_compare")}:
        notebook.skip_compare += tuple(GLUE_PREFIX + key for key in notebook.skip_compare
                                       if "/" in key)


def pytest_report_header(config):
    name = config.stash[_PROFILE]
    return machines.verify(name) if name != "native" else "machine profile native"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    report = (yield).get_result()
    name = item.config.stash[_PROFILE]
    if report.failed and name != "native":
        report.sections.append(("machine profile", f"failed under machine profile {name}: "
                                f"{machines.PROFILES[name]}"))


def pytest_terminal_summary(terminalreporter, config):
    name = config.stash[_PROFILE]
    failed = terminalreporter.stats.get("failed", [])
    if name != "native" and failed:
        terminalreporter.section(f"failures under machine profile {name}", red=True)
        for report in failed:
            terminalreporter.line(f"[{name}] {report.nodeid}")
