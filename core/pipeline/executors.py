"""Where stories run: in the caller's event loop, in a pool of local processes, on Ray.

The pipeline hands whole stories to an executor and gets back, for each, its
:class:`StoryReport` or :class:`StoryFailure`; the caller (the CLI, ``Pipeline.run``)
writes them. Every executor runs a story with the same code
(:meth:`Pipeline.arun_story`) and the same plugins, so the reports are the same
whichever ran them, apart from the timings.

So that the driver does almost nothing per story (on 2 cores it shares a core with the
workers), a story may be handed over unread, as the :class:`StoryInput` discovery found
(the worker reads and cleans its files), and the caller may give a ``finish`` function
that the worker applies to the report (the CLI renders the report files there and sends
back their text and a few figures, not the report).

- ``inline``: the caller's event loop (:meth:`Pipeline.arun_stories`), a few
  stories at a time. The default of the Python API, of one story, and of an LLM
  run (waiting on the endpoint, not on the CPU; one loop keeps the one request
  limit and the one cache).
- ``processes``: a local pool of worker processes (``--workers``, default the
  number of cores); the default of an offline batch of more than one story.
- ``ray``: Ray tasks on a local or remote cluster (``--ray-address``;
  ``pip install 'veracity[ray]'``). A task returns the story's report (or, from
  the CLI, its rendered files) to the driver, and only the driver writes files, so no node needs to reach the output
  directory, and a task that Ray runs again after its worker died (``max_retries``)
  still yields one result: a story is never written twice. With an LLM endpoint,
  stories run in story-runner actors instead, many at once each, under one request
  limit, one 429 back-off and one response cache for the whole cluster
  (``veracity.pipeline.ray_support``).

Workers rebuild the driver's plugin manager: built-in plugins and modules by
module name, third-party plugins from their entry point, and plugin objects given
through the Python API by pickling them (an object that cannot be pickled is a
:class:`ConfigurationError` naming it). Stage events are recorded in the worker
and replayed to ``pipeline.on_stage`` when the story's result arrives.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import importlib
import importlib.metadata
import importlib.util
import logging
import multiprocessing
import multiprocessing.context
import os
import pickle
import signal
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal, Protocol

import pluggy

from veracity.errors import ConfigurationError
from veracity.inputs.discovery import StoryInput
from veracity.models import Story, StoryFailure, StoryReport
from veracity.pipeline import hookspecs
from veracity.pipeline.events import StageEvent
from veracity.pipeline.plugin_manager import (
    DEFAULT_PLUGINS,
    ENTRY_POINT_GROUP,
    PluginManager,
)
from veracity.settings import Settings

if TYPE_CHECKING:
    from veracity.pipeline.runner import Pipeline, StoryOrFailure

logger = logging.getLogger("veracity.pipeline")

EXECUTORS = ("inline", "processes", "ray")
ExecutorName = Literal["inline", "processes", "ray"]
Result = StoryReport | StoryFailure
# What an executor takes: a story, one that failed to load, or one still to be read.
Item = Story | StoryFailure | StoryInput
# Applied to each report where the story ran (picklable: a module-level function or object);
# the executor yields what it returns instead of the report.
Finish = Callable[["Pipeline", StoryReport], Any]
# Times a story is started again after the process running it died (an OOM kill, a crash).
WORKER_RETRIES = 2


class Executor(Protocol):
    """Runs stories and yields each one's result as it finishes."""

    name: str

    def arun_stories(
        self, pipeline: Pipeline, stories: Iterable[Item], finish: Finish | None = None
    ) -> AsyncGenerator[Any, None]:
        """Run ``stories`` (read as they are needed) and yield each result as it finishes.

        :param stories: stories, failures to pass on, or inputs to read where they run.
        :param finish: applied to each report where its story ran; its answer is yielded
            instead of the report (failures are yielded as they are).
        """
        ...


