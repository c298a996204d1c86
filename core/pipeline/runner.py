"""The pipeline: load stories, then summarize, extract, cross-check and score each.

The core owns the order of the stages and of every merged result. Each
plugin's implementation is called on its own, so that a plugin that raises,
times out or returns the wrong type becomes a warning naming it in that
story's report, and the next plugin (or the next story) goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import inspect
import threading
import time
from collections.abc import (
    AsyncGenerator,
    Awaitable,
    Callable,
    Coroutine,
    Iterable,
    Iterator,
    Sequence,
)
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from veracity.errors import InputError, PluginError
from veracity.inputs.discovery import StoryInput, discover
from veracity.inputs.fetching import document_id_for, fetch_page, outlet_for
from veracity.llm.errors import (
    AuthenticationFailed,
    DeadlineExceeded,
    EndpointUnavailable,
    LLMError,
    RequestRejected,
)
from veracity.models import (
    Claim,
    ClaimStatus,
    Document,
    LLMUsage,
    RunInfo,
    RunReport,
    Scoring,
    Stance,
    Story,
    StoryFailure,
    StoryReport,
    Summary,
    Verdict,
)
from veracity.pipeline import second_opinion
from veracity.pipeline.context import StageContext
from veracity.pipeline.events import StageEvent
from veracity.pipeline.executors import Item, choose_executor, handed_over
from veracity.pipeline.plugin_manager import PluginManager, build_plugin_manager
from veracity.settings import Settings
from veracity.text import lexicon
from veracity.version import __version__

T = TypeVar("T")
A = TypeVar("A")
B = TypeVar("B")
# The endpoint itself failed: the story cannot be finished now, and a re-run should retry it
# rather than keep a report with the LLM stages missing. A request the endpoint refuses
# (400, 404, 422: a misspelt model, a wrong path) is one too: it refuses every call alike.
ENDPOINT_FAILURES: tuple[type[Exception], ...] = (
    EndpointUnavailable,
    AuthenticationFailed,
    DeadlineExceeded,
    RequestRejected,
)
StoryOrFailure = Story | StoryFailure
# Stories the offline engine runs at once (and the least an LLM run does).
OFFLINE_STORY_CONCURRENCY = 4


def warm_up_in_a_thread() -> None:
    """Load what the offline checks load on first use (the English word list) in a thread,
    once per process: while a batch's first LLM calls wait on the network the event loop
    is idle, so the load costs nothing; done on the loop it stalls every story."""
    if lexicon.is_warm():
        return

    def warm_up() -> None:
        with contextlib.suppress(Exception):  # the first real use raises it, with its story
            lexicon.warm_up()

    threading.Thread(target=warm_up, name="veracity warm-up", daemon=True).start()


def _in_daemon_thread(call: Callable[[], Any], name: str) -> asyncio.Future[Any]:
    """``call()`` run in a daemon thread, as a future of the running loop.

    Not the loop's executor: its threads are joined when the run ends, so one
    hung plugin would hold the process open.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Any] = loop.create_future()

    def settle(outcome: Any, failed: bool) -> None:
        if future.done():  # the stage timed out and moved on
            return
        if failed:
            future.set_exception(outcome)
        else:
            future.set_result(outcome)

    def run() -> None:
        try:
            outcome, failed = call(), False
        except BaseException as error:
            outcome, failed = error, True
        with contextlib.suppress(RuntimeError):  # the loop closed while the plugin ran
            loop.call_soon_threadsafe(settle, outcome, failed)

    threading.Thread(target=run, name=f"veracity {name}", daemon=True).start()
    return future


def _type_name(expected: Any) -> str:
    return getattr(expected, "__name__", str(expected))


