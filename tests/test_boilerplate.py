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


def test_a_photo_gallery_pasted_as_one_paragraph_is_page_furniture() -> None:
    cleaned = clean_text(
        "A truck drove into the crowd on Thursday night.\n"
        "Photos: Day of terror A man lies near the scene. Hide Caption 10 of 25 Photos: Day of "
        "terror A doll is seen at the scene. Hide Caption 24 of 25\n"
        "The driver was shot dead by police."
    )
    assert "Hide Caption" not in cleaned.text
    assert cleaned.text.count("\n\n") == 1


def test_most_read_boxes_related_links_and_slideshow_labels_are_page_furniture() -> None:
    cleaned = clean_text(
        "The oil was transferred at sea in October.\n"
        "MOST READ IN NEWS SIN CITY How a resort became a haven PORN DEATHS An actress speaks\n"
        "Related: 34 things to know about the new tax law\n"
        "Slideshow (2 Images)\n"
        "Officials said the ship was seized."
    )
    assert cleaned.text == (
        "The oil was transferred at sea in October.\n\nOfficials said the ship was seized."
    )
    assert len(cleaned.boilerplate) == 3
