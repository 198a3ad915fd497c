"""Render the screenshots of ``matrix.html`` shown in docs/results.md and the README.

    python docs/images/make_screenshots.py RESULTS.json [--out docs/images]

RESULTS.json is a matrix's ``results.json``; the committed images come from a run of zarr-python and three of the
kit's faulty adapters (see docs/results.md). A faulty adapter's column, ``reference 0.1.0
(faulty_adapters:NAME)``, is shown as ``NAME``. The page is opened in the headless Chromium of the kit's browser
tests (``tests/browser.py``), offline.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FAULTY = re.compile(r"^reference \S+ \(faulty_adapters:(\w+)\)$")
SIZE = {"width": 1180, "height": 760}


def shorten(document: dict) -> dict:
    implementations = [{**i, "label": FAULTY.sub(r"\1", i["label"])} for i in document["implementations"]]
    return {**document, "implementations": implementations}


def _clip(page, first: str, last: str, height: int | None = None) -> dict:
    """The page region (in page coordinates, as a full-page screenshot takes them) from one element to another."""
    top, bottom = (
        page.locator(selector).evaluate(
            "e => { const r = e.getBoundingClientRect(); return [r.top + scrollY, r.bottom + scrollY]; }"
        )
        for selector in (first, last)
    )
    y = max(top[0] - 8, 0)
    return {"x": 0, "y": y, "width": SIZE["width"], "height": min(bottom[1] + 8 - y, height or SIZE["height"])}


def make(results: Path, out: Path) -> list[Path]:
    sys.path.insert(0, str(ROOT / "tests"))
    from browser import PageLog, launched

    from zarr_conformance.documents import load
    from zarr_conformance.report import render_html

    document = shorten(load(results))
    with tempfile.TemporaryDirectory() as folder:
        page_path = Path(folder) / "matrix.html"
        page_path.write_text(render_html(document), encoding="utf-8")
        url = page_path.as_uri()
        log = PageLog()
        written = []
        with launched() as browser:
            page = log.watch(browser.new_page(viewport=SIZE))
            page.goto(url)
            page.add_style_tag(content=".filter { position: static; }")
            written.append(out / "matrix-grades.png")
            page.screenshot(
                path=str(written[-1]),
                full_page=True,
                clip=_clip(page, ".legend", "#table-0 tbody tr:nth-child(16)", 900),
            )

            page.fill("#filter", "feature:layout outcome:fail")
            written.append(out / "matrix-filter.png")
            page.screenshot(path=str(written[-1]), full_page=True, clip=_clip(page, ".filter", "#table-0"))

            cell = shared_cell(page)
            page.goto("about:blank")
            page.goto(url + "#cell=" + cell)
            page.add_style_tag(content=".filter { position: static; }")
            page.evaluate(
                """() => {
                  const bar = document.createElement('div');
                  bar.id = 'address';
                  bar.textContent = 'matrix.html' + location.hash;
                  bar.style.cssText = 'font: 13px ui-monospace, monospace; padding: 6px 10px; background: #eef1f5;'
                    + 'border: 1px solid #c4cad3; border-radius: 14px; margin: 8px 0 4px; color: #222';
                  const panel = document.getElementById('details');
                  panel.parentNode.insertBefore(bar, panel);
                  bar.scrollIntoView();
                }"""
            )
            written.append(out / "matrix-shared-link.png")
            page.screenshot(path=str(written[-1]), full_page=True, clip=_clip(page, "#address", "#details", 560))
        log.assert_clean_and_offline(url)
    return written


def shared_cell(page) -> str:
    """The fragment's value for zarr-python's zstd cell: known deviations, with upstream links."""
    return page.evaluate("encodeURIComponent('zarr-python 3.1.6') + '/' + encodeURIComponent('codec: v3 zstd')")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path, help="a matrix's results.json")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent, help="folder for the PNGs")
    options = parser.parse_args()
    for path in make(options.results, options.out):
        print(f"wrote {path} ({path.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
