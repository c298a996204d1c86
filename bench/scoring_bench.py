"""Benchmark of the truth-discovery scorer on synthetic clusters with planted errors.

Each cluster is one story told by many sources. Every source states a subset
of the story's facts; an independent source gets each stated fact wrong with
its own planted error rate (0% to 50%), a copier takes another source's text
and facts and alters a few. Verdicts follow from the stated values: two
sources stating the same value support each other, different values
contradict, a source that does not state a fact is absent. The benchmark then
scores the sources and reports

* the Spearman correlation between estimated reliability and the true error
  rate (negated, so 1.0 is a perfect ranking);
* how often the true value of a disputed fact gets the highest credibility,
  next to a plain majority vote;
* the time to score a cluster of 50 sources.

Run it from the repository root::

    /work/venv/bin/python bench/scoring_bench.py

``cluster_from_statements`` is also what the tests use to build small stories.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from veracity.models import (
    Claim,
    ClaimKind,
    Disagreement,
    Document,
    DocumentMeta,
    Span,
    Stance,
    Story,
    Verdict,
)
from veracity.scoring.truth_discovery import TruthDiscoveryParams, estimate_truth
from veracity.text.segmentation import split_sentences

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

_CLAIM_KINDS = {
    Disagreement.QUOTE: ClaimKind.QUOTE,
    Disagreement.NUMBER: ClaimKind.NUMBER,
    Disagreement.DATE: ClaimKind.DATE,
    Disagreement.ENTITY: ClaimKind.ENTITY,
}

# Words for the filler paragraph that gives every independent source a text of its own.
_FILLER_WORDS = (
    "officials residents witnesses footage statement morning evening officers region area "
    "report local national government agency spokesman spokeswoman council hospital road "
    "city village coast river bridge school market police army crews volunteers families"
).split()


@dataclass(frozen=True)
class Fact:
    """A checkable fact: how to say it, its true value and the wrong values a source may give."""

    key: str
    kind: Disagreement
    template: str
    true: str
    wrong: tuple[str, ...]

    def say(self, value: str) -> str:
        """The sentence stating this fact with ``value``."""
        return self.template.format(value=value)


def _fact(key: str, kind: Disagreement, template: str, true: str, *wrong: str) -> Fact:
    return Fact(key, kind, template, true, wrong)


N, D, E, Q = Disagreement.NUMBER, Disagreement.DATE, Disagreement.ENTITY, Disagreement.QUOTE

# Three small stories written for the benchmark.
STORY_FACTS: tuple[Fact, ...] = (
    # An earthquake.
    _fact("quake-magnitude", N, "The earthquake had a magnitude of {value}.", "6.4", "6.1", "7.2"),
    _fact("quake-dead", N, "At least {value} people were killed.", "31", "13", "53", "310"),
    _fact("quake-injured", N, "Hospitals treated {value} injured people.", "212", "120", "2,120"),
    _fact("quake-day", D, "The quake struck on {value} morning.", "Tuesday", "Monday", "Sunday"),
    _fact("quake-epicentre", E, "Its epicentre lay near {value}.", "Valdora", "Monteluce", "Sarno"),
    _fact(
        "quake-mayor",
        Q,
        'The mayor said: "{value}"',
        "We are still searching the rubble for survivors.",
        "We have stopped searching the rubble for survivors.",
        "We are still searching the rubble for victims.",
    ),
    _fact("quake-aftershocks", N, "Seismologists recorded {value} aftershocks.", "48", "84", "18"),
    _fact(
        "quake-agency",
        E,
        "The {value} coordinated the rescue.",
        "civil protection agency",
        "army",
        "red cross",
    ),
    # A court ruling.
    _fact("court-vote", N, "The court ruled by {value} votes.", "5 to 4", "6 to 3", "7 to 2"),
    _fact("court-date", D, "The ruling was handed down on {value}.", "June 30", "June 3", "July 1"),
    _fact(
        "court-author",
        E,
        "Justice {value} wrote the majority opinion.",
        "Alvarez",
        "Brennan",
        "Okafor",
    ),
    _fact(
        "court-dissent",
        Q,
        'In dissent, Justice Brennan wrote: "{value}"',
        "Today's decision leaves millions without a remedy.",
        "Today's decision leaves thousands without a remedy.",
        "Today's decision gives millions a remedy.",
    ),
    _fact("court-states", N, "The law had been adopted by {value} states.", "19", "9", "29"),
    _fact("court-year", D, "The case was first filed in {value}.", "2019", "2017", "2021"),
    # A product recall.
    _fact(
        "recall-cars",
        N,
        "The recall covers {value} vehicles.",
        "1.2 million",
        "120,000",
        "12 million",
    ),
    _fact(
        "recall-maker",
        E,
        "The vehicles were built by {value}.",
        "Norvik Motors",
        "Halden Auto",
        "Kestrel",
    ),
    _fact(
        "recall-part",
        E,
        "The fault lies in the {value}.",
        "fuel pump",
        "brake line",
        "airbag inflator",
    ),
    _fact("recall-fires", N, "The company knows of {value} fires.", "14", "41", "4"),
    _fact(
        "recall-from", D, "Owners will be notified from {value}.", "March 4", "May 4", "March 14"
    ),
    _fact(
        "recall-ceo",
        Q,
        'The chief executive said: "{value}"',
        "Safety comes before every other consideration.",
        "Cost comes before every other consideration.",
        "Safety comes before most other considerations.",
    ),
)

_NUMBER = re.compile(r"(?<![\w.,$])(\d{1,4})(?![\w.,]\d)")


def seed_facts(directory: Path = SEEDS) -> tuple[Fact, ...]:
    """Number facts from the seed articles: a sentence with a number, and altered numbers."""
    facts: list[Fact] = []
    if not directory.is_dir():
        return ()
    for path in sorted(directory.glob("*.txt")):
        for position, sentence in enumerate(split_sentences(path.read_text(encoding="utf-8"))):
            text = " ".join(sentence.text.split())
            match = _NUMBER.search(text)
            if match is None or not 40 <= len(text) <= 240:
                continue
            value = int(match.group(1))
            template = (
                text[: match.start()].replace("{", "{{").replace("}", "}}")
                + "{value}"
                + text[match.end() :].replace("{", "{{").replace("}", "}}")
            )
            wrong = tuple(str(number) for number in (value + 1, value + 3, value * 2 + 5))
            facts.append(Fact(f"{path.stem[:3]}-{position}", N, template, str(value), wrong))
    return tuple(facts)


# ---------------------------------------------------------------------------
# From stated values to a story, its claims and the verdict matrix


@dataclass
class Cluster:
    """A story with its claims and verdicts, as the pipeline would hand them to a scorer."""

    story: Story
    claims: list[Claim]
    verdicts: list[Verdict]
    # claim id -> (fact key, stated value): the truth the benchmark checks against
    claim_fact: dict[str, tuple[str, str]] = field(default_factory=dict)


def _filler(key: str) -> str:
    rng = random.Random(f"filler:{key}")
    return " ".join(rng.choice(_FILLER_WORDS) for _ in range(30)).capitalize() + "."


def cluster_from_statements(
    statements: Mapping[str, Mapping[str, str]],
    *,
    facts: Mapping[str, Fact] | None = None,
    copies: Mapping[str, str] | None = None,
    boilerplate: Mapping[str, str] | None = None,
    rng: random.Random | None = None,
    min_confidence: float = 1.0,
    checker_noise: float = 0.0,
    story_id: str = "story",
) -> Cluster:
    """Build a story whose sources state the given values, with its claims and verdicts.

    :param statements: source id -> fact key -> the value that source states.
    :param facts: how to phrase each fact and which kind of disagreement it
        gives; a fact not listed is said as "The <key> was <value>." and
        disagrees as OTHER.
    :param copies: copier id -> original id: the copier's text is the
        original's, with its own values in place, so the two are near-copies.
        Every other source gets a filler paragraph of its own, so independent
        sources never look like copies.
    :param boilerplate: source id -> page furniture kept in ``meta.boilerplate``.
    :param rng: draws verdict confidences in ``[min_confidence, 1]`` and
        checker mistakes; without it every verdict is certain and right.
    :param checker_noise: probability that a supporting or contradicting
        verdict is flipped, as an imperfect checker would.
    """
    facts = facts or {}
    copies = copies or {}
    boilerplate = boilerplate or {}

    def say(key: str, value: str) -> str:
        fact = facts.get(key)
        return fact.say(value) if fact else f"The {key} was {value}."

    def kind(key: str) -> Disagreement:
        fact = facts.get(key)
        return fact.kind if fact else Disagreement.OTHER

    documents: list[Document] = []
    claims: list[Claim] = []
    claim_fact: dict[str, tuple[str, str]] = {}
    for source_id, stated in statements.items():
        original = copies.get(source_id, source_id)
        # A copier keeps its original's order of facts and its filler.
        order = list(statements[original]) + [
            key for key in stated if key not in statements[original]
        ]
        parts: list[str] = []
        offset = 0
        source_claims: list[Claim] = []
        for key in order:
            if key not in stated:
                continue
            sentence = say(key, stated[key])
            span = Span(start=offset, end=offset + len(sentence))
            claim = Claim.make(
                source_id=source_id,
                text=sentence,
                quote=sentence,
                span=span,
                extractor="bench",
                kind=_CLAIM_KINDS.get(kind(key), ClaimKind.FACT),
            )
            source_claims.append(claim)
            claim_fact[claim.id] = (key, stated[key])
            parts.append(sentence)
            offset += len(sentence) + 1
        parts.append(_filler(original))
        documents.append(
            Document(
                id=source_id,
                text=" ".join(parts),
                meta=DocumentMeta(boilerplate=[boilerplate[source_id]])
                if source_id in boilerplate
                else DocumentMeta(),
            )
        )
        claims.extend(source_claims)

    verdicts: list[Verdict] = []
    for claim in claims:
        key, value = claim_fact[claim.id]
        for other_id, other_stated in statements.items():
            if other_id == claim.source_id:
                continue
            confidence = 1.0
            if key not in other_stated:
                stance = Stance.ABSENT
            else:
                stance = Stance.SUPPORTS if other_stated[key] == value else Stance.CONTRADICTS
                if rng is not None:
                    confidence = rng.uniform(min_confidence, 1.0)
                    if rng.random() < checker_noise:
                        stance = (
                            Stance.CONTRADICTS if stance is Stance.SUPPORTS else Stance.SUPPORTS
                        )
            verdicts.append(
                Verdict(
                    claim_id=claim.id,
                    source_id=claim.source_id,
                    against_source_id=other_id,
                    stance=stance,
                    disagreement=kind(key) if stance is Stance.CONTRADICTS else None,
                    confidence=confidence,
                    checker="bench",
                )
            )
    return Cluster(
        story=Story(id=story_id, documents=documents),
        claims=claims,
        verdicts=verdicts,
        claim_fact=claim_fact,
    )


# ---------------------------------------------------------------------------
# Synthetic clusters with planted error rates


@dataclass
class SyntheticCluster:
    """A generated cluster and the truth behind it."""

    cluster: Cluster
    facts: dict[str, Fact]
    statements: dict[str, dict[str, str]]
    planted_error: dict[str, float]
    copies: dict[str, str]

    def realized_error(self, source_id: str) -> float:
        """Share of the source's stated facts that are wrong."""
        stated = self.statements[source_id]
        if not stated:
            return 0.0
        wrong = sum(value != self.facts[key].true for key, value in stated.items())
        return wrong / len(stated)


