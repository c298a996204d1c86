"""Whether a passage another source offers as evidence is about a claim at all.

A model's "supports" or "contradicts" must rest on a passage that the
alignment relates to the claim: the two sentences are similar (the TF-IDF
cosine the alignment already computes), or they share content words, or a
quantity. "Ninety thousand homes" is not supported by "The dam opened on
Tuesday", however verbatim that sentence is in the other source.
"""

from __future__ import annotations

from veracity.comparison.alignment import StoryAlignment, content_words
from veracity.models import Span

# Sentences at least this similar are related (the cross-check shows the model such passages).
RELATED = 0.12
# Content words two texts must share to be about the same thing, whatever their similarity.
SHARED_WORDS = 2


def _sentences_over(alignment: StoryAlignment, source_id: str, span: Span) -> list[int]:
    """Indices of the sentences of a source that overlap a span."""
    return alignment.sentences_over(source_id, span.start, max(span.end, span.start + 1))


def evidence_relation(
    alignment: StoryAlignment,
    *,
    claim_source: str,
    claim_span: Span,
    claim_text: str,
    other_source: str,
    evidence_span: Span,
    evidence: str,
) -> str | None:
    """Why the evidence is about the claim, or None when nothing relates them.

    :return: "similar sentences (0.43)", "shared words: ..." or "shared quantity: ...".
    """
    claim_words = set(content_words(claim_text))
    own = _sentences_over(alignment, claim_source, claim_span)
    for index in own:
        claim_words |= set(content_words(alignment.sentences[claim_source][index].text))
    shared = claim_words & set(content_words(evidence))
    quantities = sorted(word for word in shared if any(char.isdigit() for char in word))
    if quantities:
        return f"shared quantity: {', '.join(quantities)}"
    if len(shared) >= SHARED_WORDS:
        return f"shared words: {', '.join(sorted(shared)[:5])}"
    theirs = _sentences_over(alignment, other_source, evidence_span)
    if shared and own and theirs:
        best = max(
            alignment.similarity(claim_source, i, other_source, j) for i in own for j in theirs
        )
        if best >= RELATED:
            return f"similar sentences ({best:.2f})"
    return None
