"""Per-page weight of the built book: what a reader's browser fetches on first load.

For every page: the HTML plus every stylesheet, script, font and image it loads (found by
loading the page in headless Chromium, offline, and recording each response), raw and
gzip-compressed (level 6, what a web server typically sends). A demo's frames other than the
one on show are fetched only when the reader moves a control, so they are not counted.
"gzip" is what the first view loads (figures below the fold load lazily); "scrolled" adds
every image on the page, as a reader who scrolls to the end fetches it, and is what the
budget checks. Prints the table and the largest assets.

    python benchmarks/page_weight.py [path/to/_build/html]
"""
from __future__ import annotations

import functools
import gzip
import http.server
import sys
import threading
from pathlib import Path
from urllib.parse import unquote, urlparse

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
BUDGET = {"text": 1.0e6, "lab": 2.0e6, "other": 2.5e6}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _kind(page: str) -> str:
    if page.startswith("notebooks/") and page.endswith("_lab.html"):
        return "lab"
    if page.startswith("book/ch") or page == "book/intro.html":
        return "text"
    return "other"


def weigh(html: Path) -> list[dict]:
    from playwright.sync_api import sync_playwright

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(html)))
    httpd.handle_error = lambda *args: None  # a page closed mid-download is not news
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}/"
    pages = sorted(p.relative_to(html).as_posix() for p in html.rglob("*.html")
                   if not p.relative_to(html).as_posix().startswith(("_static", "_sources", "_demo")))
    gz = {}

    def size(path: Path) -> tuple[int, int]:
        if path not in gz:
            data = path.read_bytes()
            gz[path] = (len(data), len(gzip.compress(data, 6)))
        return gz[path]

    rows = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for page_name in pages:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            fetched = set()
            page.on("response", lambda r: fetched.add(r.url))
            page.goto(base + page_name, wait_until="load")
            page.wait_for_timeout(300)
            images = page.evaluate("() => [...document.images].map(i => i.src)")
            context.close()
            files = {html / unquote(urlparse(u).path).lstrip("/") for u in fetched if u.startswith(base)}
            files = {f for f in files if f.is_file()}
            shown = files | {f for f in (html / unquote(urlparse(u).path).lstrip("/")
                                         for u in images if u.startswith(base)) if f.is_file()}
            rows.append(dict(page=page_name, kind=_kind(page_name),
                             raw=sum(size(f)[0] for f in files), gzip=sum(size(f)[1] for f in files),
                             scrolled=sum(size(f)[1] for f in shown),
                             files=sorted(files, key=lambda f: -size(f)[1])))
        browser.close()
    httpd.shutdown()
    return rows


def main(html: Path) -> int:
    rows = weigh(html)
    print(f"{'page':45} {'kind':5} {'raw MB':>7} {'gzip MB':>8} {'scrolled':>8}  budget (gzip, scrolled)")
    over = 0
    for r in rows:
        ok = r["scrolled"] <= BUDGET[r["kind"]]
        over += not ok
        print(f"{r['page']:45} {r['kind']:5} {r['raw'] / 1e6:7.2f} {r['gzip'] / 1e6:8.2f} {r['scrolled'] / 1e6:8.2f}  "
              f"{'ok' if ok else 'OVER ' + format(BUDGET[r['kind']] / 1e6, '.1f')}")
    for kind in ("text", "lab"):
        sizes = [r["gzip"] for r in rows if r["kind"] == kind]
        scrolled = [r["scrolled"] for r in rows if r["kind"] == kind]
        if sizes:
            print(f"{kind} pages: gzip {min(sizes) / 1e6:.2f}-{max(sizes) / 1e6:.2f} MB on load, "
                  f"{min(scrolled) / 1e6:.2f}-{max(scrolled) / 1e6:.2f} MB scrolled to the end")
    assets = {}
    for r in rows:
        for f in r["files"]:
            if f.suffix != ".html":
                assets[f] = assets.get(f, 0) + 1
    print("\nlargest assets (raw, gzip, pages loading it):")
    for f in sorted(assets, key=lambda f: -f.stat().st_size)[:12]:
        data = f.read_bytes()
        print(f"  {f.relative_to(html).as_posix():70} {len(data) / 1e3:8.0f} kB {len(gzip.compress(data, 6)) / 1e3:7.0f} kB  {assets[f]}")
    frames = html / "_demo"
    if frames.is_dir():
        total = sum(f.stat().st_size for f in frames.iterdir())
        print(f"\ndemo frames: {len(list(frames.iterdir()))} files, {total / 1e6:.1f} MB, fetched only when shown")
    print(f"\n{over} page(s) over budget")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "_build/html")))
