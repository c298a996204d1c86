"""Fixtures for the LLM client's tests: fault server, settings, cassettes and a real local model.

Three kinds of endpoint, from cheapest to most real:

- ``fault_server``: a loopback HTTP server (``fault_server.py``) scripted per test.
- cassettes (``@pytest.mark.vcr``, configured in ``tests/conftest.py``):
  recorded or hand-written exchanges, replayed so tests never touch the network.
- ``local_llm`` (``tests/conftest.py``): llama.cpp serving SmolLM2-135M, for
  tests marked ``integration``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # so that tests can `import fault_server`

from fault_server import FaultServer

from veracity.llm import LLMSettings

#: The endpoint cassettes recorded from the local server are replayed against.
#: Only the host is matched, so the port llama.cpp happened to use is irrelevant.
RECORDED_BASE_URL = "http://127.0.0.1:8080/v1"
RECORDED_MODEL = "smollm2"

SettingsFactory = Callable[..., LLMSettings]


@pytest.fixture(autouse=True)
def _private_user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the default cache and config locations into the test's own directory.

    A test that forgets ``cache_path`` must not read or fill the user's real cache.
    """
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio (the client's own loop is asyncio too)."""
    return "asyncio"


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    """A fresh fault server on 127.0.0.1 for one test."""
    with FaultServer() as server:
        yield server


@pytest.fixture
def make_settings(fault_server: FaultServer, tmp_path: Path) -> SettingsFactory:
    """Settings for the fault server with test-sized waits; keyword arguments override.

    Backoff is shortened to milliseconds so retries keep the suite fast; the
    cache is off unless a test turns it on.
    """

    def make(**overrides: Any) -> LLMSettings:
        values: dict[str, Any] = {
            "base_url": fault_server.url,
            "model": "fault-model",
            "timeout": 5.0,
            "backoff_initial": 0.01,
            "backoff_max": 0.05,
            "retry_after_max": 0.5,
            "cache_enabled": False,
            "cache_path": tmp_path / "cache.sqlite3",
        }
        values.update(overrides)
        return LLMSettings(**values)

    return make


@pytest.fixture
def recorded_settings(record_mode: str) -> LLMSettings:
    """Settings for the cassettes recorded from the local llama.cpp server.

    When recording, ``VERACITY_BASE_URL``/``VERACITY_MODEL`` name the live
    endpoint; when replaying, the recorded host and model are used.
    """
    base_url, model = RECORDED_BASE_URL, RECORDED_MODEL
    if record_mode != "none":
        base_url = os.environ.get("VERACITY_BASE_URL", base_url)
        model = os.environ.get("VERACITY_MODEL", model)
    return LLMSettings(
        base_url=base_url,
        model=model,
        cache_enabled=False,
        backoff_initial=0.01,
        backoff_max=0.05,
    )
