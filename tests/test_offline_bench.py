"""The offline engine's benchmarks, run small enough for CI.

The perturbation benchmark plants one known error in a copy of a source and
asks the real offline pipeline to find it; faithful paraphrases must raise
nothing. The FRANK benchmark reads human-labelled summaries from
``../shared/benchdata`` when that folder is present.
"""

from __future__ import annotations

import pytest
from support import BENCH, load_bench_module


@pytest.fixture(scope="module")
def perturbation() -> object:
    bench = load_bench_module("perturbation_bench")
    return bench.run_cases(small=True, scaling=(2,))


def test_planted_errors_are_found_with_high_precision(perturbation: object) -> None:
    for setting in ("copy", "edited paraphrase"):
        totals = perturbation.totals(setting)  # type: ignore[attr-defined]
        assert totals.cases >= 50
        assert totals.precision >= 0.99, setting
        assert totals.recall >= 0.95, setting


def test_every_planted_kind_is_mostly_found(perturbation: object) -> None:
    bench = load_bench_module("perturbation_bench")
    for kind in bench.KINDS:
        tally = perturbation.tallies[f"copy:{kind}"]  # type: ignore[attr-defined]
        assert tally.recall >= 0.85, kind


def test_a_faithful_paraphrase_raises_no_contradiction(perturbation: object) -> None:
    paraphrases = perturbation.totals("paraphrase")  # type: ignore[attr-defined]
    assert paraphrases.cases >= 9
    assert paraphrases.false_alarms == 0


def test_paraphrases_keep_every_quotation_verbatim() -> None:
    bench = load_bench_module("perturbation_bench")
    text = (
        'Officials said "the valley has lost a river, which took centuries," in talks (on Monday).'
    )
    rewritten = bench.paraphrase(text, bench.random.Random(1))
    assert '"the valley has lost a river, which took centuries,"' in rewritten


FRANK = BENCH.parent / ".." / "shared" / "benchdata" / "frank-cnndm_dev.jsonl"


@pytest.mark.skipif(not FRANK.exists(), reason=f"FRANK data not found at {FRANK}")
def test_frank_faithful_summaries_are_rarely_flagged() -> None:
    # Twenty records are too few to rank the checkers (see docs/offline-engine.md for
    # all 490); they do show that faithful summaries do not draw a flood of flags.
    pytest.importorskip("corroborate", reason="pip install corroborate to compare with it")
    bench = load_bench_module("frank_bench")
    results = bench.run(FRANK, 20, verbose=False)
    for confusion, _ in results.values():
        judged = confusion.flags + confusion.missed_unfaithful + confusion.passed_faithful
        assert judged == 20
    ours, _ = results["veracity (offline)"]
    assert ours.specificity >= 0.9


def test_frank_summaries_are_detokenized_and_cased_as_the_article() -> None:
    bench = load_bench_module("frank_bench")
    article = "Gary Locke will manage Kilmarnock. He said Locke’s deal is worth £1.2 million."
    summary = "gary locke 's deal is worth # 1.2 million , he said : `` it 's great '' ."
    assert (
        bench.normalize_summary(summary, article)
        == "Gary Locke's deal is worth £1.2 million, he said: “It's great”."
    )
