"""Precision and recall of the offline engine on real multi-outlet news (realnews-dev).

Runs every story of ``../shared/benchdata/realnews-dev/stories`` through the offline
pipeline and matches each reported finding to a label: the dataset's
``labels.jsonl`` (findings of an earlier engine, judged by reading both passages)
and ours, ``bench/realnews_labels.jsonl``, for findings the dataset does not cover.
A label matches a finding of the same story and the same pair of sources whose
passages overlap the label's quotes. Prints precision per kind and per checker,
the recall of the distinct genuine disagreements of ``gold.json``, the calibration
of the findings' confidence, and every finding no label covers (label those by
reading both passages, and add them to ``bench/realnews_labels.jsonl``).

    python bench/realnews_bench.py                   # the table
    python bench/realnews_bench.py --unlabelled out.jsonl   # unlabelled findings, to label
    python bench/realnews_bench.py --json            # the figures as JSON

``update`` labels (a figure that changed over time) count as right when the engine
reports an update and as wrong when it reports a contradiction. Findings below the
confidence threshold (``possible``) are not reported and not counted in precision;
their share that is genuine is printed apart.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from itertools import pairwise
from pathlib import Path

from veracity.models import Stance, StoryReport, Verdict
from veracity.pipeline.runner import Pipeline
from veracity.settings import Settings

HERE = Path(__file__).resolve().parent
DATA = HERE.parent.parent / "shared" / "benchdata" / "realnews-dev"
OUR_LABELS = HERE / "realnews_labels.jsonl"
GENUINE = "TRUE"
_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list[str]:
    """Lower-cased word tokens, for overlap tests that ignore punctuation and quote marks."""
    return _WORD.findall(text.casefold())


def overlaps(first: str, second: str) -> bool:
    """Whether two passages are the same passage or one contains most of the other."""
    a, b = words(first), words(second)
    if not a or not b:
        return False
    joined_a, joined_b = " ".join(a), " ".join(b)
    if joined_a in joined_b or joined_b in joined_a:
        return True
    # The same passage cut or quoted differently: most of the shorter one, in order.
    matched = sum(
        block.size for block in SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()
    )
    return matched >= 0.8 * min(len(a), len(b))


@dataclass
class Finding:
    """One reported disagreement, as the bench matches it to labels."""

    story: str
    source: str
    against: str
    kind: str
    checker: str
    confidence: float
    claim_quote: str
    evidence_quote: str
    explanation: str
    reported: bool
    update: bool
    rule: str = ""
    label: str | None = None
    why: str = ""

    def key(self) -> dict[str, object]:
        """The fields a labeller needs, in the labels' format."""
        return {
            "story": self.story,
            "source": self.source,
            "against": self.against,
            "kind": self.kind,
            "checker": self.checker,
            "confidence": round(self.confidence, 3),
            "claim_quote": self.claim_quote,
            "evidence_quote": self.evidence_quote,
            "explanation": self.explanation,
        }


@dataclass
class Label:
    """A judgement of one finding: TRUE, FALSE or update."""

    story: str
    pair: frozenset[str]
    claim_quote: str
    evidence_quote: str
    label: str
    why: str
    origin: str

    def matches(self, finding: Finding, *, strict: bool) -> bool:
        """Same story, same pair of sources, and overlapping passages.

        ``strict``: both passages overlap, side for side (either way round); else one
        passage of the label overlaps one of the finding.
        """
        if self.story != finding.story or self.pair != frozenset({finding.source, finding.against}):
            return False
        if strict:
            ours, theirs = (
                (self.claim_quote, self.evidence_quote),
                (
                    finding.claim_quote,
                    finding.evidence_quote,
                ),
            )
            return all(overlaps(a, b) for a, b in zip(ours, theirs, strict=True)) or all(
                overlaps(a, b) for a, b in zip(ours, reversed(theirs), strict=True)
            )
        mine = [q for q in (self.claim_quote, self.evidence_quote) if q]
        found = [q for q in (finding.claim_quote, finding.evidence_quote) if q]
        return any(overlaps(a, b) for a in mine for b in found)


def _index(source: str) -> str:
    # Labels name a source "3:www.dw.com"; documents are named after their file, "3".
    return source.split(":", 1)[0]


