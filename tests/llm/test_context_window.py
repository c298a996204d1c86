"""The context window a server states (llama.cpp, vLLM, Ollama) and the input budget fitted to it,
against real loopback HTTP servers that answer as each kind of server does."""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from veracity.llm import ChatMessage, LLMClient, LLMSettings
from veracity.llm.context_window import discover_context_window, fit_input_budget
from veracity.llm.settings import is_plain_local_url
from veracity.testing import chat_completion_body

LLAMA_CPP = {"GET /props": {"default_generation_settings": {"n_ctx": 4096}, "total_slots": 1}}
VLLM = {
    "GET /v1/models": {
        "object": "list",
        "data": [{"id": "other", "max_model_len": 999}, {"id": "m", "max_model_len": 32768}],
    }
}
OLLAMA = {
    "GET /api/version": {"version": "0.5.7"},
    "POST /api/show": {
        "parameters": 'stop "<|im_end|>"\nnum_ctx                        2048',
        "model_info": {"qwen2.context_length": 32768},
    },
}
OLLAMA_DEFAULT = {
    "GET /api/version": {"version": "0.5.7"},
    "POST /api/show": {"model_info": {"llama.context_length": 8192}},
}
OPENAI_LIKE = {"GET /v1/models": {"object": "list", "data": [{"id": "m"}]}}


@pytest.fixture
def serve() -> Iterator[Any]:
    servers: list[ThreadingHTTPServer] = []

    def start(routes: dict[str, Any]) -> str:
        class Handler(BaseHTTPRequestHandler):
            def _answer(self, method: str) -> None:
                length = int(self.headers.get("content-length") or 0)
                if length:
                    self.rfile.read(length)
                found = routes.get(f"{method} {self.path}")
                data = json.dumps(found if found is not None else {"error": "no"}).encode()
                self.send_response(200 if found is not None else 404)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._answer("GET")

            def do_POST(self) -> None:
                self._answer("POST")

            def log_message(self, *args: Any) -> None:
                return

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/v1"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("routes", "window"),
    [(LLAMA_CPP, 4096), (VLLM, 32768), (OLLAMA, 2048), (OLLAMA_DEFAULT, 8192), (OPENAI_LIKE, None)],
    ids=["llama.cpp", "vllm", "ollama num_ctx", "ollama model", "states none"],
)
def test_the_context_window_is_read_where_the_server_states_it(
    serve: Any, routes: dict[str, Any], window: int | None
) -> None:
    settings = LLMSettings(base_url=serve(routes), model="m")
    assert discover_context_window(settings) == window


def test_an_unreachable_server_states_nothing() -> None:
    assert discover_context_window(LLMSettings(base_url="http://127.0.0.1:9/v1", model="m")) is None


def test_the_input_budget_fits_the_window_and_never_grows() -> None:
    assert fit_input_budget(6000, 4096, 1024) == int((4096 - 1024 - 700) * 0.75)
    assert fit_input_budget(1000, 131072, 1024) == 1000
    assert fit_input_budget(6000, 1024, 1024) == 200


def test_run_fits_its_budget_to_a_llama_cpp_server(serve: Any, tmp_path: Any) -> None:
    from click.testing import CliRunner
    from support import SEEDS

    from veracity.cli.main import main

    # The server states its context and then refuses every chat call: the run reports the
    # fitted budget before it stops at the first call.
    url = serve(LLAMA_CPP)
    result = CliRunner().invoke(
        main, ["run", str(SEEDS), "--base-url", url, "--model", "m", "--no-cache"]
    )
    assert "the endpoint's context is 4096 tokens: input budget 1779 tokens per call" in (
        result.stderr
    )


def _no_certificates(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading the certificate store fails from here on (it takes a tenth of a second)."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the certificate store was loaded")

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", refuse)


def test_a_plain_http_server_on_this_machine_is_asked_without_loading_certificates(
    serve: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_certificates(monkeypatch)
    assert discover_context_window(LLMSettings(base_url=serve(LLAMA_CPP), model="m")) == 4096


def test_the_client_of_a_plain_http_server_on_this_machine_loads_no_certificates(
    serve: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_certificates(monkeypatch)
    url = serve({"POST /v1/chat/completions": chat_completion_body("Hello.", model="m")})
    with LLMClient(LLMSettings(base_url=url, model="m", cache_enabled=False)) as llm:
        answer = llm.chat_sync([ChatMessage.user("Say hello.")], purpose="hello")
    assert answer.text == "Hello."


@pytest.mark.parametrize(
    "url", ["https://127.0.0.1:8443/v1", "http://example.com/v1", "https://api.example.com/v1"]
)
def test_only_plain_http_on_this_machine_goes_without_certificates(url: str) -> None:
    assert not is_plain_local_url(url)
    assert is_plain_local_url("http://localhost:8080/v1")
