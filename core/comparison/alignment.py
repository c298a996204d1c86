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

import heapq
import math
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice

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
    """The sentences of every source of a story and their cross-source similarity.

    Similarity is computed between the *distinct* sentence texts of each source: a
    sentence repeated a thousand times (a hostile one-paragraph document, a refrain) is
    one row, so the work grows with what a source says, not with how often it says it.
    Where several sentences share a text, the first of them stands for it in every
    answer that names one sentence (the same one a scan in reading order finds first).
    """

    sentences: dict[str, list[Sentence]]
    # One row per distinct sentence text of a source, in order of first appearance.
    _vectors: dict[str, npt.NDArray[np.float32]] = field(repr=False)
    # For each sentence, the row of its text; for each row, the sentences that carry it.
    _rows: dict[str, list[int]] = field(default_factory=dict, repr=False)
    _occurrences: dict[str, list[list[int]]] = field(default_factory=dict, repr=False)
    _blocks: dict[tuple[str, str], npt.NDArray[np.float32]] = field(
        default_factory=dict, repr=False
    )
    # Answers already given: every claim of a sentence, and the summary, ask the same again.
    _best: dict[tuple[str, int, str], AlignedSentence | None] = field(
        default_factory=dict, repr=False
    )
    _best_rows: dict[tuple[str, str], list[float]] = field(default_factory=dict, repr=False)
    _matches: dict[tuple[str, str, float], dict[int, list[tuple[float, int]]]] = field(
        default_factory=dict, repr=False
    )
    _starts: dict[str, list[int]] = field(default_factory=dict, repr=False)
    _ends: dict[str, list[int]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for source_id, source_sentences in self.sentences.items():
            if source_id not in self._rows:
                # Built without distinct rows: one row per sentence.
                self._rows[source_id] = list(range(len(source_sentences)))
                self._occurrences[source_id] = [[index] for index in self._rows[source_id]]
            self._starts[source_id] = [sentence.span.start for sentence in source_sentences]
            self._ends[source_id] = [sentence.span.end for sentence in source_sentences]

    def row_of(self, source_id: str, index: int) -> int:
        """The distinct-text row of sentence ``index`` (sentences of the same text share one)."""
        return self._rows[source_id][index]

    def first_with_row(self, source_id: str, row: int) -> int:
        """The first sentence of ``source_id`` whose text is that of ``row``."""
        return self._occurrences[source_id][row][0]

    def distinct_matrix(self, source_id: str, other_source_id: str) -> npt.NDArray[np.float32]:
        """Cosine similarity of every distinct sentence text of one source with every one of
        another (rows as :meth:`row_of` numbers them)."""
        key = (source_id, other_source_id)
        if key not in self._blocks:
            reverse = (other_source_id, source_id)
            if reverse in self._blocks:
                self._blocks[key] = self._blocks[reverse].T
            else:
                self._blocks[key] = self._vectors[source_id] @ self._vectors[other_source_id].T
        return self._blocks[key]

    def similarity(
        self, source_id: str, index: int, other_source_id: str, other_index: int
    ) -> float:
        """Cosine similarity of sentence ``index`` of one source with ``other_index`` of another."""
        matrix = self.distinct_matrix(source_id, other_source_id)
        return float(
            matrix[self.row_of(source_id, index), self.row_of(other_source_id, other_index)]
        )

    def similarity_matrix(self, source_id: str, other_source_id: str) -> npt.NDArray[np.float32]:
        """Cosine similarity of every sentence of one source with every sentence of another.

        A table of every pair of sentences: quadratic in the sources' lengths. The checks
        use :meth:`similarity` and :meth:`distinct_matrix` instead.
        """
        matrix = self.distinct_matrix(source_id, other_source_id)
        return matrix[np.ix_(self._rows[source_id], self._rows[other_source_id])]

    def best_match(
        self, source_id: str, index: int, other_source_id: str
    ) -> AlignedSentence | None:
        """The other source's sentence most similar to sentence ``index``, if it has any."""
        key = (source_id, index, other_source_id)
        if key in self._best:
            return self._best[key]
        matrix = self.distinct_matrix(source_id, other_source_id)
        if matrix.shape[1] == 0:
            found = None
        else:
            row = matrix[self.row_of(source_id, index)]
            # Rows are in order of first appearance: the first maximum is the first sentence.
            other_row = int(row.argmax())
            # Validated, not model_construct()ed: pydantic-core validates three small fields
            # about three times faster than model_construct builds them in Python (a story of
            # 50 sources asks this some 100,000 times).
            found = AlignedSentence(
                source_id=source_id,
                index=index,
                other_source_id=other_source_id,
                other_index=self.first_with_row(other_source_id, other_row),
                similarity=round(float(row[other_row]), 4),
            )
        self._best[key] = found
        return found

    def best_similarity(self, source_id: str, index: int, other_source_id: str) -> float:
        """The similarity of :meth:`best_match` (rounded alike), 0.0 when the other source
        has no sentences; without building the match."""
        key = (source_id, other_source_id)
        if key not in self._best_rows:
            matrix = self.distinct_matrix(source_id, other_source_id)
            self._best_rows[key] = (
                [round(float(value), 4) for value in matrix.max(axis=1)] if matrix.shape[1] else []
            )
        best = self._best_rows[key]
        return best[self.row_of(source_id, index)] if best else 0.0

    def matches(
        self,
        source_id: str,
        index: int,
        other_source_id: str,
        *,
        minimum: float = ALIGNED,
        limit: int | None = None,
    ) -> list[AlignedSentence]:
        """The other source's sentences at least ``minimum`` similar, best first (the
        earlier of equals first); the first ``limit`` of them when a limit is given.

        Without a limit, a sentence repeated all through the other source is listed at
        every place: ask for the few best where that is all that is used.
        """
        key = (source_id, other_source_id, minimum)
        if key not in self._matches:
            self._matches[key] = self._find_matches(source_id, other_source_id, minimum)
        found = self._matches[key].get(self.row_of(source_id, index), ())
        occurrences = self._occurrences[other_source_id]
        result: list[AlignedSentence] = []
        position = 0
        while position < len(found) and (limit is None or len(result) < limit):
            # Rows equally similar are listed together, their sentences in reading order.
            similarity = found[position][0]
            tied = []
            while position < len(found) and found[position][0] == similarity:
                tied.append(found[position][1])
                position += 1
            # Each row's sentences ascend: merged lazily, only as many as are wanted are read
            # (a row repeated all through a long source has thousands).
            merged = heapq.merge(*(occurrences[row] for row in tied))
            wanted = None if limit is None else limit - len(result)
            for other_index in islice(merged, wanted):
                result.append(
                    AlignedSentence(
                        source_id=source_id,
                        index=index,
                        other_source_id=other_source_id,
                        other_index=other_index,
                        similarity=round(similarity, 4),
                    )
                )
        return result

    def _find_matches(
        self, source_id: str, other_source_id: str, minimum: float
    ) -> dict[int, list[tuple[float, int]]]:
        """For every distinct row of one source, the rows of another at least ``minimum``
        similar, best first, in one pass."""
        matrix = self.distinct_matrix(source_id, other_source_id)
        by_row: dict[int, list[tuple[float, int]]] = {}
        if matrix.shape[1] == 0:
            return by_row
        rows, columns = np.nonzero(matrix >= minimum)
        for row, column in zip(rows.tolist(), columns.tolist(), strict=True):
            by_row.setdefault(row, []).append((float(matrix[row, column]), column))
        for found in by_row.values():
            found.sort(key=lambda match: (-match[0], match[1]))
        return by_row

    def sentences_over(self, source_id: str, start: int, end: int) -> list[int]:
        """Indices of the sentences of ``source_id`` that overlap ``start``..``end``."""
        starts, ends = self._starts[source_id], self._ends[source_id]
        return list(range(bisect_right(ends, start), bisect_left(starts, end)))

    def sentence_at(self, source_id: str, start: int, end: int) -> int | None:
        """Index of the first sentence of ``source_id`` that contains the span, if any.

        Sentences follow each other without overlapping, so their starts and ends both
        ascend: a binary search finds it (a scan per claim made long texts quadratic).
        """
        starts, ends = self._starts[source_id], self._ends[source_id]
        # The sentences that start at or before the span; of them, the first that reaches
        # its end (ends ascend, so every later one does too).
        last = bisect_right(starts, start)
        first = bisect_left(ends, end, 0, last)
        return first if first < last else None


def align_story(story: Story) -> StoryAlignment:
    """Split every source into sentences and vectorize them for cross-source matching."""
    sentences = {document.id: split_sentences(document.text) for document in story.documents}
    rows_of: dict[str, list[int]] = {}
    occurrences: dict[str, list[list[int]]] = {}
    tokenized: dict[str, list[list[str]]] = {}
    for source_id, source_sentences in sentences.items():
        row_by_text: dict[str, int] = {}
        rows_of[source_id] = []
        occurrences[source_id] = []
        tokenized[source_id] = []
        for index, sentence in enumerate(source_sentences):
            row = row_by_text.setdefault(sentence.text, len(row_by_text))
            if row == len(occurrences[source_id]):
                occurrences[source_id].append([])
                tokenized[source_id].append(content_words(sentence.text))
            occurrences[source_id][row].append(index)
            rows_of[source_id].append(row)
    # Word statistics count every sentence, repeats included, as they always have.
    document_frequency: Counter[str] = Counter()
    sources_with: Counter[str] = Counter()
    total = 0
    for source_id, rows in tokenized.items():
        seen_in_source: set[str] = set()
        for row, words in enumerate(rows):
            unique = set(words)
            repeats = len(occurrences[source_id][row])
            for word in unique:
                document_frequency[word] += repeats
            seen_in_source |= unique
            total += repeats
        sources_with.update(seen_in_source)
    total = max(total, 1)
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
    return StoryAlignment(
        sentences=sentences, _vectors=vectors, _rows=rows_of, _occurrences=occurrences
    )
