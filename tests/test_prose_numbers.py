"""Every numeral in the course's prose is glued, cited, structural or a registered published figure.

The book promises that no result of our own code is typed by hand. This test reads the prose
of ``book/*.md`` and of every notebook's markdown cells, finds each numeral and classifies it:

- **glued**: inside a ``{glue:...}`` role, so the notebook that computed it supplies it;
- **math / code / citation**: inside ``$...$``, a math or code block, inline code, or a ``{cite}``
  role (and in markup: link targets, directive options, term/doc/ref targets);
- **structural**: a chapter, exercise, figure, table, section, step or list number, a heading
  number ("## 3. ...", "## Re-analysis 2: ..."), a plan's numbered row that names its chapters,
  the instructor guide's count of checks per exercises notebook (compared with the notebooks
  by a test), a year in a citation ("Wei et al. 2022"), or a digit that is part of a name
  ("GPT-3", "CIFAR-100");
- **course plan**: a teaching time ("about 45 minutes", a lesson's "| 0–10 |" block) or a
  rubric's marks ("Rubric (2 points). 2: ... 1: ..."), which state a plan, not a result;
- **published**: listed in ``emergence/data/published_figures.csv`` for that page, with the
  paper, the table or figure, and the FACTS tag it was verified with; a row counts only on a
  line that its ``context`` pattern matches (the table row, the paper's name), so a registered
  "95" does not excuse every 95 on the page.

Anything else is a violation; the test lists every violation (file, line, numeral) in one run.
It also checks that every glue key a page quotes is defined by the notebook it names.
"""
from __future__ import annotations

import csv
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = ROOT / "emergence" / "data" / "published_figures.csv"
# FACTS tags; "physics" marks a standard physics result (e.g. the percolation threshold) that the
# LLM fact sheet does not cover, cited to its paper instead.
FACTS_TAGS = {"V", "S", "physics"}

NUMERAL = re.compile(r"[0-9⁰¹²³⁴⁵⁶⁷⁸⁹]+(?:[.,][0-9]+)*(?:[eE][+-]?[0-9]+)?")
INLINE = re.compile(
    r"(?P<glue>\{glue(?::\w+)?\}`[^`]*`)"
    r"|(?P<cite>\{cite(?::\w+)?\}`[^`]*`)"
    r"|(?P<role>\{[\w:-]+\}`[^`]*`)"
    r"|(?P<code>``[^`]+``|`[^`]+`)"
    r"|(?P<math>\$\$.+?\$\$|(?<![\\$])\$[^$\n]+?\$)"
    r"|(?P<link>\]\([^)]*\))"
    r"|(?P<html><[^>]+>)"
    r"|(?P<footnote>\[\^[^\]]+\])"
)
STRUCTURAL = re.compile(
    r"(?:\b(?:[Cc]hapters?|[Ee]xercises?|[Ff]igures?|Fig\.|[Tt]ables?|[Ss]ections?|[Ss]teps?|"
    r"[Pp]arts?|[Aa]ppendix|App\.|[Ee]q\.|[Ee]quation|[Ll]abs?|[Ee]xamples?|[Qq]uestions?|"
    r"[Pp]anels?|[Ll]ayer|Ch\.?|[Dd]emos?|[Rr]ounds?|[Ll]essons?|[Ss]essions?|[Ww]eeks?|[Cc]ells?|Think!|[Tt]ier)|§|第)\s*"
    r"(?:[A-H]\.)?\d+(?:\.\d+)*[a-z]?(?:\s*(?:,|and|or|to|–|-|&|和|、)\s*\d+(?:\.\d+)*[a-z]?)*"
)
YEAR_IN_CITATION = re.compile(
    r"[A-Z][\w'’\-]+(?:\s+(?:et al\.?|&|and)(?:\s+[A-Z][\w'’\-]+)?)?,?\s*\(?((?:19|20)\d\d)[a-z]?\b"
)
NAME_DIGITS = re.compile(r"(?<=[A-Za-z])-?[0-9]+|(?<=[A-Za-z]-)[0-9]+|[0-9]+(?=-(?:digit|shot)\b)"
                         r"|(?<=Python )[0-9.]+")  # GPT-3, 2-digit, Python 3.11
EXERCISE_REF = re.compile(r"(?<![\d.])[1-8]\.[1-9]b?(?![\d.]*\d)(?=\s*(?:\(|,|;|and|or|\)|:|\.|$))"
                          r"|(?<=\()[1-8]\.[1-9]b?(?=\))")
