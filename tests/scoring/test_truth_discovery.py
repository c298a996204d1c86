"""Properties of the truth-discovery estimator, each on a small story built by hand."""

from __future__ import annotations

import random
from types import ModuleType
from typing import Any

import pytest

from veracity.models import ClaimStatus, Disagreement, Stance, Verdict
from veracity.scoring.truth_discovery import (
    DEFAULT_PARAMS,
    SourceEstimate,
    TruthDiscoveryParams,
    TruthEstimate,
    copy_groups,
    estimate_truth,
    score_sources,
)

# "bad" disagrees with everyone on three facts; on a fourth only it and "good" speak.
RECORD = {
    "good": {"toll": "31", "day": "Tuesday", "place": "Valdora", "injured": "212"},
    "bad": {"toll": "13", "day": "Monday", "place": "Sarno", "injured": "120"},
    "w1": {"toll": "31", "day": "Tuesday", "place": "Valdora"},
    "w2": {"toll": "31", "day": "Tuesday", "place": "Valdora"},
}


def estimate(cluster: Any, **params: Any) -> TruthEstimate:
    return estimate_truth(
        cluster.story, cluster.claims, cluster.verdicts, TruthDiscoveryParams(**params)
    )


def source(result: TruthEstimate, source_id: str) -> SourceEstimate:
    return next(item for item in result.sources if item.source_id == source_id)


def credibility(result: TruthEstimate, cluster: Any, source_id: str, fact: str) -> float:
    claim_id = next(
        claim.id
        for claim in cluster.claims
        if claim.source_id == source_id and cluster.claim_fact[claim.id][0] == fact
    )
    return next(item.credibility for item in result.claims if item.claim_id == claim_id)


def test_a_lone_dissenter_with_a_bad_record_loses(bench: ModuleType) -> None:
    cluster = bench.cluster_from_statements(RECORD)

    result = estimate(cluster)

    assert credibility(result, cluster, "good", "injured") > 0.5
    assert credibility(result, cluster, "bad", "injured") < 0.5


def test_permuting_the_sources_changes_nothing(bench: ModuleType) -> None:
    cluster = bench.cluster_from_statements(RECORD)
    shuffled = bench.cluster_from_statements(dict(reversed(RECORD.items())))
    shuffled.story.documents.reverse()
    shuffled.claims.reverse()
    random.Random(0).shuffle(shuffled.verdicts)

    original = score_sources(cluster.story, cluster.claims, cluster.verdicts)
    permuted = score_sources(shuffled.story, shuffled.claims, shuffled.verdicts)

    assert permuted == original


def test_the_same_input_gives_the_same_output(bench: ModuleType) -> None:
    cluster = bench.cluster_from_statements(RECORD)

    first = score_sources(cluster.story, cluster.claims, cluster.verdicts)
    second = score_sources(cluster.story, cluster.claims, cluster.verdicts)

    assert first.model_dump_json() == second.model_dump_json()


def test_near_copies_are_found_from_the_texts(bench: ModuleType) -> None:
    cluster = bench.cluster_from_statements(
        {"wire": {"toll": "40"}, "copy1": {"toll": "40"}, "copy2": {"toll": "40"}, "b": {}},
        copies={"copy1": "wire", "copy2": "wire"},
    )

    assert copy_groups(cluster.story.documents) == [["copy1", "copy2", "wire"]]


def test_copies_of_one_text_count_as_one_witness(bench: ModuleType) -> None:
    statements = {
        "wire": {"toll": "40"},
        "copy1": {"toll": "40"},
        "copy2": {"toll": "40"},
        "b": {"toll": "25"},
        "c": {"toll": "25"},
    }
    copied = bench.cluster_from_statements(statements, copies={"copy1": "wire", "copy2": "wire"})

    result = estimate(copied)

    # Two independent witnesses outweigh one text published three times.
    assert credibility(result, copied, "b", "toll") > 0.5
    assert credibility(result, copied, "wire", "toll") < 0.5
    assert source(result, "copy1").breakdown.extra["copy_group_size"] == 3


