"""How close a batch of LLM runs comes to the lower bound the endpoint allows.

N stories of k sources go through the full LLM pipeline (summary, claim
extraction, cross-check, scoring) against ``sim_endpoint.py``, a local
OpenAI-compatible server with a simulated latency. The bench prints the calls
and tokens per story, the wall time, and the wall time over the lower bound

    max(depth × latency, calls × latency / concurrency)

where ``depth`` is the number of LLM rounds of one story that must wait for
each other: the summary and the extractions overlap, the cross-check needs the
claims, so depth is 2. With a latency distribution or token-proportional time
the bound uses the simulator's mean service time for ``latency``. A ratio of
1.0 means the endpoint's concurrency was full from the first call to the last.

Stories are generated from the seed story, ``bench/stories/`` and two short
stories written here; each story has its own ids and small edits (a figure
changed, a paragraph dropped, syndicated copies of the wire), so no two are
alike. The response cache is off, so every call reaches the endpoint.

    /work/venv/bin/python bench/llm_bench.py                       # 50 × 3 sources, 200 ms, C=16
    /work/venv/bin/python bench/llm_bench.py --stories 200 --sources 5 --repeat 1
    /work/venv/bin/python bench/llm_bench.py --cli                 # the same batch, end to end

``--cli`` measures what a user waits for: the stories are written to a JSONL
file and ``veracity run STORIES.jsonl --out DIR -f json --no-cache`` runs as a
process of its own, timed from its start (imports, plugins) to its exit (every
report written), against the simulator in a third process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sim_endpoint import MODEL, SimConfig, SimEndpoint, SimProcess, SimStats

from veracity import Document, Pipeline, Settings, Story, StoryFailure
from veracity.llm import LLMClient, LLMSettings

ROOT = Path(__file__).resolve().parent.parent
# Rounds of LLM calls one story must make one after another: summary ∥ extraction, cross-check.
DEPTH = 2

FIRE = {
    "wire": (
        "A fire broke out at the Harlow Plastics plant in Dunmore early on Thursday, "
        "forcing the evacuation of 240 workers, the county fire service said.\n\n"
        "Firefighters brought the blaze under control after four hours. Two workers were "
        "taken to hospital with smoke inhalation and were released in the afternoon.\n\n"
        '"The sprinklers worked as they should and everyone got out," fire chief Maria Ortega '
        "told reporters at the scene.\n\n"
        "The company said production would stop for at least two weeks while inspectors examine "
        "the damaged warehouse. The cause of the fire is under investigation."
    ),
    "local": (
        "About 240 workers were evacuated from the Harlow Plastics plant in Dunmore on Thursday "
        "morning after a fire started in its warehouse.\n\n"
        "Two people were treated in hospital for smoke inhalation. Fire chief Maria Ortega said: "
        '"The sprinklers worked as they should and everyone got out."\n\n'
        "Harlow Plastics said the plant would be closed for at least three weeks. Investigators "
        "have not said what caused the fire."
    ),
}
RATES = {
    "wire": (
        "The Central Bank of Norland raised its main interest rate by a quarter point to 4.25 "
        "percent on Wednesday, its third increase this year.\n\n"
        "Governor Anders Lind said inflation, at 5.1 percent in March, was still too high. "
        '"We will do what is needed to bring prices under control," he told a news conference.\n\n'
        "Seven of the nine members of the rate committee voted for the increase; two wanted to "
        "hold rates steady.\n\n"
        "The krone rose 0.4 percent against the euro after the announcement."
    ),
    "business": (
        "Norland's central bank lifted borrowing costs to 4.25 percent on Wednesday, the third "
        "rise of the year, as inflation stayed at 5.1 percent.\n\n"
        '"We will do what is needed to bring prices under control," Governor Anders Lind said.\n\n'
        "The decision was split, with seven of nine committee members in favour. The krone "
        "gained 0.4 percent against the euro."
    ),
}


def base_stories() -> list[dict[str, str]]:
    """The stories the bench builds from: {source name: text} each, wire report first."""
    bases: list[dict[str, str]] = []
    bases.append(
        {
            path.stem: path.read_text(encoding="utf-8")
            for path in sorted((ROOT / "seeds").glob("*.txt"))
        }
    )
    for directory in sorted((ROOT / "bench" / "stories").iterdir()):
        texts = {
            path.stem: path.read_text(encoding="utf-8") for path in sorted(directory.glob("*.txt"))
        }
        # The wire report first: extra sources are syndicated copies of it.
        bases.append(dict(sorted(texts.items(), key=lambda item: item[0] != "wire")))
    bases.append(FIRE)
    bases.append(RATES)
    return bases


_NUMBER = re.compile(r"\b\d+\b")


def _edit(text: str, rng: random.Random, *, syndicated: bool) -> str:
    """A copy of ``text`` with a figure changed now and then; a syndicated copy also loses a paragraph."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    if syndicated and len(paragraphs) > 2:
        del paragraphs[rng.randrange(1, len(paragraphs))]
    edited = "\n\n".join(paragraphs)
    numbers = list(_NUMBER.finditer(edited))
    if numbers and rng.random() < 0.4:
        number = rng.choice(numbers)
        changed = str(int(number.group(0)) + rng.randint(1, 9))
        edited = edited[: number.start()] + changed + edited[number.end() :]
    return edited


