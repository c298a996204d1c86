"""Setting up the LLM endpoint for a run: its settings and, for ``--local-model``, a server.

The run decides here whether it is an LLM run at all: with no endpoint
configured anywhere (and no ``--local-model``), it stays on the offline
engine. No chat request is sent here: a fully cached re-run makes no chat call
at all, and an endpoint that turns out to be down or to refuse the key stops
the run at its first call (see ``veracity.cli``). :func:`fit_to_context` asks
the server for its context window (a GET or two, failures ignored).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from veracity.errors import VeracityError
from veracity.llm import LLMClient, LLMSettings, LocalServer
from veracity.llm.context_window import discover_context_window, fit_input_budget
from veracity.llm.errors import LLMError
from veracity.settings import Settings


def default_local_threads() -> int:
    """Threads for ``--local-model`` when ``--local-threads`` is not given: cores - 1, at least 1."""
    return max(1, (os.cpu_count() or 2) - 1)


class EndpointUnusable(VeracityError):
    """The configured endpoint cannot be used: down, refusing the key, or misconfigured."""


@contextmanager
def open_llm(
    *,
    offline: bool,
    local_model: Path | None = None,
    local_threads: int | None = None,
    base_url: str | None = None,
    model: str | None = None,
    config_file: Path | None = None,
    **overrides: Any,
) -> Iterator[LLMClient | None]:
    """The run's LLM client, or None for the offline engine; closed (and any
    embedded server stopped) when the run ends.

    :param local_threads: CPU threads of the embedded server (default: cores - 1, at
        least 1: on a busy machine one thread less than the cores decodes faster).

    :raises EndpointUnusable: the endpoint is configured but cannot be used.
    """
    if offline:
        yield None
        return
    with ExitStack() as stack:
        try:
            if local_model is not None:
                server = stack.enter_context(
                    LocalServer(local_model, n_threads=local_threads or default_local_threads())
                )
                # The embedded server decodes one request at a time: more in flight only
                # queue there and eat into each request's timeout.
                local: dict[str, Any] = {"concurrency": 1, "timeout": 600.0}
                local.update({k: v for k, v in overrides.items() if v is not None})
                settings: LLMSettings | None = server.settings(**local)
            else:
                settings = LLMSettings.resolve_or_none(
                    base_url, model, None, config_file, **overrides
                )
        except (LLMError, VeracityError) as error:
            raise EndpointUnusable(str(error)) from None
        if settings is None:
            yield None
            return
        client = stack.enter_context(LLMClient(settings))
        yield client


def fit_to_context(settings: Settings, llm: LLMClient | None) -> str | None:
    """Shrink ``settings.llm_input_budget`` to the context window the endpoint states
    (llama.cpp ``/props``, vLLM ``max_model_len``, Ollama ``/api/show``).

    :return: a line for the terminal when the budget was changed, else None.
    """
    if llm is None:
        return None
    window = discover_context_window(llm.settings)
    if window is None:
        return None
    fitted = fit_input_budget(settings.llm_input_budget, window, llm.settings.max_tokens)
    if fitted >= settings.llm_input_budget:
        return None
    settings.llm_input_budget = fitted
    return (
        f"the endpoint's context is {window} tokens: input budget {fitted} tokens per call "
        "(--llm-input-budget)"
    )
