"""Story-level offline checks: names across sources, headlines against bodies, datelines."""

from __future__ import annotations

import datetime as dt

from veracity import Disagreement, Document, DocumentMeta, Story, StoryReport, check

WIRE_TEXT = (
    "Iranian President Ebrahim Raisi welcomed Putin in Tehran on Tuesday.\n\n"
    "The two leaders discussed grain exports and the war in Syria."
)


def run(*documents: Document) -> StoryReport:
    return check(list(documents), load_entry_points=False)


def contradictions(report: StoryReport, checker: str) -> list[tuple[str, str, str]]:
    return [
        (v.source_id, v.against_source_id, v.explanation)
        for v in report.contradicting_verdicts()
        if v.checker == checker
    ]


def test_a_misspelt_name_is_flagged_against_the_source_that_spells_it_right() -> None:
    report = run(
        Document(id="wire", text=WIRE_TEXT),
        Document(
            id="spun", text="Our cooperation will grow, Laisi said after the talks on Tuesday."
        ),
    )
    [verdict] = [v for v in report.contradicting_verdicts() if v.checker == "name_check"]
    assert (verdict.source_id, verdict.against_source_id) == ("spun", "wire")
    assert verdict.disagreement is Disagreement.ENTITY
    assert verdict.evidence is not None and "Ebrahim Raisi" in verdict.evidence
    assert verdict.evidence_span is not None
    assert "'Laisi'" in verdict.explanation


def test_a_name_only_a_caption_spells_right_has_no_evidence_passage() -> None:
    report = run(
        Document(
            id="wire",
            text="The leaders met in Tehran on Tuesday to discuss grain exports and Syria.",
            meta=DocumentMeta(captions=["Iranian President Ebrahim Raisi attends a ceremony."]),
        ),
        Document(
            id="spun", text="Our cooperation will grow, Laisi said after the talks on Tuesday."
        ),
    )
    [verdict] = [v for v in report.contradicting_verdicts() if v.checker == "name_check"]
    assert verdict.evidence is None and verdict.evidence_span is None
    assert "photo caption" in verdict.explanation


def test_a_sound_alike_name_is_flagged() -> None:
    report = run(
        Document(id="wire", text=WIRE_TEXT),
        Document(id="spun", text="Putin met Khamenei and President Rice in Tehran on Tuesday."),
    )
    assert [(s, a) for s, a, _ in contradictions(report, "name_check")] == [("spun", "wire")]


def test_a_source_that_names_both_people_is_not_flagged() -> None:
    report = run(
        Document(id="wire", text="Putin met Supreme Leader Ali Khamenei in Tehran on Tuesday."),
        Document(
            id="spun",
            text="Putin met Khamenei on Tuesday under a portrait of Ayatollah Khomeini in Tehran.",
        ),
    )
    assert contradictions(report, "name_check") == []


def test_a_name_another_source_also_uses_is_not_flagged() -> None:
    report = run(
        Document(id="wire", text=WIRE_TEXT),
        Document(id="spun", text="Raisi said the talks with Putin in Tehran went well on Tuesday."),
    )
    assert contradictions(report, "name_check") == []


def test_a_headline_the_body_contradicts_is_a_verdict_against_itself() -> None:
    body = "The Harwick dam opened on Tuesday after three years of delays, officials said."
    report = run(
        Document(id="a", title="Harwick dam opens after five years of delays", text=body),
        Document(id="b", text="The Harwick dam opened on Tuesday after three years of delays."),
    )
    [verdict] = [v for v in report.contradicting_verdicts() if v.against_source_id == v.source_id]
    assert verdict.source_id == "a"
    assert verdict.disagreement is Disagreement.NUMBER
    assert report.claims and verdict.evidence == "Harwick dam opens after five years of delays"
    assert verdict.evidence_span is None
    assert "headline" in verdict.explanation


def test_a_headline_the_body_bears_out_raises_nothing() -> None:
    body = "The Harwick dam opened on Tuesday after three years of delays, officials said."
    report = run(
        Document(id="a", title="Harwick Dam Opens After Three Years Of Delays", text=body),
        Document(id="b", text="The Harwick dam opened on Tuesday after three years of delays."),
    )
    assert report.contradicting_verdicts() == []


