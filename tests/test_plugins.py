"""The plugin system: built-ins, third-party plugins, failures and ordering."""

from __future__ import annotations

import importlib.metadata
import threading
import time
from types import SimpleNamespace
from typing import Any

import pytest

from veracity import Claim, ClaimKind, Document, Pipeline, Settings, Span, Story, hookimpl
from veracity.pipeline.context import StageContext
from veracity.pipeline.plugin_manager import DEFAULT_PLUGINS, build_plugin_manager

STORY = Story(
    id="dam",
    documents=[
        Document(id="a", text="The dam opened on Tuesday. It cost 40 million euros to build."),
        Document(id="b", text="The dam opened on Tuesday. Building it cost 40 million euros."),
    ],
)


class WordCountClaims:
    """A small third-party check: every sentence mentioning money is a number claim."""

    @hookimpl
    def veracity_extract_claims(self, document: Document) -> list[Claim]:
        start = document.text.find("40 million euros")
        if start < 0:
            return []
        quote = "40 million euros"
        return [
            Claim.make(
                source_id=document.id,
                text=f"The cost was {quote}.",
                quote=quote,
                span=Span(start=start, end=start + len(quote)),
                kind=ClaimKind.NUMBER,
                extractor="money",
            )
        ]


def offline(*plugins: object) -> Pipeline:
    return Pipeline(Settings(), plugins=plugins, load_entry_points=False)


def test_every_builtin_is_registered_under_its_short_name() -> None:
    names = {info.name for info in build_plugin_manager(load_entry_points=False).plugins()}
    assert names == {module.rsplit(".", 1)[1] for module in DEFAULT_PLUGINS}


def test_a_plugin_passed_to_the_api_adds_its_claims_to_the_report() -> None:
    report = offline(WordCountClaims()).run_story(STORY)
    assert {claim.source_id for claim in report.claims if claim.extractor == "money"} == {"a", "b"}


def test_a_plugin_that_raises_becomes_a_warning_naming_it() -> None:
    class Broken:
        @hookimpl
        def veracity_extract_claims(self) -> list[Claim]:
            raise RuntimeError("model file missing")

    report = offline(Broken()).run_story(STORY)
    messages = [warning.message for warning in report.warnings]
    assert any("'Broken'" in message and "model file missing" in message for message in messages)
    assert report.claims, "the other extractors' claims are kept"


def test_a_plugin_returning_the_wrong_type_is_reported_by_name() -> None:
    class Sloppy:
        @hookimpl
        def veracity_extract_claims(self) -> Any:
            return ["not a claim"]

    report = offline(Sloppy()).run_story(STORY)
    assert any("Sloppy" in w.message and "not list[Claim]" in w.message for w in report.warnings)


def test_async_hooks_are_awaited() -> None:
    class AsyncSummary:
        @hookimpl(tryfirst=True)
        async def veracity_summarize(self, story: Story) -> Any:
            from veracity import Summary, SummarySentence

            return Summary(
                sentences=[SummarySentence(text="A dam opened.", source_ids=["a", "b"])],
                summarizer="async",
            )

    report = offline(AsyncSummary()).run_story(STORY)
    assert report.summary.summarizer == "async"


def test_a_summarizer_can_be_chosen_by_name() -> None:
    class Other:
        @hookimpl(tryfirst=True)
        def veracity_summarize(self) -> Any:
            from veracity import Summary

            return Summary(summarizer="other")

    pipeline = Pipeline(
        Settings(summarizer="extractive_summary"), plugins=[Other()], load_entry_points=False
    )
    assert pipeline.run_story(STORY).summary.summarizer == "extractive_summary"


def test_a_slow_async_plugin_is_stopped_at_the_stage_timeout() -> None:
    import asyncio

    class Slow:
        @hookimpl
        async def veracity_cross_check(self) -> list[Any]:
            await asyncio.sleep(5)
            return []

    pipeline = Pipeline(Settings(stage_timeout=0.05), plugins=[Slow()], load_entry_points=False)
    report = pipeline.run_story(STORY)
    assert any(
        "Slow" in w.message and "took longer than 0.05 s" in w.message for w in report.warnings
    )