class Pipeline:
    """Runs veracity's stages over stories with a set of plugins.

    :param settings: how the run behaves; defaults to :class:`Settings()`.
    :param plugins: extra plugin objects or modules to register (Python API).
    :param llm: an LLM client for the LLM plugins, or None for the offline engine.
    :param load_entry_points: also load plugins installed under the ``veracity``
        entry-point group.
    :param plugin_manager: a ready plugin manager, instead of building one.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        plugins: Iterable[object] = (),
        llm: Any | None = None,
        load_entry_points: bool = True,
        plugin_manager: PluginManager | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.llm = llm
        # Called as each story enters a stage, for progress displays.
        self.on_stage: Callable[[StageEvent], None] | None = None
        self.plugins = plugin_manager or build_plugin_manager(
            plugins, load_entry_points=load_entry_points, disabled=self.settings.disabled_plugins
        )

    # -- running plugins -------------------------------------------------------------------

    def context(self, story_id: str | None = None) -> StageContext:
        """A fresh context for one story."""
        return StageContext(settings=self.settings, llm=self.llm, story_id=story_id)

    @property
    def engine(self) -> str:
        """'llm' when LLM plugins do the work, else 'offline'."""
        return "llm" if self.context().uses_llm else "offline"

    async def _call_one(
        self, plugin: str, hook: str, call: Callable[[], Any], ctx: StageContext
    ) -> Any:
        timeout = self.settings.stage_timeout
        try:
            if timeout is None:
                result = call()
            else:
                # A synchronous plugin that hangs cannot be interrupted; in a thread of its
                # own it can at least be left behind while the run goes on.
                result = await asyncio.wait_for(
                    _in_daemon_thread(call, f"{plugin}.{hook}"), timeout
                )
            if inspect.isawaitable(result):
                result = await asyncio.wait_for(_awaitable(result), timeout)
        except TimeoutError:
            raise PluginError(plugin, hook, f"took longer than {timeout:g} s") from None
        return result

    async def _first_result(
        self, hook: str, expected: type[T], ctx: StageContext, chosen: str | None, **kwargs: Any
    ) -> tuple[str, T] | None:
        """The first plugin's non-None answer (only ``chosen``'s when one is named)."""
        names = self.plugins.implementations(hook)
        if chosen is not None and chosen not in names:
            raise InputError(
                f"no plugin named {chosen!r} implements {hook}; choose from {', '.join(names) or 'none'}"
            )
        for plugin, call in self.plugins.call_each(hook, **kwargs):
            if chosen is not None and plugin != chosen:
                continue
            try:
                result = await self._call_one(plugin, hook, call, ctx)
                if result is None:
                    continue
                if not isinstance(result, expected):
                    raise PluginError(
                        plugin,
                        hook,
                        f"returned {type(result).__name__}, not {_type_name(expected)}",
                    )
                return plugin, result
            except InputError:
                raise
            except ENDPOINT_FAILURES:
                raise
            except Exception as error:
                ctx.warn(_describe(plugin, hook, error), plugin=plugin)
                _note_llm_failure(ctx, plugin, error)
        return None

    async def _merged(
        self, hook: str, item_type: type[T], ctx: StageContext, **kwargs: Any
    ) -> list[T]:
        """The pooled list results of every plugin; a failing plugin only loses its own."""
        pooled: list[T] = []
        for plugin, call in self.plugins.call_each(hook, **kwargs):
            try:
                result = await self._call_one(plugin, hook, call, ctx)
                if result is None:
                    continue
                if not isinstance(result, list) or not all(
                    isinstance(item, item_type) for item in result
                ):
                    raise PluginError(
                        plugin,
                        hook,
                        f"returned {type(result).__name__}, not list[{item_type.__name__}]",
                    )
                pooled.extend(result)
            except ENDPOINT_FAILURES:
                raise
            except Exception as error:
                ctx.warn(_describe(plugin, hook, error), plugin=plugin)
                _note_llm_failure(ctx, plugin, error)
        return pooled

    def _enter(self, context: StageContext, stage: str) -> None:
        context.stage = stage
        if self.on_stage is not None and context.story_id is not None:
            self.on_stage(StageEvent(story_id=context.story_id, stage=stage))

    # -- loading ---------------------------------------------------------------------------

    def load_documents(self, path: Path, context: StageContext | None = None) -> list[Document]:
        """Read one file with the first loader plugin that knows its format."""
        context = context or self.context()
        context.stage = "load"
        for plugin, call in self.plugins.call_each(
            "veracity_load_documents", path=path, context=context
        ):
            try:
                result = call()
            except InputError:
                raise
            except Exception as error:
                raise InputError(
                    f"{path}: loader {plugin!r} failed: {type(error).__name__}: {error}"
                ) from error
            if result is not None:
                if not isinstance(result, list) or not all(
                    isinstance(item, Document) for item in result
                ):
                    raise InputError(
                        f"{path}: loader {plugin!r} returned {type(result).__name__}, not list[Document]"
                    )
                return result
        raise InputError(
            f"{path}: no loader reads {path.suffix or 'files without a suffix'}; "
            "use .txt, .md, .html or .jsonl (or install a loader plugin)"
        )

    def load_url(self, url: str, context: StageContext | None = None) -> list[Document]:
        """Fetch a web page (or read it from the page cache) and read it with the loaders."""
        context = context or self.context()
        page = fetch_page(
            url,
            cache_dir=self.settings.page_cache,
            timeout=self.settings.fetch_timeout,
            max_bytes=self.settings.max_file_bytes,
        )
        try:
            documents = self.load_documents(page.path, context)
        except InputError as error:
            # The loader names the cached file; the user gave the URL.
            raise InputError(str(error).replace(str(page.path), url)) from None
        for document in documents:
            document.id = document_id_for(url)
            document.url = url
            document.final_url = page.final_url
            document.fetched_at = page.fetched_at
            document.outlet = document.outlet or outlet_for(page.final_url)
            document.meta.path = url
        return documents

    def load(self, paths: Sequence[Path | str]) -> Iterator[StoryOrFailure]:
        """The stories in ``paths`` (files, directories, http(s) addresses), one at a time.

        A story that cannot be read is a failure; a URL that cannot be fetched is left
        out of its story (listed in ``Story.unread``) and the rest goes on.
        """
        yield from self.load_inputs(discover(list(paths)))

    def load_inputs(self, story_inputs: Iterable[StoryInput]) -> Iterator[StoryOrFailure]:
        """The stories of inputs :func:`veracity.inputs.discovery.discover` found, read one at a time."""
        for story_input in story_inputs:
            yield from self._load_story_input(story_input)

    def _load_story_input(self, story_input: StoryInput) -> Iterator[StoryOrFailure]:
        context = self.context(story_input.story_id)
        documents: list[Document] = []
        for path in story_input.paths:
            try:
                documents.extend(self.load_documents(path, context))
            except InputError as error:
                if len(story_input.paths) == 1 and not story_input.urls:
                    yield StoryFailure(
                        story_id=story_input.story_id, error=str(error), kind="input"
                    )
                    return
                # One unreadable article does not sink a story that has others.
                context.skip_input(str(error))
        for url in story_input.urls:
            try:
                documents.extend(self.load_url(url, context))
            except InputError as error:
                context.skip_input(str(error))
        groups: dict[str, list[Document]] = {}
        for document in documents:
            key = (
                document.story
                if story_input.multi_story and document.story
                else story_input.story_id
            )
            groups.setdefault(key, []).append(document)
        unread: dict[str, list[str]] = {}
        for story, message in context.unread:
            key = story if story_input.multi_story and story else story_input.story_id
            unread.setdefault(key, []).append(message)
        for story_id, group in groups.items():
            try:
                yield make_story(story_id, group, unread=unread.get(story_id, []))
            except InputError as error:
                yield StoryFailure(story_id=story_id, error=str(error), kind="input")
        for story_id, messages in unread.items():
            if story_id not in groups:
                yield StoryFailure(story_id=story_id, error="; ".join(messages), kind="input")

    # -- one story -------------------------------------------------------------------------

    async def arun_story(self, story: Story) -> StoryReport:
        """Run every stage over one story.

        The summary and the claim extractions do not depend on each other, so
        they run at the same time: with an LLM engine a story's first round of
        calls is one round, not two. The summarizers get a context of their own
        so that each stage's warnings keep their stage; the report lists them in
        stage order, as if the stages had run one after the other.
        """
        context = self.context(story.id)
        context.stage = "load"
        for message in story.unread:
            context.warn(f"left out: {message}")
        if len(story.documents) == 1:
            context.warn(
                "only one source: nothing to cross-check it against; "
                "add other articles about the same story"
            )
        for document in story.documents:
            for duplicate in document.meta.duplicates:
                context.warn(f"{duplicate} has the same text as {document.id}; merged into it")
        # Keys in stage order whichever of the first two stages finishes first.
        timings: dict[str, float] = dict.fromkeys(("summarize", "extract_claims"), 0.0)
        summary_context = _fork(context, "summarize")

        async def summarize() -> Summary:
            self._enter(summary_context, "summarize")
            started = time.perf_counter()
            chosen = await self._first_result(
                "veracity_summarize",
                Summary,
                summary_context,
                self.settings.summarizer,
                story=story,
                context=summary_context,
            )
            if chosen is None:
                summary_context.warn("no summarizer produced a summary")
            timings["summarize"] = time.perf_counter() - started
            return _checked_summary(chosen[1], story, summary_context) if chosen else Summary()

        # With an endpoint the offline plugins still run, in a context of their own without
        # the client (so that each plugin answers for its own engine): both engines, one report.
        offline_context = _offline_fork(context) if context.uses_llm else None

        async def extract_with(ctx: StageContext) -> list[Claim]:
            per_document = await asyncio.gather(
                *(
                    self._merged(
                        "veracity_extract_claims",
                        Claim,
                        ctx,
                        document=document,
                        story=story,
                        context=ctx,
                    )
                    for document in story.documents
                )
            )
            return [claim for found in per_document for claim in found]

        async def extract() -> tuple[list[Claim], list[Claim]]:
            self._enter(context, "extract_claims")
            started = time.perf_counter()
            found = await extract_with(context)
            offline: list[Claim] = []
            if offline_context is not None:
                offline_context.stage = context.stage
                offline = await extract_with(offline_context)
                _join_offline(context, offline_context)
            timings["extract_claims"] = time.perf_counter() - started
            return found, offline

        summary, (found, offline_found) = await _both(summarize(), extract())
        _join(context, summary_context)
        claims = _checked_claims(found + offline_found, story, context)

        self._enter(context, "cross_check")
        started = time.perf_counter()
        if offline_context is None:
            verdicts = await self._merged(
                "veracity_cross_check",
                Verdict,
                context,
                story=story,
                claims=claims,
                context=context,
            )
        else:
            verdicts = await self._hybrid_cross_check(
                story, claims, found, offline_found, context, offline_context
            )
        verdicts = _checked_verdicts(verdicts, claims, story, context)
        verdicts = _below_threshold_marked(verdicts, self.settings.min_confidence)
        timings["cross_check"] = time.perf_counter() - started

        self._enter(context, "score")
        started = time.perf_counter()
        scored = await self._first_result(
            "veracity_score_sources",
            Scoring,
            context,
            self.settings.scorer,
            story=story,
            claims=claims,
            verdicts=verdicts,
            context=context,
        )
        if scored is None:
            context.warn("no scorer produced scores")
        scoring = scored[1] if scored else Scoring(sources=[])
        timings["score"] = time.perf_counter() - started

        summary = _link_summary(summary, claims, scoring, verdicts)
        return StoryReport(
            story=story,
            summary=summary,
            claims=claims,
            verdicts=verdicts,
            scores=sorted(scoring.sources, key=lambda score: (score.rank, score.source_id)),
            credibility=sorted(scoring.claims, key=lambda item: item.claim_id),
            warnings=context.warnings,
            dropped=sorted(
                context.dropped, key=lambda item: (item.kind, item.source_id or "", item.text)
            ),
            timings={stage: round(seconds, 4) for stage, seconds in timings.items()},
            usage=context.usage,
            llm_failures=sorted(set(context.llm_failures)),
        )

    async def _hybrid_cross_check(
        self,
        story: Story,
        claims: list[Claim],
        found: list[Claim],
        offline_found: list[Claim],
        context: StageContext,
        offline_context: StageContext,
    ) -> list[Verdict]:
        """The offline checks on the offline claims, then the LLM checks on the model's claims
        with the offline findings put to the model for a second opinion, combined
        (see :mod:`veracity.pipeline.second_opinion`)."""
        offline_ids = {claim.id for claim in offline_found}
        llm_ids = {claim.id for claim in found}
        offline_context.stage = context.stage
        offline_verdicts = await self._merged(
            "veracity_cross_check",
            Verdict,
            offline_context,
            story=story,
            claims=[claim for claim in claims if claim.id in offline_ids],
            context=offline_context,
        )
        context.candidates = second_opinion.candidates(offline_verdicts, claims)
        llm_verdicts = await self._merged(
            "veracity_cross_check",
            Verdict,
            context,
            story=story,
            claims=[claim for claim in claims if claim.id in llm_ids],
            context=context,
        )
        _join_offline(context, offline_context)
        return second_opinion.combine_all(offline_verdicts, context.reviews) + llm_verdicts

    def run_story(self, story: Story) -> StoryReport:
        """Run every stage over one story (blocking)."""
        return run_sync(self.arun_story(story))

    # -- many stories ----------------------------------------------------------------------

    async def arun_stories(
        self, stories: Iterable[StoryOrFailure]
    ) -> AsyncGenerator[StoryReport | StoryFailure, None]:
        """Run stories concurrently (:attr:`story_concurrency` at a time), yielding each as it finishes.

        Stories are read from ``stories`` only as fast as they are run (a few ahead),
        so an iterator over a large batch is never held in memory whole.
        """
        in_flight = self.story_concurrency
        limit = asyncio.Semaphore(in_flight)
        pending: set[asyncio.Task[StoryReport | StoryFailure]] = set()
        warm_up_in_a_thread()

        async def one(item: StoryOrFailure) -> StoryReport | StoryFailure:
            if isinstance(item, StoryFailure):
                return item
            async with limit:
                try:
                    return await self.arun_story(item)
                except ENDPOINT_FAILURES as error:
                    return StoryFailure(story_id=item.id, error=str(error), kind="endpoint")
                except Exception as error:
                    return StoryFailure(story_id=item.id, error=f"{type(error).__name__}: {error}")

        try:
            for item in stories:
                pending.add(asyncio.ensure_future(one(item)))
                if len(pending) >= in_flight * 2:
                    done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                    for task in sorted(done, key=_task_order):
                        yield task.result()
            while pending:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in sorted(done, key=_task_order):
                    yield task.result()
        finally:
            # The caller stopped early (the endpoint failed, Ctrl-C): stop the stories in flight.
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)

    @property
    def story_concurrency(self) -> int:
        """How many stories run at once: ``settings.story_concurrency`` when set.

        Otherwise, with an LLM engine, as many as the client has request slots
        (at least :data:`OFFLINE_STORY_CONCURRENCY`): a story has one to a few
        calls waiting at any time, and between its rounds none, so fewer stories
        than slots would leave the endpoint idle. The client's limit stays the one
        limit on requests; its queue is first come, first served, so the stories
        in flight all progress. The offline engine is CPU-bound on one event loop,
        where more stories in flight only hold more memory.
        """
        if self.settings.story_concurrency is not None:
            return self.settings.story_concurrency
        slots = getattr(getattr(self.llm, "settings", None), "concurrency", None)
        if self.engine == "llm" and isinstance(slots, int):
            return max(slots, OFFLINE_STORY_CONCURRENCY)
        return OFFLINE_STORY_CONCURRENCY

    def run_info(self) -> RunInfo:
        """What this pipeline is configured with, for the report."""
        return RunInfo(
            veracity_version=__version__,
            engine=self.engine,
            model=_llm_setting(self.llm, "model"),
            base_url=_llm_setting(self.llm, "display_base_url"),
            plugins=[info.name for info in self.plugins.plugins()],
        )

    async def arun(self, inputs: Sequence[Path | str] | Iterable[Story]) -> RunReport:
        """Run over paths (or http(s) addresses) or stories and collect one :class:`RunReport`."""
        given = list(inputs)
        # Strings stay strings: Path() would fold the '//' of a URL.
        paths = [item for item in given if isinstance(item, (str, Path))]
        stories = [item for item in given if isinstance(item, Story)]
        if paths and stories:
            raise InputError("run() takes paths or stories, not both; load the paths first")
        report = RunReport(run=self.run_info())
        # Inline unless settings.executor names another (see pipeline.executors).
        executor = choose_executor(self, None)
        # Files are read where their story runs (in a worker, not here).
        items: Iterable[Item] = handed_over(self, discover(paths)) if paths else stories
        async for result in executor.arun_stories(self, items):
            if isinstance(result, StoryFailure):
                report.failures.append(result)
            else:
                report.stories.append(result)
        order = {id(story): index for index, story in enumerate(report.stories)}
        report.stories.sort(key=lambda story: (story.story.id, order[id(story)]))
        return report

    def run(self, inputs: Sequence[Path | str] | Iterable[Story]) -> RunReport:
        """Run over paths or stories and collect one :class:`RunReport` (blocking)."""
        return run_sync(self.arun(inputs))


def _llm_setting(llm: Any, name: str) -> str | None:
    """A setting of the LLM client (``model``, ``display_base_url``), or None offline."""
    value = getattr(getattr(llm, "settings", None), name, None)
    return value if isinstance(value, str) else None


def run_sync(awaitable: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from synchronous code.

    Works inside a running event loop too (Jupyter, a Playwright test): the
    coroutine then runs on its own loop in a worker thread.
    """
    box: list[T] = []
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        in_a_loop = False
    else:
        in_a_loop = True
    # Outside the ``except`` block: an error of the run must not come chained under
    # "RuntimeError: no running event loop".
    if not in_a_loop:
        asyncio.run(_into(awaitable, box))
        return box[0]
    with ThreadPoolExecutor(max_workers=1) as executor:
        executor.submit(asyncio.run, _into(awaitable, box)).result()
    return box[0]