def generate_stories(count: int, sources: int, *, seed: int = 0) -> Iterator[Story]:
    """``count`` different stories of ``sources`` documents each, made one at a time."""
    bases = base_stories()
    rng = random.Random(seed)
    for number in range(count):
        base = bases[number % len(bases)]
        names = list(base)
        documents = []
        for position in range(sources):
            original = names[position] if position < len(names) else None
            text = base[original] if original else base[names[0]]
            name = original or f"syndicated{position}"
            documents.append(
                Document(
                    id=f"s{number:04d}-{name}",
                    text=_edit(text, rng, syndicated=original is None),
                )
            )
        yield Story(id=f"story{number:04d}", documents=documents)


@dataclass
class Measurement:
    """One batch against the simulator."""

    stories: int
    failures: int
    wall: float
    stats: SimStats
    bound: float
    cpu: float | None = None
    """With ``--cli``: CPU seconds (user + system) of the ``veracity run`` process."""

    @property
    def ratio(self) -> float:
        """Wall time over the lower bound."""
        return self.wall / self.bound if self.bound else float("inf")


async def measure(
    *,
    stories: int,
    sources: int,
    concurrency: int,
    config: SimConfig,
    story_concurrency: int | None = None,
    seed: int = 0,
    in_process: bool = False,
) -> Measurement:
    """Run one batch through the full LLM pipeline against a fresh simulator.

    :param in_process: serve the simulator from a thread of this process
        rather than a process of its own (it then competes for the GIL).
    """
    with SimEndpoint(config) if in_process else SimProcess(config) as endpoint:
        client = LLMClient(
            LLMSettings(
                base_url=endpoint.url, model=MODEL, cache_enabled=False, concurrency=concurrency
            )
        )
        settings = Settings(story_concurrency=story_concurrency)
        pipeline = Pipeline(settings, llm=client, load_entry_points=False)
        failures = 0
        started = time.perf_counter()
        try:
            async for result in pipeline.arun_stories(
                generate_stories(stories, sources, seed=seed)
            ):
                if isinstance(result, StoryFailure):
                    failures += 1
                    print(f"  failed: {result.story_id}: {result.error}", file=sys.stderr)
        finally:
            wall = time.perf_counter() - started
            await client.aclose()
        stats = endpoint.stats()
    mean_service = stats.service_seconds / stats.answered if stats.answered else config.latency
    bound = max(DEPTH * mean_service, stats.service_seconds / concurrency)
    return Measurement(stories=stories, failures=failures, wall=wall, stats=stats, bound=bound)


def write_stories_jsonl(path: Path, stories: Iterator[Story]) -> int:
    """Write the stories as JSON Lines (one document per line, with its ``story`` and ``id``);
    returns how many stories were written."""
    count = 0
    with path.open("w", encoding="utf-8") as stream:
        for story in stories:
            count += 1
            for document in story.documents:
                line = {"story": story.id, "id": document.id, "text": document.text}
                stream.write(json.dumps(line, ensure_ascii=False) + "\n")
    return count


def cli_command(
    stories_file: Path, out: Path, *, url: str, concurrency: int, story_concurrency: int | None
) -> list[str]:
    """The ``veracity run`` command line of the end-to-end case."""
    command = [sys.executable, "-m", "veracity", "run", str(stories_file), "--out", str(out)]
    command += ["-f", "json", "--base-url", url, "--model", MODEL, "--no-cache"]
    command += ["--concurrency", str(concurrency)]
    if story_concurrency is not None:
        command += ["--story-concurrency", str(story_concurrency)]
    return command


