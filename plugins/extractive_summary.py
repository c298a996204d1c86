"""Offline summary: the most central sentences across sources, each citing its sources.

A sentence is central when other sources report the same thing. The summary
takes the most widely carried sentences first, skips any that repeat one
already taken, and cites every source that carries each one.
"""

from __future__ import annotations

import re

from veracity import hookimpl
from veracity.alignment import ALIGNED, StoryAlignment
from veracity.context import StageContext
from veracity.models import Story, Summary, SummarySentence

NAME = "extractive_summary"
# Two sentences this similar say the same thing; the summary keeps one.
REPEATS = 0.5
MIN_WORDS = 6
_WORD = re.compile(r"\w+")


def _candidates(story: Story, alignment: StoryAlignment) -> list[tuple[float, float, str, int, list[str]]]:
    """(support, centrality, source, index, carrying sources) for every usable sentence."""
    order = {source_id: position for position, source_id in enumerate(story.source_ids)}
    candidates = []
    for source_id, sentences in alignment.sentences.items():
        for index, sentence in enumerate(sentences):
            if len(_WORD.findall(sentence.text)) < MIN_WORDS:
                continue
            carriers = [source_id]
            centrality = 0.0
            for other in story.source_ids:
                if other == source_id:
                    continue
                match = alignment.best_match(source_id, index, other)
                if match is not None and match.similarity >= ALIGNED:
                    carriers.append(other)
                    centrality += match.similarity
            # Leads carry the story: a small bonus for sentences early in their source.
            position_bonus = 0.3 / (1 + index)
            carriers.sort(key=order.__getitem__)
            candidates.append((len(carriers), centrality + position_bonus, source_id, index, carriers))
    candidates.sort(key=lambda c: (-c[0], -c[1], order[c[2]], c[3]))
    return candidates


def _repeats(alignment: StoryAlignment, chosen: list[tuple[str, int]], source_id: str, index: int) -> bool:
    for other_source, other_index in chosen:
        matrix = alignment.similarity_matrix(source_id, other_source)
        if matrix[index, other_index] >= REPEATS:
            return True
    return False


def extractive_summary(story: Story, alignment: StoryAlignment, *, sentences: int) -> Summary:
    """The ``sentences`` most central, mutually distinct sentences, in reading order."""
    chosen: list[tuple[str, int]] = []
    cited: dict[tuple[str, int], list[str]] = {}
    for _, _, source_id, index, carriers in _candidates(story, alignment):
        if len(chosen) >= sentences:
            break
        if _repeats(alignment, chosen, source_id, index):
            continue
        chosen.append((source_id, index))
        cited[(source_id, index)] = carriers

    def reading_position(key: tuple[str, int]) -> tuple[float, int]:
        source_id, index = key
        return index / max(len(alignment.sentences[source_id]), 1), story.source_ids.index(source_id)

    return Summary(
        sentences=[
            SummarySentence(text=alignment.sentences[key[0]][key[1]].text, source_ids=cited[key])
            for key in sorted(chosen, key=reading_position)
        ],
        summarizer=NAME,
    )


@hookimpl(trylast=True)
def veracity_summarize(story: Story, context: StageContext) -> Summary | None:
    """Summarize the story from its most widely reported sentences."""
    return extractive_summary(
        story, context.alignment(story), sentences=context.settings.summary_sentences
    )
