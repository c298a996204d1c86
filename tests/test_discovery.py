"""Paths become stories: a story directory, a batch of them, loose files or JSONL."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import WriteFiles

from veracity import InputError
from veracity.inputs.discovery import discover


def test_a_directory_of_articles_is_one_story(write_files: WriteFiles) -> None:
    folder = write_files({"dam/a.txt": "x", "dam/b.html": "y", "dam/README.md": "notes"})
    (story,) = discover([folder / "dam"])
    assert story.story_id == "dam"
    assert [path.name for path in story.paths] == ["a.txt", "b.html"]


def test_a_directory_of_directories_is_a_batch(write_files: WriteFiles) -> None:
    folder = write_files({"batch/one/a.txt": "x", "batch/one/b.txt": "y", "batch/two/c.txt": "z"})
    assert [story.story_id for story in discover([folder / "batch"])] == ["one", "two"]


def test_files_named_together_form_one_story(write_files: WriteFiles) -> None:
    folder = write_files({"news/a.txt": "x", "news/b.txt": "y"})
    (story,) = discover([folder / "news" / "a.txt", folder / "news" / "b.txt"])
    assert story.story_id == "news"
    assert len(story.paths) == 2


def test_a_jsonl_file_carries_its_own_stories(write_files: WriteFiles) -> None:
    folder = write_files({"all.jsonl": "{}"})
    (story,) = discover([folder / "all.jsonl"])
    assert story.multi_story


def test_a_missing_path_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or directory"):
        discover([tmp_path / "nowhere"])


def test_an_empty_directory_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="holds no article files"):
        discover([tmp_path])
