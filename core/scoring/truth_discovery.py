"""Source reliability and claim credibility by iterative truth discovery.

Counting agreements is not enough to score sources: when two sources disagree
and the rest are silent, the one with the better record elsewhere should win,
and a source that copies another adds no independent support. This module
estimates both quantities together, in the TruthFinder / Dawid–Skene family:

* a claim's credibility comes from the sources that support and contradict
  it, each voting with the log-odds of its reliability (scaled by the number
  of plausible wrong values, so that even a weak source's agreement on one
  specific value counts for it);
* a source's reliability is the credibility of what it asserts, shrunk
  towards a prior by pseudo-counts so that a one-claim source is never 0 or 1;

and the two updates alternate until the reliabilities stop moving. Sources
whose texts are near-identical form a copy group whose voices share one
witness's weight. Altered quotes, self-contradictions and unverified claims
enter the reliability as extra pseudo-observations; boilerplate lowers the
final score. ``docs/scoring.md`` gives the formulas and the benchmark.

Everything here is a pure function of its pydantic inputs. Sources, claims and
verdicts are put in id order before any arithmetic, so permuting the input
cannot change a single bit of the output.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from operator import mul

from pydantic import BaseModel, ConfigDict, Field
from rapidfuzz.distance import Indel

from veracity.models import (
    Claim,
    ClaimCredibility,
    ClaimStatus,
    Disagreement,
    Document,
    ScoreBreakdown,
    Scoring,
    SourceScore,
    Stance,
    Story,
    StoryReport,
    Summary,
    Verdict,
)

SCORER = "truth_score"

_WORD = re.compile(r"\w+")
# Which of two verdicts on the same cell wins when their confidence ties: the
# more informative stance, so that merging checkers never hides a contradiction.
_STANCE_PRIORITY = {Stance.CONTRADICTS: 2, Stance.SUPPORTS: 1, Stance.ABSENT: 0}
# Enum members as plain module constants: looking a member up on its class
# costs a descriptor call, and the loops over the verdict matrix do it ~10^5 times.
_ABSENT = Stance.ABSENT
_SUPPORTS = Stance.SUPPORTS
_CONTRADICTS = Stance.CONTRADICTS
_QUOTE = Disagreement.QUOTE


class TruthDiscoveryParams(BaseModel):
    """The estimator's knobs; the defaults are the ones the benchmark reports."""

    model_config = ConfigDict(frozen=True)

    prior_reliability: float = Field(
        default=0.8,
        gt=0.5,
        lt=1.0,
        description="r0: reliability of a source before any evidence.",
    )
    prior_strength: float = Field(
        default=2.0, gt=0.0, description="alpha: pseudo-observations the prior is worth."
    )
    false_values: float = Field(
        default=3.0,
        gt=1.0,
        # Few, because errors in news repeat: a misread figure, a copied mistake.
        description="n: wrong values a fact plausibly has; above 1/(n+1) support is evidence.",
    )
    dampening: float = Field(
        default=1.0,
        gt=0.0,
        le=1.0,
        description="gamma: scales every vote; below 1 softens credibility.",
    )
    copy_threshold: float = Field(
        default=0.9,
        gt=0.0,
        le=1.0,
        description="Word-level similarity from which two texts are near-duplicates.",
    )
    copy_min_words: int = Field(
        default=5, ge=1, description="Texts shorter than this are never called copies."
    )
    tolerance: float = Field(
        default=1e-6, gt=0.0, description="Stop when no reliability moves by more than this."
    )
    max_iterations: int = Field(default=100, ge=1)
    quote_penalty: float = Field(
        default=1.0,
        ge=0.0,
        description="Extra wrong observations per altered quote, scaled by how wrong it looks.",
    )
    self_contradiction_penalty: float = Field(
        default=1.0, ge=0.0, description="Extra wrong observations per self-contradicted claim."
    )
    unverified_weight: float = Field(
        default=0.25,
        ge=0.0,
        description="Observations (at credibility 0.5) per claim no other source mentions.",
    )
    boilerplate_weight: float = Field(
        default=0.25,
        ge=0.0,
        le=1.0,
        description="beta: score is multiplied by 1 - beta * boilerplate share.",
    )


DEFAULT_PARAMS = TruthDiscoveryParams()


