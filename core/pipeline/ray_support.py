"""An LLM run on a Ray cluster: one request limit, one 429 back-off and one cache for all.

With an LLM endpoint, ``--executor ray`` runs stories in *story runners*: one async
actor per CPU of the cluster, each running many stories at once on its event loop
(a story mostly waits on the endpoint, so one story per CPU would leave it idle).
Every runner's client obeys two actors that live on the driver's node:

- :class:`LimiterActor` grants at most ``--concurrency`` request permits across the
  whole cluster and holds the run's 429 back-off: a ``Retry-After`` seen by any
  runner pauses new requests of all of them (it is a :class:`Throttle`, so the limit
  also halves and grows back as in one process). Permits are held per runner, so the
  permits of a runner that died are given back (:meth:`LimiterActor.forget`).
- :class:`CacheActor` owns the driver's SQLite response cache; runners read and
  write it through the actor, so no worker node needs the driver's disk and a
  second run of the same batch makes no HTTP call.

One actor round trip costs about a millisecond, against a request's hundreds;
releases and success reports are sent without waiting for them.

A runner that dies (its node stopped) loses the stories it was running: the
driver starts them again on the runners left, and only the driver writes results,
so a story is never written twice.

Ray is imported only when these are used: it is an optional extra.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from veracity.llm.cache import CachedResponse, ResponseCache
from veracity.llm.throttle import Throttle
from veracity.models import StoryFailure, StoryReport
from veracity.pipeline.events import StageEvent
from veracity.pipeline.executors import (
    Item,
    Outcome,
    WorkerSetupError,
    WorkerSpec,
    build_worker_pipeline,
    item_id,
    loaded,
    single_threaded_blas,
    story_result,
)

logger = logging.getLogger("veracity.pipeline")

# Calls an actor may have waiting at once: every request waiting for a permit is one.
ACTOR_CALLS = 10_000


class LimiterStats(BaseModel):
    """What the cluster's request limiter has seen."""

    limit: int = Field(description="Requests allowed in flight now (halved by a 429).")
    in_flight: int = Field(description="Permits granted and not yet given back.")
    peak_in_flight: int = Field(description="The most permits ever granted at once.")
    rate_limits: int = Field(description="429 answers reported by the runners.")
    forgotten: int = Field(description="Permits of runners that died, given back after a grace.")


class LimiterActor:
    """The run's request permits and 429 back-off; an async Ray actor (all on one loop)."""

    def __init__(self, limit: int) -> None:
        self._throttle = Throttle(limit)
        self._held: dict[str, int] = {}
        self._gone: set[str] = set()
        self._rate_limits = 0
        self._forgotten = 0
        self._later: set[asyncio.Task[None]] = set()

    async def acquire(self, holder: str) -> None:
        """Wait for a permit for ``holder`` (a runner) and take it."""
        await self._throttle.acquire()
        if holder in self._gone:
            # Asked for by a runner that died while it waited: nobody will give it back.
            await self._throttle.release()
            return
        self._held[holder] = self._held.get(holder, 0) + 1

    async def release(self, holder: str, granted: object = None) -> None:
        """Give back one of ``holder``'s permits.

        :param granted: the reference of an ``acquire`` whose caller stopped waiting;
            Ray resolves it before this runs, so the permit is given back once granted.
        """
        if self._held.get(holder, 0) > 0:
            self._held[holder] -= 1
            await self._throttle.release()

    def rate_limited(self, pause: float) -> None:
        """A runner got a 429: no new request anywhere for ``pause`` seconds."""
        self._rate_limits += 1
        self._throttle.rate_limited(pause)

    async def succeeded(self) -> None:
        """A request went through (the limit grows back after a 429)."""
        await self._throttle.succeeded()

    async def forget(self, holder: str, after: float = 0.0) -> int:
        """``holder`` died: give back the permits it held ``after`` seconds from now.

        Not at once: the server may still be working on the requests the holder had
        sent (it learns that their connection closed only when it answers), and
        granting their permits now would put more than the limit in flight.
        Returns how many permits it held.
        """
        self._gone.add(holder)
        count = self._held.pop(holder, 0)
        self._forgotten += count
        if count:
            task = asyncio.get_running_loop().create_task(self._release_later(count, after))
            self._later.add(task)
            task.add_done_callback(self._later.discard)
        return count

    async def _release_later(self, count: int, after: float) -> None:
        await asyncio.sleep(after)
        for _ in range(count):
            await self._throttle.release()

    def stats(self) -> LimiterStats:
        """The counters, for benchmarks and tests."""
        return LimiterStats(
            limit=self._throttle.limit,
            in_flight=self._throttle.in_flight,
            peak_in_flight=self._throttle.peak_in_flight,
            rate_limits=self._rate_limits,
            forgotten=self._forgotten,
        )


