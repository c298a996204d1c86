"""The command line's manners: help for a terminal, a first screen, one error per failure."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import BENCH, SEEDS

from veracity.cli.main import main


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_bare_veracity_shows_the_commands_and_an_example(runner: CliRunner) -> None:
    result = runner.invoke(main, [])

    assert result.exit_code == 0
    assert "Commands:" in result.stdout
    assert "  veracity run seeds/ " in result.stdout


@pytest.mark.parametrize("command", [[], ["run"], ["plugins"], ["schema"]])
def test_help_is_written_for_a_terminal_not_in_rest_markup(
    runner: CliRunner, command: list[str]
) -> None:
    result = runner.invoke(main, [*command, "--help"])

    assert result.exit_code == 0
    assert "``" not in result.stdout and ":class:" not in result.stdout


def test_the_command_list_is_not_cut_short(runner: CliRunner) -> None:
    result = runner.invoke(main, ["--help"])

    commands = result.stdout.split("Commands:\n", 1)[1].splitlines()
    assert commands and not any(line.endswith("...") for line in commands)


def test_a_missing_local_model_says_where_to_get_one(runner: CliRunner) -> None:
    result = runner.invoke(
        main, ["run", str(SEEDS), "--local-model", "SmolLM2-135M-Instruct.Q4_1.gguf"]
    )

    assert result.exit_code == 2
    assert "SmolLM2-135M-Instruct.Q4_1.gguf: no such file" in result.stderr
    assert "download one from a model hub" in result.stderr


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_endpoint_that_is_down_is_reported_once_with_the_fix(
    runner: CliRunner, tmp_path: Path
) -> None:
    base_url = f"http://127.0.0.1:{_closed_port()}/v1"

    result = runner.invoke(
        main,
        [
            "run",
            str(BENCH / "stories"),
            "--base-url",
            base_url,
            "--model",
            "m",
            "--no-cache",
            "--max-retries",
            "0",
        ],
    )

    assert result.exit_code == 3
    assert result.stderr.count("cannot connect") == 1, result.stderr
    assert "start the endpoint or check --base-url and --model" in result.stderr
    assert "3 stories not run: dam, quake, summit" in result.stderr


def test_the_command_leaves_with_its_output_whole_and_its_status() -> None:
    """``veracity`` ends without tearing down the interpreter's heap (a fifth of a second
    after a batch), but only after every byte of its output is out and its exit handlers
    ran: a report piped to another program is whole, and the status is the gate's."""
    handler = (
        "import atexit, sys, runpy; "
        "atexit.register(lambda: sys.stderr.write('exit handler ran\\n')); "
        "sys.argv = ['veracity', *sys.argv[1:]]; "
        "runpy.run_module('veracity', run_name='__main__')"
    )
    finished = subprocess.run(
        [
            sys.executable,
            "-c",
            handler,
            "run",
            str(SEEDS),
            "-f",
            "json",
            "--offline",
            "--fail-on",
            "contradiction",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert finished.returncode == 1, finished.stderr
    report = json.loads(finished.stdout)
    assert len(report["stories"][0]["story"]["documents"]) == 3
    assert finished.stderr.rstrip().endswith("exit handler ran")
