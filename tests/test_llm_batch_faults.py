"""A batch through the LLM stages survives a faulty endpoint, counts every retry, and
costs nothing the second time."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import SEEDS

from veracity import RunReport
from veracity.cli.main import main

sys.path.insert(0, str(Path(__file__).parent / "llm_stages"))

from scripted_endpoint import MODEL, FaultPlan, ScriptedEndpoint

STORIES = 6


def make_batch(root: Path) -> Path:
    """Copies of the seed story, each a little different so no two share an LLM call."""
    batch = root / "batch"
    for number in range(STORIES):
        story = batch / f"story-{number}"
        story.mkdir(parents=True)
        for article in SEEDS.glob("*.txt"):
            text = article.read_text(encoding="utf-8")
            (story / article.name).write_text(
                f"{text}\n\nThis is copy number {number}.\n", encoding="utf-8"
            )
    return batch


def run(endpoint: ScriptedEndpoint, batch: Path, out: Path, cache: Path) -> RunReport:
    result = CliRunner().invoke(
        main,
        [
            "run",
            str(batch),
            "--base-url",
            endpoint.url,
            "--model",
            MODEL,
            "--cache",
            str(cache),
            "--out",
            str(out),
            "--max-retries",
            "3",
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    return RunReport.model_validate_json(out.read_text(encoding="utf-8"))


@pytest.fixture
def faults() -> FaultPlan:
    return FaultPlan(rate_429=0.10, rate_5xx=0.05, rate_malformed=0.05)


def test_every_story_is_reported_with_its_retries_and_repairs_counted(
    tmp_path: Path, faults: FaultPlan
) -> None:
    with ScriptedEndpoint(faults) as endpoint:
        report = run(endpoint, make_batch(tmp_path), tmp_path / "r.json", tmp_path / "cache.sqlite")
    assert len(report.stories) == STORIES and not report.failures
    assert sum(faults.injected.values()) > 0, "the plan should inject faults into a batch this size"
    retries = sum(story.usage.retries for story in report.stories)
    repairs = sum(story.usage.repairs for story in report.stories)
    assert retries == faults.injected["429"] + faults.injected["5xx"]
    # One extraction answer of the spun rewrite is invalid by design in every story.
    assert repairs == faults.injected["malformed"] + STORIES


def test_the_same_batch_again_makes_no_http_call(tmp_path: Path, faults: FaultPlan) -> None:
    batch = make_batch(tmp_path)
    cache = tmp_path / "cache.sqlite"
    with ScriptedEndpoint(faults) as endpoint:
        run(endpoint, batch, tmp_path / "first.json", cache)
    with ScriptedEndpoint() as endpoint:
        again = run(endpoint, batch, tmp_path / "second.json", cache)
        assert endpoint.requests == 0
    assert all(story.usage.calls == 0 and story.usage.cache_hits > 0 for story in again.stories)
