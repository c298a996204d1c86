"""What callers see when the endpoint misbehaves, against a real loopback HTTP server.

Each test scripts the fault server, makes real calls through the real client
and checks two things: what the caller gets (an answer or a typed error that
says what to do) and that nothing already obtained is lost (earlier answers,
failed attempts, usage).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Literal

import pytest
from conftest import SettingsFactory
from fault_server import Drop, FaultServer, Hang, Raw, Received, Reply
from pydantic import BaseModel

from veracity.llm import (
    AuthenticationFailed,
    ChatMessage,
    DeadlineExceeded,
    EndpointUnavailable,
    LLMClient,
    RateLimited,
    RequestRejected,
    SchemaMode,
    StructuredOutputError,
)
from veracity.models import LLMUsage

pytestmark = pytest.mark.anyio

ASK = [ChatMessage.system("You judge claims."), ChatMessage.user("Does source B support it?")]
GOOD = '{"stance": "supports", "reason": "B says the same."}'


class Judgement(BaseModel):
    stance: Literal["supports", "contradicts", "absent"]
    reason: str


def judged(reason: str = "B says the same.") -> Judgement:
    return Judgement(stance="supports", reason=reason)


# -- HTTP retries ---------------------------------------------------------------


async def test_429_waits_as_long_as_retry_after_says(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.script(Reply.error(429, retry_after="0.3"), Reply.answer(GOOD))

    async with LLMClient(make_settings(retry_after_max=5)) as client:
        result = await client.structured(ASK, Judgement, purpose="judge")

    first, second = fault_server.chat_requests
    assert result == judged()
    assert second.arrived - first.arrived >= 0.29
    assert client.usage.calls == 2
    assert client.usage.retries == 1


async def test_retry_after_ms_is_preferred_to_retry_after(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.script(Reply.error(429, retry_after_ms="50", retry_after="30"), Reply.answer(GOOD))

    started = time.monotonic()
    async with LLMClient(make_settings(retry_after_max=60)) as client:
        await client.structured(ASK, Judgement, purpose="judge")

    assert time.monotonic() - started < 5


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_are_retried_until_an_answer_comes(
    fault_server: FaultServer, make_settings: SettingsFactory, status: int
) -> None:
    fault_server.script(Reply.error(status), Reply.error(status), Reply.answer(GOOD))

    async with LLMClient(make_settings(max_retries=2)) as client:
        result = await client.structured(ASK, Judgement, purpose="judge")

    assert result == judged()
    assert client.usage.retries == 2
    assert client.usage.failed_calls == 0


async def test_retries_are_bounded_and_the_error_counts_every_attempt(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.default = Reply.error(503, "overloaded")
    received: list[LLMUsage] = []

    async with LLMClient(make_settings(max_retries=2)) as client:
        with pytest.raises(EndpointUnavailable) as caught:
            await client.chat(ASK, purpose="judge", usage=received.append)

    error = caught.value
    assert error.attempts == 3
    assert error.status == 503
    assert "overloaded" in str(error) and "3 attempt" in str(error)
    assert len(fault_server.chat_requests) == 3
    assert received == [error.usage]
    assert error.usage.calls == 3
    assert error.usage.retries == 2
    assert error.usage.failed_calls == 1


async def test_persistent_429_is_a_rate_limited_error(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.default = Reply.error(429, retry_after_ms="1")

    async with LLMClient(make_settings(max_retries=1)) as client:
        with pytest.raises(RateLimited):
            await client.chat(ASK, purpose="judge")


async def test_item_14_a_call_rate_limited_more_times_than_max_retries_goes_on(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    """Issue 15 item 14: a rate limit is not an outage: 429s get a budget of their own
    (``rate_limit_retries``) beyond ``max_retries``, so three in a row do not stop a run."""
    fault_server.script(*[Reply.error(429, retry_after_ms="5")] * 4, Reply.answer(GOOD))

    async with LLMClient(make_settings(max_retries=2)) as client:
        result = await client.structured(ASK, Judgement, purpose="judge")

    assert result == judged()
    assert client.usage.calls == 5 and client.usage.retries == 4


async def test_item_14_a_sustained_rate_limit_still_stops_after_its_budget(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    """Issue 15 item 14: only a sustained failure stops the run: 429s past both budgets."""
    fault_server.default = Reply.error(429, retry_after_ms="1")

    async with LLMClient(make_settings(max_retries=1, rate_limit_retries=3)) as client:
        with pytest.raises(RateLimited) as caught:
            await client.chat(ASK, purpose="judge")

    assert caught.value.attempts == 5
    assert len(fault_server.chat_requests) == 5


async def test_x_should_retry_false_stops_at_once(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.script(Reply.error(503, x_should_retry="false"))

    async with LLMClient(make_settings(max_retries=2)) as client:
        with pytest.raises(EndpointUnavailable):
            await client.chat(ASK, purpose="judge")

    assert len(fault_server.chat_requests) == 1


async def test_x_should_retry_true_retries_even_a_400(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.script(Reply.error(400, "try again", x_should_retry="true"), Reply.answer("ok"))

    async with LLMClient(make_settings()) as client:
        result = await client.chat(ASK, purpose="judge")

    assert result.text == "ok"


async def test_a_dropped_connection_is_retried(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.script(Drop(), Reply.answer(GOOD))

    async with LLMClient(make_settings()) as client:
        result = await client.structured(ASK, Judgement, purpose="judge")

    assert result == judged()
    assert client.usage.retries == 1


async def test_connections_that_keep_dropping_give_a_clear_error(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.default = Drop()

    async with LLMClient(make_settings(max_retries=1)) as client:
        with pytest.raises(EndpointUnavailable, match="connection was dropped"):
            await client.chat(ASK, purpose="judge")


async def test_a_server_that_is_not_there_gives_a_clear_error(
    make_settings: SettingsFactory,
) -> None:
    settings = make_settings(base_url="http://127.0.0.1:9/v1", max_retries=1)

    async with LLMClient(settings) as client:
        with pytest.raises(EndpointUnavailable, match="cannot connect"):
            await client.chat(ASK, purpose="judge")


async def test_a_hanging_server_times_out_and_the_retry_gets_the_answer(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.script(Hang(10), Reply.answer(GOOD))

    started = time.monotonic()
    async with LLMClient(make_settings(timeout=0.3)) as client:
        result = await client.structured(ASK, Judgement, purpose="judge")

    assert result == judged()
    assert time.monotonic() - started < 3
    assert client.usage.retries == 1


async def test_a_server_that_always_hangs_gives_a_timeout_error(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.default = Hang(10)

    async with LLMClient(make_settings(timeout=0.2, max_retries=1)) as client:
        with pytest.raises(EndpointUnavailable, match=r"no answer within 0\.2 s"):
            await client.chat(ASK, purpose="judge")


async def test_a_body_that_is_not_json_is_retried(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.script(Raw(b'{"choices": [{"message": {"content": "cut'), Reply.answer(GOOD))

    async with LLMClient(make_settings()) as client:
        result = await client.structured(ASK, Judgement, purpose="judge")

    assert result == judged()
    assert client.usage.retries == 1
    assert client.usage.repairs == 0


async def test_a_body_that_stays_broken_gives_a_clear_error(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.default = Raw(b"<html>Bad gateway</html>")

    async with LLMClient(make_settings(max_retries=1)) as client:
        with pytest.raises(EndpointUnavailable, match="malformed response"):
            await client.chat(ASK, purpose="judge")


# -- answers that cannot be used: repairs ------------------------------------------


async def test_malformed_json_in_the_answer_is_sent_back_with_the_error(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.script(Reply.answer('{"stance": "supports", "reason": '), Reply.answer(GOOD))

    async with LLMClient(make_settings()) as client:
        result = await client.structured(ASK, Judgement, purpose="judge")

    repair = fault_server.chat_requests[1].body["messages"]
    assert result == judged()
    assert repair[-2] == {"role": "assistant", "content": '{"stance": "supports", "reason": '}
    assert "no complete JSON" in repair[-1]["content"]
    assert client.usage.repairs == 1
    assert client.usage.retries == 0


async def test_a_schema_violation_is_repaired_with_the_validation_error(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.script(
        Reply.answer('{"stance": "maybe", "reason": "unclear"}'), Reply.answer(GOOD)
    )

    async with LLMClient(make_settings()) as client:
        result = await client.structured(ASK, Judgement, purpose="judge")

    assert result == judged()
    assert "stance" in fault_server.chat_requests[1].last_user_message


async def test_a_rambling_answer_is_re_asked_with_a_short_excerpt_and_the_prompt_stays_bounded(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    # Issue 17: small models ramble to the token limit; each re-ask used to append the
    # whole cut-off answer, so the prompt grew 1.5k -> 2.6k -> 3.7k tokens and overflowed.
    ramble = '{"stance": "supports", "reason": "' + "and so on " * 400
    fault_server.script(
        Reply.answer(ramble, finish_reason="length"),
        Reply.answer(ramble, finish_reason="length"),
        Reply.answer(GOOD),
    )

    async with LLMClient(make_settings(max_repairs=2)) as client:
        result = await client.structured(ASK, Judgement, purpose="judge")

    assert result == judged()
    first, second, third = (request.body["messages"] for request in fault_server.chat_requests)
    assert len(second) == len(third) == len(first) + 2, "the re-ask does not pile up"
    excerpt = second[-2]["content"]
    assert excerpt.startswith(ramble[:200]) and len(excerpt) < 500
    assert "cut off" in second[-1]["content"]
    size = [len(json.dumps(messages)) for messages in (first, second, third)]
    assert size[2] <= size[1] + 100 and size[1] < size[0] + 1000


async def test_a_plain_chat_answer_cut_off_at_max_tokens_is_returned_marked_truncated(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.script(Reply.answer("The mayor said that the", finish_reason="length"))

    async with LLMClient(make_settings()) as client:
        result = await client.chat(ASK, purpose="summary", max_tokens=6)

    assert result.truncated
    assert result.text == "The mayor said that the"
    assert fault_server.chat_requests[0].body["max_tokens"] == 6


async def test_a_truncated_structured_answer_is_never_parsed_even_if_it_looks_whole(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.script(
        Reply.answer('{"stance": "contradicts", "reason": "x"}', finish_reason="length"),
        Reply.answer(GOOD),
    )

    async with LLMClient(make_settings()) as client:
        result = await client.structured(ASK, Judgement, purpose="judge")

    assert result == judged()  # the second, complete answer, not the cut-off one
    assert "cut off" in fault_server.chat_requests[1].last_user_message


async def test_answers_that_stay_truncated_raise_with_every_attempt_and_the_usage(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.default = Reply.answer('{"stance": "supports", "rea', finish_reason="length")
    received: list[LLMUsage] = []

    async with LLMClient(make_settings(max_repairs=2)) as client:
        with pytest.raises(StructuredOutputError) as caught:
            await client.structured(
                ASK, Judgement, purpose="judge", max_tokens=8, usage=received.append
            )

    error = caught.value
    assert error.purpose == "judge"
    assert [a.finish_reason for a in error.attempts] == ["length", "length", "length"]
    assert all("8-token limit" in a.problem for a in error.attempts)
    assert error.attempts[0].answer == '{"stance": "supports", "rea'
    assert error.usage.calls == 3
    assert error.usage.repairs == 2
    assert error.usage.failed_calls == 1
    assert error.usage.prompt_tokens == 30
    assert received == [error.usage]


async def test_a_refusal_is_repaired_like_any_unusable_answer(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.script(Reply.answer(None, refusal="I can't help with that."), Reply.answer(GOOD))

    async with LLMClient(make_settings()) as client:
        result = await client.structured(ASK, Judgement, purpose="judge")

    assert result == judged()
    assert "refused" in fault_server.chat_requests[1].last_user_message


# -- capability fallback ----------------------------------------------------------


async def test_a_server_rejecting_json_schema_gets_the_json_object_form_from_then_on(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.script(Reply.error(400, "response_format type 'json_schema' is not supported"))
    fault_server.default = Reply.answer(GOOD)

    async with LLMClient(make_settings()) as client:
        first = await client.structured(ASK, Judgement, purpose="judge")
        second = await client.structured([ChatMessage.user("again")], Judgement, purpose="judge")

    formats = [r.body.get("response_format") for r in fault_server.chat_requests]
    assert first == second == judged()
    assert [f["type"] for f in formats] == ["json_schema", "json_object", "json_object"]
    assert formats[1]["schema"] == Judgement.model_json_schema()
    assert client.capabilities == {f"{fault_server.url} fault-model": "json_object_schema"}
    # The rejection is a capability answer, not a failure, retry or repair.
    assert client.usage.retries == client.usage.repairs == client.usage.failed_calls == 0


async def test_llama_cpp_python_style_500_on_json_schema_falls_back_without_retrying(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    refusal = json.dumps(
        {
            "error": {
                "message": "1 validation error for CreateChatCompletionRequest"
                "\nresponse_format.type\n  Input should be 'text' or 'json_object'",
                "type": "internal_server_error",
            }
        }
    ).encode()
    fault_server.script(Raw(refusal, status=500), Reply.answer(GOOD))

    async with LLMClient(make_settings(max_retries=2)) as client:
        result = await client.structured(ASK, Judgement, purpose="judge")

    sent = fault_server.chat_requests[1].body
    assert result == judged()
    assert sent["response_format"] == {
        "type": "json_object",
        "schema": Judgement.model_json_schema(),
    }
    assert "JSON schema" in sent["messages"][0]["content"]  # spelled out in the prompt as well
    assert len(fault_server.chat_requests) == 2


async def test_the_ladder_ends_with_prompting_when_every_format_is_rejected(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    def plan(request: Received) -> Reply:
        if request.response_format is not None:
            return Reply.error(400, f"response_format {request.response_format} unsupported")
        return Reply.answer(f"Here you go:\n```json\n{GOOD}\n```")

    fault_server.plan(plan)

    async with LLMClient(make_settings()) as client:
        result = await client.structured(ASK, Judgement, purpose="judge")

    last = fault_server.chat_requests[-1].body
    assert result == judged()
    assert "response_format" not in last
    assert '"stance"' in last["messages"][0]["content"]
    assert client.capabilities[f"{fault_server.url} fault-model"] == "prompt"


async def test_a_strict_mode_complaint_about_one_schema_does_not_downgrade_the_endpoint(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    def plan(request: Received) -> Reply:
        if request.body["response_format"]["json_schema"]["strict"]:
            return Reply.error(400, "Invalid schema for response_format 'Judgement': strict ...")
        return Reply.answer(GOOD)

    fault_server.plan(plan)

    async with LLMClient(make_settings()) as client:
        await client.structured(ASK, Judgement, purpose="judge")
        await client.structured([ChatMessage.user("again")], Judgement, purpose="judge")

    strict = [
        r.body["response_format"]["json_schema"]["strict"] for r in fault_server.chat_requests
    ]
    assert strict == [True, False, False]  # the schema's strictness is remembered too
    assert client.capabilities == {}


async def test_a_forced_schema_mode_is_used_as_is(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.script(Reply.answer(GOOD))

    async with LLMClient(make_settings(schema_mode=SchemaMode.JSON_OBJECT)) as client:
        await client.structured(ASK, Judgement, purpose="judge")

    assert fault_server.chat_requests[0].body["response_format"] == {"type": "json_object"}


async def test_a_context_length_400_is_an_error_not_a_missing_capability(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.script(Reply.error(400, "This model's maximum context length is 2048 tokens"))

    async with LLMClient(make_settings()) as client:
        with pytest.raises(RequestRejected, match="maximum context length") as caught:
            await client.structured(ASK, Judgement, purpose="judge")

    assert caught.value.status == 400
    assert client.capabilities == {}
    assert len(fault_server.chat_requests) == 1


async def test_a_model_wanting_max_completion_tokens_gets_it_for_the_rest_of_the_run(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.script(
        Reply.error(
            400,
            "Unsupported parameter: 'max_tokens' is not supported with this "
            "model. Use 'max_completion_tokens' instead.",
        )
    )

    async with LLMClient(make_settings()) as client:
        await client.chat(ASK, purpose="a", max_tokens=50)
        await client.chat([ChatMessage.user("b")], purpose="b", max_tokens=60)

    bodies = [r.body for r in fault_server.chat_requests]
    assert "max_tokens" in bodies[0]
    assert bodies[1]["max_completion_tokens"] == 50 and "max_tokens" not in bodies[1]
    assert bodies[2]["max_completion_tokens"] == 60


# -- errors that are not retried ------------------------------------------------------


async def test_401_without_a_key_says_the_key_is_missing(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.default = Reply.error(401, "Missing bearer token")

    async with LLMClient(make_settings()) as client:
        with pytest.raises(AuthenticationFailed, match="no API key was given") as caught:
            await client.chat(ASK, purpose="judge")

    assert caught.value.status == 401
    assert "VERACITY_API_KEY" in str(caught.value)
    assert len(fault_server.chat_requests) == 1  # never retried


async def test_401_with_a_key_says_the_key_is_wrong_without_showing_it(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    key = "sk-test-WRONG-KEY-987"
    fault_server.default = Reply.error(401, f"Incorrect API key provided: {key}")

    async with LLMClient(make_settings(api_key=key)) as client:
        with pytest.raises(AuthenticationFailed, match="wrong or expired") as caught:
            await client.chat(ASK, purpose="judge")

    assert key not in str(caught.value)
    assert fault_server.chat_requests[0].headers["authorization"] == f"Bearer {key}"


async def test_403_is_an_authentication_error_naming_the_model(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.default = Reply.error(403, "not allowed")

    async with LLMClient(make_settings()) as client:
        with pytest.raises(AuthenticationFailed, match="fault-model"):
            await client.chat(ASK, purpose="judge")


async def test_404_points_at_the_base_url_and_model(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.default = Reply.error(404, "model 'nope' not found")

    async with LLMClient(make_settings()) as client:
        with pytest.raises(RequestRejected, match="check --base-url") as caught:
            await client.chat(ASK, purpose="judge")

    assert caught.value.server_message == "model 'nope' not found"
    assert len(fault_server.chat_requests) == 1


# -- deadline, concurrency and the run-wide slow-down ---------------------------------


async def test_the_overall_deadline_stops_a_call_stuck_in_retries(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.default = Hang(10)

    started = time.monotonic()
    async with LLMClient(make_settings(timeout=5, deadline=0.3)) as client:
        with pytest.raises(DeadlineExceeded, match=r"deadline of 0\.3 s"):
            await client.chat(ASK, purpose="judge")
        with pytest.raises(DeadlineExceeded):  # later calls fail at once, without sending
            await client.chat(ASK, purpose="judge")

    assert time.monotonic() - started < 2
    assert len(fault_server.chat_requests) == 1
    assert client.usage.failed_calls == 2


async def test_never_more_requests_in_flight_than_the_concurrency_limit(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    fault_server.default = Reply.answer(GOOD, delay=0.05)

    async with LLMClient(make_settings(concurrency=3)) as client:
        results = await asyncio.gather(
            *(
                client.structured([ChatMessage.user(f"q{n}")], Judgement, purpose="j")
                for n in range(12)
            )
        )

    assert len(results) == 12
    assert fault_server.peak_in_flight == 3


async def test_a_429_pauses_every_request_of_the_run_not_only_its_own(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    def plan(request: Received) -> Reply:
        if request.last_user_message == "q0" and len(fault_server.chat_requests) == 1:
            return Reply.error(429, retry_after="0.4")
        return Reply.answer(GOOD, delay=0.05)

    fault_server.plan(plan)

    async with LLMClient(make_settings(concurrency=2, retry_after_max=5)) as client:
        first = asyncio.ensure_future(client.chat([ChatMessage.user("q0")], purpose="j"))
        while not fault_server.chat_requests:
            await asyncio.sleep(0.005)
        await asyncio.sleep(0.05)  # the 429 has been answered by now
        others = [client.chat([ChatMessage.user(f"q{n}")], purpose="j") for n in range(1, 5)]
        await asyncio.gather(first, *others)

    limited_at = fault_server.chat_requests[0].arrived
    later = fault_server.chat_requests[1:]
    assert len(later) == 5
    assert all(r.arrived - limited_at >= 0.39 for r in later)


async def test_one_failing_call_costs_no_other_calls_answer(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    def plan(request: Received) -> Reply:
        if request.last_user_message == "doomed":
            return Reply.error(503)
        return Reply.answer(GOOD)

    fault_server.plan(plan)
    prompts = ["a", "b", "doomed", "c", "d"]

    async with LLMClient(make_settings(max_retries=1)) as client:
        outcomes = await asyncio.gather(
            *(client.structured([ChatMessage.user(p)], Judgement, purpose="j") for p in prompts),
            return_exceptions=True,
        )

    assert [type(o).__name__ for o in outcomes] == [
        "Judgement",
        "Judgement",
        "EndpointUnavailable",
        "Judgement",
        "Judgement",
    ]
    assert client.usage.calls == 6
    assert client.usage.failed_calls == 1
    assert client.usage_by_purpose["j"] == client.usage


async def test_tokens_are_estimated_when_the_server_reports_no_usage(
    fault_server: FaultServer, make_settings: SettingsFactory
) -> None:
    answer = "x" * 40
    fault_server.script(
        Reply(200, {"choices": [{"message": {"content": answer}, "finish_reason": "stop"}]})
    )

    async with LLMClient(make_settings()) as client:
        result = await client.chat([ChatMessage.user("y" * 80)], purpose="j")

    assert result.usage.estimated_tokens
    assert result.usage.prompt_tokens == 20
    assert result.usage.completion_tokens == 10