def read_labels(paths: Iterable[Path]) -> list[Label]:
    """Our labels first, so that they override the dataset's where both match."""
    labels = []
    for path in paths:
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            labels.append(
                Label(
                    story=row["story"],
                    pair=frozenset({_index(row["source"]), _index(row["against"])}),
                    claim_quote=_strip_marker(row.get("claim_quote") or ""),
                    evidence_quote=_strip_marker(row.get("evidence_quote") or ""),
                    label=row["label"],
                    why=row.get("why") or "",
                    origin=path.name,
                )
            )
    return labels


def _strip_marker(quote: str) -> str:
    return re.sub(r"^\[(headline|caption)\]\s*", "", quote)


def run_stories(stories: list[Path], settings: Settings) -> Iterator[StoryReport]:
    """The offline engine's report of each story folder."""
    pipeline = Pipeline(settings)
    report = pipeline.run(stories)
    yield from report.stories


def findings_of(report: StoryReport) -> list[Finding]:
    """Every distinct disagreement of a report: reported ones, possible ones and updates."""
    claims = {claim.id: claim for claim in report.claims}
    documents = {document.id: document for document in report.story.documents}
    found = []
    for verdict in _distinct(report):
        claim = claims.get(verdict.claim_id)
        if claim is None:
            continue
        evidence = verdict.evidence or ""
        if not evidence and verdict.against_source_id in documents:
            evidence = documents[verdict.against_source_id].title
        found.append(
            Finding(
                story=report.story.id,
                source=verdict.source_id,
                against=verdict.against_source_id,
                kind=str(verdict.disagreement or verdict.stance),
                checker=verdict.checker,
                confidence=verdict.confidence,
                claim_quote=claim.quote,
                evidence_quote=evidence,
                explanation=verdict.explanation,
                reported=verdict.is_finding,
                update=verdict.update is not None,
                rule=verdict.rule or verdict.checker,
            )
        )
    return found


def _distinct(report: StoryReport) -> list[Verdict]:
    seen: set[tuple[object, ...]] = set()
    distinct = []
    claims = {claim.id: claim for claim in report.claims}
    for verdict in report.verdicts:
        if verdict.stance is not Stance.CONTRADICTS:
            continue
        claim = claims.get(verdict.claim_id)
        own = (verdict.source_id, claim.span.start if claim else verdict.claim_id)
        other = (
            verdict.against_source_id,
            verdict.evidence_span.start if verdict.evidence_span else verdict.explanation,
        )
        key = (verdict.update is not None, frozenset({own, other}))
        if key in seen:
            continue
        seen.add(key)
        distinct.append(verdict)
    return distinct


@dataclass
class Tally:
    """Right and wrong counts of a group of findings."""

    right: int = 0
    wrong: int = 0
    unlabelled: int = 0

    @property
    def precision(self) -> float | None:
        judged = self.right + self.wrong
        return self.right / judged if judged else None

    def add(self, correct: bool | None) -> None:
        """Count one finding."""
        if correct is None:
            self.unlabelled += 1
        elif correct:
            self.right += 1
        else:
            self.wrong += 1


@dataclass
class Result:
    """Everything the bench measured."""

    findings: list[Finding] = field(default_factory=list)
    gold_found: dict[str, bool] = field(default_factory=dict)
    seconds: float = 0.0
    documents: int = 0
    outlets: dict[str, dict[str, str]] = field(default_factory=dict)


def correct(finding: Finding) -> bool | None:
    """Whether the engine was right to report this finding as it did; None if unlabelled."""
    if finding.label is None:
        return None
    if finding.label == "update":
        return finding.update
    if finding.update:
        # An update the labels call a genuine disagreement or a false alarm: wrong either way.
        return False
    return finding.label == GENUINE


def match_gold(gold: dict[str, object], findings: list[Finding], outlets: dict[str, str]) -> bool:
    """Whether a genuine, reported finding shows this gold disagreement."""
    texts: dict[str, list[str]] = gold["texts"]  # type: ignore[assignment]
    side: dict[str, int] = gold["side"]  # type: ignore[assignment]
    for finding in findings:
        if finding.story != gold["story"] or not (finding.reported or finding.update):
            continue
        if finding.label not in (GENUINE, "update"):
            continue
        outlet_a, outlet_b = outlets.get(finding.source), outlets.get(finding.against)
        if outlet_a not in side or outlet_b not in side or side[outlet_a] == side[outlet_b]:
            continue
        passages = (finding.claim_quote, finding.evidence_quote)
        hits = [
            any(_contains(passage, text) for passage in passages for text in texts[outlet])
            for outlet in (outlet_a, outlet_b)
        ]
        if any(hits):
            return True
    return False