def generate_cluster(
    rng: random.Random,
    *,
    sources: int = 12,
    facts: int = 20,
    copier_share: float = 0.15,
    coverage: tuple[float, float] = (0.5, 0.9),
    checker_noise: float = 0.02,
    pool: Sequence[Fact] | None = None,
    story_id: str = "synthetic",
) -> SyntheticCluster:
    """A cluster whose independent sources err at planted rates spread evenly over 0..50%.

    Copiers take an independent source's text and values, drop a tenth of
    its facts and alter a tenth of the rest.
    """
    pool = list(pool if pool is not None else STORY_FACTS + seed_facts())
    chosen = {fact.key: fact for fact in rng.sample(pool, min(facts, len(pool)))}
    copier_count = round(sources * copier_share) if sources >= 4 else 0
    independent = sources - copier_count
    rates = [0.5 * position / max(1, independent - 1) for position in range(independent)]
    rng.shuffle(rates)

    statements: dict[str, dict[str, str]] = {}
    planted: dict[str, float] = {}
    copies: dict[str, str] = {}
    for position, rate in enumerate(rates):
        source_id = f"s{position:02d}"
        share = rng.uniform(*coverage)
        keys = [key for key in chosen if rng.random() < share] or [rng.choice(list(chosen))]
        rng.shuffle(keys)
        statements[source_id] = {
            key: chosen[key].true if rng.random() >= rate else rng.choice(chosen[key].wrong)
            for key in keys
        }
        planted[source_id] = rate
    originals = sorted(statements)
    for position in range(copier_count):
        source_id = f"c{position:02d}"
        original = rng.choice(originals)
        alter = 0.1
        stated: dict[str, str] = {}
        for key, value in statements[original].items():
            if rng.random() < 0.1:
                continue
            stated[key] = rng.choice(chosen[key].wrong) if rng.random() < alter else value
        statements[source_id] = stated or dict(statements[original])
        copies[source_id] = original
        planted[source_id] = planted[original] + (1 - planted[original]) * alter
    cluster = cluster_from_statements(
        statements,
        facts=chosen,
        copies=copies,
        rng=rng,
        min_confidence=0.7,
        checker_noise=checker_noise,
        story_id=story_id,
    )
    return SyntheticCluster(cluster, chosen, statements, planted, copies)


