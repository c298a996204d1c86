"""veracity's testing helpers as pytest fixtures (scripted_llm, cassette_llm, veracity_story,
...) and how pytest-recording records and replays the cassettes of tests/cassettes/."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytest_plugins = ["veracity.testing"]

#: What replaces a credential before a cassette is written.
REDACTED = "<redacted>"
#: The label of a response recorded from a live endpoint (see tests/cassettes/README.md).
RECORDED = "recorded from a live endpoint by pytest --record-mode"


def _json_body(r1: Any, r2: Any) -> None:
    """Match request bodies as JSON values, so key order and spacing never matter."""

    def parse(body: Any) -> Any:
        if isinstance(body, bytes):
            body = body.decode("utf-8")
        try:
            return json.loads(body) if body else None
        except (TypeError, ValueError):
            return body

    left, right = parse(r1.body), parse(r2.body)
    assert left == right, f"request bodies differ:\n{left!r}\n{right!r}"


def _label_recording(response: dict[str, Any]) -> dict[str, Any]:
    """Label a response that does not say where it came from as a live recording."""
    headers = response.setdefault("headers", {})
    if not any(name.lower() == "x-veracity-cassette" for name in headers):
        headers["x-veracity-cassette"] = [RECORDED]
    return response


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    """Credentials never reach a cassette; a request matches on method, URI and JSON body."""
    return {
        "filter_headers": [
            ("authorization", REDACTED),
            ("api-key", REDACTED),
            ("x-api-key", REDACTED),
        ],
        "match_on": ["method", "uri", "json_body"],
        "decode_compressed_response": True,
        "before_record_response": _label_recording,
        # No "record_mode": it would override --record-mode. pytest-recording's default
        # is "none", so a test never reaches the network unless asked to.
    }


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    """Register the JSON body matcher with every VCR instance."""
    vcr.register_matcher("json_body", _json_body)
