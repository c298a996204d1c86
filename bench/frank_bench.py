"""FRANK (CNN/DM) benchmark: does veracity flag unfaithful summaries?

Each record of ``../shared/benchdata/frank-cnndm_dev.jsonl`` (read in place,
never copied into the repository) pairs a news article with a model-written
summary labelled faithful (1) or not (0) by people. The summary is run through
the offline pipeline as a second source of the article's story; a record is
predicted unfaithful when veracity reports a contradiction between a summary
claim and the article. The ``corroborate`` package (a regex checker of numbers,
dates and quotes, from PyPI) judges the same records: unfaithful when its
report is not ``ok()``.

FRANK summaries are lower-cased and PTB-tokenized (``$ 1.2 million``,
:literal:`\\`\\`` and ``''`` for quotation marks, ``#`` for the pound sign). Both
checkers get the same normalized summary: tokens joined back, quotation
marks restored, the decoder's ``UNK`` token written in lower case (it stands
for a word the model could not spell, not for a name), and each word given the
casing the article gives it (:func:`veracity.text.names.recase`), since veracity
reads names by their capitals.

Reported: balanced accuracy (the mean of the recall on unfaithful and on
faithful summaries) and the precision of the "unfaithful" flags.

Run it from the repository root::

    /work/venv/bin/python bench/frank_bench.py              # all 490 DEV records
    /work/venv/bin/python bench/frank_bench.py --limit 50   # the first 50
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from veracity import Document, Pipeline, Settings, Story

# One normalization for this script and `veracity bench`, so that both give the same figures.
from veracity.cli.bench_data import normalize_summary

DATA = (
    Path(__file__).resolve().parent.parent / ".." / "shared" / "benchdata" / "frank-cnndm_dev.jsonl"
)


@dataclass(frozen=True)
class Record:
    """One labelled article and summary."""

    id: str
    article: str
    summary: str
    faithful: bool
    error_types: tuple[str, ...]


def read_records(path: Path, limit: int | None) -> Iterator[Record]:
    """The records of a benchdata JSONL file, up to ``limit``."""
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            if limit is not None and number >= limit:
                return
            raw = json.loads(line)
            yield Record(
                id=raw["id"],
                article=raw["document"],
                summary=raw["summary"],
                faithful=raw["label"] == 1,
                error_types=tuple(raw.get("error_types", ())),
            )


@dataclass
class Confusion:
    """Flags against labels; "positive" is an unfaithful summary."""

    flagged_unfaithful: int = 0
    flagged_faithful: int = 0
    missed_unfaithful: int = 0
    passed_faithful: int = 0
    by_error_type: dict[str, list[int]] = field(default_factory=dict)

    def add(self, flagged: bool, record: Record) -> None:
        if record.faithful:
            if flagged:
                self.flagged_faithful += 1
            else:
                self.passed_faithful += 1
            return
        if flagged:
            self.flagged_unfaithful += 1
        else:
            self.missed_unfaithful += 1
        for error_type in record.error_types:
            counts = self.by_error_type.setdefault(error_type, [0, 0])
            counts[0] += int(flagged)
            counts[1] += 1

    @property
    def flags(self) -> int:
        return self.flagged_unfaithful + self.flagged_faithful

    @property
    def precision(self) -> float:
        return self.flagged_unfaithful / self.flags if self.flags else 0.0

    @property
    def recall(self) -> float:
        unfaithful = self.flagged_unfaithful + self.missed_unfaithful
        return self.flagged_unfaithful / unfaithful if unfaithful else 0.0

    @property
    def specificity(self) -> float:
        faithful = self.flagged_faithful + self.passed_faithful
        return self.passed_faithful / faithful if faithful else 0.0

    @property
    def balanced_accuracy(self) -> float:
        return (self.recall + self.specificity) / 2


def veracity_flags(pipeline: Pipeline) -> Callable[[Record, str], tuple[bool, list[str]]]:
    """A judge that runs the offline pipeline on the article and the summary as two sources."""

    def judge(record: Record, summary: str) -> tuple[bool, list[str]]:
        story = Story(
            id="frank",
            documents=[
                Document(id="article", text=record.article),
                Document(id="summary", text=summary),
            ],
        )
        report = pipeline.run_story(story)
        reasons = [
            f"{verdict.disagreement}: {verdict.explanation}"
            # Either cell: contradictions() lists each disagreement once, whichever side first.
            for verdict in report.contradicting_verdicts()
            if verdict.source_id == "summary" and verdict.against_source_id == "article"
        ]
        return bool(reasons), reasons

    return judge


def corroborate_flags(record: Record, summary: str) -> tuple[bool, list[str]]:
    """corroborate's judgement: unfaithful when any number, date or quote is unsupported."""
    import corroborate

    report = corroborate.check_answer(query="", retrieved_chunks=[record.article], answer=summary)
    return not report.ok(), [finding.message for finding in report.critical]


def run(path: Path, limit: int | None, *, verbose: bool) -> dict[str, tuple[Confusion, float]]:
    """Judge every record with both checkers; the confusion counts and seconds of each."""
    pipeline = Pipeline(Settings(offline=True), load_entry_points=False)
    judges: dict[str, Callable[[Record, str], tuple[bool, list[str]]]] = {
        "veracity (offline)": veracity_flags(pipeline),
        "corroborate 0.1.0": corroborate_flags,
    }
    results = {name: (Confusion(), 0.0) for name in judges}
    for record in read_records(path, limit):
        summary = normalize_summary(record.summary, record.article)
        for name, judge in judges.items():
            confusion, seconds = results[name]
            started = time.perf_counter()
            flagged, reasons = judge(record, summary)
            results[name] = (confusion, seconds + time.perf_counter() - started)
            confusion.add(flagged, record)
            if verbose and flagged:
                label = "faithful" if record.faithful else "UNFAITHFUL"
                print(f"[{name}] {record.id} ({label}): {'; '.join(reasons)[:300]}")
    return results


def render(results: dict[str, tuple[Confusion, float]]) -> str:
    """The figures side by side."""
    lines = [
        f"{'checker':<20}{'records':>8}{'flags':>7}{'precision':>11}{'recall':>8}"
        f"{'specificity':>13}{'bal.acc':>9}{'s/record':>10}"
    ]
    for name, (c, seconds) in results.items():
        records = c.flags + c.missed_unfaithful + c.passed_faithful
        lines.append(
            f"{name:<20}{records:>8}{c.flags:>7}{c.precision:>11.3f}{c.recall:>8.3f}"
            f"{c.specificity:>13.3f}{c.balanced_accuracy:>9.3f}{seconds / max(records, 1):>10.3f}"
        )
    lines.append("recall on unfaithful summaries by FRANK error type (flagged/total):")
    for name, (c, _) in results.items():
        cells = ", ".join(
            f"{kind} {n}/{total}" for kind, (n, total) in sorted(c.by_error_type.items())
        )
        lines.append(f"  {name}: {cells}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="read only the first N records")
    parser.add_argument("--data", type=Path, default=DATA, help="benchdata JSONL file")
    parser.add_argument("--verbose", action="store_true", help="print every flag and its reason")
    args = parser.parse_args(argv)
    if not args.data.exists():
        print(f"no benchmark data at {args.data.resolve()}", file=sys.stderr)
        return 2
    print(render(run(args.data, args.limit, verbose=args.verbose)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