class ClaimEstimate(BaseModel):
    """What the estimator concluded about one claim."""

    claim_id: str
    source_id: str
    credibility: float = Field(ge=0.0, le=1.0, description="Probability that it is true.")
    alternative: float = Field(
        ge=0.0, le=1.0, description="Probability that the contradicting sources are right."
    )
    status: ClaimStatus
    supporters: int = Field(description="Other sources that support it.")
    contradicted_by: list[str] = Field(description="Other sources that contradict it, sorted.")
    corroborated: bool = Field(description="Supported by a source outside its author's copy group.")
    altered_quote: bool = Field(description="A source says the quote was altered.")
    self_contradicted: bool


class SourceEstimate(BaseModel):
    """What the estimator concluded about one source, before ranking."""

    source_id: str
    reliability: float = Field(ge=0.0, le=1.0, description="Truth-discovery reliability.")
    score: float = Field(ge=0.0, le=1.0, description="Reliability after the boilerplate factor.")
    breakdown: ScoreBreakdown
    copies: list[str] = Field(description="Other sources whose text is near-identical, sorted.")
    minority_contradicted_by: list[str] = Field(
        description="Sources contradicting the claims on which this source is in the minority."
    )


class TruthEstimate(BaseModel):
    """The joint estimate of source reliability and claim credibility."""

    sources: list[SourceEstimate] = Field(description="In source-id order.")
    claims: list[ClaimEstimate] = Field(description="In claim-id order.")
    copy_groups: list[list[str]] = Field(description="Groups of two or more near-copies.")
    iterations: int
    converged: bool
    ignored_verdicts: int = Field(
        description="Verdicts naming an unknown claim or source, or not the claim's source."
    )
    findings: int = Field(
        default=0,
        description="Disagreements between two passages, each once (StoryReport.findings).",
    )


# ---------------------------------------------------------------------------
# Near-duplicate copying


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _encode_words(texts: Sequence[list[str]]) -> list[str]:
    """Each text as a string with one character per word.

    rapidfuzz compares ``str`` natively and lists of words only after hashing
    every word on every call, so coding words as characters makes the
    pairwise comparison several times faster without changing its result.
    """
    vocabulary = sorted({word for words in texts for word in words})
    # Skip the control characters and the surrogate range, which str cannot hold alone.
    codes = [0x20 + n if 0x20 + n < 0xD800 else 0x20 + n + 0x800 for n in range(len(vocabulary))]
    character = {word: chr(code) for word, code in zip(vocabulary, codes, strict=True)}
    return ["".join(map(character.__getitem__, words)) for words in texts]


