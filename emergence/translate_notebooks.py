"""Write the Chinese editions of the lab and exercises notebooks: translated markdown, the
same code.

    python -m emergence.translate_notebooks                     # every notebook -> notebooks_zh/
    python -m emergence.translate_notebooks notebooks/ch01_exercises.ipynb --out zh/ --strict

The translations are the book's own: ``locales/zh_CN/LC_MESSAGES/notebooks/<name>.po``, the
catalogues Sphinx made from the notebooks' markdown. Each markdown cell is parsed as MyST
Markdown; every block Sphinx made a message from (a heading, a paragraph, a list item's
paragraph, a table cell, a display formula, an admonition's title and the blocks of its body)
is found by its line map, and its lines are replaced by the translation, keeping the list
marker, indentation or heading marks in front. The message is the block's source with its
lines joined by spaces, as Sphinx extracts it. A block whose message is missing from the
catalogue, untranslated or fuzzy stays English and is counted; ``--strict`` then fails.

Code cells are unchanged except the setup call, which makes the checks speak Chinese
(``emergence.setup(language="zh_CN")``). Outputs are kept, so a reader sees the figures and
printed results before running anything (they are the same objects as in the English
notebook), except the outputs of the check cells: those are English verdicts, and the
student's own run prints them in Chinese. The generated notebooks are not kept in the
repository; run this command to make them.
"""
from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .execute import NOTEBOOKS, ROOT
from .grade import check_cells
from .i18n import read_po
from .translations import CATALOGUES as BOOK_CATALOGUES, LANGUAGE

CATALOGUES = BOOK_CATALOGUES / "notebooks"
SETUP = re.compile(r"^(\s*emergence\.setup\()(\))", re.M)
SETUP_CHINESE = f'language="{LANGUAGE}"'
_MD = None


def _parser():
    """MyST's markdown-it parser with the book's extensions (``_config.yml``)."""
    global _MD
    if _MD is None:
        from markdown_it.renderer import RendererHTML
        from myst_parser.config.main import MdParserConfig
        from myst_parser.parsers.mdit import create_md_parser

        config = MdParserConfig(enable_extensions={"amsmath", "colon_fence", "deflist",
                                                   "dollarmath", "linkify", "substitution"})
        _MD = create_md_parser(config, RendererHTML)
    return _MD


def message(source: str) -> str:
    """The message Sphinx extracts from a block's source: lines joined by spaces, stripped."""
    return source.replace("\n", " ").strip()


@dataclass
class Report:
    """What translating one notebook did: blocks translated, and those left in English."""

    notebook: str
    translated: int = 0
    english: list[str] = field(default_factory=list)  # the messages without a translation

    def __str__(self) -> str:
        return (f"{self.notebook}: {self.translated} blocks translated, "
                f"{len(self.english)} left in English")


def _swap(line: str, english: str, chinese: str) -> str:
    """``line`` with the first line of ``english`` (a block's text) replaced by ``chinese``,
    keeping whatever stands in front of it (a list marker, ``## ``, indentation)."""
    first = english.split("\n", 1)[0].strip()
    at = line.find(first) if first else len(line)
    if at < 0:
        raise ValueError(f"cannot find {first!r} in the line {line!r}")
    return line[:at] + chinese


def translate_markdown(text: str, table: dict[str, str], report: Report) -> str:
    """``text`` (MyST Markdown) with every block that ``table`` translates replaced."""
    lines = text.split("\n")
    edits: dict[int, tuple[int, list[str]]] = {}  # first line -> (end line, new lines)

    def lookup(english: str) -> str | None:
        if not english.strip():
            return None
        found = table.get(english)
        if found is None:
            report.english.append(english)
        else:
            report.translated += 1
        return found

    tokens = _parser().parse(text)
    for i, token in enumerate(tokens):
        if token.type in ("paragraph_open", "heading_open", "dt_open") and token.map:
            inline = tokens[i + 1]
            chinese = lookup(message(inline.content))
            if chinese is not None:
                start, end = token.map
                edits[start] = (end, [_swap(lines[start], inline.content, chinese)])
        elif token.type == "tr_open" and token.map:
            row = token.map[0]
            count = next(j for j, t in enumerate(tokens[i + 1:]) if t.type == "tr_close")
            cells = [t for t in tokens[i + 1:i + 1 + count] if t.type == "inline"]
            line, cursor = lines[row], 0
            for cell in cells:
                chinese = lookup(message(cell.content))
                at = line.find(cell.content, cursor)
                if chinese is None or at < 0 or not cell.content:
                    cursor = max(cursor, at + len(cell.content))
                    continue
                line = line[:at] + chinese + line[at + len(cell.content):]
                cursor = at + len(chinese)
            edits[row] = (row + 1, [line])
        elif token.type == "math_block" and token.map:
            chinese = lookup(token.content)  # a literal block: the message is its source
            if chinese is not None and chinese != token.content:
                start, end = token.map
                indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
                block = ("$$" + chinese + "$$").split("\n")
                edits[start] = (end, [indent + b if b else b for b in block])
        elif token.type in ("fence", "colon_fence") and token.info.startswith("{") and token.map:
            edits[token.map[0]] = (token.map[1], _directive(lines, token, table, report))
    out, n = [], 0
    while n < len(lines):
        if n in edits:
            end, new = edits[n]
            out.extend(new)
            n = end
        else:
            out.append(lines[n])
            n += 1
    return "\n".join(out)