COURSE_PLAN = re.compile(
    r"^\s*\|\s*\d+(?::\d+)?\s*[–-]\s*\d+(?::\d+)?\s*\|"            # a timed block: | 0–10 |
    r"|\d+(?:[–-]\d+)?(?:\s|-)?(?:minutes?|min\b|hours?)"             # 45 minutes, 90-minute
    r"|\(\d+ only\)|\d+ only:"                                      # (90 only)
    r"|\*\*Rubric \(\d+ points?\)\.\*\*|(?<=[.*] )\d+(?=: )"            # a grading rubric's marks
    r"|\|\s*\d+\s*/\s*(?:\d+|–)\s*/\s*(?:\d+|–)\s*\|")                 # | 30 / 45 / 45 | (minutes)
# | 3 | {doc}`ch03_...` |, or a plan's numbered row that names its chapters: | 2 | Chapter 3: ... |
TABLE_CHAPTER = re.compile(r"^\s*\|\s*\d\s*\|(?=.*(?:\{doc\}|Chapter \d))")
# a numbered heading: "## 3. Results", "### 4a. ...", "## Re-analysis 2: ..."
HEADING = re.compile(r"^\s*#{1,6}\s+(?:[A-Z]?\d+(?:\.\d+)*\.?|[A-Z][\w-]*\s+\d+(?=:))")
# the instructor guide's "checks" column, right after a chapter's exercises notebook; the test
# test_instructor_guide_check_counts_match_the_notebooks compares each with the notebook
CHECK_COUNT = re.compile(r"(?<=_exercises` \| )\d+(?= \|)")
LIST_ITEM = re.compile(r"^\s*(?:>\s*)?\d+[.)]\s")
CODE_DIRECTIVES = ("code", "code-cell", "code-block", "math", "raw", "glue", "glue:figure",
                   "glue:any", "glue:math", "bibliography", "python", "bash", "text", "")


@dataclass(frozen=True)
class Numeral:
    where: str
    line: int
    text: str
    category: str
    context: str


def _registry() -> dict[tuple[str, str], list[dict]]:
    """(page, value) -> the registry rows; a row applies only on lines its ``context`` matches."""
    rows: dict[tuple[str, str], list[dict]] = {}
    with REGISTRY.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            for page in row["pages"].split():
                rows.setdefault((page, row["value"]), []).append(row)
    return rows


def _prose_lines(text: str):
    """Yield (line number, line, kind) with kind 'prose' or 'block' (code, math, options)."""
    stack: list[tuple[str, str]] = []  # open fences: (marker, kind of their body)
    options = False
    for n, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        fence = re.match(r"^(`{3,}|:{3,})\s*(.*)$", stripped)
        if fence:
            marker, rest = fence.groups()
            if not rest and stack and stack[-1][0] == marker:
                stack.pop()
                options = False
                yield n, "", "block"
                continue
            directive = re.match(r"\{([\w:-]+)\}\s*(.*)|([\w-]*)\s*(.*)", rest)
            name = directive.group(1) or directive.group(3) or ""
            argument = directive.group(2) if directive.group(1) else directive.group(4)
            inside_block = bool(stack) and stack[-1][1] == "block"
            kind = "block" if inside_block or name in CODE_DIRECTIVES else "prose"
            stack.append((marker, kind))
            options = True
            # an admonition's title is prose; a directive's name and a figure's path are markup
            title = argument if kind == "prose" and name not in ("figure", "image") else ""
            yield n, title, kind
            continue
        if options and re.match(r"^:[\w-]+:", stripped):
            yield n, line, "block"
            continue
        options = False
        yield n, line, stack[-1][1] if stack else "prose"


def _display_math_lines(text: str) -> set[int]:
    """Line numbers inside $$ ... $$ display blocks that span several lines."""
    inside, lines = False, set()
    for n, line in enumerate(text.splitlines(), 1):
        count = line.count("$$")
        if inside or count:
            lines.add(n)
        if count % 2:
            inside = not inside
    return lines


