"""The Markdown report: what a person reads first, per story.

Summary with citations, sources ranked with their reasons, then every
contradiction with both passages side by side.
"""

from __future__ import annotations

import re

from veracity.models import Opinion, RunReport, Stance, StoryReport, Verdict
from veracity.pipeline.hookspecs import hookimpl
from veracity.wording import plural

# Characters that start Markdown code, links and images, raw HTML, entities and table cells.
# Each is backslash-escaped in article text, so that it renders as the text it is (a remote
# image in an article stays text). Underscores stay: file names are full of them, and
# inside a word they never start emphasis.
_MARKDOWN_SYNTAX = re.compile(r"([\\`*\[\]<>!|~&])")
_BACKTICKS = re.compile(r"`+")


def _escape(text: str) -> str:
    """Text safe inside a Markdown table cell or paragraph, rendered as the text it is."""
    return _MARKDOWN_SYNTAX.sub(r"\\\1", " ".join(text.splitlines()))


def _code(text: str) -> str:
    """``text`` as an inline code span that nothing in it can end (an id with backticks or
    line breaks), safe in a table cell too."""
    text = " ".join(text.splitlines()).replace("|", "\\|")
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(text)), default=0) + 1)
    pad = " " if text.startswith(("`", " ")) or text.endswith(("`", " ")) else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def opinions_line(verdict: Verdict) -> str | None:
    """Both engines' opinions of a finding in one line, or None when no model gave one."""
    opinions = verdict.opinions
    if opinions is None:
        return None
    offline = opinions.offline.value if opinions.offline else "not checked"
    llm = opinions.llm.value if opinions.llm else "no answer"
    reason = f" ({_escape(opinions.llm_reason)})" if opinions.llm_reason else ""
    line = f"opinions: offline {offline}, model {llm}{reason}"
    if opinions.disagree:
        line += (
            " — **the engines disagree**; kept: a different number, date or quoted word"
            if opinions.deterministic and verdict.stance is Stance.CONTRADICTS
            else " — **the engines disagree**"
        )
    return line


def _withdrawn(report: StoryReport) -> list[Verdict]:
    return [
        verdict
        for verdict in report.verdicts
        if verdict.stance is Stance.ABSENT
        and verdict.opinions is not None
        and verdict.opinions.llm is Opinion.NOT
    ]


