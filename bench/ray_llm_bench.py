"""The LLM path on a two-node Ray cluster: one request limit, a node lost mid-run, a free re-run.

The bench starts a local cluster of two nodes on 127.0.0.1 (``ray start --head`` and
``ray start --address``, one CPU each, a temporary directory and free ports of their
own), serves ``sim_endpoint.py`` in a process of its own (200 ms a call, 429 above 16
in flight), and runs N stories of k sources (``llm_bench.generate_stories``) with
``--executor ray --ray-address 127.0.0.1:PORT``:

1. through the Python API, connected to the cluster beforehand (the twin of the
   command line's options), after one story alone (the start-up of a run): wall time against the lower bound of ``llm_bench.py``
   (``max(depth × latency, calls × latency / concurrency)``), calls, the most requests
   the endpoint ever had in flight, 429s;
2. through ``veracity run DIR --out OUT --cache FILE``: the same, end to end (a new
   Python, Ray's connection, the report files), then the same command again, whose
   calls should be 0 (the cluster's runners read the driver's cache);
3. the same command while the worker node is stopped (its process group gets
   SIGTERM, as ``ray stop`` sends, once a few stories are written): every story must
   be in run.jsonl exactly once, and a second run must make 0 calls.

The nodes are stopped at the end, also on error (and with the bench, should it be
killed: PR_SET_PDEATHSIG). Other Ray clusters on the machine are left alone.

    .venv/bin/python bench/ray_llm_bench.py                        # 50 × 3 sources, 200 ms, C=16
    .venv/bin/python bench/ray_llm_bench.py --stories 20 --repeat 1 --skip-kill
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from llm_bench import DEPTH, generate_stories
from sim_endpoint import MODEL, SimConfig, SimProcess, SimStats

from veracity import Pipeline, Settings, Story
from veracity.llm import LLMClient, LLMSettings

RAY = str(Path(sys.executable).parent / "ray")
ENVIRONMENT = {
    **os.environ,
    "RAY_USAGE_STATS_ENABLED": "0",
    # Ray 2.5x turns token authentication on by default; this cluster is local to the bench.
    "RAY_AUTH_MODE": "disabled",
    "VERACITY_LOAD_PLUGINS": "",
}
ENVIRONMENT.pop("RAY_ADDRESS", None)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _die_with_parent() -> None:
    """Linux: a node's ``ray start`` gets SIGTERM (and stops its node) if the bench dies."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class TwoNodeCluster:
    """A head and a worker node on 127.0.0.1, each ``ray start --block`` in a session of its own.

    :param head_cpus: CPUs the head node offers.
    :param worker_cpus: CPUs the worker node offers; None for a cluster of the head alone.
    """

    def __init__(self, head_cpus: int = 1, worker_cpus: int | None = 1) -> None:
        self.head_cpus = head_cpus
        self.worker_cpus = worker_cpus
        self.port = _free_port()
        self.address = f"127.0.0.1:{self.port}"
        # Short: Ray's socket paths live under it and a Unix socket path is at most 107 bytes.
        self.temp_dir = tempfile.mkdtemp(prefix="vr-", dir="/tmp")
        self.head: subprocess.Popen[bytes] | None = None
        self.worker: subprocess.Popen[bytes] | None = None

    def start(self) -> TwoNodeCluster:
        """Start both nodes; returns once the cluster has two nodes alive."""
        common = ["--block", "--node-ip-address=127.0.0.1", "--disable-usage-stats"]
        head = [RAY, "start", "--head", f"--port={self.port}", "--include-dashboard=false"]
        self.head = self._node(
            [*head, f"--temp-dir={self.temp_dir}", f"--num-cpus={self.head_cpus}", *common]
        )
        self.wait_for_nodes(1)
        if self.worker_cpus is not None:
            worker = [RAY, "start", f"--address={self.address}", f"--num-cpus={self.worker_cpus}"]
            self.worker = self._node([*worker, *common])
            self.wait_for_nodes(2)
        return self

    def _node(self, command: list[str]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            command,
            env=ENVIRONMENT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # the node's processes are a group we can end
            preexec_fn=_die_with_parent,
        )

    def alive_nodes(self) -> int | None:
        """How many nodes the cluster reports alive (a fresh driver asks); None if unreachable."""
        script = (
            "import ray, sys; ray.init(address=sys.argv[1], log_to_driver=False); "
            "print(sum(node['Alive'] for node in ray.nodes()))"
        )
        probe = subprocess.run(
            [sys.executable, "-c", script, self.address],
            env=ENVIRONMENT,
            capture_output=True,
            text=True,
        )
        lines = probe.stdout.strip().splitlines()
        return int(lines[-1]) if probe.returncode == 0 and lines else None

    def wait_for_nodes(self, count: int, timeout: float = 180) -> None:
        """Wait until ``count`` nodes are alive."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.alive_nodes() == count:
                return
            time.sleep(1)
        raise RuntimeError(f"the Ray cluster at {self.address} did not reach {count} nodes")

    def stop_worker(self) -> None:
        """Stop the worker node as ``ray stop`` would: SIGTERM, then SIGKILL after 10 s."""
        self._stop(self.worker)
        self.worker = None

    def stop(self) -> None:
        """Stop both nodes and remove the temporary directory."""
        self._stop(self.worker)
        self._stop(self.head)
        self.worker = self.head = None
        shutil.rmtree(self.temp_dir, ignore_errors=True)

    @staticmethod
    def _stop(node: subprocess.Popen[bytes] | None) -> None:
        if node is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(node.pid, signal.SIGTERM)
        try:
            node.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(node.pid, signal.SIGKILL)
            node.wait()
        # The node's other processes (raylet, workers) share its group: make sure they end.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(node.pid, signal.SIGKILL)

    def __enter__(self) -> TwoNodeCluster:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()


def write_batch(stories: list[Story], root: Path) -> Path:
    """The stories as a batch directory: a folder per story, a .txt per source."""
    batch = root / "batch"
    for story in stories:
        folder = batch / story.id
        folder.mkdir(parents=True)
        for document in story.documents:
            (folder / f"{document.id}.txt").write_text(document.text, encoding="utf-8")
    return batch


def reset(endpoint: SimProcess) -> None:
    """Zero the simulator's counters."""
    httpx.post(
        endpoint.url.removesuffix("/v1") + "/stats/reset", trust_env=False
    ).raise_for_status()


