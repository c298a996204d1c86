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
