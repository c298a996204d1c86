"""Setting up the LLM endpoint for a run: its settings and, for ``--local-model``, a server.

The run decides here whether it is an LLM run at all: with no endpoint
configured anywhere (and no ``--local-model``), it stays on the offline
engine. No request is sent here: a fully cached re-run makes no HTTP call at
all, and an endpoint that turns out to be down or to refuse the key stops the
run at its first call (see ``veracity.cli``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from veracity.errors import VeracityError
from veracity.llm import LLMClient, LLMSettings, LocalServer
from veracity.llm.errors import LLMError


class EndpointUnusable(VeracityError):
    """The configured endpoint cannot be used: down, refusing the key, or misconfigured."""


@contextmanager
def open_llm(
    *,
    offline: bool,
    local_model: Path | None = None,
    base_url: str | None = None,
    model: str | None = None,
    config_file: Path | None = None,
    **overrides: Any,
) -> Iterator[LLMClient | None]:
    """The run's LLM client, or None for the offline engine; closed (and any
    embedded server stopped) when the run ends.

    :raises EndpointUnusable: the endpoint is configured but cannot be used.
    """
    if offline:
        yield None
        return
    with ExitStack() as stack:
        try:
            if local_model is not None:
                server = stack.enter_context(LocalServer(local_model))
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
