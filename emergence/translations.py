"""The Chinese edition's message catalogues: read them, check them against the English,
and help a translator fill them.

The book is translated with Sphinx's gettext machinery over the same sources. For each
page and notebook, ``locales/zh_CN/LC_MESSAGES/<book|notebooks>/<name>.po`` pairs every
paragraph, heading, list item, caption and glossary entry (``msgid``, the MyST source) with
its translation (``msgstr``). A message is in sync when it is translated, not fuzzy, keeps
every piece of markup the English has (roles and their targets, glue keys, citations, math,
inline code, link targets and URLs, emphasis that still parses), and renders each glossary
term the English uses with one of the glossary's Chinese terms.

Command line (run from the repository)::

    python -m emergence.translations check [PO ...]     # every problem, file:line; exit 1
    python -m emergence.translations todo PO            # numbered messages still to translate
    python -m emergence.translations fill PO ANSWERS    # store "[n] translation" blocks
    python -m emergence.translations stats              # messages per catalogue
    python -m emergence.translations update             # catalogues follow the English
    python -m emergence.translations sync               # English messages not yet translated
"""
from __future__ import annotations

import collections
import functools
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .i18n import read_po as read_strictly

ROOT = Path(__file__).resolve().parent.parent
LANGUAGE = "zh_CN"
CATALOGUES = ROOT / "locales" / LANGUAGE / "LC_MESSAGES"
GLOSSARY = ROOT / "book" / "glossary.md"

# Roles whose whole content is a key that must survive unchanged; for the others (term, ref,
# numref, doc, eq) only the target after "<" is a key and the title is translated.
KEY_ROLES = ("glue", "cite")
URL = re.compile(r"https?://[^\s)>\]]+")
CJK = re.compile(r"[\u4e00-\u9fff]")
FOOTNOTE = re.compile(r"\[\^[^\]\s]+\]")
ENTRY = re.compile(r"^\[(\d+)\] ?", re.M)  # a block in a translator's answers file


@dataclass(frozen=True)
class Problem:
    """One message out of sync: where it is and what is wrong."""

    path: Path
    line: int
    msgid: str
    what: str

    def __str__(self) -> str:
        where = self.path.relative_to(ROOT) if self.path.is_relative_to(ROOT) else self.path
        excerpt = self.msgid if len(self.msgid) <= 90 else self.msgid[:87] + "..."
        return f"{where}:{self.line}: {self.what}\n    msgid: {excerpt!r}"


# ---------------------------------------------------------------------- reading catalogues
def read(path) -> "babel.messages.catalog.Catalog":  # noqa: F821 (babel is imported lazily)
    """The catalogue at ``path``; a syntax error raises ValueError naming file and line."""
    from babel.messages.pofile import PoFileError, read_po

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path: no catalogue at {path}")
    # babel skips some malformed lines silently (an unquoted or unterminated string); the
    # library's own strict reader names the file and line of any such line
    read_strictly(path.read_text(encoding="utf-8"), str(path))
    try:
        with path.open("rb") as f:
            return read_po(f, abort_invalid=True, charset="utf-8")
    except PoFileError as err:  # babel says "... on line N"
        raise ValueError(f"{path}: invalid catalogue: {err}") from None


def write(path, catalog) -> None:
    """Store ``catalog`` as sphinx-intl does (same wrapping), so diffs stay small."""
    from sphinx_intl.catalog import dump_po

    dump_po(str(path), catalog, line_width=76)


def catalogues(root: Path = CATALOGUES) -> list[Path]:
    """Every catalogue of the Chinese edition, in a stable order."""
    return sorted(Path(root).rglob("*.po"))


def messages(catalog) -> list:
    """The catalogue's messages, header left out, in file order (the numbering of ``todo``)."""
    return [m for m in catalog if m.id]