def lower_bound(stats: SimStats, latency: float, concurrency: int) -> float:
    """``llm_bench.py``'s bound: the rounds of one story, or the calls through the limit."""
    mean = stats.service_seconds / stats.answered if stats.answered else latency
    return max(DEPTH * mean, stats.service_seconds / concurrency)


@dataclass
class Run:
    """One run against the simulator."""

    wall: float
    stats: SimStats
    failures: int
    bound: float

    def line(self, label: str) -> str:
        ratio = self.wall / self.bound if self.bound else float("inf")
        return (
            f"  {label}: wall {self.wall:.2f} s, bound {self.bound:.2f} s, ratio {ratio:.3f}, "
            f"{self.stats.calls} calls, max in flight {self.stats.max_concurrency}, "
            f"429s {self.stats.rate_limited}, failures {self.failures}"
        )


def api_run(
    cluster: TwoNodeCluster, endpoint: SimProcess, stories: list[Story], concurrency: int
) -> Run:
    """The stories through ``Pipeline.run`` with ``executor="ray"``, cache off."""
    reset(endpoint)
    settings = LLMSettings(
        base_url=endpoint.url, model=MODEL, concurrency=concurrency, cache_enabled=False
    )
    with LLMClient(settings) as client:
        pipeline = Pipeline(
            Settings(executor="ray", ray_address=cluster.address),
            llm=client,
            load_entry_points=False,
        )
        started = time.perf_counter()
        report = pipeline.run(stories)
        wall = time.perf_counter() - started
    stats = endpoint.stats()
    failures = len(report.failures)
    for failure in report.failures:
        print(f"    failed: {failure.story_id}: {failure.error}", file=sys.stderr)
    return Run(wall, stats, failures, lower_bound(stats, endpoint.config.latency, concurrency))


