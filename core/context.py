"""What the core hands every hook: settings, the LLM client and a warning sink."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .alignment import StoryAlignment, align_story
from .models import LLMUsage, ReportWarning, Story
from .settings import Settings


@dataclass
class StageContext:
    """The per-story context passed to hooks as ``context``.

    ``llm`` is the configured LLM client, or None when the run is offline:
    LLM plugins return None or an empty list then, so that the offline
    plugins answer.
    """

    settings: Settings = field(default_factory=Settings)
    llm: Any | None = None
    story_id: str | None = None
    stage: str = ""
    warnings: list[ReportWarning] = field(default_factory=list)
    usage: LLMUsage = field(default_factory=LLMUsage)
    _alignments: dict[str, StoryAlignment] = field(default_factory=dict, repr=False)

    def warn(self, message: str, *, plugin: str | None = None) -> None:
        """Record a warning for the story's report."""
        self.warnings.append(ReportWarning(stage=self.stage, message=message, plugin=plugin))

    def record_usage(self, usage: LLMUsage) -> None:
        """Add the cost of LLM calls made for this story."""
        self.usage = self.usage.add(usage)

    @property
    def uses_llm(self) -> bool:
        """True when LLM plugins should do the work: a client is set and the run is not offline."""
        return self.llm is not None and not self.settings.offline

    def alignment(self, story: Story) -> StoryAlignment:
        """The story's sentence alignment, computed once and shared by every plugin."""
        if story.id not in self._alignments:
            self._alignments[story.id] = align_story(story)
        return self._alignments[story.id]