def test_a_hung_synchronous_plugin_is_left_behind_at_the_stage_timeout() -> None:
    release = threading.Event()

    class Hung:
        @hookimpl
        def veracity_cross_check(self) -> list[Any]:
            release.wait(30)
            return []

    pipeline = Pipeline(Settings(stage_timeout=0.2), plugins=[Hung()], load_entry_points=False)
    started = time.perf_counter()
    try:
        report = pipeline.run_story(STORY)
    finally:
        release.set()
    assert time.perf_counter() - started < 10
    assert any(
        "Hung" in w.message and "took longer than 0.2 s" in w.message for w in report.warnings
    )
    assert report.scores, "the other plugins still scored the story"


def test_a_synchronous_plugins_error_still_names_it_under_a_stage_timeout() -> None:
    class Broken:
        @hookimpl
        def veracity_cross_check(self) -> list[Any]:
            raise ValueError("no comparison table")

    pipeline = Pipeline(Settings(stage_timeout=5), plugins=[Broken()], load_entry_points=False)
    report = pipeline.run_story(STORY)
    assert any(
        "Broken" in w.message and "no comparison table" in w.message for w in report.warnings
    )


def test_results_do_not_depend_on_registration_order() -> None:
    class First(WordCountClaims):
        pass

    class Second(WordCountClaims):
        pass

    one = offline(First(), Second()).run_story(STORY)
    other = offline(Second(), First()).run_story(STORY)
    assert one.model_dump(exclude={"timings"}) == other.model_dump(exclude={"timings"})


def test_a_disabled_builtin_is_not_registered() -> None:
    names = {
        info.name
        for info in build_plugin_manager(
            load_entry_points=False, disabled=["markdown_report"]
        ).plugins()
    }
    assert "markdown_report" not in names


def _fake_entry_points(monkeypatch: pytest.MonkeyPatch, *entry_points: Any) -> None:
    def entry_points_for(group: str) -> list[Any]:
        return list(entry_points) if group == "veracity" else []

    monkeypatch.setattr(importlib.metadata, "entry_points", lambda group: entry_points_for(group))


def test_an_installed_entry_point_plugin_is_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VERACITY_LOAD_PLUGINS")
    plugin = WordCountClaims()
    entry_point = SimpleNamespace(
        name="money",
        value="money:plugin",
        dist=SimpleNamespace(name="veracity-money", version="1.0"),
        load=lambda: plugin,
    )
    _fake_entry_points(monkeypatch, entry_point)
    manager = build_plugin_manager()
    (info,) = [info for info in manager.plugins() if info.name == "money"]
    assert info.origin == "veracity-money 1.0"
    assert info.hooks == ("veracity_extract_claims",)


def test_a_broken_entry_point_is_a_warning_not_a_dead_tool(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VERACITY_LOAD_PLUGINS")

    def load() -> Any:
        raise ImportError("No module named 'numpyy'")

    _fake_entry_points(
        monkeypatch, SimpleNamespace(name="broken", value="broken:plugin", dist=None, load=load)
    )
    manager = build_plugin_manager()
    assert manager.load_warnings == [
        "plugin 'broken' (broken:plugin) failed to load and was skipped: ImportError: No module named 'numpyy'"
    ]


def test_load_plugins_allow_list_skips_other_entry_points(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VERACITY_LOAD_PLUGINS", "other")
    entry_point = SimpleNamespace(
        name="money", value="money:plugin", dist=None, load=lambda: WordCountClaims()
    )
    _fake_entry_points(monkeypatch, entry_point)
    assert "money" not in {info.name for info in build_plugin_manager().plugins()}


def test_context_is_shared_across_a_story_so_alignment_is_computed_once() -> None:
    context = StageContext()
    assert context.alignment(STORY) is context.alignment(STORY)
