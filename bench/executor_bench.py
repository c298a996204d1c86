"""Offline throughput on real articles with each executor, and time per source as a story grows.

The realnews-dev stories (``../shared/benchdata/realnews-dev/stories``: 24 real stories,
114 articles) are repeated to a few hundred stories in a temporary directory (never in the
repository: the articles are copyrighted) and checked by the command line, as a user runs it:

    veracity run STORIES --out OUT -q --executor inline|processes|ray [--workers N]

Each run is a fresh process; the figures are its wall time (documents per second), the
CPU time of the run and its children (documents per CPU-second: the text path's speed per
core), and whether its reports are byte-identical to the inline run's (timings aside).
Ray runs as a local cluster that the run starts (``pip install 'veracity[ray]'``).

    /work/venv/bin/python bench/executor_bench.py                  # 240 stories, every executor
    /work/venv/bin/python bench/executor_bench.py --repeat 2 --executors inline processes:2
    /work/venv/bin/python bench/executor_bench.py --sources-only   # 5 against 50 sources

A story of 50 real sources is made of a real 5-source story's articles, ten versions of
each, every version without a different paragraph (so that no two are the same text).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REALNEWS = HERE.parent.parent / "shared" / "benchdata" / "realnews-dev" / "stories"
TIMINGS = re.compile(r'"timings": \{[^}]*\}')
FIVE_SOURCE_STORY = "wcl50-e4-macron-state-visit-iran-deal"


def _tag(copy: int) -> str:
    """A lower-case pseudo-word naming a copy ("qa", "qb", ...): not a name, number or date."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    tag = ""
    copy += 1
    while copy:
        copy, digit = divmod(copy - 1, 26)
        tag = letters[digit] + tag
    return "q" + tag


def repeat_stories(source: Path, target: Path, repeat: int) -> tuple[int, int]:
    """``repeat`` copies of every story of ``source`` under ``target``; (stories, documents).

    Every sentence of a copy after the first ends with the copy's own pseudo-word, so that
    no copy is checked faster by finding its sentences in the memo caches of an earlier
    one: a batch of distinct stories, as a real one is.
    """
    stories = documents = 0
    for copy in range(repeat):
        for story in sorted(path for path in source.iterdir() if path.is_dir()):
            destination = target / f"r{copy:03d}-{story.name}"
            destination.mkdir(parents=True)
            for article in sorted(story.iterdir()):
                if article.is_file():
                    text = article.read_text(encoding="utf-8")
                    if copy:
                        text = re.sub(r"\.(\s)", rf" {_tag(copy)}.\1", text)
                    (destination / article.name).write_text(text, encoding="utf-8")
                    documents += 1
            stories += 1
    return stories, documents


def many_sources(story: Path, target: Path, sources: int) -> int:
    """A story of ``sources`` versions of ``story``'s articles, each without one paragraph."""
    articles = sorted(path for path in story.iterdir() if path.is_file())
    target.mkdir(parents=True)
    written = 0
    version = 0
    while written < sources:
        for article in articles:
            if written >= sources:
                break
            text = article.read_text(encoding="utf-8")
            if version:
                paragraphs = text.split("\n\n")
                # Keep the header lines (the first block); drop one paragraph of the body.
                drop = 1 + (version - 1) % max(len(paragraphs) - 1, 1)
                text = "\n\n".join(p for i, p in enumerate(paragraphs) if i != drop)
            (target / f"{written:02d}-{article.name}").write_text(text, encoding="utf-8")
            written += 1
        version += 1
    return written


def run_cli(
    stories: Path, out: Path, executor: str | None, workers: int | None
) -> dict[str, float]:
    """One ``veracity run`` in a fresh process: wall and CPU seconds (it and its children)."""
    command = [sys.executable, "-m", "veracity", "run", str(stories), "--out", str(out), "-q"]
    if executor is not None:
        command += ["--executor", executor]
    if workers is not None:
        command += ["--workers", str(workers)]
    environment = {**os.environ, "VERACITY_LOAD_PLUGINS": "", "RAY_USAGE_STATS_ENABLED": "0"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, env=environment, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu}


def reports(out: Path) -> dict[str, str]:
    """The report files of a batch directory, timings blanked."""
    return {
        path.name: TIMINGS.sub('"timings": {}', path.read_text(encoding="utf-8"))
        for path in sorted(out.glob("*.json"))
    }


def supports_executors() -> bool:
    """Whether this checkout's CLI has --executor (older ones ran everything inline)."""
    return importlib.util.find_spec("veracity.pipeline.executors") is not None