def classify(where: str, text: str, registry: dict) -> list[Numeral]:
    """Classify every numeral in the MyST text ``text`` of page or cell ``where``."""
    page = where.split(":")[0]
    found = []
    math_lines = _display_math_lines(text)
    for n, line, kind in _prose_lines(text):
        if kind == "block" or n in math_lines:
            found += [Numeral(where, n, m.group(), "math/code/citation", line.strip())
                      for m in NUMERAL.finditer(line)]
            continue
        if re.match(r"^\s*\(?[\w-]+\)=\s*$", line) or re.match(r"^\s*\[\^?[\w-]+\]:\s*http", line):
            continue  # a label or link definition
        spans: list[tuple[int, int, str]] = []
        for m in INLINE.finditer(line):
            cat = {"glue": "glued", "cite": "math/code/citation", "math": "math/code/citation",
                   "code": "math/code/citation"}.get(m.lastgroup, "markup")
            spans.append((m.start(), m.end(), cat))
        for pattern in (STRUCTURAL, YEAR_IN_CITATION):
            for m in pattern.finditer(line):
                s, e = (m.span(1) if pattern is YEAR_IN_CITATION else m.span())
                spans.append((s, e, "structural"))
        for m in (HEADING.match(line), LIST_ITEM.match(line), TABLE_CHAPTER.match(line)):
            if m:
                spans.append((m.start(), m.end(), "structural"))
        for m in NAME_DIGITS.finditer(line):
            spans.append((m.start(), m.end(), "structural"))
        if (re.search(r"[Ee]xercise|[Cc]heck", line) or page in ("lesson_plans", "instructor_guide")
                or page.endswith("_exercises")):
            for m in EXERCISE_REF.finditer(line):
                spans.append((m.start(), m.end(), "structural"))
        if page == "instructor_guide":
            for m in CHECK_COUNT.finditer(line):
                spans.append((m.start(), m.end(), "structural"))
        for m in COURSE_PLAN.finditer(line):
            spans.append((m.start(), m.end(), "course plan"))
        for m in NUMERAL.finditer(line):
            cat = next((c for s, e, c in sorted(spans, key=lambda t: t[0])
                        if s <= m.start() < e), None)
            if cat == "markup":
                continue
            if cat is None:
                unit = re.match(r"[%×BMKTkx]*", line[m.end():]).group()
                value = (m.group() + unit).rstrip("x")
                sign = line[m.start() - 1] if m.start() and line[m.start() - 1] in "+−-" else ""
                rows = [r for v in (value, m.group(), sign + m.group()) for r in registry.get((page, v), [])]
                if any(re.search(r["context"], line) for r in rows):
                    cat = "published"
                else:
                    cat = "violation"
            found.append(Numeral(where, n, m.group(), cat, line.strip()))
    return found


def _sources():
    for path in sorted((ROOT / "book").glob("*.md")):
        yield path.stem, path.read_text(encoding="utf-8")
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for i, cell in enumerate(cells):
            if cell["cell_type"] == "markdown":
                yield f"{path.stem}:cell{i}", "".join(cell["source"])


def all_numerals() -> list[Numeral]:
    registry = _registry()
    return [num for where, text in _sources() for num in classify(where, text, registry)]


def _report(violations: list[Numeral]) -> str:
    return "\n".join(f"{v.where}:{v.line}: typed numeral {v.text!r} in: {v.context[:110]}"
                     for v in violations)


def _violations() -> list[Numeral]:
    return [num for num in all_numerals() if num.category == "violation"]


def test_every_prose_numeral_is_glued_cited_structural_or_published():
    """No typed numeral anywhere; every one is named with file and line, all in one run."""
    typed = _violations()
    assert not typed, (f"{len(typed)} typed numerals (glue them, put them in math/code, or register a "
                       f"published figure in {REGISTRY.name}):\n{_report(typed)}")


def test_a_typed_number_is_caught_with_file_and_line():
    registry = _registry()
    page = "Our widest network reaches {glue:text}`x.ipynb::k:s` and then 0.93 after 500 steps."
    found = classify("ch02_scaling_laws", "Intro line.\n" + page, registry)
    bad = [(v.where, v.line, v.text) for v in found if v.category == "violation"]
    assert bad == [("ch02_scaling_laws", 2, "0.93"), ("ch02_scaling_laws", 2, "500")]
    ok = classify("ch02_scaling_laws", "See Chapter 3, Table 2 and Wei et al. 2022; "
                  "$p = 0.5$, `n=100`, {cite:p}`kaplan2020`; GPT-3.", registry)
    assert all(v.category != "violation" for v in ok), ok
    assert classify("ch07_mirage", "```{admonition} T\n:class: note\nWe saw 12 rows.\n```",
                    registry)[0].category == "violation"


