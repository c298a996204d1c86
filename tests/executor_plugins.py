"""Plugins the executor tests hand to worker processes and Ray tasks (importable by them)."""

from __future__ import annotations

import os
from pathlib import Path

from veracity import Claim, Story, Verdict, hookimpl
from veracity.pipeline.context import StageContext


class Marker:
    """A picklable plugin object: leaves a warning in every story it cross-checks."""

    def __init__(self, text: str) -> None:
        self.text = text

    @hookimpl
    def veracity_cross_check(
        self, story: Story, claims: list[Claim], context: StageContext
    ) -> list[Verdict]:
        context.warn(f"{self.text} {story.id}")
        return []


class KillsItsWorker:
    """Ends the process running ``story_id`` the first time (as an OOM kill would)."""

    def __init__(self, story_id: str, marker: Path) -> None:
        self.story_id = story_id
        self.marker = marker

    @hookimpl
    def veracity_cross_check(
        self, story: Story, claims: list[Claim], context: StageContext
    ) -> list[Verdict]:
        if story.id == self.story_id and not self.marker.exists():
            self.marker.write_text(str(os.getpid()), encoding="utf-8")
            os._exit(1)
        return []


class Unpicklable:
    """A plugin object holding a lambda: it cannot leave the driver."""

    def __init__(self) -> None:
        self.callback = lambda: None

    @hookimpl
    def veracity_cross_check(
        self, story: Story, claims: list[Claim], context: StageContext
    ) -> list[Verdict]:
        return []