def _contains(passage: str, text: str) -> bool:
    return " ".join(words(text)) in " ".join(words(passage))


def measure(data: Path, limit: int | None, settings: Settings) -> Result:
    """Run the stories, label the findings, check the gold disagreements."""
    stories = sorted(path for path in (data / "stories").iterdir() if path.is_dir())[:limit]
    labels = read_labels([OUR_LABELS, data / "labels.jsonl"])
    gold = json.loads((data / "gold.json").read_text(encoding="utf-8"))["stories"]
    result = Result()
    outlets: dict[str, dict[str, str]] = {}
    started = time.perf_counter()
    reports = list(run_stories(stories, settings))
    result.seconds = time.perf_counter() - started
    for report in reports:
        result.documents += len(report.story.documents)
        outlets[report.story.id] = {d.id: d.outlet or d.id for d in report.story.documents}
        result.outlets[report.story.id] = outlets[report.story.id]
        for finding in findings_of(report):
            label = next((x for x in labels if x.matches(finding, strict=True)), None)
            if label is None:
                label = next((x for x in labels if x.matches(finding, strict=False)), None)
            if label is not None:
                finding.label, finding.why = label.label, label.why
            result.findings.append(finding)
    for story in (path.name for path in stories):
        for disagreement in gold.get(story, {}).get("disagreements", []):
            result.gold_found[disagreement["id"]] = match_gold(
                disagreement, result.findings, outlets.get(story, {})
            )
    return result


def calibration(findings: list[Finding], bands: list[float]) -> list[tuple[str, int, float, float]]:
    """Per confidence band: count, mean confidence, share genuine (labelled findings only)."""
    rows = []
    for low, high in pairwise(bands):
        inside = [
            f
            for f in findings
            if f.label is not None and low <= f.confidence < high + (1e-9 if high == 1 else 0)
        ]
        if not inside:
            continue
        mean = sum(f.confidence for f in inside) / len(inside)
        genuine = sum(1 for f in inside if f.label == GENUINE) / len(inside)
        rows.append((f"{low:.2f}–{high:.2f}", len(inside), mean, genuine))
    return rows


def expected_calibration_error(rows: list[tuple[str, int, float, float]]) -> float:
    """The count-weighted mean gap between confidence and the share genuine."""
    total = sum(count for _, count, _, _ in rows)
    return (
        sum(count * abs(mean - share) for _, count, mean, share in rows) / total if total else 0.0
    )