# ---------------------------------------------------------------------------- the markup
@functools.lru_cache(maxsize=None)
def parser():
    """CommonMark with MyST's roles and dollar math: enough to see a message's markup."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin
    from mdit_py_plugins.myst_role import myst_role_plugin

    return MarkdownIt("commonmark").use(dollarmath_plugin).use(myst_role_plugin)


def _math(content: str) -> str:
    """Inline math compared without the words of ``\\text{...}``, which a translation may
    translate (a display formula must stay exactly as it is: see ``check_message``)."""
    return " ".join(re.sub(r"\\text\{[^{}]*\}", r"\\text{}", content).split())


def markup(text: str) -> collections.Counter:
    """The pieces of MyST markup in ``text`` that a translation must keep, with counts.

    Role targets and keys, math, inline code, link targets and URLs compare by content;
    emphasis and strong compare by count, so a delimiter that no longer parses (CommonMark
    will not close ``**`` between CJK punctuation and a letter) shows as missing.
    """
    found = collections.Counter()
    for block in parser().parse(text):
        if block.type == "math_block":
            found["math", _math(block.content)] += 1
        for tok in block.children or ():
            if tok.type == "myst_role":
                name = tok.meta["name"]
                if name.startswith(KEY_ROLES):
                    key = ",".join(sorted(k.strip() for k in tok.content.split(",")))
                else:
                    target = re.search(r"<([^<>]+)>\s*$", tok.content)
                    key = (target.group(1) if target else tok.content).strip().lower()
                found["role", f"{name}:{key}"] += 1
            elif tok.type in ("math_inline", "math_inline_double"):
                found["math", _math(tok.content)] += 1
            elif tok.type == "code_inline":
                found["code", tok.content] += 1
            elif tok.type == "link_open":
                found["link", tok.attrs.get("href", "")] += 1
            elif tok.type in ("strong_open", "em_open"):
                found[tok.type[:-5], ""] += 1
            elif tok.type == "text":
                for url in URL.findall(tok.content):
                    found["url", url] += 1
                for note in FOOTNOTE.findall(tok.content):
                    found["footnote", note] += 1
    return found


def _describe(piece) -> str:
    kind, value = piece
    return {"strong": "**bold**", "em": "*emphasis*"}.get(kind, f"{kind} {value!r}")


# ---------------------------------------------------------------------- glossary terms
@dataclass(frozen=True)
class Term:
    """A glossary term: how it shows in English, and the Chinese forms that render it."""

    english: str
    chinese: tuple[str, ...]
    pattern: re.Pattern

    def used_in(self, english_text: str) -> bool:
        return bool(self.pattern.search(english_text))

    def rendered_in(self, chinese_text: str) -> bool:
        return any(form in chinese_text for form in self.chinese)


def _english_pattern(term: str) -> re.Pattern:
    words = re.split(r"[\s-]+", term)
    last = words[-1]
    last = (re.escape(last[:-1]) + "(?:y|ies)") if last.endswith("y") else re.escape(last) + "(?:s|es)?"
    body = r"[\s-]+".join([*map(re.escape, words[:-1]), last])
    return re.compile(rf"(?<![\w-]){body}(?![\w-])", re.I)


def _chinese_forms(line: str) -> tuple[str, ...]:
    """``缩放定律 / 伸缩法则（也译作规模法则）`` -> the alternatives, remarks left out; an
    English name the Chinese keeps (``BIG-bench 基准``, ``Transformer（变换器）``) counts too."""
    forms = []
    for alternative in re.split(r"\s*[/／]\s*", line):
        bare = re.sub(r"（[^）]*）|\([^)]*\)", "", alternative).strip()
        if bare:
            forms.append(bare)
    forms += re.findall(r"[A-Za-z][A-Za-z-]{2,}", line)
    return tuple(dict.fromkeys(forms))


def terms(glossary: Path = GLOSSARY) -> list[Term]:
    """The glossary's terms with their Chinese (the line ``中文：…`` under each term)."""
    text = Path(glossary).read_text(encoding="utf-8")
    found = [Term(name.strip(), _chinese_forms(m.group(2).strip()), _english_pattern(name.strip()))
             for m in re.finditer(r"^((?:[^\s`][^\n]*\n)+)  中文：([^\n]*)", text, re.M)
             for name in m.group(1).splitlines()]  # several headwords may share an entry
    if not found:
        raise ValueError(f"glossary: no '中文：' lines under the terms of {glossary}")
    return found


ROLE = re.compile(r"\{([\w:-]+)\}`([^`]*)`")


