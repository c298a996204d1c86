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
import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from veracity.comparison.alignment import ALIGNED, AlignedSentence, StoryAlignment, content_words
from veracity.comparison.calibration import calibrated_confidence
from veracity.comparison.differences import Difference, differences_by_confidence
from veracity.models import (
    Claim,
    Disagreement,
    Document,
    FigureUpdate,
    Span,
    Stance,
    Story,
    Verdict,
)
from veracity.pipeline.context import StageContext
from veracity.pipeline.hookspecs import hookimpl
from veracity.text.dates import dateline_date
from veracity.text.names import case_words, recase
from veracity.text.quantities import find_quantities

NAME = "alignment_check"
# How many of the other source's best matches are compared with a claim.
CANDIDATES = 3
# Sentences of one source this similar report the same thing.
SELF_SIMILAR = 0.6
# Two sentences of one source that differ mostly report two moments or two things (a
# gallery's captions, a list of questions): all seven such findings on the 55 labelled
# real stories were false, so a self-contradiction starts far below the threshold.
SELF_PRIOR = 0.4
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
            split = _split_contradiction(claim, claim_sentence, other, match, alignment, published)
            if split is not None:
                return split
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
    return _contradiction(
        claim,
        other,
        claim_sentence,
        other_sentence.text,
        other_sentence.span,
        differences,
        differences[0].rule,
        published,
    )


_FIGURES = frozenset({Disagreement.NUMBER, Disagreement.DATE})
# What news counts as it grows: a toll, the injured, the arrested, the evacuated.
_RUNNING_COUNT = re.compile(
    r"\b(?:kill|dead|death|die|injur|wound|hurt|missing|victim|casualt|arrest|detain|"
    r"evacuat|hospitali[sz]|toll|rescue|displac|infect|cases)",
    re.IGNORECASE,
)
UNKNOWN_TIMES = (
    " (no publication date is known for both reports: if they were published apart, "
    "this may be an update)"
)


SAME_DAY = " (a running count in reports of the same day: it may have been updated in between)"


def _running_count(differences: Sequence[Difference], claim_text: str) -> bool:
    return bool(differences) and all(
        d.kind is Disagreement.NUMBER
        and _RUNNING_COUNT.search(claim_text[max(0, d.a_span.start - 60) : d.a_span.end + 60])
        for d in differences
    )


def _figure(text: str, span: Span) -> float | None:
    found = find_quantities(text[span.start : span.end])
    return found[0].value if len(found) == 1 else None


def figure_update(
    differences: Sequence[Difference],
    claim_text: str,
    evidence: str,
    source_id: str,
    against_id: str,
    published: dict[str, dt.date | None],
) -> FigureUpdate | bool | None:
    """A running count that grew from an earlier report to a later one: an update.

    Returns the :class:`FigureUpdate`, ``None`` when the difference is no such count,
    or ``False`` when it is one but the reports' publication dates are not both known.
    """
    if not _running_count(differences, claim_text):
        return None
    ours, theirs = published.get(source_id), published.get(against_id)
    if ours is None or theirs is None:
        return False
    if ours == theirs:
        return None
    earlier, later = (source_id, against_id) if ours < theirs else (against_id, source_id)
    for difference in differences:
        mine = _figure(claim_text, difference.a_span)
        other = _figure(evidence, difference.b_span)
        if mine is None or other is None:
            return None
        early_value, late_value = (mine, other) if earlier == source_id else (other, mine)
        if late_value <= early_value:
            return None  # a count that shrank is a disagreement, not news moving on
    return FigureUpdate(
        earlier_source_id=earlier,
        later_source_id=later,
        earlier_published=published[earlier],
        later_published=published[later],
    )


def _contradiction(
    claim: Claim,
    other: Document,
    claim_sentence: str,
    evidence: str,
    evidence_span: Span,
    differences: Sequence[Difference],
    rule: str,
    published: dict[str, dt.date | None],
) -> Verdict:
    """A contradicting verdict, or an update when a running count grew between reports."""
    strongest = differences[0]
    explanation = "; ".join(difference.explanation for difference in differences)
    update = figure_update(
        differences, claim_sentence, evidence, claim.source_id, other.id, published
    )
    if update is False:
        rule = f"{rule}.count"
        explanation += UNKNOWN_TIMES
    elif update is None and _running_count(differences, claim_sentence):
        # Dated the same day: hours apart, a count may have been updated; calibrated apart.
        rule = f"{rule}.count"
        explanation += SAME_DAY
    elif isinstance(update, FigureUpdate):
        explanation = (
            f"updated: {explanation} (reported by {update.earlier_source_id} on "
            f"{update.earlier_published}, by {update.later_source_id} on {update.later_published})"
        )
    return Verdict(
        claim_id=claim.id,
        source_id=claim.source_id,
        against_source_id=other.id,
        stance=Stance.CONTRADICTS,
        disagreement=strongest.kind,
        evidence=evidence,
        evidence_span=evidence_span,
        explanation=explanation,
        confidence=calibrated_confidence(rule, strongest.confidence),
        checker=NAME,
        rule=rule,
        update=update if isinstance(update, FigureUpdate) else None,
    )


