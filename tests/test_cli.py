"""The command line: the README's main job, listings and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import SEEDS, WriteFiles

from veracity import RunReport
from veracity.cli.main import main


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_run_writes_a_json_run_report(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = runner.invoke(main, ["run", str(SEEDS), "--format", "json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = RunReport.model_validate_json(out.read_text(encoding="utf-8"))
    (story,) = report.stories
    assert len(story.story.documents) == 3
    assert story.summary.sentences and story.claims and story.verdicts


def test_run_prints_a_table_per_story_on_stderr(runner: CliRunner) -> None:
    result = runner.invoke(main, ["run", str(SEEDS)])
    assert result.exit_code == 0
    assert "story seeds: 3 sources" in result.stderr
    assert result.stdout == ""


def test_format_without_out_writes_the_report_to_stdout(runner: CliRunner) -> None:
    result = runner.invoke(main, ["run", str(SEEDS), "--format", "md", "--quiet"])
    assert result.exit_code == 0
    assert result.stdout.startswith("# veracity report")


def test_out_suffix_chooses_the_format(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    assert runner.invoke(main, ["run", str(SEEDS), "--out", str(out), "-q"]).exit_code == 0
    assert "### Summary" in out.read_text(encoding="utf-8")


def test_a_missing_path_is_a_one_line_error_with_exit_2(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["run", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "no such file or directory; check the path" in result.stderr
    assert "Traceback" not in result.output


def test_a_bad_story_in_a_batch_is_listed_and_the_others_kept(
    runner: CliRunner, write_files: WriteFiles
) -> None:
    folder = write_files(
        {
            "batch/good/a.txt": "The dam opened on Tuesday after three years of delays.",
            "batch/good/b.txt": "The dam opened on Tuesday, three years late.",
            "batch/bad/a.bin": b"\x00\x01\x02\x03" * 50,
        }
    )
    out = folder / "r.json"
    result = runner.invoke(main, ["run", str(folder / "batch"), "--out", str(out)])
    assert result.exit_code == 2
    assert "1 story failed" in result.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    assert [story["story"]["id"] for story in report["stories"]] == ["good"]
    assert report["failures"][0]["story_id"] == "bad"


def test_an_unknown_format_is_a_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(main, ["run", str(SEEDS), "--format", "pdf"])
    assert result.exit_code == 2
    assert "unknown format 'pdf'; choose from html, json, md" in result.stderr


def test_plugins_lists_the_builtins_and_their_hooks(runner: CliRunner) -> None:
    result = runner.invoke(main, ["plugins", "--json"])
    assert result.exit_code == 0
    listed = {plugin["name"]: plugin for plugin in json.loads(result.stdout)}
    assert listed["text_loader"]["hooks"] == ["veracity_load_documents"]
    assert listed["alignment_check"]["origin"] == "builtin"


def test_schema_prints_the_run_report_schema(runner: CliRunner) -> None:
    result = runner.invoke(main, ["schema"])
    assert json.loads(result.stdout)["title"] == "RunReport"
