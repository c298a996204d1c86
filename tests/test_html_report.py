"""The HTML report: self-contained, escaped, and usable in a real browser."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support import SEEDS

from veracity import Document, Pipeline, RunReport, Settings, check
from veracity.plugins.html_report import render_html

HOSTILE = (
    'The dam opened on Tuesday. <script>window.__pwned = true; alert("x")</script> '
    '<img src=x onerror="window.__pwned = true"> It cost 40 million euros.'
)
CLEAN = "The dam opened on Tuesday. It cost 40 million euros."
BROWSER_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def report_for(*documents: Document) -> RunReport:
    pipeline = Pipeline(Settings(), load_entry_points=False)
    return RunReport(
        run=pipeline.run_info(), stories=[check(list(documents), load_entry_points=False)]
    )


@pytest.fixture(scope="module")
def seed_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pipeline = Pipeline(Settings(), load_entry_points=False)
    path = tmp_path_factory.mktemp("html") / "seeds.html"
    path.write_text(render_html(pipeline.run([SEEDS])), encoding="utf-8")
    return path


def test_article_markup_is_escaped_not_rendered() -> None:
    html = render_html(report_for(Document(id="a", text=HOSTILE), Document(id="b", text=CLEAN)))
    assert "&lt;script&gt;window.__pwned" in html
    assert "<img src=x" not in html


def test_the_page_loads_nothing_from_the_network() -> None:
    html = render_html(report_for(Document(id="a", text=CLEAN), Document(id="b", text=CLEAN)))
    assert "http://" not in html and "https://" not in html
    assert "default-src 'none'" in html


def test_the_seed_report_highlights_disputed_passages(seed_html: Path) -> None:
    html = seed_html.read_text(encoding="utf-8")
    assert html.count('<li class="finding"') >= 3
    assert "<mark class=" in html


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    playwright_api = pytest.importorskip(
        "playwright.sync_api", reason="pip install playwright (in the dev extra)"
    )
    executable = _chromium()
    if executable is None:
        pytest.skip(
            "no Chromium here: .ci/run installs Debian's chromium (apt-get install chromium)"
        )
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=BROWSER_FLAGS)
        yield launched
        launched.close()


def open_page(browser: Any, path: Path) -> tuple[Any, list[str]]:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: (errors.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.goto(path.as_uri())
    return page, errors


def test_the_seed_report_loads_without_console_errors(browser: Any, seed_html: Path) -> None:
    page, errors = open_page(browser, seed_html)
    assert page.locator("section.story").count() == 1
    assert errors == []


def test_clicking_a_finding_scrolls_to_its_passage(browser: Any, seed_html: Path) -> None:
    page, _ = open_page(browser, seed_html)
    finding = page.locator("li.finding").last
    target = finding.get_attribute("data-target")
    finding.click()
    passage = page.locator(f"#{target}")
    passage.wait_for()
    assert "active" in (passage.get_attribute("class") or "")
    assert page.evaluate(
        "id => { const r = document.getElementById(id).getBoundingClientRect(); "
        "return r.top >= 0 && r.bottom <= window.innerHeight; }",
        target,
    )


def test_a_kind_filter_hides_its_findings(browser: Any, seed_html: Path) -> None:
    page, _ = open_page(browser, seed_html)
    box = page.locator("input.kind-filter").first
    kind = box.get_attribute("value")
    box.uncheck()
    hidden = page.locator(f'li.finding[data-kind="{kind}"]')
    assert hidden.count() >= 1
    assert all(
        "hidden" in (hidden.nth(i).get_attribute("class") or "") for i in range(hidden.count())
    )


def test_a_script_in_an_article_does_not_run(browser: Any, tmp_path: Path) -> None:
    path = tmp_path / "hostile.html"
    path.write_text(
        render_html(report_for(Document(id="a", text=HOSTILE), Document(id="b", text=CLEAN))),
        encoding="utf-8",
    )
    page, errors = open_page(browser, path)
    assert page.evaluate("() => window.__pwned === undefined")
    assert not [error for error in errors if error.startswith("dialog")]