# ---------------------------------------------------------------------------
# Measures


def _ranks(values: Sequence[float]) -> list[float]:
    """Ranks from 1, ties sharing their mean rank."""
    order = sorted(range(len(values)), key=lambda position: values[position])
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for position in order[start : end + 1]:
            ranks[position] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def spearman(first: Sequence[float], second: Sequence[float]) -> float:
    """Spearman's rank correlation (Pearson on mid-ranks); 0.0 when either side is constant."""
    if len(first) != len(second):
        raise ValueError("spearman needs two sequences of the same length")
    a, b = _ranks(first), _ranks(second)
    mean_a, mean_b = statistics.fmean(a), statistics.fmean(b)
    covariance = sum((x - mean_a) * (y - mean_b) for x, y in zip(a, b, strict=True))
    spread = (sum((x - mean_a) ** 2 for x in a) * sum((y - mean_b) ** 2 for y in b)) ** 0.5
    return covariance / spread if spread else 0.0


@dataclass
class ClusterResult:
    """What one cluster measured."""

    spearman_planted: float
    spearman_realized: float
    disputes: int
    truth_wins: float
    majority_wins: float
    minority_truth_disputes: int
    minority_truth_wins: float
    seconds: float


def _winner_share(scores: dict[str, float], true: str) -> float:
    """1 if the true value scores highest alone, 1/k if it ties with k-1 others, else 0."""
    best = max(scores.values())
    leaders = [value for value, score in scores.items() if abs(score - best) < 1e-9]
    return 1.0 / len(leaders) if true in leaders else 0.0


