"""Every executor (inline, a process pool, Ray) writes the same reports with the same guarantees.

The process pool's tests always run; Ray's skip when Ray is not installed (``pip install
'veracity[ray]'``; CI installs it). Ray runs as a local cluster on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from executor_plugins import KillsItsWorker, Marker, Unpicklable
from support import SEEDS, load_bench_module

from veracity import ConfigurationError, Pipeline, RunReport, Settings
from veracity.cli import rendered
from veracity.cli.main import main
from veracity.cli.output import INDEX_NAME
from veracity.llm import LLMClient, LLMSettings

DAM = "The dam on the Kora river opened on Tuesday after three years of delays, officials said."
DAM_COPY = "The dam on the Kora river opened on Tuesday, three years late, officials said."
# The timings of each stage are the one thing allowed to differ between two runs.
TIMINGS = re.compile(r'"timings": \{[^}]*\}')


def make_batch(root: Path, stories: int) -> Path:
    """``stories`` story directories, half of them with a contradiction, plus the seeds."""
    batch = root / "batch"
    for number in range(stories):
        story = batch / f"story-{number:03d}"
        story.mkdir(parents=True)
        other = number + 10 + number % 2
        (story / "a.txt").write_text(
            f"{DAM} It cost {number + 10} million euros.", encoding="utf-8"
        )
        (story / "b.txt").write_text(f"{DAM_COPY} It cost {other} million euros.", encoding="utf-8")
    shutil.copytree(SEEDS, batch / "seeds")
    return batch


def reports(out: Path) -> dict[str, str]:
    """Every report file of a batch directory, timings blanked."""
    return {
        path.name: TIMINGS.sub('"timings": {}', path.read_text(encoding="utf-8"))
        for path in sorted(out.iterdir())
        if path.name != INDEX_NAME
    }


def index(out: Path) -> list[dict[str, object]]:
    return [
        json.loads(line) for line in (out / INDEX_NAME).read_text(encoding="utf-8").splitlines()
    ]


def run_cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["run", *args])
    return result.exit_code, result.stderr


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_batch(tmp_path_factory.mktemp("executors"), 6)


@pytest.fixture(scope="module")
def inline_reports(batch: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("inline") / "out"
    code, stderr = run_cli(
        str(batch), "--out", str(out), "-f", "json", "-f", "md", "--executor", "inline"
    )
    assert code == 0, stderr
    return out


# -- processes ---------------------------------------------------------------------------------


def test_processes_write_the_same_reports_as_inline(
    batch: Path, inline_reports: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    code, stderr = run_cli(
        str(batch),
        "--out",
        str(out),
        "-f",
        "json",
        "-f",
        "md",
        "--executor",
        "processes",
        "--workers",
        "2",
    )
    assert code == 0, stderr
    assert reports(out) == reports(inline_reports)
    assert len(reports(out)) == 2 * 7
    # One line per story in run.jsonl, each story once.
    ids = [entry["story_id"] for entry in index(out)]
    assert sorted(ids) == sorted({*ids}) and len(ids) == 7


def test_an_offline_batch_runs_on_processes_by_default(
    batch: Path, inline_reports: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    code, stderr = run_cli(str(batch), "--out", str(out), "-f", "json", "-f", "md", "-v")
    assert code == 0, stderr
    assert reports(out) == reports(inline_reports)
    # The stages each worker went through reach the driver's progress display.
    assert "story-003: cross_check" in stderr and "[7/7]" in stderr


def test_a_run_resumed_with_another_executor_skips_the_finished_stories(
    batch: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert run_cli(str(batch), "--out", str(out), "--executor", "inline")[0] == 0
    code, stderr = run_cli(str(batch), "--out", str(out), "--executor", "processes")
    assert code == 0, stderr
    assert stderr.count("already done, skipped") == 7
    assert len(index(out)) == 7


def test_fail_on_gives_the_same_exit_code_on_processes(batch: Path) -> None:
    for executor in ("inline", "processes"):
        code, stderr = run_cli(str(batch), "--fail-on", "number", "-q", "--executor", executor)
        assert code == 1, (executor, stderr)


def test_api_plugin_objects_run_in_the_workers(batch: Path) -> None:
    settings = Settings(executor="processes", workers=2)
    report = Pipeline(settings, plugins=[Marker("seen")], load_entry_points=False).run([batch])
    assert not report.failures
    assert len(report.stories) == 7
    for story in report.stories:
        assert [w.message for w in story.warnings if w.plugin is None] == [f"seen {story.story.id}"]


def test_an_unpicklable_plugin_object_is_a_clear_error(batch: Path) -> None:
    pipeline = Pipeline(
        Settings(executor="processes", workers=2), plugins=[Unpicklable()], load_entry_points=False
    )
    with pytest.raises(
        ConfigurationError, match=r"plugin 'Unpicklable' .*cannot be pickled.*inline"
    ):
        pipeline.run([batch])


def test_a_story_whose_worker_dies_runs_again(batch: Path, tmp_path: Path) -> None:
    marker = tmp_path / "killed"
    plugin = KillsItsWorker("story-002", marker)
    pipeline = Pipeline(
        Settings(executor="processes", workers=2), plugins=[plugin], load_entry_points=False
    )
    report = pipeline.run([batch])
    assert marker.exists(), "the worker should have been killed once"
    assert not report.failures
    assert sorted(story.story.id for story in report.stories) == sorted(
        [*(f"story-{n:03d}" for n in range(6)), "seeds"]
    )


def test_a_story_that_cannot_be_read_on_processes_fails_alone_with_one_line(
    batch: Path, tmp_path: Path
) -> None:
    stories = tmp_path / "stories"
    shutil.copytree(batch, stories)
    (stories / "scan").mkdir()
    (stories / "scan" / "front-page.pdf").write_bytes(b"%PDF-1.4 not an article")
    out = tmp_path / "out"
    code, stderr = run_cli(str(stories), "--out", str(out), "--executor", "processes")
    assert code == 2, stderr
    assert "scan: " in stderr and "no loader reads .pdf" in stderr
    failed = [entry for entry in index(out) if entry["status"] == "failed"]
    assert [entry["story_id"] for entry in failed] == ["scan"]
    assert len(reports(out)) == 7


def test_a_file_left_out_of_a_story_on_processes_is_told_and_the_story_goes_on(
    batch: Path, tmp_path: Path
) -> None:
    stories = tmp_path / "stories"
    shutil.copytree(batch, stories)
    (stories / "story-001" / "c.pdf").write_bytes(b"%PDF-1.4 not an article")
    out = tmp_path / "out"
    code, stderr = run_cli(str(stories), "--out", str(out), "--executor", "processes", "-q")
    assert code == 2, stderr
    assert stderr.count("no loader reads .pdf") == 1
    assert next(line for line in stderr.splitlines() if "c.pdf" in line).startswith("error ")
    assert all(entry["status"] == "done" for entry in index(out))
    assert "story-001.json" in reports(out)


def test_the_driver_neither_reads_nor_renders_the_stories_on_processes(
    batch: Path, inline_reports: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # This test's process is the driver; the workers fork from a fresh fork server, so
    # these counters see only what the driver itself does.
    calls: list[str] = []
    load_documents = Pipeline.load_documents
    render_report = rendered.render_report

    def reading(self: Pipeline, path: Path, context: object = None) -> object:
        calls.append(f"read {path}")
        return load_documents(self, path, context)  # type: ignore[arg-type]

    def rendering(pipeline: Pipeline, report: RunReport, format_name: str) -> str:
        calls.append(f"rendered {report.stories[0].story.id}")
        return render_report(pipeline, report, format_name)

    monkeypatch.setattr(Pipeline, "load_documents", reading)
    monkeypatch.setattr(rendered, "render_report", rendering)
    out = tmp_path / "out"
    command = [str(batch), "--out", str(out), "-f", "json", "-f", "md"]
    code, stderr = run_cli(*command, "--executor", "processes", "--workers", "2")
    assert code == 0, stderr
    assert calls == []
    assert reports(out) == reports(inline_reports)


def test_inline_reads_and_renders_in_this_process(
    batch: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The counterpart of the test above: the counters do see the work done here.
    calls: list[str] = []
    render_report = rendered.render_report

    def rendering(pipeline: Pipeline, report: RunReport, format_name: str) -> str:
        calls.append(report.stories[0].story.id)
        return render_report(pipeline, report, format_name)

    monkeypatch.setattr(rendered, "render_report", rendering)
    code, stderr = run_cli(str(batch), "--out", str(tmp_path / "out"), "--executor", "inline")
    assert code == 0, stderr
    assert sorted(calls) == sorted([*(f"story-{n:03d}" for n in range(6)), "seeds"])


def test_a_changed_story_runs_again_on_processes_and_the_others_are_skipped(
    batch: Path, tmp_path: Path
) -> None:
    stories = tmp_path / "stories"
    shutil.copytree(batch, stories)
    out = tmp_path / "out"
    assert run_cli(str(stories), "--out", str(out), "--executor", "processes")[0] == 0
    (stories / "story-004" / "b.txt").write_text(f"{DAM_COPY} It cost 99 million euros.")
    code, stderr = run_cli(str(stories), "--out", str(out), "--executor", "processes")
    assert code == 0, stderr
    assert stderr.count("already done, skipped") == 6
    assert "99 million" in (out / "story-004.json").read_text(encoding="utf-8")
    assert [entry["story_id"] for entry in index(out)][-1] == "story-004"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_stops_the_workers_and_keeps_finished_stories(tmp_path: Path) -> None:
    batch = make_batch(tmp_path, 60)
    out = tmp_path / "out"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "veracity",
            "run",
            str(batch),
            "--out",
            str(out),
            "--executor",
            "processes",
            "--workers",
            "2",
        ],
        env={**os.environ, "VERACITY_LOAD_PLUGINS": ""},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while (
        process.poll() is None
        and time.monotonic() < deadline
        and not ((out / INDEX_NAME).exists() and len(index(out)) >= 3)
    ):
        time.sleep(0.005)
    workers = _children(process.pid)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr
    finished = index(out)
    assert len(finished) < 61
    for entry in finished:
        assert (out / f"{entry['story_id']}.json").exists()
    time.sleep(0.5)
    assert not [pid for pid in workers if _alive(pid)], "workers outlived the run"


def _children(pid: int) -> list[int]:
    """Every descendant of ``pid`` (Linux /proc)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in task.read_text().split():
            found += [int(child), *_children(int(child))]
    return found


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "State:\tZ" not in status


