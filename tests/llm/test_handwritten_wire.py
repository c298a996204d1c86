"""Realistic answers no tiny local model gives, replayed from HAND-WRITTEN cassettes.

The cassettes in tests/cassettes/test_handwritten_wire/ are written by hand in
the exact OpenAI chat-completions wire format. They are not recordings of any
model: their host is ``handwritten.invalid`` (a name that can never resolve),
their model is ``handwritten-example``, every response carries the header
``x-veracity-cassette: hand-written ...`` and each file starts with a comment
saying so. The request bodies are exactly what the client sends, so the
JSON-aware body matcher holds them to it.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import pytest
from pydantic import BaseModel, Field

from veracity.llm import ChatMessage, LLMClient, LLMSettings

pytestmark = [pytest.mark.anyio, pytest.mark.vcr]

ARTICLE = (
    "The city council of Lyon voted 31 to 20 on Tuesday to close the Croix-Rousse "
    "tunnel to cars from 1 March. Mayor Anne Morel said the vote was 'a turning point "
    "for clean air'. The tunnel carries about 50,000 vehicles a day."
)


class ExtractedClaim(BaseModel):
    text: str = Field(description="The claim, self-contained.")
    quote: str = Field(description="The verbatim passage that makes it.")
    kind: Literal["fact", "quote", "number", "date", "entity"]


class Extraction(BaseModel):
    claims: list[ExtractedClaim]


@pytest.fixture
def handwritten_settings() -> LLMSettings:
    """The made-up endpoint the hand-written cassettes answer for."""
    return LLMSettings(
        base_url="https://handwritten.invalid/v1",
        model="handwritten-example",
        cache_enabled=False,
        backoff_initial=0.01,
    )


def extraction_request() -> list[ChatMessage]:
    return [
        ChatMessage.system("Extract every checkable claim of the article."),
        ChatMessage.user(ARTICLE),
    ]


async def test_a_realistic_extraction_in_prose_and_a_fence_is_validated(
    handwritten_settings: LLMSettings, vcr: Any
) -> None:
    async with LLMClient(handwritten_settings) as client:
        extraction = await client.structured(
            extraction_request(), Extraction, purpose="extract-claims", max_tokens=400
        )

    assert [c.kind for c in extraction.claims] == ["number", "date", "quote", "number"]
    assert all(c.quote in ARTICLE for c in extraction.claims)
    assert client.usage.prompt_tokens == 212 and client.usage.completion_tokens == 187
    assert vcr.all_played


async def test_a_refusal_is_re_asked_and_the_second_answer_used(
    handwritten_settings: LLMSettings, vcr: Any
) -> None:
    async with LLMClient(handwritten_settings) as client:
        extraction = await client.structured(
            extraction_request(), Extraction, purpose="extract-claims", max_tokens=120
        )

    assert len(extraction.claims) == 1
    assert client.usage.repairs == 1
    assert b"refused" in vcr.requests[1].body
    assert vcr.all_played


async def test_content_in_parts_without_usage_is_joined_and_tokens_estimated(
    handwritten_settings: LLMSettings, vcr: Any
) -> None:
    ask = [ChatMessage.user("In one sentence: what did the council decide?")]

    async with LLMClient(handwritten_settings) as client:
        result = await client.chat(ask, purpose="summary", max_tokens=60)

    assert result.text == "The council voted to close the Croix-Rousse tunnel to cars from 1 March."
    assert result.usage.estimated_tokens
    assert result.usage.completion_tokens == math.ceil(len(result.text) / 4)
    assert vcr.all_played
