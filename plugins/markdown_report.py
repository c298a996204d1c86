"""The Markdown report: what a person reads first, per story.

Summary with citations, sources ranked with their reasons, then every
contradiction with both passages side by side.
"""

from __future__ import annotations

from veracity.models import RunReport, Stance, StoryReport, Verdict
from veracity.pipeline.hookspecs import hookimpl


def _escape(text: str) -> str:
    """Text safe inside a Markdown table cell or paragraph."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace("\n", " ")


def render_story(report: StoryReport) -> str:
    """One story as Markdown."""
    citation = {
        source_id: index for index, source_id in enumerate(report.story.source_ids, start=1)
    }
    lines = [f"## Story `{report.story.id}`", ""]
    lines += ["### Sources", ""]
    for document in report.story.documents:
        title = f" — {_escape(document.title)}" if document.title else ""
        lines.append(f"{citation[document.id]}. `{document.id}`{title}")
    lines += ["", "### Summary", ""]
    for sentence in report.summary.sentences:
        marks = "".join(f"[{citation[source_id]}]" for source_id in sentence.source_ids)
        flag = " *(disputed)*" if sentence.disputed else ""
        lines.append(f"- {_escape(sentence.text)} {marks}{flag}")
    if report.scores:
        lines += [
            "",
            "### Reliability",
            "",
            "| rank | source | score | why |",
            "|---:|---|---:|---|",
        ]
        for score in report.scores:
            lines.append(
                f"| {score.rank} | `{score.source_id}` | {score.score:.2f} | {_escape(score.reason)} |"
            )
    contradictions = report.findings()
    lines += ["", f"### Contradictions ({len(contradictions)})", ""]
    if not contradictions:
        lines.append("None found.")
    claims = {claim.id: claim for claim in report.claims}
    for verdict in contradictions:
        claim = claims[verdict.claim_id]
        against = (
            "itself"
            if verdict.against_source_id == verdict.source_id
            else f"`{verdict.against_source_id}`"
        )
        kind = verdict.disagreement.value if verdict.disagreement else "other"
        lines += [
            f"- **{kind}**: `{verdict.source_id}` vs {against} (confidence {verdict.confidence:.2f})",
            f"  - `{verdict.source_id}`: “{_escape(claim.quote)}”",
            f"  - {against}: "
            + (
                f"“{_escape(verdict.evidence)}”"
                if verdict.evidence
                else "*(no passage of its text: see the explanation)*"
            ),
            f"  - {_escape(verdict.explanation)}",
        ]
    lines += _listed_apart(
        report,
        "Updates",
        report.updates(),
        "figures that moved between reports published apart; not counted against the earlier one",
    )
    lines += _listed_apart(
        report,
        "Possible contradictions",
        report.possible_contradictions(),
        "below the minimum confidence; not counted by --fail-on",
    )
    supported = sum(1 for verdict in report.verdicts if verdict.stance is Stance.SUPPORTS)
    absent = sum(1 for verdict in report.verdicts if verdict.stance is Stance.ABSENT)
    lines += [
        "",
        f"{len(report.claims)} claims; {supported} supporting, {len(report.contradictions())} contradicting "
        f"and {absent} absent verdicts.",
    ]
    if report.warnings:
        lines += ["", "### Warnings", ""]
        lines += [f"- {warning.stage}: {_escape(warning.message)}" for warning in report.warnings]
    return "\n".join(lines) + "\n"


def _listed_apart(report: StoryReport, title: str, verdicts: list[Verdict], why: str) -> list[str]:
    if not verdicts:
        return []
    claims = {claim.id: claim for claim in report.claims}
    lines = ["", f"### {title} ({len(verdicts)}): {why}", ""]
    for verdict in verdicts:
        claim = claims.get(verdict.claim_id)
        quote = f" “{_escape(claim.quote)}”" if claim else ""
        lines.append(
            f"- `{verdict.source_id}` vs `{verdict.against_source_id}` "
            f"(confidence {verdict.confidence:.2f}):{quote} — {_escape(verdict.explanation)}"
        )
    return lines


def render_markdown(report: RunReport) -> str:
    """The whole run as Markdown."""
    parts = [f"# veracity report\n\nEngine: {report.run.engine}; {len(report.stories)} stories.\n"]
    parts += [render_story(story) for story in report.stories]
    if report.failures:
        parts.append(
            "## Failed stories\n\n"
            + "\n".join(f"- `{f.story_id}`: {_escape(f.error)}" for f in report.failures)
            + "\n"
        )
    return "\n".join(parts)


@hookimpl(trylast=True)
def veracity_report_formats() -> list[str]:
    """This plugin writes ``md``."""
    return ["md"]


@hookimpl(trylast=True)
def veracity_render_report(report: RunReport, format: str) -> str | None:
    """Render the report as Markdown."""
    if format not in ("md", "markdown"):
        return None
    return render_markdown(report)
