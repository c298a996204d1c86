"""One concurrency limit for the whole run, which tightens when the server says 429.

Every request of every stage and story passes through the same
:class:`Throttle`. A 429 pauses *all* new requests until the server's
retry-after has passed and halves the number allowed in flight; each run of
successes as long as the current limit raises it by one again (additive
increase, multiplicative decrease, as TCP does). Without this, the other
requests of a batch would keep hitting a server that just asked for less.

The client talks to a :class:`RequestLimiter`: its own :class:`Throttle` by default,
or one the caller gives it, such as a limiter shared by the workers of a cluster
(``veracity.pipeline.ray_support``), so that one limit and one back-off hold for
the whole run wherever its requests are sent from.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from typing import Protocol, runtime_checkable


@runtime_checkable
class RequestLimiter(Protocol):
    """What the client asks before each HTTP request, and tells after it.

    :class:`Throttle` is the one-process implementation; any object with these
    methods can stand in for it (``LLMClient(settings, limiter=...)``).
    """

    def slot(self) -> AbstractAsyncContextManager[None]:
        """Hold one request slot for the duration of one HTTP request."""
        ...

    def rate_limited(self, pause: float) -> None:
        """The server said 429: pause every new request for ``pause`` seconds."""
        ...

    async def succeeded(self) -> None:
        """A request went through (the limit may grow back after a 429)."""
        ...


class Throttle:
    """A shared limit on requests in flight, with a run-wide pause after rate limiting.

    Lives on one event loop: all its methods must be called from that loop.
    """

    def __init__(self, limit: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1:
            raise ValueError("the concurrency limit must be at least 1")
        self._max_limit = limit
        self._limit = limit
        self._in_flight = 0
        self._successes = 0
        self._paused_until = 0.0
        self._clock = clock
        self._changed = asyncio.Condition()
        self.peak_in_flight = 0

    @property
    def limit(self) -> int:
        """How many requests may be in flight right now."""
        return self._limit

    @property
    def in_flight(self) -> int:
        """How many requests are in flight right now."""
        return self._in_flight

    @property
    def paused_for(self) -> float:
        """Seconds until new requests may start again; 0 when not paused."""
        return max(self._paused_until - self._clock(), 0.0)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the slots for the duration of one HTTP request."""
        await self.acquire()
        try:
            yield
        finally:
            await self.release()

    async def acquire(self) -> None:
        """Wait for a free slot and take it; pair with :meth:`release` (or use :meth:`slot`)."""
        async with self._changed:
            while True:
                pause = self._paused_until - self._clock()
                if pause > 0:
                    # Wake early if notified, then look again: the pause may
                    # have been extended by another 429 in the meantime.
                    with suppress(TimeoutError):
                        await asyncio.wait_for(self._changed.wait(), timeout=pause)
                    continue
                if self._in_flight < self._limit:
                    self._in_flight += 1
                    self.peak_in_flight = max(self.peak_in_flight, self._in_flight)
                    return
                await self._changed.wait()

    async def release(self) -> None:
        """Give back a slot taken with :meth:`acquire`."""
        async with self._changed:
            self._in_flight -= 1
            self._changed.notify_all()

    def rate_limited(self, pause: float) -> None:
        """The server said 429: pause everyone for ``pause`` seconds and halve the limit.

        429s that arrive while a pause is on answer requests sent before it
        began: they do not halve the limit again, or one burst would drive
        it straight down to 1 (TCP likewise cuts its window once per loss event).
        """
        now = self._clock()
        if now >= self._paused_until:
            self._limit = max(1, self._limit // 2)
            self._successes = 0
        self._paused_until = max(self._paused_until, now + pause)

    async def succeeded(self) -> None:
        """A request went through: after ``limit`` successes in a row, allow one more."""
        if self._limit >= self._max_limit:
            return
        self._successes += 1
        if self._successes >= self._limit:
            self._successes = 0
            async with self._changed:
                self._limit += 1
                self._changed.notify_all()
