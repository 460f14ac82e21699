"""The Chinese edition stays in sync with the English (issue 17).

Every catalogue message is translated, not fuzzy, keeps its markup and renders the glossary's
Chinese terms; every message the English has today is in its catalogue. Each rule is shown to
fail on a broken translation, and the sync rule on an edited English sentence.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message

from emergence import translations as tr

ROOT = tr.ROOT


@pytest.fixture(scope="module")
def templates(tmp_path_factory):
    """The English messages of every page and notebook as they are now (gettext builder)."""
    return tr.extract(tmp_path_factory.mktemp("gettext"))


def _message(msgid, msgstr, fuzzy=False):
    return Message(msgid, msgstr, flags=("fuzzy",) if fuzzy else ())


def _wrong(msgid, msgstr, fuzzy=False, headwords=frozenset()):
    return tr.check_message(_message(msgid, msgstr, fuzzy), tr.terms(), headwords)


# ------------------------------------------------------------------ the real catalogues
def test_every_catalogue_message_is_translated_and_keeps_its_markup():
    found = tr.problems()
    assert not found, f"{len(found)} message(s) out of sync:\n" + "\n".join(map(str, found[:40]))


def test_every_english_message_is_in_its_catalogue(templates):
    found = tr.unsynced(templates)
    assert not found, (f"{len(found)} English message(s) without a current translation:\n"
                       + "\n".join(map(str, found[:40])))


def test_every_page_and_notebook_of_the_book_has_a_catalogue(templates):
    pages = {p.relative_to(templates).with_suffix("").as_posix() for p in templates.rglob("*.pot")}
    have = {p.relative_to(tr.CATALOGUES).with_suffix("").as_posix() for p in tr.catalogues()}
    assert pages, "the gettext build wrote no templates"
    assert pages <= have, f"no catalogue for {sorted(pages - have)}"
    notebooks = {f"notebooks/{p.stem}" for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert notebooks <= pages, f"notebook markdown not extracted: {sorted(notebooks - pages)}"


def test_the_catalogues_cover_admonitions_captions_and_glossary_entries(templates):
    """Messages from the places a plain-text extraction would miss, taken from the source."""
    source = (ROOT / "book" / "ch01_complex_systems.md").read_text(encoding="utf-8")
    blocks = {kind: source.split("```{" + kind, 1)[1].split("```", 1)[0]
              for kind in ("admonition} Think!", "lab-figure}")}
    think_title = "Think!"
    caption = blocks["lab-figure}"].strip().split("\n\n", 1)[1].strip()
    think_body = blocks["admonition} Think!"].strip().split("\n\n")[1].strip()  # after :class:
    chapter = {m.id for m in tr.messages(tr.read(templates / "book" / "ch01_complex_systems.pot"))}
    glossary = {m.id for m in tr.messages(tr.read(templates / "book" / "glossary.pot"))}
    assert think_title in chapter
    assert caption.replace("\n", " ") in chapter, caption
    assert " ".join(think_body.split("\n")) in chapter, think_body
    assert any(i.startswith("One of the parallel attention units") for i in glossary)
    lab = {m.id for m in tr.messages(tr.read(templates / "notebooks" / "ch01_lab.pot"))}
    assert any(i.startswith("1. Percolation") for i in lab)  # a notebook's markdown heading


def test_no_page_uses_footnotes():
    """MyST-Parser 3 loses a footnote reference in every translated message (its parser sees
    the message without the definition): write the note in parentheses instead."""
    import nbformat

    texts = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "book").glob("*.md")}
    for path in (ROOT / "notebooks").glob("*.ipynb"):
        cells = nbformat.read(path, as_version=4).cells
        texts[path.name] = "\n".join(c.source for c in cells if c.cell_type == "markdown")
    found = [name for name, text in texts.items() if tr.FOOTNOTE.search(text)]
    assert not found, f"footnotes in {found}"


# ----------------------------------------------------------- an edited English sentence
def test_an_edited_english_sentence_fails_the_sync_naming_page_and_message(templates, tmp_path):
    pot = templates / "book" / "ch06_grokking.pot"
    template = tr.read(pot)
    sentence = next(m for m in tr.messages(template) if len(m.id) > 80)
    edited = sentence.id.replace(" ", "  very ", 1)  # an author rewords the English
    template.delete(sentence.id)
    template.add(edited)
    changed = tmp_path / "book" / "ch06_grokking.pot"
    changed.parent.mkdir(parents=True)
    tr.write(changed, template)
    found = tr.unsynced(tmp_path)
    assert [p.msgid for p in found] == [edited]
    assert "ch06_grokking.po" in str(found[0]) and "not translated" in found[0].what


def test_after_update_the_edited_message_is_fuzzy_and_still_fails(templates, tmp_path):
    """What `python -m emergence.translations update` does to an edited sentence."""
    from sphinx_intl.basic import update

    locale = tmp_path / "locales"
    shutil.copytree(tr.CATALOGUES.parent.parent, locale)
    pot = tmp_path / "pots" / "book" / "ch06_grokking.pot"
    pot.parent.mkdir(parents=True)
    template = tr.read(templates / "book" / "ch06_grokking.pot")
    sentence = next(m for m in tr.messages(template) if len(m.id) > 80)
    edited = sentence.id.rstrip(".") + ", as the lab shows."
    template.delete(sentence.id)
    template.add(edited)
    tr.write(pot, template)
    update(str(locale), str(pot.parent.parent), (tr.LANGUAGE,), line_width=76, jobs=1)
    catalogue = locale / tr.LANGUAGE / "LC_MESSAGES" / "book" / "ch06_grokking.po"
    found = [p for p in tr.problems([catalogue]) if p.msgid == edited]
    assert found and found[0].what.startswith("fuzzy"), found


# -------------------------------------------------------------- each rule rejects breakage
@pytest.mark.parametrize("english, chinese, complaint", [
    ("A long enough sentence.", "", "untranslated"),
    ("See {term}`emergence <Emergence>` here.", "见此处的涌现。", "drops role 'term:emergence'"),
    ("See {term}`emergence <Emergence>` here.", "见{term}`涌现 <Mirage>`。", "role 'term:mirage'"),
    ("Accuracy is {glue:text}`../notebooks/ch06_lab.ipynb::ch06_acc:.2f` here.",
     "准确率为 {glue:text}`../notebooks/ch06_lab.ipynb::ch06_acc:.1f`。", "drops role"),
    ("As shown {cite:p}`wei2022emergent` for models.", "如文献所示。", "drops role 'cite:p:wei2022emergent'"),
    ("The value $p_c \\approx 0.59$ is the threshold.", "阈值为 $p_c \\approx 0.6$。", "drops math"),
    ("Call `crossing(ps, probs)` to find it.", "调用 `crossing(ps)` 求出。", "drops code"),
    ("Read [the chapter](../book/ch01_complex_systems.md) first.", "先读[本章](../book/ch02.md)。",
     "drops link '../book/ch01_complex_systems.md'"),
    ("Data from https://example.org/data for all.", "数据来自 example.org。", "drops url"),
    ("**Time:** about one hour here.", "**时间：**约一小时。", "drops **bold**"),
    ("See the footnote here[^triplets] for more.", "见脚注。", "drops footnote"),
    ("Emergence is the topic here.", "本章的主题是相变。", "glossary term 'Emergence'"),
    ("Each token is one piece of text.", "每个 token 是一段文本。", "glossary term 'Token'"),
    ("A long enough English sentence.", "A long enough English sentence.", "is the English text"),
    ("\nP(\\text{chain right}) = p^k\n", "\nP(\\text{整条链正确}) = p^k\n", "display formula must stay"),
    ("1. Percolation: when does it connect?", "1. 渗流：何时连通？", "numbered list"),
])
def test_each_rule_rejects_a_broken_translation(english, chinese, complaint):
    assert any(complaint in w for w in _wrong(english, chinese)), _wrong(english, chinese)


def test_a_fuzzy_message_is_reported_even_when_translated():
    assert any(w.startswith("fuzzy") for w in _wrong("A sentence here.", "一句话。", fuzzy=True))


@pytest.mark.parametrize("english, chinese", [
    ("See {term}`emergence <Emergence>` here.", "见{term}`涌现 <emergence>`。"),
    ("**Time:** about one hour here.", "**时间：** 约一小时。"),
    ("So $P(\\text{chain right}) = p^k$ holds.", "于是 $P(\\text{整条链正确}) = p^k$ 成立。"),
    ("\nP(\\text{chain right}) = p^k\n", "\nP(\\text{chain right}) = p^k\n"),
    ("Transformers learn in context.", "Transformer 在情景中学习。"),
    ("In-context learning appears.", "上下文学习出现了。"),
])
def test_a_faithful_translation_passes(english, chinese):
    assert _wrong(english, chinese) == []


def test_glossary_headwords_may_stay_english_only_on_the_glossary_page():
    headwords = frozenset(t.english for t in tr.terms())
    assert _wrong("Grokking", "Grokking", headwords=headwords) == []
    assert _wrong("Grokking", "Grokking") != []


def test_a_catalogue_with_a_syntax_error_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.po"
    bad.write_text('msgid "One"\nmsgstr "一"\n\nmsgid "Two"\nmsgstr "二\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.po:5"):
        tr.read(bad)
    bad.write_text('msgid "One"\nmsgstr "一"\n\nmsgid "Two"\nmsgstr 二\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.po:5"):
        tr.read(bad)
    bad.write_text('msgid "One"\nmsgstr "一"\n\ngarbage\nmsgid "Two"\nmsgstr "二"\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.po:4"):
        tr.read(bad)
    assert "bad.po" in str(tr.problems([bad])[0])


def test_fill_stores_numbered_translations_and_rejects_a_bad_number(tmp_path):
    catalog = Catalog(locale="zh_CN")
    catalog.add("First sentence here.")
    catalog.add("Second sentence here.", "旧的", flags=("fuzzy",))
    path = tmp_path / "x.po"
    tr.write(path, catalog)
    assert tr.todo(path).splitlines()[0] == "[0] First sentence here."
    assert tr.fill(path, "[0] 第一句。\n[1] 第二句。\n") == []
    assert [m.string for m in tr.messages(tr.read(path))] == ["第一句。", "第二句。"]
    with pytest.raises(ValueError, match="answers: no message \\[5\\]"):
        tr.fill(path, "[5] 多余。")
    with pytest.raises(ValueError, match="answers: text before"):
        tr.fill(path, "stray\n[0] 第一句。")


def test_a_missing_catalogue_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="path: no catalogue"):
        tr.read(tmp_path / "none.po")