class CacheActor:
    """The driver's SQLite response cache, served to every runner of the cluster."""

    def __init__(self, path: str) -> None:
        self._cache = ResponseCache(path)

    async def get(self, key: str) -> CachedResponse | None:
        """The cached response for ``key``, or None."""
        return await self._cache.aget(key)

    async def put(self, key: str, response: CachedResponse, purpose: str) -> bool:
        """Store ``response`` under ``key``; False when the write failed."""
        return await self._cache.aput(key, response, purpose=purpose)

    def close(self) -> None:
        """Close the database (before the actor is killed)."""
        self._cache.close()


@dataclass(frozen=True)
class SharedLimiter:
    """A runner's side of :class:`LimiterActor`: a ``RequestLimiter`` for ``LLMClient``."""

    actor: Any
    holder: str

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the cluster's permits for the duration of one HTTP request."""
        granted = self.actor.acquire.remote(self.holder)
        try:
            await granted
        except asyncio.CancelledError:
            # The permit may still be granted after we stop waiting: have it given back then.
            self.actor.release.remote(self.holder, granted)
            raise
        try:
            yield
        finally:
            self.actor.release.remote(self.holder)

    def rate_limited(self, pause: float) -> None:
        """Pause every runner's new requests for ``pause`` seconds."""
        self.actor.rate_limited.remote(pause)

    async def succeeded(self) -> None:
        """Report a success; not awaited, the request has its answer already."""
        self.actor.succeeded.remote()


@dataclass(frozen=True)
class SharedCache:
    """A runner's side of :class:`CacheActor`: a ``ResponseStore`` for ``LLMClient``."""

    actor: Any

    async def aget(self, key: str) -> CachedResponse | None:
        """The driver's cached answer; a miss (and a warning) if the actor cannot answer."""
        try:
            found: CachedResponse | None = await self.actor.get.remote(key)
        except Exception as error:  # the actor died with its node: the endpoint still answers
            logger.warning("the cluster's response cache is unreachable: %s", error)
            return None
        return found

    async def aput(self, key: str, response: CachedResponse, *, purpose: str) -> bool:
        """Store an answer in the driver's cache; False (and a warning) if it failed."""
        try:
            stored: bool = await self.actor.put.remote(key, response, purpose)
        except Exception as error:
            logger.warning("could not write to the cluster's response cache: %s", error)
            return False
        return stored

    def close(self) -> None:
        """Nothing to close here: the driver closes the actor's database."""


class StoryRunner:
    """Runs many stories at once on its event loop; an async Ray actor, one per CPU."""

    def __init__(self, spec: WorkerSpec, holder: str) -> None:
        single_threaded_blas()
        self._spec = spec
        self._holder = holder
        self._pipeline: Any = None
        self._events: dict[str, list[StageEvent]] = {}

    def ping(self) -> str:
        """This runner's holder name: proof that it is alive."""
        return self._holder

    async def run(self, item: Item) -> Outcome:
        """One story's result (``finish``'s answer, when the spec has one) and its stages.

        ``item`` may be a story not yet read: it is read here, as the other executors'
        workers read theirs.
        """
        if self._pipeline is None:
            try:
                self._pipeline = self._build()
            except WorkerSetupError as error:
                return Outcome([], [], setup_error=str(error))
        story_id = item_id(item)
        events = self._events[story_id] = []
        results: list[Any] = []
        try:
            for story in await asyncio.to_thread(lambda: list(loaded(self._pipeline, [item]))):
                result: Any = story
                if not isinstance(story, StoryFailure):
                    result = await story_result(self._pipeline, story)
                if self._spec.finish is not None and isinstance(result, StoryReport):
                    # In a thread: rendering on this loop would hold up the other stories.
                    result = await asyncio.to_thread(self._spec.finish, self._pipeline, result)
                results.append(result)
        finally:
            self._events.pop(story_id, None)
        return Outcome(results, events)

    def _build(self) -> Any:
        spec = self._spec
        limiter = SharedLimiter(spec.llm_limiter, self._holder) if spec.llm_limiter else None
        cache = SharedCache(spec.llm_cache) if spec.llm_cache else None
        pipeline = build_worker_pipeline(spec, limiter=limiter, cache=cache)
        # Stories run side by side here: each one's stages are kept apart by its id.
        pipeline.on_stage = self._record
        return pipeline

    def _record(self, event: StageEvent) -> None:
        events = self._events.get(event.story_id)
        if events is not None:
            events.append(event)
