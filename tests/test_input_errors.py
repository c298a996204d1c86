"""What a newcomer's first inputs get: every bad path at once, hints that list every format,
standard input named as such, format names in any case, and pages read however often."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import SEEDS

from veracity import InputError, Pipeline, Settings
from veracity.cli.main import main
from veracity.inputs.discovery import discover
from veracity.plugins.html_loader import document_from_html

PAGE = (
    "<html><head><title>Dam opens</title></head><body><article><h1>Dam opens</h1>"
    "<p>The Harwick Valley dam opened on Tuesday after three years of delays, regional "
    "officials said, ending a project that cost 1.4 billion euros.</p>"
    "<p>The dam will supply water to about 400,000 people, the officials said at the "
    "opening ceremony on Tuesday.</p></article></body></html>"
)


def test_the_same_page_read_again_and_again_keeps_its_text() -> None:
    # Four outlets carrying one wire story, or a notebook re-running a cell.
    texts = [document_from_html(PAGE, document_id="a", where="a.html").text for _ in range(5)]

    assert len(set(texts)) == 1 and texts[0].startswith("The Harwick Valley dam opened")


def test_every_missing_path_is_named_in_one_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as raised:
        discover([tmp_path / "a.txt", SEEDS, tmp_path / "b.txt"])

    assert str(raised.value) == (
        f"{tmp_path / 'a.txt'}, {tmp_path / 'b.txt'}: no such file or directory; check the paths"
    )


def test_the_cli_names_every_missing_path(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["run", str(tmp_path / "a.txt"), str(tmp_path / "b.txt")])

    assert result.exit_code == 2
    assert f"{tmp_path / 'a.txt'}, {tmp_path / 'b.txt'}: no such file" in result.stderr


def test_an_empty_folder_hint_lists_every_input_kind(tmp_path: Path) -> None:
    with pytest.raises(InputError) as raised:
        discover([tmp_path])

    assert str(raised.value) == (
        f"{tmp_path}: holds no article files; add .txt, .md, .html or .jsonl files, "
        "or a .txt file of http(s) addresses"
    )


def test_empty_standard_input_is_named_as_such() -> None:
    result = CliRunner().invoke(main, ["run", "-"], input="")

    assert result.exit_code == 2
    assert result.stderr == (
        "error standard input (-) is empty; pipe JSON Lines into it, one document per line\n"
    )


def test_a_bad_line_on_standard_input_names_standard_input() -> None:
    result = CliRunner().invoke(main, ["run", "-"], input="not json\n")

    assert result.exit_code == 2
    assert "standard input:1: not valid JSON" in result.stderr
    assert "stdin.jsonl" not in result.stderr


def test_format_names_are_case_insensitive(tmp_path: Path) -> None:
    out = tmp_path / "report.html"

    result = CliRunner().invoke(main, ["run", str(SEEDS), "-f", "HTML", "--out", str(out), "-q"])

    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("<!doctype html>")


def test_a_one_source_story_is_told_once_that_nothing_is_cross_checked(tmp_path: Path) -> None:
    (tmp_path / "only.txt").write_text("The dam opened on Tuesday after delays.\n", "utf-8")

    report = Pipeline(Settings(), load_entry_points=False).run([tmp_path])

    [story] = report.stories
    assert [warning.message for warning in story.warnings] == [
        "only one source: nothing to cross-check it against; "
        "add other articles about the same story"
    ]


def test_a_bad_path_in_the_python_api_raises_the_input_error_alone(tmp_path: Path) -> None:
    pipeline = Pipeline(Settings(), load_entry_points=False)

    with pytest.raises(InputError) as raised:
        pipeline.run([tmp_path / "stories"])

    assert raised.value.__context__ is None and raised.value.__cause__ is None


def test_pipeline_run_works_inside_a_running_event_loop() -> None:
    # As in a Jupyter notebook, where a loop is always running.
    pipeline = Pipeline(Settings(), load_entry_points=False)

    async def notebook_cell() -> int:
        return len(pipeline.run([SEEDS]).stories)

    assert asyncio.run(notebook_cell()) == 1


def test_pipeline_arun_is_awaited_in_async_code() -> None:
    pipeline = Pipeline(Settings(), load_entry_points=False)

    report = asyncio.run(pipeline.arun([SEEDS]))

    assert [story.story.id for story in report.stories] == ["seeds"]


def test_a_one_source_story_in_a_batch_says_so_in_the_batch_table(tmp_path: Path) -> None:
    (tmp_path / "alone").mkdir()
    (tmp_path / "alone" / "only.txt").write_text("The dam opened on Tuesday.\n", "utf-8")
    (tmp_path / "pair").mkdir()
    (tmp_path / "pair" / "a.txt").write_text("The dam opened on Tuesday.\n", "utf-8")
    (tmp_path / "pair" / "b.txt").write_text("The dam opened on Tuesday, they said.\n", "utf-8")

    result = CliRunner().invoke(main, ["run", str(tmp_path)], env={"COLUMNS": "200"})

    assert "one source: nothing to cross-check it against" in result.stderr
