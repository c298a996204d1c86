"""Turning the paths a user names into stories to load.

- Files named together form one story (JSON Lines files carry their own stories).
- A directory of article files is one story, named after the directory.
- A directory of directories is a batch: each sub-directory is a story.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel

from veracity.errors import InputError

MULTI_STORY_SUFFIXES = frozenset({".jsonl", ".ndjson"})
# Files that sit beside articles but are not articles.
_IGNORED_NAMES = frozenset({"readme", "license", "licence", "notes", "changelog"})


class StoryInput(BaseModel):
    """The files of one story, or one file that holds several stories."""

    story_id: str
    paths: list[Path]
    multi_story: bool = False


def _is_candidate(path: Path) -> bool:
    return (
        path.is_file()
        and not path.name.startswith((".", "_", "~"))
        and path.stem.lower() not in _IGNORED_NAMES
    )


def _files_in(directory: Path) -> list[Path]:
    return sorted(child for child in directory.iterdir() if _is_candidate(child))


def _subdirectories(directory: Path) -> list[Path]:
    return sorted(
        child
        for child in directory.iterdir()
        if child.is_dir() and not child.name.startswith((".", "_"))
    )


def discover(paths: Sequence[Path]) -> list[StoryInput]:
    """The stories in ``paths``, in a stable order; :class:`InputError` for a bad path."""
    if not paths:
        raise InputError("no input given; name a story directory, article files or a .jsonl file")
    stories: list[StoryInput] = []
    loose_files: list[Path] = []
    for path in paths:
        if not path.exists():
            raise InputError(f"{path}: no such file or directory; check the path")
        if path.is_file():
            if path.suffix.lower() in MULTI_STORY_SUFFIXES:
                stories.append(StoryInput(story_id=path.stem, paths=[path], multi_story=True))
            else:
                loose_files.append(path)
            continue
        stories.extend(_discover_directory(path))
    if loose_files:
        parents = {file.parent.resolve() for file in loose_files}
        story_id = parents.pop().name if len(parents) == 1 else "story"
        stories.insert(0, StoryInput(story_id=story_id or "story", paths=loose_files))
    return stories


def _discover_directory(directory: Path) -> list[StoryInput]:
    files = _files_in(directory)
    subdirectories = [sub for sub in _subdirectories(directory) if _files_in(sub)]
    stories: list[StoryInput] = []
    multi = [file for file in files if file.suffix.lower() in MULTI_STORY_SUFFIXES]
    articles = [file for file in files if file.suffix.lower() not in MULTI_STORY_SUFFIXES]
    name = directory.resolve().name or "story"
    if articles:
        stories.append(StoryInput(story_id=name, paths=articles))
    stories.extend(StoryInput(story_id=file.stem, paths=[file], multi_story=True) for file in multi)
    for subdirectory in subdirectories:
        sub_files = _files_in(subdirectory)
        story_id = f"{name}/{subdirectory.name}" if articles else subdirectory.name
        stories.append(StoryInput(story_id=story_id, paths=sub_files))
    if not stories:
        raise InputError(f"{directory}: holds no article files; add .txt, .html or .jsonl files")
    return stories
