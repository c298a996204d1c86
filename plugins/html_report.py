"""The HTML report: one self-contained file a person can read without the JSON.

The summary with citation markers, the sources ranked with their score
breakdown, the findings with filters by kind, and the sources side by side
with every disputed passage highlighted and linked to the passage it
conflicts with. Rendered with Jinja2 (autoescaped: article text can never
inject markup or script); the CSS and script are inline, so the file needs
no network.
"""

from __future__ import annotations

import base64
import hashlib
from importlib import resources
from itertools import pairwise

from jinja2 import Environment, StrictUndefined, select_autoescape
from markupsafe import Markup
from pydantic import BaseModel

from veracity.models import Disagreement, Opinion, RunReport, Stance, StoryReport, Verdict
from veracity.pipeline.hookspecs import hookimpl

KINDS = [kind.value for kind in Disagreement]


class Mark(BaseModel):
    """A highlighted passage of one source."""

    anchor: str
    start: int
    end: int
    kind: str
    role: str  # "claim" (the source's own passage) or "evidence" (what contradicts another's)
    target: str  # anchor of the conflicting passage
    title: str
    # "backed" when the other sources and the scores back this side, "doubted" when they
    # back the other side, "" when nothing decides: a reader sees which side is likely wrong.
    side: str = ""


class Segment(BaseModel):
    """A run of a source's text, with the marks that cover it."""

    text: str
    marks: list[Mark]
    anchors: list[str]


class Finding(BaseModel):
    """One contradiction as the report lists it."""

    number: int
    kind: str
    source_id: str
    against_source_id: str
    source_label: str
    against_label: str
    backed_label: str  # the side the other sources and the scores back; "" when none
    claim_quote: str
    evidence: str
    explanation: str
    confidence: float
    claim_anchor: str
    evidence_anchor: str
    opinions: str = ""
    disagree: bool = False


def _opinions(verdict: Verdict) -> str:
    """Both engines' opinions of a finding in one line; empty when no model was asked."""
    opinions = verdict.opinions
    if opinions is None:
        return ""
    offline = opinions.offline.value if opinions.offline else "not checked"
    llm = opinions.llm.value if opinions.llm else "no answer"
    reason = f" ({opinions.llm_reason})" if opinions.llm_reason else ""
    line = f"offline {offline}, model {llm}{reason}"
    if opinions.disagree:
        line += " — the engines disagree"
        if opinions.deterministic and verdict.stance is Stance.CONTRADICTS:
            line += "; kept: a different number, date or quoted word"
    return line


def _withdrawn(report: StoryReport) -> list[dict[str, str]]:
    """The offline findings the model's second opinion withdrew, for the page."""
    claims = {claim.id: claim for claim in report.claims}
    return [
        {
            "source_id": verdict.source_id,
            "against_source_id": verdict.against_source_id,
            "claim_quote": claims[verdict.claim_id].quote,
            "explanation": verdict.explanation,
            "opinions": _opinions(verdict),
        }
        for verdict in report.verdicts
        if verdict.stance is Stance.ABSENT
        and verdict.opinions is not None
        and verdict.opinions.llm is Opinion.NOT
        and verdict.claim_id in claims
    ]


class Listed(BaseModel):
    """A possible contradiction or an update, listed apart from the findings."""

    kind: str
    source_id: str
    against_source_id: str
    claim_quote: str
    evidence: str
    explanation: str
    confidence: float


def _listed(report: StoryReport, verdicts: list[Verdict]) -> list[Listed]:
    claims = {claim.id: claim for claim in report.claims}
    return [
        Listed(
            kind=verdict.disagreement.value if verdict.disagreement else "other",
            source_id=verdict.source_id,
            against_source_id=verdict.against_source_id,
            claim_quote=claims[verdict.claim_id].quote if verdict.claim_id in claims else "",
            evidence=verdict.evidence or "",
            explanation=verdict.explanation,
            confidence=verdict.confidence,
        )
        for verdict in verdicts
    ]


