"""Offline throughput on real articles with each executor, and time per source as a story grows.

The realnews-dev stories (``../shared/benchdata/realnews-dev/stories``: 24 real stories,
114 articles) are repeated to a few hundred stories in a temporary directory (never in the
repository: the articles are copyrighted) and checked by the command line, as a user runs it:

    veracity run STORIES --out OUT -q --executor inline|processes|ray [--workers N]

Each run is a fresh process; the figures are its wall time (documents per second, and the
ratio to inline's), the CPU time of the driver (the ``veracity run`` process itself) and of
its workers (every process under it), in all and per story, and whether its reports are
byte-identical to the inline run's (timings aside). The CPU figures do not depend on how
busy the machine is: on 2 cores, the driver's CPU per story is what caps the speed-up.
``ray:N`` runs a local cluster that the run starts for itself (its start-up timed, as a
user of ``--executor ray`` waits for it); ``ray-cluster:N`` joins a one-node cluster of N
CPUs that the bench started beforehand with ``ray start`` (``--ray-address``), as a user
with a running cluster does (``pip install 'veracity[ray]'``).

    /work/venv/bin/python bench/executor_bench.py                  # 240 stories, every executor
    /work/venv/bin/python bench/executor_bench.py --repeat 2 --executors inline processes:2
    /work/venv/bin/python bench/executor_bench.py --sources-only   # 5 against 50 sources

A story of 50 real sources is made of a real 5-source story's articles, ten versions of
each, every version without a different paragraph (so that no two are the same text).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

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


# Runs the command line in this process, then writes the CPU it used itself (all its
# threads, not its children) to the file named by its first argument.
DRIVER = """
import json, resource, sys
usage_file = sys.argv.pop(1)

def record():
    own = resource.getrusage(resource.RUSAGE_SELF)
    with open(usage_file, "w") as stream:
        json.dump({"cpu": own.ru_utime + own.ru_stime}, stream)

import atexit
atexit.register(record)
from veracity.cli.main import main
sys.argv[0] = "veracity"
main()
"""


def _cpu_of(pid: int) -> float | None:
    """CPU seconds (user + system) ``pid`` has used, from /proc; None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _descendants(pid: int) -> list[int]:
    """Every descendant of ``pid`` (Linux /proc)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            for child in task.read_text().split():
                found += [int(child), *_descendants(int(child))]
    return found


def run_cli(
    stories: Path,
    out: Path,
    executor: str | None,
    workers: int | None,
    *,
    ray_address: str | None = None,
    cluster_pids: tuple[int, ...] = (),
) -> dict[str, float]:
    """One ``veracity run`` in a fresh process: wall seconds, and the CPU seconds of the
    driver (the ``veracity run`` process itself) and of its workers (every process under it:
    the fork server and the pool, or the local Ray cluster), sampled from /proc by this
    process so that measuring costs the driver nothing."""
    usage_file = out.parent / f"{out.name}.driver-cpu.json"
    command = [sys.executable, "-c", DRIVER, str(usage_file), "run", str(stories)]
    command += ["--out", str(out), "-q"]
    if executor is not None:
        command += ["--executor", executor]
    if workers is not None:
        command += ["--workers", str(workers)]
    if ray_address is not None:
        command += ["--ray-address", ray_address]
    environment = {**os.environ, "VERACITY_LOAD_PLUGINS": "", "RAY_USAGE_STATS_ENABLED": "0"}
    seen: dict[int, float] = {}
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    # The workers are not this process's children (the fork server's, the raylet's): their
    # CPU is sampled while they live; a worker's last 50 ms idle at the end go unseen.
    while process.poll() is None:
        # A running cluster's workers are its nodes' descendants, not the driver's.
        roots = [process.pid, *cluster_pids]
        for pid in [found for root in roots for found in _descendants(root)]:
            cpu = _cpu_of(pid)
            if cpu is not None:
                seen[pid] = max(cpu, seen.get(pid, 0.0))
        time.sleep(0.05)
    stderr = process.stderr.read() if process.stderr else ""
    wall = time.perf_counter() - started
    if process.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{stderr}")
    driver = json.loads(usage_file.read_text())["cpu"]
    return {"wall": wall, "driver": driver, "workers": sum(seen.values())}


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
        f"{'executor':>14} {'wall s':>8} {'docs/s':>8} {'x inline':>9} {'driver CPU s':>13} "
        f"{'ms/story':>9} {'workers CPU s':>14} {'ms/story':>9} {'identical':>10}"
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
        runs: list[dict[str, float]] = []
        out = scratch / f"out-{name}-{count or 'default'}"
        with contextlib.ExitStack() as stack:
            options: dict[str, Any] = {}
            if name == "ray-cluster":
                # A cluster that is already running (``ray start``): the run joins it with
                # --ray-address instead of starting one of its own. Its start is not timed.
                from ray_llm_bench import TwoNodeCluster

                cluster = stack.enter_context(TwoNodeCluster(workers or 2, worker_cpus=None))
                executor, workers = "ray", None
                assert cluster.head is not None
                options = {"ray_address": cluster.address, "cluster_pids": (cluster.head.pid,)}
            for _ in range(args.runs):
                shutil.rmtree(out, ignore_errors=True)
                runs.append(run_cli(stories_dir, out, executor, workers, **options))
        wall, driver, worker_cpu = (
            statistics.median(run[key] for run in runs) for key in ("wall", "driver", "workers")
        )
        found = reports(out)
        if name == "inline":
            inline_wall, inline_reports = wall, found
        same = "-" if inline_reports is None else ("yes" if found == inline_reports else "NO")
        ratio = f"{inline_wall / wall:.2f}" if inline_wall else "-"
        # Start-up (imports, the fork server, a Ray cluster) is in both CPU figures.
        print(
            f"{spec:>14} {wall:>8.2f} {documents / wall:>8.1f} {ratio:>9} {driver:>13.2f} "
            f"{1000 * driver / stories:>9.1f} {worker_cpu:>14.2f} "
            f"{1000 * worker_cpu / stories:>9.1f} {same:>10}",
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
        default=["inline", "processes:1", "processes:2", "ray:2", "ray-cluster:2"],
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
