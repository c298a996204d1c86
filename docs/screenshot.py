"""Render the seed story's HTML report and save a screenshot of it as docs/seed-report.png.

    python docs/screenshot.py

Needs Chromium (Debian's ``chromium`` package) and the ``playwright`` package
(in the dev extra); Playwright drives the system's Chromium, it downloads none.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from veracity import Pipeline, Settings
from veracity.plugins.html_report import render_html

REPO = Path(__file__).resolve().parent.parent
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]


def main() -> int:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("no chromium on PATH: apt-get install chromium", file=sys.stderr)
        return 1
    report = Pipeline(Settings(), load_entry_points=False).run([REPO / "seeds"])
    with tempfile.TemporaryDirectory() as scratch:
        page_path = Path(scratch) / "seeds.html"
        page_path.write_text(render_html(report), encoding="utf-8")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(page_path.as_uri())
            page.locator("li.finding").first.click()
            page.evaluate("window.scrollTo(0, 0)")
            target = REPO / "docs" / "seed-report.png"
            page.screenshot(path=str(target), full_page=True)
            browser.close()
    print(f"wrote {target.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
