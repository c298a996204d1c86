"""LLM cross-check: each source's claims against the relevant passages of the others.

One call per source carries all of its claims and, from every other source,
only the passages the offline alignment found related to them (not whole
articles); the model returns the full stance matrix for those claims. Calls
are split only when the token budget is exceeded. Evidence the model quotes
is looked up in the other source: evidence that is not there does not count.
"""

from __future__ import annotations

import asyncio

from pydantic import BaseModel, Field

from veracity import hookimpl
from veracity.alignment import StoryAlignment
from veracity.chunking import pack
from veracity.context import StageContext
from veracity.models import Claim, Disagreement, DroppedItem, Stance, Story, Verdict
from veracity.prompt_templates import delimit, load_prompt
from veracity.quote_matching import locate_quote

NAME = "llm_check"
# Passages this similar to a claim's sentence are worth showing the model.
RELATED = 0.12
PASSAGES_PER_CLAIM = 3


class Judgement(BaseModel):
    """The model's stance of one other source on one claim."""

    claim: str = Field(description="The claim's key, such as c1.")
    source: str = Field(description="Id of the other source.")
    stance: Stance
    disagreement: Disagreement | None = None
    evidence: str | None = Field(default=None, description="Passage of that source, verbatim.")
    explanation: str = ""
    confidence: float = Field(default=0.5, ge=0.0, le=1.0)


class StanceMatrix(BaseModel):
    """The model's answer: one judgement per claim and other source."""

    judgements: list[Judgement]


def related_passages(claims: list[Claim], other_id: str, alignment: StoryAlignment) -> list[int]:
    """Indices of the other source's sentences related to any of the claims, in text order."""
    found: set[int] = set()
    for claim in claims:
        index = alignment.sentence_at(claim.source_id, claim.span.start, claim.span.end)
        if index is None:
            index = alignment.sentence_at(claim.source_id, claim.span.start, claim.span.start)
        if index is None:
            continue
        for match in alignment.matches(claim.source_id, index, other_id, minimum=RELATED)[
            :PASSAGES_PER_CLAIM
        ]:
            found.add(match.other_index)
    return sorted(found)


def _absent(claim: Claim, other_id: str, explanation: str, confidence: float) -> Verdict:
    return Verdict(
        claim_id=claim.id,
        source_id=claim.source_id,
        against_source_id=other_id,
        stance=Stance.ABSENT,
        explanation=explanation,
        confidence=confidence,
        checker=NAME,
    )


def _verdict(judgement: Judgement, claim: Claim, story: Story, context: StageContext) -> Verdict:
    if judgement.stance is Stance.ABSENT:
        return _absent(claim, judgement.source, judgement.explanation, judgement.confidence)
    other = story.document(judgement.source)
    span = locate_quote(judgement.evidence or "", other.text)
    if span is None:
        context.drop(
            DroppedItem(
                kind="verdict",
                source_id=judgement.source,
                text=f"{judgement.stance.value} {claim.id}: {judgement.evidence or ''}"[:300],
                reason="its evidence is not in the other source",
                plugin=NAME,
            ),
            hallucinated=True,
        )
        return _absent(claim, other.id, "the model's evidence is not in this source", 0.3)
    disagreement = None
    if judgement.stance is Stance.CONTRADICTS:
        disagreement = judgement.disagreement or Disagreement.OTHER
    return Verdict(
        claim_id=claim.id,
        source_id=claim.source_id,
        against_source_id=other.id,
        stance=judgement.stance,
        disagreement=disagreement,
        evidence=span.of(other.text),
        evidence_span=span,
        explanation=judgement.explanation,
        confidence=judgement.confidence,
        checker=NAME,
    )


async def check_source(
    source_id: str, claims: list[Claim], story: Story, context: StageContext
) -> list[Verdict]:
    """The stance matrix of one source's claims against every other source."""
    alignment = context.alignment(story)
    prompt = load_prompt("cross_check", context.settings.prompts_dir)
    others = [document for document in story.documents if document.id != source_id]
    verdicts: list[Verdict] = []
    groups = pack([claim.text for claim in claims], context.settings.llm_input_budget // 3)
    calls_made = 0
    for group in groups:
        batch = [claims[index] for index in group]
        keyed = {f"c{position}": claim for position, claim in enumerate(batch, start=1)}
        blocks = []
        shown: set[str] = set()
        for other in others:
            passages = [
                alignment.sentences[other.id][index].text
                for index in related_passages(batch, other.id, alignment)
            ]
            if passages:
                blocks.append(delimit("passages", "\n".join(passages), source=other.id))
                shown.add(other.id)
        judged: dict[tuple[str, str], Verdict] = {}
        if blocks:
            if calls_made:
                context.count_split()
            calls_made += 1
            messages = prompt.render(
                source_id=source_id,
                claims=[{"key": key, "text": claim.text} for key, claim in keyed.items()],
                others=blocks,
            )
            answer = await context.client.structured(
                messages,
                StanceMatrix,
                purpose="cross-check",
                usage=context.record_usage,
                prompt_version=prompt.cache_version,
            )
            for judgement in answer.judgements:
                claim = keyed.get(judgement.claim)
                if (
                    claim is None
                    or judgement.source not in shown
                    or (claim.id, judgement.source) in judged
                ):
                    continue
                judged[(claim.id, judgement.source)] = _verdict(judgement, claim, story, context)
        for claim in batch:
            for other in others:
                if (claim.id, other.id) in judged:
                    verdicts.append(judged[(claim.id, other.id)])
                elif other.id in shown:
                    verdicts.append(_absent(claim, other.id, "the model gave no judgement", 0.3))
                else:
                    verdicts.append(
                        _absent(claim, other.id, "no related passage in this source", 0.8)
                    )
    return verdicts


@hookimpl
async def veracity_cross_check(
    story: Story, claims: list[Claim], context: StageContext
) -> list[Verdict]:
    """Cross-check every source's claims with the configured LLM (nothing when offline)."""
    if not context.uses_llm or len(story.documents) < 2:
        return []
    per_source = await asyncio.gather(
        *(
            check_source(document.id, own, story, context)
            for document in story.documents
            if (own := [claim for claim in claims if claim.source_id == document.id])
        )
    )
    return [verdict for verdicts in per_source for verdict in verdicts]
