"""Capitalized names, and telling variants of one name from different names."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from veracity.text.names import (
    NameRelation,
    find_names,
    match_names,
    name_relation,
    normalize_name,
    recase,
    soundex,
    sounds_alike,
)


def texts(sentence: str) -> list[str]:
    return [name.text for name in find_names(sentence)]


def test_multiword_names_are_one_span() -> None:
    sentence = "the National Iranian Oil Company and Turkey’s Tayyip Erdogan signed"
    assert texts(sentence) == ["National Iranian Oil Company", "Turkey", "Tayyip Erdogan"]


def test_titles_are_split_off() -> None:
    assert texts("Russian President Vladimir Putin met Supreme Leader Ali Khamenei") == [
        "Russian",
        "Vladimir Putin",
        "Ali Khamenei",
    ]


def test_arabic_particles_stay_in_the_name() -> None:
    assert "Bashar al-Assad" in texts("backers of Syrian President Bashar al-Assad")


def test_sentence_initial_common_words_are_not_names() -> None:
    assert texts("However, Russia has intensified its tilt") == ["Russia"]
    assert texts("The talks began. In Tehran, Putin said") == ["Tehran", "Putin"]


def test_a_lone_sentence_opener_is_uncertain() -> None:
    (footage, *_rest) = find_names("Footage of the meeting showed Putin")
    assert footage.text == "Footage" and not footage.certain


def test_a_sentence_opener_followed_by_a_verb_is_a_name() -> None:
    assert find_names("Erdogan said terrorism remains a concern")[0].certain


def test_months_and_weekdays_are_not_names() -> None:
    assert texts("On Tuesday in February Putin left") == ["Putin"]


def test_possessive_is_not_part_of_the_name() -> None:
    name = find_names("since Moscow’s first trip")[0]
    assert name.text == "Moscow"


def test_hyphenated_compounds_keep_the_name_part() -> None:
    assert texts("the U.S.-backed forces and anti-Assad rebels") == ["U.S.", "Assad"]


def test_us_variants_normalize_to_one_key() -> None:
    assert normalize_name("US") == normalize_name("U.S.") == normalize_name("United States")


def test_possessives_with_any_apostrophe_normalize_alike() -> None:
    assert normalize_name("Iran's") == normalize_name("Iran‘s") == normalize_name("Iran’s")


def test_demonyms_and_capitals_map_to_the_country() -> None:
    assert normalize_name("Iranian") == normalize_name("Tehran") == "iran"
    assert normalize_name("the Kremlin") == "russia"


def test_accents_do_not_matter() -> None:
    assert name_relation("Erdoğan", "Erdogan") is NameRelation.SAME


def test_surname_is_part_of_the_full_name() -> None:
    assert name_relation("Putin", "Vladimir Putin") is NameRelation.PART


def test_acronym_equals_its_expansion() -> None:
    assert name_relation("NIOC", "National Iranian Oil Company") is NameRelation.SAME


def test_laisi_is_a_likely_misspelling_of_raisi() -> None:
    assert name_relation("Laisi", "Raisi") is NameRelation.MISSPELLING
    assert name_relation("Laisi", "Ebrahim Raisi") is NameRelation.MISSPELLING


def test_known_places_are_never_misspellings_of_each_other() -> None:
    assert name_relation("Iran", "Iraq") is NameRelation.DIFFERENT


def test_different_people_sharing_a_surname_differ() -> None:
    assert name_relation("Joe Biden", "Hunter Biden") is NameRelation.DIFFERENT


def test_khamenei_and_khomeini_are_different_people() -> None:
    assert name_relation("Khamenei", "Khomeini") is NameRelation.DIFFERENT


def test_match_names_reports_the_misspelling() -> None:
    a = find_names("“Our two countries...,” Laisi said after talks with Putin.")
    b = find_names("Erdogan and his Iranian counterpart Ebrahim Raisi attend a ceremony")
    relations = {(m.a.text, m.b.text): m.relation for m in match_names(a, b)}
    assert relations[("Laisi", "Ebrahim Raisi")] is NameRelation.MISSPELLING


@given(st.text(max_size=200))
def test_spans_index_the_input_exactly(text: str) -> None:
    for name in find_names(text):
        assert name.span.of(text) == name.text


def test_recase_gives_a_lowercased_summary_the_article_casing() -> None:
    article = "Kevin Sinfield made his debut for Leeds. The Rhinos beat Warrington."
    assert recase("kevin sinfield beat leeds .", [article]) == "Kevin Sinfield beat Leeds ."


def test_recase_reads_a_title_case_headline_as_words() -> None:
    body = "Putin met with Khamenei in Iran and with Erdogan of Turkey on Tuesday."
    assert recase("Putin Meets With Khamenei Of Iran", [body, "Putin meets the press."]) == (
        "Putin meets with Khamenei of Iran"
    )


def test_recase_keeps_a_lone_particle_the_references_only_hyphenate() -> None:
    assert recase("Ayatollah Al Khamenei", ["backers of Bashar al-Assad said"]) == (
        "Ayatollah Al Khamenei"
    )


def test_soundex_codes_follow_the_standard() -> None:
    assert [soundex(word) for word in ("Robert", "Rupert", "Tymczak", "Pfister")] == [
        "R163",
        "R163",
        "T522",
        "P236",
    ]


def test_a_sound_alike_name_is_spotted() -> None:
    assert sounds_alike("Rice", "Raisi")


def test_places_and_different_initials_never_sound_alike() -> None:
    assert not sounds_alike("Iran", "Iraq")
    assert not sounds_alike("Laisi", "Raisi")


def test_a_name_followed_by_said_and_a_full_stop_is_certain() -> None:
    (name,) = find_names('"We will not accept it," Ortega said.')
    assert name.certain


def test_a_capitalized_al_inside_a_sentence_begins_a_name() -> None:
    assert [name.text for name in find_names("He met Al Gore and Ayatollah Al Khamenei.")] == [
        "Al Gore",
        "Al Khamenei",
    ]


def test_a_name_of_its_country_is_the_name_itself() -> None:
    assert name_relation("Erdogan of Turkey", "Tayyip Erdogan") is NameRelation.PART
    assert name_relation("Al Khamenei of Iran", "Ali Khamenei") is NameRelation.MISSPELLING
    assert name_relation("Bank of England", "Bank of Japan") is NameRelation.DIFFERENT
