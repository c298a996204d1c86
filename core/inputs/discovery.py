"""Turning the paths a user names into stories to load.

- Files named together form one story (JSON Lines files carry their own stories).
- A directory of article files is one story, named after the directory.
- A directory of directories is a batch: each sub-directory is a story.
- http(s) addresses named together are one story (with any files named with them).
- A text file of addresses, one per line, is a batch: a blank line starts the next story.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, Field

from veracity.errors import InputError
from veracity.inputs.fetching import is_url

MULTI_STORY_SUFFIXES = frozenset({".jsonl", ".ndjson"})
# Files that sit beside articles but are not articles.
_IGNORED_NAMES = frozenset({"readme", "license", "licence", "notes", "changelog"})
# A list of addresses is a small file; a larger one is read as an article.
_MAX_URL_LIST_BYTES = 1024 * 1024
FORMATS_HINT = ".txt, .md, .html or .jsonl files, or a .txt file of http(s) addresses"
# Files in a story directory that may list addresses instead of holding an article.
_URL_LIST_SUFFIXES = frozenset({".txt", ".urls", ".list"})


class StoryInput(BaseModel):
    """The files of one story, or one file that holds several stories."""

    story_id: str
    paths: list[Path]
    urls: list[str] = Field(default_factory=list, description="Web addresses of its articles.")
    multi_story: bool = False


def url_list(path: Path) -> list[list[str]] | None:
    """The stories of a file of addresses (one per line, a blank line between stories).

    None when the file is not such a list: a line that is neither an address, a
    ``#`` comment nor blank makes it an article.
    """
    try:
        if path.stat().st_size > _MAX_URL_LIST_BYTES:
            return None
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    stories: list[list[str]] = [[]]
    for line in text.splitlines():
        line = line.strip()
        if not line:
            if stories[-1]:
                stories.append([])
        elif is_url(line):
            stories[-1].append(line)
        elif not line.startswith("#"):
            return None
    stories = [story for story in stories if story]
    return stories or None


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


class FoundStories(BaseModel):
    """What :func:`find_stories` found: the stories, and the files it left out."""

    stories: list[StoryInput]
    skipped: list[Path] = []


def discover(paths: Sequence[Path | str]) -> list[StoryInput]:
    """The stories in ``paths``, in a stable order; :class:`InputError` for a bad path.

    Every path that does not exist is named in the one error.
    """
    return find_stories(paths).stories


def find_stories(paths: Sequence[Path | str]) -> FoundStories:
    """The stories in ``paths`` and the loose files of batch folders, which are not stories."""
    if not paths:
        raise InputError(
            "no input given; name a story directory, article files, a .jsonl file or web addresses"
        )
    missing = [str(path) for path in paths if not is_url(path) and not Path(path).exists()]
    if missing:
        raise InputError(
            f"{', '.join(missing)}: no such file or directory; check the "
            + ("path" if len(missing) == 1 else "paths")
        )
    stories: list[StoryInput] = []
    roots: list[Path] = []  # the path each story was found in
    loose_files: list[Path] = []
    skipped: list[Path] = []
    loose_urls: list[str] = []
    for given in paths:
        if is_url(given):
            loose_urls.append(str(given).strip())
            continue
        path = Path(given)
        if path.is_file():
            if path.suffix.lower() in MULTI_STORY_SUFFIXES:
                stories.append(StoryInput(story_id=path.stem, paths=[path], multi_story=True))
            elif (listed := url_list(path)) is not None:
                stories.extend(
                    StoryInput(
                        story_id=path.stem if len(listed) == 1 else f"{path.stem}-{number}",
                        paths=[],
                        urls=urls,
                    )
                    for number, urls in enumerate(listed, start=1)
                )
            else:
                loose_files.append(path)
            roots.extend([path] * (len(stories) - len(roots)))
            continue
        stories.extend(_discover_directory(path, skipped))
        roots.extend([path] * (len(stories) - len(roots)))
    stories = _qualified(stories, roots)
    if loose_files or loose_urls:
        parents = {file.parent.resolve() for file in loose_files}
        story_id = parents.pop().name if len(parents) == 1 and not loose_urls else "story"
        stories.insert(
            0, StoryInput(story_id=story_id or "story", paths=loose_files, urls=loose_urls)
        )
    return FoundStories(stories=stories, skipped=skipped)


def _story_of(story_id: str, files: list[Path]) -> StoryInput:
    """The story of some article files, a file of addresses among them adding its URLs."""
    paths: list[Path] = []
    urls: list[str] = []
    for file in files:
        listed = url_list(file) if file.suffix.lower() in _URL_LIST_SUFFIXES else None
        if listed is None:
            paths.append(file)
        else:
            urls.extend(url for story in listed for url in story)
    return StoryInput(story_id=story_id, paths=paths, urls=urls)


def _qualified(stories: list[StoryInput], roots: list[Path]) -> list[StoryInput]:
    """Stories of the same name in two batches, named ``batch/story``: ``dupA`` and ``dupB``
    may each hold a ``world`` story, and each needs its own id (and report)."""
    counts = Counter(story.story_id for story in stories if not story.multi_story)
    return [
        story.model_copy(update={"story_id": f"{root.resolve().name}/{story.story_id}"})
        if counts[story.story_id] > 1 and not story.multi_story
        else story
        for story, root in zip(stories, roots, strict=True)
    ]


def _discover_directory(directory: Path, skipped: list[Path]) -> list[StoryInput]:
    files = _files_in(directory)
    subdirectories = [sub for sub in _subdirectories(directory) if _files_in(sub)]
    if subdirectories:
        # A batch: its stories are its folders. Files beside them (a SOURCES.md, labels) are
        # about the batch, not articles of a story; they are listed, not read.
        skipped.extend(files)
        files = []
    stories: list[StoryInput] = []
    multi = [file for file in files if file.suffix.lower() in MULTI_STORY_SUFFIXES]
    articles = [file for file in files if file.suffix.lower() not in MULTI_STORY_SUFFIXES]
    name = directory.resolve().name or "story"
    if articles:
        stories.append(_story_of(name, articles))
    stories.extend(StoryInput(story_id=file.stem, paths=[file], multi_story=True) for file in multi)
    for subdirectory in subdirectories:
        story_id = f"{name}/{subdirectory.name}" if articles else subdirectory.name
        stories.append(_story_of(story_id, _files_in(subdirectory)))
    if not stories:
        raise InputError(f"{directory}: holds no article files; add {FORMATS_HINT}")
    return stories
