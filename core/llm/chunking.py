"""Cutting long inputs into pieces that fit an LLM call's token budget."""

from __future__ import annotations

from collections.abc import Sequence

from veracity.llm.client import estimate_tokens
from veracity.models import Span
from veracity.text.segmentation import split_sentences


def chunk_spans(text: str, budget_tokens: int) -> list[Span]:
    """Spans of ``text`` of at most ``budget_tokens`` each, cut at sentence ends.

    A single sentence longer than the budget is a chunk of its own: it is
    never cut mid-sentence, so a quote is never split between two calls.
    """
    chunks: list[Span] = []
    start: int | None = None
    end = 0
    used = 0
    for sentence in split_sentences(text):
        cost = estimate_tokens(sentence.text)
        if start is not None and used + cost > budget_tokens:
            chunks.append(Span(start=start, end=end))
            start, used = None, 0
        if start is None:
            start = sentence.span.start
        end = sentence.span.end
        used += cost
    if start is not None:
        chunks.append(Span(start=start, end=end))
    return chunks


def pack(items: Sequence[str], budget_tokens: int) -> list[list[int]]:
    """Indices of ``items`` grouped in order so each group fits the budget (one item at least)."""
    groups: list[list[int]] = []
    used = 0
    for index, item in enumerate(items):
        cost = estimate_tokens(item)
        if groups and used + cost <= budget_tokens:
            groups[-1].append(index)
            used += cost
        else:
            groups.append([index])
            used = cost
    return groups
