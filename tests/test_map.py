"""The package map in ``emergence/__init__.py`` names files that exist, and every module."""
import re

import emergence
from emergence.execute import ROOT

TABLE = [line.split(None, 1) for line in emergence.__doc__.splitlines() if re.match(r"^\d\s", line)]


def test_every_chapter_has_its_files():
    assert [int(n) for n, _ in TABLE] == list(range(1, 9))
    for n, rest in TABLE:
        nn = f"ch{int(n):02d}"
        science, data = re.split(r"\s{2,}", rest.strip(), maxsplit=1)
        for module in science.split(", "):
            assert (ROOT / "emergence" / module).is_file(), module
            assert (ROOT / "tests" / f"test_{module[:-3]}.py").is_file(), module
        for name in re.findall(r"\b[a-z0-9]+_[a-z0-9_]*", data):    # file stems (chinchilla_*)
            assert list((ROOT / "emergence" / "data").glob(f"{name}*")), name
        assert list((ROOT / "book").glob(f"{nn}_*.md")), nn
        for kind in ("lab", "exercises"):
            assert (ROOT / "notebooks" / f"{nn}_{kind}.ipynb").is_file()
        assert (ROOT / "emergence" / "demos" / f"{nn}.py").is_file()
        assert (ROOT / "emergence" / "checks" / f"{nn}.py").is_file()


def test_every_library_module_is_on_the_map():
    named = set(re.findall(r"\b(\w+)\.py\b", emergence.__doc__)) | {"__init__"}
    modules = {p.stem for p in (ROOT / "emergence").glob("*.py")}
    assert modules <= named, f"add {sorted(modules - named)} to the map in emergence/__init__.py"