def measure_cli(
    *,
    stories: int,
    sources: int,
    concurrency: int,
    config: SimConfig,
    story_concurrency: int | None = None,
    seed: int = 0,
    keep: Path | None = None,
) -> Measurement:
    """Run one batch end to end: ``veracity run`` as a process, from its start to its exit.

    :param keep: a directory to leave the reports in (to compare two versions' reports).
    """
    with tempfile.TemporaryDirectory(prefix="llm-bench-") as scratch:
        stories_file = Path(scratch) / "stories.jsonl"
        write_stories_jsonl(stories_file, generate_stories(stories, sources, seed=seed))
        out = keep if keep is not None else Path(scratch) / "out"
        with SimProcess(config) as endpoint:
            command = cli_command(
                stories_file,
                out,
                url=endpoint.url,
                concurrency=concurrency,
                story_concurrency=story_concurrency,
            )
            # The user's environment, minus the response cache's location and any endpoint
            # settings it may hold: the command line says everything.
            env = {
                key: value
                for key, value in os.environ.items()
                if not key.startswith(("VERACITY_", "OPENAI_"))
            }
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            finished = subprocess.run(command, env=env, capture_output=True, text=True)
            wall = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            # Only the command has been waited for: the simulator still runs.
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            stats = endpoint.stats()
        if finished.returncode not in (0, 1):  # 1: findings, as a gate would read them
            raise RuntimeError(
                f"veracity run exited {finished.returncode}: {finished.stderr.strip()[-2000:]}"
            )
        entries = [
            json.loads(line)
            for line in (out / "run.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        written = [
            entry
            for entry in entries
            if entry["status"] == "done" and all((out / name).is_file() for name in entry["files"])
        ]
        failures = stories - len(written)
    mean_service = stats.service_seconds / stats.answered if stats.answered else config.latency
    bound = max(DEPTH * mean_service, stats.service_seconds / concurrency)
    return Measurement(
        stories=stories, failures=failures, wall=wall, stats=stats, bound=bound, cpu=cpu
    )


def main(argv: list[str] | None = None) -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stories", type=int, default=50)
    parser.add_argument("--sources", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.2, help="seconds per answer")
    parser.add_argument(
        "--distribution", choices=("fixed", "uniform", "lognormal"), default="fixed"
    )
    parser.add_argument("--concurrency", type=int, default=16, help="the client's limit")
    parser.add_argument(
        "--story-concurrency", type=int, help="stories in flight (default: the pipeline's choice)"
    )
    parser.add_argument(
        "--server-limit", type=int, help="the simulator answers 429 above this many in flight"
    )
    parser.add_argument("--repeat", type=int, default=3, help="batches; medians are printed")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--cli",
        action="store_true",
        help="end to end: 'veracity run STORIES --out DIR -f json' as a process, start to exit",
    )
    parser.add_argument(
        "--keep", type=Path, help="with --cli: write the reports here (the last run's)"
    )
    args = parser.parse_args(argv)
    if args.keep is not None and args.keep.exists():
        parser.error(f"--keep {args.keep}: already exists; name a new directory")
    config = SimConfig(
        latency=args.latency,
        distribution=args.distribution,
        seed=args.seed,
        max_concurrency=args.server_limit,
    )
    print(
        f"LLM bench: {args.stories} stories x {args.sources} sources, latency {args.latency * 1000:g} ms "
        f"({args.distribution}), client concurrency {args.concurrency}, depth {DEPTH}"
        + (", end to end (veracity run as a process)" if args.cli else "")
    )
    runs = []
    for number in range(args.repeat):
        if args.cli:
            keep = None
            if args.keep is not None and number == args.repeat - 1:
                keep = args.keep
            run = measure_cli(
                stories=args.stories,
                sources=args.sources,
                concurrency=args.concurrency,
                config=config,
                story_concurrency=args.story_concurrency,
                seed=args.seed,
                keep=keep,
            )
        else:
            run = asyncio.run(
                measure(
                    stories=args.stories,
                    sources=args.sources,
                    concurrency=args.concurrency,
                    config=config,
                    story_concurrency=args.story_concurrency,
                    seed=args.seed,
                )
            )
        runs.append(run)
        stats = run.stats
        print(
            f"  run: wall {run.wall:.2f} s, bound {run.bound:.2f} s, ratio {run.ratio:.3f}, "
            f"{stats.answered} calls, max in flight {stats.max_concurrency}, "
            f"429s {stats.rate_limited}, failures {run.failures}"
            + (f", CPU {run.cpu:.2f} s" if run.cpu is not None else "")
        )
    first = runs[0].stats
    per_story = args.stories
    stages = ", ".join(
        f"{stage} {calls / per_story:.2f}" for stage, calls in sorted(first.by_stage.items())
    )
    print(f"calls per story: {first.answered / per_story:.2f} ({stages})")
    print(
        f"tokens per story: {first.prompt_tokens / per_story:.0f} prompt + "
        f"{first.completion_tokens / per_story:.0f} completion"
    )
    print(f"wall time (median of {len(runs)}): {statistics.median(r.wall for r in runs):.2f} s")
    print(f"lower bound: {statistics.median(r.bound for r in runs):.2f} s")
    print(f"wall / lower bound (median): {statistics.median(r.ratio for r in runs):.3f}")


if __name__ == "__main__":
    main()
