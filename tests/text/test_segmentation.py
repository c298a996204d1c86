"""Sentence spans and the language guess the text primitives rely on."""

from __future__ import annotations

import time

from hypothesis import given
from hypothesis import strategies as st

from veracity.text.segmentation import guess_language, split_sentences


def test_guesses_the_five_languages() -> None:
    assert guess_language("Russian President Vladimir Putin visited Tehran on Tuesday") == "en"
    assert guess_language("Putin besuchte am Dienstag den Iran und sagte, das sei gut") == "de"
    assert guess_language("Poutine a rencontré le président iranien à Téhéran") == "fr"
    assert guess_language("El presidente ruso visitó Teherán el martes") == "es"
    assert guess_language("Путин посетил Тегеран во вторник") == "ru"


def test_no_guess_without_evidence() -> None:
    assert guess_language("12 345") is None
    assert guess_language("Putin Erdogan Khamenei") is None


def test_month_abbreviation_does_not_end_a_sentence() -> None:
    text = "Moscow's Feb. 24 invasion of Ukraine. Putin left."
    assert [s.text for s in split_sentences(text)] == [
        "Moscow's Feb. 24 invasion of Ukraine.",
        "Putin left.",
    ]


@given(st.text(max_size=300))
def test_sentence_spans_index_the_input_exactly(text: str) -> None:
    for sentence in split_sentences(text):
        assert sentence.span.of(text) == sentence.text


def one_paragraph(size: int) -> str:
    """A single paragraph of ``size`` characters: short sentences, abbreviations and initials."""
    sentence = "Dr. Ana Ortiz of the U.S. team said the dam cost 1.2 billion euros. It opened. "
    return (sentence * (size // len(sentence) + 1))[:size]


def test_item_6_splitting_a_one_megabyte_paragraph_takes_linear_time() -> None:
    """Issue 15 item 6: sentence splitting is linear (it was quadratic: 100 KB took 12.5 s).

    The bound is generous (a shared CI machine); bench/long_text_bench.py prints the figures.
    """
    text = one_paragraph(1_000_000)
    started = time.perf_counter()
    sentences = split_sentences(text)
    elapsed = time.perf_counter() - started
    assert len(sentences) > 20_000
    assert (
        sentences[0].text == "Dr. Ana Ortiz of the U.S. team said the dam cost 1.2 billion euros."
    )
    assert elapsed < 10.0, f"{elapsed:.1f} s for 1 MB"
