"""The response schemas of the LLM stages bound every string and every list.

Small models ramble to the token limit inside a string or a list; with
``maxLength`` and ``maxItems`` in the schema a grammar-enforcing server (llama.cpp)
stops them, and any server's answer that breaks a bound is re-asked (issue 17).
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from veracity.llm.structured import response_schema
from veracity.plugins.llm_check import StanceMatrix
from veracity.plugins.llm_claims import ExtractedClaims
from veracity.plugins.llm_summary import WrittenSummary


def unbounded(node: Any, definitions: dict[str, Any], where: str = "") -> list[str]:
    """Paths of the strings without maxLength and the arrays without maxItems."""
    if isinstance(node, list):
        return [
            p for i, item in enumerate(node) for p in unbounded(item, definitions, f"{where}[{i}]")
        ]
    if not isinstance(node, dict):
        return []
    found = []
    if node.get("type") == "string" and "enum" not in node and "maxLength" not in node:
        found.append(where or "(root)")
    if node.get("type") == "array" and "maxItems" not in node:
        found.append(where or "(root)")
    for key, value in node.items():
        if key == "$defs":
            continue
        found += unbounded(value, definitions, f"{where}.{key}")
    return found


@pytest.mark.parametrize("model", [ExtractedClaims, StanceMatrix, WrittenSummary])
def test_every_string_and_list_of_a_response_schema_is_bounded(model: type[BaseModel]) -> None:
    schema = response_schema(model)
    definitions = schema.get("$defs", {})
    missing = unbounded(schema, definitions) + [
        f"$defs.{name}{path}"
        for name, definition in definitions.items()
        for path in unbounded(definition, definitions)
    ]
    assert missing == []


def test_a_call_never_needs_more_judgements_or_reviews_than_its_schema_allows() -> None:
    from veracity.plugins.llm_check import MAX_REVIEWS, _bounded

    # 10 claims then 250 findings, packed into one group by the token budget.
    groups = _bounded([list(range(260))], 10, claims_per_call=4)
    claims = [[p for p in group if p < 10] for group in groups]
    findings = [[p for p in group if p >= 10] for group in groups]
    assert [p for group in groups for p in group] == list(range(260)), "nothing lost, in order"
    assert max(len(c) for c in claims) == 4
    assert max(len(f) for f in findings) == MAX_REVIEWS
    assert len(groups) == 5  # 4 + 4 + (2 claims, 100 findings) + 100 + 50


@pytest.mark.parametrize(
    ("status", "message", "overflow"),
    [
        (400, "the request exceeds the available context size, try increasing it", True),
        (400, "This model's maximum context length is 4096 tokens.", True),
        (400, "context_length_exceeded", True),
        (413, "prompt is too long", True),
        (400, "Invalid value for 'response_format'", False),
        (404, "model 'x' not found", False),
        (500, "context size exceeded", False),
    ],
)
def test_a_context_overflow_is_told_apart_from_other_refusals(
    status: int, message: str, overflow: bool
) -> None:
    from veracity.llm.errors import RequestRejected, is_context_overflow

    error = RequestRejected(f"HTTP {status}", status=status, server_message=message)
    assert is_context_overflow(error) is overflow