async def _into(awaitable: Coroutine[Any, Any, T], box: list[T]) -> None:
    """Await and keep the result aside: ``asyncio.run`` formats the repr of its main task,
    result included, when it restores the SIGINT handler (Python 3.11), which for a
    50-source story's report took seconds."""
    box.append(await awaitable)


async def _both(first: Awaitable[A], second: Awaitable[B]) -> tuple[A, B]:
    """Await two awaitables at the same time; if either fails, cancel the other and raise."""
    tasks = (asyncio.ensure_future(first), asyncio.ensure_future(second))
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    finally:
        # Reached with one task failed, or with this story cancelled: stop what still runs,
        # so that no LLM call goes on for a story nobody waits for.
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    # The failure, not the cancellation it caused in the other task (the earlier stage's first).
    for task in tasks:
        if not task.cancelled() and (error := task.exception()) is not None:
            raise error
    return tasks[0].result(), tasks[1].result()


def _fork(context: StageContext, stage: str) -> StageContext:
    """A context for a stage that runs alongside others: its own stage, warnings, usage and
    dropped items, the same settings, client and alignment memo. Merge it back with :func:`_join`."""
    return dataclasses.replace(context, stage=stage, warnings=[], usage=LLMUsage(), dropped=[])


def _join(context: StageContext, fork: StageContext) -> None:
    """Fold a stage that ran first (in stage order) back into the story's context."""
    context.warnings[:0] = fork.warnings
    context.dropped[:0] = fork.dropped
    context.usage = fork.usage.add(context.usage)