def test_three_independent_sources_outweigh_two(bench: ModuleType) -> None:
    # The control for the test above: the same votes, but every text its own.
    independent = bench.cluster_from_statements(
        {
            "wire": {"toll": "40"},
            "copy1": {"toll": "40"},
            "copy2": {"toll": "40"},
            "b": {"toll": "25"},
            "c": {"toll": "25"},
        }
    )

    result = estimate(independent)

    assert credibility(result, independent, "wire", "toll") > 0.5
    assert credibility(result, independent, "b", "toll") < 0.5


def test_support_from_a_copy_is_not_corroboration(bench: ModuleType) -> None:
    cluster = bench.cluster_from_statements(
        {"wire": {"toll": "40"}, "copy": {"toll": "40"}, "other": {"day": "Monday"}},
        copies={"copy": "wire"},
    )

    wire = source(estimate(cluster), "wire")

    assert wire.breakdown.corroborated == 0
    assert wire.breakdown.unverified == 1


def test_the_estimate_converges_and_reports_its_iterations(bench: ModuleType) -> None:
    result = estimate(bench.cluster_from_statements(RECORD))

    assert result.converged
    assert 2 <= result.iterations < DEFAULT_PARAMS.max_iterations
    assert source(result, "good").breakdown.extra["iterations"] == result.iterations


def test_an_estimate_cut_short_says_it_did_not_converge(bench: ModuleType) -> None:
    result = estimate(bench.cluster_from_statements(RECORD), max_iterations=1)

    assert not result.converged
    assert result.iterations == 1


def test_a_one_claim_source_is_never_scored_0_or_1(bench: ModuleType) -> None:
    cluster = bench.cluster_from_statements(
        {
            "confirmed": {"toll": "31"},
            "crank": {"toll": "99"},
            "a": {"toll": "31", "day": "Tuesday"},
            "b": {"toll": "31", "day": "Tuesday"},
            "c": {"toll": "31", "day": "Tuesday"},
        }
    )

    result = estimate(cluster)

    assert 0.5 < source(result, "confirmed").score < 1.0
    assert 0.0 < source(result, "crank").score < 0.5


def test_unverified_claims_weigh_less_than_contradicted_ones(bench: ModuleType) -> None:
    cluster = bench.cluster_from_statements(
        {
            "exclusive": {"motive": "revenge", "weapon": "knife", "arrests": "2"},
            "loser": {"toll": "13", "day": "Monday", "place": "Sarno"},
            "a": {"toll": "31", "day": "Tuesday", "place": "Valdora"},
            "b": {"toll": "31", "day": "Tuesday", "place": "Valdora"},
        }
    )

    result = estimate(cluster)

    assert source(result, "exclusive").score > source(result, "loser").score
    assert source(result, "exclusive").breakdown.unverified == 3
    assert source(result, "exclusive").breakdown.extra["unverified_share"] == 1.0


def test_claims_are_settled_disputed_or_unverified(bench: ModuleType) -> None:
    cluster = bench.cluster_from_statements(
        {
            "a": {"toll": "31", "day": "Tuesday", "motive": "revenge"},
            "b": {"toll": "31", "day": "Monday"},
        }
    )

    statuses = {
        cluster.claim_fact[item.claim_id][0]: item.status
        for item in estimate(cluster).claims
        if item.source_id == "a"
    }

    assert statuses == {
        "toll": ClaimStatus.SETTLED,
        "day": ClaimStatus.DISPUTED,
        "motive": ClaimStatus.UNVERIFIED,
    }


def test_a_self_contradiction_lowers_the_score_and_disputes_the_claim(bench: ModuleType) -> None:
    cluster = bench.cluster_from_statements(RECORD)
    before = estimate(cluster)
    claim = next(claim for claim in cluster.claims if claim.source_id == "w1")
    cluster.verdicts.append(
        Verdict(
            claim_id=claim.id,
            source_id="w1",
            against_source_id="w1",
            stance=Stance.CONTRADICTS,
            disagreement=Disagreement.NUMBER,
            confidence=1.0,
            checker="test",
        )
    )

    after = estimate(cluster)

    assert source(after, "w1").breakdown.self_contradictions == 1
    assert source(after, "w1").score < source(before, "w1").score
    assert next(item for item in after.claims if item.claim_id == claim.id).status == (
        ClaimStatus.DISPUTED
    )


