"""Helpers and pytest fixtures for testing veracity plugins.

Use the helpers from any test::

    from veracity.testing import make_story, pipeline_with

    def test_my_check_flags_the_wrong_figure():
        story = make_story({"a": "The bridge is 30 km long.", "b": "The bridge is 90 km long."})
        report = pipeline_with(my_plugin, builtins=("sentence_claims",)).run_story(story)
        assert report.contradictions()

and get the fixtures (``veracity_story``, ``veracity_pipeline``, ``scripted_llm``,
``cassette_llm``) by naming this module in your ``conftest.py``::

    pytest_plugins = ["veracity.testing"]

Everything here is offline and deterministic: plugins come from the arguments,
never from what happens to be installed, and the LLM is either scripted in
process or replayed from a pytest-recording cassette.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from veracity.pipeline.plugin_manager import ENTRY_POINT_GROUP, build_plugin_manager
from veracity.pipeline.runner import Pipeline
from veracity.pipeline.runner import make_story as _story_from_documents

from .llm import LLMClient, LLMSettings
from .models import Document, Story
from .settings import Settings

#: The model name a scripted or replayed client sends.
TEST_MODEL = "test-model"
#: Where a scripted client "sends" its requests: nothing listens there, nothing leaves the process.
SCRIPTED_BASE_URL = "http://scripted-llm.invalid/v1"
#: Where a cassette client points unless ``VERACITY_BASE_URL`` says otherwise: the
#: endpoint to record cassettes against (``--record-mode=once``) and to replay them from.
CASSETTE_BASE_URL = "http://127.0.0.1:8080/v1"

Answer = Any
"""A scripted answer: a string is sent as the message content, anything else as its JSON."""
Answerer = Callable[[list[dict[str, str]]], Answer]
"""Chooses the answer from the request's chat messages (``[{"role", "content"}, ...]``)."""


def make_story(texts: Mapping[str, str], story_id: str = "story", **document_fields: Any) -> Story:
    """A story whose sources are ``{source id: article text}``, in that order.

    Built as the loaders' stories are: a source with no text is an
    :class:`veracity.InputError`, and a source whose text repeats another's is
    merged into it.

    :param texts: the text of each source by its id.
    :param story_id: the story's id.
    :param document_fields: other :class:`veracity.Document` fields given to every
        source, such as ``published=datetime.date(2024, 5, 1)``.
    """
    documents = [
        Document(id=source_id, text=text, **document_fields) for source_id, text in texts.items()
    ]
    return _story_from_documents(story_id, documents)


def pipeline_with(
    *plugins: object,
    builtins: Iterable[str] | None = (),
    settings: Settings | None = None,
    plugin_options: Mapping[str, Any] | None = None,
    llm: LLMClient | None = None,
) -> Pipeline:
    """A pipeline with only the plugins named: yours and the built-ins you choose.

    :param plugins: plugin objects or modules to register, such as your plugin module.
    :param builtins: short names of the built-in plugins to add, for instance
        ``("sentence_claims",)`` to give a cross-check plugin sentence claims to
        judge; ``()`` (the default) adds none, ``None`` adds them all.
    :param settings: run settings; default :class:`veracity.Settings()`.
    :param plugin_options: values of plugin options (``{"units.tolerance": 0.1}``),
        merged over ``settings.plugin_options``.
    :param llm: an LLM client for LLM plugins, such as the ``scripted_llm`` fixture's.
    """
    settings = settings or Settings()
    if plugin_options:
        settings = settings.model_copy(
            update={"plugin_options": {**settings.plugin_options, **plugin_options}}
        )
    manager = build_plugin_manager(
        plugins,
        load_entry_points=False,
        disabled=settings.disabled_plugins,
        builtins=builtins,
    )
    return Pipeline(settings, llm=llm, plugin_manager=manager)


