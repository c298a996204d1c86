"""The units check, run the way veracity runs it: claims from a built-in, verdicts from us."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import veracity_check_units as units

from veracity import Story, StoryReport
from veracity.llm import LLMClient
from veracity.testing import ScriptedLLM, load_installed, make_story, pipeline_with


def check(story: Story, **plugin_options: Any) -> StoryReport:
    """Run the units check alone over sentence claims (the offline claim extractor)."""
    options = {f"units.{key}": value for key, value in plugin_options.items()}
    pipeline = pipeline_with(units, builtins=("sentence_claims",), plugin_options=options)
    return pipeline.run_story(story)


def stances(report: StoryReport) -> dict[tuple[str, str], str]:
    """``{(claim source, judging source): stance}`` of the units verdicts."""
    return {
        (v.source_id, v.against_source_id): v.stance.value
        for v in report.verdicts
        if v.checker == units.NAME
    }


def test_a_distance_in_miles_supports_the_same_distance_in_km() -> None:
    story = make_story(
        {
            "a": "The convoy drove 30 km to the border on Monday.",
            "b": "The convoy drove 20 miles to the border on Monday.",
        }
    )
    assert stances(check(story)) == {("a", "b"): "supports", ("b", "a"): "supports"}


def test_a_conversion_that_does_not_match_its_figure_is_a_self_contradiction() -> None:
    story = make_story(
        {
            "a": "The convoy drove 30 kilometers (25 miles) to the border on Monday.",
            "b": "The convoy drove 30 km to the border on Monday.",
        }
    )
    (verdict,) = [v for v in check(story).verdicts if v.against_source_id == v.source_id]
    assert verdict.source_id == "a"
    assert verdict.evidence == "25 miles"
    assert "34% apart" in verdict.explanation


def test_the_same_money_in_another_notation_is_support() -> None:
    story = make_story(
        {
            "a": "The merger is worth $40 billion to the two companies.",
            "b": "The merger is worth 40 bn dollars to the two companies.",
        }
    )
    report = check(story)
    assert stances(report) == {("a", "b"): "supports", ("b", "a"): "supports"}
    assert "is the same figure as" in report.verdicts[0].explanation


def test_a_million_for_a_billion_is_a_number_contradiction() -> None:
    story = make_story(
        {
            "a": "The merger is worth $40 billion to the two companies.",
            "b": "The merger is worth 40 million dollars to the two companies.",
        }
    )
    report = check(story)
    assert stances(report) == {("a", "b"): "contradicts", ("b", "a"): "contradicts"}
    assert all(v.disagreement == "number" for v in report.verdicts)
    assert "1,000 times apart" in report.verdicts[0].explanation


def test_pounds_after_a_mass_are_a_weight_not_money() -> None:
    right = make_story({"a": "The parcel weighed 5 kg (11 pounds) when it was sent."})
    wrong = make_story({"a": "The parcel weighed 5 kg (20 pounds) when it was sent."})
    assert check(right).verdicts == []
    assert stances(check(wrong)) == {("a", "a"): "contradicts"}


def test_figures_written_the_same_way_are_left_to_the_built_in_checks() -> None:
    story = make_story(
        {
            "a": "The convoy drove 30 km to the border on Monday.",
            "b": "The convoy drove 35 km to the border on Monday.",
        }
    )
    assert stances(check(story)) == {}


def test_two_candidate_figures_in_the_other_sentence_are_not_guessed_between() -> None:
    story = make_story(
        {
            "a": "The road runs 30 km to the border on Monday.",
            "b": "The road runs 9 miles and the tunnel 2 miles to the border on Monday.",
        }
    )
    assert "contradicts" not in stances(check(story)).values()


def test_the_tolerance_option_sets_how_far_a_conversion_may_be_off() -> None:
    story = make_story(
        {
            "a": "The convoy drove 30 km to the border on Monday.",
            "b": "The convoy drove 20 miles to the border on Monday.",
        }
    )
    # 20 miles is 32.2 km: 5.6% off, allowed by the default 5% slack beyond its rounding.
    assert stances(check(story, tolerance=0.0))[("a", "b")] == "contradicts"
    assert stances(check(story))[("a", "b")] == "supports"


def test_the_plugin_is_installed_under_its_entry_point_with_its_option() -> None:
    plugin = load_installed("units")
    assert plugin is units
    (option,) = units.veracity_register_options()
    assert (option.name, option.flag, option.default) == (
        "units.tolerance",
        "--units-tolerance",
        0.05,
    )


def test_claims_an_llm_extracted_are_checked_too(
    scripted_llm: Callable[..., ScriptedLLM],
) -> None:
    texts = {
        "a": "Officials said the convoy drove 30 km to the border on Monday.",
        "b": "Officials said the convoy drove 25 miles to the border on Monday.",
    }

    def extract(messages: list[dict[str, str]]) -> Any:
        # The prompt names its source: "(source id a)". Answer with the figure's claim.
        source = re.search(r"\(source id (\w+)\)", messages[-1]["content"])
        assert source is not None
        quote = texts[source.group(1)].removeprefix("Officials said ")
        return {"claims": [{"text": quote, "quote": quote, "kind": "number"}]}

    llm = scripted_llm(extract)
    pipeline = pipeline_with(units, builtins=("llm_claims",), llm=llm.client)
    report = pipeline.run_story(make_story(texts))
    assert {claim.extractor for claim in report.claims} == {"llm_claims"}
    assert stances(report) == {("a", "b"): "contradicts", ("b", "a"): "contradicts"}
    assert len(llm.requests) == 2


@pytest.mark.vcr
def test_claims_from_a_replayed_llm_exchange_are_checked_too(cassette_llm: LLMClient) -> None:
    # The LLM's answers come from tests/cassettes/test_units/<this test>.yaml: replayed
    # offline by pytest-recording, re-recorded with --record-mode=once (see its README).
    texts = {
        "a": "Officials said the convoy drove 30 km to the border on Monday.",
        "b": "Officials said the convoy drove 25 miles to the border on Monday.",
    }
    pipeline = pipeline_with(units, builtins=("llm_claims",), llm=cassette_llm)
    report = pipeline.run_story(make_story(texts))
    # A request the cassette does not hold (the prompt changed: re-record it) fails
    # llm_claims, and vcr's explanation is in the report's warnings.
    failures = [w.message for w in report.warnings if w.plugin == "llm_claims"]
    assert not failures, "\n".join(failures)
    assert {claim.extractor for claim in report.claims} == {"llm_claims"}
    # 25 miles is 40.2 km, not 30 km.
    assert stances(report) == {("a", "b"): "contradicts", ("b", "a"): "contradicts"}
    assert all(v.disagreement == "number" for v in report.verdicts if v.checker == units.NAME)
    assert cassette_llm.usage.calls == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a 30 km (19 mi) road", ("km", "mile")),
        ("200 acres (81 hectares) of forest", ("acre", "ha")),
    ],
)
def test_units_the_core_reads_as_nouns_are_understood(text: str, expected: tuple[str, str]) -> None:
    ((figure, conversion),) = units.find_figures(text)
    assert conversion is not None
    assert (figure.written_unit, conversion.written_unit) == expected
    assert figure.agrees(conversion, units.DEFAULT_TOLERANCE)
