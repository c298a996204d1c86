"""The figures ``veracity bench`` reports: balanced accuracy with a bootstrap interval,
precision and recall of "inconsistent", and a threshold fitted on a dev part.

A record's *score* is how strongly the engine flags its summary (the highest
confidence of a contradiction of the summary by the article; 0 with none). A
record is predicted inconsistent when its score reaches the threshold; the
default threshold flags any contradiction at all.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from pydantic import BaseModel, Field

# The default threshold: any contradiction flags the summary.
ANY_CONTRADICTION = 1e-9
BOOTSTRAP_SAMPLES = 1000
BOOTSTRAP_SEED = 20261202


class ClassificationFigures(BaseModel):
    """How well the scores separate inconsistent summaries (the positive class) from consistent ones."""

    records: int
    inconsistent: int = Field(description="Records people labelled inconsistent.")
    flagged: int = Field(description="Records the engine flagged inconsistent.")
    threshold: float
    balanced_accuracy: float
    balanced_accuracy_95: tuple[float, float] = Field(
        description="Bootstrap 95% interval (percentiles of 1000 resamples of the records)."
    )
    precision: float = Field(description="Of the flagged records, the share labelled inconsistent.")
    recall: float = Field(description="Of the inconsistent records, the share flagged.")
    specificity: float = Field(description="Of the consistent records, the share not flagged.")


def _rates(
    scores: Sequence[float], consistent: Sequence[bool], threshold: float
) -> tuple[float, float, float, int]:
    """(recall, specificity, precision, flagged) at a threshold."""
    true_positive = false_positive = positives = negatives = 0
    for score, ok in zip(scores, consistent, strict=True):
        flagged = score >= threshold
        if ok:
            negatives += 1
            false_positive += flagged
        else:
            positives += 1
            true_positive += flagged
    flagged_total = true_positive + false_positive
    recall = true_positive / positives if positives else 0.0
    specificity = (negatives - false_positive) / negatives if negatives else 0.0
    precision = true_positive / flagged_total if flagged_total else 0.0
    return recall, specificity, precision, flagged_total


def balanced_accuracy(
    scores: Sequence[float], consistent: Sequence[bool], threshold: float
) -> float:
    """The mean of the recall on inconsistent and on consistent records."""
    recall, specificity, _, _ = _rates(scores, consistent, threshold)
    return (recall + specificity) / 2


def bootstrap_interval(
    scores: Sequence[float],
    consistent: Sequence[bool],
    threshold: float,
    *,
    samples: int = BOOTSTRAP_SAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> tuple[float, float]:
    """The 2.5th and 97.5th percentiles of balanced accuracy over resamples of the records.

    Seeded, so the same records give the same interval on every run.
    """
    rng = random.Random(seed)
    n = len(scores)
    if n == 0:
        return (0.0, 0.0)
    values = []
    for _ in range(samples):
        picks = [rng.randrange(n) for _ in range(n)]
        values.append(
            balanced_accuracy([scores[i] for i in picks], [consistent[i] for i in picks], threshold)
        )
    values.sort()
    low = values[int(0.025 * (samples - 1))]
    high = values[round(0.975 * (samples - 1))]
    return (round(low, 4), round(high, 4))


def fit_threshold(scores: Sequence[float], consistent: Sequence[bool]) -> float:
    """The threshold with the best balanced accuracy on these records (the lowest of ties).

    Candidates are the scores the records reached, and "flag nothing" (above them all).
    """
    candidates = sorted({score for score in scores if score > 0} | {ANY_CONTRADICTION})
    candidates.append(max(candidates) + 1.0)
    return max(candidates, key=lambda t: (balanced_accuracy(scores, consistent, t), -t))


def figures(
    scores: Sequence[float], consistent: Sequence[bool], threshold: float
) -> ClassificationFigures:
    """Every figure of the records at a threshold."""
    recall, specificity, precision, flagged = _rates(scores, consistent, threshold)
    return ClassificationFigures(
        records=len(scores),
        inconsistent=sum(1 for ok in consistent if not ok),
        flagged=flagged,
        threshold=threshold,
        balanced_accuracy=round((recall + specificity) / 2, 4),
        balanced_accuracy_95=bootstrap_interval(scores, consistent, threshold),
        precision=round(precision, 4),
        recall=round(recall, 4),
        specificity=round(specificity, 4),
    )