def _offline_fork(context: StageContext) -> StageContext:
    """A context in which every plugin runs as in an offline run (no client), sharing the
    story's alignment memo: the offline engine's half of a run with an endpoint."""
    return dataclasses.replace(context, llm=None, warnings=[], usage=LLMUsage(), dropped=[])


def _join_offline(context: StageContext, fork: StageContext) -> None:
    """Fold the offline half's warnings and dropped items into the story's context."""
    context.warnings.extend(fork.warnings)
    fork.warnings.clear()
    context.dropped.extend(fork.dropped)
    fork.dropped.clear()


def _task_order(task: asyncio.Task[Any]) -> str:
    result = task.result()
    return result.story_id if isinstance(result, StoryFailure) else result.story.id


async def _awaitable(value: Any) -> Any:
    return await value


def _note_llm_failure(context: StageContext, plugin: str, error: Exception) -> None:
    """Record that an LLM stage failed for the story: its report and the closing line say so."""
    if isinstance(error, LLMError):
        context.llm_failures.append(f"{context.stage}: {plugin}: {type(error).__name__}")


def _describe(plugin: str, hook: str, error: Exception) -> str:
    if isinstance(error, PluginError):
        return str(error)
    return f"plugin {plugin!r} failed in {hook}: {type(error).__name__}: {error}"