def test_an_altered_quote_in_the_minority_is_counted(bench: ModuleType) -> None:
    mayor = bench.Fact(
        "mayor",
        Disagreement.QUOTE,
        'The mayor said: "{value}"',
        "We are still searching for survivors.",
        (),
    )
    said = "We are still searching for survivors."
    cluster = bench.cluster_from_statements(
        {
            "a": {"mayor": said, "toll": "31"},
            "b": {"mayor": said, "toll": "31"},
            "c": {"mayor": said},
            "spin": {"mayor": "We have stopped searching for survivors.", "toll": "31"},
        },
        facts={"mayor": mayor},
    )

    result = estimate(cluster)

    assert source(result, "spin").breakdown.altered_quotes == 1
    assert source(result, "a").breakdown.altered_quotes == 0
    assert source(result, "spin").score < source(result, "a").score


def test_boilerplate_lowers_the_score_by_its_share(bench: ModuleType) -> None:
    twins = {"a": {"toll": "31"}, "b": {"toll": "31"}}
    cluster = bench.cluster_from_statements(
        twins, boilerplate={"a": "Sign up for our newsletter. " * 20}
    )

    result = estimate(cluster)

    share = source(result, "a").breakdown.boilerplate_share
    assert share == pytest.approx(560 / (560 + len(cluster.story.document("a").text)))
    assert source(result, "a").score == pytest.approx(
        source(result, "b").score * (1 - DEFAULT_PARAMS.boilerplate_weight * share)
    )


def test_ties_are_ranked_by_source_id(bench: ModuleType) -> None:
    cluster = bench.cluster_from_statements(
        {"c": {"toll": "31"}, "b": {"toll": "31"}, "a": {"toll": "31"}, "d": {"toll": "13"}}
    )

    scoring = score_sources(cluster.story, cluster.claims, cluster.verdicts)

    assert len({item.score for item in scoring.sources[:3]}) == 1
    assert [(item.rank, item.source_id) for item in scoring.sources] == [
        (1, "a"),
        (2, "b"),
        (3, "c"),
        (4, "d"),
    ]


def test_sources_no_finding_sets_apart_are_not_ranked(bench: ModuleType) -> None:
    cluster = bench.cluster_from_statements(
        {"wire": {"toll": "31", "day": "Tuesday"}, "rewrite": {"toll": "31"}}
    )

    scoring = score_sources(cluster.story, cluster.claims, cluster.verdicts)

    assert [item.rank for item in scoring.sources] == [1, 1]
    assert all(
        item.reason.startswith("not ranked: no source disagrees with another")
        for item in scoring.sources
    )


def _second_opinion(claim_id: str, confidence: float) -> Verdict:
    return Verdict(
        claim_id=claim_id,
        source_id="a",
        against_source_id="b",
        stance=Stance.CONTRADICTS,
        disagreement=Disagreement.NUMBER,
        confidence=confidence,
        checker="second",
    )


def test_of_two_checkers_judging_one_cell_the_more_confident_wins(bench: ModuleType) -> None:
    cluster = bench.cluster_from_statements({"a": {"toll": "31"}, "b": {"toll": "31"}})
    before = estimate(cluster)
    claim = next(claim for claim in cluster.claims if claim.source_id == "a")

    cluster.verdicts.append(_second_opinion(claim.id, confidence=0.4))

    assert estimate(cluster).claims == before.claims


def test_an_equally_confident_contradiction_is_not_hidden(bench: ModuleType) -> None:
    cluster = bench.cluster_from_statements({"a": {"toll": "31"}, "b": {"toll": "31"}})
    claim = next(claim for claim in cluster.claims if claim.source_id == "a")

    cluster.verdicts.append(_second_opinion(claim.id, confidence=1.0))

    statuses = {item.claim_id: item.status for item in estimate(cluster).claims}
    assert statuses[claim.id] == ClaimStatus.DISPUTED


def test_verdicts_that_cannot_be_placed_are_counted(bench: ModuleType) -> None:
    cluster = bench.cluster_from_statements({"a": {"toll": "31"}, "b": {"toll": "31"}})
    cluster.verdicts.append(
        Verdict(
            claim_id="c-unknown",
            source_id="a",
            against_source_id="b",
            stance=Stance.SUPPORTS,
            confidence=1.0,
            checker="test",
        )
    )

    assert estimate(cluster).ignored_verdicts == 1