def load_installed(name: str) -> object:
    """The plugin installed under entry point ``name`` of the ``veracity`` group.

    Loads it the way ``veracity run`` does, so that a test of an installed
    package also tests its ``[project.entry-points.veracity]`` table.

    :raises LookupError: no such entry point is installed (``pip install -e .`` first).
    """
    for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if entry_point.name == name:
            return entry_point.load()
    raise LookupError(
        f"no plugin {name!r} in the {ENTRY_POINT_GROUP!r} entry-point group; install the "
        "package that declares it (pip install -e .)"
    )


@dataclass
class ScriptedLLM:
    """An :class:`~veracity.llm.LLMClient` whose endpoint is a function in this process.

    ``client`` sends real OpenAI-format requests through an httpx mock
    transport, so retries, schema modes, repairs and usage work as against a
    server; ``requests`` keeps every request body for assertions.
    """

    client: LLMClient
    requests: list[dict[str, Any]] = field(default_factory=list)

    def close(self) -> None:
        """Close the client."""
        self.client.close()


def scripted_llm(answers: Answerer | Sequence[Answer], *, model: str = TEST_MODEL) -> ScriptedLLM:
    """A client answered by ``answers``: a function of the messages, or answers in order.

    A sequence that runs out answers HTTP 400 with a message saying so, which
    the client raises as :class:`veracity.llm.RequestRejected` (it does not retry it).

    :param answers: ``f(messages) -> answer`` or a list of answers, each a string
        (sent as is) or a JSON value (sent as its JSON text).
    :param model: the model name requests carry.
    """
    answerer: Answerer | None = None
    pending: list[Answer] = []
    if callable(answers):
        answerer = answers
    else:
        pending = list(answers)
    requests: list[dict[str, Any]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        requests.append(body)
        if answerer is not None:
            chosen = answerer(body["messages"])
        elif pending:
            chosen = pending.pop(0)
        else:
            return httpx.Response(
                400, json={"error": {"message": "the scripted LLM has no answer left"}}
            )
        return httpx.Response(200, json=_completion(body, chosen))

    client = LLMClient(
        LLMSettings(base_url=SCRIPTED_BASE_URL, model=model, cache_enabled=False, max_retries=0),
        transport=httpx.MockTransport(answer),
        jitter=lambda: 0.0,
    )
    return ScriptedLLM(client=client, requests=requests)


def _completion(body: dict[str, Any], answer: Answer) -> dict[str, Any]:
    """A chat completion in OpenAI's wire format, with an id derived from the request."""
    content = answer if isinstance(answer, str) else json.dumps(answer, ensure_ascii=False)
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]
    return chat_completion_body(
        content,
        model=body.get("model", TEST_MODEL),
        completion_id=f"chatcmpl-scripted-{digest}",
        prompt_tokens=sum(len(message["content"]) for message in body["messages"]) // 4,
    )


def chat_completion_body(
    content: str,
    *,
    model: str,
    completion_id: str = "chatcmpl-test",
    prompt_tokens: int = 0,
    completion_tokens: int | None = None,
    finish_reason: str = "stop",
) -> dict[str, Any]:
    """The JSON body of a chat completion in OpenAI's wire format, for fake endpoints.

    ``completion_tokens`` defaults to a rough count (a token per four characters).
    """
    completion_tokens = len(content) // 4 if completion_tokens is None else completion_tokens
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def cassette_client(environ: Mapping[str, str] | None = None) -> LLMClient:
    """A client for tests marked ``@pytest.mark.vcr`` (pytest-recording).

    It points at ``$VERACITY_BASE_URL`` (default :data:`CASSETTE_BASE_URL`) with
    model ``$VERACITY_MODEL`` (default :data:`TEST_MODEL`) and key
    ``$VERACITY_API_KEY`` (if set), with no response
    cache and no retries, so every call is one request of the cassette: record
    with ``pytest --record-mode=once`` against a live endpoint, then replay
    offline with the default ``--record-mode=none``.
    """
    env = os.environ if environ is None else environ
    # The key matters only while recording; the cassettes' vcr_config must filter its header.
    api_key = env.get("VERACITY_API_KEY") or None
    return LLMClient(
        LLMSettings(
            base_url=env.get("VERACITY_BASE_URL") or CASSETTE_BASE_URL,
            model=env.get("VERACITY_MODEL") or TEST_MODEL,
            api_key=SecretStr(api_key) if api_key else None,
            cache_enabled=False,
            max_retries=0,
        )
    )


