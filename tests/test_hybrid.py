"""Both engines on one story: with an endpoint the offline checks still run, and the
model's stances and second opinions are held to the alignment.

The "models" here are programs served on 127.0.0.1 by ``ScriptedEndpoint``
(tests/llm_stages/): content-bearing stand-ins, not a model's output.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from support import SEEDS

from veracity import Pipeline, RunReport, Settings, Stance
from veracity.cli.main import main
from veracity.comparison.alignment import align_story
from veracity.comparison.relevance import evidence_relation
from veracity.models import Disagreement, Document, Opinion, RunInfo, Span, Story, Verdict
from veracity.pipeline.second_opinion import Review, combine, finding_key
from veracity.plugins.html_report import render_html
from veracity.plugins.markdown_report import render_markdown

sys.path.insert(0, str(Path(__file__).parent / "llm_stages"))

import obedient_model
import seed_answers
from scripted_endpoint import MODEL, HttpError, ScriptedEndpoint, answer_for


def _contradicting(story: Any) -> list[Any]:
    """Every cell in which a source contradicts a claim: findings, possible ones, updates."""
    return [v for v in story.verdicts if v.stance is Stance.CONTRADICTS]


INJECTION = Path(__file__).parent / "llm_stages" / "injection"


def test_an_obedient_model_cannot_forge_support_past_the_gate(tmp_path: Path) -> None:
    """Issue 15, item 8: a model that follows the instruction planted in the article
    calls every claim supported and every finding not genuine; the offline engine's
    number contradiction (seven votes to two against five votes to four) is still
    reported, so ``--fail-on contradiction`` still fails, and evidence that is not
    about its claim is dropped and counted."""
    out = tmp_path / "r.json"
    with ScriptedEndpoint(answers=obedient_model.answer) as endpoint:
        result = CliRunner().invoke(
            main,
            [
                *("run", str(INJECTION), "--base-url", endpoint.url, "--model", MODEL),
                *("--no-cache", "--out", str(out), "--fail-on", "contradiction"),
            ],
        )
    assert result.exit_code == 1, result.output
    (story,) = RunReport.model_validate_json(out.read_text(encoding="utf-8")).stories
    (finding,) = [v for v in story.findings() if v.disagreement == "number"]
    assert "seven" in (finding.evidence or "") + story.claim(finding.claim_id).quote
    assert finding.opinions is not None
    assert (finding.opinions.offline, finding.opinions.llm) == ("genuine", "not")
    assert finding.opinions.llm_reason == obedient_model.OBEYED
    irrelevant = [item for item in story.dropped if "not about its claim" in item.reason]
    assert irrelevant
    assert story.usage.irrelevant_evidence == len(irrelevant)
    for verdict in story.verdicts:
        if verdict.stance is Stance.SUPPORTS and verdict.checker == "llm_check":
            assert verdict.explanation == obedient_model.OBEYED


def _reviewing(opinion: str) -> Callable[[list[dict[str, str]]], Any]:
    """The hand-written seed answers, with the same second opinion of every finding."""

    def answer(messages: list[dict[str, str]]) -> Any:
        found = answer_for(messages)
        if "reviews" in found:
            found["reviews"] = seed_answers.reviews(
                messages[1]["content"], opinion, f"every finding is {opinion}"
            )
        return found

    return answer


def _run(tmp_path: Path, answers: Callable[[list[dict[str, str]]], Any], *extra: str) -> Any:
    out = tmp_path / "r.json"
    with ScriptedEndpoint(answers=answers) as endpoint:
        result = CliRunner().invoke(
            main,
            [
                *("run", str(SEEDS), "--base-url", endpoint.url, "--model", MODEL),
                *("--no-cache", "--out", str(out), *extra),
            ],
        )
    assert result.exit_code in (0, 1), result.output
    (story,) = RunReport.model_validate_json(out.read_text(encoding="utf-8")).stories
    return story


def _offline_findings() -> list[Verdict]:
    (story,) = Pipeline(Settings(), load_entry_points=False).run([SEEDS]).stories
    return _contradicting(story)


def test_each_offline_finding_gets_a_second_opinion_within_2n_plus_1_calls(
    tmp_path: Path,
) -> None:
    story = _run(tmp_path, answer_for)
    offline = [v for v in story.verdicts if v.checker != "llm_check"]
    findings = [v for v in offline if v.stance is Stance.CONTRADICTS]
    assert len(findings) == len(_offline_findings()) > 0, "the offline checks ran"
    for verdict in findings:
        assert verdict.opinions is not None
        assert verdict.opinions.llm is Opinion.GENUINE
        assert verdict.opinions.llm_reason == seed_answers.AGREES
    sources = len(story.story.documents)
    usage = story.usage
    assert usage.calls == 2 * sources + 1 + usage.repairs + usage.splits


def test_a_model_that_says_not_genuine_to_everything_leaves_only_deterministic_findings(
    tmp_path: Path,
) -> None:
    story = _run(tmp_path, _reviewing("not"))
    offline = _offline_findings()
    kept = [v for v in _contradicting(story) if v.checker != "llm_check"]
    assert {finding_key(v) for v in kept} == {
        finding_key(v) for v in offline if v.disagreement in ("number", "date", "quote")
    }
    assert kept and all(v.opinions and v.opinions.disagree for v in kept)
    withdrawn = [v for v in story.verdicts if v.opinions and v.stance is Stance.ABSENT]
    assert len(withdrawn) + len(kept) == len(offline)
    markdown = render_markdown(RunReport(run=_info(), stories=[story]))
    assert f"### Withdrawn on the model's second opinion ({len(withdrawn)})" in markdown
    assert "**the engines disagree**; kept: a different number, date or quoted word" in markdown
    page = render_html(RunReport(run=_info(), stories=[story]))
    assert "the engines disagree; kept: a different number, date or quoted word" in page
    assert "Withdrawn on the model's second opinion" in page


def test_a_model_that_says_genuine_to_everything_keeps_every_finding(tmp_path: Path) -> None:
    story = _run(tmp_path, _reviewing("genuine"))
    offline = {finding_key(v): v for v in _offline_findings()}
    kept = {finding_key(v): v for v in _contradicting(story) if v.checker != "llm_check"}
    assert kept.keys() == offline.keys()
    for key, verdict in kept.items():
        before = offline[key].confidence
        assert verdict.confidence == round(before + (1 - before) / 2, 3)


def test_an_unsure_model_leaves_every_finding_as_the_offline_engine_found_it(
    tmp_path: Path,
) -> None:
    story = _run(tmp_path, _reviewing("unsure"))
    offline = {finding_key(v): v for v in _offline_findings()}
    kept = {finding_key(v): v for v in _contradicting(story) if v.checker != "llm_check"}
    assert kept.keys() == offline.keys()
    for key, verdict in kept.items():
        assert verdict.confidence == offline[key].confidence
        assert verdict.opinions is not None and verdict.opinions.llm is Opinion.UNSURE
        assert not verdict.opinions.disagree


def _info() -> RunInfo:
    return RunInfo(veracity_version="test", engine="llm")


def _finding(kind: Disagreement, confidence: float) -> Verdict:
    return Verdict(
        claim_id="c-1",
        source_id="a",
        against_source_id="b",
        stance=Stance.CONTRADICTS,
        disagreement=kind,
        evidence="x",
        explanation="differs",
        confidence=confidence,
        checker="alignment_check",
    )


def test_the_combination_rule_is_the_documented_one() -> None:
    number, name = _finding(Disagreement.NUMBER, 0.4), _finding(Disagreement.ENTITY, 0.8)
    agree = combine(number, Review(opinion=Opinion.GENUINE, reason="yes"))
    assert (agree.stance, agree.confidence) == (Stance.CONTRADICTS, 0.7)
    assert agree.opinions is not None and agree.opinions.offline is Opinion.UNSURE
    assert combine(name, None).confidence == 0.8
    assert combine(name, None).opinions.llm is None  # type: ignore[union-attr]
    kept = combine(number, Review(opinion=Opinion.NOT, reason="same"))
    assert (kept.stance, kept.confidence) == (Stance.CONTRADICTS, 0.4)
    gone = combine(name, Review(opinion=Opinion.NOT, reason="same person"))
    assert (gone.stance, gone.disagreement, gone.confidence) == (Stance.ABSENT, None, 0.5)
    assert gone.opinions is not None and gone.opinions.disagree
    assert gone.opinions.offline_confidence == 0.8


def _dam_story() -> Story:
    return Story(
        id="dam",
        documents=[
            Document(
                id="a",
                text="The flood reached ninety thousand homes. The dam opened on Tuesday.",
            ),
            Document(
                id="b",
                text="The dam opened on Tuesday after heavy rain. Water reached 90,000 homes "
                "in the valley. The flood reached ninety thousand homes, officials said.",
            ),
        ],
    )


def test_evidence_must_share_words_a_quantity_or_a_similar_sentence_with_its_claim() -> None:
    story = _dam_story()
    alignment = align_story(story)
    claim_text = "The flood reached ninety thousand homes."
    claim_span = Span(start=0, end=len(claim_text))

    def relation(evidence: str) -> str | None:
        start = story.document("b").text.index(evidence)
        return evidence_relation(
            alignment,
            claim_source="a",
            claim_span=claim_span,
            claim_text=claim_text,
            other_source="b",
            evidence_span=Span(start=start, end=start + len(evidence)),
            evidence=evidence,
        )

    assert relation("The dam opened on Tuesday after heavy rain.") is None
    assert relation("Water reached 90,000 homes in the valley.") == "shared words: home, reached"
    found = relation("The flood reached ninety thousand homes, officials said.")
    assert found is not None and found.startswith("shared words")


def _garbage_cross_checks(messages: list[dict[str, str]]) -> Any:
    """The seed answers, except that every cross-check answer is not what was asked."""
    if messages[0]["content"].startswith("You check claims"):
        return {"verdicts": "all fine"}
    return answer_for(messages)


def test_a_story_whose_llm_stage_failed_says_so_in_its_report_and_the_closing_line(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    with ScriptedEndpoint(answers=_garbage_cross_checks) as endpoint:
        result = CliRunner().invoke(
            main,
            [
                *("run", str(SEEDS), "--base-url", endpoint.url, "--model", MODEL),
                *("--no-cache", "--out", str(out), "-f", "json", "-f", "md", "-f", "html"),
            ],
        )
    assert result.exit_code == 0, result.output
    (report_file,) = out.glob("*.json")
    (story,) = RunReport.model_validate_json(report_file.read_text(encoding="utf-8")).stories
    assert story.llm_failures and all("cross_check" in item for item in story.llm_failures)
    assert _contradicting(story), "the offline engine's findings are still there"
    assert "1 with failed LLM stages" in result.stderr
    (markdown,) = out.glob("*.md")
    assert "LLM stages failed" in markdown.read_text(encoding="utf-8")
    (page,) = out.glob("*.html")
    assert "LLM stages failed" in page.read_text(encoding="utf-8")


OVERFLOW = "the request exceeds the available context size, try increasing it"


def _small_context(limit: int) -> Callable[[list[dict[str, str]]], Any]:
    """The seed answers from an endpoint that refuses, as llama.cpp does with HTTP 400,
    any request whose messages are longer than ``limit`` characters."""

    def answer(messages: list[dict[str, str]]) -> Any:
        if sum(len(message["content"]) for message in messages) > limit:
            raise HttpError(400, OVERFLOW)
        return answer_for(messages)

    return answer


def test_a_context_exceeded_400_splits_the_input_and_retries(tmp_path: Path) -> None:
    whole = _run(tmp_path / "whole", answer_for)
    story = _run(tmp_path / "split", _small_context(9000))
    assert not story.llm_failures, story.warnings
    assert story.usage.splits > 0
    llm = lambda report: sorted(c.quote for c in report.claims if c.extractor == "llm_claims")  # noqa: E731
    assert llm(story) and set(llm(story)) <= set(llm(whole))
    usage = story.usage
    assert usage.failed_calls > 0, "refused calls are counted"
    assert usage.calls <= (
        2 * len(story.story.documents) + 1 + usage.repairs + usage.splits + usage.failed_calls
    )
