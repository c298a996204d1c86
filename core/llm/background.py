"""A private event loop in a daemon thread, on which all of a client's HTTP work runs.

An ``httpx.AsyncClient``'s connections belong to the event loop that opened
them, so one pool cannot serve both ``asyncio.run``-style sync callers and
async callers on their own loops. Running every request on one private loop
gives sync and async callers the same connection pool, the same concurrency
limit and the same rate-limit pause, whatever thread or loop they call from.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

R = TypeVar("R")


class BackgroundLoop:
    """Runs coroutines on one event loop owned by a daemon thread, started on first use."""

    def __init__(self, name: str = "veracity-llm") -> None:
        self._name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The loop, started if it was not yet."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the LLM client is closed")
            if self._loop is None:
                ready = threading.Event()
                loop = asyncio.new_event_loop()

                def run() -> None:
                    asyncio.set_event_loop(loop)
                    loop.call_soon(ready.set)
                    loop.run_forever()

                self._thread = threading.Thread(target=run, name=self._name, daemon=True)
                self._thread.start()
                ready.wait()
                self._loop = loop
            return self._loop

    def in_loop_thread(self) -> bool:
        """True when called from the loop's own thread."""
        return self._thread is not None and threading.current_thread() is self._thread

    def submit(self, coro: Coroutine[Any, Any, R]) -> concurrent.futures.Future[R]:
        """Schedule ``coro`` on the loop; a future usable from any thread."""
        try:
            loop = self.loop
        except RuntimeError:
            coro.close()  # never awaited: close it to avoid a "never awaited" warning
            raise
        return asyncio.run_coroutine_threadsafe(coro, loop)

    async def run(self, coro: Coroutine[Any, Any, R]) -> R:
        """Await ``coro`` on the loop from any other event loop.

        Cancelling the caller cancels the coroutine on the loop too.
        """
        if self.in_loop_thread():
            return await coro
        return await asyncio.wrap_future(self.submit(coro))

    def run_sync(self, coro: Coroutine[Any, Any, R]) -> R:
        """Run ``coro`` on the loop and block until it is done."""
        if self.in_loop_thread():
            coro.close()
            raise RuntimeError(
                "a sync LLM call was made from inside the client's own event loop; "
                "await the async method instead"
            )
        return self.submit(coro).result()

    def stop(self) -> None:
        """Stop the loop and join its thread; later calls raise ``RuntimeError``."""
        with self._lock:
            self._closed = True
            loop, thread = self._loop, self._thread
            self._loop = None
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        if threading.current_thread() is not thread:
            thread.join()
            loop.close()
