"""The whole LLM pipeline against a real local model (llama.cpp serving SmolLM2-135M).

The model is tiny and its answers are poor: it invents quotes, runs out of
tokens inside JSON and ignores instructions. So these tests assert what must
hold whatever the model says.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from veracity import Document, Pipeline, RunReport, Settings, Stance, Story, StoryReport
from veracity.cli.main import main
from veracity.llm import LLMClient, LocalServer

STORY = Story(
    id="dam",
    documents=[
        Document(
            id="wire",
            text=(
                "The new dam on the Kora river opened on Tuesday, three years late. "
                'It cost 1.2 billion euros, officials said. "This dam protects forty towns," '
                "the regional president Ana Ortiz told reporters."
            ),
        ),
        Document(
            id="blog",
            text=(
                "The Kora dam opened on Wednesday after five years of delays. "
                'It cost 1.2 billion euros. "This dam protects every town," Ana Ortiz said.'
            ),
        ),
    ],
)


@pytest.fixture(scope="module")
def report(local_llm: LocalServer) -> Iterator[StoryReport]:
    # 240 s a request: on a shared 2-core machine the server's queue and the longer prompts
    # of the hybrid path (findings to review) took one call past 60 s.
    settings = local_llm.settings(max_tokens=160, max_repairs=1, cache_enabled=False, timeout=240)
    with LLMClient(settings) as client:
        pipeline = Pipeline(
            Settings(llm_input_budget=300, summary_sentences=2), llm=client, load_entry_points=False
        )
        yield pipeline.run_story(STORY)


@pytest.mark.integration
def test_a_real_model_run_gives_a_valid_report(report: StoryReport) -> None:
    assert StoryReport.model_validate_json(report.model_dump_json()) == report
    assert {score.source_id for score in report.scores} == {"wire", "blog"}


@pytest.mark.integration
def test_every_kept_claim_quote_is_verbatim_in_its_source(report: StoryReport) -> None:
    for claim in report.claims:
        assert (
            STORY.document(claim.source_id).text[claim.span.start : claim.span.end] == claim.quote
        )


@pytest.mark.integration
def test_every_kept_evidence_is_verbatim_in_the_other_source(report: StoryReport) -> None:
    for verdict in report.verdicts:
        # The model's verdicts; the offline checks' run beside them (a headline has no span).
        if verdict.stance is not Stance.ABSENT and verdict.checker == "llm_check":
            assert verdict.evidence_span is not None
            assert (
                verdict.evidence_span.of(STORY.document(verdict.against_source_id).text)
                == verdict.evidence
            )


@pytest.mark.integration
def test_invented_quotes_are_dropped_and_counted(report: StoryReport) -> None:
    hallucinated = [item for item in report.dropped if "not in the" in item.reason]
    assert report.usage.hallucinated_quotes == len(hallucinated)


@pytest.mark.integration
def test_failed_answers_are_warnings_not_a_crash(report: StoryReport) -> None:
    assert report.usage.calls >= 1
    for warning in report.warnings:
        assert warning.plugin in {"llm_summary", "llm_claims", "llm_check", None}


@pytest.mark.integration
def test_the_call_budget_holds(report: StoryReport) -> None:
    sources = len(STORY.documents)
    usage = report.usage
    assert usage.calls <= (
        2 * sources + 1 + usage.repairs + usage.splits + usage.retries + usage.failed_calls
    )


@pytest.mark.integration
def test_local_model_flag_serves_a_gguf_for_the_whole_run(
    smollm2_gguf: Path, tmp_path: Path
) -> None:
    story = tmp_path / "dam"
    story.mkdir()
    for document in STORY.documents:
        (story / f"{document.id}.txt").write_text(document.text, encoding="utf-8")
    out = tmp_path / "r.json"
    result = CliRunner().invoke(
        main,
        [
            "run",
            str(story),
            "--local-model",
            str(smollm2_gguf),
            "--no-cache",
            "--out",
            str(out),
            "--llm-input-budget",
            "300",
        ],
    )
    assert result.exit_code == 0, result.output
    report = RunReport.model_validate_json(out.read_text(encoding="utf-8"))
    assert report.run.engine == "llm"
    assert report.stories[0].usage.calls >= 1
