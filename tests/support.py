"""Names the tests share: where the seeds are and which seed is which."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
# The three seed articles: a wire report, a spun rewrite of it with page furniture, a digest.
WIRE = "003_1fb7024574e81d72"
SPUN = "000_a60edc2ea3734026"
DIGEST = "004_5408f7c23ff1c215"

CASSETTES = REPO / "tests" / "cassettes"
#: What replaced credentials in recorded cassettes.
REDACTED = "<redacted>"

WriteFiles = Callable[[dict[str, str | bytes]], Path]


def json_body_matcher(r1: Any, r2: Any) -> None:
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
