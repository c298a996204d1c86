"""Sentences with exact character spans.

A rule-based splitter: fast, deterministic and good enough for news prose in
the languages veracity reads. Paragraph breaks always end a sentence; a
terminal mark ends one unless it closes a known abbreviation, an initial or a
decimal number.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pydantic import BaseModel, ConfigDict

from veracity.models import Span

# Abbreviations after which a full stop does not end a sentence (compared in lower case).
ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof sr jr st mt ft gen col lt sgt capt cmdr adm gov sen rep rev hon pres
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun
    no nos vol vols fig figs p pp ed eds est approx dept inc ltd co corp bros vs etc al cf e.g i.e
    u.s u.k u.n u.s.a e.u a.m p.m
    z.b bzw usw ggf evtl d.h nr str dr hr
    m mme mlle env cf p.ex
    sr sra srta ud uds etc
    г гг т.е т.д т.п им ул д
    """.split()
)

_TERMINAL = re.compile(
    r"""
    (?P<mark>[.!?…]+|\.\.\.)          # the terminal mark(s)
    (?P<close>["'”’»)\]]*)            # closing quotes or brackets that belong to the sentence
    (?P<space>\s+)                    # whitespace before the next sentence
    (?=["'“‘«„(\[]?[\w¿¡])            # the next sentence starts with a word or an opening mark
    """,
    re.VERBOSE,
)
_PARAGRAPH = re.compile(r"\n\s*")
_WORD_CHAR = re.compile(r"[\w.]")


class Sentence(BaseModel):
    """A sentence of a text and where it stands."""

    model_config = ConfigDict(frozen=True)

    text: str
    span: Span
    paragraph: int


def _word_before(text: str, end: int, *, newline: bool = True) -> str | None:
    """The run of word characters and dots that ends at ``end`` (``[\\w.]+$`` up to ``end``).

    Scanned backwards from ``end``: a regex search of ``text[:end]`` tries every start
    from the beginning of the text, once per full stop, which made splitting a long
    article quadratic in its length.
    """
    start = end
    while start > 0 and _WORD_CHAR.match(text, start - 1):
        start -= 1
    if start < end:
        return text[start:end]
    # "$" also matches before a newline that ends the searched text.
    if newline and end > 0 and text[end - 1] == "\n":
        return _word_before(text, end - 1, newline=False)
    return None


def _is_abbreviation(text: str, mark_start: int) -> bool:
    before = _word_before(text, mark_start)
    if before is None:
        return False
    word = before.lower().strip(".")
    if word in ABBREVIATIONS:
        return True
    # A single letter is an initial ("George W. Bush"), not the end of a sentence.
    return len(word) == 1 and word.isalpha()


def _next_is_lowercase(text: str, position: int) -> bool:
    for char in text[position : position + 3]:
        if char.isalpha():
            return char.islower()
    return False


def _paragraphs(text: str) -> Iterator[tuple[int, int]]:
    start = 0
    for match in _PARAGRAPH.finditer(text):
        yield start, match.start()
        start = match.end()
    yield start, len(text)


def split_sentences(text: str) -> list[Sentence]:
    """Split ``text`` into sentences whose spans index ``text`` exactly.

    ``text[s.span.start:s.span.end] == s.text`` holds for every sentence;
    leading and trailing whitespace is not part of a sentence.
    """
    sentences: list[Sentence] = []
    for paragraph_index, (para_start, para_end) in enumerate(_paragraphs(text)):
        start = para_start
        for match in _TERMINAL.finditer(text, para_start, para_end):
            mark = match.group("mark")
            if mark == "." and _is_abbreviation(text, match.start("mark")):
                continue
            if _next_is_lowercase(text, match.end()):
                continue
            end = match.end("close")
            _append(sentences, text, start, end, paragraph_index)
            start = match.end()
        _append(sentences, text, start, para_end, paragraph_index)
    return sentences


def _append(sentences: list[Sentence], text: str, start: int, end: int, paragraph: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        sentences.append(
            Sentence(text=text[start:end], span=Span(start=start, end=end), paragraph=paragraph)
        )


# A handful of very frequent function words per language: enough to tell the
# five languages veracity reads apart on a sentence, at the cost of a set lookup
# per word.
_STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        "the and of to in is was said with for that on are has have will by from it his".split()
    ),
    "de": frozenset(
        "der die das und ist nicht mit den von zu sich ein eine auf dem im des sagte wird".split()
    ),
    "fr": frozenset(
        "le la les et des est une du dans pour que qui au avec sur pas il a été".split()
    ),
    "es": frozenset("el la los las y de que en un una por con para del es se al fue dijo".split()),
}
_LANGUAGE_WORD = re.compile(r"[^\W\d_]+")
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)


def guess_language(text: str) -> str | None:
    """The likely language of ``text`` ("en", "de", "fr", "es", "ru"), or None when unclear.

    Counts frequent function words; Cyrillic script means Russian. Good enough
    to choose decimal separators, number words and negators, not a general
    language identifier.
    """
    letters = _LANGUAGE_WORD.findall(text.lower())
    if not letters:
        return None
    cyrillic = sum(1 for word in letters if _CYRILLIC.match(word))
    if cyrillic * 2 > len(letters):
        return "ru"
    scores = {
        language: sum(1 for word in letters if word in words)
        for language, words in _STOPWORDS.items()
    }
    best = max(scores, key=lambda language: scores[language])
    ordered = sorted(scores.values(), reverse=True)
    if ordered[0] == 0 or ordered[0] == ordered[1]:
        return None
    return best
