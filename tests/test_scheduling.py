"""Scheduling and call-cutting against the simulated endpoint of ``bench/sim_endpoint.py``.

The simulator speaks real HTTP on 127.0.0.1 and counts what it sees, so these
tests check from the server's side that a batch keeps the client's request
slots full, that a story's summary and extractions run together, and that
cells the offline alignment settles are never sent to the model.
"""

from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import Iterable
from pathlib import Path

import httpx
import pytest
from support import load_bench_module

from veracity import (
    Claim,
    ClaimKind,
    Document,
    Pipeline,
    Settings,
    Stance,
    Story,
    StoryFailure,
    StoryReport,
    Verdict,
)
from veracity.comparison.alignment import align_story
from veracity.llm import LLMClient, LLMSettings
from veracity.plugins.llm_check import check_source, settled_cells
from veracity.text.quote_matching import locate_quote

sim = load_bench_module("sim_endpoint")
llm_bench = load_bench_module("llm_bench")  # finds sim_endpoint in sys.modules

WIRE = (
    "A fire broke out at the Harlow Plastics plant in Dunmore early on Thursday, forcing the "
    "evacuation of 240 workers, the county fire service said. Firefighters brought the blaze "
    "under control after four hours. Two workers were taken to hospital with smoke inhalation "
    "and were released in the afternoon."
)


def _serve(latency: float) -> object:
    return sim.SimEndpoint(sim.SimConfig(latency=latency))


def _client(url: str, concurrency: int = 8) -> LLMClient:
    return LLMClient(
        LLMSettings(base_url=url, model=sim.MODEL, cache_enabled=False, concurrency=concurrency)
    )


async def _run_all(
    pipeline: Pipeline, stories: Iterable[Story]
) -> list[StoryReport | StoryFailure]:
    return [result async for result in pipeline.arun_stories(stories)]


def test_a_batch_keeps_the_endpoint_concurrency_full() -> None:
    with _serve(0.02) as endpoint, _client(endpoint.url, concurrency=8) as client:
        pipeline = Pipeline(Settings(), llm=client, load_entry_points=False)

        results = asyncio.run(_run_all(pipeline, llm_bench.generate_stories(10, 3)))

        assert not [result for result in results if isinstance(result, StoryFailure)]
        seen = endpoint.stats()
        assert seen.answered == client.usage.calls
        # The client's limit is the one limit: reached, never passed.
        assert 7 <= seen.max_concurrency <= 8


def test_llm_runs_put_enough_stories_in_flight_to_fill_the_slots() -> None:
    with _client("http://127.0.0.1:9/v1", concurrency=12) as client:
        assert Pipeline(Settings(), llm=client, load_entry_points=False).story_concurrency == 12
        offline = Settings(offline=True)
        assert Pipeline(offline, llm=client, load_entry_points=False).story_concurrency == 4
        chosen = Settings(story_concurrency=2)
        assert Pipeline(chosen, llm=client, load_entry_points=False).story_concurrency == 2
    assert Pipeline(Settings(), load_entry_points=False).story_concurrency == 4


def test_a_storys_summary_and_extractions_are_asked_together() -> None:
    (story,) = llm_bench.generate_stories(1, 3)
    with _serve(0.2) as endpoint, _client(endpoint.url) as client:
        pipeline = Pipeline(Settings(), llm=client, load_entry_points=False)

        report = pipeline.run_story(story)

        # One summary call and three extractions in flight at once: one round, not two.
        assert endpoint.stats().max_concurrency == 4
        assert report.summary.sentences and report.claims
        assert report.usage.calls == client.usage.calls


def test_a_syndicated_copy_is_cross_checked_without_asking() -> None:
    story = Story(
        id="fire",
        documents=[Document(id="wire", text=WIRE), Document(id="syndicated", text=WIRE)],
    )
    with _serve(0.0) as endpoint, _client(endpoint.url) as client:
        pipeline = Pipeline(Settings(), llm=client, load_entry_points=False)

        report = pipeline.run_story(story)

        # Every cell was settled by the alignment: not one cross-check call.
        assert "cross-check" not in client.usage_by_purpose
        context = pipeline.context(story.id)
        asked: list[Verdict] = []
        for document in story.documents:
            own = [claim for claim in report.claims if claim.source_id == document.id]
            asked += asyncio.run(check_source(document.id, own, story, context, settle=False))
        assert client.usage_by_purpose["cross-check"].calls == 2

    # Asked, the model comes to the same stance on every cell.
    def stances(verdicts: list[Verdict]) -> dict[tuple[str, str], Stance]:
        return {(v.claim_id, v.against_source_id): v.stance for v in verdicts}

    assert stances(report.verdicts) == stances(asked)
    assert set(stances(report.verdicts).values()) == {Stance.SUPPORTS}
    for verdict in report.verdicts:
        assert verdict.evidence_span is not None
        assert verdict.evidence == verdict.evidence_span.of(WIRE)


def test_a_sentence_that_differs_by_a_not_settles_nothing(pipeline: Pipeline) -> None:
    sentence = "Firefighters brought the blaze under control after four hours."
    negated = "Firefighters did not bring the blaze under control after four hours."
    span = locate_quote(sentence, WIRE)
    assert span is not None
    claim = Claim.make(
        source_id="wire",
        text=sentence,
        quote=span.of(WIRE),
        span=span,
        kind=ClaimKind.FACT,
        extractor="test",
    )
    wire = Document(id="wire", text=WIRE)
    disputed = Story(id="fire", documents=[wire, Document(id="negated", text=negated)])
    copied = Story(id="fire", documents=[wire, Document(id="copy", text=WIRE)])

    assert settled_cells([claim], ["negated"], disputed, align_story(disputed)) == {}
    settled = settled_cells([claim], ["copy"], copied, align_story(copied))
    assert settled[(claim.id, "copy")].stance is Stance.SUPPORTS


def test_item_17_the_simulator_closes_open_connections_before_its_loop(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Issue 15 item 17: stopping the simulated endpoint with a keep-alive connection still
    open leaves no pending task or unclosed writer behind its closed loop (the cause of
    "Task was destroyed but it is pending" and "Event loop is closed" in a flaky test)."""
    unraisable: list[str] = []
    previous_hook = sys.unraisablehook
    sys.unraisablehook = lambda hook_args: unraisable.append(repr(hook_args.exc_value))
    try:
        with httpx.Client(trust_env=False) as http:
            with _serve(0.0) as endpoint:
                # Answered, and the connection stays open (kept alive) while the endpoint stops.
                assert http.get(endpoint.url + "/models").status_code == 200
            gc.collect()
    finally:
        sys.unraisablehook = previous_hook
    assert unraisable == []
    assert "destroyed but it is pending" not in caplog.text


def test_the_end_to_end_bench_runs_the_command_and_finds_every_report(tmp_path: Path) -> None:
    """``llm_bench.py --cli``: ``veracity run`` as a process against the simulator, every
    story's report written, the calls and the bound counted from the server's side."""
    run = llm_bench.measure_cli(
        stories=3,
        sources=3,
        concurrency=8,
        config=sim.SimConfig(latency=0.01),
        keep=tmp_path / "out",
    )
    assert run.failures == 0
    assert run.stats.answered == 3 * 7  # a summary, three extractions, three cross-checks
    assert sorted(path.name for path in (tmp_path / "out").glob("*.json")) == [
        "story0000.json",
        "story0001.json",
        "story0002.json",
    ]
    assert run.cpu is not None and run.cpu > 0
    assert run.wall >= run.bound > 0
