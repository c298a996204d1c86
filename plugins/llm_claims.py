"""LLM claim extraction: atomic, self-contained claims, each backed by a verbatim quote.

One call per source (more only when a source is over the token budget).
Every quote the model gives is looked up in the source; a claim whose quote
is not there is dropped and counted as a hallucination, never reported.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from veracity.llm.chunking import chunk_spans
from veracity.llm.errors import RequestRejected, is_context_overflow
from veracity.llm.prompt_templates import attribute_value, delimit, load_prompt
from veracity.models import Claim, ClaimKind, Document, DroppedItem, Span, Story
from veracity.pipeline.context import StageContext
from veracity.pipeline.hookspecs import hookimpl
from veracity.text.quote_matching import locate_quote

NAME = "llm_claims"
# Bounds in the response schema: a small model rambles inside a string or a list until the
# token limit; a grammar-enforcing server stops it at these, any other answer is re-asked.
MAX_TEXT = 300
MAX_QUOTE = 600
MAX_CLAIMS = 40


class ExtractedClaim(BaseModel):
    """One claim as the model states it."""

    text: str = Field(
        max_length=MAX_TEXT,
        description="The claim, self-contained: who did what, where, when, how much.",
    )
    quote: str = Field(
        max_length=MAX_QUOTE,
        description="Passage copied character for character from the article.",
    )
    kind: ClaimKind = Field(description="fact, quote, number, date or entity.")


class ExtractedClaims(BaseModel):
    """The model's answer: the claims of one article."""

    claims: list[ExtractedClaim] = Field(max_length=MAX_CLAIMS)


def _halves(text: str, chunk: Span, budget: int) -> list[Span]:
    """The chunk cut at sentence ends into pieces of half the budget (offsets into ``text``)."""
    start = chunk.start
    return [
        Span(start=start + piece.start, end=start + piece.end)
        for piece in chunk_spans(chunk.of(text), max(1, budget // 2))
    ]


async def extract(document: Document, context: StageContext) -> list[Claim]:
    """Ask the model for the document's claims and keep those whose quote is in the document."""
    prompt = load_prompt("extract_claims", context.settings.prompts_dir)
    budget = context.settings.llm_input_budget
    # (chunk, its budget, extra): an extra call beyond the source's first counts as a split.
    pending = [
        (chunk, budget, number > 0)
        for number, chunk in enumerate(chunk_spans(document.text, budget))
    ]
    claims: list[Claim] = []
    while pending:
        chunk, chunk_budget, extra = pending.pop(0)
        if extra:
            context.count_split()
        messages = prompt.render(
            # Escaped: the id is input text (a file name, a JSONL field) outside the fence.
            source_id=attribute_value(document.id),
            article=delimit("article", chunk.of(document.text), id=document.id),
        )
        try:
            answer = await context.client.structured(
                messages,
                ExtractedClaims,
                purpose="extract-claims",
                usage=context.record_usage,
                prompt_version=prompt.cache_version,
            )
        except RequestRejected as error:
            pieces = _halves(document.text, chunk, chunk_budget)
            if not is_context_overflow(error) or len(pieces) < 2:
                raise
            # Over the model's context: the chunk again in pieces of half the budget.
            pending[:0] = [(piece, chunk_budget // 2, n > 0) for n, piece in enumerate(pieces)]
            continue
        for extracted in answer.claims:
            span = locate_quote(extracted.quote, document.text)
            if span is None:
                context.drop(
                    DroppedItem(
                        kind="claim",
                        source_id=document.id,
                        text=extracted.text,
                        reason=f"its quote is not in the source: {extracted.quote[:120]!r}",
                        plugin=NAME,
                    ),
                    hallucinated=True,
                )
                continue
            claims.append(
                Claim.make(
                    source_id=document.id,
                    text=extracted.text.strip(),
                    quote=span.of(document.text),
                    span=span,
                    kind=extracted.kind,
                    extractor=NAME,
                )
            )
    return claims


@hookimpl
async def veracity_extract_claims(
    document: Document, story: Story, context: StageContext
) -> list[Claim]:
    """Extract the document's claims with the configured LLM (nothing when offline)."""
    if not context.uses_llm:
        return []
    return await extract(document, context)