def copy_groups(
    documents: Sequence[Document],
    threshold: float = DEFAULT_PARAMS.copy_threshold,
    *,
    min_words: int = DEFAULT_PARAMS.copy_min_words,
) -> list[list[str]]:
    """Groups of documents whose texts are near-identical, each sorted, in order of first id.

    Near-identity is transitive here (connected components), so a chain of
    light edits of one wire text forms one group. Singletons are left out.
    """
    ordered = sorted(documents, key=lambda document: document.id)
    encoded = _encode_words([_words(document.text) for document in ordered])
    parent = list(range(len(ordered)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    for i, first in enumerate(encoded):
        if len(first) < min_words:
            continue
        for j in range(i + 1, len(encoded)):
            second = encoded[j]
            if len(second) < min_words:
                continue
            similarity = Indel.normalized_similarity(first, second, score_cutoff=threshold)
            if similarity >= threshold:
                parent[max(root(i), root(j))] = min(root(i), root(j))
    members: dict[int, list[str]] = {}
    for index, document in enumerate(ordered):
        members.setdefault(root(index), []).append(document.id)
    return [group for _, group in sorted(members.items()) if len(group) > 1]


def boilerplate_share(document: Document) -> float:
    """Share of the page, in characters, that loading set aside as boilerplate."""
    boilerplate = sum(len(part) for part in document.meta.boilerplate)
    total = boilerplate + len(document.text)
    return boilerplate / total if total else 0.0


# ---------------------------------------------------------------------------
# The estimate


@dataclass
class _ClaimData:
    """A claim and the voices heard on it, laid out for the iteration."""

    claim: Claim
    author: int
    # Parallel lists: who supports (the author first) or contradicts the
    # claim, how much each voice counts for the claim (confidence x share of
    # its copy group) and for the voice's own record (confidence).
    pro_voices: list[int]
    pro_weights: list[float]
    pro_confidences: list[float]
    con_voices: list[int]
    con_weights: list[float]
    con_confidences: list[float]
    evidence: bool  # heard by someone outside the author's copy group
    supporters: int
    contradicted_by: list[str]
    independently_supported: bool
    quote_disputed: bool
    self_contradicted: bool


@dataclass
class _SourceData:
    """A source's record: the evidence claims it speaks on and its penalties."""

    # Parallel lists: claims the source supports (or made) / contradicts, and
    # the confidence of each of those verdicts.
    pro_claims: list[int] = field(default_factory=list)
    pro_weights: list[float] = field(default_factory=list)
    con_claims: list[int] = field(default_factory=list)
    con_weights: list[float] = field(default_factory=list)
    weight: float = 0.0
    quote_claims: list[int] = field(default_factory=list)
    self_contradictions: int = 0
    unverified: int = 0


def _verdict_cells(
    verdicts: Iterable[Verdict], claims: dict[str, Claim], sources: dict[str, int]
) -> tuple[dict[str, dict[str, Verdict]], int]:
    """Per claim, one verdict per source checked against; and the count of unusable verdicts.

    Two checkers may judge the same cell: the more confident verdict wins, so
    the result does not depend on which plugin answered first. ABSENT
    verdicts are dropped, as a checker that found nothing does not cancel
    one that found support or a contradiction; so are updates of a running figure.
    A contradiction below the minimum confidence (possible) counts with its confidence.
    """
    cells: dict[str, dict[str, Verdict]] = {}
    ignored = 0
    for verdict in verdicts:
        claim_id = verdict.claim_id
        against = verdict.against_source_id
        claim = claims.get(claim_id)
        if claim is None or verdict.source_id != claim.source_id or against not in sources:
            ignored += 1
            continue
        if verdict.stance is _ABSENT or verdict.update is not None:
            # A figure that news updated later is no fault of the earlier report.
            continue
        row = cells.get(claim_id)
        if row is None:
            row = cells[claim_id] = {}
        current = row.get(against)
        if current is None or _verdict_rank(verdict) > _verdict_rank(current):
            row[against] = verdict
    return cells, ignored


def _verdict_rank(verdict: Verdict) -> tuple[float, int, str, str]:
    return (
        verdict.confidence,
        _STANCE_PRIORITY[verdict.stance],
        verdict.disagreement or "",
        verdict.checker,
    )


def _claim_data(
    claim: Claim,
    row: dict[str, Verdict],
    index: dict[str, int],
    group_of: list[int],
    has_copies: bool,
) -> _ClaimData:
    author = index[claim.source_id]
    self_verdict = row.get(claim.source_id)
    self_contradicted = self_verdict is not None and self_verdict.stance is _CONTRADICTS
    # A source that says X and not-X has cancelled its own testimony on X.
    author_confidence = 1.0 - self_verdict.confidence if self_verdict and self_contradicted else 1.0
    pro_voices = [author]
    pro_confidences = [author_confidence]
    con_voices: list[int] = []
    con_confidences: list[float] = []
    contradicted_by: list[str] = []
    quote_disputed = False
    for source_id in sorted(row):
        if source_id == claim.source_id:
            continue
        verdict = row[source_id]
        if verdict.stance is _SUPPORTS:
            pro_voices.append(index[source_id])
            pro_confidences.append(verdict.confidence)
        else:
            con_voices.append(index[source_id])
            con_confidences.append(verdict.confidence)
            contradicted_by.append(source_id)
            quote_disputed = quote_disputed or verdict.disagreement is _QUOTE
    author_group = group_of[author]
    independently_supported = any(group_of[voice] != author_group for voice in pro_voices[1:])
    pro_weights, con_weights = pro_confidences, con_confidences
    if has_copies:
        # Copies of one text are one witness: they share its weight on this claim.
        per_group: dict[int, int] = {}
        for voice in pro_voices + con_voices:
            per_group[group_of[voice]] = per_group.get(group_of[voice], 0) + 1
        pro_weights = [
            weight / per_group[group_of[voice]]
            for voice, weight in zip(pro_voices, pro_confidences, strict=True)
        ]
        con_weights = [
            weight / per_group[group_of[voice]]
            for voice, weight in zip(con_voices, con_confidences, strict=True)
        ]
    return _ClaimData(
        claim=claim,
        author=author,
        pro_voices=pro_voices,
        pro_weights=pro_weights,
        pro_confidences=pro_confidences,
        con_voices=con_voices,
        con_weights=con_weights,
        con_confidences=con_confidences,
        evidence=independently_supported or bool(contradicted_by),
        supporters=len(pro_voices) - 1,
        contradicted_by=contradicted_by,
        independently_supported=independently_supported,
        quote_disputed=quote_disputed,
        self_contradicted=self_contradicted,
    )


def _status(data: _ClaimData) -> ClaimStatus:
    if data.contradicted_by or data.self_contradicted:
        return ClaimStatus.DISPUTED
    if data.independently_supported:
        return ClaimStatus.SETTLED
    return ClaimStatus.UNVERIFIED


def estimate_truth(
    story: Story,
    claims: Sequence[Claim],
    verdicts: Sequence[Verdict],
    params: TruthDiscoveryParams = DEFAULT_PARAMS,
) -> TruthEstimate:
    """Estimate every source's reliability and every claim's credibility together.

    Claims of sources the story does not have are left out; verdicts that
    cannot be placed are counted in ``ignored_verdicts``.
    """
    source_ids = sorted(story.source_ids)
    index = {source_id: position for position, source_id in enumerate(source_ids)}
    documents = {document.id: document for document in story.documents}

    groups = copy_groups(story.documents, params.copy_threshold, min_words=params.copy_min_words)
    group_of = list(range(len(source_ids)))
    copies_of: dict[str, list[str]] = {}
    for group in groups:
        for member in group:
            group_of[index[member]] = index[group[0]]
            copies_of[member] = [other for other in group if other != member]

    known_claims: dict[str, Claim] = {}
    for claim in sorted(claims, key=lambda claim: (claim.id, claim.source_id, claim.text)):
        if claim.source_id in index:
            known_claims.setdefault(claim.id, claim)
    cells, ignored = _verdict_cells(verdicts, known_claims, index)
    data = [
        _claim_data(claim, cells.get(claim.id, {}), index, group_of, bool(groups))
        for claim in known_claims.values()
    ]

    per_source = [_SourceData() for _ in source_ids]
    for position, claim_data in enumerate(data):
        author = per_source[claim_data.author]
        author.self_contradictions += claim_data.self_contradicted
        if claim_data.quote_disputed:
            author.quote_claims.append(position)
        if not claim_data.evidence:
            # Its credibility would only echo the author's own reliability.
            author.unverified += 1
            continue
        # A copy is right or wrong on its own: its record keeps full confidences.
        for voice, weight in zip(claim_data.pro_voices, claim_data.pro_confidences, strict=True):
            source = per_source[voice]
            source.pro_claims.append(position)
            source.pro_weights.append(weight)
            source.weight += weight
        for voice, weight in zip(claim_data.con_voices, claim_data.con_confidences, strict=True):
            source = per_source[voice]
            source.con_claims.append(position)
            source.con_weights.append(weight)
            source.weight += weight

    reliability = [params.prior_reliability] * len(source_ids)
    iterations = 0
    converged = False
    while iterations < params.max_iterations:
        iterations += 1
        credibility, alternative = _credibilities(data, reliability, params)
        updated = [_reliability(source, credibility, alternative, params) for source in per_source]
        change = max(
            (abs(new - old) for new, old in zip(updated, reliability, strict=True)), default=0.0
        )
        reliability = updated
        if change < params.tolerance:
            converged = True
            break
    # The credibilities that go with the final reliabilities.
    credibility, alternative = _credibilities(data, reliability, params)

    claim_estimates = [
        ClaimEstimate(
            claim_id=claim_data.claim.id,
            source_id=claim_data.claim.source_id,
            credibility=credibility[position],
            alternative=alternative[position],
            status=_status(claim_data),
            supporters=claim_data.supporters,
            contradicted_by=claim_data.contradicted_by,
            corroborated=claim_data.independently_supported,
            altered_quote=claim_data.quote_disputed,
            self_contradicted=claim_data.self_contradicted,
        )
        for position, claim_data in enumerate(data)
    ]
    # Findings as every report counts them: the one definition is StoryReport.findings().
    matrix = StoryReport(
        story=story, summary=Summary(), claims=list(known_claims.values()), verdicts=list(verdicts)
    )
    findings = matrix.findings_per_source()
    by_source: dict[str, list[ClaimEstimate]] = {source_id: [] for source_id in source_ids}
    for claim_estimate in claim_estimates:
        by_source[claim_estimate.source_id].append(claim_estimate)
    source_estimates = [
        _source_estimate(
            source_id,
            reliability[position],
            by_source[source_id],
            documents[source_id],
            copies_of.get(source_id, []),
            iterations,
            params,
            findings=findings.get(source_id, 0),
        )
        for position, source_id in enumerate(source_ids)
    ]
    return TruthEstimate(
        sources=source_estimates,
        claims=claim_estimates,
        copy_groups=groups,
        iterations=iterations,
        converged=converged,
        ignored_verdicts=ignored,
        findings=len(matrix.findings()),
    )


def _credibilities(
    data: list[_ClaimData], reliability: list[float], params: TruthDiscoveryParams
) -> tuple[list[float], list[float]]:
    """Per claim, the probability that it is true and that its contradicters are.

    A source of reliability r votes ln(n r / (1 - r)) for the value it states,
    n being the number of wrong values a fact plausibly has. The claim's
    value gets the votes of its supporters (V), the contradicters' value
    those of its contradicters (W), and each of the n - 1 other wrong values
    none, so P(claim) = e^V / (e^V + e^W + n - 1).
    """
    false_values = params.false_values
    vote = [
        math.log(false_values * value / (1.0 - value)) * params.dampening for value in reliability
    ].__getitem__
    credibility: list[float] = []
    alternative: list[float] = []
    for claim_data in data:
        # map/mul keep the inner loops in C: this is most of the running time.
        pro: float = sum(map(mul, claim_data.pro_weights, map(vote, claim_data.pro_voices)))
        con: float = sum(map(mul, claim_data.con_weights, map(vote, claim_data.con_voices)))
        # Subtract the largest exponent first so that no exp() can overflow.
        top = max(pro, con, 0.0)
        pro_mass = math.exp(pro - top)
        con_mass = math.exp(con - top)
        total = pro_mass + con_mass + (false_values - 1) * math.exp(-top)
        credibility.append(pro_mass / total)
        alternative.append(con_mass / total if claim_data.con_voices else 0.0)
    return credibility, alternative


def _reliability(
    source: _SourceData,
    credibility: list[float],
    alternative: list[float],
    params: TruthDiscoveryParams,
) -> float:
    """Pseudo-count mean of the probability that what the source asserts is true, with penalties.

    A supporting voice is right with the claim's credibility, a contradicting
    one with the probability of the contradicters' value.
    """
    right: float = sum(
        map(mul, source.pro_weights, map(credibility.__getitem__, source.pro_claims))
    ) + sum(map(mul, source.con_weights, map(alternative.__getitem__, source.con_claims)))
    altered = sum(alternative[claim] for claim in source.quote_claims)
    numerator = (
        params.prior_strength * params.prior_reliability
        + right
        + 0.5 * params.unverified_weight * source.unverified
    )
    denominator = (
        params.prior_strength
        + source.weight
        + params.unverified_weight * source.unverified
        + params.quote_penalty * altered
        + params.self_contradiction_penalty * source.self_contradictions
    )
    return numerator / denominator


def _source_estimate(
    source_id: str,
    reliability: float,
    claims: list[ClaimEstimate],
    document: Document,
    copies: list[str],
    iterations: int,
    params: TruthDiscoveryParams,
    *,
    findings: int,
) -> SourceEstimate:
    # The author is in the minority when the contradicters' value is the more
    # likely one: weighted by reliability, not counted by heads.
    minority = [claim for claim in claims if claim.alternative > claim.credibility]
    altered = [claim for claim in minority if claim.altered_quote]
    unverified = sum(1 for claim in claims if claim.status is ClaimStatus.UNVERIFIED)
    corroborated = sum(1 for claim in claims if claim.corroborated)
    share = boilerplate_share(document)
    count = len(claims)
    breakdown = ScoreBreakdown(
        claims=count,
        corroborated=corroborated,
        contradicted=findings,
        unverified=unverified,
        altered_quotes=len(altered),
        self_contradictions=sum(1 for claim in claims if claim.self_contradicted),
        boilerplate_share=share,
        extra={
            "reliability": reliability,
            "minority_contradictions": float(len(minority)),
            "minority_contradicting_sources": float(
                len({source for claim in minority for source in claim.contradicted_by})
            ),
            "corroborated_share": corroborated / count if count else 0.0,
            "unverified_share": unverified / count if count else 0.0,
            "copy_group_size": float(len(copies) + 1),
            "iterations": float(iterations),
        },
    )
    return SourceEstimate(
        source_id=source_id,
        reliability=reliability,
        score=reliability * (1.0 - params.boilerplate_weight * share),
        breakdown=breakdown,
        copies=copies,
        minority_contradicted_by=sorted(
            {source for claim in minority for source in claim.contradicted_by}
        ),
    )


# ---------------------------------------------------------------------------
# Ranking and explaining


def _plural(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else plural or singular + 's'}"


def reason_line(estimate: SourceEstimate) -> str:
    """One line naming the concrete problems of a source, worst first, then its corroboration.

    For example: ``3 altered quotes; 2 other claims contradicted by 2 sources;
    60% of claims corroborated``.
    """
    breakdown = estimate.breakdown
    if breakdown.claims == 0:
        parts = ["no checkable claims"]
    else:
        parts = []
        if breakdown.altered_quotes:
            parts.append(_plural(breakdown.altered_quotes, "altered quote"))
        if breakdown.self_contradictions:
            parts.append(f"contradicts itself on {_plural(breakdown.self_contradictions, 'claim')}")
        minority = int(breakdown.extra.get("minority_contradictions", 0))
        others = minority - breakdown.altered_quotes
        if others:
            what = "other claim" if breakdown.altered_quotes else "claim"
            parts.append(
                f"{_plural(others, what)} contradicted by "
                f"{_plural(len(estimate.minority_contradicted_by), 'source')}"
            )
        if estimate.copies:
            parts.append(f"near-copy of {', '.join(estimate.copies)} (counted as one witness)")
        unverified_share = breakdown.unverified / breakdown.claims
        # Unverified is not wrong: worth a mention only when it is most of the source.
        if unverified_share >= 0.5:
            parts.append(f"{unverified_share:.0%} of claims found in no other source")
        if not parts:
            parts.append(
                f"backed in the {_plural(breakdown.contradicted, 'contradiction')} it is part of"
                if breakdown.contradicted
                else "no contradictions"
            )
        parts.append(f"{breakdown.corroborated / breakdown.claims:.0%} of claims corroborated")
    if breakdown.boilerplate_share >= 0.3:
        parts.append(f"{breakdown.boilerplate_share:.0%} of the page is boilerplate")
    return "; ".join(parts)


NOT_RANKED = "not ranked: no source disagrees with another"


def _unranked_reason(estimate: SourceEstimate) -> str:
    parts = [part for part in reason_line(estimate).split("; ") if part != "no contradictions"]
    return "; ".join([NOT_RANKED, *parts])


def to_scoring(estimate: TruthEstimate, *, scorer: str = SCORER) -> Scoring:
    """Rank the sources (1 = most reliable; ties by source id) and explain each score.

    With no finding in the story nothing sets the sources apart: every source
    gets rank 1 and its reason says so, rather than an order read into small
    differences of corroboration or page furniture.
    """
    # Rounding first so that float noise in the last bits cannot reorder a tie.
    ranked = sorted(
        estimate.sources, key=lambda source: (-round(source.score, 9), source.source_id)
    )
    unranked = estimate.findings == 0 and len(ranked) > 1
    scores = [
        SourceScore(
            source_id=source.source_id,
            score=round(source.score, 6),
            rank=1 if unranked else rank,
            breakdown=source.breakdown,
            reason=_unranked_reason(source) if unranked else reason_line(source),
            scorer=scorer,
        )
        for rank, source in enumerate(ranked, start=1)
    ]
    claims = [
        ClaimCredibility(
            claim_id=claim.claim_id,
            credibility=round(claim.credibility, 6),
            status=claim.status,
        )
        for claim in estimate.claims
    ]
    return Scoring(sources=scores, claims=claims)


def score_sources(
    story: Story,
    claims: Sequence[Claim],
    verdicts: Sequence[Verdict],
    params: TruthDiscoveryParams = DEFAULT_PARAMS,
    *,
    scorer: str = SCORER,
) -> Scoring:
    """Score, rank and explain every source of a story, and rate every claim."""
    return to_scoring(estimate_truth(story, claims, verdicts, params), scorer=scorer)
