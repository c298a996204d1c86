"""Getting JSON that fits a pydantic model out of a chat model.

Three jobs, each a function here: ask for JSON in the strongest form the
endpoint supports (the schema-mode ladder, remembered per endpoint), find the
JSON in whatever came back (code fences, leading prose, ``<think>`` blocks)
and turn a failure into a re-ask message that tells the model what to fix.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from functools import lru_cache
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .messages import ChatMessage
from .settings import SchemaMode, redact_url

T = TypeVar("T", bound=BaseModel)

#: The order in which structured output is asked for; each is tried when the
#: endpoint rejects the one before.
LADDER: tuple[SchemaMode, ...] = (
    SchemaMode.JSON_SCHEMA,
    SchemaMode.JSON_OBJECT_SCHEMA,
    SchemaMode.JSON_OBJECT,
    SchemaMode.PROMPT,
)

# Words that show an error is about how we asked for JSON rather than about
# the request as a whole (a context-length error must not downgrade the
# endpoint). Covers OpenAI, vLLM, LM Studio and llama-cpp-python's
# "Input should be 'text' or 'json_object'".
_FORMAT_WORDS = ("response_format", "response format", "json_schema", "json_object", "schema")

_FENCE = re.compile(r"```[ \t]*(?:json|JSON|json5)?[ \t]*\n?(.*?)```", re.DOTALL)
_THINK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)


class AnswerInvalid(ValueError):
    """The model's answer holds no JSON, or JSON that does not fit the model."""


def response_schema(response_model: type[BaseModel]) -> dict[str, Any]:
    """The JSON schema of a response model, as sent to the server and hashed into the cache key."""
    # A copy: callers rewrite the schema (strict mode), the cached one must stay intact.
    return copy.deepcopy(_cached_schema(response_model))


@lru_cache(maxsize=128)
def _cached_schema(response_model: type[BaseModel]) -> dict[str, Any]:
    # Building a model's schema takes milliseconds; a run asks for the same few models thousands of times.
    return response_model.model_json_schema()


def strict_schema(schema: dict[str, Any]) -> dict[str, Any] | None:
    """``schema`` rewritten for OpenAI's strict mode, or ``None`` if it cannot be.

    Strict mode wants every object closed (``additionalProperties: false``)
    with every property required, no ``default`` and no sibling keywords next
    to a ``$ref``. Other constraints (``maxLength``...) are kept: grammar-based
    servers such as llama.cpp enforce them, and should OpenAI refuse one, the
    client resends the schema with ``strict: false``. Fields with defaults
    become required, which pydantic still accepts.

    A schema with open objects (``dict[str, X]`` fields, models with
    ``extra="allow"``) cannot be made strict without changing its meaning:
    it is then sent with ``strict: false`` rather than rejected by the
    server, which would wrongly make the client think the endpoint lacks
    ``json_schema`` support.
    """
    result = copy.deepcopy(schema)
    definitions = result.get("$defs", {})

    def visit(node: Any) -> bool:
        if isinstance(node, list):
            return all(visit(item) for item in node)
        if not isinstance(node, dict):
            return True
        if "$ref" in node and len(node) > 1:
            target = definitions.get(str(node["$ref"]).rsplit("/", 1)[-1])
            if target is not None:
                siblings = {k: v for k, v in node.items() if k != "$ref"}
                node.clear()
                node.update(copy.deepcopy(target))
                node.update(siblings)
        # Every field is required in strict mode, so a default means nothing
        # there, and OpenAI refuses it.
        node.pop("default", None)
        ok = True
        if node.get("type") == "object" or "properties" in node:
            extra = node.get("additionalProperties", False)
            if extra is not False:
                ok = False
            node["additionalProperties"] = False
            properties = node.get("properties", {})
            node["required"] = list(properties)
        for key, value in node.items():
            if key in ("properties", "$defs") and isinstance(value, dict):
                ok = all([visit(child) for child in value.values()]) and ok
            elif key != "enum" and key != "const":
                ok = visit(value) and ok
        return ok

    return result if visit(result) else None


def response_format(mode: SchemaMode, name: str, schema: dict[str, Any]) -> dict[str, Any] | None:
    """The ``response_format`` field for ``mode``; ``None`` when the mode sends none."""
    if mode is SchemaMode.JSON_SCHEMA:
        strict = strict_schema(schema)
        # OpenAI allows only [A-Za-z0-9_-] in a schema name, up to 64 characters.
        safe_name = re.sub(r"[^A-Za-z0-9_-]", "_", name)[:64] or "answer"
        return {
            "type": "json_schema",
            "json_schema": {
                "name": safe_name,
                "schema": strict if strict is not None else schema,
                "strict": strict is not None,
            },
        }
    if mode is SchemaMode.JSON_OBJECT_SCHEMA:
        return {"type": "json_object", "schema": schema}
    if mode is SchemaMode.JSON_OBJECT:
        return {"type": "json_object"}
    return None


def needs_instruction(mode: SchemaMode) -> bool:
    """Whether the schema must also be spelled out in the prompt in this mode.

    In ``json_schema`` mode the server enforces the schema; in every other
    mode the model only knows it from the prompt (and OpenAI's ``json_object``
    mode even requires the word JSON in the messages).
    """
    return mode is not SchemaMode.JSON_SCHEMA