def evaluate(
    synthetic: SyntheticCluster, params: TruthDiscoveryParams | None = None
) -> ClusterResult:
    """Score one cluster and compare the estimate with the truth."""
    cluster = synthetic.cluster
    started = time.perf_counter()
    estimate = estimate_truth(
        cluster.story, cluster.claims, cluster.verdicts, params or TruthDiscoveryParams()
    )
    seconds = time.perf_counter() - started

    sources = sorted(synthetic.statements)
    score = {source.source_id: source.score for source in estimate.sources}
    estimated = [score[source] for source in sources]
    planted = [-synthetic.planted_error[source] for source in sources]
    realized = [-synthetic.realized_error(source) for source in sources]

    credibility: dict[str, dict[str, list[float]]] = {}
    for claim in estimate.claims:
        key, value = cluster.claim_fact[claim.claim_id]
        credibility.setdefault(key, {}).setdefault(value, []).append(claim.credibility)
    disputes = truth_wins = majority_wins = 0.0
    minority_disputes = minority_wins = 0.0
    for key, by_value in sorted(credibility.items()):
        if len(by_value) < 2:
            continue
        true = synthetic.facts[key].true
        disputes += 1
        won = _winner_share({v: statistics.fmean(c) for v, c in by_value.items()}, true)
        votes = {value: float(len(values)) for value, values in by_value.items()}
        truth_wins += won
        majority_wins += _winner_share(votes, true)
        if true in votes and votes[true] < max(votes.values()):
            minority_disputes += 1
            minority_wins += won
    return ClusterResult(
        spearman_planted=spearman(estimated, planted),
        spearman_realized=spearman(estimated, realized),
        disputes=int(disputes),
        truth_wins=truth_wins,
        majority_wins=majority_wins,
        minority_truth_disputes=int(minority_disputes),
        minority_truth_wins=minority_wins,
        seconds=seconds,
    )


