"""The checks in Chinese: a complete catalogue in sync with the code, and verdicts that speak
the notebook's language (issue 17, item 4)."""
import re
import string

import pytest

import emergence
from emergence import i18n
from emergence.checks import ch01, ch06

PO = i18n.LOCALE / "zh_CN" / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"


def _fields(text: str) -> list:
    """The ``{placeholders}`` of a message: name, conversion and format spec."""
    return sorted((name, conv or "", spec or "") for _, name, spec, conv
                  in string.Formatter().parse(text) if name is not None)


@pytest.fixture
def chinese(monkeypatch):
    monkeypatch.setattr(i18n, "_chosen", "zh_CN")


@pytest.fixture
def english(monkeypatch):
    monkeypatch.setattr(i18n, "_chosen", "en")


def test_every_message_is_translated_not_fuzzy_and_keeps_its_placeholders():
    from babel.messages.pofile import read_po

    with PO.open("rb") as f:
        catalog = read_po(f)
    messages = [m for m in catalog if m.id]
    assert len(messages) > 800
    for m in messages:
        assert m.string and not m.fuzzy, f"{PO.name}:{m.lineno}: {m.id!r} untranslated or fuzzy"
        assert _fields(m.string) == _fields(m.id), f"{PO.name}:{m.lineno}: placeholders differ"
    assert len(i18n.read_po(PO.read_text(encoding="utf-8"))) == len(messages)


def test_catalogue_is_in_sync_with_the_code():
    """Re-extracting the checks finds exactly the catalogue's messages: nothing new, nothing
    changed (run ``python -m emergence.translations update`` after editing a message)."""
    extracted = {m.id for m in i18n.extract() if m.id}
    stored = set(i18n.read_po(PO.read_text(encoding="utf-8")))
    assert extracted - stored == set(), "new or changed messages: run the update"
    assert stored - extracted == set(), "messages the code no longer has: run the update"


def _wrong_crossing(ps, probs, level=0.5):
    return int(abs(probs - level).argmin())  # an index, not a value of p


def test_a_wrong_answer_gets_a_chinese_verdict_and_hint_in_chinese(chinese):
    ch01.crossing(None)  # a first failure, so the next one carries the tier-2 nudge
    verdict = ch01.crossing(_wrong_crossing)
    text = str(verdict)
    assert not verdict and text.startswith("❌ 还不对（练习 1.1）：crossing ")
    assert "\n   提示：你的函数返回的是数组中的位置（索引）" in text
    assert "次尝试）" in verdict.hint and "请重读 https://" in verdict.hint
    assert str(ch06.half_life(ch06._half_life)).startswith("✅ 正确（练习 6.5）：half_life 正确")


def test_the_same_answer_gets_the_english_verdict_in_english(english):
    verdict = ch01.crossing(_wrong_crossing)
    assert str(verdict).startswith("❌ Not yet (exercise 1.1): crossing gives ")
    assert "\n   Hint: your function returns a position in the array (an index)" in str(verdict)
    assert str(ch06.half_life(ch06._half_life)).startswith("✅ Correct (exercise 6.5): half_life is right")


@pytest.mark.parametrize("variable, value", [
    ("LANGUAGE", "zh_CN:en"), ("LC_ALL", "zh_TW.UTF-8"), ("LANG", "zh_CN.UTF-8")])
def test_the_machine_locale_does_not_change_an_english_notebook(monkeypatch, variable, value):
    """nbval compares an English notebook's stored verdicts on any machine, Chinese ones too."""
    monkeypatch.setattr(i18n, "_chosen", "en")
    monkeypatch.setenv(variable, value)
    assert i18n.language() == "en"
    assert str(ch01.crossing(_wrong_crossing)).startswith("❌ Not yet (exercise 1.1)")