def make_story(story_id: str, documents: list[Document], unread: Sequence[str] = ()) -> Story:
    """A story from loaded documents.

    A document with no text left (a page of captions, an empty page) is left out and
    listed in ``Story.unread``, as are the inputs in ``unread`` that could not be read;
    with no document left it is an input error. A document whose text is the same as an
    earlier one's (the same file saved twice) is merged into it, and the earlier one
    lists it in ``meta.duplicates``; a repeated id gets a suffix.
    """
    kept: list[Document] = []
    left_out = list(unread)
    by_text: dict[str, Document] = {}
    seen: dict[str, int] = {}
    for document in documents:
        if not document.text.strip():
            left_out.append(
                f"{document.meta.path or document.id}: no story text left after removing page "
                "furniture; check that the file holds the article"
            )
            continue
        fingerprint = " ".join(document.text.split()).casefold()
        if fingerprint in by_text:
            by_text[fingerprint].meta.duplicates.append(document.id)
            continue
        if document.id in seen:
            seen[document.id] += 1
            document = document.model_copy(update={"id": f"{document.id}~{seen[document.id]}"})
        else:
            seen[document.id] = 1
        by_text[fingerprint] = document
        kept.append(document)
    if not kept:
        raise InputError("; ".join(left_out))
    return Story(id=story_id, documents=kept, unread=left_out)


