"""The executor stores outputs and a fingerprint; stale() notices any change of code."""
import nbformat

from emergence import execute as ex


def _notebook(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("from emergence._validate import check_int\nprint(check_int('n', 41) + 1)"),
        nbformat.v4.new_code_cell("# BEGIN SOLUTION\nanswer = 2\n# END SOLUTION\nanswer"),
    ]
    path = tmp_path / "demo.ipynb"
    nbformat.write(nb, path)
    return path


def test_execute_stores_outputs_fingerprint_and_tags(tmp_path):
    path = _notebook(tmp_path)
    assert "never run" in ex.stale(path)
    ex.execute(path)
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[0].outputs[0]["text"] == "42\n"
    assert "emergence/_validate.py" in nb.metadata["emergence"]["modules"]
    assert "hide-input" in nb.cells[1].metadata["tags"]
    assert ex.stale(path) is None
    nb.cells[0].source += "\nprint('changed')"
    nbformat.write(nb, path)
    message = ex.stale(path)
    assert "stale" in message and "python -m emergence.execute" in message


def test_fingerprint_follows_library_source(tmp_path, monkeypatch):
    (tmp_path / "emergence").mkdir()
    lib = tmp_path / "emergence" / "mod.py"
    lib.write_text("x = 1\n")
    monkeypatch.setattr(ex, "ROOT", tmp_path)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import emergence.mod")]
    before = ex.fingerprint(nb, ["emergence/mod.py"])
    lib.write_text("x = 2\n")
    assert ex.fingerprint(nb, ["emergence/mod.py"]) != before


def test_figure_alt_text_moves_to_cell_metadata():
    cell = nbformat.v4.new_code_cell("show(fig, alt)")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": "AAAA", "text/plain": "x"},
                                           metadata={"image/png": {"alt": "a rising curve"}})]
    nb = nbformat.v4.new_notebook()
    nb.cells = [cell]
    ex._move_alt_text(nb)
    assert cell.metadata["mystnb"]["image"]["alt"] == "a rising curve"
