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
"""

from __future__ import annotations

import asyncio

from pydantic import BaseModel, Field

from veracity.comparison.alignment import StoryAlignment, content_words
from veracity.llm.chunking import pack
from veracity.llm.prompt_templates import delimit, load_prompt
from veracity.models import Claim, Disagreement, DroppedItem, Span, Stance, Story, Verdict
from veracity.pipeline.context import StageContext
from veracity.pipeline.hookspecs import hookimpl
from veracity.text.quote_matching import locate_quote

NAME = "llm_check"
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
        index = _claim_sentence(claim, alignment)
        if index is None:
            continue
        for match in alignment.matches(claim.source_id, index, other_id, minimum=RELATED)[
            :PASSAGES_PER_CLAIM
        ]:
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
    groups = pack([claim.text for claim in asked], context.settings.llm_input_budget // 3)
    for number, group in enumerate(groups):
        batch = [asked[position] for position in group]
        keyed = {f"c{position}": claim for position, claim in enumerate(batch, start=1)}
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
        if not blocks:
            continue
        if number:
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
                or (claim.id, judgement.source) not in shown
                or (claim.id, judgement.source) in judged
            ):
                continue
            judged[(claim.id, judgement.source)] = _verdict(
                judgement, claim, story, context, alignment, shown_sources[judgement.source]
            )
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
        )
    )
    return [verdict for verdicts in per_source for verdict in verdicts]