def test_setup_chooses_the_language_and_rejects_a_bad_one(monkeypatch):
    monkeypatch.setattr(i18n, "_chosen", "en")
    emergence.setup(language="zh")
    assert i18n.language() == "zh_CN" and i18n._("✅ Correct") == "✅ 正确"
    i18n.set_language(None)
    assert i18n.language() == "en" and i18n._("✅ Correct") == "✅ Correct"
    with pytest.raises(ValueError, match="language"):
        emergence.setup(language="fr")
    with pytest.raises(TypeError, match="language"):
        i18n.set_language(1)


SAMPLE = r'''# a comment
msgid ""
msgstr "Content-Type: text/plain; charset=utf-8\n"

#: somewhere
msgid "one line"
msgstr "一行"

msgid ""
"a message over "
"two lines with \"quotes\" and a\n"
"newline"
msgstr ""
"跨两行的消息，含“引号”和\n"
"换行"

#, fuzzy, python-brace-format
msgid "changed {x}"
msgstr "旧的 {x}"

msgid "not translated"
msgstr ""

#~ msgid "obsolete"
#~ msgstr "废弃"
'''


def test_the_reader_handles_continuations_escapes_fuzzy_and_missing(tmp_path):
    found = i18n.read_po(SAMPLE)
    assert found == {"one line": "一行",
                     'a message over two lines with "quotes" and a\nnewline': "跨两行的消息，含“引号”和\n换行"}
    path = tmp_path / "x.po"
    path.write_text(SAMPLE, encoding="utf-8")
    catalogue = i18n.Catalogue(path)
    assert catalogue.gettext("changed {x}") == "changed {x}"  # fuzzy: English
    assert catalogue.gettext("not translated") == "not translated"
    assert catalogue.gettext("unknown") == "unknown"
    with pytest.raises(ValueError, match=r"bad\.po:2"):
        i18n.read_po('msgid "a"\nmsgstr oops\n', "bad.po")


def test_a_chinese_hint_and_handout_link_to_the_chinese_book(monkeypatch):
    from emergence.checks import BOOK, in_edition, nudge
    from emergence.student import clean_markdown

    url = f"{BOOK}/book/ch01_complex_systems.html#spanning-probability"
    monkeypatch.setattr(i18n, "_chosen", "zh_CN")
    assert f"{BOOK}/zh/book/ch01_complex_systems.html#spanning-probability" in nudge("1.1", url)
    monkeypatch.setattr(i18n, "_chosen", "en")
    assert in_edition(url) == url and url in nudge("1.1", url)
    text = "[the chapter text](../book/ch01_complex_systems.md)"
    assert f"({BOOK}/zh/book/ch01_complex_systems.html)" in clean_markdown(text, "zh_CN")
    assert f"({BOOK}/book/ch01_complex_systems.html)" in clean_markdown(text)


def test_a_stored_english_verdict_is_shown_in_chinese_in_the_chinese_book():
    """The Chinese book shows the English notebooks' outputs; their verdicts are matched
    back to the catalogue's messages, fields and all, or left whole in English."""
    verdict = str(ch06.half_life(ch06._half_life))
    shown = i18n.translate_shown(verdict, "zh_CN")
    assert shown.startswith("✅ 正确（练习 6.5）") and "half_life" in shown
    from emergence.checks import Verdict
    more = " (and {n_failed} more of the {n_cases} cases)".format(n_failed=12, n_cases=13)
    wrong = str(Verdict("1.1", False, "{what} gives {shown} on {label}: not right{more}.".format(
        what="crossing", shown="1", label="the worked example", more=more),
        "your function returns a position in the array (an index), not a value of p: use the "
        "index to look up ps, then interpolate."))
    shown = i18n.translate_shown(wrong, "zh_CN")
    assert shown.startswith("❌ 还不对（练习 1.1）") and "\n   提示：" in shown
    assert not re.search(r"[A-Za-z]{3,} [A-Za-z]{3,} [A-Za-z]{3,}", shown)  # no English phrase left
    assert i18n.translate_shown("✅ Correct (exercise 3.5): all six match the rule. A: something "
                                "entirely new here.", "zh_CN") is None
    assert i18n.translate_shown(verdict, "en") is None