def cli_command(
    cluster: TwoNodeCluster, endpoint: SimProcess, batch: Path, out: Path, cache: Path, c: int
) -> list[str]:
    """``veracity run`` of the batch on the cluster, with the simulator and a cache file."""
    return [
        sys.executable,
        "-m",
        "veracity",
        "run",
        str(batch),
        "--out",
        str(out),
        "--base-url",
        endpoint.url,
        "--model",
        MODEL,
        "--concurrency",
        str(c),
        "--cache",
        str(cache),
        "--executor",
        "ray",
        "--ray-address",
        cluster.address,
        "-q",
    ]


def written(out: Path, status: str | None = None) -> list[str]:
    """The story ids of run.jsonl, in the order written; only those of ``status`` if given."""
    index = out / "run.jsonl"
    if not index.exists():
        return []
    entries = [json.loads(line) for line in index.read_text(encoding="utf-8").splitlines()]
    return [entry["story_id"] for entry in entries if status in (None, entry["status"])]


def cli_run(
    cluster: TwoNodeCluster,
    endpoint: SimProcess,
    command: list[str],
    out: Path,
    *,
    concurrency: int,
    stop_worker_after: int | None = None,
) -> tuple[Run, int, int | None]:
    """Run ``command``; with ``stop_worker_after``, stop the worker node once that many
    stories are written. Returns the run, the command's exit code and how many stories
    were written when the node was stopped."""
    reset(endpoint)
    stopped_at = None
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=ENVIRONMENT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    if stop_worker_after is not None:
        while process.poll() is None and len(written(out)) < stop_worker_after:
            time.sleep(0.05)
        stopped_at = len(written(out))
        print(f"    stopping the worker node after {stopped_at} stories were written")
        cluster.stop_worker()
    _, stderr = process.communicate()
    wall = time.perf_counter() - started
    if process.returncode != 0:
        print(f"    exit {process.returncode}: {stderr.strip()[-2000:]}", file=sys.stderr)
    stats = endpoint.stats()
    run = Run(wall, stats, 0, lower_bound(stats, endpoint.config.latency, concurrency))
    return run, process.returncode, stopped_at


def degraded(out: Path) -> str:
    """How many written reports record an LLM call that failed (the offline engine stood in)."""
    failures: dict[str, int] = {}
    reports = 0
    for path in out.glob("*.json"):
        report = json.loads(path.read_text(encoding="utf-8"))
        for story in report.get("stories", [report]):
            reports += 1
            for failure in story.get("llm_failures", []):
                failures[failure] = failures.get(failure, 0) + 1
    return f"{reports} reports, LLM failures: {failures or 'none'}"


def check_index(out: Path, stories: list[Story]) -> str:
    """Whether run.jsonl lists every story exactly once."""
    ids = written(out)
    twice = sorted({story for story in ids if ids.count(story) > 1})
    missing = sorted({story.id for story in stories} - set(ids))
    failed = written(out, "failed")
    verdict = "ok" if not twice and not missing and not failed else "WRONG"
    return (
        f"run.jsonl: {len(ids)} lines, {len(twice)} written twice, {len(missing)} missing, "
        f"{len(failed)} failed: {verdict}"
    )


