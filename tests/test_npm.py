"""emergence.npm keeps its contract: the package folder, or None when npm cannot deliver it."""
import io
import json
import subprocess
import tarfile

from emergence import npm


def _fake_pack(files):
    """A stand-in for ``npm pack`` that writes the given {name: bytes or None} into cwd."""
    def run(cmd, cwd, **kwargs):
        for name, content in files.items():
            with tarfile.open(f"{cwd}/{name}", "w:gz") as tar:
                if content is not None:
                    info = tarfile.TarInfo("package/package.json")
                    info.size = len(content)
                    tar.addfile(info, io.BytesIO(content))
        return subprocess.CompletedProcess(cmd, 0)
    return run


def _with(monkeypatch, tmp_path, files):
    monkeypatch.setenv("EMERGENCE_CACHE", str(tmp_path))
    monkeypatch.setattr(npm.shutil, "which", lambda name: "/usr/bin/npm")
    monkeypatch.setattr(npm.subprocess, "run", _fake_pack(files))
    return npm.npm_package("left-pad", "1.0.0")


def test_a_packed_package_is_unpacked_into_the_cache(monkeypatch, tmp_path):
    path = _with(monkeypatch, tmp_path, {"left-pad-1.0.0.tgz": json.dumps({"name": "x"}).encode()})
    assert path is not None and json.loads((path / "package.json").read_text()) == {"name": "x"}


def test_anything_else_npm_leaves_gives_none(monkeypatch, tmp_path):
    assert _with(monkeypatch, tmp_path, {}) is None                          # no tarball
    assert _with(monkeypatch, tmp_path, {"a.tgz": b"{}", "b.tgz": b"{}"}) is None   # two
    assert _with(monkeypatch, tmp_path, {"a.tgz": None}) is None             # no package/


def test_no_npm_gives_none(monkeypatch, tmp_path):
    monkeypatch.setenv("EMERGENCE_CACHE", str(tmp_path))
    monkeypatch.setattr(npm.shutil, "which", lambda name: None)
    assert npm.npm_package("left-pad", "1.0.0") is None
