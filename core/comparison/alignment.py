"""Finding the sentences of different sources that report the same thing.

Every sentence becomes a TF-IDF vector over its content words (IDF over the
whole story, so words every sentence shares count little and names and
numbers count much). Cosine similarity between two sources' sentences is one
matrix product, so a 50-source story is a few hundred small products rather
than millions of Python-level comparisons. Only words that occur in two or
more sources become columns: the others cannot add to a cross-source dot
product, though they still count in each sentence's norm.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict

from veracity.models import Story
from veracity.text.segmentation import Sentence, split_sentences

# Similarity at which two sentences are taken to report the same thing.
ALIGNED = 0.35

_WORD = re.compile(r"\w+", re.UNICODE)
_STOPWORDS = frozenset(
    """
    a an the and or but if of to in on at by for with from as into onto over under about after
    before since during than then that this these those there here it its it's is are was were be
    been being has have had do does did will would shall should can could may might must not no
    he she they we you i his her their our your my him them us me who whom whose which what when
    where why how all any both each few more most other some such only own same so too very just
    also s t said says say told tells
    der die das und oder aber ein eine einer eines dem den des zu im in auf mit von für ist sind
    war waren hat haben wird werden nicht sich es er sie wir ihr dass als auch bei nach
    le la les un une des du de et ou mais est sont a ont été dans sur pour par avec que qui ne pas
    il elle ils elles nous vous se ce cette ces au aux en
    el los las unos unas del y o pero es son fue han en con por para que se lo su sus al no
    и в во на с со по к ко у о об от до из за для не что это как а но же он она они мы вы его её
    их был была были быть есть
    """.split()
)


@lru_cache(maxsize=65536)
def _fold(word: str) -> str:
    """Lower-case, strip accents and a possessive or plural ending (memoized: a story's
    words repeat across its sources)."""
    word = unicodedata.normalize("NFKD", word.casefold())
    word = "".join(char for char in word if not unicodedata.combining(char))
    if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return word


def content_words(text: str) -> list[str]:
    """The folded content words of ``text`` (stop words removed)."""
    words = []
    for raw in _WORD.findall(text.replace("’", "'")):
        word = _fold(raw)
        if word and word not in _STOPWORDS and not (len(word) == 1 and word.isalpha()):
            words.append(word)
    return words


class AlignedSentence(BaseModel):
    """The best match of one sentence in another source."""

    model_config = ConfigDict(frozen=True)

    source_id: str
    index: int
    other_source_id: str
    other_index: int
    similarity: float


@dataclass
class StoryAlignment:
    """The sentences of every source of a story and their cross-source similarity."""

    sentences: dict[str, list[Sentence]]
    _vectors: dict[str, npt.NDArray[np.float32]] = field(repr=False)
    _blocks: dict[tuple[str, str], npt.NDArray[np.float32]] = field(
        default_factory=dict, repr=False
    )
    # Answers already given: every claim of a sentence, and the summary, ask the same again.
    _best: dict[tuple[str, int, str], AlignedSentence | None] = field(
        default_factory=dict, repr=False
    )
    _best_rows: dict[tuple[str, str], list[float]] = field(default_factory=dict, repr=False)
    _matches: dict[tuple[str, str, float], dict[int, list[AlignedSentence]]] = field(
        default_factory=dict, repr=False
    )

    def similarity_matrix(self, source_id: str, other_source_id: str) -> npt.NDArray[np.float32]:
        """Cosine similarity of every sentence of one source with every sentence of another."""
        key = (source_id, other_source_id)
        if key not in self._blocks:
            reverse = (other_source_id, source_id)
            if reverse in self._blocks:
                self._blocks[key] = self._blocks[reverse].T
            else:
                self._blocks[key] = self._vectors[source_id] @ self._vectors[other_source_id].T
        return self._blocks[key]

    def best_match(
        self, source_id: str, index: int, other_source_id: str
    ) -> AlignedSentence | None:
        """The other source's sentence most similar to sentence ``index``, if it has any."""
        key = (source_id, index, other_source_id)
        if key in self._best:
            return self._best[key]
        matrix = self.similarity_matrix(source_id, other_source_id)
        if matrix.shape[1] == 0:
            found = None
        else:
            row = matrix[index]
            other_index = int(row.argmax())
            # Built from values of the right types: constructed, not validated (a story of
            # 50 sources asks this some 100,000 times).
            found = AlignedSentence.model_construct(
                source_id=source_id,
                index=index,
                other_source_id=other_source_id,
                other_index=other_index,
                similarity=round(float(row[other_index]), 4),
            )
        self._best[key] = found
        return found

    def best_similarity(self, source_id: str, index: int, other_source_id: str) -> float:
        """The similarity of :meth:`best_match` (rounded alike), 0.0 when the other source
        has no sentences; without building the match."""
        key = (source_id, other_source_id)
        if key not in self._best_rows:
            matrix = self.similarity_matrix(source_id, other_source_id)
            self._best_rows[key] = (
                [round(float(value), 4) for value in matrix.max(axis=1)] if matrix.shape[1] else []
            )
        best = self._best_rows[key]
        return best[index] if best else 0.0

    def matches(
        self, source_id: str, index: int, other_source_id: str, *, minimum: float = ALIGNED
    ) -> list[AlignedSentence]:
        """The other source's sentences at least ``minimum`` similar, best first."""
        key = (source_id, other_source_id, minimum)
        if key not in self._matches:
            self._matches[key] = self._find_matches(source_id, other_source_id, minimum)
        return list(self._matches[key].get(index, ()))

    def _find_matches(
        self, source_id: str, other_source_id: str, minimum: float
    ) -> dict[int, list[AlignedSentence]]:
        """The matches of every sentence of one source in another, found in one pass."""
        matrix = self.similarity_matrix(source_id, other_source_id)
        by_row: dict[int, list[AlignedSentence]] = {}
        if matrix.shape[1] == 0:
            return by_row
        rows, columns = np.nonzero(matrix >= minimum)
        for index, other_index in zip(rows.tolist(), columns.tolist(), strict=True):
            by_row.setdefault(index, []).append(
                AlignedSentence.model_construct(
                    source_id=source_id,
                    index=index,
                    other_source_id=other_source_id,
                    other_index=other_index,
                    similarity=round(float(matrix[index, other_index]), 4),
                )
            )
        for index, found in by_row.items():
            row = matrix[index]
            found.sort(key=lambda match: (-float(row[match.other_index]), match.other_index))
        return by_row

    def sentence_at(self, source_id: str, start: int, end: int) -> int | None:
        """Index of the sentence of ``source_id`` that contains the span, if any."""
        for index, sentence in enumerate(self.sentences[source_id]):
            if sentence.span.start <= start and end <= sentence.span.end:
                return index
        return None


