"""Counts a person reads agree in number: '1 story', '2 stories'."""

from __future__ import annotations

from veracity import Document, DocumentMeta, Pipeline, RunReport, Settings, check
from veracity.plugins.html_report import render_html
from veracity.wording import plural


def test_one_takes_the_singular() -> None:
    assert plural(1, "story", "stories") == "1 story"


def test_other_counts_take_the_plural() -> None:
    assert [plural(count, "story", "stories") for count in (0, 2)] == ["0 stories", "2 stories"]


def test_a_regular_plural_adds_an_s() -> None:
    assert plural(3, "source") == "3 sources"


def test_the_html_report_counts_what_it_kept_out_in_the_right_number() -> None:
    documents = [
        Document(id="a", text="The dam opened on Tuesday.", meta=DocumentMeta(captions=["Photo"])),
        Document(id="b", text="The dam opened on Tuesday, officials said."),
    ]
    pipeline = Pipeline(Settings(), load_entry_points=False)
    report = RunReport(run=pipeline.run_info(), stories=[check(documents, load_entry_points=False)])

    html = render_html(report)

    assert "Kept out of the text: 1 caption, 0 bylines, 0 pieces of page furniture" in html
