"""Offline claim extraction: every substantive sentence of a source is a claim.

Sentences are the unit the offline cross-check aligns and compares, so each
claim's quote is its whole sentence and its span is exact. Fragments too
short to assert anything are skipped.
"""

from __future__ import annotations

import re

from veracity.models import Claim, ClaimKind, Document, Story
from veracity.pipeline.context import StageContext
from veracity.pipeline.hookspecs import hookimpl

NAME = "sentence_claims"
MIN_WORDS = 5

_QUOTE_MARKS = re.compile(r"[\"“”„«»‘’‚]|(?:^|\s)'")
_NUMBER = re.compile(r"\d")
_DATE = re.compile(
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|"
    r"april|may|june|july|august|september|october|november|december|jan|feb|aug|sept?|oct|"
    r"nov|dec)\b\.?",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+")


def claim_kind(sentence: str) -> ClaimKind:
    """What a sentence mostly asserts: a quotation, a number, a date or a fact."""
    if _QUOTE_MARKS.search(sentence.replace("’s", "").replace("'s", "")):
        return ClaimKind.QUOTE
    if _NUMBER.search(sentence):
        return ClaimKind.NUMBER
    if _DATE.search(sentence):
        return ClaimKind.DATE
    return ClaimKind.FACT


@hookimpl(trylast=True)
def veracity_extract_claims(document: Document, story: Story, context: StageContext) -> list[Claim]:
    """One claim per sentence of the document, with the sentence as its quote."""
    if context.uses_llm:
        # An LLM extractor writes atomic claims; sentence claims would double-count them.
        return []
    alignment = context.alignment(story)
    claims = []
    for sentence in alignment.sentences[document.id]:
        if len(_WORD.findall(sentence.text)) < MIN_WORDS:
            continue
        claims.append(
            Claim.make(
                source_id=document.id,
                text=sentence.text,
                quote=sentence.text,
                span=sentence.span,
                kind=claim_kind(sentence.text),
                extractor=NAME,
            )
        )
    return claims