def align_story(story: Story) -> StoryAlignment:
    """Split every source into sentences and vectorize them for cross-source matching."""
    sentences = {document.id: split_sentences(document.text) for document in story.documents}
    tokenized = {
        source_id: [content_words(sentence.text) for sentence in source_sentences]
        for source_id, source_sentences in sentences.items()
    }
    all_rows = [words for rows in tokenized.values() for words in rows]
    document_frequency: Counter[str] = Counter()
    sources_with: Counter[str] = Counter()
    for rows in tokenized.values():
        seen_in_source: set[str] = set()
        for words in rows:
            unique = set(words)
            document_frequency.update(unique)
            seen_in_source |= unique
        sources_with.update(seen_in_source)
    total = max(len(all_rows), 1)
    idf = {
        word: math.log((1 + total) / (1 + count)) + 1.0
        for word, count in document_frequency.items()
    }
    shared = sorted(word for word, count in sources_with.items() if count >= 2)
    column = {word: position for position, word in enumerate(shared)}
    vectors: dict[str, npt.NDArray[np.float32]] = {}
    for source_id, rows in tokenized.items():
        matrix = np.zeros((len(rows), len(shared)), dtype=np.float32)
        for row_index, words in enumerate(rows):
            counts = Counter(words)
            weights = {word: (1.0 + math.log(count)) * idf[word] for word, count in counts.items()}
            norm = math.sqrt(sum(weight * weight for weight in weights.values())) or 1.0
            for word, weight in weights.items():
                position = column.get(word)
                if position is not None:
                    matrix[row_index, position] = weight / norm
        vectors[source_id] = matrix
    return StoryAlignment(sentences=sentences, _vectors=vectors)