DIRECTIVES_WITH_TEXT = ("admonition", "note", "tip", "hint", "important", "warning",
                        "caution", "attention", "danger", "error", "seealso", "dropdown")


def _directive(lines: list[str], token, table: dict[str, str], report: Report) -> list[str]:
    """The lines of a directive block with its title and body translated (other directives,
    such as code and math, are kept as they are)."""
    start, end = token.map
    block = lines[start:end]
    name = token.info[1:token.info.index("}")] if "}" in token.info else ""
    if name not in DIRECTIVES_WITH_TEXT:
        return block
    opening = block[0]
    title = token.info[token.info.index("}") + 1:].strip()
    if title:
        chinese = table.get(message(title))
        if chinese is None:
            report.english.append(message(title))
        else:
            report.translated += 1
            opening = opening[: opening.rindex(title)] + chinese
    fence = opening.lstrip()[:3]  # ``` or :::
    closing = block[-1] if len(block) > 1 and block[-1].strip().startswith(fence) else None
    body = block[1:-1] if closing is not None else block[1:]
    options = 0
    while options < len(body) and body[options].lstrip().startswith(":"):
        options += 1
    translated = translate_markdown("\n".join(body[options:]), table, report).split("\n")
    return [opening, *body[:options], *translated, *([closing] if closing is not None else [])]


def chinese_setup(source: str) -> str:
    """A code cell's source with ``emergence.setup()`` making the checks speak Chinese."""
    return SETUP.sub(rf"\g<1>{SETUP_CHINESE}\g<2>", source)


def catalogue(name: str, root: Path = CATALOGUES) -> dict[str, str]:
    """{English message: translation} of notebook ``name``'s catalogue (translated, not fuzzy)."""
    path = Path(root) / f"{name}.po"
    if not path.is_file():
        raise ValueError(f"notebook: no catalogue for {name} at {path}")
    return read_po(path.read_text(encoding="utf-8"), str(path))


def translate_notebook(nb, table: dict[str, str], name: str = "notebook"):
    """A Chinese copy of notebook ``nb`` and the ``Report`` of what was translated."""
    nb = nbformat.from_dict(nb)
    report = Report(name)
    checks = {id(c) for c in check_cells(nb)}
    setups = 0
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = translate_markdown(cell.source, table, report)
        elif cell.cell_type == "code":
            new = chinese_setup(cell.source)
            setups += new != cell.source
            cell.source = new
            if id(cell) in checks:
                cell.outputs, cell.execution_count = [], None
    if setups != 1:
        raise ValueError(f"{name}: expected one emergence.setup() call to make Chinese, found {setups}")
    nb.metadata["emergence"] = {"language": LANGUAGE, "translated_from": f"notebooks/{name}.ipynb"}
    return nb, report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emergence.translate_notebooks",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path,
                        help="lab and exercises notebooks (default: all of them)")
    parser.add_argument("--out", type=Path, default=ROOT / "notebooks_zh", help="output folder")
    parser.add_argument("--catalogues", type=Path, default=CATALOGUES,
                        help="folder of the notebooks' .po catalogues")
    parser.add_argument("--strict", action="store_true",
                        help="fail if any block has no translation (missing or fuzzy)")
    args = parser.parse_args(argv)
    paths = args.paths or sorted([*NOTEBOOKS.glob("*_lab.ipynb"), *NOTEBOOKS.glob("*_exercises.ipynb")])
    args.out.mkdir(parents=True, exist_ok=True)
    left = 0
    for path in paths:
        if path.suffix != ".ipynb" or not path.is_file():
            parser.error(f"not a notebook: {path}")
        try:
            table = catalogue(path.stem, args.catalogues)
            nb, report = translate_notebook(nbformat.read(path, as_version=4), table, path.stem)
        except ValueError as err:
            parser.error(str(err))
        target = args.out / path.name
        nbformat.write(nb, target)
        print(f"wrote {target}: {report}", flush=True)
        for english in report.english:
            print(f"    English kept: {english[:100]!r}")
        left += len(report.english)
    print(f"{len(paths)} notebook(s), {left} block(s) left in English")
    return 1 if args.strict and left else 0


if __name__ == "__main__":
    sys.exit(main())
