"""One definition of a finding, used by every report, and sources a person can recognise."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import DIGEST, SEEDS, SPUN, WIRE

from veracity import Document, DocumentMeta, Story, StoryReport, check
from veracity.cli.main import main


@pytest.fixture(scope="module")
def seed_report() -> StoryReport:
    return check([SEEDS], load_entry_points=False)


@pytest.fixture(scope="module")
def seed_outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The seed story through the CLI: its stderr, and its JSON, Markdown and HTML reports."""
    out = tmp_path_factory.mktemp("reports")
    result = CliRunner().invoke(
        main, ["run", str(SEEDS), "--out", str(out), "-f", "json", "-f", "md", "-f", "html"]
    )
    assert result.exit_code == 0, result.output
    outputs = {"stderr": result.stderr}
    for suffix in ("json", "md", "html"):
        outputs[suffix] = (out / f"seeds.{suffix}").read_text(encoding="utf-8")
    return outputs


def test_a_mirrored_pair_of_verdicts_is_one_contradiction(seed_report: StoryReport) -> None:
    assert len(seed_report.contradicting_verdicts()) > len(seed_report.findings())
    assert seed_report.contradictions() == seed_report.findings()


def test_the_cli_and_every_report_count_the_same_contradictions(
    seed_report: StoryReport, seed_outputs: dict[str, str]
) -> None:
    count = len(seed_report.findings())

    assert f"1 story checked (offline engine), {count} contradictions" in seed_outputs["stderr"]
    assert len(json.loads(seed_outputs["json"])["stories"][0]["disagreements"]) == count
    assert f"### Contradictions ({count})" in seed_outputs["md"]
    assert f"3 sources, {count} contradictions</h2>" in seed_outputs["html"]


def test_a_sources_score_counts_the_contradictions_it_is_part_of(
    seed_report: StoryReport,
) -> None:
    per_source = seed_report.findings_per_source()

    assert {score.source_id: score.breakdown.contradicted for score in seed_report.scores} == (
        per_source
    )


def test_the_top_ranked_source_is_not_said_to_have_no_contradictions(
    seed_report: StoryReport,
) -> None:
    top = seed_report.scores[0]

    assert top.source_id == WIRE
    assert top.reason.startswith(
        f"backed in the {top.breakdown.contradicted} contradictions it is part of"
    )


def test_the_wire_is_backed_against_the_rewrites_altered_quote(seed_report: StoryReport) -> None:
    [altered] = [
        finding
        for finding in seed_report.disagreements
        if finding.kind == "quote" and "engagement" in finding.passage
    ]

    assert (altered.source_id, altered.against_source_id) == (SPUN, WIRE)
    assert altered.backed_source_id == WIRE


def test_a_self_contradiction_backs_neither_side(seed_report: StoryReport) -> None:
    own = [f for f in seed_report.disagreements if f.source_id == f.against_source_id]

    assert own and all(finding.backed_source_id is None for finding in own)


def test_the_markdown_report_names_the_likely_wrong_side(seed_outputs: dict[str, str]) -> None:
    assert "“The engagement with Khamenei is very important,”" in seed_outputs["md"]
    assert re.search(
        r"- \*\*quote\*\*: WOOWinvest vs 003_1fb7024574e81d72\.txt "
        r"\(confidence [0-9.]+; likely wrong: WOOWinvest\)",
        seed_outputs["md"],
    )


def test_the_html_report_underlines_the_likely_wrong_side_apart(
    seed_outputs: dict[str, str],
) -> None:
    html = seed_outputs["html"]

    assert 'class="m-quote side-doubted"' in html
    assert 'class="m-quote side-backed"' in html
    assert '<span class="side-label doubted">likely wrong</span>' in html


def test_a_summary_sentence_does_not_cite_a_source_that_contradicts_it(
    seed_report: StoryReport,
) -> None:
    [backers] = [
        sentence
        for sentence in seed_report.summary.sentences
        if "strongest supporters of Syrian President Bashar al-Assad" in sentence.text
    ]

    assert DIGEST in backers.contradicted_by
    assert DIGEST not in backers.source_ids


