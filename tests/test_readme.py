"""Every example of the README runs as written, offline, from a fresh folder beside the repo's files."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from support import REPO

from veracity import check

README = (REPO / "README.md").read_text(encoding="utf-8")
# Sections whose commands need something a test does not have: an LLM endpoint (their
# stages are tested against recorded exchanges), a fresh clone and the network (CI runs the
# set-up commands themselves).
NEEDS_MORE = {
    "With an LLM": "an LLM endpoint",
    "Set up and run, test": "a fresh clone",
    "On a Ray cluster": "Ray, an optional extra (tests/test_executors.py runs it)",
}
_BLOCK = re.compile(r"^```(?P<language>\w*)\n(?P<body>.*?)^```", re.DOTALL | re.MULTILINE)


def _blocks(language: str) -> list[tuple[str, str]]:
    """(section heading, code) of each fenced block in ``language``."""
    found = []
    for match in _BLOCK.finditer(README):
        if match.group("language") != language:
            continue
        headings = re.findall(r"^#+ (.+)$", README[: match.start()], re.MULTILINE)
        found.append((headings[-1] if headings else "", match.group("body")))
    return found


def _commands() -> list[str]:
    commands = []
    for section, body in _blocks("bash"):
        if section in NEEDS_MORE:
            continue
        commands += [line for line in body.splitlines() if line.strip()]
    return commands


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A folder holding the README's inputs as a clone has them; writes stay in it."""
    for name in ("seeds", "examples"):
        (tmp_path / name).symlink_to(REPO / name)
    return tmp_path


def _environment(workdir: Path) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("VERACITY_", "OPENAI_"))
    }
    environment.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{environment.get('PATH', '')}",
        # Only the built-in plugins, and no user config or cache from outside the test.
        VERACITY_LOAD_PLUGINS="",
        XDG_CONFIG_HOME=str(workdir / ".config"),
        XDG_CACHE_HOME=str(workdir / ".cache"),
        COLUMNS="100",
    )
    return environment


def test_the_readme_usage_block_is_found_whole() -> None:
    # A change to the README's fences must not leave its commands silently untested.
    commands = [command.split("#")[0].strip() for command in _commands()]

    assert commands[0] == "veracity run seeds/"
    assert "cat examples/batch.jsonl | veracity run -" in commands
    assert "veracity schema" in commands


@pytest.mark.parametrize("command", _commands())
def test_a_readme_command_runs_as_written(command: str, workdir: Path) -> None:
    result = subprocess.run(
        ["bash", "-c", f"set -o pipefail; {command}"],
        cwd=workdir,
        env=_environment(workdir),
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr
    assert "error" not in result.stderr.lower(), result.stderr


@pytest.mark.parametrize("code", [body for _, body in _blocks("python")])
def test_a_readme_python_example_runs_as_written(code: str, workdir: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=workdir,
        env=_environment(workdir),
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr
    # The example's own report format counts what every report counts.
    dam = check([REPO / "examples" / "stories" / "dam"], load_entry_points=False)
    assert f"dam: {len(dam.findings())} contradictions" in result.stdout
