"""Page furniture is taken out of the story text and kept in meta."""

from __future__ import annotations

from veracity.text.boilerplate import clean_text

PAGE = """Home NewsWorld News Minister resigns over budget

Minister resigns over budget

by Jane Roe
0 comment
Minister resigns over budget

The finance minister resigned on Monday after the budget vote failed.

Sign up now for free and unlimited access to Example.com

The vote failed by 12 votes, officials said.read more

The minister at a news conference in the capital. (credit: John Doe/REUTERS)

Reporting by Ann Smith; Editing by Bob Jones

This website uses cookies to improve your experience. Accept Read More
"""


def test_the_first_headline_becomes_the_title() -> None:
    assert clean_text(PAGE).title == "Minister resigns over budget"


def test_repeated_headlines_breadcrumbs_and_banners_leave_the_text() -> None:
    cleaned = clean_text(PAGE)
    assert cleaned.text == (
        "The finance minister resigned on Monday after the budget vote failed.\n\n"
        "The vote failed by 12 votes, officials said."
    )
    assert "Sign up now for free and unlimited access to Example.com" in cleaned.boilerplate
    assert any("cookies" in part for part in cleaned.boilerplate)


def test_captions_and_bylines_are_kept_out_of_the_text_but_in_meta() -> None:
    cleaned = clean_text(PAGE)
    assert cleaned.captions == [
        "The minister at a news conference in the capital. (credit: John Doe/REUTERS)"
    ]
    assert cleaned.bylines == ["by Jane Roe", "Reporting by Ann Smith; Editing by Bob Jones"]


def test_section_headings_are_not_story_sentences() -> None:
    cleaned = clean_text(
        "Talks resume\n\nThe talks resumed on Monday.\n\nWhat comes next\n\nA deal is expected."
    )
    assert cleaned.headings == ["What comes next"]
    assert "What comes next" not in cleaned.text


def test_plain_prose_is_left_as_it_is() -> None:
    text = "The council approved the plan on Tuesday.\n\nIt will cost $4 million."
    assert clean_text(text).text == text