def throughput(args: argparse.Namespace, scratch: Path) -> None:
    stories_dir = scratch / "stories"
    stories, documents = repeat_stories(args.stories, stories_dir, args.repeat)
    print(
        f"{stories} stories, {documents} documents (realnews-dev x {args.repeat}); "
        f"{args.runs} run(s) each, median"
    )
    print(
        f"{'executor':>14} {'wall s':>8} {'docs/s':>8} {'x inline':>9} {'CPU s':>7} "
        f"{'docs/CPU-s':>11} {'identical':>10}"
    )
    inline_wall: float | None = None
    inline_reports: dict[str, str] | None = None
    for spec in args.executors:
        name, _, count = spec.partition(":")
        workers = int(count) if count else None
        if not supports_executors():
            if name != "inline":
                continue
            executor: str | None = None
        else:
            executor = name
        walls, cpus = [], []
        out = scratch / f"out-{name}-{count or 'default'}"
        for _ in range(args.runs):
            shutil.rmtree(out, ignore_errors=True)
            figures = run_cli(stories_dir, out, executor, workers)
            walls.append(figures["wall"])
            cpus.append(figures["cpu"])
        wall, cpu = statistics.median(walls), statistics.median(cpus)
        found = reports(out)
        if name == "inline":
            inline_wall, inline_reports = wall, found
        same = "-" if inline_reports is None else ("yes" if found == inline_reports else "NO")
        ratio = f"{inline_wall / wall:.2f}" if inline_wall else "-"
        # Only an inline run's CPU is all its own child's: pool workers are the fork
        # server's children, Ray's are the cluster's, and neither is counted here.
        cpu_text, per_cpu = (
            (f"{cpu:.2f}", f"{documents / cpu:.1f}") if name == "inline" else ("-", "-")
        )
        print(
            f"{spec:>14} {wall:>8.2f} {documents / wall:>8.1f} {ratio:>9} {cpu_text:>7} "
            f"{per_cpu:>11} {same:>10}",
            flush=True,
        )


def per_source(args: argparse.Namespace, scratch: Path) -> None:
    story = args.stories / FIVE_SOURCE_STORY
    print(f"\ntime per source: {FIVE_SOURCE_STORY} (5 real sources) against 50 versions of them")
    print(f"{'sources':>8} {'CPU s':>7} {'CPU ms/source':>14} {'x 5 sources':>12}")
    first: float | None = None
    for sources in (5, 50):
        directory = scratch / f"sources-{sources}" / "story"
        count = many_sources(story, directory, sources)
        cpu = statistics.median(story_cpu(directory) for _ in range(args.runs))
        per = cpu / count
        first = first or per
        print(f"{count:>8} {cpu:>7.2f} {1000 * per:>14.1f} {per / first:>12.2f}", flush=True)


def story_cpu(directory: Path) -> float:
    """CPU seconds of one story's stages, in a fresh process warmed up on a small story."""
    output = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--one-story", str(directory)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "VERACITY_LOAD_PLUGINS": ""},
    ).stdout
    return float(output.strip().splitlines()[-1])


def _one_story(directory: Path) -> float:
    from veracity import Document, Pipeline, Settings, Story

    if supports_executors():  # as the CLI does (a checkout from before it left BLAS alone)
        from veracity.pipeline.executors import single_threaded_blas

        single_threaded_blas()
    pipeline = Pipeline(Settings(), load_entry_points=False)
    warm = Story(
        id="warm-up",
        documents=[
            Document(id="a", text="The dam opened on Tuesday, officials said."),
            Document(id="b", text="The dam opened on Monday, officials said."),
        ],
    )
    pipeline.run_story(warm)
    (story,) = pipeline.load([directory])
    assert isinstance(story, Story)
    started = time.process_time()
    pipeline.run_story(story)
    return time.process_time() - started


def main(argv: list[str] | None = None) -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stories", type=Path, default=REALNEWS)
    parser.add_argument("--repeat", type=int, default=10, help="copies of the 24 stories")
    parser.add_argument("--runs", type=int, default=1, help="runs of each case (median)")
    parser.add_argument(
        "--executors",
        nargs="+",
        default=["inline", "processes:1", "processes:2", "ray:2"],
        help="NAME or NAME:WORKERS",
    )
    parser.add_argument("--sources-only", action="store_true")
    parser.add_argument("--no-sources", action="store_true")
    parser.add_argument("--one-story", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one_story:
        print(_one_story(args.one_story))
        return
    if not args.stories.is_dir():
        raise SystemExit(f"{args.stories}: not found; pass --stories DIR (realnews-dev/stories)")
    with tempfile.TemporaryDirectory(prefix="veracity-bench-") as scratch_name:
        scratch = Path(scratch_name)
        print(json.dumps({"cores": os.cpu_count(), "load": os.getloadavg()}))
        if not args.sources_only:
            throughput(args, scratch)
        if not args.no_sources:
            per_source(args, scratch)


if __name__ == "__main__":
    main()