# -- Ray -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[object]:
    ray = pytest.importorskip("ray", reason="Ray is an optional extra: pip install 'veracity[ray]'")
    # The test plugins (tests/executor_plugins.py) must be importable by Ray's workers too.
    tests = str(Path(__file__).parent)
    ray.init(
        address="local",  # a cluster of its own, never one another process runs here
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        _node_ip_address="127.0.0.1",
        runtime_env={"env_vars": {"PYTHONPATH": tests}},
    )
    try:
        yield ray
    finally:
        ray.shutdown()


def test_ray_writes_the_same_reports_as_inline(
    ray_cluster: object, batch: Path, inline_reports: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    code, stderr = run_cli(
        str(batch), "--out", str(out), "-f", "json", "-f", "md", "--executor", "ray", "-v"
    )
    assert code == 0, stderr
    assert reports(out) == reports(inline_reports)
    assert len(index(out)) == 7
    assert "story-003: cross_check" in stderr


def test_a_ray_task_whose_worker_dies_is_retried(
    ray_cluster: object, batch: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "killed"
    pipeline = Pipeline(
        Settings(executor="ray"),
        plugins=[KillsItsWorker("story-004", marker)],
        load_entry_points=False,
    )
    report = pipeline.run([batch])
    assert marker.exists(), "the Ray worker should have been killed once"
    assert not report.failures
    assert len(report.stories) == 7


def _llm_settings(url: str, tmp_path: Path, *, concurrency: int, cache: bool) -> LLMSettings:
    sim = load_bench_module("sim_endpoint")
    return LLMSettings(
        base_url=url,
        model=sim.MODEL,
        concurrency=concurrency,
        cache_enabled=cache,
        cache_path=tmp_path / "cache.sqlite3",
        backoff_initial=0.01,
        backoff_max=0.05,
    )


def _run_on_ray(settings: LLMSettings, stories: list[object]) -> RunReport:
    with LLMClient(settings) as client:
        pipeline = Pipeline(Settings(executor="ray"), llm=client, load_entry_points=False)
        return pipeline.run(stories)  # type: ignore[arg-type]


def test_an_llm_run_on_ray_keeps_one_request_limit_for_every_runner(
    ray_cluster: object, tmp_path: Path
) -> None:
    sim = load_bench_module("sim_endpoint")
    stories = list(load_bench_module("llm_bench").generate_stories(8, 3))
    with sim.SimProcess(sim.SimConfig(latency=0.05)) as endpoint:
        settings = _llm_settings(endpoint.url, tmp_path, concurrency=3, cache=False)
        with LLMClient(settings) as client:
            inline = Pipeline(Settings(), llm=client, load_entry_points=False).run(stories)
        endpoint_calls = endpoint.stats().answered
    with sim.SimProcess(sim.SimConfig(latency=0.05)) as endpoint:
        # Two runners (two CPUs), each with a client allowed 3: only the cluster's limiter
        # keeps the run at 3 in flight.
        spread = _run_on_ray(settings.model_copy(update={"base_url": endpoint.url}), stories)
        seen = endpoint.stats()
    assert not spread.failures and len(spread.stories) == 8
    # All of the limit was used (a share each would have been 1 + 1), and never more.
    assert seen.max_concurrency == 3
    assert seen.answered == endpoint_calls == sum(story.usage.calls for story in spread.stories)

    def findings(report: RunReport) -> list[object]:
        return [story.model_dump(exclude={"timings"}) for story in report.stories]

    assert findings(spread) == findings(inline)


def test_a_429_seen_by_one_ray_runner_pauses_the_requests_of_every_runner(
    ray_cluster: Any,
) -> None:
    from veracity.llm.cluster import LimiterActor
    from veracity.pipeline.ray_support import SharedLimiter

    actor = ray_cluster.remote(LimiterActor).options(max_concurrency=100).remote(4)
    first, second = SharedLimiter(actor, "runner-a"), SharedLimiter(actor, "runner-b")

    async def wait_for_a_slot() -> float:
        first.rate_limited(0.5)
        started = time.monotonic()
        async with second.slot():
            return time.monotonic() - started

    waited = asyncio.run(wait_for_a_slot())
    assert waited >= 0.45
    # The limit of the whole run halved too, and the permit comes back (sent, not awaited).
    deadline = time.monotonic() + 10
    while (
        stats := ray_cluster.get(actor.stats.remote())
    ).in_flight and time.monotonic() < deadline:
        time.sleep(0.01)
    assert (stats.limit, stats.rate_limits, stats.in_flight) == (2, 1, 0)
    ray_cluster.kill(actor)


def test_the_cluster_actors_start_without_the_pipeline() -> None:
    """The limiter and cache actors of an LLM run on Ray import a light module: an actor's
    process does not load the pipeline, numpy or the HTTP client (every story of a run
    waits for the limiter's first answer)."""
    script = (
        "import sys\n"
        "from veracity.llm.cluster import CacheActor, LimiterActor\n"
        "heavy = [m for m in ('veracity.pipeline.runner', 'numpy', 'httpx', 'veracity.llm.client')"
        " if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    finished = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert finished.returncode == 0, finished.stderr


def test_the_permits_of_a_ray_runner_that_died_come_back(ray_cluster: Any) -> None:
    from veracity.llm.cluster import LimiterActor

    actor = ray_cluster.remote(LimiterActor).options(max_concurrency=100).remote(2)
    ray_cluster.get([actor.acquire.remote("dead"), actor.acquire.remote("dead")])
    waiting = actor.acquire.remote("alive")
    assert not ray_cluster.wait([waiting], timeout=0.3)[0], "the limit of 2 is taken"
    # After a grace: the server may still be answering the requests the dead runner sent.
    assert ray_cluster.get(actor.forget.remote("dead", 0.5)) == 2
    assert not ray_cluster.wait([waiting], timeout=0.2)[0], "given back before the grace"
    ray_cluster.get(waiting, timeout=10)
    assert ray_cluster.get(actor.stats.remote()).in_flight == 1
    ray_cluster.kill(actor)


def test_an_llm_run_on_ray_rides_out_a_429_storm(ray_cluster: object, tmp_path: Path) -> None:
    sim = load_bench_module("sim_endpoint")
    stories = list(load_bench_module("llm_bench").generate_stories(6, 3))
    # The server takes 2 at a time and asks the rest to come back in 0.2 s.
    config = sim.SimConfig(latency=0.05, max_concurrency=2, retry_after=0.2)
    with sim.SimProcess(config) as endpoint:
        report = _run_on_ray(
            _llm_settings(endpoint.url, tmp_path, concurrency=6, cache=False), stories
        )
        seen = endpoint.stats()
    assert not report.failures and len(report.stories) == 6
    assert seen.rate_limited >= 1
    # Every 429 was waited out and sent again: none cost a story.
    assert sum(story.usage.retries for story in report.stories) == seen.rate_limited


def test_the_stories_of_a_ray_runner_that_dies_run_again_on_the_others(
    ray_cluster: object, tmp_path: Path
) -> None:
    sim = load_bench_module("sim_endpoint")
    stories = list(load_bench_module("llm_bench").generate_stories(6, 3))
    marker = tmp_path / "killed"
    with sim.SimProcess(sim.SimConfig(latency=0.05)) as endpoint:
        settings = _llm_settings(endpoint.url, tmp_path, concurrency=4, cache=False)
        with LLMClient(settings) as client:
            pipeline = Pipeline(
                Settings(executor="ray"),
                llm=client,
                plugins=[KillsItsWorker("story0003", marker)],
                load_entry_points=False,
            )
            report = pipeline.run(stories)
    assert marker.exists(), "the runner should have been killed once"
    assert not report.failures
    assert [story.story.id for story in report.stories] == [story.id for story in stories]


def test_a_second_llm_run_on_ray_makes_no_http_call(ray_cluster: object, tmp_path: Path) -> None:
    sim = load_bench_module("sim_endpoint")
    stories = list(load_bench_module("llm_bench").generate_stories(4, 3))
    calls = []
    reports = []
    for _ in range(2):
        with sim.SimProcess(sim.SimConfig(latency=0.02)) as endpoint:
            settings = _llm_settings(endpoint.url, tmp_path, concurrency=4, cache=True)
            reports.append(_run_on_ray(settings, stories))
            calls.append(endpoint.stats().calls)
    first, second = reports
    assert calls[0] > 0 and calls[1] == 0
    assert not second.failures
    assert sum(story.usage.cache_hits for story in second.stories) == calls[0]
    assert [story.verdicts for story in second.stories] == [
        story.verdicts for story in first.stories
    ]


def test_ray_missing_is_a_clear_error(batch: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # As if Ray were not installed: the import fails.
    monkeypatch.setitem(sys.modules, "ray", None)
    code, stderr = run_cli(str(batch), "--executor", "ray", "-q")
    assert code == 2
    assert "pip install 'veracity[ray]'" in stderr


def _die_with_parent() -> None:
    """Linux: the ``ray start`` process gets SIGTERM (and stops its node) if pytest dies."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
def test_two_ray_nodes_write_the_same_reports_as_inline(
    batch: Path, inline_reports: Path, tmp_path: Path
) -> None:
    pytest.importorskip("ray", reason="Ray is an optional extra: pip install 'veracity[ray]'")
    ray_command = str(Path(sys.executable).parent / "ray")
    port = _free_port()
    address = f"127.0.0.1:{port}"
    environment = {
        **os.environ,
        "VERACITY_LOAD_PLUGINS": "",
        "RAY_USAGE_STATS_ENABLED": "0",
        # Ray 2.5x turns token authentication on by default; this cluster is local to the test.
        "RAY_AUTH_MODE": "disabled",
        "PYTHONPATH": str(Path(__file__).parent),
    }
    environment.pop("RAY_ADDRESS", None)
    common = ["--block", "--num-cpus=1", "--node-ip-address=127.0.0.1", "--disable-usage-stats"]
    nodes: list[subprocess.Popen[bytes]] = []
    try:
        head = [ray_command, "start", "--head", f"--port={port}", "--include-dashboard=false"]
        nodes.append(_start_node([*head, *common], environment))
        _wait_for_nodes(ray_command, address, 1, environment)
        nodes.append(
            _start_node([ray_command, "start", f"--address={address}", *common], environment)
        )
        _wait_for_nodes(ray_command, address, 2, environment)
        out = tmp_path / "out"
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "veracity",
                "run",
                str(batch),
                "--out",
                str(out),
                "-f",
                "json",
                "-f",
                "md",
                "--executor",
                "ray",
                "--ray-address",
                address,
            ],
            env=environment,
            capture_output=True,
            text=True,
            timeout=240,
        )
        assert run.returncode == 0, run.stderr
        assert reports(out) == reports(inline_reports)
        assert len(index(out)) == 7
    finally:
        for node in reversed(nodes):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(node.pid, signal.SIGTERM)
        for node in reversed(nodes):
            try:
                node.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(node.pid, signal.SIGKILL)
                node.wait()


@pytest.mark.slow
def test_an_llm_run_that_loses_a_ray_node_writes_every_story_once(tmp_path: Path) -> None:
    pytest.importorskip("ray", reason="Ray is an optional extra: pip install 'veracity[ray]'")
    sim = load_bench_module("sim_endpoint")
    stories = list(load_bench_module("llm_bench").generate_stories(20, 3))
    bench = load_bench_module("ray_llm_bench")  # after the two modules it imports
    batch = bench.write_batch(stories, tmp_path)
    cache = tmp_path / "cache.sqlite3"
    config = sim.SimConfig(latency=0.2, max_concurrency=8)
    with bench.TwoNodeCluster() as cluster, sim.SimProcess(config) as endpoint:
        out = tmp_path / "out"
        command = bench.cli_command(cluster, endpoint, batch, out, cache, 8)
        first, code, stopped_at = bench.cli_run(
            cluster, endpoint, command, out, concurrency=8, stop_worker_after=4
        )
        assert code == 0
        assert stopped_at is not None and stopped_at < 20, "the node should stop mid-run"
        # Every story written, each once, by the driver alone, and none failed.
        ids = bench.written(out)
        assert sorted(ids) == sorted(story.id for story in stories)
        assert bench.written(out, "done") == ids
        assert first.stats.calls > 0
        again_out = tmp_path / "again"
        command = bench.cli_command(cluster, endpoint, batch, again_out, cache, 8)
        again, code, _ = bench.cli_run(cluster, endpoint, command, again_out, concurrency=8)
        assert code == 0 and len(bench.written(again_out)) == 20
        # Answers of the stories the lost node was running were cached by the rerun.
        assert again.stats.calls == 0


def _start_node(command: list[str], environment: dict[str, str]) -> subprocess.Popen[bytes]:
    # A session of its own: the node's processes are a process group this test can end.
    return subprocess.Popen(
        command,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=_die_with_parent,  # only prctl: safe between fork and exec
    )


def _wait_for_nodes(
    ray_command: str, address: str, count: int, environment: dict[str, str]
) -> None:
    deadline = time.monotonic() + 120
    script = (
        "import ray, sys; ray.init(address=sys.argv[1], log_to_driver=False); "
        "print(sum(node['Alive'] for node in ray.nodes()))"
    )
    while time.monotonic() < deadline:
        probe = subprocess.run(
            [sys.executable, "-c", script, address], env=environment, capture_output=True, text=True
        )
        if probe.returncode == 0 and probe.stdout.strip().splitlines()[-1:] == [str(count)]:
            return
        time.sleep(1)
    pytest.fail(f"the Ray cluster at {address} did not reach {count} nodes")


def test_an_llm_run_on_processes_keeps_within_the_concurrency_and_answers_alike() -> None:
    sim = load_bench_module("sim_endpoint")
    llm_bench = load_bench_module("llm_bench")
    stories = list(llm_bench.generate_stories(6, 3))
    # The server in a process of its own: the workers' clients keep their connections open
    # until the workers exit, after this test.
    with sim.SimProcess(sim.SimConfig(latency=0.02)) as endpoint:
        settings = LLMSettings(
            base_url=endpoint.url, model=sim.MODEL, cache_enabled=False, concurrency=4
        )
        with LLMClient(settings) as client:
            inline = Pipeline(Settings(), llm=client, load_entry_points=False).run(stories)
    with sim.SimProcess(sim.SimConfig(latency=0.02)) as endpoint:
        settings = settings.model_copy(update={"base_url": endpoint.url})
        with LLMClient(settings) as client:
            pipeline = Pipeline(
                Settings(executor="processes", workers=2), llm=client, load_entry_points=False
            )
            spread = pipeline.run(stories)
        seen = endpoint.stats()
    assert not inline.failures and not spread.failures
    # Each worker has its own client with a share of the limit: together never above it.
    assert 1 <= seen.max_concurrency <= 4
    assert seen.answered == sum(story.usage.calls for story in spread.stories)

    def findings(report: RunReport) -> list[object]:
        return [story.model_dump(exclude={"timings"}) for story in report.stories]

    assert findings(spread) == findings(inline)


def test_the_executor_bench_measures_the_driver_and_its_workers_apart(
    batch: Path, inline_reports: Path, tmp_path: Path
) -> None:
    executor_bench = load_bench_module("executor_bench")
    out = tmp_path / "out"
    figures = executor_bench.run_cli(batch, out, "processes", 2)
    # Both are measured, each apart: the driver's from itself, the workers' from /proc.
    assert figures["driver"] > 0 and figures["workers"] > 0
    assert figures["wall"] > figures["driver"]
    assert executor_bench.reports(out) == {
        name: text for name, text in reports(inline_reports).items() if name.endswith(".json")
    }
