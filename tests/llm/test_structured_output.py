"""Finding JSON in answers, shaping schemas, and the per-endpoint schema-mode ladder."""

from __future__ import annotations

import threading

import pytest
from pydantic import BaseModel, ConfigDict, Field

from veracity.llm import ChatMessage, SchemaMode
from veracity.llm.structured import (
    LADDER,
    AnswerInvalid,
    CapabilityMemory,
    extract_json,
    is_format_rejection,
    is_strict_schema_complaint,
    parse_answer,
    response_format,
    response_schema,
    strict_schema,
    with_instruction,
)


class Claim(BaseModel):
    text: str = Field(min_length=1, description="The claim.")
    confidence: float = 0.5


class Claims(BaseModel):
    claims: list[Claim]


class Scores(BaseModel):
    by_source: dict[str, float]


class Loose(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str


@pytest.mark.parametrize(
    "answer",
    [
        '{"claims": []}',
        '  \n{"claims": []}\n',
        '```json\n{"claims": []}\n```',
        '```\n{"claims": []}\n```',
        'Here is the JSON you asked for:\n\n{"claims": []}',
        '{"claims": []}\n\nI hope this helps!',
        'Sure! ```json\n{"claims": []}\n``` Let me know.',
        '<think>Maybe {"claims": [1]}? No.</think>{"claims": []}',
        'The set {x} is empty, so: {"claims": []}',
    ],
)
def test_json_is_found_around_fences_prose_and_reasoning(answer: str) -> None:
    assert extract_json(answer) == {"claims": []}


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ("", "empty"),
        ("I cannot answer that.", "no complete JSON"),
        ('{"claims": [{"text": "cut off', "no complete JSON"),
    ],
)
def test_answers_without_complete_json_are_invalid(answer: str, problem: str) -> None:
    with pytest.raises(AnswerInvalid, match=problem):
        extract_json(answer)


def test_schema_violation_names_the_field_and_the_problem() -> None:
    with pytest.raises(AnswerInvalid) as caught:
        parse_answer('{"claims": [{"text": ""}]}', Claims)

    message = str(caught.value)
    assert "claims.0.text" in message
    assert "at least 1 character" in message


def test_valid_answer_is_parsed_into_the_model() -> None:
    parsed = parse_answer('```json\n{"claims": [{"text": "It rained."}]}\n```', Claims)

    assert parsed == Claims(claims=[Claim(text="It rained.")])


def test_strict_schema_closes_objects_and_requires_every_field() -> None:
    strict = strict_schema(response_schema(Claims))

    assert strict is not None
    claim = strict["$defs"]["Claim"]
    assert claim["additionalProperties"] is False
    assert claim["required"] == ["text", "confidence"]
    assert "default" not in claim["properties"]["confidence"]
    assert claim["properties"]["text"]["minLength"] == 1  # kept for grammar-based servers
    assert strict["additionalProperties"] is False


def test_strict_schema_inlines_references_that_carry_other_keywords() -> None:
    class Wrapper(BaseModel):
        claim: Claim = Field(description="The one claim.")

    strict = strict_schema(response_schema(Wrapper))

    assert strict is not None
    inlined = strict["properties"]["claim"]
    assert "$ref" not in inlined
    assert inlined["description"] == "The one claim."
    assert inlined["required"] == ["text", "confidence"]


def test_strict_schema_leaves_the_original_untouched() -> None:
    original = response_schema(Claims)
    before = repr(original)

    strict_schema(original)

    assert repr(original) == before


@pytest.mark.parametrize("model", [Scores, Loose])
def test_open_objects_cannot_be_made_strict(model: type[BaseModel]) -> None:
    assert strict_schema(response_schema(model)) is None


def test_json_schema_mode_is_strict_when_the_schema_allows() -> None:
    fmt = response_format(SchemaMode.JSON_SCHEMA, "Claims", response_schema(Claims))

    assert fmt is not None
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["strict"] is True
    assert fmt["json_schema"]["name"] == "Claims"


def test_json_schema_mode_sends_open_schemas_non_strict_and_unchanged() -> None:
    schema = response_schema(Scores)

    fmt = response_format(SchemaMode.JSON_SCHEMA, "Scores", schema)

    assert fmt is not None
    assert fmt["json_schema"] == {"name": "Scores", "schema": schema, "strict": False}


