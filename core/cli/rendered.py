"""A story's reports rendered where the story ran, and the few figures the command needs.

With ``--out DIR`` the driver only writes files: the worker that ran a story renders
its report in every requested format (:class:`BatchRenderer`, the executor's
``finish``) and sends back the texts and a :class:`RenderedStory` summary (its line
of the closing table, what ``--fail-on`` and ``run.jsonl`` need, its usage), not the
report. With the ``inline`` executor the same code runs in the driver, so the files
are the same whichever executor ran the story.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field
from rich.markup import escape

from veracity.cli.output import finding_kinds, story_fingerprint
from veracity.errors import VeracityError
from veracity.models import LLMUsage, RunInfo, RunReport, StoryReport
from veracity.wording import plural

if TYPE_CHECKING:
    from veracity.pipeline.runner import Pipeline


class StoryDisplay(BaseModel):
    """What the command shows of one story on the terminal: its table and its warnings."""

    title: str = Field(description="The table's title (rich markup, escaped).")
    rows: list[list[str]] = Field(
        description="rank, source, score, claims, contradictions, why (rich markup, escaped)."
    )
    warnings: list[str] = Field(description="One line per warning (rich markup, escaped).")


class RenderedStory(BaseModel):
    """One finished story as the worker that ran it sends it to the driver."""

    story_id: str
    sources: int
    contradictions: int
    findings: list[str] = Field(description="The kinds of its findings (see finding_kinds).")
    ranking: str
    usage: LLMUsage
    llm_failed: bool
    seconds: float = Field(description="The time its stages took.")
    fingerprint: str = Field(description="What its report depends on (see story_fingerprint).")
    unread: list[str] = Field(description="Inputs left out of the story.")
    texts: dict[str, str] = Field(description="The report in each format, by format name.")
    display: StoryDisplay


def render_report(pipeline: Pipeline, report: RunReport, format_name: str) -> str:
    """``report`` in ``format_name``, by the plugin that renders that format."""
    rendered = pipeline.plugins.pm.hook.veracity_render_report(report=report, format=format_name)
    if not isinstance(rendered, str):
        raise VeracityError(f"no plugin renders the format {format_name!r}")
    return rendered


def story_display(report: StoryReport) -> StoryDisplay:
    """The story's table and warnings, as the command prints them."""
    # Each source's findings, counted as every report counts them (StoryReport.findings).
    findings = report.findings_per_source()
    labels = report.story.labels()
    claims_per_source: dict[str, int] = {}
    for claim in report.claims:
        claims_per_source[claim.source_id] = claims_per_source.get(claim.source_id, 0) + 1
    rows = [
        [
            str(score.rank),
            escape(labels.get(score.source_id, score.source_id)),
            f"{score.score:.2f}",
            str(claims_per_source.get(score.source_id, 0)),
            str(findings.get(score.source_id, 0)),
            escape(score.reason),
        ]
        for score in report.scores
    ]
    scored = {score.source_id for score in report.scores}
    rows += [
        [
            "-",
            escape(labels[source_id]),
            "-",
            str(claims_per_source.get(source_id, 0)),
            str(findings.get(source_id, 0)),
            "not scored",
        ]
        for source_id in report.story.source_ids
        if source_id not in scored
    ]
    return StoryDisplay(
        title=f"story {escape(report.story.id)}: "
        f"{plural(len(report.story.documents), 'source')}, "
        f"{plural(len(report.findings()), 'contradiction')}",
        rows=rows,
        warnings=[
            f"[yellow]warning[/] {escape(report.story.id)} {warning.stage}: "
            f"{escape(report.story.readable(warning.message))}"
            for warning in report.warnings
        ],
    )


def ranking(report: StoryReport) -> str:
    """The sources best first, or why there is no order."""
    if len(report.story.documents) == 1:
        return "one source: nothing to cross-check it against"
    if len(report.scores) > 1 and len({score.rank for score in report.scores}) == 1:
        return "not ranked: no source disagrees with another"
    labels = report.story.labels()
    return ", ".join(
        f"{labels.get(score.source_id, score.source_id)} {score.score:.2f}"
        for score in report.scores
    )


@dataclass(frozen=True)
class BatchRenderer:
    """Renders a finished story's report files where it ran (the executor's ``finish``).

    :param run: the driver's run information, which every report carries.
    :param formats: the formats to render, in the order the files are written.
    """

    run: RunInfo
    formats: tuple[str, ...]

    def __call__(self, pipeline: Pipeline, report: StoryReport) -> RenderedStory:
        """The story's report files and summary."""
        single = RunReport(run=self.run, stories=[report])
        return RenderedStory(
            story_id=report.story.id,
            sources=len(report.story.documents),
            contradictions=len(report.findings()),
            findings=finding_kinds(report),
            ranking=ranking(report),
            usage=report.usage,
            llm_failed=bool(report.llm_failures),
            seconds=sum(report.timings.values()),
            fingerprint=story_fingerprint(report.story, pipeline.settings, self.run),
            unread=report.story.unread,
            texts={name: render_report(pipeline, single, name) for name in self.formats},
            display=story_display(report),
        )
