"""Offline summary: the most central sentences across sources, each citing its sources.

A sentence is central when other sources report the same thing. The summary
takes the most widely carried sentences first, skips any that repeat one
already taken, and cites every source that carries each one.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from veracity.comparison.alignment import ALIGNED, StoryAlignment
from veracity.comparison.differences import differences_by_confidence
from veracity.models import Story, Summary, SummarySentence
from veracity.pipeline.context import StageContext
from veracity.pipeline.hookspecs import hookimpl

NAME = "extractive_summary"
# Two sentences this similar say the same thing; the summary keeps one.
REPEATS = 0.5
MIN_WORDS = 6
_WORD = re.compile(r"\w+")


class Candidate(NamedTuple):
    """A sentence that could go into the summary."""

    support: int
    centrality: float
    source_id: str
    sentence_index: int
    carriers: list[str]


def _candidates(story: Story, alignment: StoryAlignment) -> list[Candidate]:
    """Every usable sentence, most widely carried and most central first."""
    order = {source_id: position for position, source_id in enumerate(story.source_ids)}
    source_ids = story.source_ids
    candidates: list[Candidate] = []
    for source_id, sentences in alignment.sentences.items():
        for index, sentence in enumerate(sentences):
            if len(_WORD.findall(sentence.text)) < MIN_WORDS:
                continue
            carriers = [source_id]
            centrality = 0.0
            for other in source_ids:
                if other == source_id:
                    continue
                similarity = alignment.best_similarity(source_id, index, other)
                if similarity >= ALIGNED:
                    carriers.append(other)
                    centrality += similarity
            # Leads carry the story: a small bonus for sentences early in their source.
            position_bonus = 0.3 / (1 + index)
            carriers.sort(key=order.__getitem__)
            candidates.append(
                Candidate(len(carriers), centrality + position_bonus, source_id, index, carriers)
            )
    candidates.sort(key=lambda c: (-c.support, -c.centrality, order[c.source_id], c.sentence_index))
    return candidates


def _repeats(
    alignment: StoryAlignment, chosen: list[tuple[str, int]], source_id: str, index: int
) -> bool:
    for other_source, other_index in chosen:
        if alignment.similarity(source_id, index, other_source, other_index) >= REPEATS:
            return True
    return False


def _consensus_version(
    story: Story, alignment: StoryAlignment, candidate: Candidate
) -> tuple[str, int]:
    """Of the carriers' versions of a sentence, the one that disagrees with the fewest others.

    Where one copy changed a name or a number, the summary should repeat what
    the other copies say, not the odd one out.
    """
    versions = [(candidate.source_id, candidate.sentence_index)]
    for other in candidate.carriers:
        if other != candidate.source_id:
            match = alignment.best_match(candidate.source_id, candidate.sentence_index, other)
            if match is not None:
                versions.append((other, match.other_index))
    if len(versions) < 3:
        return versions[0]
    published = {document.id: document.published for document in story.documents}

    def disagreements(version: tuple[str, int]) -> int:
        text = alignment.sentences[version[0]][version[1]].text
        return sum(
            1
            for other in versions
            if other != version
            and differences_by_confidence(
                text,
                alignment.sentences[other[0]][other[1]].text,
                published[version[0]],
                published[other[0]],
            )
        )

    return min(versions, key=lambda version: (disagreements(version), versions.index(version)))


def extractive_summary(story: Story, alignment: StoryAlignment, *, sentences: int) -> Summary:
    """The ``sentences`` most central, mutually distinct sentences, in reading order."""
    chosen: list[tuple[str, int]] = []
    cited: dict[tuple[str, int], list[str]] = {}
    for candidate in _candidates(story, alignment):
        if len(chosen) >= sentences:
            break
        if _repeats(alignment, chosen, candidate.source_id, candidate.sentence_index):
            continue
        version = _consensus_version(story, alignment, candidate)
        chosen.append(version)
        cited[version] = candidate.carriers

    def reading_position(key: tuple[str, int]) -> tuple[float, int]:
        source_id, index = key
        return index / max(len(alignment.sentences[source_id]), 1), story.source_ids.index(
            source_id
        )

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