def test_llama_cpp_python_shape_carries_the_schema_inside_json_object() -> None:
    schema = response_schema(Claims)

    assert response_format(SchemaMode.JSON_OBJECT_SCHEMA, "Claims", schema) == {
        "type": "json_object",
        "schema": schema,
    }
    assert response_format(SchemaMode.JSON_OBJECT, "Claims", schema) == {"type": "json_object"}
    assert response_format(SchemaMode.PROMPT, "Claims", schema) is None


def test_schema_names_are_made_safe_for_openai() -> None:
    fmt = response_format(SchemaMode.JSON_SCHEMA, "Claims[str] list", {"type": "object"})

    assert fmt is not None
    assert fmt["json_schema"]["name"] == "Claims_str__list"


def test_instruction_joins_the_existing_system_message() -> None:
    messages = [ChatMessage.system("You check news."), ChatMessage.user("Extract claims.")]

    sent = with_instruction(messages, "Answer in JSON.")

    assert [m.role for m in sent] == ["system", "user"]
    assert sent[0].content == "You check news.\n\nAnswer in JSON."


def test_instruction_becomes_the_system_message_when_there_is_none() -> None:
    sent = with_instruction([ChatMessage.user("Extract claims.")], "Answer in JSON.")

    assert sent == [ChatMessage.system("Answer in JSON."), ChatMessage.user("Extract claims.")]


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (400, "Invalid parameter: 'response_format' of type 'json_schema' is not supported"),
        (422, "response_format.type: unknown variant json_schema"),
        (500, "1 validation error: Input should be 'text' or 'json_object'"),
        (400, "json_schema is not supported by this server"),
    ],
)
def test_rejections_of_the_format_are_recognized(status: int, message: str) -> None:
    assert is_format_rejection(status, message)


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (400, "This model's maximum context length is 2048 tokens"),
        (500, "internal error"),
        (401, "invalid api key for response_format"),
        (404, "model not found"),
    ],
)
def test_other_errors_are_not_taken_for_format_rejections(status: int, message: str) -> None:
    assert not is_format_rejection(status, message)


def test_strict_complaints_are_told_apart_from_missing_support() -> None:
    assert is_strict_schema_complaint(
        "Invalid schema for response_format 'Claims': 'additionalProperties' is required"
    )
    assert not is_strict_schema_complaint("Input should be 'text' or 'json_object'")


def test_the_ladder_goes_from_enforced_schema_to_prompting() -> None:
    assert LADDER == (
        SchemaMode.JSON_SCHEMA,
        SchemaMode.JSON_OBJECT_SCHEMA,
        SchemaMode.JSON_OBJECT,
        SchemaMode.PROMPT,
    )


def test_capabilities_are_remembered_per_endpoint_and_model() -> None:
    memory = CapabilityMemory()
    llama = ("http://127.0.0.1:8000/v1", "local")
    openai = ("https://api.openai.com/v1", "gpt-4o-mini")

    assert memory.downgrade(llama, SchemaMode.JSON_SCHEMA) is SchemaMode.JSON_OBJECT_SCHEMA

    assert memory.mode(llama) is SchemaMode.JSON_OBJECT_SCHEMA
    assert memory.mode(openai) is SchemaMode.JSON_SCHEMA
    assert memory.snapshot() == {"http://127.0.0.1:8000/v1 local": "json_object_schema"}


def test_capabilities_only_move_down_even_when_rejections_race() -> None:
    memory = CapabilityMemory()
    endpoint = ("http://h/v1", "m")
    memory.downgrade(endpoint, SchemaMode.JSON_OBJECT_SCHEMA)  # now json_object

    # A call that started earlier reports the first rung's rejection late.
    assert memory.downgrade(endpoint, SchemaMode.JSON_SCHEMA) is SchemaMode.JSON_OBJECT
    assert memory.downgrade(endpoint, SchemaMode.PROMPT) is None


def test_capability_memory_is_safe_across_threads() -> None:
    memory = CapabilityMemory()
    endpoint = ("http://h/v1", "m")
    threads = [
        threading.Thread(target=memory.downgrade, args=(endpoint, mode))
        for mode in LADDER[:-1] * 20
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert memory.mode(endpoint) is SchemaMode.PROMPT
