"""``veracity bench``: the figures, the bad-input matrix, the cache, and FRANK DEV.

Article text is never copied into the repository: the records here are written
for the tests, and FRANK is read where it lies (``../shared/benchdata``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from support import REPO, load_bench_module

from veracity.cli.bench_metrics import (
    ANY_CONTRADICTION,
    balanced_accuracy,
    bootstrap_interval,
    fit_threshold,
)
from veracity.cli.main import main

sys.path.insert(0, str(Path(__file__).parent / "llm_stages"))

import obedient_model
from scripted_endpoint import MODEL, ScriptedEndpoint

BENCHDATA = REPO / ".." / "shared" / "benchdata"
FRANK = BENCHDATA / "frank-cnndm_dev.jsonl"
REALNEWS = BENCHDATA / "realnews-dev"

ARTICLE = (
    "The city council approved the new budget on Monday by seven votes to two. "
    "The budget raises spending on schools by 4 percent, the council said. "
    "Mayor Ana Ortiz said the plan keeps every library open."
)
RECORDS = [
    {"id": "same", "document": ARTICLE, "summary": "The council approved the budget on Monday by seven votes to two.", "label": 1},
    {"id": "schools", "document": ARTICLE, "summary": "The budget raises spending on schools by 4 percent.", "label": 1},
    {"id": "votes", "document": ARTICLE, "summary": "The council approved the budget on Monday by five votes to four.", "label": 0},
    {"id": "percent", "document": ARTICLE, "summary": "The budget raises spending on schools by 9 percent, the council said.", "label": 0},
]  # fmt: skip


def _jsonl(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def bench(*args: str) -> Any:
    return CliRunner().invoke(main, ["bench", *args])


def test_the_offline_engine_is_measured_on_summary_records(tmp_path: Path) -> None:
    data = _jsonl(tmp_path / "records.jsonl", RECORDS)
    result = bench(str(data), "-q")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    figures = report["summary"]["figures"]
    assert report["engine"] == "offline"
    assert (figures["records"], figures["inconsistent"], figures["flagged"]) == (4, 2, 2)
    assert (figures["precision"], figures["recall"], figures["balanced_accuracy"]) == (1, 1, 1)
    low, high = figures["balanced_accuracy_95"]
    assert low <= 1 <= high + 1e-9
    assert report["cost"]["calls"] == 0 and report["cost"]["cost"] == 0


def test_markdown_and_a_limit(tmp_path: Path) -> None:
    data = _jsonl(tmp_path / "records.jsonl", RECORDS)
    result = bench(str(data), "--limit", "3", "-f", "md", "-q")
    assert result.exit_code == 0, result.output
    assert "| data | 3 | 1 | 1 | 1.000" in result.stdout
    assert "0 LLM calls" in result.stdout


def test_a_dev_file_fits_the_threshold_applied_to_the_data(tmp_path: Path) -> None:
    data = _jsonl(tmp_path / "records.jsonl", RECORDS)
    result = bench(str(data), "--dev", str(data), "-q")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)["summary"]
    assert summary["threshold_from"] == "fitted on --dev"
    assert summary["dev_figures"]["balanced_accuracy"] == 1
    assert summary["figures"]["threshold"] == summary["dev_figures"]["threshold"] > 0


def test_the_threshold_with_the_best_balanced_accuracy_is_fitted() -> None:
    scores = [0.0, 0.3, 0.6, 0.9, 0.95]
    consistent = [True, True, False, False, False]
    assert fit_threshold(scores, consistent) == 0.6
    assert balanced_accuracy(scores, consistent, 0.6) == 1.0
    assert balanced_accuracy(scores, consistent, ANY_CONTRADICTION) == 0.75
    # Nothing to separate: flagging nothing is as good as anything, and above every score.
    assert fit_threshold([0.0, 0.0], [True, False]) == ANY_CONTRADICTION
    interval = bootstrap_interval(scores, consistent, 0.3)
    assert interval == bootstrap_interval(scores, consistent, 0.3), "seeded"
    assert interval[0] <= balanced_accuracy(scores, consistent, 0.3) <= interval[1]


BAD_SUMMARY_DATA = [
    ("empty file", "", "empty; it needs one JSON record a line"),
    ("blank lines only", "\n  \n", "empty; it needs one JSON record a line"),
    ("not JSON", "{oops\n", ":1: not JSON"),
    ("not an object", "[1, 2]\n", ":1: a line must be a JSON object, not list"),
    ("missing summary", json.dumps({"document": "a", "label": 1}) + "\n", ":1: missing field 'summary'"),
    ("missing label and document", json.dumps({"summary": "a"}) + "\n", ":1: missing field 'document', 'label'"),
    ("label as text", json.dumps({"document": "a", "summary": "b", "label": "yes"}) + "\n", ":1: 'label' is \"yes\"; use 1 (consistent) or 0 (inconsistent)"),
    ("label 2", json.dumps({"document": "a", "summary": "b", "label": 2}) + "\n", "'label' is 2"),
    ("label true", json.dumps({"document": "a", "summary": "b", "label": True}) + "\n", "'label' is true"),
    ("empty summary", json.dumps({"document": "a", "summary": " ", "label": 1}) + "\n", ":1: 'summary' must be non-empty text"),
    ("second line bad", json.dumps(RECORDS[0]) + "\n" + json.dumps({"document": "a"}) + "\n", ":2: missing field"),
    ("not UTF-8", b"\xff\xfe\x00", "not UTF-8 text"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "content", "message"), BAD_SUMMARY_DATA, ids=[case[0] for case in BAD_SUMMARY_DATA]
)
def test_bad_summary_data_is_a_one_line_error(
    tmp_path: Path, case: str, content: str | bytes, message: str
) -> None:
    data = tmp_path / "bad.jsonl"
    if isinstance(content, bytes):
        data.write_bytes(content)
    else:
        data.write_text(content, encoding="utf-8")
    for args in ([str(data)], [str(_jsonl(tmp_path / "ok.jsonl", RECORDS)), "--dev", str(data)]):
        result = bench(*args, "-q")
        assert result.exit_code == 2, (case, result.output)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, lines
        assert lines[0].startswith(f"error {data}") and message in lines[0], lines[0]
        assert result.stdout == ""


def _story_bench(root: Path, *, labels: list[Any] | None = None, gold: Any = None) -> Path:
    story = root / "stories" / "council"
    story.mkdir(parents=True)
    (story / "1.txt").write_text(
        "Title: Council passes budget\nOutlet: wire.example\n\n" + ARTICLE + "\n", encoding="utf-8"
    )
    (story / "2.txt").write_text(
        "Title: Budget approved\nOutlet: blog.example\n\n"
        "The city council approved the new budget on Monday by five votes to four. "
        "The budget raises spending on schools by 4 percent, the council said.\n",
        encoding="utf-8",
    )
    _jsonl(root / "labels.jsonl", labels if labels is not None else [LABEL])
    (root / "gold.json").write_text(
        json.dumps(
            gold
            if gold is not None
            else {
                "stories": {
                    "council": {
                        "disagreements": [
                            {
                                "id": "council#1",
                                "texts": {
                                    "wire.example": ["seven votes to two"],
                                    "blog.example": ["five votes to four"],
                                },
                                "side": {"wire.example": 0, "blog.example": 1},
                            }
                        ]
                    }
                }
            }
        ),
        encoding="utf-8",
    )
    return root


def test_labelled_stories_give_precision_and_recall(tmp_path: Path) -> None:
    root = _story_bench(tmp_path / "b", labels=[LABEL])
    first = json.loads(bench(str(root), "-q").stdout)["stories"]
    assert (first["stories"], first["gold"], first["found"], first["recall"]) == (1, 1, 1, 1.0)
    assert first["findings"] == first["unlabelled"] == 1 and first["labelled"] == 0
    # Label the finding the engine reported, as a person would.
    (tmp_path / "b" / "labels.jsonl").unlink()
    run = CliRunner().invoke(main, ["run", str(root / "stories" / "council"), "-q", "-f", "json"])
    (story,) = json.loads(run.stdout)["stories"]
    (verdict,) = [v for v in story["verdicts"] if v["stance"] == "contradicts"][:1]
    claims = {claim["id"]: claim for claim in story["claims"]}
    outlets = {doc["id"]: doc["outlet"] for doc in story["story"]["documents"]}
    _jsonl(
        root / "labels.jsonl",
        [
            {
                "story": "council",
                "source": f"{verdict['source_id']}:{outlets[verdict['source_id']]}",
                "against": f"{verdict['against_source_id']}:{outlets[verdict['against_source_id']]}",
                "claim_quote": claims[verdict["claim_id"]]["quote"],
                "evidence_quote": verdict["evidence"],
                "label": "TRUE",
            }
        ],
    )
    labelled = json.loads(bench(str(root), "-q").stdout)["stories"]
    assert (labelled["labelled"], labelled["genuine"], labelled["precision"]) == (1, 1, 1.0)


LABEL = {
    "story": "council",
    "source": "1:a",
    "against": "2:b",
    "claim_quote": "x",
    "evidence_quote": "y",
    "label": "TRUE",
}
BAD_STORY_DATA = [
    ("no stories folder", "stories", "no 'stories' folder"),
    ("no labels", "labels.jsonl", "labels.jsonl: no such file"),
    ("empty labels", "", "labels.jsonl: empty"),
    ("no gold", "gold.json", "gold.json: no such file"),
    ("label maybe", {**LABEL, "label": "maybe"}, "labels.jsonl:1: 'label' is \"maybe\"; use TRUE, FALSE or update"),
    ("label without story", {k: v for k, v in LABEL.items() if k != "story"}, "labels.jsonl:1: missing field 'story'"),
    ("gold not JSON", "gold:{", "gold.json: not a JSON document"),
    ("gold without stories", "gold:[]", "gold.json: needs an object 'stories'"),
    ("gold without sides", 'gold:{"stories": {"council": {"disagreements": [{"id": "x"}]}}}', "disagreements[0]: needs 'texts' and 'side'"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "change", "message"), BAD_STORY_DATA, ids=[case[0] for case in BAD_STORY_DATA]
)
def test_bad_story_data_is_a_one_line_error(
    tmp_path: Path, case: str, change: Any, message: str
) -> None:
    root = _story_bench(tmp_path / "b", labels=[LABEL])
    if isinstance(change, dict):
        _jsonl(root / "labels.jsonl", [change])
    elif change.startswith("gold:"):
        (root / "gold.json").write_text(change.removeprefix("gold:"), encoding="utf-8")
    elif change == "":
        (root / "labels.jsonl").write_text("", encoding="utf-8")
    elif change == "stories":
        (root / "stories" / "council" / "1.txt").unlink()
        (root / "stories" / "council" / "2.txt").unlink()
        (root / "stories" / "council").rmdir()
        (root / "stories").rmdir()
    else:
        (root / change).unlink()
    result = bench(str(root), "-q")
    assert result.exit_code == 2, (case, result.output)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], lines


def test_a_missing_path_and_a_dev_file_for_stories_are_one_line_errors(tmp_path: Path) -> None:
    result = bench(str(tmp_path / "nowhere.jsonl"), "-q")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"error {tmp_path / 'nowhere.jsonl'}: no such file or folder; "
        "pass a summary JSONL file or a labelled story folder"
    )
    root = _story_bench(tmp_path / "b")
    result = bench(str(root), "--dev", str(root / "labels.jsonl"), "-q")
    assert result.exit_code == 2 and "only for summary JSONL data" in result.stderr


def test_an_endpoint_is_measured_end_to_end_and_a_rerun_is_free(tmp_path: Path) -> None:
    data = _jsonl(tmp_path / "records.jsonl", RECORDS)
    cache = tmp_path / "cache.sqlite3"
    with ScriptedEndpoint(answers=obedient_model.answer) as endpoint:
        args = ("--base-url", endpoint.url, "--model", MODEL, "--cache", str(cache))
        first = bench(str(data), *args, "--price-per-mtok", "2", "-q")
        assert first.exit_code == 0, first.output
        sent = endpoint.requests
        again = bench(str(data), *args, "-q")
        assert again.exit_code == 0, again.output
        assert endpoint.requests == sent, "the re-run is answered from the cache"
    report, rerun = json.loads(first.stdout), json.loads(again.stdout)
    assert report["engine"] == "llm" and report["model"] == MODEL
    # Two extractions and two cross-checks per record; the summary is extractive.
    assert report["cost"]["calls"] == sent == 4 * len(RECORDS)
    tokens = report["cost"]["prompt_tokens"] + report["cost"]["completion_tokens"]
    assert report["cost"]["cost"] == pytest.approx(tokens * 2 / 1e6)
    assert rerun["cost"]["calls"] == 0 and rerun["cost"]["cache_hits"] == sent
    # The obedient stand-in calls everything supported; the offline checks still flag both.
    assert report["summary"]["figures"]["recall"] == 1.0
    assert rerun["summary"] == report["summary"]


def test_an_endpoint_that_dies_is_reported_not_passed_off_as_figures(tmp_path: Path) -> None:
    data = _jsonl(tmp_path / "records.jsonl", RECORDS)
    with ScriptedEndpoint(answers=obedient_model.answer, answer_at_most=0) as endpoint:
        result = bench(
            str(data), "--base-url", endpoint.url, "--model", MODEL, "--no-cache", "-q",
            "-f", "json",
        )  # fmt: skip
    assert result.exit_code == 3, result.output
    report = json.loads(result.stdout)
    assert len(report["summary"]["failed"]) == len(RECORDS)
    assert "failed" in result.stderr


@pytest.mark.skipif(not FRANK.exists(), reason=f"FRANK data not found at {FRANK}")
def test_the_offline_engine_on_frank_dev_reproduces_frank_bench() -> None:
    # All 490 records take about a minute on a shared 2-core machine; the first 120
    # check the same thing (the README gives the full figures: 0.522).
    frank_bench = load_bench_module("frank_bench")
    results = frank_bench.run(FRANK, 120, verbose=False)
    (expected, _) = results["veracity (offline)"]
    result = bench(str(FRANK), "--limit", "120", "-q")
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)["summary"]["figures"]
    assert figures["flagged"] == expected.flags
    assert figures["balanced_accuracy"] == round(expected.balanced_accuracy, 4)
    assert figures["precision"] == round(expected.precision, 4)
    assert figures["recall"] == round(expected.recall, 4)


def _garbage(messages: list[dict[str, str]]) -> Any:
    """The obedient stand-in, except that its cross-check answers are not what was asked."""
    if messages[0]["content"].startswith("You check claims"):
        return {"verdicts": "all fine"}
    return obedient_model.answer(messages)


def test_records_whose_llm_stages_failed_are_counted_not_hidden(tmp_path: Path) -> None:
    data = _jsonl(tmp_path / "records.jsonl", RECORDS)
    with ScriptedEndpoint(answers=_garbage) as endpoint:
        result = bench(str(data), "--base-url", endpoint.url, "--model", MODEL, "--no-cache", "-q")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)["summary"]
    assert summary["llm_failed"] == len(RECORDS)
    assert f"{len(RECORDS)} with failed LLM stages" in result.stderr


def test_local_threads_default_to_one_less_than_the_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    from veracity.cli import endpoint

    monkeypatch.setattr(endpoint.os, "cpu_count", lambda: 2)
    assert endpoint.default_local_threads() == 1
    monkeypatch.setattr(endpoint.os, "cpu_count", lambda: None)
    assert endpoint.default_local_threads() == 1
    monkeypatch.setattr(endpoint.os, "cpu_count", lambda: 8)
    assert endpoint.default_local_threads() == 7
    for command in ("run", "bench"):
        assert "--local-threads" in CliRunner().invoke(main, [command, "--help"]).output
    refused = CliRunner().invoke(main, ["bench", "x.jsonl", "--local-threads", "0"])
    assert refused.exit_code == 2 and "--local-threads" in refused.output
