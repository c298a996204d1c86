"""What the core hands every hook: settings, the LLM client and a warning sink."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from veracity.comparison.alignment import StoryAlignment, align_story
from veracity.errors import ConfigurationError
from veracity.models import DroppedItem, LLMUsage, Opinion, ReportWarning, Story
from veracity.pipeline.second_opinion import Candidate, Review
from veracity.settings import Settings

if TYPE_CHECKING:
    from veracity.llm.client import LLMClient


@dataclass
class StageContext:
    """The per-story context passed to hooks as ``context``.

    ``llm`` is the configured LLM client, or None when the run is offline:
    LLM plugins return None or an empty list then, so that the offline
    plugins answer.
    """

    settings: Settings = field(default_factory=Settings)
    llm: LLMClient | None = None
    story_id: str | None = None
    stage: str = ""
    warnings: list[ReportWarning] = field(default_factory=list)
    usage: LLMUsage = field(default_factory=LLMUsage)
    dropped: list[DroppedItem] = field(default_factory=list)
    # Inputs a loader could not read while the rest of the story goes on: (story id or
    # None for the story being loaded, one-line error).
    unread: list[tuple[str | None, str]] = field(default_factory=list)
    # In a run with an endpoint: the offline findings awaiting the model's second opinion,
    # and the opinions given, by finding (see veracity.pipeline.second_opinion).
    candidates: list[Candidate] = field(default_factory=list)
    reviews: dict[tuple[str, str, str], Review] = field(default_factory=dict)
    # LLM stages that failed ("stage: plugin: error"), shared by the forks of one story.
    llm_failures: list[str] = field(default_factory=list)
    _alignments: dict[str, StoryAlignment] = field(default_factory=dict, repr=False)

    def warn(self, message: str, *, plugin: str | None = None) -> None:
        """Record a warning for the story's report."""
        self.warnings.append(ReportWarning(stage=self.stage, message=message, plugin=plugin))

    def skip_input(self, message: str, *, story: str | None = None) -> None:
        """Leave out one input that cannot be read (a URL that failed) and go on with the rest.

        :param message: one line: what, where, how to fix it.
        :param story: the story the input belonged to, for files of several stories.
        """
        self.unread.append((story, message))

    def record_usage(self, usage: LLMUsage) -> None:
        """Add the cost of LLM calls made for this story."""
        self.usage = self.usage.add(usage)

    def drop(self, item: DroppedItem, *, hallucinated: bool = False) -> None:
        """Record model output left out of the report; ``hallucinated`` counts it in usage."""
        self.dropped.append(item)
        if hallucinated:
            self.usage = self.usage.add(LLMUsage(hallucinated_quotes=1))

    def record_review(self, candidate: Candidate, opinion: Opinion, reason: str) -> None:
        """Record the model's second opinion of an offline finding (the first one counts)."""
        self.reviews.setdefault(candidate.key, Review(opinion=opinion, reason=reason))

    def drop_irrelevant(self, item: DroppedItem) -> None:
        """Record a model verdict whose evidence is not about its claim; counted in usage."""
        self.dropped.append(item)
        self.usage = self.usage.add(LLMUsage(irrelevant_evidence=1))

    def count_split(self) -> None:
        """Count one extra call made because an input was over the token budget."""
        self.usage = self.usage.add(LLMUsage(splits=1))

    @property
    def uses_llm(self) -> bool:
        """True when LLM plugins should do the work: a client is set and the run is not offline."""
        return self.llm is not None and not self.settings.offline

    @property
    def client(self) -> LLMClient:
        """The LLM client, for plugins that checked :attr:`uses_llm` first."""
        if self.llm is None:
            raise ConfigurationError(
                "this stage needs an LLM endpoint; pass --base-url and --model"
            )
        return self.llm

    def alignment(self, story: Story) -> StoryAlignment:
        """The story's sentence alignment, computed once and shared by every plugin."""
        if story.id not in self._alignments:
            self._alignments[story.id] = align_story(story)
        return self._alignments[story.id]
