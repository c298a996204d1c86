"""Offline cross-check: align each claim with the other sources and compare.

For every claim and every other source, the best-matching sentences of that
source are compared with the claim's sentence. A match that differs in a
quote, number, date, name or polarity contradicts the claim; a close match
with no difference supports it; no match at all leaves the claim absent from
that source (unverified there, which is not the same as wrong). Sentences of
one source that report the same thing differently are a self-contradiction, and
so is a headline that its own body contradicts.

A source with no publication date takes the one its dateline gives ("LONDON,
July 19 (Reuters) –"), the year from the story's other sources, so that its
weekdays resolve like theirs.
"""

from __future__ import annotations

import datetime as dt

from veracity.comparison.alignment import ALIGNED, AlignedSentence, StoryAlignment, content_words
from veracity.comparison.differences import Difference, differences_by_confidence
from veracity.models import Claim, Document, Stance, Story, Verdict
from veracity.pipeline.context import StageContext
from veracity.pipeline.hookspecs import hookimpl
from veracity.text.dates import dateline_date
from veracity.text.names import recase

NAME = "alignment_check"
# How many of the other source's best matches are compared with a claim.
CANDIDATES = 3
# Sentences of one source this similar report the same thing.
SELF_SIMILAR = 0.6
# Share of a headline's content words a body sentence must hold to be compared with it.
HEADLINE_OVERLAP = 0.5


def publication_dates(story: Story) -> dict[str, dt.date | None]:
    """Each source's publication date; from its dateline when it states none."""
    known = [document.published for document in story.documents if document.published]
    return {
        document.id: document.published or dateline_date(document.text, known)
        for document in story.documents
    }


def _verdict_from_matches(
    claim: Claim,
    claim_sentence: str,
    other: Document,
    matches: list[AlignedSentence],
    alignment: StoryAlignment,
    published: dict[str, dt.date | None],
) -> Verdict | None:
    contradiction: tuple[AlignedSentence, tuple[Difference, ...]] | None = None
    for match in matches:
        other_sentence = alignment.sentences[other.id][match.other_index]
        differences = differences_by_confidence(
            claim_sentence, other_sentence.text, published[claim.source_id], published[other.id]
        )
        if not differences:
            return Verdict(
                claim_id=claim.id,
                source_id=claim.source_id,
                against_source_id=other.id,
                stance=Stance.SUPPORTS,
                evidence=other_sentence.text,
                evidence_span=other_sentence.span,
                explanation=f"{other.id} reports the same (similarity {match.similarity:.2f})",
                confidence=round(min(1.0, 0.5 + match.similarity / 2), 3),
                checker=NAME,
            )
        if contradiction is None:
            contradiction = (match, differences)
    if contradiction is None:
        return None
    match, differences = contradiction
    other_sentence = alignment.sentences[other.id][match.other_index]
    strongest = differences[0]
    return Verdict(
        claim_id=claim.id,
        source_id=claim.source_id,
        against_source_id=other.id,
        stance=Stance.CONTRADICTS,
        disagreement=strongest.kind,
        evidence=other_sentence.text,
        evidence_span=other_sentence.span,
        explanation="; ".join(difference.explanation for difference in differences),
        confidence=round(strongest.confidence * min(1.0, match.similarity / ALIGNED / 1.5), 3),
        checker=NAME,
    )


def check_claim(
    claim: Claim,
    story: Story,
    alignment: StoryAlignment,
    published: dict[str, dt.date | None] | None = None,
) -> list[Verdict]:
    """The claim's verdict against every other source of the story.

    ``published`` maps source ids to publication dates (default: each
    source's own, or its dateline's; see :func:`publication_dates`).
    """
    if published is None:
        published = publication_dates(story)
    index = alignment.sentence_at(claim.source_id, claim.span.start, claim.span.end)
    if index is None:
        index = alignment.sentence_at(claim.source_id, claim.span.start, claim.span.start)
    if index is None:
        return []
    claim_sentence = alignment.sentences[claim.source_id][index].text
    verdicts = []
    for other in story.documents:
        if other.id == claim.source_id:
            continue
        matches = alignment.matches(claim.source_id, index, other.id)[:CANDIDATES]
        verdict = _verdict_from_matches(claim, claim_sentence, other, matches, alignment, published)
        if verdict is None:
            best = alignment.best_match(claim.source_id, index, other.id)
            similarity = best.similarity if best is not None else 0.0
            verdict = Verdict(
                claim_id=claim.id,
                source_id=claim.source_id,
                against_source_id=other.id,
                stance=Stance.ABSENT,
                explanation=f"{other.id} does not report this (best similarity {similarity:.2f})",
                confidence=round(max(0.0, 1.0 - similarity / ALIGNED / 1.5), 3),
                checker=NAME,
            )
        verdicts.append(verdict)
    return verdicts