def item_id(item: Any) -> str:
    """The story id of an item, a result, or ``finish``'s answer (which has a ``story_id``)."""
    if isinstance(item, StoryReport):
        return item.story.id
    if isinstance(item, Story):
        return item.id
    return str(item.story_id)


def handed_over(pipeline: Pipeline, inputs: Iterable[StoryInput]) -> Iterator[Item]:
    """The inputs as an executor should get them: a story of files unread (its worker reads
    it), the others read here.

    A JSON Lines file holds many stories: read in one worker, they would all run there.
    Web addresses are fetched here, so that one that cannot be fetched is reported as
    soon as it fails, and the page cache has one writer.
    """
    for story_input in inputs:
        if story_input.multi_story or story_input.urls:
            yield from pipeline.load_inputs([story_input])
        else:
            yield story_input


def loaded(pipeline: Pipeline, items: Iterable[Item]) -> Iterator[StoryOrFailure]:
    """The items with every :class:`StoryInput` read (here, in this process)."""
    for item in items:
        if isinstance(item, StoryInput):
            yield from pipeline.load_inputs([item])
        else:
            yield item


def single_threaded_blas() -> None:
    """Keep numpy's BLAS to one thread in this process (the CLI and the workers it owns).

    The sentence matrices of a story are small: a multi-threaded BLAS spends more
    waking its threads than multiplying, and on a busy machine each product then waits
    for a second core (a 3-source story took 6 ms a product instead of 40 µs).
    Processes are how veracity uses several cores. Not done for the Python API,
    whose process is the caller's.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - a dependency; a stripped install only runs slower
        return
    threadpool_limits(limits=1, user_api="blas")


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return max(os.cpu_count() or 1, 1)


def choose_executor(pipeline: Pipeline, stories: int | None, *, cli: bool = False) -> Executor:
    """The executor ``pipeline.settings`` asks for, or the default for this run.

    :param stories: how many stories the run has; None when not known ahead (JSONL).
    :param cli: the command line's default: ``processes`` for an offline batch of
        more than one story on more than one core; the Python API runs ``inline``
        unless ``executor`` is set.
    """
    settings = pipeline.settings
    name = settings.executor
    workers = settings.workers or default_workers()
    if name is None:
        batch = stories is None or stories > 1
        name = (
            "processes"
            if cli and batch and pipeline.engine == "offline" and workers > 1
            else "inline"
        )
    if name == "inline":
        return InlineExecutor()
    if name == "processes":
        return ProcessExecutor(workers)
    if name == "ray":
        return RayExecutor(settings.ray_address, settings.workers)
    raise ConfigurationError(f"unknown executor {name!r}; choose from {', '.join(EXECUTORS)}")


class InlineExecutor:
    """Stories run on the caller's event loop, a few at a time (``Pipeline.arun_stories``)."""

    name = "inline"

    async def arun_stories(
        self, pipeline: Pipeline, stories: Iterable[Item], finish: Finish | None = None
    ) -> AsyncGenerator[Any, None]:
        async with contextlib.aclosing(pipeline.arun_stories(loaded(pipeline, stories))) as results:
            async for result in results:
                if finish is not None and isinstance(result, StoryReport):
                    # In a thread: rendering a report (tens of ms) on the loop would hold up
                    # the other stories' LLM calls.
                    yield await asyncio.to_thread(finish, pipeline, result)
                else:
                    yield result


# -- what a worker needs to rebuild the pipeline ---------------------------------------------


@dataclass(frozen=True)
class PluginRef:
    """How a worker gets one registered plugin: import a module, load an entry point, unpickle."""

    name: str
    origin: str
    kind: Literal["module", "entry_point", "object"]
    target: str = ""
    payload: bytes = b""


