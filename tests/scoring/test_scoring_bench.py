"""The benchmark's generator and measures, run small."""

from __future__ import annotations

from types import ModuleType

import pytest


def test_estimated_reliability_ranks_sources_by_their_true_error_rate(bench: ModuleType) -> None:
    result = bench.run_benchmark(clusters=4, sources=16, facts=20, seed=11, time_50_sources=False)

    assert result.spearman_realized >= 0.9


def test_spearman_of_a_monotone_relation_is_one(bench: ModuleType) -> None:
    assert bench.spearman([1.0, 2.0, 3.0, 4.0], [10.0, 20.0, 40.0, 80.0]) == pytest.approx(1.0)


def test_spearman_of_a_reversed_order_is_minus_one(bench: ModuleType) -> None:
    assert bench.spearman([1.0, 2.0, 3.0], [3.0, 2.0, 1.0]) == pytest.approx(-1.0)


def test_spearman_gives_ties_their_mean_rank(bench: ModuleType) -> None:
    # Ranks (1, 2.5, 2.5, 4) against (1, 2, 3, 4): Pearson = 4.5 / sqrt(4.5 * 5).
    assert bench.spearman([1.0, 2.0, 2.0, 3.0], [1.0, 2.0, 3.0, 4.0]) == pytest.approx(
        (4.5 / 5) ** 0.5
    )