def _findings(report: StoryReport) -> tuple[list[Finding], dict[str, list[Mark]]]:
    claims = {claim.id: claim for claim in report.claims}
    marks: dict[str, list[Mark]] = {source_id: [] for source_id in report.story.source_ids}
    findings: list[Finding] = []
    contradictions: list[Verdict] = report.findings()
    labels = report.story.labels()
    backing = report.backing()
    for number, verdict in enumerate(contradictions, start=1):
        claim = claims[verdict.claim_id]
        kind = verdict.disagreement.value if verdict.disagreement else "other"
        backed = backing(verdict)
        claim_side = _side(backed, verdict.source_id)
        evidence_side = _side(backed, verdict.against_source_id)
        claim_anchor = f"s{report.story.source_ids.index(claim.source_id)}-f{number}-claim"
        evidence_anchor = (
            f"s{report.story.source_ids.index(verdict.against_source_id)}-f{number}-evidence"
        )
        findings.append(
            Finding(
                number=number,
                kind=kind,
                source_id=verdict.source_id,
                against_source_id=verdict.against_source_id,
                source_label=labels[verdict.source_id],
                against_label=labels[verdict.against_source_id],
                backed_label=labels[backed] if backed else "",
                claim_quote=claim.quote,
                evidence=verdict.evidence or "",
                explanation=report.story.readable(verdict.explanation),
                confidence=verdict.confidence,
                claim_anchor=claim_anchor,
                evidence_anchor=evidence_anchor,
                opinions=_opinions(verdict),
                disagree=bool(verdict.opinions and verdict.opinions.disagree),
            )
        )
        marks[claim.source_id].append(
            Mark(
                anchor=claim_anchor,
                start=claim.span.start,
                end=claim.span.end,
                kind=kind,
                role="claim",
                target=evidence_anchor if verdict.evidence_span else claim_anchor,
                title=f"#{number} {kind}: {report.story.readable(verdict.explanation)}",
                side=claim_side,
            )
        )
        if verdict.evidence_span is not None:
            marks[verdict.against_source_id].append(
                Mark(
                    anchor=evidence_anchor,
                    start=verdict.evidence_span.start,
                    end=verdict.evidence_span.end,
                    kind=kind,
                    role="evidence",
                    target=claim_anchor,
                    title=f"#{number} {kind}: {report.story.readable(verdict.explanation)}",
                    side=evidence_side,
                )
            )
    return findings, marks


def _side(backed: str | None, source_id: str) -> str:
    if backed is None:
        return ""
    return "backed" if backed == source_id else "doubted"


def segments(text: str, marks: list[Mark]) -> list[Segment]:
    """Cut ``text`` at every mark boundary; each piece knows the marks over it.

    Marks may overlap (a sentence that is both contradicted and evidence
    against another source), so pieces rather than nested tags.
    """
    cuts = sorted({0, len(text), *(m.start for m in marks), *(m.end for m in marks)})
    pieces: list[Segment] = []
    for start, end in pairwise(cuts):
        covering = [mark for mark in marks if mark.start <= start and end <= mark.end]
        anchors = [mark.anchor for mark in covering if mark.start == start]
        pieces.append(Segment(text=text[start:end], marks=covering, anchors=anchors))
    return pieces


def _environment() -> Environment:
    environment = Environment(
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment


def _template_file(name: str) -> str:
    return resources.files("veracity").joinpath(f"templates/{name}").read_text("utf-8")


def render_html(report: RunReport) -> str:
    """The whole run as one self-contained HTML page."""
    template = _environment().from_string(_template_file("report.html.jinja"))
    script = _template_file("report.js")
    # The page allows only this exact script: even text that slipped past escaping could not run.
    script_hash = "sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    stories = []
    for story_index, story in enumerate(report.stories):
        findings, marks = _findings(story)
        # One numbering: sources are cited and shown side by side in rank order.
        order = story.reading_order()
        claims_per_source = {source_id: 0 for source_id in story.story.source_ids}
        for claim in story.claims:
            claims_per_source[claim.source_id] += 1
        stories.append(
            {
                "index": story_index,
                "report": story,
                "findings": findings,
                "possible": _listed(story, story.possible_contradictions()),
                "updates": _listed(story, story.updates()),
                "withdrawn": _withdrawn(story),
                "kinds": sorted({finding.kind for finding in findings}, key=KINDS.index),
                "citation": {sid: n for n, sid in enumerate(order, start=1)},
                "order": order,
                "labels": story.story.labels(),
                "findings_per_source": story.findings_per_source(),
                "claims_per_source": claims_per_source,
                "sources": [
                    {
                        "position": position,
                        "document": document,
                        "segments": segments(document.text, marks[document.id]),
                    }
                    for position, document in enumerate(
                        story.story.document(source_id) for source_id in order
                    )
                ],
            }
        )
    return template.render(
        run=report.run,
        stories=stories,
        failures=report.failures,
        kinds=KINDS,
        script=Markup(script),
        script_hash=script_hash,
    )


@hookimpl(trylast=True)
def veracity_report_formats() -> list[str]:
    """This plugin writes ``html``."""
    return ["html"]


@hookimpl(trylast=True)
def veracity_render_report(report: RunReport, format: str) -> str | None:
    """Render the report as a self-contained HTML page."""
    if format != "html":
        return None
    return render_html(report)