def _dated_story(spun_text: str) -> Story:
    return Story(
        id="s",
        documents=[
            Document(
                id="wire",
                text="The talks were held in Tehran on July 14, officials said.",
                published=dt.date(2022, 7, 21),
            ),
            Document(id="spun", text=spun_text),
        ],
    )


def test_a_dateline_dates_a_source_so_its_weekdays_resolve() -> None:
    # The dateline's July 19, 2022 was a Tuesday: "on Wednesday" is July 13, not July 14.
    report = check(
        _dated_story(
            "LONDON, July 19 (Reuters) - Leaders met this week.\n\n"
            "The talks were held in Tehran on Wednesday, officials said."
        ),
        load_entry_points=False,
    )
    found = report.contradicting_verdicts()
    assert {(v.source_id, v.against_source_id) for v in found} == {
        ("spun", "wire"),
        ("wire", "spun"),
    }
    assert all(v.disagreement is Disagreement.DATE for v in found)
    assert all("'Wednesday' is 2022-07-13" in v.explanation for v in found)


def test_without_a_date_or_dateline_a_weekday_is_not_compared() -> None:
    report = check(
        _dated_story("The talks were held in Tehran on Wednesday, officials said."),
        load_entry_points=False,
    )
    assert report.contradicting_verdicts() == []


# --- names on real coverage: what string similarity alone gets wrong -------------------------


def sources(*texts: str, title: str = "") -> list[Document]:
    """One document per text, the first with ``title`` as its headline."""
    return [
        Document(id=f"s{i}", text=text, title=title if i == 0 else "")
        for i, text in enumerate(texts)
    ]


def test_a_common_word_glued_to_page_furniture_is_not_a_misspelt_name() -> None:
    report = run(
        *sources(
            "A tourist ship struck a highway bridge on the Rhine on Tuesday.",
            "The ship hit the bridge near Duisburg on Tuesday, police said.",
            "Boat trips are a magnet Tourists from all over the world flock to the harbour.",
            title="Tourist Ship Strikes Highway Bridge in Germany",
        )
    )
    assert contradictions(report, "name_check") == []


def test_the_plural_of_a_name_other_sources_use_is_not_a_misspelling() -> None:
    report = run(
        *sources(
            "Representative Elijah Cummings, the top Democrat on the committee, spoke.",
            "Rep. Elijah Cummings, the senior Democrat on the committee, said the memos were fine.",
            "The Republicans noted that Comey held Trump to a different standard; Democrats did not.",
        )
    )
    assert contradictions(report, "name_check") == []


def test_an_umlaut_written_as_two_letters_is_the_same_name() -> None:
    report = run(
        *sources(
            "The files were leaked to the German paper Süddeutsche Zeitung, which shared them.",
            "It began when someone contacted the German newspaper Süddeutsche Zeitung.",
            "The records were obtained by the German daily Sueddeutsche Zeitung and shared.",
        )
    )
    assert contradictions(report, "name_check") == []


def test_a_sound_alike_in_another_role_is_not_flagged() -> None:
    report = run(
        *sources(
            "It is a catchy way to get attention, said Stern while driving in Boulder.",
            "Alan Stern, a planetary scientist, said the launch was a catchy stunt.",
            "A red roadster, complete with a dummy passenger called Starman, is on board.",
        )
    )
    assert contradictions(report, "name_check") == []


def test_a_capitalized_word_that_opens_a_quote_is_not_a_name() -> None:
    report = run(
        *sources(
            "Barbara Corcoran, a personality on ABC's Shark Tank, wrote about the flight.",
            "Corcoran, a judge on Shark Tank, said she took the wrong flight.",
            "She tells her husband: 'Thank you so much for this vacation,' and he deadpans.",
        )
    )
    assert contradictions(report, "name_check") == []


def test_a_slip_that_turns_a_name_into_a_common_word_is_flagged() -> None:
    report = run(
        *sources(
            "Prime Minister Manuel Valls said France would observe three days of mourning.",
            "Manuel Valls, the prime minister, called for calm.",
            "Tensions are running high, and French Prime Minister Manual Valls called for calm.",
        )
    )
    flagged = {(s, a) for s, a, _ in contradictions(report, "name_check")}
    assert flagged == {("s2", "s0"), ("s2", "s1")}
