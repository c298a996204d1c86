"""The hybrid path replayed from labelled cassettes: four hand-written "models" give the
offline findings of the seed story their second opinion, through the CLI.

The answers are written by hand (``seed_answers``, with the second opinions below)
and served by ``tests/llm_stages/scripted_endpoint.py``; the cassettes in
``tests/cassettes/test_hybrid_cassettes/`` record that exchange, labelled by the
``x-veracity-cassette`` header of every response (see tests/cassettes/README.md).
They are not a model's output. Only the seed story is used: a cassette holds the
request bodies, and the realnews-dev articles must not be copied into the repository.
To record them again: ``rm -r tests/cassettes/test_hybrid_cassettes`` and run this
module with ``--record-mode=once``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from support import SEEDS, SPUN, WIRE

from veracity import Pipeline, RunReport, Settings, Stance, StoryReport
from veracity.cli.main import main
from veracity.models import Opinion
from veracity.pipeline.second_opinion import finding_key

sys.path.insert(0, str(Path(__file__).parent / "llm_stages"))

import seed_answers
from scripted_endpoint import MODEL, ScriptedEndpoint, answer_for


def _contradicting(story: Any) -> list[Any]:
    """Every cell in which a source contradicts a claim: findings, possible ones, updates."""
    return [v for v in story.verdicts if v.stance is Stance.CONTRADICTS]


REPLAY_URL = "http://127.0.0.1:9/v1"
Answers = Callable[[list[dict[str, str]]], Any]


def reviewing(opinion: str, reason: str) -> Answers:
    """The hand-written seed answers with this second opinion of every finding."""

    def answer(messages: list[dict[str, str]]) -> Any:
        found = answer_for(messages)
        if "reviews" in found:
            found["reviews"] = seed_answers.reviews(messages[1]["content"], opinion, reason)
        return found

    return answer


# The wire's claim about 40 million barrels of oil, "supported" by the spun rewrite with
# a sentence that is in it but is about the grain deal, not about oil.
IRRELEVANT = seed_answers.judgement(
    "c6",
    SPUN,
    "supports",
    "His bilateral talks with Erdogan will focus on plans to get Ukraine\u2019s grain exports "
    "moving again.",
    "hand-written: cites a passage about something else",
)


def irrelevant_evidence(messages: list[dict[str, str]]) -> Any:
    """The hand-written seed answers, with one verdict that cites irrelevant evidence."""
    found = answer_for(messages)
    if "judgements" in found and f'<claims source="{WIRE}">' in messages[1]["content"]:
        kept = [j for j in found["judgements"] if (j["claim"], j["source"]) != ("c6", SPUN)]
        found["judgements"] = [*kept, IRRELEVANT]
    return found


MODELS: dict[str, Answers] = {
    "agrees": reviewing("genuine", "hand-written: the passages differ"),
    "disagrees": reviewing("not", "hand-written: the passages say the same"),
    "unsure": reviewing("unsure", "hand-written: cannot tell"),
    "irrelevant": irrelevant_evidence,
}


@pytest.fixture
def run_hybrid(record_mode: str, tmp_path: Path) -> Iterator[Callable[[str], StoryReport]]:
    def run(model: str) -> StoryReport:
        out = tmp_path / "r.json"
        if record_mode == "none":
            result = invoke(REPLAY_URL, out)
        else:
            with ScriptedEndpoint(answers=MODELS[model]) as endpoint:
                result = invoke(endpoint.url, out)
        assert result.exit_code == 0, result.output
        (story,) = RunReport.model_validate_json(out.read_text(encoding="utf-8")).stories
        return story

    yield run


def invoke(url: str, out: Path) -> Any:
    return CliRunner().invoke(
        main,
        ["run", str(SEEDS), "--base-url", url, "--model", MODEL, "--no-cache", "--out", str(out)],
    )


def offline_findings() -> dict[tuple[str, str, str], Any]:
    (story,) = Pipeline(Settings(), load_entry_points=False).run([SEEDS]).stories
    return {finding_key(v): v for v in _contradicting(story)}


def reviewed(story: StoryReport) -> dict[tuple[str, str, str], Any]:
    return {finding_key(v): v for v in story.verdicts if v.opinions and v.opinions.offline}


@pytest.mark.vcr
def test_a_model_that_agrees_raises_every_finding_s_confidence(run_hybrid: Any) -> None:
    story, offline = run_hybrid("agrees"), offline_findings()
    found = reviewed(story)
    assert found.keys() == offline.keys()
    for key, verdict in found.items():
        assert verdict.stance is Stance.CONTRADICTS and verdict.opinions.llm is Opinion.GENUINE
        assert verdict.confidence > offline[key].confidence or offline[key].confidence == 1.0


@pytest.mark.vcr
def test_a_model_that_disagrees_cannot_hide_a_deterministic_finding(run_hybrid: Any) -> None:
    story, offline = run_hybrid("disagrees"), offline_findings()
    found = reviewed(story)
    assert found.keys() == offline.keys()
    deterministic = [v for v in found.values() if v.opinions.deterministic]
    assert deterministic, "the seed story has changed figures, dates or quoted words"
    for verdict in found.values():
        assert verdict.opinions.llm is Opinion.NOT and verdict.opinions.disagree
        expected = Stance.CONTRADICTS if verdict.opinions.deterministic else Stance.ABSENT
        assert verdict.stance is expected


@pytest.mark.vcr
def test_a_model_that_is_unsure_leaves_the_offline_findings_as_they_were(
    run_hybrid: Any,
) -> None:
    story, offline = run_hybrid("unsure"), offline_findings()
    for key, verdict in reviewed(story).items():
        assert verdict.opinions.llm is Opinion.UNSURE and not verdict.opinions.disagree
        assert (verdict.stance, verdict.confidence) == (Stance.CONTRADICTS, offline[key].confidence)


@pytest.mark.vcr
def test_a_model_that_cites_irrelevant_evidence_is_dropped_and_counted(run_hybrid: Any) -> None:
    story = run_hybrid("irrelevant")
    (dropped,) = [item for item in story.dropped if "not about its claim" in item.reason]
    assert "grain exports" in dropped.text and dropped.source_id == SPUN
    assert story.usage.irrelevant_evidence == 1
    (barrels,) = [
        c
        for c in story.claims
        if c.extractor == "llm_claims" and "40 million barrels" in c.text and c.source_id == WIRE
    ]
    (cell,) = [
        v
        for v in story.verdicts
        if v.claim_id == barrels.id and v.against_source_id == SPUN and v.checker == "llm_check"
    ]
    assert cell.stance is Stance.ABSENT
