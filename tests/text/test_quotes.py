"""Direct quotations in the quote marks of five languages, and their speakers."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from veracity.text.quotes import QuoteMention, find_quotes


def only(text: str) -> QuoteMention:
    found = find_quotes(text)
    assert len(found) == 1, found
    return found[0]


def test_curly_quote_with_a_speaker_and_an_appositive() -> None:
    quote = only(
        "“The engagement with Khamenei is very important,” Yuri Ushakov, Putin’s foreign "
        "policy adviser, told reporters in Moscow."
    )
    assert quote.text == "The engagement with Khamenei is very important,"
    assert quote.speaker == "Yuri Ushakov"
    assert quote.speaker_is_name


def test_span_covers_the_quoted_words_without_the_marks() -> None:
    text = 'He said "no deal" twice.'
    quote = only(text)
    assert quote.span.of(text) == "no deal"
    assert quote.outer_span.of(text) == '"no deal"'


def test_speaker_named_before_the_verb_with_an_object() -> None:
    quote = only('"Any military attack will harm the region," Khamenei told Erdogan.')
    assert quote.speaker == "Khamenei"


def test_speaker_after_the_verb() -> None:
    assert only('"We will win," said Locke.').speaker == "Locke"


def test_a_description_is_a_speaker_but_not_a_name() -> None:
    quote = only('"Tehran tries to secure support," said a senior Iranian official, who asked')
    assert quote.speaker == "a senior Iranian official"
    assert not quote.speaker_is_name


def test_next_quote_in_the_paragraph_keeps_the_speaker() -> None:
    text = '"First part," said Locke. "Second part."'
    first, second = find_quotes(text)
    assert second.speaker == "Locke"
    assert second.speaker_inferred and not first.speaker_inferred


def test_quote_opening_the_next_paragraph_keeps_the_speaker() -> None:
    text = "“One,” Ushakov told reporters.\n\n“On most issues, our positions are close.”"
    assert [q.speaker for q in find_quotes(text)] == ["Ushakov", "Ushakov"]


def test_speaker_does_not_leak_past_a_paragraph_of_narration() -> None:
    text = "“One,” Ushakov said.\n\nNarration follows here.\n\n“A scare quote” appears."
    assert find_quotes(text)[-1].speaker is None


def test_quote_spanning_two_sentences() -> None:
    quote = only("“It is important. It is urgent,” Locke said.")
    assert quote.text == "It is important. It is urgent,"


def test_partial_quote_inside_reported_speech() -> None:
    quote = only(
        "Khamenei said Putin had ensured Russia “maintained its independence” from the US."
    )
    assert quote.text == "maintained its independence"
    assert quote.speaker == "Khamenei"


def test_pronoun_gives_no_named_speaker() -> None:
    assert only('"We are ready," he said.').speaker is None


def test_german_low_high_quotes() -> None:
    quote = only("„Das ist wichtig“, sagte Scholz.")
    assert (quote.text, quote.speaker) == ("Das ist wichtig", "Scholz")


def test_german_single_low_quotes() -> None:
    assert only("Er nannte es ‚absurd‘.").text == "absurd"


def test_german_reversed_guillemets_with_so() -> None:
    quote = only("»Wir schaffen das«, so Merkel.")
    assert (quote.text, quote.speaker) == ("Wir schaffen das", "Merkel")


def test_french_guillemets_with_inner_spaces() -> None:
    quote = only("« C'est important », a déclaré Macron.")
    assert (quote.text, quote.speaker) == ("C'est important", "Macron")


def test_russian_guillemets_with_a_dash() -> None:
    quote = only("«Это важно», — сказал Путин.")
    assert (quote.text, quote.speaker) == ("Это важно", "Путин")


def test_spanish_speaker_before_a_colon() -> None:
    assert only("Sánchez dijo: «Es importante».").speaker == "Sánchez"


def test_apostrophes_do_not_open_single_quotes() -> None:
    assert only("Iran’s leader called it ‘a big deal’ on Tuesday.").text == "a big deal"


def test_a_quote_left_open_runs_to_the_paragraph_end() -> None:
    text = "“This goes on\n\nNext paragraph."
    quote = only(text)
    assert quote.text == "This goes on"
    assert not quote.closed


@given(st.text(alphabet=st.sampled_from('ab .,\n"“”„«»‘’‚Xy'), max_size=80))
def test_spans_index_the_input_exactly(text: str) -> None:
    for quote in find_quotes(text):
        assert quote.span.of(text) == quote.text
        assert quote.outer_span.start <= quote.span.start <= quote.span.end <= quote.outer_span.end


def test_the_day_between_a_speaker_and_the_verb_is_not_the_speaker() -> None:
    text = 'President Trump late Thursday tweeted that the memos "show clearly" no collusion.'
    [quote] = find_quotes(text)
    assert quote.speaker == "President Trump"


def test_a_title_with_a_full_stop_does_not_end_the_attribution() -> None:
    [quote] = find_quotes('"The friendship binds our two nations," Mr. Trump said on Tuesday.')
    assert quote.speaker == "Mr. Trump" and quote.speaker_is_name


def test_a_description_in_lower_case_may_stand_before_the_speakers_name() -> None:
    [quote] = find_quotes("“The car hit the wall,” local police chief Sayed Kamal Sadat told AFP.")
    assert quote.speaker == "Sayed Kamal Sadat"
