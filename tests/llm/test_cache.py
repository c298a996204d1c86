"""The SQLite response cache: canonical keys, durability and concurrent writers."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from veracity.llm import CacheError, ChatMessage, ResponseCache, cache_key
from veracity.llm.cache import CachedResponse

MESSAGES = [ChatMessage.system("Be brief."), ChatMessage.user("Summarize.")]
PARAMS = {"temperature": 0.0, "seed": 42, "max_tokens": 100}


def key(**changes: object) -> str:
    values: dict[str, object] = {
        "kind": "chat",
        "model": "m",
        "messages": MESSAGES,
        "schema": None,
        "params": PARAMS,
        "prompt_version": "",
    }
    values.update(changes)
    return cache_key(**values)  # type: ignore[arg-type]


def test_equal_requests_have_equal_keys() -> None:
    assert key() == key(params={"max_tokens": 100, "seed": 42, "temperature": 0.0})


@pytest.mark.parametrize(
    "change",
    [
        {"kind": "structured"},
        {"model": "other"},
        {"messages": [*MESSAGES, ChatMessage.user("More.")]},
        {"messages": [ChatMessage.user("Be brief."), ChatMessage.user("Summarize.")]},
        {"schema": {"type": "object"}},
        {"params": {**PARAMS, "max_tokens": 101}},
        {"params": {**PARAMS, "seed": 7}},
        {"prompt_version": "2"},
    ],
)
def test_anything_that_changes_the_answer_changes_the_key(change: dict[str, object]) -> None:
    assert key(**change) != key()


def test_key_is_a_sha256_hex_digest() -> None:
    assert len(key()) == 64
    int(key(), 16)


def test_a_stored_response_comes_back(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "c.sqlite3")
    stored = CachedResponse(text="answer", finish_reason="stop", model="m")

    cache.put(key(), stored, purpose="test")

    assert cache.get(key()) == stored
    assert cache.get(key(model="other")) is None
    assert len(cache) == 1


def test_responses_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    first = ResponseCache(path)
    first.put(key(), CachedResponse(text="kept", finish_reason="stop"), purpose="test")
    first.close()

    cached = ResponseCache(path).get(key())

    assert cached is not None
    assert cached.text == "kept"


def test_the_database_runs_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    ResponseCache(path).close()

    mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]

    assert mode == "wal"


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)

    with pytest.raises(CacheError, match="--no-cache"):
        ResponseCache(path)


def test_the_parent_directory_is_created(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "c.sqlite3"

    ResponseCache(path).close()

    assert path.exists()


def test_threads_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "c.sqlite3")

    def write(worker: int) -> None:
        for n in range(50):
            cache.put(
                key(model=f"w{worker}-{n}"),
                CachedResponse(text=f"{worker}-{n}", finish_reason="stop"),
                purpose="test",
            )

    threads = [threading.Thread(target=write, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(cache) == 400


# Run by separate Python processes: the test module itself is not importable there.
_WRITER = """
import sys
from veracity.llm import ChatMessage, ResponseCache, cache_key
from veracity.llm.cache import CachedResponse

path, worker = sys.argv[1], sys.argv[2]
cache = ResponseCache(path)
for n in range(40):
    key = cache_key(kind="chat", model=f"p{worker}-{n}", messages=[ChatMessage.user("q")],
                    schema=None, params={}, prompt_version="")
    cache.put(key, CachedResponse(text=f"{worker}-{n}", finish_reason="stop"), purpose="test")
cache.close()
"""


def test_processes_sharing_one_cache_file_lose_nothing(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.sqlite3")
    workers = [
        subprocess.Popen([sys.executable, "-c", _WRITER, path, str(w)], stderr=subprocess.PIPE)
        for w in range(4)
    ]
    errors = [worker.communicate(timeout=60)[1].decode() for worker in workers]

    assert [worker.returncode for worker in workers] == [0, 0, 0, 0], errors
    cache = ResponseCache(path)
    assert len(cache) == 160
    last = cache_key(
        kind="chat",
        model="p3-39",
        messages=[ChatMessage.user("q")],
        schema=None,
        params={},
        prompt_version="",
    )
    cached = cache.get(last)
    assert cached is not None and cached.text == "3-39"


def test_an_entry_from_an_incompatible_version_is_a_miss(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    ResponseCache(path).close()
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO responses VALUES (?, ?, ?)", (key(), "old", '{"unexpected": true}'))

    assert ResponseCache(path).get(key()) is None


def test_a_closed_cache_misses_and_ignores_writes(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "c.sqlite3")
    cache.close()

    cache.put(key(), CachedResponse(text="x", finish_reason="stop"), purpose="test")

    assert cache.get(key()) is None