def _checked_summary(summary: Summary, story: Story, context: StageContext) -> Summary:
    known = set(story.source_ids)
    sentences = []
    for sentence in summary.sentences:
        unknown = [source_id for source_id in sentence.source_ids if source_id not in known]
        if unknown:
            context.warn(
                f"summary cites unknown sources {unknown}; citations dropped",
                plugin=summary.summarizer,
            )
        cited = [source_id for source_id in sentence.source_ids if source_id in known]
        if cited:
            sentences.append(sentence.model_copy(update={"source_ids": cited}))
    return summary.model_copy(update={"sentences": sentences})


def _link_summary(
    summary: Summary, claims: list[Claim], scoring: Scoring, verdicts: list[Verdict]
) -> Summary:
    """Tie summary sentences to the claims they repeat and flag those resting on disputed ones.

    A source that contradicts a claim a sentence rests on does not carry the
    sentence: it is moved from the sentence's citations to its ``contradicted_by``.
    """
    disputed = {item.claim_id for item in scoring.claims if item.status is ClaimStatus.DISPUTED}
    against: dict[str, set[str]] = {}
    for verdict in verdicts:
        if verdict.is_finding and verdict.against_source_id != verdict.source_id:
            against.setdefault(verdict.claim_id, set()).add(verdict.against_source_id)
    sentences = []
    for sentence in summary.sentences:
        claim_ids = sentence.claim_ids or [
            claim.id for claim in claims if claim.quote and claim.quote in sentence.text
        ]
        contradicting = {
            *sentence.contradicted_by,
            *(source for claim_id in claim_ids for source in against.get(claim_id, ())),
        }
        cited = [source for source in sentence.source_ids if source not in contradicting]
        if not cited:
            # Every carrier is also contradicted: keep the citations, the flag says the rest.
            cited = sentence.source_ids
        sentences.append(
            sentence.model_copy(
                update={
                    "claim_ids": claim_ids,
                    "source_ids": cited,
                    "contradicted_by": [
                        source for source in sentence.source_ids if source in contradicting
                    ]
                    + sorted(contradicting - set(sentence.source_ids)),
                    "disputed": any(claim_id in disputed for claim_id in claim_ids),
                }
            )
        )
    return summary.model_copy(update={"sentences": sentences})


