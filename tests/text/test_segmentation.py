"""Sentence spans and the language guess the text primitives rely on."""

from __future__ import annotations

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
