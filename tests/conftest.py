"""Shared fixtures: the seed story, an offline pipeline, and isolation from installed plugins."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support import SEEDS, WriteFiles
from veracity import Pipeline, Settings, Story


@pytest.fixture(autouse=True)
def _no_installed_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    """Third-party plugins installed in the environment stay out of tests unless a test asks."""
    monkeypatch.setenv("VERACITY_LOAD_PLUGINS", "")


@pytest.fixture
def seeds_dir() -> Path:
    """The directory of the three seed articles."""
    return SEEDS


@pytest.fixture
def pipeline() -> Pipeline:
    """An offline pipeline with only the built-in plugins."""
    return Pipeline(Settings(), load_entry_points=False)


@pytest.fixture
def seed_story(pipeline: Pipeline) -> Story:
    """The seed story as loaded by the built-in loaders."""
    (story,) = pipeline.load([SEEDS])
    assert isinstance(story, Story)
    return story


@pytest.fixture
def write_files(tmp_path: Path) -> Iterator[WriteFiles]:
    """Write ``{relative path: text}`` under a temporary directory and return that directory."""

    def write(files: dict[str, str | bytes]) -> Path:
        for name, content in files.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return tmp_path

    yield write
