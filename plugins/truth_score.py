"""Score sources by truth discovery and explain each score in one line.

A source is as reliable as the claims it asserts are credible, and a claim is
as credible as the sources that support it are reliable, against those that
contradict it; near-copies count as one witness. The estimator lives in
:mod:`veracity.scoring.truth_discovery`; this plugin hands it the story and reports
what it could not use. It reads only the verdicts' stances, kinds and
confidences, so it scores the same whether they came from the offline checker
or from an LLM.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from veracity.models import Claim, Scoring, Story, Verdict
from veracity.pipeline.hookspecs import hookimpl
from veracity.scoring.truth_discovery import SCORER, estimate_truth, to_scoring

if TYPE_CHECKING:
    from veracity.pipeline.context import StageContext


@hookimpl
def veracity_score_sources(
    story: Story, claims: list[Claim], verdicts: list[Verdict], context: StageContext
) -> Scoring:
    """Rank the story's sources by estimated reliability and rate every claim."""
    estimate = estimate_truth(story, claims, verdicts)
    if estimate.ignored_verdicts:
        count = estimate.ignored_verdicts
        context.warn(
            f"{count} {'verdict names' if count == 1 else 'verdicts name'} a claim or source "
            "this story does not have; left out of the scores",
            plugin=SCORER,
        )
    if not estimate.converged:
        context.warn(
            f"reliability estimate still moving after {estimate.iterations} iterations; "
            "scores are approximate",
            plugin=SCORER,
        )
    return to_scoring(estimate, scorer=SCORER)
