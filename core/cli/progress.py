"""Showing a run's progress: a live display on a terminal, plain log lines elsewhere."""

from __future__ import annotations

import time
from types import TracebackType

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from veracity.cli.rendered import RenderedStory
from veracity.models import LLMUsage, StoryFailure, StoryReport
from veracity.pipeline.events import StageEvent
from veracity.wording import plural


class RunProgress:
    """Progress of a batch: stories done of total, current stage, LLM calls, tokens, retries.

    On a terminal this is a live rich display; otherwise one plain line per
    finished story (and per stage with ``verbose``), so logs stay readable.
    """

    def __init__(
        self, console: Console, total: int | None, *, quiet: bool = False, verbose: bool = False
    ) -> None:
        self.console = console
        self.total = total
        self.quiet = quiet
        self.verbose = verbose
        self.done = 0
        self.usage = LLMUsage()
        self.started = time.perf_counter()
        self._live = console.is_terminal and not quiet
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    @property
    def _total_text(self) -> str:
        # A JSONL batch's stories are counted as they are read: the total is not known ahead.
        return "?" if self.total is None else str(self.total)

    @property
    def live(self) -> bool:
        """True when a live display is on the terminal (and tables wait for the end)."""
        return self._live

    def __enter__(self) -> RunProgress:
        if self._live:
            self._progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[status]}"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=self.console,
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task("stories", total=self.total, status="")
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()

    def _status(self, stage: str = "") -> str:
        usage = self.usage
        parts = [stage] if stage else []
        if usage.calls or usage.cache_hits:
            parts.append(
                f"{plural(usage.calls, 'call')}, "
                f"{plural(usage.prompt_tokens + usage.completion_tokens, 'token')}, "
                f"{plural(usage.retries, 'retry', 'retries')}"
            )
        return " · ".join(parts)

    def stage(self, event: StageEvent) -> None:
        """A story entered a stage."""
        if self._progress is not None and self._task is not None:
            self._progress.update(
                self._task, status=self._status(f"{escape(event.story_id)}: {event.stage}")
            )
        elif self.verbose and not self.quiet:
            self.console.print(f"{escape(event.story_id)}: {event.stage}")

    def skipped(self, story_id: str) -> None:
        """A story finished by an earlier run was skipped."""
        self._advance()
        if not self.quiet and not self._live:
            self.console.print(
                f"[{self.done}/{self._total_text}] {escape(story_id)}: already done, skipped"
            )

    def finished(self, result: StoryReport | StoryFailure | RenderedStory) -> None:
        """A story finished (its report, or its files rendered by a worker) or failed."""
        self._advance()
        if isinstance(result, StoryFailure):
            # An endpoint failure is the run's, not the story's: said once, with its fix, at the end.
            if result.kind != "endpoint":
                self.console.print(
                    f"[red]failed[/] [{self.done}/{self._total_text}] {escape(result.story_id)}: "
                    f"{escape(result.error)}"
                )
            return
        self.usage = self.usage.add(result.usage)
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, status=self._status())
        elif not self.quiet:
            if isinstance(result, RenderedStory):
                story_id, sources, found = result.story_id, result.sources, result.contradictions
                seconds = result.seconds
            else:
                story_id, sources = result.story.id, len(result.story.documents)
                found, seconds = len(result.findings()), sum(result.timings.values())
            self.console.print(
                f"[{self.done}/{self._total_text}] {escape(story_id)}: "
                f"{plural(sources, 'source')}, "
                f"{plural(found, 'contradiction')} ({seconds:.2f} s)"
            )

    def _advance(self) -> None:
        self.done += 1
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, completed=self.done)