def main(argv: list[str] | None = None) -> None:
    """Start the cluster, measure, print, stop the cluster."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stories", type=int, default=50)
    parser.add_argument("--sources", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.2, help="seconds per answer")
    parser.add_argument("--concurrency", type=int, default=16, help="--concurrency of the run")
    parser.add_argument("--repeat", type=int, default=3, help="API runs; medians are printed")
    parser.add_argument("--stop-worker-after", type=int, default=10, help="stories written")
    parser.add_argument("--skip-kill", action="store_true", help="no stopped-node case")
    args = parser.parse_args(argv)
    stories = list(generate_stories(args.stories, args.sources))
    config = SimConfig(latency=args.latency, max_concurrency=args.concurrency)
    print(
        f"Ray LLM bench: {args.stories} stories x {args.sources} sources, latency "
        f"{args.latency * 1000:g} ms, --concurrency {args.concurrency} (the simulator answers 429 "
        f"above {args.concurrency} in flight), two nodes of one CPU; load average "
        f"{' '.join(f'{load:.2f}' for load in os.getloadavg())}"
    )
    import ray

    with (
        tempfile.TemporaryDirectory(prefix="veracity-ray-bench-") as scratch,
        TwoNodeCluster() as cluster,
        SimProcess(config) as endpoint,
    ):
        root = Path(scratch)
        batch = write_batch(stories, root)
        print(f"cluster at {cluster.address} ({cluster.alive_nodes()} nodes)")
        ray.init(address=cluster.address, log_to_driver=False)
        try:
            # One story: what every run pays to start its actors, next to the story's own time.
            alone = api_run(cluster, endpoint, stories[:1], args.concurrency)
            runs = [
                api_run(cluster, endpoint, stories, args.concurrency) for _ in range(args.repeat)
            ]
        finally:
            ray.shutdown()
        print(
            f"  start-up: one story alone takes {alone.wall:.2f} s on the cluster "
            f"(its bound {alone.bound:.2f} s)"
        )
        for run in runs:
            print(run.line("API run"))
        print(
            f"API (median of {len(runs)}): wall {statistics.median(r.wall for r in runs):.2f} s, "
            f"bound {statistics.median(r.bound for r in runs):.2f} s, ratio "
            f"{statistics.median(r.wall / r.bound for r in runs):.3f}, "
            f"max in flight {max(r.stats.max_concurrency for r in runs)}"
        )

        cache = root / "cache.sqlite3"
        first, code, _ = cli_run(
            cluster,
            endpoint,
            cli_command(cluster, endpoint, batch, root / "out1", cache, args.concurrency),
            root / "out1",
            concurrency=args.concurrency,
        )
        print(first.line(f"CLI run (exit {code})"))
        print(f"    {check_index(root / 'out1', stories)}; {degraded(root / 'out1')}")
        again, code, _ = cli_run(
            cluster,
            endpoint,
            cli_command(cluster, endpoint, batch, root / "out2", cache, args.concurrency),
            root / "out2",
            concurrency=args.concurrency,
        )
        print(f"  CLI second run (exit {code}): wall {again.wall:.2f} s, {again.stats.calls} calls")

        if not args.skip_kill:
            cache = root / "cache-kill.sqlite3"
            command = cli_command(cluster, endpoint, batch, root / "out3", cache, args.concurrency)
            killed, code, _ = cli_run(
                cluster,
                endpoint,
                command,
                root / "out3",
                concurrency=args.concurrency,
                stop_worker_after=args.stop_worker_after,
            )
            print(killed.line(f"CLI run, worker node stopped (exit {code})"))
            print(f"    {check_index(root / 'out3', stories)}; {degraded(root / 'out3')}")
            command = cli_command(cluster, endpoint, batch, root / "out4", cache, args.concurrency)
            again, code, _ = cli_run(
                cluster, endpoint, command, root / "out4", concurrency=args.concurrency
            )
            print(
                f"  CLI second run on the head alone (exit {code}): wall {again.wall:.2f} s, "
                f"{again.stats.calls} calls"
            )
    print(f"load average after: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")


if __name__ == "__main__":
    main()