def schema_instruction(schema: dict[str, Any]) -> str:
    """The instruction that asks for JSON matching ``schema``."""
    rendered = json.dumps(schema, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (
        "Answer with one JSON object that matches this JSON schema, and nothing else "
        f"(no prose, no code fences):\n{rendered}"
    )


def with_instruction(messages: list[ChatMessage], instruction: str) -> list[ChatMessage]:
    """``messages`` with ``instruction`` added to the system prompt.

    Appended to the first system message rather than sent as a second one,
    because many chat templates accept a single system message at the start
    and fail on any other.
    """
    if messages and messages[0].role == "system":
        first = ChatMessage.system(f"{messages[0].content}\n\n{instruction}")
        return [first, *messages[1:]]
    return [ChatMessage.system(instruction), *messages]


def extract_json(text: str) -> Any:
    """The JSON value in a model's answer.

    Accepts bare JSON, JSON in a code fence, and JSON after or before prose
    ("Here is the result: {...}"). Reasoning in ``<think>`` tags is skipped.
    :raises AnswerInvalid: when no complete JSON object or array is found.
    """
    cleaned = _THINK.sub("", text).strip()
    if not cleaned:
        raise AnswerInvalid("the answer is empty")
    try:
        return json.loads(cleaned)
    except json.JSONDecodeError:
        pass
    for match in _FENCE.finditer(cleaned):
        try:
            return json.loads(match.group(1).strip())
        except json.JSONDecodeError:
            continue
    decoder = json.JSONDecoder()
    for index, char in enumerate(cleaned):
        if char not in "{[":
            continue
        try:
            value, _ = decoder.raw_decode(cleaned, index)
        except json.JSONDecodeError:
            continue
        if isinstance(value, (dict, list)):
            return value
    raise AnswerInvalid("the answer contains no complete JSON object")


def _describe(exc: ValidationError, limit: int = 8) -> str:
    """Pydantic errors as short "where: what" lines the model can act on."""
    lines = []
    for error in exc.errors(include_url=False)[:limit]:
        where = ".".join(str(part) for part in error["loc"]) or "(top level)"
        lines.append(f"{where}: {error['msg']}")
    more = len(exc.errors()) - limit
    if more > 0:
        lines.append(f"... and {more} more")
    return "; ".join(lines)


def parse_answer(text: str, response_model: type[T]) -> T:
    """Find the JSON in ``text`` and validate it as ``response_model``.

    :raises AnswerInvalid: with a message fit to send back to the model.
    """
    value = extract_json(text)
    try:
        return response_model.model_validate(value)
    except ValidationError as exc:
        raise AnswerInvalid(f"the JSON does not match the schema: {_describe(exc)}") from None


def reask_message(problem: str) -> str:
    """The user message that sends a failed answer back with what was wrong with it."""
    return (
        f"Your previous answer could not be used: {problem.rstrip('. ')}. "
        "Reply again with only the corrected JSON object, complete and matching the schema."
    )


def is_format_rejection(status: int, message: str) -> bool:
    """Whether an error response rejects the ``response_format`` we sent.

    400 and 422 are how most servers refuse an unsupported field;
    llama-cpp-python answers ``json_schema`` with a 500. Only errors that
    mention the format count, so that e.g. a context-length 400 is not
    mistaken for a missing capability.
    """
    if status not in (400, 422) and status < 500:
        return False
    lowered = message.lower()
    return any(word in lowered for word in _FORMAT_WORDS)


def is_strict_schema_complaint(message: str) -> bool:
    """Whether a ``json_schema`` rejection blames the schema's strictness, not the mode.

    OpenAI refuses some schemas in strict mode ("Invalid schema for
    response_format ...: 'additionalProperties' is required to be supplied
    and to be false") while supporting ``json_schema`` itself; such a schema
    is sent again with ``strict: false`` before the endpoint is downgraded.
    """
    lowered = message.lower()
    return "invalid schema" in lowered or "strict" in lowered


class CapabilityMemory:
    """What each endpoint accepted, kept for the rest of the run.

    Keyed by (base URL, model): one server may host models with different
    support. Thread-safe, so one memory can serve several clients.
    """

    def __init__(self) -> None:
        self._modes: dict[tuple[str, str], SchemaMode] = {}
        self._lock = threading.Lock()

    def mode(self, endpoint: tuple[str, str]) -> SchemaMode:
        """The strongest mode not yet rejected by ``endpoint``."""
        with self._lock:
            return self._modes.get(endpoint, LADDER[0])

    def downgrade(self, endpoint: tuple[str, str], rejected: SchemaMode) -> SchemaMode | None:
        """Record that ``endpoint`` rejected ``rejected``; the next mode to try, if any.

        Concurrent calls may report the same rejection: the memory only ever
        moves down the ladder, never back up.
        """
        position = LADDER.index(rejected)
        if position + 1 >= len(LADDER):
            return None
        following = LADDER[position + 1]
        with self._lock:
            current = self._modes.get(endpoint, LADDER[0])
            if LADDER.index(current) < LADDER.index(following):
                self._modes[endpoint] = following
            return self._modes[endpoint]

    def snapshot(self) -> dict[str, str]:
        """The modes learnt so far, as ``{"<base url> <model>": mode}``, without credentials."""
        with self._lock:
            return {
                f"{redact_url(url)} {model}": mode.value
                for (url, model), mode in self._modes.items()
            }