def render_story(report: StoryReport) -> str:
    """One story as Markdown."""
    # One numbering: the source cited as [1] is the one ranked first.
    order = report.reading_order()
    citation = {source_id: index for index, source_id in enumerate(order, start=1)}
    labels = {source_id: _escape(label) for source_id, label in report.story.labels().items()}
    lines = [f"## Story {_code(report.story.id)}", ""]
    if report.llm_failures:
        lines += [
            "**LLM stages failed** for this story ("
            + _escape("; ".join(report.llm_failures))
            + "): where they failed, the report rests on the offline engine alone.",
            "",
        ]
    lines += ["### Sources", ""]
    for document in (report.story.document(source_id) for source_id in order):
        title = (
            f" — {_escape(document.title)}"
            if document.title and document.title != document.label
            else ""
        )
        lines.append(
            f"{citation[document.id]}. {labels[document.id]}{title} ({_code(document.id)})"
        )
    lines += ["", "### Summary", ""]
    for sentence in report.summary.sentences:
        marks = "".join(
            f"[{citation[source_id]}]" for source_id in order if source_id in sentence.source_ids
        )
        against = "".join(
            f"[{citation[source_id]}]"
            for source_id in order
            if source_id in sentence.contradicted_by
        )
        flag = f" *(contradicted by {against})*" if against else ""
        flag += " *(disputed)*" if sentence.disputed and not against else ""
        lines.append(f"- {_escape(sentence.text)} {marks}{flag}")
    if report.scores:
        findings_per_source = report.findings_per_source()
        lines += [
            "",
            "### Reliability",
            "",
            "| rank | source | score | contradictions | why |",
            "|---:|---|---:|---:|---|",
        ]
        for score in report.scores:
            lines.append(
                f"| {score.rank} | {labels.get(score.source_id, score.source_id)} "
                f"| {score.score:.2f} | {findings_per_source.get(score.source_id, 0)} "
                f"| {_escape(score.reason)} |"
            )
    contradictions = report.findings()
    lines += ["", f"### Contradictions ({len(contradictions)})", ""]
    if not contradictions:
        lines.append("None found.")
    claims = {claim.id: claim for claim in report.claims}
    backing = report.backing()
    for verdict in contradictions:
        claim = claims[verdict.claim_id]
        source = labels[verdict.source_id]
        against = (
            "itself"
            if verdict.against_source_id == verdict.source_id
            else labels[verdict.against_source_id]
        )
        kind = verdict.disagreement.value if verdict.disagreement else "other"
        backed = backing(verdict)
        verdict_line = (
            f"; likely wrong: {labels[verdict.against_source_id if backed == verdict.source_id else verdict.source_id]}"
            if backed
            else ""
        )
        lines += [
            f"- **{kind}**: {source} vs {against} (confidence {verdict.confidence:.2f}{verdict_line})",
            f"  - {source}{_backing(backed, verdict.source_id)}: “{_escape(claim.quote)}”",
            f"  - {against}{_backing(backed, verdict.against_source_id)}: "
            + (
                f"“{_escape(verdict.evidence)}”"
                if verdict.evidence
                else "*(no passage of its text: see the explanation)*"
            ),
            f"  - {_escape(report.story.readable(verdict.explanation))}",
        ]
        if (line := opinions_line(verdict)) is not None:
            lines.append(f"  - {line}")
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
    withdrawn = _withdrawn(report)
    if withdrawn:
        lines += ["", f"### Withdrawn on the model's second opinion ({len(withdrawn)})", ""]
        for verdict in withdrawn:
            claim = claims[verdict.claim_id]
            lines += [
                f"- {labels[verdict.source_id]} vs {labels[verdict.against_source_id]}: "
                f"“{_escape(claim.quote)}”",
                f"  - {_escape(verdict.explanation)}",
                f"  - {opinions_line(verdict)}",
            ]
    supported = sum(1 for verdict in report.verdicts if verdict.stance is Stance.SUPPORTS)
    absent = sum(1 for verdict in report.verdicts if verdict.stance is Stance.ABSENT)
    lines += [
        "",
        f"{plural(len(report.claims), 'claim')}; {supported} supporting, "
        f"{len(report.contradicting_verdicts())} contradicting and {absent} absent verdicts "
        "(a contradiction is usually two verdicts, one from each side).",
    ]
    if report.warnings:
        lines += ["", "### Warnings", ""]
        lines += [
            f"- {warning.stage}: {_escape(report.story.readable(warning.message))}"
            for warning in report.warnings
        ]
    return "\n".join(lines) + "\n"


def _listed_apart(report: StoryReport, title: str, verdicts: list[Verdict], why: str) -> list[str]:
    if not verdicts:
        return []
    claims = {claim.id: claim for claim in report.claims}
    labels = report.story.labels()
    lines = ["", f"### {title} ({len(verdicts)}): {why}", ""]
    for verdict in verdicts:
        claim = claims.get(verdict.claim_id)
        quote = f" “{_escape(claim.quote)}”" if claim else ""
        lines.append(
            f"- {_escape(labels[verdict.source_id])} vs {_escape(labels[verdict.against_source_id])} "
            f"(confidence {verdict.confidence:.2f}):{quote} — "
            f"{_escape(report.story.readable(verdict.explanation))}"
        )
    return lines


def _backing(backed: str | None, source_id: str) -> str:
    """The mark of the side the other sources and the scores back."""
    if backed is None:
        return ""
    return " (backed)" if backed == source_id else " (likely wrong)"


def render_markdown(report: RunReport) -> str:
    """The whole run as Markdown."""
    parts = [
        f"# veracity report\n\nEngine: {report.run.engine}; "
        f"{plural(len(report.stories), 'story', 'stories')}.\n"
    ]
    parts += [render_story(story) for story in report.stories]
    if report.failures:
        parts.append(
            "## Failed stories\n\n"
            + "\n".join(f"- {_code(f.story_id)}: {_escape(f.error)}" for f in report.failures)
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