def test_the_html_summary_marks_the_contradicting_source(seed_outputs: dict[str, str]) -> None:
    assert 'class="cite against"' in seed_outputs["html"]
    assert 'title="contradicted by Putin Meets With Ayatollah Al…"' in seed_outputs["html"]


def test_a_source_is_labelled_by_its_outlet_first() -> None:
    document = Document(id="x1", text="t", outlet="Northern Wire", title="Dam opens")

    assert document.label == "Northern Wire"


def test_a_source_without_outlet_is_labelled_by_its_title() -> None:
    assert Document(id="x1", text="t", title="Dam opens").label == "Dam opens"


def test_a_source_without_outlet_or_title_is_labelled_by_its_file_name() -> None:
    document = Document(id="x1", text="t", meta=DocumentMeta(path="stories/dam/x1.txt"))

    assert document.label == "x1.txt"


def test_two_sources_of_one_outlet_get_their_position_in_the_label() -> None:
    story = Story(
        id="s",
        documents=[
            Document(id="a", text="one", outlet="Reuters"),
            Document(id="b", text="two", outlet="Reuters"),
        ],
    )

    assert story.labels() == {"a": "Reuters (1)", "b": "Reuters (2)"}


def test_the_cli_table_shows_sources_by_outlet_and_file_name(seed_outputs: dict[str, str]) -> None:
    assert "WOOWinvest" in seed_outputs["stderr"]
    assert "000_a60edc2ea3734026" not in seed_outputs["stderr"]


def test_explanations_name_sources_by_label_in_the_markdown(seed_outputs: dict[str, str]) -> None:
    assert "which 003_1fb7024574e81d72.txt uses in a photo caption" in seed_outputs["md"]


def test_the_json_keeps_the_ids_for_machines(seed_outputs: dict[str, str]) -> None:
    data = json.loads(seed_outputs["json"])
    [story] = data["stories"]

    assert {finding["source_id"] for finding in story["disagreements"]} <= {SPUN, WIRE, DIGEST}


def test_a_story_with_one_finding_says_contradiction_in_the_singular(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("The dam cost 40 million euros to build.\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("The dam cost 60 million euros to build.\n", encoding="utf-8")

    result = CliRunner().invoke(main, ["run", str(tmp_path)])

    assert "2 sources, 1 contradiction\n" in result.stderr


def test_a_summary_sentence_only_one_source_carries_cites_only_that_source() -> None:
    report = check(
        [
            Document(
                id="wire",
                text="The Harwick Valley dam opened on Tuesday after three years of delays. "
                "The reservoir will reach its full level of 410 million cubic meters by December.",
            ),
            Document(
                id="rewrite",
                text="After three years of delays, the Harwick Valley dam opened on Tuesday.",
            ),
        ],
        load_entry_points=False,
        summary_sentences=4,
    )

    [reservoir] = [s for s in report.summary.sentences if "reservoir" in s.text]
    assert reservoir.source_ids == ["wire"]


def test_warnings_name_sources_by_label(tmp_path: Path) -> None:
    text = "The dam opened on Tuesday after three years of delays, officials said.\n"
    (tmp_path / "wire.txt").write_text(f"outlet: Northern Wire\n\n{text}", encoding="utf-8")
    (tmp_path / "copy.txt").write_text(f"outlet: Valley Daily\n\n{text}", encoding="utf-8")
    (tmp_path / "other.txt").write_text("outlet: River Radio\n\nThe dam opened.\n", "utf-8")

    result = CliRunner().invoke(main, ["run", str(tmp_path), "-f", "md", "-q"])

    assert "wire has the same text as Valley Daily; merged into it" in result.stdout


def test_the_source_cited_as_1_is_the_one_ranked_first(seed_outputs: dict[str, str]) -> None:
    assert "\n1. 003_1fb7024574e81d72.txt (`003_1fb7024574e81d72`)\n" in seed_outputs["md"]
    assert "| 1 | 003_1fb7024574e81d72.txt |" in seed_outputs["md"]
    assert "<h4>[1] 003_1fb7024574e81d72.txt</h4>" in seed_outputs["html"]
