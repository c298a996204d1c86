"""The public data model: what veracity reads, finds and reports.

Every structure that crosses a module boundary or leaves the program is one of
these pydantic models. ``RunReport`` is the JSON contract of ``veracity run``;
its JSON schema is kept in ``docs/run-report.schema.json`` and a test fails when
the two drift apart.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

SCHEMA_VERSION = "1"


def stable_id(*parts: str, prefix: str = "", length: int = 12) -> str:
    """A short, stable identifier: the hex digest of ``parts`` joined by NUL bytes.

    The same parts give the same id on every run and machine, so ids can be
    used to join reports, caches and cassettes.
    """
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()[:length]
    return f"{prefix}{digest}"


class Span(BaseModel):
    """Character offsets ``[start, end)`` into a document's ``text``."""

    model_config = ConfigDict(frozen=True)

    start: int = Field(ge=0, description="Offset of the first character.")
    end: int = Field(ge=0, description="Offset one past the last character.")

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if self.end < self.start:
            raise ValueError(f"span end {self.end} is before its start {self.start}")
        return self

    def of(self, text: str) -> str:
        """The slice of ``text`` this span covers."""
        return text[self.start : self.end]


class DocumentMeta(BaseModel):
    """What loading found around the story text but kept out of it.

    Captions, bylines and page boilerplate are not claims of the story, so they
    are kept here rather than in ``Document.text``. Loader plugins may add
    their own keys.
    """

    model_config = ConfigDict(extra="allow")

    path: str | None = Field(default=None, description="File the document was read from.")
    format: str | None = Field(default=None, description="Input format: text, html, jsonl...")
    captions: list[str] = Field(default_factory=list, description="Photo captions and credits.")
    bylines: list[str] = Field(default_factory=list, description="Bylines and reporting credits.")
    headings: list[str] = Field(default_factory=list, description="Section headings in the page.")
    boilerplate: list[str] = Field(
        default_factory=list, description="Removed page furniture: cookie banners, sign-ups..."
    )
    encoding_warnings: list[str] = Field(default_factory=list)
    duplicates: list[str] = Field(
        default_factory=list,
        description="Ids of documents with the same text, merged into this one.",
    )


class Document(BaseModel):
    """One source: an article as veracity read it."""

    id: str = Field(min_length=1, description="Stable id, from the file name or record.")
    title: str = Field(default="", description="Headline, when the source has one.")
    text: str = Field(description="Body text with boilerplate, captions and bylines removed.")
    url: str | None = Field(default=None, description="Address of the article, as given.")
    final_url: str | None = Field(
        default=None,
        description="Address the article was fetched from after redirects (URL inputs only).",
    )
    fetched_at: dt.datetime | None = Field(
        default=None, description="When the page was downloaded, in UTC (URL inputs only)."
    )
    outlet: str | None = Field(default=None, description="Publisher or site name.")
    published: dt.date | None = Field(default=None, description="Publication date.")
    story: str | None = Field(
        default=None, description="Story id the input assigned this document to (JSONL)."
    )
    meta: DocumentMeta = Field(default_factory=DocumentMeta)

    @property
    def label(self) -> str:
        """How a person knows this source: its outlet, else its title, else its file name."""
        if self.outlet and self.outlet.strip():
            return self.outlet.strip()
        if self.title.strip():
            return _shortened(self.title.strip())
        if self.meta.path:
            # "file.jsonl:3" names a line of a file: keep it whole.
            return self.meta.path.replace("\\", "/").rsplit("/", 1)[-1]
        return self.id


# Longer titles are cut at a word: a label sits in table cells and finding lines.
_LABEL_CHARACTERS = 36


def _shortened(title: str) -> str:
    if len(title) <= _LABEL_CHARACTERS:
        return title
    cut = title[:_LABEL_CHARACTERS].rsplit(" ", 1)[0].rstrip(" ,;:-–—")
    return f"{cut}…"