def _checked_claims(claims: list[Claim], story: Story, context: StageContext) -> list[Claim]:
    """Claims whose quote stands at their span, deduplicated and in document order."""
    order = {source_id: position for position, source_id in enumerate(story.source_ids)}
    kept: dict[str, Claim] = {}
    for claim in claims:
        if claim.source_id not in order:
            context.warn(
                f"claim {claim.id} names unknown source {claim.source_id!r}; dropped",
                plugin=claim.extractor,
            )
            continue
        text = story.document(claim.source_id).text
        if claim.span.of(text) != claim.quote:
            context.warn(
                f"claim {claim.id}: its quote is not at its span in {claim.source_id}; dropped",
                plugin=claim.extractor,
            )
            continue
        kept.setdefault(claim.id, claim)
    return sorted(
        kept.values(),
        key=lambda c: (order[c.source_id], c.span.start, c.span.end, c.extractor, c.id),
    )


def _below_threshold_marked(verdicts: list[Verdict], min_confidence: float) -> list[Verdict]:
    """Contradictions under the minimum confidence marked possible, so that every report,
    score and --fail-on counts the same findings."""
    return [
        verdict.model_copy(update={"possible": True})
        if verdict.stance is Stance.CONTRADICTS
        and not verdict.possible
        and verdict.confidence < min_confidence
        else verdict
        for verdict in verdicts
    ]


def _checked_verdicts(
    verdicts: list[Verdict], claims: list[Claim], story: Story, context: StageContext
) -> list[Verdict]:
    """Verdicts about known claims and sources, in claim order, one per (claim, source, checker)."""
    claim_order = {claim.id: position for position, claim in enumerate(claims)}
    source_order = {source_id: position for position, source_id in enumerate(story.source_ids)}
    kept: dict[tuple[str, str, str], Verdict] = {}
    for verdict in verdicts:
        if verdict.claim_id not in claim_order or verdict.against_source_id not in source_order:
            context.warn(
                f"verdict about unknown claim or source ({verdict.claim_id}, {verdict.against_source_id}); dropped",
                plugin=verdict.checker,
            )
            continue
        kept.setdefault((verdict.claim_id, verdict.against_source_id, verdict.checker), verdict)
    return sorted(
        kept.values(),
        key=lambda v: (claim_order[v.claim_id], source_order[v.against_source_id], v.checker),
    )
