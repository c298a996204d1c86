"""What the offline engine reports on coverage written apart: splits, updates, thresholds."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from veracity import Disagreement, Document, Pipeline, Settings, StoryReport, check


def run(*documents: Document, min_confidence: float | None = None) -> StoryReport:
    options = {} if min_confidence is None else {"min_confidence": min_confidence}
    return check(list(documents), load_entry_points=False, **options)


NYT = (
    "BERLIN — A tourist ship struck a highway bridge on the Rhine river in western Germany "
    "and 25 people were injured, police said Wednesday."
)
AP = (
    "BERLIN (AP) - A tourist ship has struck a highway bridge on the Rhine river in western "
    "Germany. Police say 27 people are injured."
)


def toll_rising_overnight() -> tuple[Document, Document]:
    """Two reports a day apart; the toll rose from four to six."""
    text = "The blast killed at least {} civilians near the consulate, officials said."
    return (
        Document(id="monday", published=dt.date(2016, 11, 10), text=text.format("four")),
        Document(id="tuesday", published=dt.date(2016, 11, 11), text=text.format("six")),
    )


def test_a_figure_the_other_source_moved_to_the_next_sentence_is_compared() -> None:
    report = run(Document(id="times", text=NYT), Document(id="wire", text=AP))
    [finding] = report.findings()
    assert finding.disagreement is Disagreement.NUMBER
    assert (finding.source_id, finding.against_source_id) == ("times", "wire")
    assert finding.evidence is not None and "27 people are injured" in finding.evidence
    assert finding.evidence_span is not None
    assert finding.evidence_span.of(report.story.document("wire").text) == finding.evidence


def test_a_toll_that_rose_in_a_later_report_is_an_update_not_a_contradiction() -> None:
    report = run(
        Document(
            id="monday",
            published=dt.date(2016, 11, 10),
            text="A suicide bomber rammed a truck into the German consulate in Mazar-i-Sharif, "
            "killing at least four civilians, officials said.",
        ),
        Document(
            id="tuesday",
            published=dt.date(2016, 11, 11),
            text="A suicide bomber rammed a truck into the German consulate in Mazar-i-Sharif, "
            "killing at least six civilians, officials said.",
        ),
    )
    assert report.findings() == []
    [update] = {v.update.later_source_id: v for v in report.updates() if v.update}.values()
    assert update.update is not None
    assert update.update.earlier_source_id == "monday"
    assert update.update.later_published == dt.date(2016, 11, 11)
    assert "updated" in update.explanation


def test_an_update_does_not_lower_the_earlier_sources_score() -> None:
    report = run(*toll_rising_overnight())
    scores = {score.source_id: score for score in report.scores}
    assert scores["monday"].breakdown.contradicted == 0


def test_a_toll_that_differs_on_the_same_day_is_a_contradiction() -> None:
    report = run(
        Document(id="a", published=dt.date(2017, 12, 27), text=NYT),
        Document(id="b", published=dt.date(2017, 12, 27), text=NYT.replace("25", "27")),
    )
    assert [v.disagreement for v in report.findings()] == [Disagreement.NUMBER]
    assert report.updates() == []


def test_a_toll_without_publication_dates_says_it_may_be_an_update() -> None:
    report = run(Document(id="a", text=NYT), Document(id="b", text=NYT.replace("25", "27")))
    [finding] = report.findings()
    assert "may be an update" in finding.explanation


def test_a_finding_below_the_minimum_confidence_is_listed_as_possible() -> None:
    report = run(
        Document(id="a", text=NYT),
        Document(id="b", text=NYT.replace("25", "27")),
        min_confidence=0.99,
    )
    assert report.findings() == [] and report.contradictions() == []
    possible = report.possible_contradictions()
    assert possible and all(v.possible and v.confidence < 0.99 for v in possible)


def test_every_contradiction_carries_the_rule_that_found_it() -> None:
    report = run(Document(id="a", text=NYT), Document(id="b", text=NYT.replace("25", "27")))
    # A count of the injured in a copied sentence, with no publication dates.
    assert [v.rule for v in report.findings()] == ["number.copied.count"]


def _report_text(report: StoryReport, format: str) -> str:
    from veracity import RunReport
    from veracity.plugins.html_report import render_html
    from veracity.plugins.markdown_report import render_markdown

    run_report = RunReport.model_validate(
        {"run": {"veracity_version": "test", "engine": "offline"}, "stories": [report]}
    )
    return render_html(run_report) if format == "html" else render_markdown(run_report)


def test_possible_contradictions_are_listed_apart_and_collapsed_in_the_html_report() -> None:
    report = run(
        Document(id="a", text=NYT),
        Document(id="b", text=NYT.replace("25", "27")),
        min_confidence=0.99,
    )
    html = _report_text(report, "html")
    assert '<details class="apart">' in html and "Possible contradictions (2)" in html
    assert "0 contradictions" in html
    markdown = _report_text(report, "md")
    assert "### Contradictions (0)" in markdown
    assert "### Possible contradictions (2)" in markdown


def test_updates_are_listed_apart_with_both_dates() -> None:
    report = run(*toll_rising_overnight())
    markdown = _report_text(report, "md")
    assert "### Updates (" in markdown and "2016-11-10" in markdown and "2016-11-11" in markdown


def test_a_source_that_is_all_page_furniture_is_left_out_and_the_rest_checked(
    tmp_path: Path,
) -> None:
    story = tmp_path / "bridge"
    story.mkdir()
    (story / "1.txt").write_text(NYT, encoding="utf-8")
    (story / "2.txt").write_text(NYT.replace("25", "27"), encoding="utf-8")
    (story / "3.txt").write_text(
        "Photos: The bridge at night. Hide Caption 1 of 25\nMOST READ IN NEWS Ten things\n",
        encoding="utf-8",
    )
    (story / "4.txt").write_bytes(b"")
    report = Pipeline(Settings()).run([story])
    [checked] = report.stories
    assert checked.story.source_ids == ["1", "2"]
    assert len(checked.story.unread) == 2
    assert "3.txt" in checked.story.unread[0] or "3.txt" in checked.story.unread[1]
    assert sum("left out" in warning.message for warning in checked.warnings) == 2
    assert checked.findings()
    assert report.failures == []


def test_a_story_with_no_readable_source_still_fails_with_the_reasons(tmp_path: Path) -> None:
    story = tmp_path / "empty"
    story.mkdir()
    (story / "1.txt").write_bytes(b"")
    (story / "2.txt").write_text("Photos: Hide Caption 1 of 3\n", encoding="utf-8")
    report = Pipeline(Settings()).run([story])
    [failure] = report.failures
    assert "1.txt" in failure.error and "2.txt" in failure.error