@dataclass
class Timing:
    """How long one estimate took on a cluster of a given size."""

    sources: int
    claims: int
    verdicts: int
    milliseconds: float


def time_estimate(
    *, sources: int, facts: int, seed: int, pool: Sequence[Fact], repeats: int = 7
) -> Timing:
    """Median wall time of scoring one generated cluster (copy detection included)."""
    cluster = generate_cluster(random.Random(seed), sources=sources, facts=facts, pool=pool)
    seconds = statistics.median(evaluate(cluster).seconds for _ in range(repeats))
    return Timing(
        sources=sources,
        claims=len(cluster.cluster.claims),
        verdicts=len(cluster.cluster.verdicts),
        milliseconds=seconds * 1000,
    )


@dataclass
class BenchResult:
    """The figures the benchmark prints."""

    clusters: int
    sources: int
    facts: int
    spearman_planted: float
    spearman_realized: float
    worst_spearman_realized: float
    disputes: int
    truth_win_rate: float
    majority_win_rate: float
    minority_truth_disputes: int
    minority_truth_win_rate: float
    timings: list[Timing] = field(default_factory=list)


def run_benchmark(
    *,
    clusters: int = 40,
    sources: int = 12,
    facts: int = 20,
    seed: int = 2024,
    time_50_sources: bool = True,
) -> BenchResult:
    """Generate ``clusters`` clusters, score each and aggregate the measures."""
    rng = random.Random(seed)
    pool = STORY_FACTS + seed_facts()
    results = [
        evaluate(
            generate_cluster(rng, sources=sources, facts=facts, pool=pool, story_id=f"b{number}")
        )
        for number in range(clusters)
    ]
    disputes = sum(result.disputes for result in results)
    minority = sum(result.minority_truth_disputes for result in results)
    bench = BenchResult(
        clusters=clusters,
        sources=sources,
        facts=facts,
        spearman_planted=statistics.fmean(result.spearman_planted for result in results),
        spearman_realized=statistics.fmean(result.spearman_realized for result in results),
        worst_spearman_realized=min(result.spearman_realized for result in results),
        disputes=disputes,
        truth_win_rate=sum(result.truth_wins for result in results) / max(1, disputes),
        majority_win_rate=sum(result.majority_wins for result in results) / max(1, disputes),
        minority_truth_disputes=minority,
        minority_truth_win_rate=sum(result.minority_truth_wins for result in results)
        / max(1, minority),
    )
    if time_50_sources:
        # About ten claims a source, then a dense matrix of thirty facts each.
        bench.timings = [
            time_estimate(sources=50, facts=facts, seed=seed + 1, pool=pool) for facts in (14, 30)
        ]
    return bench


def main(argv: Sequence[str] | None = None) -> int:
    """Print the benchmark figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--clusters", type=int, default=40)
    parser.add_argument("--sources", type=int, default=12)
    parser.add_argument("--facts", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)
    result = run_benchmark(
        clusters=args.clusters, sources=args.sources, facts=args.facts, seed=args.seed
    )
    print(
        f"{result.clusters} clusters x {result.sources} sources x {result.facts} facts "
        f"(seed {args.seed})"
    )
    print(
        f"Spearman(score, -error rate): {result.spearman_realized:.3f} realized "
        f"(worst cluster {result.worst_spearman_realized:.3f}), "
        f"{result.spearman_planted:.3f} planted"
    )
    print(
        f"disputed facts: {result.disputes}; true value wins {result.truth_win_rate:.1%} "
        f"(majority vote {result.majority_win_rate:.1%})"
    )
    print(
        f"true value held by fewer sources than a wrong one: {result.minority_truth_disputes} "
        f"disputes, true value wins {result.minority_truth_win_rate:.1%}"
    )
    for timing in result.timings:
        print(
            f"{timing.sources} sources, {timing.claims} claims, {timing.verdicts} verdicts: "
            f"{timing.milliseconds:.0f} ms per estimate (median of 7)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
