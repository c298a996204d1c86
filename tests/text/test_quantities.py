"""Numbers with units, scale and hedges: what equal quantities look like."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from veracity.text.quantities import Quantity, find_quantities, quantities_conflict, same_quantity


def only(text: str, language: str | None = None) -> Quantity:
    found = find_quantities(text, language)
    assert len(found) == 1, found
    return found[0]


def test_billions_written_short_equal_the_long_form() -> None:
    assert same_quantity(only("worth $1.2bn"), only("worth 1,200,000,000 dollars"))


def test_the_quantity_is_in_base_units_with_a_currency_code() -> None:
    quantity = only("a deal worth $1.2bn")
    assert quantity.value == pytest.approx(1.2e9)
    assert quantity.unit == "USD"
    assert quantity.text == "$1.2bn"


def test_spelled_number_equals_digits() -> None:
    assert same_quantity(only("forty people died"), only("40 people died"))


def test_hyphenated_spelled_number() -> None:
    assert only("twenty-five soldiers").value == 25


def test_kilometres_and_miles_in_either_style_are_the_same() -> None:
    spun = find_quantities("a safe zone 30 kilometers (20 miles) deep")
    wire = find_quantities("30-km (20-mile) deep safe zones")
    assert [q.unit for q in spun] == ["m", "m"]
    assert all(same_quantity(a, b) for a, b in zip(spun, wire, strict=True))


def test_different_distances_conflict() -> None:
    assert quantities_conflict(only("a 30-km zone"), only("a 40-km zone"))


def test_counted_noun_is_part_of_the_unit() -> None:
    quantity = only("leaving 40 million barrels of oil")
    assert quantity.unit == "barrel"
    assert quantity.value == 40e6


def test_different_counted_things_do_not_compare() -> None:
    assert not quantities_conflict(only("40 soldiers"), only("50 tanks"))


def test_hedges_widen_the_tolerance() -> None:
    nearly = only("nearly 40 million barrels")
    assert nearly.hedged and nearly.hedge == "nearly"
    assert same_quantity(nearly, only("38 million barrels"))
    assert same_quantity(only("about $40 billion"), only("around $40 billion"))
    assert same_quantity(only("almost 40 million barrels"), only("nearly 40 million barrels"))


def test_more_than_allows_larger_values_only() -> None:
    assert same_quantity(only("more than 100 people"), only("120 people"))
    assert quantities_conflict(only("more than 100 people"), only("80 people"))


def test_up_to_allows_smaller_values_only() -> None:
    assert same_quantity(only("up to 40 people"), only("35 people"))
    assert quantities_conflict(only("up to 40 people"), only("45 people"))


def test_rounding_of_the_written_digits_is_tolerated() -> None:
    assert same_quantity(only("$1.2bn"), only("$1.23bn"))
    assert quantities_conflict(only("$1.2bn"), only("$1.4bn"))


def test_percentages_in_three_spellings() -> None:
    found = find_quantities("5% and 5 percent and 5 per cent")
    assert [q.unit for q in found] == ["%", "%", "%"]
    assert same_quantity(found[0], found[2])


def test_age_after_a_name() -> None:
    assert only("Putin, 70, has rarely traveled").unit == "age"


def test_age_from_turns_and_year_old() -> None:
    assert same_quantity(only("Putin, who turns 70 this year"), only("Putin, 70, said"))
    assert only("a 70-year-old man").unit == "age"


def test_ordinals_count_the_noun_that_follows() -> None:
    first = only("his first trip abroad")
    assert first.unit == "ordinal:trip" and first.value == 1
    assert quantities_conflict(first, only("his second trip abroad"))
    assert only("the 2nd place").value == 2


def test_years_are_left_to_the_date_finder() -> None:
    assert find_quantities("the 2015 nuclear deal and sanctions in 2018") == ()


def test_numbers_inside_names_are_not_quantities() -> None:
    assert find_quantities("the COVID-19 pandemic") == ()


def test_german_decimal_comma_and_abbreviated_billion() -> None:
    quantity = only("ein Umsatz von 1,5 Mrd. Euro", "de")
    assert quantity.value == pytest.approx(1.5e9)
    assert quantity.unit == "EUR"


def test_german_thousands_dot() -> None:
    assert only("1.200 Menschen", "de").value == 1200


def test_german_billion_is_a_thousand_times_the_english_one() -> None:
    assert only("eine Billion Euro", "de").value == pytest.approx(1e12)
    assert only("one billion euros", "en").value == pytest.approx(1e9)


def test_french_space_grouped_thousands() -> None:
    assert same_quantity(only("1 200 000 euros", "fr"), only("1,2 million d'euros", "fr"))


def test_spanish_mil_millones() -> None:
    quantity = only("2,5 mil millones de dólares", "es")
    assert quantity.value == pytest.approx(2.5e9)
    assert quantity.unit == "USD"


def test_russian_decimal_comma_with_abbreviated_million() -> None:
    quantity = only("выручка 3,5 млн рублей", "ru")
    assert quantity.value == pytest.approx(3.5e6)
    assert quantity.unit == "RUB"


def test_russian_hedge() -> None:
    assert only("около 40 человек", "ru").hedged


def test_german_hedge() -> None:
    assert same_quantity(only("rund 40 Menschen", "de"), only("etwa 41 Menschen", "de"))


@given(st.text(max_size=200))
def test_spans_index_the_input_exactly(text: str) -> None:
    for quantity in find_quantities(text):
        assert text[quantity.span.start : quantity.span.end] == quantity.text
        assert quantity.low <= quantity.value <= quantity.high


@given(
    st.lists(
        st.sampled_from(["$", "1", "2,5", "1.200", " ", "million", "km", "-", "about", "%", "€"]),
        max_size=12,
    ).map("".join)
)
def test_number_like_soup_never_crashes(text: str) -> None:
    for language in (None, "en", "de", "fr", "ru"):
        for quantity in find_quantities(text, language):
            assert quantity.span.of(text) == quantity.text


def test_the_same_hedge_on_two_different_figures_is_a_conflict() -> None:
    assert quantities_conflict(only("more than 20 aftershocks"), only("more than 32 aftershocks"))


def test_the_same_hedge_on_the_same_figure_agrees() -> None:
    assert same_quantity(only("about 2,300 residents"), only("about 2300 residents"))


def test_different_hedges_still_widen_the_tolerance() -> None:
    assert same_quantity(only("more than 20 aftershocks"), only("about 24 aftershocks"))