def _role_title(match) -> str:
    """What a role shows that the message itself must translate: nothing for keys (glue,
    cite, eq) or for a reference without a title (the target's translated title shows)."""
    name, content = match.groups()
    titled = re.match(r"(.*?)<[^<>]*>\s*$", content, re.S)
    if name.startswith((*KEY_ROLES, "eq")) or (name != "term" and not titled):
        return " "
    return " " + (titled.group(1) if titled else content) + " "


def visible_english(text: str) -> str:
    """The words a reader sees: role titles, but no math, code, URLs, link targets or keys."""
    text = re.sub(r"\$\$.*?\$\$|\$[^$]*\$", " ", text, flags=re.S)
    text = ROLE.sub(_role_title, text)
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"\]\([^)]*\)", "] ", text)
    return URL.sub(" ", text)


def one_paragraph(text: str) -> bool:
    """Whether MyST reads ``text`` as one paragraph: Sphinx swaps in a translation only then."""
    blocks = [t.type for t in parser().parse(text) if t.level == 0 and not t.type.endswith("_close")]
    return blocks == ["paragraph_open"]


def is_display_math(msgid: str) -> bool:
    """A display-math block's message is its LaTeX between newlines."""
    return msgid.startswith("\n") and msgid.endswith("\n")


def needs_words(msgid: str) -> bool:
    """False for a message with nothing to translate: math, code, keys, numbers, a single
    name (``nbgrader``), or text already in Chinese (the glossary's ``中文：`` lines)."""
    if is_display_math(msgid) or CJK.search(msgid):
        return False
    return len(re.findall(r"[A-Za-z]{2,}(?:-[A-Za-z]+)*", visible_english(msgid))) >= 2


# ------------------------------------------------------------------------------ checking
def check_message(message, glossary_terms, headwords=frozenset()) -> list[str]:
    """What is wrong with one translated message (empty when it is in sync).

    ``headwords``: messages that may stay English (the glossary page's own headwords)."""
    if not message.string:
        return ["untranslated"]
    wrong = ["fuzzy: the English changed; update the translation and remove the flag"] \
        if message.fuzzy else []
    before, after = markup(message.id), markup(message.string)
    for piece in sorted(before - after):
        wrong.append(f"translation drops {_describe(piece)}")
    for piece in sorted(after - before):
        wrong.append(f"translation adds {_describe(piece)}")
    if is_display_math(message.id):
        if message.string != message.id:
            wrong.append("a display formula must stay exactly as in the English (Sphinx cannot "
                         "re-parse a translated one as MyST; it shows as a broken literal)")
        return wrong
    if message.string != message.id and not one_paragraph(message.string):
        wrong.append("is not one paragraph of MyST, so Sphinx would silently keep the English "
                     "(a leading '1. ' makes a numbered list: write '1\\. ')")
    if message.id not in headwords:
        if message.string == message.id and needs_words(message.id):
            wrong.append("the translation is the English text")
        english = visible_english(message.id)
        for term in glossary_terms:
            if term.used_in(english) and not term.rendered_in(message.string):
                wrong.append(f"glossary term {term.english!r} is not rendered as "
                             f"{' or '.join(term.chinese)}")
    return wrong


def problems(paths=None) -> list[Problem]:
    """Every message out of sync in the given catalogues (default: all), in file order."""
    paths = [Path(p) for p in paths] if paths else catalogues()
    glossary_terms = terms()
    found = []
    for path in paths:
        try:
            catalog = read(path)
        except ValueError as err:
            found.append(Problem(path, 0, "", str(err)))
            continue
        headwords = _headwords(path, glossary_terms)
        for message in messages(catalog):
            for what in check_message(message, glossary_terms, headwords):
                found.append(Problem(path, message.lineno, message.id, what))
    return found


def _headwords(path: Path, glossary_terms) -> frozenset:
    """The glossary page keeps its headwords in English (pages link them by that name)."""
    if Path(path).stem == GLOSSARY.stem:
        return frozenset(t.english for t in glossary_terms)
    return frozenset()


# ------------------------------------------------------------------------ for translators
def prefill(catalog, path) -> int:
    """Copy the English where there is nothing to translate; returns how many."""
    headwords = _headwords(path, terms())
    filled = 0
    for message in messages(catalog):
        if not message.string and (message.id in headwords or not needs_words(message.id)):
            message.string = message.id
            filled += 1
    return filled


