"""LLM cross-check: each source's claims against the relevant passages of the others.

One call per source carries all of its claims and, from every other source,
only the passages the offline alignment found related to them (not whole
articles); the model returns the full stance matrix for those claims. Calls
are split only when the token budget is exceeded. Evidence the model quotes
is looked up in the other source: evidence that is not there does not count.

Cells the offline alignment settles with certainty are never sent: a claim
whose sentence the other source repeats word for word (after folding case,
quote marks, dashes and whitespace) is supported there, and a claim with no
related passage in the other source is absent from it. A source whose claims
are all settled costs no call at all.

In a run with an endpoint the offline checks run too; their findings
(``context.candidates``) are put to the model in the same call as the claims of
the finding's source, for a second opinion (genuine, not or unsure, with a
one-line reason) that :mod:`veracity.pipeline.second_opinion` combines with the
offline verdict. A "supports" or "contradicts" must cite evidence the alignment
relates to the claim (:mod:`veracity.comparison.relevance`); otherwise it is
dropped with the reason and counted in ``usage.irrelevant_evidence``.
"""

from __future__ import annotations

import asyncio

from pydantic import BaseModel, Field

from veracity.comparison.alignment import StoryAlignment, content_words
from veracity.comparison.relevance import evidence_relation
from veracity.llm.chunking import pack
from veracity.llm.errors import RequestRejected, is_context_overflow
from veracity.llm.prompt_templates import delimit, load_prompt
from veracity.models import (
    Claim,
    Disagreement,
    DroppedItem,
    Opinion,
    Opinions,
    Span,
    Stance,
    Story,
    Verdict,
)
from veracity.pipeline.context import StageContext
from veracity.pipeline.hookspecs import hookimpl
from veracity.pipeline.second_opinion import Candidate
from veracity.text.quote_matching import locate_quote

NAME = "llm_check"
# Bounds in the response schema (see llm_claims).
MAX_KEY = 12
MAX_ID = 200
MAX_EVIDENCE = 600
MAX_REASON = 200
MAX_JUDGEMENTS = 400
MAX_REVIEWS = 100
# Passages this similar to a claim's sentence are worth showing the model.
RELATED = 0.12
PASSAGES_PER_CLAIM = 3
# A repeated sentence settles a claim only when it says enough to stand on its own:
# "He denied it." in two articles need not be about the same man.
SETTLING_WORDS = 5
# Differences that do not change what a sentence says (as quote matching folds them).
_FOLD = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "–": "-", "—": "-"})
_EDGES = " \t\n\"'.,;:"


class Judgement(BaseModel):
    """The model's stance of one other source on one claim."""

    claim: str = Field(max_length=MAX_KEY, description="The claim's key, such as c1.")
    source: str = Field(max_length=MAX_ID, description="Id of the other source.")
    stance: Stance
    disagreement: Disagreement | None = None
    evidence: str | None = Field(
        default=None, max_length=MAX_EVIDENCE, description="Passage of that source, verbatim."
    )
    explanation: str = Field(default="", max_length=MAX_REASON)
    confidence: float = Field(default=0.5, ge=0.0, le=1.0)


class FindingReview(BaseModel):
    """The model's second opinion of one finding of the offline checks."""

    finding: str = Field(max_length=MAX_KEY, description="The finding's key, such as f1.")
    opinion: Opinion = Field(description="genuine, not or unsure.")
    reason: str = Field(default="", max_length=MAX_REASON, description="One line.")


class StanceMatrix(BaseModel):
    """The model's answer: one judgement per claim and other source, one review per finding."""

    judgements: list[Judgement] = Field(max_length=MAX_JUDGEMENTS)
    reviews: list[FindingReview] = Field(default_factory=list, max_length=MAX_REVIEWS)


def related_passages(claims: list[Claim], other_id: str, alignment: StoryAlignment) -> list[int]:
    """Indices of the other source's sentences related to any of the claims, in text order."""
    found: set[int] = set()
    for claim in claims:
        index = _claim_sentence(claim, alignment)
        if index is None:
            continue
        for match in alignment.matches(
            claim.source_id, index, other_id, minimum=RELATED, limit=PASSAGES_PER_CLAIM
        ):
            found.add(match.other_index)
    return sorted(found)


def normalized(sentence: str) -> str:
    """A sentence with case, quote marks, dashes, whitespace and edge punctuation folded away."""
    return " ".join(sentence.translate(_FOLD).casefold().split()).strip(_EDGES)


def sentence_index(alignment: StoryAlignment) -> dict[str, dict[str, int]]:
    """Per source, its sentences' normalized text and the index of the first with that text.

    Built once per story and shared by every source's check: the lookup that
    tells whether another source repeats a sentence verbatim.
    """
    index: dict[str, dict[str, int]] = {}
    for source_id, sentences in alignment.sentences.items():
        by_text: dict[str, int] = {}
        for position, sentence in enumerate(sentences):
            by_text.setdefault(normalized(sentence.text), position)
        index[source_id] = by_text
    return index