@dataclass(frozen=True)
class WorkerSpec:
    """Everything a worker needs to run stories as the driver would; picklable."""

    settings: Settings
    plugins: tuple[PluginRef, ...]
    blocked: tuple[str, ...]
    llm_settings: Any | None = None
    finish: Finish | None = None
    # Ray actor handles (ray_support): the cluster's request limiter and response cache.
    llm_limiter: Any | None = None
    llm_cache: Any | None = None
    token: str = field(default_factory=lambda: uuid.uuid4().hex)


def worker_spec(
    pipeline: Pipeline, executor: str, workers: int = 1, finish: Finish | None = None
) -> WorkerSpec:
    """The plugins, settings and LLM endpoint of ``pipeline``, for workers to rebuild.

    :param finish: applied to each report in the worker (see :class:`Executor`).
    :raises ConfigurationError: a plugin object that cannot be sent to a worker.
    """
    manager = pipeline.plugins
    entry_points = {ep.name: ep for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}
    refs: list[PluginRef] = []
    blocked: list[str] = []
    for name, plugin in manager.pm.list_name_plugin():
        if plugin is None:
            blocked.append(name)
            continue
        refs.append(
            _plugin_ref(name, plugin, manager.origins.get(name, "api"), entry_points, executor)
        )
    llm_settings = None
    if pipeline.llm is not None:
        llm_settings = getattr(pipeline.llm, "settings", None)
        if llm_settings is None:
            raise ConfigurationError(
                f"the LLM client {type(pipeline.llm).__name__} has no settings to rebuild it in "
                f"the {executor} workers; use executor='inline'"
            )
        # Each worker holds its own client: share the run's request limit out between them,
        # so that together they never have more in flight than --concurrency (at least one each).
        share = max(1, llm_settings.concurrency // max(workers, 1))
        llm_settings = llm_settings.model_copy(update={"concurrency": share})
    return WorkerSpec(
        settings=pipeline.settings,
        plugins=tuple(refs),
        blocked=tuple(blocked),
        llm_settings=llm_settings,
        finish=finish,
    )


def _plugin_ref(
    name: str,
    plugin: object,
    origin: str,
    entry_points: dict[str, importlib.metadata.EntryPoint],
    executor: str,
) -> PluginRef:
    if origin not in ("builtin", "api") and name in entry_points:
        return PluginRef(name, origin, "entry_point", target=entry_points[name].value)
    if isinstance(plugin, ModuleType):
        if importlib.util.find_spec(plugin.__name__) is None:
            raise ConfigurationError(
                f"plugin {name!r} is a module ({plugin.__name__}) that the {executor} workers "
                "cannot import; install it as a package (entry point) or use executor='inline'"
            )
        return PluginRef(name, origin, "module", target=plugin.__name__)
    try:
        payload = pickle.dumps(plugin)
    except Exception as error:
        raise ConfigurationError(
            f"plugin {name!r} ({type(plugin).__module__}.{type(plugin).__qualname__}) cannot be "
            f"sent to the {executor} workers: it cannot be pickled ({type(error).__name__}: "
            f"{error}); register it by entry point, make it picklable, or use executor='inline'"
        ) from None
    return PluginRef(name, origin, "object", payload=payload)


class WorkerSetupError(Exception):
    """A worker could not rebuild the driver's plugins; the run cannot go on."""


def build_worker_pipeline(
    spec: WorkerSpec, *, limiter: Any | None = None, cache: Any | None = None
) -> Pipeline:
    """The pipeline ``spec`` describes, with its plugins registered in the driver's order.

    :param limiter: the request limiter its LLM client obeys instead of its own
        (a ``veracity.llm.throttle.RequestLimiter``, e.g. the cluster's).
    :param cache: the response store its LLM client uses instead of opening the
        settings' cache (a ``veracity.llm.cache.ResponseStore``).
    """
    from veracity.pipeline.runner import Pipeline  # runner imports this module's users

    pm = pluggy.PluginManager("veracity")
    pm.add_hookspecs(hookspecs)
    manager = PluginManager(pm)
    for name in spec.blocked:
        pm.set_blocked(name)
    for ref in spec.plugins:
        try:
            plugin: object
            if ref.kind == "module":
                plugin = importlib.import_module(ref.target)
            elif ref.kind == "entry_point":
                plugin = importlib.metadata.EntryPoint(
                    ref.name, ref.target, ENTRY_POINT_GROUP
                ).load()
            else:
                plugin = pickle.loads(ref.payload)
        except Exception as error:
            raise WorkerSetupError(
                f"plugin {ref.name!r} could not be loaded in a worker (pid {os.getpid()}): "
                f"{type(error).__name__}: {error}; install it on every worker or use --executor inline"
            ) from None
        manager.register(plugin, ref.name, origin=ref.origin)
    llm = None
    if spec.llm_settings is not None:
        from veracity.llm.client import LLMClient

        llm = LLMClient(spec.llm_settings, limiter=limiter, cache=cache)
    return Pipeline(spec.settings, llm=llm, plugin_manager=manager)


# -- the worker side ---------------------------------------------------------------------------

_PIPELINES: dict[str, Pipeline] = {}
_PROCESS_SPEC: WorkerSpec | None = None


@dataclass
class Outcome:
    """What a worker sends back for one item: its results (``finish``'s answers for the
    reports when there is a ``finish``) and the stages its story went through.

    An input of one story gives one result, its story or its failure to load; an input
    that holds no story at all (a loader found nothing in its files) gives none, as it
    would have in the driver.
    """

    results: list[Any]
    events: list[StageEvent]
    setup_error: str | None = None


def run_in_worker(spec: WorkerSpec, item: Item) -> Outcome:
    """Run one item in this worker, with the pipeline ``spec`` describes (built once):
    read it if it is an input, run its story, and apply ``spec.finish`` to the report."""
    try:
        pipeline = _PIPELINES.get(spec.token)
        if pipeline is None:
            single_threaded_blas()
            pipeline = _PIPELINES[spec.token] = build_worker_pipeline(spec)
    except WorkerSetupError as error:
        return Outcome([], [], setup_error=str(error))
    events: list[StageEvent] = []
    pipeline.on_stage = events.append
    results = _worker_loop().run_until_complete(item_results(pipeline, item, spec.finish))
    return Outcome(results, events)


async def item_results(
    pipeline: Pipeline, item: Item, finish: Finish | None, *, off_the_loop: bool = False
) -> list[Any]:
    """Read ``item`` if it is an input, run its story and apply ``finish`` to the report:
    what a worker sends back for it (a failure to load is passed on as it is).

    :param off_the_loop: read the files and finish the report in threads, so that other
        stories on the same event loop go on meanwhile (a runner of many stories at once).
    """
    if off_the_loop:
        stories = await asyncio.to_thread(lambda: list(loaded(pipeline, [item])))
    else:
        stories = list(loaded(pipeline, [item]))
    results: list[Any] = []
    for story in stories:
        result: Any = story
        if not isinstance(story, StoryFailure):
            result = await story_result(pipeline, story)
        if finish is not None and isinstance(result, StoryReport):
            if off_the_loop:
                result = await asyncio.to_thread(finish, pipeline, result)
            else:
                result = finish(pipeline, result)
        results.append(result)
    return results


_LOOP: asyncio.AbstractEventLoop | None = None


def _worker_loop() -> asyncio.AbstractEventLoop:
    """One event loop for all the stories of this worker.

    Not ``asyncio.run`` per story: it installs and restores a SIGINT handler each time,
    and restoring it formats the repr of the finished task, story and all (tens of ms
    for a long story).
    """
    global _LOOP
    if _LOOP is None or _LOOP.is_closed():
        _LOOP = asyncio.new_event_loop()
    return _LOOP


async def story_result(pipeline: Pipeline, story: Story) -> Result:
    """One story's report, or its failure, as ``Pipeline.arun_stories`` records it."""
    from veracity.pipeline.runner import ENDPOINT_FAILURES

    try:
        return await pipeline.arun_story(story)
    except ENDPOINT_FAILURES as error:
        return StoryFailure(story_id=story.id, error=str(error), kind="endpoint")
    except Exception as error:
        return StoryFailure(story_id=story.id, error=f"{type(error).__name__}: {error}")


def _process_init(spec: WorkerSpec, driver: int) -> None:
    # Ctrl-C reaches the whole process group: the driver stops the workers itself, after
    # keeping what finished, so a worker must not die of it first with a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    single_threaded_blas()
    global _PROCESS_SPEC
    _PROCESS_SPEC = spec
    threading.Thread(
        target=_exit_with, args=(driver,), name="veracity watchdog", daemon=True
    ).start()


def _exit_with(driver: int) -> None:
    """End this worker once the driver is gone (killed with SIGKILL, it cannot stop us)."""
    while True:
        time.sleep(1.0)
        try:
            os.kill(driver, 0)
        except ProcessLookupError:
            os._exit(1)
        except PermissionError:  # the pid is someone else's now: the driver is gone too
            os._exit(1)


def _process_task(item: Item) -> Outcome:
    if _PROCESS_SPEC is None:  # pragma: no cover - the initializer always runs first
        raise RuntimeError("worker started without its spec")
    return run_in_worker(_PROCESS_SPEC, item)


# -- the driver side ---------------------------------------------------------------------------


class _RemoteExecutor(ABC):
    """Submits stories to workers, a window at a time, and yields their results in the driver.

    Subclasses say how many stories run at once, and how workers start, take a story,
    and stop.
    """

    name = "remote"

    @abstractmethod
    def _slots(self) -> int:
        """How many stories may run at once."""

    @abstractmethod
    def _start(self, spec: WorkerSpec) -> None:
        """Start the workers for ``spec``."""

    @abstractmethod
    def _submit(self, item: Item) -> asyncio.Future[Outcome]:
        """Hand one story (or input) to a worker; its outcome arrives in the future."""

    def _lost(self, error: BaseException) -> bool:
        """True when ``error`` means the worker died (the story may run again)."""
        return False

    def _restart(self) -> bool:
        """Replace workers that died; True when the other stories in flight were lost too.

        A cluster that restarts its own needs nothing here.
        """
        return False

    def _worker_spec(self, pipeline: Pipeline, finish: Finish | None) -> WorkerSpec:
        """What the workers need to rebuild ``pipeline`` and finish its reports."""
        return worker_spec(pipeline, self.name, self._slots(), finish)

    def _window(self) -> int:
        """Stories handed out at once: twice the workers, so the next one is queued."""
        return self._slots() * 2

    @abstractmethod
    def _stop(self, *, cancel: bool) -> None:
        """Stop the workers; ``cancel`` drops the stories not yet finished."""

    async def arun_stories(
        self, pipeline: Pipeline, stories: Iterable[Item], finish: Finish | None = None
    ) -> AsyncGenerator[Any, None]:
        self._start(self._worker_spec(pipeline, finish))
        finished = False
        # The next story is queued when one finishes, so a worker never waits for the
        # driver (which does little per story: write the texts).
        window = self._window()
        pending: dict[asyncio.Future[Outcome], Item] = {}
        attempts: dict[str, int] = {}
        source: Iterator[Item] = iter(stories)
        exhausted = False
        try:
            while True:
                ready: list[Result] = []
                while not exhausted and len(pending) < window:
                    item = next(source, None)
                    if item is None:
                        exhausted = True
                    elif isinstance(item, StoryFailure):
                        ready.append(item)
                    else:
                        pending[self._submit(item)] = item
                for result in ready:
                    yield result
                if not pending:
                    if exhausted:
                        break
                    continue
                done, _ = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                results: list[Any] = []
                lost: list[Item] = []
                for future in done:
                    item = pending.pop(future)
                    error = future.exception()
                    if error is None:
                        outcome = future.result()
                        if outcome.setup_error is not None:
                            raise ConfigurationError(outcome.setup_error)
                        for event in outcome.events:
                            if pipeline.on_stage is not None:
                                pipeline.on_stage(event)
                        results.extend(outcome.results)
                    elif self._lost(error):
                        lost.append(item)
                    else:
                        results.append(
                            StoryFailure(
                                story_id=item_id(item),
                                error=f"{self.name} worker failed: {type(error).__name__}: {error}",
                            )
                        )
                if lost:
                    # A worker died: the stories it was running start again (a few times at
                    # most); a pool that is replaced loses the others it held, which start again too.
                    victims: list[Item] = []
                    if self._restart():
                        victims = list(pending.values())
                        for future in pending:
                            future.cancel()
                        pending.clear()
                    for item in lost:
                        story_id = item_id(item)
                        attempts[story_id] = attempts.get(story_id, 0) + 1
                        if attempts[story_id] > WORKER_RETRIES:
                            results.append(
                                StoryFailure(
                                    story_id=story_id,
                                    error=f"the worker process running it died "
                                    f"{attempts[story_id]} times (out of memory?)",
                                )
                            )
                        else:
                            pending[self._submit(item)] = item
                    for item in victims:
                        pending[self._submit(item)] = item
                for result in sorted(results, key=item_id):
                    yield result
            finished = True
        finally:
            for future in pending:
                future.cancel()
            self._stop(cancel=not finished)


def _broken(error: BaseException) -> bool:
    return isinstance(error, BrokenProcessPool)


class ProcessExecutor(_RemoteExecutor):
    """A pool of local worker processes (forkserver: started once, modules preloaded)."""

    name = "processes"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or default_workers()
        self._pool: ProcessPoolExecutor | None = None
        self._spec: WorkerSpec | None = None

    def _slots(self) -> int:
        return self.workers

    def _start(self, spec: WorkerSpec) -> None:
        self._spec = spec
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        assert self._spec is not None
        context: multiprocessing.context.BaseContext
        if "forkserver" in multiprocessing.get_all_start_methods():
            # Not fork: the driver has threads (progress display, HTTP client) that a forked
            # child would inherit half-way. The fork server is one clean process, started once,
            # with veracity already imported, from which each worker forks quickly.
            server = multiprocessing.get_context("forkserver")
            preload = ["veracity.pipeline.runner", *DEFAULT_PLUGINS]
            if self._spec.finish is not None:
                # Imported once in the fork server, not in each worker as its spec arrives.
                preload.append(type(self._spec.finish).__module__)
            server.set_forkserver_preload(preload)
            context = server
        else:
            context = multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=context,
            initializer=_process_init,
            initargs=(self._spec, os.getpid()),
        )

    def _submit(self, item: Item) -> asyncio.Future[Outcome]:
        assert self._pool is not None
        future: Future[Outcome] = self._pool.submit(_process_task, item)
        return asyncio.wrap_future(future)

    def _lost(self, error: BaseException) -> bool:
        return _broken(error)

    def _restart(self) -> bool:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._new_pool()
        return True

    def _stop(self, *, cancel: bool) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if cancel:
            # Interrupted: the results of stories still running would be thrown away, so
            # the workers are stopped now rather than left to finish them.
            processes = list((getattr(pool, "_processes", None) or {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                with contextlib.suppress(Exception):
                    process.terminate()
            for process in processes:
                with contextlib.suppress(Exception):
                    process.join(5)
        else:
            pool.shutdown(wait=True)


def _ray_task(spec: WorkerSpec, item: Item) -> Outcome:
    return run_in_worker(spec, item)


class RayExecutor(_RemoteExecutor):
    """Stories as Ray tasks; the driver writes what the tasks return.

    Connects to ``address`` (``auto``: the cluster ``ray start`` runs on this machine;
    ``ray://host:10001``; ``host:6379``), or, without one, starts a local cluster for the
    run (``workers`` CPUs) and shuts it down at the end. A driver that called ``ray.init``
    itself keeps its own.
    A task whose worker dies is run again by Ray (``max_retries``), elsewhere if its
    node is gone; the driver receives one result per story whatever happened.

    With an LLM endpoint, stories run in story-runner actors (one per CPU, each running
    as many stories at once as the run has request slots) under the cluster's one
    request limiter and one response cache (``veracity.pipeline.ray_support``). A
    runner that dies loses its stories; the driver runs them again on the others.
    """

    name = "ray"
    max_retries = 3
    # Seconds a runner has to answer a ping after another one died.
    ping_timeout = 30.0
    # Seconds before the request permits of a runner that died are given to the others: the
    # server may still be answering its requests. A typical answer's time; the request
    # timeout (120 s) would leave the run at a fraction of its limit for two minutes.
    permit_grace = 5.0

    def __init__(self, address: str | None = None, workers: int | None = None) -> None:
        self.address = address
        self.workers = workers
        self._started = False
        self._spec_ref: Any = None
        self._task: Any = None
        self._refs: list[Any] = []
        # The LLM path: runners, their load, and the actors every runner shares.
        self._llm = False
        self._stories_per_runner = 1
        self._runner_class: Any = None
        self._runners: dict[str, Any] = {}
        self._load: dict[str, int] = {}
        self._limiter: Any = None
        self._cache: Any = None
        self._spec: WorkerSpec | None = None

    def _ray(self) -> Any:
        try:
            import ray
        except ImportError:
            raise ConfigurationError(
                "the ray executor needs Ray: pip install 'veracity[ray]' (or choose "
                "--executor processes)"
            ) from None
        return ray

    def _slots(self) -> int:
        ray = self._ray()
        if ray.is_initialized():
            return max(int(ray.cluster_resources().get("CPU", 1)), 1)
        return self.workers or default_workers()

    def _window(self) -> int:
        if self._llm:
            # Each runner runs its stories side by side: as many as it has, no queue.
            return max(len(self._runners), 1) * self._stories_per_runner
        return super()._window()

    def _connect(self) -> Any:
        ray = self._ray()
        if not ray.is_initialized():
            options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
            if self.address is None and self.workers is not None:
                options["num_cpus"] = self.workers
            try:
                # No address: a cluster of this run's own ("local"), never one that happens
                # to run on this machine (ray.init() alone would join it); "auto" joins it.
                ray.init(address=self.address or "local", **options)
            except Exception as error:
                raise ConfigurationError(
                    f"cannot start or reach the Ray cluster at {self.address or 'local'}: "
                    f"{type(error).__name__}: {error}; check --ray-address"
                ) from None
            self._started = True
        return ray

    def _worker_spec(self, pipeline: Pipeline, finish: Finish | None) -> WorkerSpec:
        ray = self._connect()
        if pipeline.llm is None:
            return worker_spec(pipeline, self.name, self._slots(), finish)
        self._llm = True
        self._stories_per_runner = pipeline.story_concurrency
        # The limiter actor is the one limit: every runner's client may use all of it.
        spec = worker_spec(pipeline, self.name, 1, finish)
        assert spec.llm_settings is not None  # worker_spec raised for a client without any
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        from veracity.llm.cache import ResponseCache
        from veracity.llm.cluster import ACTOR_CALLS, CacheActor, LimiterActor

        # On the driver's node: they outlive any worker node, and the cache is its file.
        # Not soft: a soft affinity was seen to place them on another node of the same host.
        here = NodeAffinitySchedulingStrategy(ray.get_runtime_context().get_node_id(), soft=False)
        services = {"num_cpus": 0, "max_concurrency": ACTOR_CALLS}
        self._limiter = (
            ray.remote(LimiterActor)
            .options(scheduling_strategy=here, **services)
            .remote(spec.llm_settings.concurrency)
        )
        cache = getattr(pipeline.llm, "cache", None)
        if isinstance(cache, ResponseCache):
            self._cache = (
                ray.remote(CacheActor)
                .options(scheduling_strategy=here, **services)
                .remote(str(cache.path))
            )
        # Runners use the driver's cache through the actor, never a file of their own node.
        local = spec.llm_settings.model_copy(update={"cache_enabled": False})
        return dataclasses.replace(
            spec, llm_settings=local, llm_limiter=self._limiter, llm_cache=self._cache
        )

    def _start(self, spec: WorkerSpec) -> None:
        ray = self._connect()
        self._spec = spec
        if self._llm:
            from veracity.pipeline import ray_support

            self._runner_class = ray.remote(ray_support.StoryRunner).options(
                num_cpus=1, max_concurrency=self._stories_per_runner + 4
            )
            for _ in range(self._slots()):
                self._add_runner()
            return
        self._spec_ref = ray.put(spec)
        self._task = ray.remote(max_retries=self.max_retries, retry_exceptions=False)(_ray_task)

    def _add_runner(self) -> None:
        holder = f"runner-{uuid.uuid4().hex[:8]}"
        self._runners[holder] = self._runner_class.remote(self._spec, holder)
        self._load[holder] = 0

    def _submit(self, item: Item) -> asyncio.Future[Outcome]:
        if not self._llm:
            ref = self._task.remote(self._spec_ref, item)
            self._refs.append(ref)
            return asyncio.wrap_future(ref.future())
        # The least busy runner: a runner that lost its node gets no more.
        holder = min(self._runners, key=lambda name: self._load[name])
        ref = self._runners[holder].run.remote(item)
        self._refs.append(ref)
        self._load[holder] += 1
        future = asyncio.wrap_future(ref.future())

        def finished(_: object) -> None:
            if holder in self._load:
                self._load[holder] -= 1

        future.add_done_callback(finished)
        return future

    def _lost(self, error: BaseException) -> bool:
        if not self._llm:
            return False  # Ray itself runs a task again whose worker died
        return isinstance(error, self._ray().exceptions.RayActorError)

    def _restart(self) -> bool:
        ray = self._ray()
        for holder, runner in list(self._runners.items()):
            try:
                ray.get(runner.ping.remote(), timeout=self.ping_timeout)
            except Exception:
                logger.warning("Ray story runner %s is gone; its stories run again", holder)
                del self._runners[holder], self._load[holder]
                # Its permits would never come back otherwise, and the run's limit shrink.
                ray.get(self._limiter.forget.remote(holder, self.permit_grace))
        if not self._runners:
            # Every runner died, the cluster lives on (a crash, not a lost node): start anew.
            for _ in range(self._slots()):
                self._add_runner()
        return False

    def limiter_stats(self) -> Any:
        """The cluster limiter's counters (``veracity.llm.cluster.LimiterStats``), None offline."""
        if self._limiter is None:
            return None
        return self._ray().get(self._limiter.stats.remote())

    def _stop(self, *, cancel: bool) -> None:
        ray = self._ray()
        if cancel:
            for ref in self._refs:
                with contextlib.suppress(Exception):
                    ray.cancel(ref, force=not self._llm)
        self._refs = []
        if self._cache is not None:
            # Every write was awaited by its runner; closing makes the file whole for the next run.
            with contextlib.suppress(Exception):
                ray.get(self._cache.close.remote(), timeout=30)
        for actor in [*self._runners.values(), self._limiter, self._cache]:
            if actor is not None:
                with contextlib.suppress(Exception):
                    ray.kill(actor)
        self._runners.clear()
        self._load.clear()
        self._limiter = self._cache = None
        if self._started:
            ray.shutdown()
            self._started = False
