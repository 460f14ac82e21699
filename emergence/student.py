"""Write the student version of exercise notebooks.

    python -m emergence.student                      # notebooks/*_exercises.ipynb -> student/
    python -m emergence.student notebooks/ch01_exercises.ipynb --out homework/

Every ``# BEGIN SOLUTION`` ... ``# END SOLUTION`` region becomes a stub: each name the
solution assigned becomes ``name = ...``, a region inside a function body (below its ``def``
line and docstring) becomes ``return ...``, and a function defined inside a region keeps its
signature and docstring with an empty body, so the checks still run and say "not written yet".
Cells tagged ``instructor`` (the answer sketches of the Think! questions) become empty answer
cells that ``python -m emergence.grade --answers`` collects; all outputs, widget state and run
metadata are cleared.
"""
from __future__ import annotations

import argparse
import ast
import re
import sys
import textwrap
from pathlib import Path

import nbformat

from .checks import BOOK, in_edition
from .execute import NOTEBOOKS, ROOT, SOLUTION_BEGIN, SOLUTION_END
from .grade import ANSWER_TAG
from .i18n import N_, translations

STUB = "...  # YOUR CODE HERE"


def _stub_for(code: str) -> list[str]:
    """Stub lines (unindented) for one solution region's code."""
    try:
        tree = ast.parse(textwrap.dedent(code))
    except SyntaxError:
        return [STUB]
    lines = []
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [ast.unparse(t) for t in targets]
            lines.append(" = ".join(names) + " = " + STUB)
        elif isinstance(node, ast.FunctionDef):
            lines.append(f"def {node.name}({ast.unparse(node.args)}):")
            doc = ast.get_docstring(node)
            if doc:
                lines.append(textwrap.indent(f'"""{doc}"""', "    "))
            lines.append("    " + STUB)
    return lines or [STUB]


def _body_stub(code: str) -> list[str]:
    """The stub of a region inside a function body: one placeholder, returned if the body
    returned something (the signature and docstring above it stay)."""
    try:
        tree = ast.parse(textwrap.dedent(code))
    except SyntaxError:
        return [STUB]
    returns = any(isinstance(node, ast.Return) and node.value is not None
                  for node in ast.walk(tree))
    return ["return " + STUB if returns else STUB]


def strip_solutions(source: str) -> str:
    """``source`` with every solution region replaced by its stub."""
    out, region, indent = [], None, ""
    for line in source.splitlines():
        marker = line.strip()
        if marker == SOLUTION_BEGIN:
            if region is not None:
                raise ValueError(f"nested {SOLUTION_BEGIN!r} in:\n{source}")
            region, indent = [], line[: len(line) - len(line.lstrip())]
        elif marker == SOLUTION_END:
            if region is None:
                raise ValueError(f"{SOLUTION_END!r} without {SOLUTION_BEGIN!r} in:\n{source}")
            stub = _body_stub("\n".join(region)) if indent else _stub_for("\n".join(region))
            out.extend(indent + s for s in stub)
            region = None
        elif region is not None:
            region.append(line)
        else:
            out.append(line)
    if region is not None:
        raise ValueError(f"{SOLUTION_BEGIN!r} without {SOLUTION_END!r} in:\n{source}")
    return "\n".join(out)


BOOK_ONLY = [  # sentences that describe the online book and are wrong in a handout
    re.compile(r"\s*In the online book,? the worked solutions are hidden behind the\s+toggle on "
               r"each answer cell: try first\."),
    re.compile(r"在线版教材中，参考解答隐藏在[^。]*。"),  # the same in the Chinese notebooks
]
ANSWER_HEAD = N_("**Your answer to Think! {question}:**")
ANSWER_PROMPT = N_("*Write your answer here (double-click to edit).*")
LINK = re.compile(r"\]\((?:\.\./)?((?:book|notebooks)/)?([\w-]+)\.(?:md|ipynb)(#[\w-]+)?\)")
DOC_ROLE = re.compile(r"\{doc\}`(?:\.\./)?((?:book|notebooks)/)?([\w-]+)`")


def _address(folder: str | None, page: str, language: str) -> str:
    """The published address of a page linked from a notebook (``notebooks/`` by default), in
    the edition of the notebook's ``language``."""
    return in_edition(f"{BOOK}/{folder or 'notebooks/'}{page}.html", language)


def clean_markdown(text: str, language: str = "en") -> str:
    """Markdown for a handout: book-only sentences removed, links to the published book."""
    for sentence in BOOK_ONLY:
        text = sentence.sub("", text)
    text = LINK.sub(lambda m: f"]({_address(m.group(1), m.group(2), language)}{m.group(3) or ''})", text)
    return DOC_ROLE.sub(lambda m: f"[{m.group(2)}]({_address(m.group(1), m.group(2), language)})", text)


def answer_cell(question: int, language: str = "en"):
    """The cell where a student writes the answer to the chapter's Think! ``question``, in the
    notebook's ``language``."""
    say = translations(language).gettext
    cell = nbformat.v4.new_markdown_cell(say(ANSWER_HEAD).format(question=question) + "\n\n"
                                         + say(ANSWER_PROMPT))
    cell.metadata.update(tags=[ANSWER_TAG], emergence={"question": f"Think! {question}"})
    return cell


def student_version(nb):
    """A copy of notebook ``nb`` with solutions stubbed, outputs cleared, and each instructor
    cell (the answer sketch of a Think! question) replaced by an answer cell."""
    nb = nbformat.from_dict(nb)
    language = nb.metadata.get("emergence", {}).get("language", "en")  # see translate_notebooks
    cells, question = [], 0
    for cell in nb.cells:
        if "instructor" in cell.metadata.get("tags", []):
            question += 1
            cells.append(answer_cell(question, language))
        else:
            cells.append(cell)
    nb.cells = cells
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = clean_markdown(cell.source, language)
        if cell.cell_type == "code":
            cell.source = strip_solutions(cell.source)
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
            tags = cell.metadata.get("tags", [])
            if "hide-input" in tags:
                tags.remove("hide-input")
    nb.metadata = nbformat.from_dict({k: v for k, v in nb.metadata.items()
                                      if k in ("kernelspec", "language_info")})
    return nb


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emergence.student",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="exercise notebooks (default: all)")
    parser.add_argument("--out", type=Path, default=ROOT / "student", help="output folder")
    args = parser.parse_args(argv)
    paths = args.paths or sorted(NOTEBOOKS.glob("*_exercises.ipynb"))
    args.out.mkdir(parents=True, exist_ok=True)
    for path in paths:
        if path.suffix != ".ipynb" or not path.is_file():
            parser.error(f"not a notebook: {path}")
        target = args.out / path.name
        nbformat.write(student_version(nbformat.read(path, as_version=4)), target)
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
