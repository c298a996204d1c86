"""LLM summary: a neutral summary across all sources, each sentence citing its sources.

One call when the articles fit the token budget; otherwise map-reduce: the
articles are summarized in groups (long articles in pieces) and the partial
summaries merged, each extra call counted. Nothing is silently truncated.
"""

from __future__ import annotations

import asyncio

from pydantic import BaseModel, Field

from veracity.llm.chunking import chunk_spans, pack
from veracity.llm.prompt_templates import delimit, fence_text, load_prompt
from veracity.models import DroppedItem, Story, Summary, SummarySentence
from veracity.pipeline.context import StageContext
from veracity.pipeline.hookspecs import hookimpl

NAME = "llm_summary"


class CitedSentence(BaseModel):
    """A summary sentence as the model writes it."""

    text: str
    sources: list[str] = Field(description="Ids of the articles the sentence rests on.")


class WrittenSummary(BaseModel):
    """The model's answer: the summary sentences."""

    sentences: list[CitedSentence]


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
    """Summarize the story in one call, or map-reduce when it is over the token budget."""
    budget = context.settings.llm_input_budget
    sentences = context.settings.summary_sentences
    articles = _articles(story, budget)
    groups = pack(articles, budget)
    if len(groups) == 1:
        written = await _ask("summarize", context, articles=articles, sentences=sentences)
        return _to_summary(written, story, context)
    for _ in groups:
        context.count_split()
    partials = await asyncio.gather(
        *(
            _ask(
                "summarize",
                context,
                articles=[articles[index] for index in group],
                sentences=sentences,
            )
            for group in groups
        )
    )
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
