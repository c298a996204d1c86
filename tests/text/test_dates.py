"""Dates and weekdays, resolved against the day an article was published."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from veracity.text.dates import (
    DateMention,
    dateline_date,
    dates_conflict,
    find_dateline,
    find_dates,
    same_date,
)

PUBLISHED = dt.date(2022, 7, 19)  # a Tuesday


def only(text: str, published: dt.date | None = PUBLISHED) -> DateMention:
    found = find_dates(text, published)
    assert len(found) == 1, found
    return found[0]


def test_weekday_resolves_to_the_publication_day_itself() -> None:
    tuesday = only("Putin held talks in Iran on Tuesday")
    assert tuesday.kind == "weekday"
    assert tuesday.resolved == dt.date(2022, 7, 19)


def test_weekday_resolves_to_the_last_such_day_before_publication() -> None:
    assert only("He arrived on Sunday").resolved == dt.date(2022, 7, 17)


def test_weekday_does_not_conflict_with_its_own_date() -> None:
    assert same_date(only("on Tuesday"), only("on July 19"))
    assert not dates_conflict(only("on Tuesday"), only("July 19, 2022"))


def test_weekday_conflicts_with_another_day_of_the_same_week() -> None:
    assert dates_conflict(only("on Tuesday"), only("on July 20"))
    assert dates_conflict(only("on Tuesday"), only("on Thursday"))


def test_english_month_first_with_abbreviation() -> None:
    mention = only("since Moscow's Feb. 24 invasion")
    assert (mention.month, mention.day, mention.year) == (2, 24, None)
    assert mention.resolved == dt.date(2022, 2, 24)


def test_abbreviated_and_full_month_are_the_same_date() -> None:
    assert same_date(only("on Feb. 24"), only("on February 24"))


def test_german_day_first_with_ordinal_dot() -> None:
    assert same_date(only("am 24. Februar", None), only("on February 24", None))


def test_russian_genitive_month() -> None:
    mention = only("24 февраля 2022 года")
    assert (mention.year, mention.month, mention.day) == (2022, 2, 24)


def test_spanish_de_between_day_month_and_year() -> None:
    mention = only("el 24 de febrero de 2022")
    assert mention.resolved == dt.date(2022, 2, 24)


def test_french_month_and_premier() -> None:
    assert only("le 24 février").resolved == dt.date(2022, 2, 24)
    assert only("le 1er mars 2022").resolved == dt.date(2022, 3, 1)


def test_weekdays_in_other_languages() -> None:
    for word in ("Dienstag", "mardi", "martes", "вторник"):
        assert only(f"... {word} ...").resolved == dt.date(2022, 7, 19)


def test_years_alone() -> None:
    found = find_dates("sanctions reimposed in 2018 after the 2015 nuclear deal")
    assert [(m.kind, m.year) for m in found] == [("year", 2018), ("year", 2015)]


def test_a_counted_number_is_not_a_year() -> None:
    assert find_dates("2000 soldiers and $2018") == ()


def test_lower_case_may_is_a_verb() -> None:
    assert find_dates("you may go in march") == ()
    assert only("In May, Reuters reported").month == 5


def test_different_years_conflict() -> None:
    assert dates_conflict(only("in 2018"), only("in 2019"))


def test_a_year_and_a_day_without_year_do_not_compare() -> None:
    assert not dates_conflict(only("in 2018"), only("on February 24"))


def test_a_month_agrees_with_a_day_in_it() -> None:
    assert same_date(only("in February"), only("on February 24"))
    assert dates_conflict(only("in February"), only("on March 3"))


def test_iso_and_numeric_dates() -> None:
    assert same_date(only("on 2022-07-19"), only("am 19.07.2022"))


def test_yesterday_resolves_against_publication() -> None:
    mention = only("talks yesterday")
    assert mention.resolved == dt.date(2022, 7, 18)
    assert same_date(mention, only("on Monday"))


def test_day_far_after_publication_is_from_the_year_before() -> None:
    assert only("on December 30", dt.date(2023, 1, 3)).resolved == dt.date(2022, 12, 30)


@given(st.text(max_size=200), st.dates())
def test_spans_index_the_input_exactly(text: str, published: dt.date) -> None:
    for mention in find_dates(text, published):
        assert text[mention.span.start : mention.span.end] == mention.text


def test_a_wire_dateline_is_found_near_the_top() -> None:
    text = "Putin meets Khamenei\n\nLONDON/DUBAI, July 19 (Reuters) – Russian President Putin"
    dateline = find_dateline(text)
    assert dateline is not None
    assert (dateline.place, dateline.month, dateline.day, dateline.year) == (
        "LONDON/DUBAI",
        7,
        19,
        None,
    )
    assert dateline.span.of(text) == "LONDON/DUBAI, July 19 (Reuters) –"


def test_a_dateline_without_year_takes_the_year_of_the_other_sources() -> None:
    text = "LONDON, July 19 (Reuters) - Talks began."
    assert dateline_date(text, [dt.date(2022, 7, 20)]) == dt.date(2022, 7, 19)


def test_a_dateline_without_year_and_no_reference_gives_no_date() -> None:
    assert dateline_date("LONDON, July 19 (Reuters) - Talks began.") is None


def test_a_dateline_with_its_year_needs_no_reference() -> None:
    assert dateline_date("WASHINGTON, Feb. 24, 2022 (AP) - Talks began.") == dt.date(2022, 2, 24)


def test_a_capitalized_sentence_is_no_dateline() -> None:
    assert find_dateline("In Tehran, July 19 (a Tuesday) - talks began.") is None