class Story(BaseModel):
    """Several documents about the same event."""

    id: str = Field(min_length=1)
    documents: list[Document] = Field(min_length=1)
    unread: list[str] = Field(
        default_factory=list,
        description="Inputs of the story left out, each with why (a URL that failed, a file "
        "that could not be read, a page with no story text left); the rest was checked.",
    )

    @model_validator(mode="after")
    def _unique_document_ids(self) -> Story:
        seen: set[str] = set()
        for document in self.documents:
            if document.id in seen:
                raise ValueError(f"story {self.id!r} has two documents with id {document.id!r}")
            seen.add(document.id)
        return self

    def document(self, document_id: str) -> Document:
        """The document with this id; ``KeyError`` if the story has none."""
        for document in self.documents:
            if document.id == document_id:
                return document
        raise KeyError(document_id)

    @property
    def source_ids(self) -> list[str]:
        """Ids of the story's documents, in input order."""
        return [document.id for document in self.documents]

    def readable(self, text: str) -> str:
        """``text`` with every source id replaced by the source's label, for a person."""
        for source_id, label in sorted(self.labels().items(), key=lambda item: -len(item[0])):
            if source_id != label:
                text = text.replace(source_id, label)
        return text

    def labels(self) -> dict[str, str]:
        """Per source id, the name a person reads (:attr:`Document.label`), unique in the story.

        Two sources with the same label (two articles of one outlet) get their
        position in the story after it: ``Reuters (1)``, ``Reuters (2)``.
        """
        labels = {document.id: document.label for document in self.documents}
        counts: dict[str, int] = {}
        for label in labels.values():
            counts[label] = counts.get(label, 0) + 1
        return {
            source_id: (f"{label} ({position})" if counts[label] > 1 else label)
            for position, (source_id, label) in enumerate(labels.items(), start=1)
        }


class ClaimKind(StrEnum):
    """What a claim asserts."""

    FACT = "fact"
    QUOTE = "quote"
    NUMBER = "number"
    DATE = "date"
    ENTITY = "entity"


class Claim(BaseModel):
    """One checkable statement made by one source."""

    id: str = Field(description="Stable hash of source, span and text.")
    source_id: str
    text: str = Field(description="The claim, self-contained.")
    quote: str = Field(description="Verbatim passage of the source that makes the claim.")
    span: Span = Field(description="Where ``quote`` stands in the source's text.")
    kind: ClaimKind = ClaimKind.FACT
    extractor: str = Field(description="Name of the plugin that extracted it.")

    @classmethod
    def make(
        cls,
        *,
        source_id: str,
        text: str,
        quote: str,
        span: Span,
        extractor: str,
        kind: ClaimKind = ClaimKind.FACT,
    ) -> Claim:
        """Build a claim whose id is derived from its content."""
        claim_id = stable_id(source_id, str(span.start), str(span.end), text, prefix="c-")
        return cls(
            id=claim_id,
            source_id=source_id,
            text=text,
            quote=quote,
            span=span,
            kind=kind,
            extractor=extractor,
        )


class Stance(StrEnum):
    """How another source relates to a claim."""

    SUPPORTS = "supports"
    CONTRADICTS = "contradicts"
    ABSENT = "absent"


class Disagreement(StrEnum):
    """What differs when a source contradicts a claim."""

    QUOTE = "quote"
    NUMBER = "number"
    DATE = "date"
    ENTITY = "entity"
    NEGATION = "negation"
    OTHER = "other"


class FigureUpdate(BaseModel):
    """A figure that moved the way news moves between two reports published apart.

    A toll that rises from one day's report to the next is news being updated, not
    two sources disagreeing: the earlier source is not counted wrong for it.
    """

    earlier_source_id: str
    later_source_id: str
    earlier_published: dt.date | None = Field(
        default=None, description="Publication date of the earlier report."
    )
    later_published: dt.date | None = Field(
        default=None, description="Publication date of the later report."
    )


class Opinion(StrEnum):
    """What one engine makes of a finding."""

    GENUINE = "genuine"
    NOT = "not"
    UNSURE = "unsure"


