"""The one-call Python API: ``veracity.check``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from veracity.pipeline.runner import Pipeline, make_story

from .errors import InputError
from .models import Document, Story, StoryFailure, StoryReport
from .settings import Settings


def check(
    documents_or_paths: Story | Sequence[Document | str | Path],
    *,
    plugins: Iterable[object] = (),
    llm: Any | None = None,
    load_entry_points: bool = True,
    story_id: str = "story",
    **options: Any,
) -> StoryReport:
    """Check one story and return its report.

    :param documents_or_paths: a :class:`Story`, :class:`Document` objects, or
        paths of one story's files (or of a directory holding them), or http(s)
        addresses of its articles.
    :param plugins: extra plugin objects or modules to use for this call.
    :param llm: an LLM client; without one the offline engine runs.
    :param load_entry_points: also use installed third-party plugins.
    :param story_id: the story's id when documents are given.
    :param options: any :class:`Settings` field, such as ``summary_sentences=4``.
    """
    settings = Settings(**options)
    pipeline = Pipeline(settings, plugins=plugins, llm=llm, load_entry_points=load_entry_points)
    if isinstance(documents_or_paths, Story):
        story = documents_or_paths
    elif all(isinstance(item, Document) for item in documents_or_paths):
        story = make_story(
            story_id, [item for item in documents_or_paths if isinstance(item, Document)]
        )
    else:
        if any(isinstance(item, Document) for item in documents_or_paths):
            raise InputError("check() takes documents or paths, not both; load the paths first")
        # Strings stay strings: an http(s) address is not a path.
        loaded = list(
            pipeline.load([item for item in documents_or_paths if not isinstance(item, Document)])
        )
        failures = [item for item in loaded if isinstance(item, StoryFailure)]
        if failures:
            raise InputError(failures[0].error)
        if len(loaded) != 1:
            raise InputError(
                f"the paths hold {len(loaded)} stories; check() takes one, use Pipeline.run() for a batch"
            )
        story = loaded[0]  # type: ignore[assignment]
    return pipeline.run_story(story)
