"""Calibrated confidence: how often a rule's contradictions are genuine on real coverage.

Each rule of the offline checkers ("quote.named": a quoted word changed where a named
person is quoted; "number"; "name.misspelling"; "self.number": a source against
itself ...) starts from the confidence its author gave it. Findings of that rule on
real multi-outlet stories, read and labelled by people (``bench/realnews_bench.py``
over ``realnews-dev``, with ``bench/realnews_labels.jsonl``), then pull it towards
the share of them that was genuine: a Beta prior worth ``PRIOR_WEIGHT`` findings,
updated by the labelled ones. The confidence a report shows is that estimate, so
"0.8" means about four in five such findings were right.

``python bench/realnews_bench.py --fit`` prints the counts below from the current
engine and labels; docs/offline-engine.md holds the calibration table it was judged by.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RuleRecord:
    """Labelled findings of one rule: how many, and how many were genuine."""

    genuine: int
    total: int


#: How many labelled findings the hand-set confidence is worth.
PRIOR_WEIGHT = 1.0

#: Labelled findings per rule on the realnews-dev stories (bench/realnews_bench.py --fit).
LABELLED: dict[str, RuleRecord] = {
    "name.misspelling": RuleRecord(genuine=2, total=2),
    "name.replaced.landmark": RuleRecord(genuine=0, total=1),
    "number": RuleRecord(genuine=1, total=1),
    "number.copied.count": RuleRecord(genuine=1, total=2),
    "quote.named": RuleRecord(genuine=10, total=12),
    "quote.named.copied": RuleRecord(genuine=1, total=1),
    "quote.unnamed": RuleRecord(genuine=0, total=4),
    "quote.unnamed.copied": RuleRecord(genuine=1, total=1),
    "self.quote.unnamed.copied": RuleRecord(genuine=0, total=1),
}


def calibrated_confidence(rule: str, prior: float) -> float:
    """The probability that a finding of ``rule`` is genuine, from ``prior`` and the labels."""
    record = LABELLED.get(rule)
    if record is None:
        return round(prior, 3)
    return round((record.genuine + PRIOR_WEIGHT * prior) / (record.total + PRIOR_WEIGHT), 3)
