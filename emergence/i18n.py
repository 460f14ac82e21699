"""The language of the exercise checks: verdicts and hints in English or Chinese.

Every message a check shows is written ``_("... {name} ...").format(name=...)``; ``_`` looks
the English up in the catalogue of the current language,
``emergence/locale/<language>/LC_MESSAGES/emergence.po``, and falls back to the English for a
message that is missing or fuzzy there. The notebook chooses the language, in its setup call
(``emergence.setup(language="zh_CN")``, which the Chinese notebooks carry); otherwise it is
English. The machine's locale (``LANG`` and friends) is deliberately not consulted: an
English notebook prints the same verdicts on every machine, as nbval expects. The catalogue is read here,
without babel, so that the library needs nothing beyond numpy, matplotlib and ipywidgets; the
maintainers' tools (``python -m emergence.translations update``) extract it with babel.
"""
from __future__ import annotations

import ast
import gettext
import os
import re
import string
from pathlib import Path

LOCALE = Path(__file__).resolve().parent / "locale"
DOMAIN = "emergence"
LANGUAGES = ("en", "zh_CN")  # English is the source; every other one has a catalogue

_chosen = "en"  # the language set_language chose; English until a notebook asks otherwise
_loaded: dict[str, gettext.NullTranslations] = {}


def language() -> str:
    """The language checks speak now: ``"en"`` or ``"zh_CN"``."""
    return _chosen


def set_language(language: str | None) -> None:
    """Make the checks speak ``language`` (``"en"``, ``"zh_CN"``, or ``"zh"``); ``None``
    means English again."""
    global _chosen
    if language is None:
        _chosen = "en"
        return
    if not isinstance(language, str):
        raise TypeError(f"language: expected a string such as 'zh_CN', not {type(language).__name__}")
    normal = language.replace("-", "_")
    normal = "zh_CN" if normal.lower() in ("zh", "zh_cn", "zh_hans") else normal
    if normal not in LANGUAGES:
        raise ValueError(f"language: {language!r} is not one of {', '.join(LANGUAGES)}")
    _chosen = normal


class Catalogue(gettext.NullTranslations):
    """Translations read from a .po file; a message missing or fuzzy there stays English."""

    def __init__(self, path):
        super().__init__()
        self.path = Path(path)
        self.messages = read_po(self.path.read_text(encoding="utf-8"), str(self.path))

    def gettext(self, message: str) -> str:
        return self.messages.get(message) or message


_ENTRY = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+(".*")\s*$')


def read_po(text: str, name: str = "catalogue") -> dict[str, str]:
    """{msgid: msgstr} of a .po file's translated, non-fuzzy messages (no plurals needed).

    Handles strings continued over several lines and the C escapes gettext writes; a line
    that is none of these raises ValueError naming ``name`` and the line.
    """
    found: dict[str, str] = {}
    entry: dict[str, str] = {}
    key, fuzzy = None, False

    def finish():
        if entry.get("msgid") and entry.get("msgstr") and not fuzzy:
            found[entry["msgid"]] = entry["msgstr"]

    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        if line.startswith("#"):  # comments and flags come before their entry
            if "msgstr" in entry:
                finish()
                entry, key, fuzzy = {}, None, False
            if line.startswith("#,"):
                fuzzy = fuzzy or "fuzzy" in (f.strip() for f in line[2:].split(","))
            continue
        match = _ENTRY.match(line)
        if match:
            word = match.group(1)
            if word in ("msgid", "msgctxt") and "msgstr" in entry:
                finish()
                entry, fuzzy = {}, False
            key = "msgstr" if word.startswith("msgstr") else word
            entry[key] = entry.get(key, "") + _unquote(match.group(2), name, number)
        elif line.startswith('"') and key is not None:
            entry[key] += _unquote(line, name, number)
        else:
            raise ValueError(f"{name}:{number}: not a catalogue line: {line[:60]!r}")
    finish()
    return found


def _unquote(quoted: str, name: str, number: int) -> str:
    """The text of one quoted .po string (C escapes, as Python reads them)."""
    try:
        value = ast.literal_eval(quoted)
    except (SyntaxError, ValueError):
        raise ValueError(f"{name}:{number}: bad quoted string {quoted[:60]!r}") from None
    if not isinstance(value, str):
        raise ValueError(f"{name}:{number}: bad quoted string {quoted[:60]!r}")
    return value


def catalogue_path(language_: str) -> Path:
    """Where the checks' catalogue of ``language_`` lives (shipped with the package)."""
    return LOCALE / language_ / "LC_MESSAGES" / f"{DOMAIN}.po"


def translations(language_: str | None = None) -> gettext.NullTranslations:
    """The translations of ``language_`` (default: the current language), read once."""
    chosen = language_ or language()
    if chosen not in _loaded:
        path = catalogue_path(chosen)
        _loaded[chosen] = Catalogue(path) if chosen != "en" and path.is_file() \
            else gettext.NullTranslations()
    return _loaded[chosen]