def sweep_table(result: Result, data: Path) -> str:
    """Precision and recall of the findings at or above each confidence threshold."""
    gold = json.loads((data / "gold.json").read_text(encoding="utf-8"))["stories"]
    lines = [
        "| threshold | reported | right | wrong | precision | recall |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    thresholds = sorted({round(f.confidence, 3) for f in result.findings} | {0.0})
    for threshold in thresholds:
        for finding in result.findings:
            finding.reported = not finding.update and finding.confidence >= threshold
        tally = Tally()
        for finding in result.findings:
            if finding.reported or finding.update:
                tally.add(correct(finding))
        found = total = 0
        for story, entry in gold.items():
            outlets = result.outlets.get(story, {})
            for disagreement in entry.get("disagreements", []):
                total += 1
                found += match_gold(disagreement, result.findings, outlets)
        lines.append(
            f"| {threshold:.3f} | {tally.right + tally.wrong + tally.unlabelled} | {tally.right} "
            f"| {tally.wrong} | {_fmt(tally.precision)} | {found / total if total else 0:.2f} |"
        )
    return "\n".join(lines)


def fit_table(result: Result) -> str:
    """Labelled findings per rule (reported or possible), as the calibration module holds them."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for finding in result.findings:
        if finding.label is None or finding.update:
            continue
        counts[finding.rule][0] += finding.label == GENUINE
        counts[finding.rule][1] += 1
    lines = ["LABELLED: dict[str, RuleRecord] = {"]
    for rule, (genuine, total) in sorted(counts.items()):
        lines.append(f'    "{rule}": RuleRecord(genuine={genuine}, total={total}),')
    lines.append("}")
    return "\n".join(lines)


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def report_table(result: Result) -> str:
    """The figures as Markdown."""
    reported = [f for f in result.findings if f.reported or f.update]
    possible = [f for f in result.findings if not (f.reported or f.update)]
    overall, by_kind, by_checker = Tally(), defaultdict(Tally), defaultdict(Tally)
    for finding in reported:
        verdict = correct(finding)
        overall.add(verdict)
        by_kind[finding.kind].add(verdict)
        by_checker[finding.checker].add(verdict)
    lines = [
        "| group | reported | right | wrong | unlabelled | precision |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, tally in (
        [("**all**", overall)]
        + [(f"kind {k}", t) for k, t in sorted(by_kind.items())]
        + [(f"checker {k}", t) for k, t in sorted(by_checker.items())]
    ):
        count = tally.right + tally.wrong + tally.unlabelled
        lines.append(
            f"| {name} | {count} | {tally.right} | {tally.wrong} | {tally.unlabelled} | {_fmt(tally.precision)} |"
        )
    found = sum(result.gold_found.values())
    gold = len(result.gold_found)
    lines.append("")
    lines.append(
        f"Recall of distinct genuine disagreements (gold.json): {found}/{gold} = "
        f"{found / gold if gold else 0:.2f}"
    )
    missed = [gold_id for gold_id, hit in result.gold_found.items() if not hit]
    if missed:
        lines.append(f"Missed: {', '.join(missed)}")
    possible_tally = Tally()
    for finding in possible:
        possible_tally.add(None if finding.label is None else finding.label == GENUINE)
    lines.append(
        f"Possible (below the threshold, not reported): {len(possible)}, labelled genuine "
        f"{possible_tally.right}, false {possible_tally.wrong}, unlabelled {possible_tally.unlabelled}"
    )
    rows = calibration(result.findings, [0.0, 0.2, 0.4, 0.6, 0.8, 0.9, 1.0])
    lines += [
        "",
        "| confidence | findings | mean confidence | share genuine |",
        "|---|---:|---:|---:|",
    ]
    lines += [
        f"| {band} | {count} | {mean:.2f} | {share:.2f} |" for band, count, mean, share in rows
    ]
    lines.append(f"\nExpected calibration error: {expected_calibration_error(rows):.3f}")
    rate = result.documents / result.seconds if result.seconds else 0.0
    lines.append(
        f"Speed: {result.documents} documents in {result.seconds:.1f} s = {rate:.1f} documents/s"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the bench and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="the realnews-dev folder")
    parser.add_argument("--limit", type=int, default=None, help="only the first N stories")
    parser.add_argument("--unlabelled", type=Path, help="write findings no label covers here")
    parser.add_argument("--all-findings", type=Path, help="write every finding with its label")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--fit",
        action="store_true",
        help="print the labelled findings per rule, for veracity.comparison.calibration",
    )
    parser.add_argument(
        "--min-confidence", type=float, default=None, help="the threshold (default: veracity's)"
    )
    parser.add_argument(
        "--sweep",
        action="store_true",
        help="precision and recall at each threshold (run with --min-confidence 0)",
    )
    args = parser.parse_args(argv)
    if not (args.data / "stories").is_dir():
        print(f"realnews_bench: no stories in {args.data}; pass --data DIR", file=sys.stderr)
        return 2
    settings = (
        Settings() if args.min_confidence is None else Settings(min_confidence=args.min_confidence)
    )
    result = measure(args.data, args.limit, settings)
    if args.fit:
        print(fit_table(result))
        return 0
    if args.sweep:
        print(sweep_table(result, args.data))
        return 0
    if args.unlabelled:
        with args.unlabelled.open("w", encoding="utf-8") as out:
            for finding in result.findings:
                if finding.label is None:
                    out.write(json.dumps({**finding.key(), "reported": finding.reported}) + "\n")
    if args.all_findings:
        with args.all_findings.open("w", encoding="utf-8") as out:
            for finding in result.findings:
                row = {**finding.key(), "reported": finding.reported, "label": finding.label}
                out.write(json.dumps(row) + "\n")
    if args.json:
        reported = [f for f in result.findings if f.reported or f.update]
        tally = Tally()
        for finding in reported:
            tally.add(correct(finding))
        found = sum(result.gold_found.values())
        print(
            json.dumps(
                {
                    "precision": tally.precision,
                    "right": tally.right,
                    "wrong": tally.wrong,
                    "unlabelled": tally.unlabelled,
                    "recall": found / len(result.gold_found) if result.gold_found else None,
                    "gold_found": result.gold_found,
                    "documents_per_second": result.documents / result.seconds,
                }
            )
        )
    else:
        print(report_table(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
