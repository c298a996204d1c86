"""Both engines on one story: the offline findings, the model's second opinion of each,
and the rule that combines them.

In a run with an LLM endpoint the offline checks still run. Each contradiction
they find is a *candidate finding*; the model is shown it inside the
cross-check call that the finding's source already gets (no extra call) and
answers genuine, not or unsure with a one-line reason. :func:`combine` then
decides what the report says. The rule (docs/hybrid.md), with ``c`` the offline
engine's own confidence:

- the offline opinion is *genuine* when ``c >= 0.5``, else *unsure* (a possible finding);
- the model says **genuine**: the finding stands, confidence ``c + (1 - c) / 2``;
- the model says **unsure**, or gives no opinion: the finding stands, confidence ``c``;
- the model says **not** about a *deterministic* finding (a different number, date or
  quoted word): the finding stands, confidence ``c``, marked as disputed by the model;
  a model cannot talk a changed figure away;
- the model says **not** about any other finding (a name, a negation, other): the
  finding is withdrawn; the cell becomes ``absent`` (confidence 0.5) with both
  opinions kept, so the report can still show it. A withdrawn finding never turns
  into support: an obedient model can remove a heuristic finding, never invent
  agreement.

The offline engine's confidence itself is computed by the offline checks; this
module only combines it with the model's opinion.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from veracity.models import Claim, Disagreement, Opinion, Opinions, Stance, Verdict

# A different number, date or quoted word: what the text itself shows, whatever a model says.
DETERMINISTIC = frozenset({Disagreement.NUMBER, Disagreement.DATE, Disagreement.QUOTE})
# Below this offline confidence a finding is "possible": the offline opinion is unsure.
POSSIBLE_BELOW = 0.5
# The share of the remaining doubt an agreeing model removes.
AGREEMENT_GAIN = 0.5
# Confidence of the absent verdict a withdrawn finding leaves.
WITHDRAWN_CONFIDENCE = 0.5


class Candidate(BaseModel):
    """An offline finding put to the model for a second opinion."""

    verdict: Verdict
    claim: Claim

    @property
    def key(self) -> tuple[str, str, str]:
        """The finding's identity: claim, source checked against, checker."""
        return finding_key(self.verdict)


class Review(BaseModel):
    """The model's second opinion of one candidate finding."""

    opinion: Opinion
    reason: str = Field(default="", description="One line.")


def finding_key(verdict: Verdict) -> tuple[str, str, str]:
    """What identifies a finding across the offline and the LLM passes."""
    return (verdict.claim_id, verdict.against_source_id, verdict.checker)


def offline_opinion(verdict: Verdict) -> Opinion:
    """The offline engine's opinion of its own finding, from its confidence."""
    return Opinion.GENUINE if verdict.confidence >= POSSIBLE_BELOW else Opinion.UNSURE


def is_deterministic(verdict: Verdict) -> bool:
    """True for a contradiction in a number, a date or a quoted word."""
    return verdict.disagreement in DETERMINISTIC


def candidates(verdicts: list[Verdict], claims: list[Claim]) -> list[Candidate]:
    """The offline verdicts that are findings (contradictions), with their claims."""
    by_id = {claim.id: claim for claim in claims}
    return [
        Candidate(verdict=verdict, claim=by_id[verdict.claim_id])
        for verdict in verdicts
        if verdict.stance is Stance.CONTRADICTS and verdict.claim_id in by_id
    ]


def combine(verdict: Verdict, review: Review | None) -> Verdict:
    """An offline finding with the model's second opinion applied (see the module's rule)."""
    confidence = verdict.confidence
    opinions = Opinions(
        offline=offline_opinion(verdict),
        llm=review.opinion if review else None,
        llm_reason=review.reason.strip() if review else "",
        deterministic=is_deterministic(verdict),
        offline_confidence=confidence,
    )
    if review is None or review.opinion is Opinion.UNSURE:
        return verdict.model_copy(update={"opinions": opinions})
    if review.opinion is Opinion.GENUINE:
        combined = round(confidence + (1.0 - confidence) * AGREEMENT_GAIN, 3)
        return verdict.model_copy(update={"opinions": opinions, "confidence": combined})
    if opinions.deterministic:
        return verdict.model_copy(update={"opinions": opinions})
    return verdict.model_copy(
        update={
            "stance": Stance.ABSENT,
            "disagreement": None,
            "confidence": WITHDRAWN_CONFIDENCE,
            "explanation": f"withdrawn on the model's second opinion; the offline check said: "
            f"{verdict.explanation}",
            "opinions": opinions,
        }
    )


def combine_all(
    verdicts: list[Verdict], reviews: dict[tuple[str, str, str], Review]
) -> list[Verdict]:
    """Every offline verdict, each finding combined with its review (if the model gave one)."""
    return [
        combine(verdict, reviews.get(finding_key(verdict)))
        if verdict.stance is Stance.CONTRADICTS
        else verdict
        for verdict in verdicts
    ]


def withdrawn(verdict: Verdict) -> bool:
    """True for an offline finding the model's second opinion withdrew."""
    return (
        verdict.stance is Stance.ABSENT
        and verdict.opinions is not None
        and verdict.opinions.llm is Opinion.NOT
    )
