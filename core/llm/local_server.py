"""The embedded llama.cpp server behind ``--local-model PATH.gguf``.

``xllamacpp`` (the optional extra ``veracity[local]``) runs llama.cpp's own
OpenAI-compatible HTTP server inside this process. :class:`LocalServer`
starts it on a free loopback port, waits until it answers ``/health``, and
stops it at the end, so a user with a GGUF file needs no server of their own::

    with LocalServer("SmolLM2-135M-Instruct.Q4_1.gguf") as server:
        with LLMClient(server.settings()) as client:
            ...

``python -m veracity.llm.serve MODEL.gguf --port 8080`` serves a model until
Ctrl-C, e.g. to record cassettes against it.
"""

from __future__ import annotations

import atexit
import gc
import os
import socket
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from .errors import LocalServerError
from .settings import LLMSettings

_INSTALL_HINT = "install it with: pip install 'veracity[local]'"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


class LocalServer:
    """llama.cpp's server on 127.0.0.1, serving one GGUF model, for as long as the object lives."""

    def __init__(
        self,
        model_path: str | Path,
        *,
        alias: str | None = None,
        port: int | None = None,
        n_ctx: int = 4096,
        n_threads: int | None = None,
        n_parallel: int = 1,
        startup_timeout: float = 60.0,
        verbose: bool = False,
    ) -> None:
        """Describe the server; :meth:`start` (or ``with``) runs it.

        :param model_path: the ``.gguf`` file to serve.
        :param alias: the model name clients send; by default the file name
            without ``.gguf``, so that the response cache (keyed by model
            name) keeps answers of different files apart.
        :param port: a fixed port; by default a free one is picked.
        :param n_ctx: context window in tokens, shared by the parallel slots.
        :param n_threads: CPU threads; by default all cores, at most 8.
        :param n_parallel: requests the server decodes at once.
        :param startup_timeout: seconds to wait for ``/health`` to answer.
        :param verbose: let llama.cpp log to stderr (it is silenced by default).
        """
        self.model_path = Path(model_path).expanduser()
        self.model = alias or self.model_path.name.removesuffix(".gguf")
        self._requested_port = port
        self.port: int | None = None
        self.n_ctx = n_ctx
        self.n_threads = n_threads or max(1, min(os.cpu_count() or 1, 8))
        self.n_parallel = n_parallel
        self.startup_timeout = startup_timeout
        self.verbose = verbose
        self._server: Any = None

    @property
    def base_url(self) -> str:
        """The server's OpenAI API root, e.g. ``http://127.0.0.1:40123/v1``."""
        if self.port is None:
            raise LocalServerError("the local server is not running")
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def running(self) -> bool:
        """True between :meth:`start` and :meth:`stop`."""
        return self._server is not None

    def settings(self, **overrides: Any) -> LLMSettings:
        """Client settings pointing at this server; ``overrides`` set any other field."""
        return LLMSettings(base_url=self.base_url, model=self.model, **overrides)

    def start(self) -> LocalServer:
        """Start the server and wait until it answers; returns ``self``.

        :raises LocalServerError: xllamacpp is missing, the model file is
            missing or unreadable, or the server did not come up in time.
        """
        if self._server is not None:
            return self
        if not self.model_path.is_file():
            raise LocalServerError(f"model file not found: {self.model_path}")
        with self.model_path.open("rb") as handle:
            if handle.read(4) != b"GGUF":
                raise LocalServerError(f"{self.model_path} is not a GGUF model file")
        try:
            import xllamacpp
        except ImportError:
            raise LocalServerError(
                f"--local-model needs the xllamacpp package: {_INSTALL_HINT}"
            ) from None
        # A picked port can be taken by someone else before llama.cpp binds
        # it; a few fresh picks make that race harmless.
        tries = 1 if self._requested_port is not None else 3
        last_error = ""
        for _ in range(tries):
            port = self._requested_port or free_port()
            params = xllamacpp.CommonParams()
            params.model.path = str(self.model_path)
            params.model_alias = {self.model}
            params.port = port
            params.n_ctx = self.n_ctx
            params.n_parallel = self.n_parallel
            params.cpuparams.n_threads = self.n_threads
            params.cpuparams_batch.n_threads = self.n_threads
            params.verbosity = 3 if self.verbose else -1
            try:
                self._server = xllamacpp.Server(params)
            except RuntimeError as exc:
                last_error = str(exc)
                continue
            self.port = port
            # A server nobody stopped (a test process interrupted before its teardown) is
            # stopped while the interpreter is still whole, not left to the native
            # library's teardown at exit.
            atexit.register(self.stop)
            break
        else:
            raise LocalServerError(
                f"llama.cpp could not start with {self.model_path}: {last_error} "
                "(is it a model llama.cpp supports? is the port free?)"
            )
        try:
            self._wait_until_healthy()
        except LocalServerError:
            self.stop()
            raise
        return self

    def _wait_until_healthy(self) -> None:
        url = f"http://127.0.0.1:{self.port}/health"
        deadline = time.monotonic() + self.startup_timeout
        with httpx.Client(trust_env=False, timeout=2.0) as http:
            while True:
                try:
                    # 503 while the model is still loading, 200 once it serves.
                    if http.get(url).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise LocalServerError(
                        f"the local llama.cpp server did not answer {url} "
                        f"within {self.startup_timeout:g} s"
                    )
                time.sleep(0.05)

    def stop(self) -> None:
        """Stop the server and wait until its port is closed."""
        if self._server is None:
            return
        port = self.port
        atexit.unregister(self.stop)
        # xllamacpp stops its server when the object is freed; nothing else
        # holds a reference, so dropping ours stops it now.
        self._server = None
        gc.collect()
        if port is not None:
            deadline = time.monotonic() + 10.0
            while _port_open(port) and time.monotonic() < deadline:
                time.sleep(0.05)
        self.port = None

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = f"port={self.port}" if self.running else "stopped"
        return f"LocalServer({str(self.model_path)!r}, model={self.model!r}, {state})"
