"""Plain classes that a Ray cluster runs as actors for an LLM run: the request limiter
and the response cache every worker shares.

They live here, apart from the pipeline's Ray code (:mod:`veracity.pipeline.ray_support`),
so that the process of each actor imports only this module, the throttle and the cache,
not the pipeline, numpy and the comparison rules: an actor starts in a fraction of the
time, and every story of a run waits for the limiter's first answer. Nothing here
imports Ray; the executor makes actors of these classes with ``ray.remote``.
"""

from __future__ import annotations

import asyncio

from pydantic import BaseModel, Field

from .cache import CachedResponse, ResponseCache
from .throttle import Throttle

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
