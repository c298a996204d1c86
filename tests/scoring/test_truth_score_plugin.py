"""The truth_score plugin answers the scoring hook with a valid, ranked Scoring."""

from __future__ import annotations

from types import ModuleType

import pluggy

from veracity.models import Scoring, Stance, Verdict
from veracity.pipeline import hookspecs
from veracity.pipeline.context import StageContext
from veracity.plugins import truth_score

STATEMENTS = {
    "wire": {"toll": "31", "day": "Tuesday", "place": "Valdora"},
    "daily": {"toll": "31", "day": "Tuesday"},
    "tabloid": {"toll": "310", "day": "Monday", "place": "Valdora"},
}


def scoring_hook() -> pluggy.PluginManager:
    manager = pluggy.PluginManager("veracity")
    manager.add_hookspecs(hookspecs)
    manager.register(truth_score, name="truth_score")
    return manager


def test_the_plugin_returns_a_ranked_scoring_for_every_source_and_claim(
    bench: ModuleType,
) -> None:
    cluster = bench.cluster_from_statements(STATEMENTS)

    scoring = scoring_hook().hook.veracity_score_sources(
        story=cluster.story,
        claims=cluster.claims,
        verdicts=cluster.verdicts,
        context=StageContext(),
    )

    assert isinstance(scoring, Scoring)
    assert Scoring.model_validate_json(scoring.model_dump_json()) == scoring
    assert [item.source_id for item in scoring.sources] == ["wire", "daily", "tabloid"]
    assert [item.rank for item in scoring.sources] == [1, 2, 3]
    assert {item.scorer for item in scoring.sources} == {"truth_score"}
    assert {item.claim_id for item in scoring.claims} == {claim.id for claim in cluster.claims}


def test_unusable_verdicts_become_a_warning(bench: ModuleType) -> None:
    cluster = bench.cluster_from_statements(STATEMENTS)
    stray = Verdict(
        claim_id="c-from-another-story",
        source_id="wire",
        against_source_id="daily",
        stance=Stance.SUPPORTS,
        confidence=1.0,
        checker="test",
    )
    context = StageContext()

    truth_score.veracity_score_sources(
        story=cluster.story,
        claims=cluster.claims,
        verdicts=[*cluster.verdicts, stray],
        context=context,
    )

    assert [warning.message for warning in context.warnings] == [
        "1 verdict names a claim or source this story does not have; left out of the scores"
    ]


def test_offline_and_llm_verdicts_score_the_same(bench: ModuleType) -> None:
    # The plugin reads stances, kinds and confidences only, never who judged.
    cluster = bench.cluster_from_statements(STATEMENTS)
    offline = [
        verdict.model_copy(update={"checker": "alignment_check"}) for verdict in cluster.verdicts
    ]
    llm = [
        verdict.model_copy(update={"checker": "llm_check", "explanation": "The model's reason."})
        for verdict in cluster.verdicts
    ]

    def score(verdicts: list[Verdict]) -> Scoring:
        return truth_score.veracity_score_sources(
            story=cluster.story, claims=cluster.claims, verdicts=verdicts, context=StageContext()
        )

    assert score(offline) == score(llm)