def N_(message: str) -> str:
    """Mark a message for the catalogue where it cannot be translated yet (a default argument
    or a module constant, evaluated at import): ``_`` translates it where it is shown."""
    return message


def _(message: str) -> str:
    """``message`` in the current language (the English when it has no translation)."""
    return translations().gettext(message)


def _pattern(message: str) -> re.Pattern | None:
    """A regular expression matching ``message`` once formatted, capturing each field; None
    for a message that is little more than its fields (it would match anything)."""
    parts, literal = [], ""
    for text, field, _spec, _conversion in string.Formatter().parse(message):
        parts.append(re.escape(text))
        literal += text
        if field is not None:
            parts.append("(.+?)")
    return re.compile("".join(parts), re.S) if len(literal.strip()) >= 4 or "{" not in message \
        else None


def _fields(message: str) -> list[str]:
    return [field for _t, field, _s, _c in string.Formatter().parse(message) if field is not None]


def translate_shown(text: str, language_: str) -> str | None:
    """The checks' English output ``text`` (a verdict as stored in a notebook) in
    ``language_``, or None when some part is not one message of the catalogue.

    The book's Chinese edition shows the outputs of the English notebooks; this lets it show
    their verdicts in Chinese, by matching the English against the catalogue's messages."""
    messages = translations(language_)
    if not isinstance(messages, Catalogue):
        return None
    known = [(m, _pattern(m)) for m in sorted(messages.messages, key=len, reverse=True)]

    def back(english: str, depth: int = 0) -> str | None:
        if english in messages.messages:
            return messages.messages[english]
        for message, pattern in known:
            found = pattern.fullmatch(english) if pattern is not None else None
            if found is None:
                continue
            values = {}
            for field, value in zip(_fields(message), found.groups()):
                inner = back(value, depth + 1) if depth < 3 else None
                if inner is None and len(re.findall(r"[A-Za-z]{2,}", value)) >= 3:
                    break  # an English phrase in a field: this reading leaves English behind
                values[field] = inner or value  # a number, a name or code stays as it is
            else:
                translated = messages.messages[message]
                return re.sub(r"\{(\w+)[^{}]*\}", lambda m: values.get(m.group(1), m.group(0)),
                              translated)
        return None

    lines = [back(line) for line in text.split("\n   ")]
    return None if None in lines else "\n   ".join(lines)


# ------------------------------------------------------------- for maintainers (uses babel)
PACKAGE = Path(__file__).resolve().parent
SOURCES = ("checks/*.py", "student.py")  # every message the checks and the handouts show


def extract():
    """The messages of ``SOURCES`` as a babel catalogue (the template), found by ``_`` and
    ``N_``."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_file

    template = Catalog(project=DOMAIN, charset="utf-8", fuzzy=False)
    for path in sorted(p for pattern in SOURCES for p in PACKAGE.glob(pattern)):
        where = f"emergence/{path.relative_to(PACKAGE).as_posix()}"
        for _lineno, message, comments, _context in extract_from_file(
                "python", str(path), keywords={"_": None, "N_": None}):
            template.add(message, locations=[(where, None)], auto_comments=comments)
    return template


def update(languages=LANGUAGES[1:]) -> None:
    """Write the template ``emergence.pot`` and bring each language's catalogue up to date:
    new messages empty, changed ones fuzzy with their old translation, removed ones dropped."""
    from babel.messages.pofile import read_po as babel_read_po
    from babel.messages.pofile import write_po

    template = extract()
    pot = LOCALE / f"{DOMAIN}.pot"
    if pot.is_file():  # unchanged messages keep their date, so that the files do not churn
        with open(pot, "rb") as f:
            old = babel_read_po(f)
        if [(m.id, m.locations) for m in old] == [(m.id, m.locations) for m in template]:
            template.creation_date = old.creation_date
    LOCALE.mkdir(exist_ok=True)
    _replace(pot, lambda f: write_po(f, template, width=76, include_lineno=False))
    for chosen in languages:
        path = catalogue_path(chosen)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_file():
            with open(path, "rb") as f:
                catalog = babel_read_po(f, locale=chosen)
            catalog.update(template)
        else:
            catalog = template
            catalog.locale = chosen
        _replace(path, lambda f: write_po(f, catalog, width=76, ignore_obsolete=True,
                                          include_lineno=False))
    _loaded.clear()


def _replace(path: Path, write) -> None:
    """Write ``path`` through a temporary file, so that no reader ever sees half of it."""
    partial = path.with_suffix(path.suffix + ".partial")
    with open(partial, "wb") as f:
        write(f)
    os.replace(partial, path)