def _split_contradiction(
    claim: Claim,
    claim_sentence: str,
    other: Document,
    match: AlignedSentence,
    alignment: StoryAlignment,
    published: dict[str, dt.date | None],
) -> Verdict | None:
    """A figure the other source states in the sentence after the one that matches.

    A rewrite that splits "A ship struck a bridge and 25 people were injured" into "A
    ship has struck a bridge. Police say 27 people are injured." matches the first half
    and leaves the figure in the next sentence: read the two together, and only a
    changed number or date counts (the rest of the pair is about other things).
    """
    sentences = alignment.sentences[other.id]
    index = match.other_index
    if index + 1 >= len(sentences) or sentences[index + 1].paragraph != sentences[index].paragraph:
        return None
    span = Span(start=sentences[index].span.start, end=sentences[index + 1].span.end)
    joined = other.text[span.start : span.end]
    differences = [
        difference
        for difference in differences_by_confidence(
            claim_sentence, joined, published[claim.source_id], published[other.id]
        )
        if difference.kind in _FIGURES
        and difference.b_span.start >= sentences[index + 1].span.start - span.start
    ]
    if not differences:
        return None
    return _contradiction(
        claim, other, claim_sentence, joined, span, differences, differences[0].rule, published
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
        matches = alignment.matches(claim.source_id, index, other.id, limit=CANDIDATES)
        verdict = _verdict_from_matches(claim, claim_sentence, other, matches, alignment, published)
        if verdict is None:
            similarity = alignment.best_similarity(claim.source_id, index, other.id)
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


def _earliest_difference(
    alignment: StoryAlignment,
    source_id: str,
    row: int,
    matrix: npt.NDArray[np.float32],
    published: dt.date | None,
) -> tuple[int, tuple[Difference, ...]] | None:
    """The first sentence of the source that reports the same as the text of ``row``
    (similarity at least SELF_SIMILAR) and differs from it, with the differences.

    Only distinct texts are compared, in the order they first appear: a text repeated
    all through a long paragraph costs one comparison, not one per repeat.
    """
    text = alignment.sentences[source_id][alignment.first_with_row(source_id, row)].text
    for other_row in np.flatnonzero(matrix[row] >= SELF_SIMILAR).tolist():
        earlier = alignment.first_with_row(source_id, other_row)
        differences = differences_by_confidence(
            text, alignment.sentences[source_id][earlier].text, published, published
        )
        if differences:
            return earlier, differences
    return None


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
        matrix = alignment.distinct_matrix(document.id, document.id)
        # Sentences of the same text compare alike: each distinct text is compared once,
        # and the earliest sentence it differs from is kept (None: it differs from none).
        earliest: dict[int, tuple[int, tuple[Difference, ...]] | None] = {}
        for later in range(len(sentences)):
            later_claim = by_sentence.get((document.id, later))
            if later_claim is None:
                continue
            row = alignment.row_of(document.id, later)
            if row not in earliest:
                earliest[row] = _earliest_difference(
                    alignment, document.id, row, matrix, published[document.id]
                )
            found = earliest[row]
            if found is None or found[0] >= later:
                continue
            earlier, differences = found
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
                    confidence=calibrated_confidence(
                        f"self.{differences[0].rule}",
                        differences[0].confidence * SELF_PRIOR,
                    ),
                    checker=NAME,
                    rule=f"self.{differences[0].rule}",
                )
            )
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
    # Recasing keeps every character, and content words are case-folded: which titles
    # count is known before recasing, and those titles' words are looked up in one pass.
    titled = [
        document
        for document in story.documents
        if len(set(content_words(document.title.strip()))) >= 3
    ]
    words = frozenset().union(*(case_words(document.title.strip()) for document in titled))
    verdicts = []
    for document in titled:
        title = recase(document.title.strip(), references, words=words)
        title_words = set(content_words(title))
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
                confidence=calibrated_confidence(
                    f"headline.{differences[0].rule}", differences[0].confidence
                ),
                checker=NAME,
                rule=f"headline.{differences[0].rule}",
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
