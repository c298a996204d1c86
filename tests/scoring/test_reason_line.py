"""The one-line reason names a source's concrete problems, worst first."""

from __future__ import annotations

from types import ModuleType

from veracity.models import ScoreBreakdown
from veracity.scoring.truth_discovery import SourceEstimate, reason_line, score_sources


def estimate_with(
    breakdown: ScoreBreakdown, *, copies: list[str] | None = None, against: list[str] | None = None
) -> SourceEstimate:
    return SourceEstimate(
        source_id="s",
        reliability=0.5,
        score=0.5,
        breakdown=breakdown,
        copies=copies or [],
        minority_contradicted_by=against or [],
    )


def reasons(bench: ModuleType, statements: dict[str, dict[str, str]]) -> dict[str, str]:
    cluster = bench.cluster_from_statements(statements)
    scoring = score_sources(cluster.story, cluster.claims, cluster.verdicts)
    return {item.source_id: item.reason for item in scoring.sources}


def test_altered_quotes_come_first_and_other_contradictions_are_counted_apart() -> None:
    breakdown = ScoreBreakdown(
        claims=5,
        corroborated=2,
        contradicted=4,
        altered_quotes=1,
        extra={"minority_contradictions": 3},
    )

    reason = reason_line(estimate_with(breakdown, against=["b", "c"]))

    assert (
        reason
        == "1 altered quote; 2 other claims contradicted by 2 sources; 40% of claims corroborated"
    )


def test_a_source_that_loses_every_dispute_is_told_so(bench: ModuleType) -> None:
    statements = {
        "good": {"toll": "31", "day": "Tuesday", "place": "Valdora"},
        "bad": {"toll": "13", "day": "Monday", "place": "Valdora"},
        "w1": {"toll": "31", "day": "Tuesday"},
        "w2": {"toll": "31"},
    }

    reason = reasons(bench, statements)["bad"]

    assert reason == "2 claims contradicted by 3 sources; 33% of claims corroborated"


def test_a_clean_source_reads_as_such() -> None:
    breakdown = ScoreBreakdown(claims=2, corroborated=2)

    assert reason_line(estimate_with(breakdown)) == "no contradictions; 100% of claims corroborated"


def test_a_source_the_evidence_backs_counts_the_contradictions_it_is_part_of(
    bench: ModuleType,
) -> None:
    statements = {"good": {"toll": "31"}, "bad": {"toll": "13"}, "w1": {"toll": "31"}}

    reason = reasons(bench, statements)["good"]

    # The cluster's verdicts quote no passage of the other source, so the two directions of
    # the one dispute cannot be matched up: two findings.
    assert reason == "backed in the 2 contradictions it is part of; 100% of claims corroborated"


def test_self_contradictions_are_named() -> None:
    breakdown = ScoreBreakdown(claims=4, corroborated=4, self_contradictions=2)

    assert reason_line(estimate_with(breakdown)) == (
        "contradicts itself on 2 claims; 100% of claims corroborated"
    )


def test_copying_is_named_with_the_originals() -> None:
    breakdown = ScoreBreakdown(claims=2, corroborated=2)

    reason = reason_line(estimate_with(breakdown, copies=["wire"]))

    assert reason == "near-copy of wire (counted as one witness); 100% of claims corroborated"


def test_mostly_unverified_sources_are_flagged_lightly() -> None:
    breakdown = ScoreBreakdown(claims=4, corroborated=1, unverified=3)

    assert reason_line(estimate_with(breakdown)) == (
        "75% of claims found in no other source; 25% of claims corroborated"
    )


def test_heavy_boilerplate_is_mentioned_last() -> None:
    breakdown = ScoreBreakdown(claims=1, corroborated=1, boilerplate_share=0.4)

    assert reason_line(estimate_with(breakdown)) == (
        "no contradictions; 100% of claims corroborated; 40% of the page is boilerplate"
    )


def test_a_source_without_claims_says_so() -> None:
    assert reason_line(estimate_with(ScoreBreakdown())) == "no checkable claims"