def test_numbered_headings_plan_rows_and_check_counts_are_structural_but_results_are_not():
    registry = _registry()

    def typed(page, text):
        return [v.text for v in classify(page, text, registry) if v.category == "violation"]

    assert typed("ch07_mirage", "## Re-analysis 2: our own models") == []
    assert typed("ch07_mirage", "## Re-analysis 2: 500 models") == ["500"]
    assert typed("ch07_mirage", "## Results after 500 steps") == ["500"]
    assert typed("instructor_guide", "| 2 | Chapter 3: smooth | Chapter 4: ICL |") == []
    assert typed("instructor_guide", "| 3 | We trained 500 models |") == ["3", "500"]
    row = ("| 1 | {doc}`ch01` | {doc}`../notebooks/ch01_lab` | {doc}`../notebooks/ch01_exercises` "
           "| 6 | 30 / 45 / 45 |")
    assert typed("instructor_guide", row) == []
    assert typed("ch07_mirage", row) == ["6"]  # the checks column counts only in the guide
    # only the cell right after the exercises notebook is its check count: a further number is typed
    assert typed("instructor_guide", row.replace("ch01_exercises` ", "ch01_exercises` | 7 ")) == ["6"]


def test_instructor_guide_check_counts_match_the_notebooks():
    """The guide's "checks" column is typed, so it is compared with each exercises notebook."""
    import nbformat

    from emergence.grade import check_cells

    text = (ROOT / "book" / "instructor_guide.md").read_text(encoding="utf-8")
    rows = re.findall(r"\{doc\}`\.\./notebooks/(\w+_exercises)` \| (\d+) \|", text)
    assert len(rows) == len(list((ROOT / "notebooks").glob("*_exercises.ipynb"))), rows
    for name, count in rows:
        nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
        assert int(count) == len(check_cells(nb)), (name, count, len(check_cells(nb)))


def test_adding_a_typed_number_to_a_page_fails(monkeypatch):
    """The whole check, on the real sources plus one typed result, reports that one line."""
    real = list(_sources())
    page = next(text for where, text in real if where == "ch02_scaling_laws")
    typed = page + "\nThe widest network learned 29 subtasks.\n"
    monkeypatch.setattr(sys.modules[__name__], "_sources",
                        lambda: iter([(w, typed if w == "ch02_scaling_laws" else t) for w, t in real]))
    assert [(v.where, v.line, v.text) for v in _violations()] == [
        ("ch02_scaling_laws", len(typed.splitlines()), "29")]


def test_registry_rows_have_source_location_and_facts_tag():
    with REGISTRY.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows
    pages = {p.stem for p in (ROOT / "book").glob("*.md")} | {
        p.stem for p in (ROOT / "notebooks").glob("*.ipynb")}
    for row in rows:
        assert row["source"].strip() and row["location"].strip() and row["context"].strip(), row
        re.compile(row["context"])
        assert row["facts_tag"] in FACTS_TAGS, row
        assert set(row["pages"].split()) <= pages, row


GLUE_REF = re.compile(r"\{glue(?::\w+)?\}`(?:([^`]*?\.ipynb)::)?([\w]+)(?::[^`]*)?`")


def _glue_keys(notebook: Path) -> set[str]:
    keys = set()
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        for out in cell.get("outputs", []):
            name = out.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                keys.add(name)
    return keys


def test_every_quoted_glue_key_is_defined_by_its_notebook():
    missing = []
    cache: dict[Path, set[str]] = {}
    for where, text in _sources():
        for n, line in enumerate(text.splitlines(), 1):
            for m in GLUE_REF.finditer(line):
                nb_path = m.group(1)
                if nb_path is None:  # a notebook quoting its own key
                    nb = ROOT / "notebooks" / (where.split(":")[0] + ".ipynb")
                else:
                    nb = (ROOT / "book" / nb_path).resolve()
                if nb not in cache:
                    cache[nb] = _glue_keys(nb) if nb.exists() else set()
                if m.group(2) not in cache[nb]:
                    missing.append(f"{where}:{n}: glue key {m.group(2)!r} not defined by {nb.name}")
                if "::" in m.group(0) and m.group(0).count(":") < 4:
                    missing.append(f"{where}:{n}: {m.group(0)} needs a format spec (e.g. :s), or "
                                   "myst-nb reads the key as a format")
    assert not missing, "\n".join(missing)


def test_glue_label_shows_the_word_without_quotes_and_validates():
    from emergence.glue import _Label, glue_label

    assert repr(_Label("emergent")) == "emergent"
    with pytest.raises(ValueError, match="name"):
        glue_label("not a name", "smooth")
    with pytest.raises(ValueError, match="text"):
        glue_label("key", "two\nlines")


def test_category_counts(capsys):
    counts = Counter(num.category for num in all_numerals())
    with capsys.disabled():
        print("\nprose numerals by category:", dict(sorted(counts.items())))
    assert counts["glued"] > 0 and counts["published"] > 0


if __name__ == "__main__":
    print(dict(sorted(Counter(num.category for num in all_numerals()).items())))
    print(_report(_violations()))
