"""LLM summary: a neutral summary across all sources, each sentence citing its sources.

One call when the articles fit the token budget; otherwise map-reduce: the
articles are summarized in groups (long articles in pieces) and the partial
summaries merged, each extra call counted. Nothing is silently truncated.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from pydantic import BaseModel, Field

from veracity.llm.chunking import chunk_spans, pack
from veracity.llm.errors import RequestRejected, is_context_overflow
from veracity.llm.prompt_templates import delimit, fence_text, load_prompt
from veracity.models import DroppedItem, Story, Summary, SummarySentence
from veracity.pipeline.context import StageContext
from veracity.pipeline.hookspecs import hookimpl

NAME = "llm_summary"
# Bounds in the response schema (see llm_claims): sentences, their length, their citations.
MAX_SENTENCE = 400
MAX_SENTENCES = 12
MAX_SOURCES = 60
MAX_ID = 200
# The smallest budget a refused summary is tried again with.
MIN_BUDGET = 100


class CitedSentence(BaseModel):
    """A summary sentence as the model writes it."""

    text: str = Field(max_length=MAX_SENTENCE)
    sources: list[Annotated[str, Field(max_length=MAX_ID)]] = Field(
        max_length=MAX_SOURCES, description="Ids of the articles the sentence rests on."
    )


class WrittenSummary(BaseModel):
    """The model's answer: the summary sentences."""

    sentences: list[CitedSentence] = Field(max_length=MAX_SENTENCES)


def _articles(story: Story, budget: int) -> list[str]:
    """Every article delimited, long ones in pieces that each fit the budget."""
    pieces = []
    for document in story.documents:
        for span in chunk_spans(document.text, budget):
            pieces.append(delimit("article", span.of(document.text), id=document.id))
    return pieces


async def _ask(prompt_name: str, context: StageContext, **variables: object) -> WrittenSummary:
    prompt = load_prompt(prompt_name, context.settings.prompts_dir)
    return await context.client.structured(
        prompt.render(**variables),
        WrittenSummary,
        purpose="summarize",
        usage=context.record_usage,
        prompt_version=prompt.cache_version,
    )


def _to_summary(written: WrittenSummary, story: Story, context: StageContext) -> Summary:
    known = set(story.source_ids)
    sentences = []
    for sentence in written.sentences:
        cited = [source for source in dict.fromkeys(sentence.sources) if source in known]
        if not cited:
            context.drop(
                DroppedItem(
                    kind="summary_sentence",
                    text=sentence.text,
                    reason=f"cites no source of the story ({', '.join(sentence.sources) or 'none'})",
                    plugin=NAME,
                )
            )
            continue
        sentences.append(SummarySentence(text=sentence.text.strip(), source_ids=cited))
    return Summary(sentences=sentences, summarizer=NAME)


def _usable(summary: Summary, context: StageContext) -> Summary | None:
    if summary.sentences:
        return summary
    # Better the offline summary than none: the next summarizer gets its turn.
    context.warn("the model's summary had no sentence citing a source of the story", plugin=NAME)
    return None


async def summarize(story: Story, context: StageContext) -> Summary:
    """Summarize the story in one call, or map-reduce when it is over the token budget.

    An endpoint that refuses a call as longer than its context gets the same work again
    in pieces of half the budget (each refusal counted as a failed call, each extra piece
    as a split).
    """
    budget = context.settings.llm_input_budget
    while True:
        try:
            return await _summarize(story, context, budget)
        except RequestRejected as error:
            if not is_context_overflow(error) or budget // 2 < MIN_BUDGET:
                raise
            budget //= 2


async def _summarize(story: Story, context: StageContext, budget: int) -> Summary:
    sentences = context.settings.summary_sentences
    articles = _articles(story, budget)
    groups = pack(articles, budget)
    if len(groups) == 1:
        written = await _ask("summarize", context, articles=articles, sentences=sentences)
        return _to_summary(written, story, context)
    for _ in groups:
        context.count_split()
    # Every piece is awaited to its end, failed or not, so that each call's usage is
    # recorded before a failure (a context overflow, say) is raised.
    outcomes = await asyncio.gather(
        *(
            _ask(
                "summarize",
                context,
                articles=[articles[index] for index in group],
                sentences=sentences,
            )
            for group in groups
        ),
        return_exceptions=True,
    )
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    partials = [outcome for outcome in outcomes if isinstance(outcome, WrittenSummary)]
    # The partial summaries repeat article text: none of it may close their fence.
    lines = [
        fence_text("partial_summaries", f"[{', '.join(sentence.sources)}] {sentence.text}")
        for partial in partials
        for sentence in partial.sentences
    ]
    return _to_summary(
        await _ask("merge_summaries", context, lines=lines, sentences=sentences), story, context
    )


@hookimpl
async def veracity_summarize(story: Story, context: StageContext) -> Summary | None:
    """Summarize the story with the configured LLM; None when offline."""
    if not context.uses_llm:
        return None
    return _usable(await summarize(story, context), context)
