"""The data model's contract: ids, spans, verdict rules and the published schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from veracity import Claim, Disagreement, Document, Span, Stance, Story, Verdict
from veracity.models import json_schema

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "docs" / "run-report.schema.json"


def test_claim_ids_are_stable_and_depend_on_content() -> None:
    first = Claim.make(
        source_id="a", text="X won.", quote="X won.", span=Span(start=0, end=6), extractor="t"
    )
    again = Claim.make(
        source_id="a", text="X won.", quote="X won.", span=Span(start=0, end=6), extractor="t"
    )
    other = Claim.make(
        source_id="b", text="X won.", quote="X won.", span=Span(start=0, end=6), extractor="t"
    )
    assert first.id == again.id
    assert first.id != other.id


def test_span_rejects_an_end_before_its_start() -> None:
    with pytest.raises(ValidationError, match="before its start"):
        Span(start=5, end=2)


def test_span_slices_the_text_it_points_into() -> None:
    assert Span(start=4, end=9).of("The quick fox") == "quick"


def test_contradicting_verdict_needs_a_kind_of_disagreement() -> None:
    with pytest.raises(ValidationError, match="needs a kind"):
        Verdict(
            claim_id="c",
            source_id="a",
            against_source_id="b",
            stance=Stance.CONTRADICTS,
            confidence=0.9,
            checker="t",
        )


def test_only_contradicting_verdicts_carry_a_disagreement() -> None:
    with pytest.raises(ValidationError, match="only a contradicting"):
        Verdict(
            claim_id="c",
            source_id="a",
            against_source_id="b",
            stance=Stance.SUPPORTS,
            disagreement=Disagreement.NUMBER,
            confidence=0.9,
            checker="t",
        )


def test_story_refuses_two_documents_with_one_id() -> None:
    with pytest.raises(ValidationError, match="two documents with id 'a'"):
        Story(id="s", documents=[Document(id="a", text="One."), Document(id="a", text="Two.")])


def test_published_schema_matches_the_models() -> None:
    written = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert written == json_schema(), "regenerate it: veracity schema > docs/run-report.schema.json"


def test_findings_list_a_mirrored_disagreement_once() -> None:
    from veracity import Story, StoryReport, Summary

    story = Story(
        id="s",
        documents=[
            Document(id="a", text="It cost 5 euros."),
            Document(id="b", text="It cost 7 euros."),
        ],
    )
    claim_a = Claim.make(
        source_id="a",
        text="It cost 5 euros.",
        quote="It cost 5 euros.",
        span=Span(start=0, end=16),
        extractor="t",
    )
    claim_b = Claim.make(
        source_id="b",
        text="It cost 7 euros.",
        quote="It cost 7 euros.",
        span=Span(start=0, end=16),
        extractor="t",
    )

    def against(claim: Claim, other: str) -> Verdict:
        return Verdict(
            claim_id=claim.id,
            source_id=claim.source_id,
            against_source_id=other,
            stance=Stance.CONTRADICTS,
            disagreement=Disagreement.NUMBER,
            evidence="It cost 5 euros." if other == "a" else "It cost 7 euros.",
            evidence_span=Span(start=0, end=16),
            confidence=0.9,
            checker="t",
        )

    report = StoryReport(
        story=story,
        summary=Summary(),
        claims=[claim_a, claim_b],
        verdicts=[against(claim_a, "b"), against(claim_b, "a")],
    )
    assert len(report.contradicting_verdicts()) == 2
    assert [verdict.source_id for verdict in report.findings()] == ["a"]
    assert report.contradictions() == report.findings()