class Opinions(BaseModel):
    """Both engines' opinions of one finding, in a run with an LLM endpoint.

    The offline checks find candidate contradictions; the model gives a second
    opinion of each inside the cross-check call its source already gets. How the
    two combine into the verdict's stance and confidence is in docs/hybrid.md.
    """

    offline: Opinion | None = Field(
        default=None,
        description="The offline engine's: genuine for a contradiction it found, unsure for a "
        "possible one (its confidence below 0.5); null when it did not judge this cell.",
    )
    llm: Opinion | None = Field(
        default=None,
        description="The model's second opinion; null when it gave none (no answer, failed call).",
    )
    llm_reason: str = Field(default="", description="The model's one-line reason.")
    deterministic: bool = Field(
        default=False,
        description="A different number, date or quoted word: the model's opinion cannot hide it.",
    )
    offline_confidence: float | None = Field(
        default=None, ge=0.0, le=1.0, description="The offline engine's own confidence."
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def disagree(self) -> bool:
        """True when one engine calls the finding genuine and the other does not."""
        return {self.offline, self.llm} == {Opinion.GENUINE, Opinion.NOT}


class Verdict(BaseModel):
    """One cell of the cross-check matrix: claim x other source."""

    claim_id: str
    source_id: str = Field(description="Source that made the claim.")
    against_source_id: str = Field(
        description="Source checked against; equal to source_id for a self-contradiction."
    )
    stance: Stance
    disagreement: Disagreement | None = Field(
        default=None, description="Kind of disagreement, set only when the stance contradicts."
    )
    evidence: str | None = Field(default=None, description="Verbatim passage of the other source.")
    evidence_span: Span | None = None
    explanation: str = ""
    confidence: float = Field(
        ge=0.0,
        le=1.0,
        description="For a contradiction: the estimated probability that it is genuine.",
    )
    checker: str = Field(description="Name of the plugin that judged it.")
    rule: str | None = Field(
        default=None,
        description="The checker's rule that fired ('quote.named', 'number', ...), "
        "by which its confidence is calibrated.",
    )
    possible: bool = Field(
        default=False,
        description="A contradiction below the run's minimum confidence: listed apart as "
        "possible, not counted as a finding nor by --fail-on, weighed by its confidence.",
    )
    update: FigureUpdate | None = Field(
        default=None,
        description="Set when the contradiction is a figure updated between reports "
        "published apart: reported as an update, not a finding.",
    )

    @property
    def is_finding(self) -> bool:
        """A contradiction the report counts: not merely possible, not an update."""
        return self.stance is Stance.CONTRADICTS and not self.possible and self.update is None

    opinions: Opinions | None = Field(
        default=None,
        description="Both engines' opinions of a finding, in a run with an LLM endpoint.",
    )

    @model_validator(mode="after")
    def _disagreement_only_when_contradicting(self) -> Verdict:
        if self.stance is Stance.CONTRADICTS and self.disagreement is None:
            raise ValueError("a contradicting verdict needs a kind of disagreement")
        if self.stance is not Stance.CONTRADICTS and self.disagreement is not None:
            raise ValueError("only a contradicting verdict has a kind of disagreement")
        return self


class ScoreBreakdown(BaseModel):
    """The counts a source's score rests on."""

    claims: int = 0
    corroborated: int = Field(default=0, description="Claims supported by another source.")
    contradicted: int = Field(
        default=0,
        description="Findings this source is a party to: disagreements between one of its "
        "passages and another's (or its own), each counted once.",
    )
    unverified: int = Field(default=0, description="Claims no other source mentions.")
    altered_quotes: int = 0
    self_contradictions: int = 0
    boilerplate_share: float = Field(
        default=0.0, ge=0.0, le=1.0, description="Share of the page that was not story text."
    )
    extra: dict[str, float] = Field(
        default_factory=dict, description="Further signals from the scoring plugin."
    )


class SourceScore(BaseModel):
    """How reliable one source looks within its story."""

    source_id: str
    score: float = Field(ge=0.0, le=1.0)
    rank: int = Field(ge=1, description="1 is the most reliable source of the story.")
    breakdown: ScoreBreakdown
    reason: str = Field(description="One line a person can read.")
    scorer: str


class SummarySentence(BaseModel):
    """A sentence of the story summary and the sources it rests on."""

    text: str
    source_ids: list[str] = Field(min_length=1)
    claim_ids: list[str] = Field(
        default_factory=list, description="Claims the sentence rests on, where known."
    )
    disputed: bool = Field(
        default=False, description="True when a claim it rests on is contradicted by a source."
    )
    contradicted_by: list[str] = Field(
        default_factory=list,
        description="Sources whose version of the sentence contradicts it (not cited for it).",
    )


class Summary(BaseModel):
    """A neutral summary of the story across its sources."""

    sentences: list[SummarySentence] = Field(default_factory=list)
    summarizer: str = ""

    @property
    def text(self) -> str:
        """The summary as one paragraph."""
        return " ".join(sentence.text for sentence in self.sentences)


class ClaimStatus(StrEnum):
    """Where a claim stands once every source has been heard."""

    SETTLED = "settled"
    DISPUTED = "disputed"
    UNVERIFIED = "unverified"


class ClaimCredibility(BaseModel):
    """How credible one claim is, given the sources that support or contradict it."""

    claim_id: str
    credibility: float = Field(ge=0.0, le=1.0)
    status: ClaimStatus


class Scoring(BaseModel):
    """What a scoring plugin returns: a score per source and a credibility per claim."""

    sources: list[SourceScore]
    claims: list[ClaimCredibility] = Field(default_factory=list)


class ReportWarning(BaseModel):
    """Something a person should know about how a story was processed."""

    stage: str
    message: str
    plugin: str | None = None


class LLMUsage(BaseModel):
    """What talking to the LLM endpoint cost."""

    calls: int = Field(default=0, description="HTTP requests sent, retries included.")
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cache_hits: int = 0
    retries: int = 0
    repairs: int = Field(default=0, description="Answers re-asked after failing validation.")
    failed_calls: int = Field(default=0, description="Calls that gave no usable answer.")
    estimated_tokens: bool = Field(
        default=False, description="True when the server reported no usage and tokens were counted."
    )
    hallucinated_quotes: int = Field(
        default=0, description="Quotes or evidence the model gave that the source does not contain."
    )
    splits: int = Field(
        default=0, description="Extra calls made because an input exceeded the token budget."
    )
    irrelevant_evidence: int = Field(
        default=0,
        description="Model verdicts dropped because their evidence is not about their claim.",
    )

    def add(self, other: LLMUsage) -> LLMUsage:
        """The sum of two usages."""
        return LLMUsage(
            calls=self.calls + other.calls,
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            cache_hits=self.cache_hits + other.cache_hits,
            retries=self.retries + other.retries,
            repairs=self.repairs + other.repairs,
            failed_calls=self.failed_calls + other.failed_calls,
            estimated_tokens=self.estimated_tokens or other.estimated_tokens,
            hallucinated_quotes=self.hallucinated_quotes + other.hallucinated_quotes,
            splits=self.splits + other.splits,
            irrelevant_evidence=self.irrelevant_evidence + other.irrelevant_evidence,
        )


class DroppedItem(BaseModel):
    """Something a plugin produced that did not make it into the report, and why."""

    kind: Literal["claim", "verdict", "summary_sentence"]
    source_id: str | None = None
    text: str
    reason: str
    plugin: str


class Finding(BaseModel):
    """A disagreement between two passages, counted once: what every report lists."""

    kind: Disagreement
    claim_id: str = Field(description="The claim whose passage is disputed.")
    source_id: str = Field(description="Source of the disputed passage.")
    passage: str = Field(description="The disputed passage, verbatim.")
    against_source_id: str = Field(
        description="Source of the conflicting passage; equal to source_id when it contradicts itself."
    )
    evidence: str | None = Field(default=None, description="The conflicting passage, verbatim.")
    explanation: str = ""
    confidence: float = Field(ge=0.0, le=1.0)
    backed_source_id: str | None = Field(
        default=None,
        description="Which of the two sources the other sources, else the scores, back; "
        "the other one is likely wrong. None when nothing decides.",
    )


class StoryReport(BaseModel):
    """Everything veracity found about one story.

    ``timings`` and ``usage`` describe the run rather than the story: they are
    the only fields that may differ between two runs over the same input.
    """

    story: Story
    summary: Summary
    claims: list[Claim] = Field(default_factory=list)
    verdicts: list[Verdict] = Field(default_factory=list)
    scores: list[SourceScore] = Field(default_factory=list)
    credibility: list[ClaimCredibility] = Field(default_factory=list)
    warnings: list[ReportWarning] = Field(default_factory=list)
    dropped: list[DroppedItem] = Field(
        default_factory=list, description="Model output that failed verification, with reasons."
    )
    timings: dict[str, float] = Field(default_factory=dict, description="Seconds spent per stage.")
    usage: LLMUsage = Field(default_factory=LLMUsage)
    llm_failures: list[str] = Field(
        default_factory=list,
        description="LLM stages that failed for this story ('stage: plugin: error'); there the "
        "report rests on the offline engine alone.",
    )

    def contradicting_verdicts(self) -> list[Verdict]:
        """Every cell of the verdict matrix in which a source contradicts a claim and that
        counts: at or above the run's minimum confidence and not an update of a figure (see
        :meth:`possible_contradictions` and :meth:`updates`).

        One disagreement between two passages is usually two cells (A's sentence
        against B, and B's against A): count :meth:`findings`, not these.
        """
        return [verdict for verdict in self.verdicts if verdict.is_finding]

    def possible_contradictions(self) -> list[Verdict]:
        """Contradictions below the run's minimum confidence: shown apart, never counted."""
        return [
            verdict
            for verdict in self.verdicts
            if verdict.stance is Stance.CONTRADICTS and verdict.possible and verdict.update is None
        ]

    def updates(self) -> list[Verdict]:
        """Figures that moved between reports published apart (a toll that rose)."""
        return [verdict for verdict in self.verdicts if verdict.update is not None]

    def contradictions(self) -> list[Verdict]:
        """The findings: the same list as :meth:`findings`, each disagreement once."""
        return self.findings()

    def findings(self) -> list[Verdict]:
        """The contradictions, each disagreement once.

        When A's sentence contradicts B's and B's (the evidence) contradicts A's,
        the matrix holds two verdicts for one disagreement; a reader needs one.
        This is the one definition of a finding: the CLI, every report format,
        the scores and ``--fail-on`` count these.
        """
        claims = {claim.id: claim for claim in self.claims}
        seen: set[frozenset[tuple[str, int, int]]] = set()
        distinct = []
        for verdict in self.contradicting_verdicts():
            claim = claims.get(verdict.claim_id)
            if claim is None or verdict.evidence_span is None:
                distinct.append(verdict)
                continue
            key = frozenset(
                {
                    (claim.source_id, claim.span.start, claim.span.end),
                    (
                        verdict.against_source_id,
                        verdict.evidence_span.start,
                        verdict.evidence_span.end,
                    ),
                }
            )
            if key not in seen:
                seen.add(key)
                distinct.append(verdict)
        return distinct

    def reading_order(self) -> list[str]:
        """The source ids in the order reports list and number them: by rank, then input order.

        So the source cited as [1] is the one ranked first: a reader meets one numbering.
        """
        rank = {score.source_id: score.rank for score in self.scores}
        position = {source_id: index for index, source_id in enumerate(self.story.source_ids)}
        return sorted(
            self.story.source_ids,
            key=lambda source_id: (rank.get(source_id, len(position) + 1), position[source_id]),
        )

    def findings_per_source(self) -> dict[str, int]:
        """Per source id, the findings it is a party to (either side; itself once)."""
        counts = dict.fromkeys(self.story.source_ids, 0)
        for verdict in self.findings():
            for source_id in {verdict.source_id, verdict.against_source_id}:
                counts[source_id] = counts.get(source_id, 0) + 1
        return counts

    def backed_source(self, verdict: Verdict) -> str | None:
        """Of the two sources of a finding, the one the other sources and the scores back.

        First the sources outside the disagreement: the side more of them support
        is backed. When they are silent or split evenly, the side whose source
        scored higher. None for a self-contradiction, or when neither decides.
        For many findings, build :meth:`backing` once instead.
        """
        return self.backing()(verdict)

    def backing(self) -> Callable[[Verdict], str | None]:
        """:meth:`backed_source` with the support of every claim indexed once."""
        supporters: dict[str, set[str]] = {}
        for other in self.verdicts:
            if other.stance is Stance.SUPPORTS:
                supporters.setdefault(other.claim_id, set()).add(other.against_source_id)
        claims_of: dict[str, list[Claim]] = {}
        for claim in self.claims:
            claims_of.setdefault(claim.source_id, []).append(claim)
        scores = {score.source_id: score.score for score in self.scores}
        everyone = set(self.story.source_ids)

        def backed(verdict: Verdict) -> str | None:
            if verdict.against_source_id == verdict.source_id:
                return None
            claim_side, evidence_side = verdict.source_id, verdict.against_source_id
            outside = everyone - {claim_side, evidence_side}
            for_claim = supporters.get(verdict.claim_id, set()) & outside
            span = verdict.evidence_span
            for_evidence: set[str] = set()
            if span is not None:
                # Claims of the other side that stand where the evidence stands.
                for claim in claims_of.get(evidence_side, []):
                    if claim.span.start < span.end and span.start < claim.span.end:
                        for_evidence |= supporters.get(claim.id, set()) & outside
            if len(for_claim) != len(for_evidence):
                return claim_side if len(for_claim) > len(for_evidence) else evidence_side
            claim_score, evidence_score = scores.get(claim_side), scores.get(evidence_side)
            if claim_score is None or evidence_score is None or claim_score == evidence_score:
                return None
            return claim_side if claim_score > evidence_score else evidence_side

        return backed

    @computed_field(  # type: ignore[prop-decorator]
        description="The findings (each disagreement between two passages once, as every "
        "report counts them), with the source the other sources and the scores back."
    )
    @property
    def disagreements(self) -> list[Finding]:
        """:meth:`findings` as data, for readers of the JSON report."""
        claims = {claim.id: claim for claim in self.claims}
        backed = self.backing()
        found = []
        for verdict in self.findings():
            claim = claims.get(verdict.claim_id)
            found.append(
                Finding(
                    kind=verdict.disagreement or Disagreement.OTHER,
                    claim_id=verdict.claim_id,
                    source_id=verdict.source_id,
                    passage=claim.quote if claim else "",
                    against_source_id=verdict.against_source_id,
                    evidence=verdict.evidence,
                    explanation=verdict.explanation,
                    confidence=verdict.confidence,
                    backed_source_id=backed(verdict),
                )
            )
        return found

    def claim(self, claim_id: str) -> Claim:
        """The claim with this id; ``KeyError`` if there is none."""
        for claim in self.claims:
            if claim.id == claim_id:
                return claim
        raise KeyError(claim_id)


class StoryFailure(BaseModel):
    """A story that could not be processed, and why."""

    story_id: str
    error: str
    kind: Literal["input", "endpoint", "error"] = Field(
        default="error",
        description="input: a file could not be read; endpoint: the LLM endpoint failed; "
        "error: anything else. Re-running retries endpoint failures.",
    )


class RunInfo(BaseModel):
    """How the run was configured."""

    veracity_version: str
    schema_version: str = SCHEMA_VERSION
    engine: str = Field(description="'offline' or 'llm'.")
    model: str | None = None
    base_url: str | None = None
    plugins: list[str] = Field(default_factory=list)


class RunReport(BaseModel):
    """The result of one ``veracity run``: a report per story."""

    run: RunInfo
    stories: list[StoryReport] = Field(default_factory=list)
    failures: list[StoryFailure] = Field(default_factory=list)

    def to_json(self) -> str:
        """The report as indented JSON, the format ``veracity run --format json`` writes."""
        return self.model_dump_json(indent=2) + "\n"


def json_schema() -> dict[str, Any]:
    """The JSON schema of ``RunReport``, as written to ``docs/run-report.schema.json``.

    The schema of what veracity writes (serialization mode), so that it also
    describes the fields computed from others, such as ``disagreements``.
    """
    return RunReport.model_json_schema(mode="serialization")
