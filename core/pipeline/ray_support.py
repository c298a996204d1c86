"""An LLM run on a Ray cluster: one request limit, one 429 back-off and one cache for all.

With an LLM endpoint, ``--executor ray`` runs stories in *story runners*: one async
actor per CPU of the cluster, each running many stories at once on its event loop
(a story mostly waits on the endpoint, so one story per CPU would leave it idle).
Every runner's client obeys two actors that live on the driver's node (their classes are
in :mod:`veracity.llm.cluster`, a light module, so that they start quickly):

- ``LimiterActor`` grants at most ``--concurrency`` request permits across the
  whole cluster and holds the run's 429 back-off: a ``Retry-After`` seen by any
  runner pauses new requests of all of them (it is a :class:`Throttle`, so the limit
  also halves and grows back as in one process). Permits are held per runner, so the
  permits of a runner that died are given back (``LimiterActor.forget``).
- ``CacheActor`` owns the driver's SQLite response cache; runners read and
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

from veracity.llm.cache import CachedResponse
from veracity.pipeline.events import StageEvent
from veracity.pipeline.executors import (
    Item,
    Outcome,
    WorkerSetupError,
    WorkerSpec,
    build_worker_pipeline,
    item_id,
    item_results,
    single_threaded_blas,
)
from veracity.pipeline.runner import warm_up_in_a_thread

logger = logging.getLogger("veracity.pipeline")


@dataclass(frozen=True)
class SharedLimiter:
    """A runner's side of :class:`veracity.llm.cluster.LimiterActor`: a ``RequestLimiter`` for ``LLMClient``."""

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
    """A runner's side of :class:`veracity.llm.cluster.CacheActor`: a ``ResponseStore`` for ``LLMClient``."""

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
        try:
            results = await item_results(self._pipeline, item, self._spec.finish, off_the_loop=True)
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
        # The word list loads while the first stories wait on the endpoint, as in a batch.
        warm_up_in_a_thread()
        return pipeline

    def _record(self, event: StageEvent) -> None:
        events = self._events.get(event.story_id)
        if events is not None:
            events.append(event)