def todo(path) -> str:
    """The messages still to translate (empty or fuzzy), numbered for ``fill``."""
    catalog = read(path)
    if prefill(catalog, path):
        write(path, catalog)
    lines = []
    for n, message in enumerate(messages(catalog)):
        if message.fuzzy:
            lines.append(f"[{n}] {message.id}\n    (the English changed; old translation: {message.string})")
        elif not message.string:
            lines.append(f"[{n}] {message.id}")
    return "\n".join(lines)


def fill(path, answers: str) -> list[Problem]:
    """Store the translations in ``answers`` (``[n] text`` blocks); return the problems left."""
    catalog = read(path)
    listed = messages(catalog)
    parts = ENTRY.split(answers)
    if parts[0].strip():
        raise ValueError(f"answers: text before the first '[n]' marker: {parts[0][:60]!r}")
    for number, text in zip(parts[1::2], parts[2::2]):
        n = int(number)
        if n >= len(listed):
            raise ValueError(f"answers: no message [{n}] in {path} (it has {len(listed)})")
        message = listed[n]
        lead = message.id[: len(message.id) - len(message.id.lstrip())]
        trail = message.id[len(message.id.rstrip()):]
        message.string = lead + text.strip() + trail
        message.flags.discard("fuzzy")
    write(path, catalog)
    return problems([path])


def extract(out) -> Path:
    """Write the English messages of every page and notebook (Sphinx's gettext builder) as
    ``.pot`` templates under ``out``; returns their folder."""
    subprocess.run(["jupyter-book", "build", "--builder", "custom", "--custom-builder",
                    "gettext", "--path-output", str(out), str(ROOT)], check=True,
                   stdout=subprocess.DEVNULL)
    return Path(out) / "_build" / "gettext"


def update() -> None:
    """Bring every catalogue up to date with the English: new messages empty, changed ones
    fuzzy with their old translation (sphinx-intl); the exercise checks' catalogue too
    (``emergence.i18n.update``)."""
    from sphinx_intl.basic import update as sphinx_intl_update

    from .i18n import update as update_checks

    with tempfile.TemporaryDirectory() as out:
        sphinx_intl_update(str(CATALOGUES.parent.parent), str(extract(out)), (LANGUAGE,),
                           line_width=76, jobs=1)
    update_checks()


def unsynced(templates, root: Path = CATALOGUES) -> list[Problem]:
    """Messages the English has (``.pot`` files under ``templates``) that the catalogues do
    not translate: an edited English sentence shows here until its translation is updated."""
    found = []
    for pot in sorted(Path(templates).rglob("*.pot")):
        path = Path(root) / pot.relative_to(templates).with_suffix(".po")
        catalog = read(path) if path.is_file() else None
        for message in messages(read(pot)):
            have = catalog.get(message.id) if catalog is not None else None
            if have is None or not have.string or have.fuzzy:
                state = "fuzzy" if have is not None and have.fuzzy else "not translated"
                found.append(Problem(path, have.lineno if have is not None else 0, message.id,
                                     f"the English has this message; the catalogue: {state} "
                                     "(run `python -m emergence.translations update`, then translate)"))
    return found


def stats() -> str:
    rows = []
    for path in catalogues():
        listed = messages(read(path))
        done = sum(bool(m.string) and not m.fuzzy for m in listed)
        rows.append(f"{path.relative_to(CATALOGUES)}: {done}/{len(listed)}")
    return "\n".join(rows)


def main(argv=None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    verb = args.pop(0) if args else "check"
    if verb == "check":
        found = problems(args or None)
        for problem in found:
            print(problem)
        print(f"{len(found)} problem(s)")
        return 1 if found else 0
    if verb == "todo" and len(args) == 1:
        print(todo(args[0]))
        return 0
    if verb == "fill" and len(args) == 2:
        found = fill(args[0], Path(args[1]).read_text(encoding="utf-8"))
        for problem in found:
            print(problem)
        print(f"{len(found)} problem(s) left in {args[0]}")
        return 0
    if verb == "update":
        update()
        return 0
    if verb == "sync":
        with tempfile.TemporaryDirectory() as out:
            found = unsynced(extract(out))
        for problem in found:
            print(problem)
        print(f"{len(found)} message(s) of the English not translated")
        return 1 if found else 0
    if verb == "stats":
        print(stats())
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
