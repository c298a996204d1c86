"""Paths become stories: a story directory, a batch of them, loose files or JSONL."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import WriteFiles

from veracity import InputError
from veracity.inputs.discovery import discover, find_stories


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


def test_item_16_loose_files_beside_story_folders_are_skipped(write_files: WriteFiles) -> None:
    """Issue 15 item 16: in a directory of directories only the subdirectories are stories."""
    folder = write_files(
        {
            "batch/one/a.txt": "x",
            "batch/two/b.txt": "y",
            "batch/SOURCES.md": "Where the articles come from.",
            "batch/labels.jsonl": '{"story": "one", "label": "faithful"}\n',
        }
    )
    found = find_stories([folder / "batch"])
    assert [story.story_id for story in found.stories] == ["one", "two"]
    assert [path.name for path in found.skipped] == ["SOURCES.md", "labels.jsonl"]
    assert [story.story_id for story in discover([folder / "batch"])] == ["one", "two"]
