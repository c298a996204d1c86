"""Throughput and memory of the offline engine, and how a story's time grows with its sources.

Stories come from ``llm_bench.generate_stories`` (the seed story,
``bench/stories/`` and two short stories, each copy with its own ids and
small edits) and go through the offline pipeline one batch at a time, read
from a generator and dropped once reported, as a directory-output run does.
Each measurement runs in a fresh process so that its peak memory (the
process's maximum resident set size) is its own.

    /work/venv/bin/python bench/offline_bench.py                     # 1, 10, 100, 1000 stories
    /work/venv/bin/python bench/offline_bench.py --batches 1 10 --sources 2 5 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from llm_bench import generate_stories

from veracity import Pipeline, Settings, StoryFailure

HERE = Path(__file__).resolve().parent


async def _run(stories: int, sources: int) -> dict[str, float]:
    pipeline = Pipeline(Settings(), load_entry_points=False)
    baseline_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    documents = failures = 0
    per_story: list[float] = []
    started = time.perf_counter()
    last = started
    async for result in pipeline.arun_stories(generate_stories(stories, sources)):
        now = time.perf_counter()
        per_story.append(now - last)
        last = now
        if isinstance(result, StoryFailure):
            failures += 1
        else:
            documents += len(result.story.documents)
    wall = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "stories": stories,
        "sources": sources,
        "documents": documents,
        "failures": failures,
        "wall": wall,
        "median_story": statistics.median(per_story) if per_story else 0.0,
        "baseline_mib": baseline_kib / 1024,
        "peak_mib": peak_kib / 1024,
    }


def measure(stories: int, sources: int) -> dict[str, float]:
    """One batch in a fresh interpreter; its figures."""
    output = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--one", str(stories), str(sources)],
        check=True,
        capture_output=True,
        text=True,
        cwd=HERE,
    ).stdout
    figures: dict[str, float] = json.loads(output.strip().splitlines()[-1])
    return figures


def main(argv: list[str] | None = None) -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 10, 100, 1000])
    parser.add_argument("--batch-sources", type=int, default=3)
    parser.add_argument("--sources", type=int, nargs="+", default=[2, 5, 10, 20, 50])
    parser.add_argument("--stories-per-size", type=int, default=6)
    parser.add_argument("--one", type=int, nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(asyncio.run(_run(*args.one))))
        return

    print(f"offline engine, {args.batch_sources}-source stories")
    print(
        f"{'stories':>8} {'documents':>10} {'wall s':>8} {'docs/s':>8} {'peak MiB':>9} {'+MiB':>6}"
    )
    for stories in args.batches:
        figures = measure(stories, args.batch_sources)
        print(
            f"{stories:>8} {figures['documents']:>10.0f} {figures['wall']:>8.2f} "
            f"{figures['documents'] / figures['wall']:>8.1f} {figures['peak_mib']:>9.1f} "
            f"{figures['peak_mib'] - figures['baseline_mib']:>6.1f}"
        )
    print(f"\ntime per story by sources ({args.stories_per_size} stories each)")
    print(f"{'sources':>8} {'s/story':>8} {'x 2 src':>8} {'ms/doc':>7} {'peak MiB':>9}")
    first: float | None = None
    for sources in args.sources:
        figures = measure(args.stories_per_size, sources)
        per_story = figures["wall"] / args.stories_per_size
        first = first or per_story
        print(
            f"{sources:>8} {per_story:>8.3f} {per_story / first:>8.1f} "
            f"{1000 * per_story / sources:>7.1f} {figures['peak_mib']:>9.1f}"
        )


if __name__ == "__main__":
    main()
