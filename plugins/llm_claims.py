"""LLM claim extraction: atomic, self-contained claims, each backed by a verbatim quote.

One call per source (more only when a source is over the token budget).
Every quote the model gives is looked up in the source; a claim whose quote
is not there is dropped and counted as a hallucination, never reported.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from veracity.llm.chunking import chunk_spans
from veracity.llm.prompt_templates import attribute_value, delimit, load_prompt
from veracity.models import Claim, ClaimKind, Document, DroppedItem, Story
from veracity.pipeline.context import StageContext
from veracity.pipeline.hookspecs import hookimpl
from veracity.text.quote_matching import locate_quote

NAME = "llm_claims"


class ExtractedClaim(BaseModel):
    """One claim as the model states it."""

    text: str = Field(description="The claim, self-contained: who did what, where, when, how much.")
    quote: str = Field(description="Passage copied character for character from the article.")
    kind: ClaimKind = Field(description="fact, quote, number, date or entity.")


class ExtractedClaims(BaseModel):
    """The model's answer: the claims of one article."""

    claims: list[ExtractedClaim]


async def extract(document: Document, context: StageContext) -> list[Claim]:
    """Ask the model for the document's claims and keep those whose quote is in the document."""
    prompt = load_prompt("extract_claims", context.settings.prompts_dir)
    chunks = chunk_spans(document.text, context.settings.llm_input_budget)
    claims: list[Claim] = []
    for number, chunk in enumerate(chunks):
        if number:
            context.count_split()
        messages = prompt.render(
            # Escaped: the id is input text (a file name, a JSONL field) outside the fence.
            source_id=attribute_value(document.id),
            article=delimit("article", chunk.of(document.text), id=document.id),
        )
        answer = await context.client.structured(
            messages,
            ExtractedClaims,
            purpose="extract-claims",
            usage=context.record_usage,
            prompt_version=prompt.cache_version,
        )
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