# -- cassettes (pytest-recording) -------------------------------------------------------------

#: What replaces a credential before a cassette is written.
REDACTED = "<redacted>"
#: The ``x-veracity-cassette`` label of a response recorded from a live endpoint.
RECORDED_LABEL = "recorded from a live endpoint by pytest --record-mode"


def json_body_matcher(r1: Any, r2: Any) -> None:
    """A vcrpy matcher: request bodies are equal as JSON values (key order and spacing aside)."""

    def parse(body: Any) -> Any:
        if isinstance(body, bytes):
            body = body.decode("utf-8")
        try:
            return json.loads(body) if body else None
        except (TypeError, ValueError):
            return body

    left, right = parse(r1.body), parse(r2.body)
    assert left == right, f"request bodies differ:\n{left!r}\n{right!r}"


def scrub_api_key(request: Any) -> Any:
    """A vcrpy ``before_record_request``: blank out an API key that found its way into a body."""
    key = os.environ.get("VERACITY_API_KEY") or os.environ.get("OPENAI_API_KEY")
    if key and request.body:
        body = request.body
        if isinstance(body, bytes):
            request.body = body.replace(key.encode(), REDACTED.encode())
        else:
            request.body = body.replace(key, REDACTED)
    return request


def label_recording(response: dict[str, Any]) -> dict[str, Any]:
    """A vcrpy ``before_record_response``: mark a recording as one (:data:`RECORDED_LABEL`),
    so it cannot pass for a hand-written cassette; a response that labels itself keeps its label."""
    headers = response.setdefault("headers", {})
    if not any(name.lower() == "x-veracity-cassette" for name in headers):
        headers["x-veracity-cassette"] = [RECORDED_LABEL]
    return response


def cassette_config(**overrides: Any) -> dict[str, Any]:
    """A ``vcr_config`` for LLM cassettes: credentials never written, bodies matched as JSON.

    Return it from your ``vcr_config`` fixture; ``overrides`` replace its keys. It
    sets no ``record_mode``, which would override ``--record-mode``: replay is
    pytest-recording's default, so a test never reaches the network unless asked to.
    The ``json_body`` matcher is registered by this module's
    ``pytest_recording_configure`` hook (``pytest_plugins = ["veracity.testing"]``).
    """
    return {
        "filter_headers": [
            ("authorization", REDACTED),
            ("api-key", REDACTED),
            ("x-api-key", REDACTED),
        ],
        "match_on": ["method", "uri", "json_body"],
        "decode_compressed_response": True,
        "before_record_request": scrub_api_key,
        "before_record_response": label_recording,
        **overrides,
    }


@pytest.hookimpl(optionalhook=True)
def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    """Register :func:`json_body_matcher` as ``json_body`` with every VCR instance."""
    vcr.register_matcher("json_body", json_body_matcher)


# -- pytest fixtures (pytest_plugins = ["veracity.testing"]) ---------------------------------


@pytest.fixture
def veracity_story() -> Callable[..., Story]:
    """:func:`make_story`, as a fixture."""
    return make_story


@pytest.fixture
def veracity_pipeline() -> Callable[..., Pipeline]:
    """:func:`pipeline_with`, as a fixture."""
    return pipeline_with


@pytest.fixture(name="scripted_llm")
def scripted_llm_fixture() -> Iterator[Callable[..., ScriptedLLM]]:
    """:func:`scripted_llm`, closing every client it made at the end of the test."""
    made: list[ScriptedLLM] = []

    def make(answers: Answerer | Sequence[Answer], *, model: str = TEST_MODEL) -> ScriptedLLM:
        made.append(scripted_llm(answers, model=model))
        return made[-1]

    yield make
    for scripted in made:
        scripted.close()


@pytest.fixture
def cassette_llm() -> Iterator[LLMClient]:
    """:func:`cassette_client`, closed at the end of the test; use with ``@pytest.mark.vcr``."""
    client = cassette_client()
    yield client
    client.close()