def _claim_sentence(claim: Claim, alignment: StoryAlignment) -> int | None:
    index = alignment.sentence_at(claim.source_id, claim.span.start, claim.span.end)
    if index is None:
        index = alignment.sentence_at(claim.source_id, claim.span.start, claim.span.start)
    return index


def settled_cells(
    claims: list[Claim],
    others: list[str],
    story: Story,
    alignment: StoryAlignment,
    index: dict[str, dict[str, int]] | None = None,
) -> dict[tuple[str, str], Verdict]:
    """Verdicts the alignment makes certain, by (claim id, other source id): no need to ask.

    A claim is supported by another source that carries its whole sentence
    verbatim, as syndicated copies of a wire report do. Similarity is not
    enough here, since it ignores stop words such as "not": only identical
    text settles a cell.
    """
    index = index if index is not None else sentence_index(alignment)
    settled: dict[tuple[str, str], Verdict] = {}
    for claim in claims:
        own = _claim_sentence(claim, alignment)
        if own is None:
            continue
        sentence = alignment.sentences[claim.source_id][own]
        if len(content_words(sentence.text)) < SETTLING_WORDS:
            continue
        text = normalized(sentence.text)
        for other_id in others:
            match = index[other_id].get(text)
            if match is None:
                continue
            evidence = alignment.sentences[other_id][match]
            settled[(claim.id, other_id)] = Verdict(
                claim_id=claim.id,
                source_id=claim.source_id,
                against_source_id=other_id,
                stance=Stance.SUPPORTS,
                evidence=evidence.span.of(story.document(other_id).text),
                evidence_span=evidence.span,
                explanation="this source has the claim's sentence word for word",
                confidence=0.95,
                checker=NAME,
            )
    return settled


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


def _locate_evidence(
    evidence: str, text: str, alignment: StoryAlignment, source_id: str, shown: list[int]
) -> Span | None:
    """Where the evidence stands in the other source: in a passage the model was shown
    when it is there, else anywhere in that source.

    Quote matching folds the whole text it searches, character by character; a
    shown passage is a sentence, the source may be pages long. A cheap
    normalized containment test picks the passage before the exact search.
    """
    wanted = normalized(evidence)
    for index in shown:
        sentence = alignment.sentences[source_id][index]
        if wanted and wanted in normalized(sentence.text):
            found = locate_quote(evidence, sentence.text)
            if found is not None:
                start = sentence.span.start
                return Span(start=start + found.start, end=start + found.end)
    return locate_quote(evidence, text)


def _verdict(
    judgement: Judgement,
    claim: Claim,
    story: Story,
    context: StageContext,
    alignment: StoryAlignment,
    shown: list[int],
) -> Verdict:
    if judgement.stance is Stance.ABSENT:
        return _absent(claim, judgement.source, judgement.explanation, judgement.confidence)
    other = story.document(judgement.source)
    span = _locate_evidence(judgement.evidence or "", other.text, alignment, other.id, shown)
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
    relation = evidence_relation(
        alignment,
        claim_source=claim.source_id,
        claim_span=claim.span,
        claim_text=claim.text,
        other_source=other.id,
        evidence_span=span,
        evidence=span.of(other.text),
    )
    if relation is None:
        context.drop_irrelevant(
            DroppedItem(
                kind="verdict",
                source_id=judgement.source,
                text=f"{judgement.stance.value} {claim.id}: {span.of(other.text)}"[:300],
                reason="its evidence is not about its claim: no shared words, names or "
                "quantities and no similar sentence",
                plugin=NAME,
            )
        )
        return _absent(claim, other.id, "the model's evidence is not about this claim", 0.3)
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
        opinions=Opinions(llm=Opinion.GENUINE, llm_reason=judgement.explanation)
        if judgement.stance is Stance.CONTRADICTS
        else None,
    )


def _bounded(groups: list[list[int]], claims: int, *, claims_per_call: int) -> list[list[int]]:
    """Groups cut further so that no answer needs more judgements or reviews than its
    schema allows (items below ``claims`` are claims, the others findings)."""
    bounded = []
    for group in groups:
        current: list[int] = []
        asked = reviewed = 0
        for position in group:
            is_claim = position < claims
            if (is_claim and asked >= claims_per_call) or (
                not is_claim and reviewed >= MAX_REVIEWS
            ):
                bounded.append(current)
                current, asked, reviewed = [], 0, 0
            current.append(position)
            asked += is_claim
            reviewed += not is_claim
        if current:
            bounded.append(current)
    return bounded


def _finding_text(candidate: Candidate, story: Story) -> str:
    """One finding as the model sees it: the claim, the other passage, what differs."""
    verdict = candidate.verdict
    against = (
        "the same source"
        if verdict.against_source_id == verdict.source_id
        else verdict.against_source_id
    )
    evidence = verdict.evidence or ""
    return (
        f"claim: {candidate.claim.quote}\n"
        f"passage of {against}: {evidence}\n"
        f"offline check: {verdict.explanation}"
    )


