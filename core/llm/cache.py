"""A response cache in SQLite, so that re-running a batch costs nothing.

Entries are keyed by a SHA-256 over a canonical JSON of everything that
decides the answer: model, messages, schema, sampling parameters and the
caller's prompt version. The endpoint URL is left out on purpose: the same
model behind a new port (``--local-model`` picks a free one on every run)
must still hit. The API key is never part of a key or a value.

The database runs in WAL mode with a busy timeout, so several veracity
processes can share one cache file: readers never block, and writers wait
their turn instead of failing with "database is locked".
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ValidationError

from .errors import CacheError
from .messages import ChatMessage

logger = logging.getLogger("veracity.llm")

#: Bumped whenever the meaning of a key or the stored value changes, so that
#: old entries are simply never found again.
CACHE_FORMAT = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    purpose TEXT NOT NULL,
    response TEXT NOT NULL
) WITHOUT ROWID
"""


class CachedResponse(BaseModel):
    """What is stored for one request: the answer as the server gave it."""

    text: str
    finish_reason: str | None
    model: str | None = None
    refusal: str | None = None


def cache_key(
    *,
    kind: str,
    model: str,
    messages: Sequence[ChatMessage],
    schema: dict[str, Any] | None,
    params: dict[str, Any],
    prompt_version: str,
) -> str:
    """The hex SHA-256 of the canonical JSON of a request.

    ``kind`` separates plain chat answers from structured ones; keys are
    sorted and separators fixed so that equal requests always hash equally.
    """
    canonical = json.dumps(
        {
            "format": CACHE_FORMAT,
            "kind": kind,
            "model": model,
            "messages": [[m.role, m.content] for m in messages],
            "schema": schema,
            "params": params,
            "prompt_version": prompt_version,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@runtime_checkable
class ResponseStore(Protocol):
    """Where the client looks answers up and stores them: a :class:`ResponseCache`,
    or a stand-in for one (e.g. the cache of a Ray cluster's driver, reached from
    every worker through an actor in ``veracity.pipeline.ray_support``)."""

    async def aget(self, key: str) -> CachedResponse | None:
        """The cached response for ``key``; ``None`` on a miss or an unreadable store."""
        ...

    async def aput(self, key: str, response: CachedResponse, *, purpose: str) -> bool:
        """Store ``response``; ``False`` when it could not be stored (never raises)."""
        ...

    def close(self) -> None:
        """Release what the store holds; later reads miss."""
        ...


class ResponseCache:
    """A SQLite file of cached responses, safe to share between threads and processes."""

    def __init__(self, path: str | Path, *, busy_timeout: float = 30.0) -> None:
        self.path = Path(path).expanduser()
        self._lock = threading.Lock()
        try:
            # The cache holds prompts, i.e. the articles being checked: keep
            # a directory we create private to the user.
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._db = sqlite3.connect(
                self.path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
            )
            self._db.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise CacheError(
                f"cannot use the response cache {self.path}: {exc} "
                "(delete the file, choose another with --cache PATH, or run with --no-cache)"
            ) from None
        self._closed = False

    def get(self, key: str) -> CachedResponse | None:
        """The cached response for ``key``; ``None`` when absent or unreadable."""
        with self._lock:
            if self._closed:
                return None
            row = self._db.execute(
                "SELECT response FROM responses WHERE key = ?", (key,)
            ).fetchone()
        if row is None:
            return None
        try:
            return CachedResponse.model_validate_json(row[0])
        except ValidationError:
            # An entry written by another version: a miss, not a failure.
            return None

    def put(self, key: str, response: CachedResponse, *, purpose: str) -> None:
        """Store ``response`` under ``key``, replacing any earlier entry."""
        payload = response.model_dump_json()
        with self._lock:
            if self._closed:
                return
            self._db.execute(
                "INSERT OR REPLACE INTO responses (key, purpose, response) VALUES (?, ?, ?)",
                (key, purpose, payload),
            )

    async def aget(self, key: str) -> CachedResponse | None:
        """:meth:`get` off the event loop, so a busy database never stalls other requests.

        A database error is a miss (and a warning): the call can still be
        answered by the endpoint, so a broken cache must not fail it.
        """
        try:
            return await asyncio.to_thread(self.get, key)
        except sqlite3.Error as exc:
            logger.warning("could not read the response cache %s: %s", self.path, exc)
            return None

    async def aput(self, key: str, response: CachedResponse, *, purpose: str) -> bool:
        """:meth:`put` off the event loop; ``False`` (and a warning) if the write failed.

        A failed write must not cost the caller the answer it just paid for,
        so the error is logged rather than raised.
        """
        try:
            await asyncio.to_thread(self.put, key, response, purpose=purpose)
        except sqlite3.Error as exc:
            logger.warning("could not write to the response cache %s: %s", self.path, exc)
            return False
        return True

    def __len__(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT COUNT(*) FROM responses").fetchone()
        return int(row[0])

    def close(self) -> None:
        """Close the database; later gets miss and puts are dropped."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._db.close()

    def __repr__(self) -> str:
        return f"ResponseCache({str(self.path)!r})"