def self_contradictions(
    claims: list[Claim],
    story: Story,
    alignment: StoryAlignment,
    published: dict[str, dt.date | None] | None = None,
) -> list[Verdict]:
    """Verdicts for sentences of one source that report the same thing differently."""
    if published is None:
        published = publication_dates(story)
    verdicts = []
    by_sentence: dict[tuple[str, int], Claim] = {}
    for claim in claims:
        index = alignment.sentence_at(claim.source_id, claim.span.start, claim.span.end)
        if index is not None:
            by_sentence.setdefault((claim.source_id, index), claim)
    for document in story.documents:
        sentences = alignment.sentences[document.id]
        matrix = alignment.similarity_matrix(document.id, document.id)
        for later in range(len(sentences)):
            later_claim = by_sentence.get((document.id, later))
            if later_claim is None:
                continue
            for earlier in range(later):
                if matrix[later, earlier] < SELF_SIMILAR:
                    continue
                differences = differences_by_confidence(
                    sentences[later].text,
                    sentences[earlier].text,
                    published[document.id],
                    published[document.id],
                )
                if differences:
                    verdicts.append(
                        Verdict(
                            claim_id=later_claim.id,
                            source_id=document.id,
                            against_source_id=document.id,
                            stance=Stance.CONTRADICTS,
                            disagreement=differences[0].kind,
                            evidence=sentences[earlier].text,
                            evidence_span=sentences[earlier].span,
                            explanation="contradicts an earlier sentence of the same source: "
                            + "; ".join(difference.explanation for difference in differences),
                            confidence=round(differences[0].confidence * 0.9, 3),
                            checker=NAME,
                        )
                    )
                    break
    return verdicts


def headline_contradictions(
    claims: list[Claim],
    story: Story,
    alignment: StoryAlignment,
    published: dict[str, dt.date | None] | None = None,
) -> list[Verdict]:
    """Verdicts for headlines that their own body contradicts.

    The headline has no span in the text, so the verdict sits on the body
    sentence that reports the same thing, with the headline as its evidence
    (without a span) and quoted in the explanation. A Title Case headline is first
    given the casing the story's texts use, so that "Meets With" is read as
    words and not as a name.
    """
    if published is None:
        published = publication_dates(story)
    by_sentence: dict[tuple[str, int], Claim] = {}
    for claim in claims:
        index = alignment.sentence_at(claim.source_id, claim.span.start, claim.span.end)
        if index is not None:
            by_sentence.setdefault((claim.source_id, index), claim)
    references = [document.text for document in story.documents]
    verdicts = []
    for document in story.documents:
        title = recase(document.title.strip(), references)
        title_words = set(content_words(title))
        if len(title_words) < 3:
            continue
        scored = []
        for index, sentence in enumerate(alignment.sentences[document.id]):
            if (document.id, index) not in by_sentence:
                continue
            overlap = len(title_words & set(content_words(sentence.text))) / len(title_words)
            if overlap >= HEADLINE_OVERLAP:
                scored.append((-overlap, index))
        found: tuple[int, tuple[Difference, ...]] | None = None
        for _, index in sorted(scored)[:CANDIDATES]:
            sentence = alignment.sentences[document.id][index]
            differences = differences_by_confidence(
                title, sentence.text, published[document.id], published[document.id]
            )
            if not differences:
                found = None
                break
            if found is None:
                found = (index, differences)
        if found is None:
            continue
        index, differences = found
        verdicts.append(
            Verdict(
                claim_id=by_sentence[(document.id, index)].id,
                source_id=document.id,
                against_source_id=document.id,
                stance=Stance.CONTRADICTS,
                disagreement=differences[0].kind,
                # The headline is the other passage; it has no place in the text.
                evidence=document.title.strip(),
                evidence_span=None,
                explanation=f"the headline '{document.title.strip()}' contradicts the body: "
                + "; ".join(difference.explanation for difference in differences),
                confidence=round(differences[0].confidence * 0.9, 3),
                checker=NAME,
            )
        )
    return verdicts


@hookimpl(trylast=True)
def veracity_cross_check(story: Story, claims: list[Claim], context: StageContext) -> list[Verdict]:
    """Judge every claim against every other source by sentence alignment and comparison."""
    if context.uses_llm:
        return []
    alignment = context.alignment(story)
    published = publication_dates(story)
    verdicts = [
        verdict for claim in claims for verdict in check_claim(claim, story, alignment, published)
    ]
    verdicts.extend(self_contradictions(claims, story, alignment, published))
    verdicts.extend(headline_contradictions(claims, story, alignment, published))
    return verdicts