async def check_source(
    source_id: str,
    claims: list[Claim],
    story: Story,
    context: StageContext,
    *,
    settle: bool = True,
    index: dict[str, dict[str, int]] | None = None,
) -> list[Verdict]:
    """The stance matrix of one source's claims against every other source.

    :param settle: answer the cells the alignment settles without asking the
        model (see :func:`settled_cells`); False asks about every related cell.
    :param index: the story's :func:`sentence_index`, when the caller has it.
    """
    alignment = context.alignment(story)
    prompt = load_prompt("cross_check", context.settings.prompts_dir)
    others = [document for document in story.documents if document.id != source_id]
    settled = (
        settled_cells(claims, [other.id for other in others], story, alignment, index)
        if settle
        else {}
    )
    # Claims with a cell left to judge; a claim settled against every other source is not sent.
    asked = [
        claim for claim in claims if any((claim.id, other.id) not in settled for other in others)
    ]
    judged: dict[tuple[str, str], Verdict] = dict(settled)
    shown: set[tuple[str, str]] = set()
    findings = [c for c in context.candidates if c.verdict.source_id == source_id]
    texts = [claim.text for claim in asked] + [_finding_text(c, story) for c in findings]
    groups = _bounded(
        pack(texts, context.settings.llm_input_budget // 3),
        len(asked),
        claims_per_call=max(1, MAX_JUDGEMENTS // max(1, len(others))),
    )
    # (group, extra): an extra call beyond the source's first counts as a split.
    pending = [(group, number > 0) for number, group in enumerate(groups)]
    while pending:
        group, extra = pending.pop(0)
        batch = [asked[position] for position in group if position < len(asked)]
        to_review = [
            findings[position - len(asked)] for position in group if position >= len(asked)
        ]
        keyed = {f"c{position}": claim for position, claim in enumerate(batch, start=1)}
        reviewed = {f"f{position}": c for position, c in enumerate(to_review, start=1)}
        blocks = []
        shown_sources: dict[str, list[int]] = {}
        for other in others:
            open_claims = [claim for claim in batch if (claim.id, other.id) not in settled]
            related = related_passages(open_claims, other.id, alignment)
            if related:
                passages = [alignment.sentences[other.id][found].text for found in related]
                blocks.append(delimit("passages", "\n".join(passages), source=other.id))
                shown_sources[other.id] = related
                shown.update((claim.id, other.id) for claim in open_claims)
        if not blocks and not reviewed:
            continue
        if extra:
            context.count_split()
        messages = prompt.render(
            # Fenced like the passages: a claim quotes its article, and its source id is
            # input text too. (``source_id`` and ``claims`` stay for --prompts overrides.)
            claims_block=delimit(
                "claims",
                "\n".join(f"{key}: {claim.text}" for key, claim in keyed.items()),
                source=source_id,
            ),
            source_id=source_id,
            claims=[{"key": key, "text": claim.text} for key, claim in keyed.items()],
            others=blocks,
            findings=[
                {"key": key, "text": delimit("finding", _finding_text(c, story), key=key)}
                for key, c in reviewed.items()
            ],
        )
        try:
            answer = await context.client.structured(
                messages,
                StanceMatrix,
                purpose="cross-check",
                usage=context.record_usage,
                prompt_version=prompt.cache_version,
            )
        except RequestRejected as error:
            if not is_context_overflow(error) or len(group) < 2:
                raise
            # Over the model's context: ask about each half instead. The refused call is
            # counted as failed, the second half as a split.
            half = len(group) // 2
            pending[:0] = [(group[:half], False), (group[half:], False)]
            context.count_split()
            continue
        for judgement in answer.judgements:
            claim = keyed.get(judgement.claim)
            if (
                claim is None
                or (claim.id, judgement.source) not in shown
                or (claim.id, judgement.source) in judged
            ):
                continue
            judged[(claim.id, judgement.source)] = _verdict(
                judgement, claim, story, context, alignment, shown_sources[judgement.source]
            )
        for review in answer.reviews:
            candidate = reviewed.get(review.finding)
            if candidate is not None:
                context.record_review(candidate, review.opinion, review.reason)
    verdicts: list[Verdict] = []
    for claim in claims:
        for other in others:
            if (claim.id, other.id) in judged:
                verdicts.append(judged[(claim.id, other.id)])
            elif (claim.id, other.id) in shown:
                verdicts.append(_absent(claim, other.id, "the model gave no judgement", 0.3))
            else:
                verdicts.append(_absent(claim, other.id, "no related passage in this source", 0.8))
    return verdicts


@hookimpl
async def veracity_cross_check(
    story: Story, claims: list[Claim], context: StageContext
) -> list[Verdict]:
    """Cross-check every source's claims with the configured LLM (nothing when offline)."""
    if not context.uses_llm or len(story.documents) < 2:
        return []
    index = sentence_index(context.alignment(story))
    per_source = await asyncio.gather(
        *(
            check_source(document.id, own, story, context, index=index)
            for document in story.documents
            if (own := [claim for claim in claims if claim.source_id == document.id])
            or any(c.verdict.source_id == document.id for c in context.candidates)
        )
    )
    return [verdict for verdicts in per_source for verdict in verdicts]
