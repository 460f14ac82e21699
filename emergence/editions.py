"""The book's two editions from one source: English at the site root, Chinese under ``zh/``.

The Chinese edition is the same Sphinx project built with ``language = "zh_CN"``: Sphinx's
gettext machinery replaces each English message with its translation from ``locales/`` (see
``emergence.translations``). Demos, figures and glued numbers are the same notebook outputs
in both editions.

    python -m emergence.editions            # build both (what scripts/build.sh runs)
    python -m emergence.editions zh_CN      # one edition
    python -m emergence.editions --out /tmp/b   # into /tmp/b/html (default: _build)
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# language -> (folder under _build/html, the name of the language in itself, HTML lang)
EDITIONS = {"en": ("", "English", "en"), "zh_CN": ("zh", "中文", "zh-CN")}
# Settings an edition changes that are not messages of a page. The theme's and Sphinx's own
# words come from locales/<language>/LC_MESSAGES/sphinx.po.
SETTINGS = {"zh_CN": {"html_title": "涌现：大语言模型的能力如何出现",
                      "nb_code_prompt_show": "显示代码单元格", "nb_code_prompt_hide": "隐藏代码单元格"}}


def folder(language: str) -> str:
    if language not in EDITIONS:
        raise ValueError(f"language: {language!r} is not one of {sorted(EDITIONS)}")
    return EDITIONS[language][0]


def translated(language: str) -> bool:
    """Whether ``language`` is a translated edition (one with its own folder), not the source."""
    return language in EDITIONS and bool(EDITIONS[language][0])


def link(pagename: str, here: str, there: str) -> str:
    """The relative address of page ``pagename`` of edition ``there``, from edition ``here``."""
    up = "../" * (pagename.count("/") + bool(folder(here)))
    return f"{up}{folder(there) + '/' if folder(there) else ''}{pagename}.html"


def build(language: str, root: Path = ROOT, out: Path | None = None) -> int:
    """Build one edition with warnings as errors (and nitpicky references); 0 when clean.

    Like ``jupyter-book build -W -n --keep-going``, with the language set from the start,
    so Sphinx's own words (search, navigation) are in that language too.
    """
    from jupyter_book.sphinx import build_sphinx

    out = Path(out or Path(root) / "_build")
    result = build_sphinx(Path(root), out / "html" / folder(language), noconfig=True, path_config=str(Path(root) / "_config.yml"),
                          confoverrides={"external_toc_path": str(Path(root) / "_toc.yml"),
                                         "latex_individualpages": False, "nitpicky": True,
                                         "language": language, **SETTINGS.get(language, {})},
                          doctreedir=out / f".doctrees-{language}",
                          warningiserror=True, keep_going=True)
    if isinstance(result, Exception):
        raise RuntimeError(f"the {language} edition failed to build") from result
    return int(result or 0)


def main(argv=None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    out = None
    if "--out" in args:
        at = args.index("--out")
        if at + 1 >= len(args):
            raise SystemExit("--out: give a folder")
        out = Path(args.pop(at + 1)).resolve()
        args.pop(at)
    languages = args or list(EDITIONS)
    for language in languages:
        folder(language)
    status = 0
    for language in languages:
        start = time.perf_counter()
        code = build(language, out=out)
        print(f"[emergence] {language} edition: {'built' if code == 0 else 'FAILED'} "
              f"in {time.perf_counter() - start:.0f} s -> {out or '_build'}/html/{folder(language)}")
        status = status or code
    return status


if __name__ == "__main__":
    sys.exit(main())
