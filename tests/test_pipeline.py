"""The offline pipeline end to end on the seed story, and the Python API."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import DIGEST, SPUN, WIRE, WriteFiles

from veracity import Document, InputError, Pipeline, Stance, Story, StoryReport, check


@pytest.fixture(scope="module")
def seed_report() -> StoryReport:
    from support import SEEDS

    return check([SEEDS], load_entry_points=False)


def test_the_seed_story_has_three_sources(seed_report: StoryReport) -> None:
    assert seed_report.story.source_ids == [SPUN, WIRE, DIGEST]


def test_every_summary_sentence_cites_sources_of_the_story(seed_report: StoryReport) -> None:
    assert seed_report.summary.sentences
    for sentence in seed_report.summary.sentences:
        assert set(sentence.source_ids) <= set(seed_report.story.source_ids)


def test_the_summary_cites_every_source_that_carries_a_sentence(seed_report: StoryReport) -> None:
    assert any(len(sentence.source_ids) == 3 for sentence in seed_report.summary.sentences)


def test_every_claim_quote_stands_at_its_span(seed_report: StoryReport) -> None:
    for claim in seed_report.claims:
        text = seed_report.story.document(claim.source_id).text
        assert text[claim.span.start : claim.span.end] == claim.quote


def test_every_claim_is_judged_against_every_other_source(seed_report: StoryReport) -> None:
    judged = {
        (v.claim_id, v.against_source_id)
        for v in seed_report.verdicts
        if v.against_source_id != v.source_id
    }
    for claim in seed_report.claims:
        for other in seed_report.story.source_ids:
            if other != claim.source_id:
                assert (claim.id, other) in judged


def test_the_wire_report_and_its_rewrite_support_each_other(seed_report: StoryReport) -> None:
    supporting = [
        v
        for v in seed_report.verdicts
        if v.stance is Stance.SUPPORTS and {v.source_id, v.against_source_id} == {SPUN, WIRE}
    ]
    assert len(supporting) >= 20


def test_supporting_evidence_stands_at_its_span_in_the_other_source(
    seed_report: StoryReport,
) -> None:
    for verdict in seed_report.verdicts:
        if verdict.evidence_span is not None:
            text = seed_report.story.document(verdict.against_source_id).text
            assert verdict.evidence_span.of(text) == verdict.evidence


@pytest.mark.parametrize(
    ("source", "against", "finding"),
    [
        (SPUN, WIRE, "'engagement' vs 'contact'"),
        (SPUN, WIRE, "'certainly damage' vs 'definitely harm'"),
        (SPUN, WIRE, "name 'Laisi'"),
        (SPUN, WIRE, "name 'Rice'"),
        (SPUN, WIRE, "'to the former Soviet Union' vs 'outside the former Soviet Union'"),
        (SPUN, SPUN, "the headline 'Putin meets Iranian leader on first trip outside"),
        (DIGEST, WIRE, "'Iran and Saudi Arabia' vs 'Israel and Saudi Arabia'"),
        (DIGEST, WIRE, "(drops Turkey)"),
        (DIGEST, DIGEST, "'Al Khamenei of Iran' vs 'Ali Khamenei'"),
    ],
    ids=[
        "altered quote",
        "altered quote of Khamenei",
        "misspelt name",
        "sound-alike name",
        "trip to, not outside, the former Soviet Union",
        "headline against its own body",
        "who visited where",
        "Turkey added to Assad's backers",
        "misspelt name in a headline",
    ],
)
def test_the_seed_story_findings_stand_against_the_right_source(
    seed_report: StoryReport, source: str, against: str, finding: str
) -> None:
    assert any(
        verdict.source_id == source
        and verdict.against_source_id == against
        and finding in verdict.explanation
        for verdict in seed_report.contradicting_verdicts()
    ), [v.explanation for v in seed_report.contradicting_verdicts() if v.source_id == source]


def test_the_wire_report_is_contradicted_only_where_the_others_changed_it(
    seed_report: StoryReport,
) -> None:
    # Every contradiction of a wire claim is one of the others' changes, seen from the wire.
    for verdict in seed_report.contradicting_verdicts():
        if verdict.source_id == WIRE:
            assert any(
                other.source_id == verdict.against_source_id and other.against_source_id == WIRE
                for other in seed_report.contradicting_verdicts()
            ), verdict.explanation


def test_every_source_gets_a_score(seed_report: StoryReport) -> None:
    assert sorted(score.source_id for score in seed_report.scores) == sorted(
        seed_report.story.source_ids
    )
    assert sorted(score.rank for score in seed_report.scores) == [1, 2, 3]


def test_a_single_source_story_has_no_cross_checks() -> None:
    report = check(
        [Document(id="only", text="The dam opened on Tuesday after long delays.")],
        load_entry_points=False,
    )
    assert report.claims
    assert [v for v in report.verdicts if v.against_source_id != v.source_id] == []


def test_a_batch_goes_on_past_a_bad_story(pipeline: Pipeline, write_files: WriteFiles) -> None:
    folder = write_files(
        {
            "batch/good/a.txt": "The dam opened on Tuesday after three years of delays.",
            "batch/good/b.txt": "The dam opened on Tuesday, three years late.",
            "batch/bad/a.txt": "   ",
        }
    )
    report = pipeline.run([folder / "batch"])
    assert [story.story.id for story in report.stories] == ["good"]
    assert [failure.story_id for failure in report.failures] == ["bad"]
    assert "the file is empty" in report.failures[0].error


def test_check_refuses_paths_that_hold_several_stories(write_files: WriteFiles) -> None:
    folder = write_files(
        {
            "batch/one/a.txt": "The dam opened on Tuesday.",
            "batch/two/a.txt": "Rain fell all week long.",
        }
    )
    with pytest.raises(InputError, match="hold 2 stories"):
        check([folder / "batch"], load_entry_points=False)


def test_the_report_is_the_same_on_every_run(seed_report: StoryReport, seeds_dir: Path) -> None:
    again = check([seeds_dir], load_entry_points=False)
    assert again.model_dump(exclude={"timings"}) == seed_report.model_dump(exclude={"timings"})


def test_pipeline_run_takes_stories_as_well_as_paths(seed_story: Story, pipeline: Pipeline) -> None:
    report = pipeline.run([seed_story])
    assert [story.story.id for story in report.stories] == ["seeds"]
    assert report.run.engine == "offline"
