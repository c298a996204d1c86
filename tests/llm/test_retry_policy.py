"""openai-python's retry policy, and the shared throttle that slows the whole run on 429."""

from __future__ import annotations

import asyncio
import email.utils
import time

import pytest

from veracity.llm.retry import RetryPolicy, parse_retry_after, should_retry
from veracity.llm.throttle import Throttle

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504, 529])
def test_transient_statuses_are_retried(status: int) -> None:
    assert should_retry(status, {})


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_client_errors_are_not_retried(status: int) -> None:
    assert not should_retry(status, {})


def test_x_should_retry_overrides_the_status() -> None:
    assert should_retry(400, {"x-should-retry": "true"})
    assert not should_retry(503, {"x-should-retry": "false"})


def test_retry_after_ms_wins_over_retry_after() -> None:
    assert parse_retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25


def test_retry_after_in_seconds() -> None:
    assert parse_retry_after({"retry-after": "1.5"}) == 1.5


def test_retry_after_as_an_http_date() -> None:
    now = 1_700_000_000.0
    header = email.utils.formatdate(now + 7, usegmt=True)

    assert parse_retry_after({"retry-after": header}, now=now) == pytest.approx(7, abs=1)


def test_unreadable_retry_after_is_ignored() -> None:
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({}) is None


def test_backoff_doubles_from_half_a_second_up_to_eight() -> None:
    policy = RetryPolicy(jitter=lambda: 0.0)

    assert [policy.delay(n) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]


def test_jitter_takes_off_at_most_a_quarter() -> None:
    policy = RetryPolicy(jitter=lambda: 0.999)

    assert policy.delay(0) == pytest.approx(0.5 * 0.75, rel=0.01)


def test_the_servers_wait_is_honoured_up_to_the_ceiling() -> None:
    policy = RetryPolicy(retry_after_max=60, jitter=lambda: 0.0)

    assert policy.delay(0, {"retry-after": "3"}) == 3.0
    assert policy.delay(0, {"retry-after": "600"}) == 60.0
    assert policy.delay(0, {"retry-after": "0"}) == 0.5  # "now" gets the normal backoff


def test_huge_retry_numbers_do_not_overflow() -> None:
    assert RetryPolicy(jitter=lambda: 0.0).delay(10_000) == 8.0


async def test_throttle_never_lets_more_than_the_limit_in_flight() -> None:
    throttle = Throttle(3)

    async def request() -> None:
        async with throttle.slot():
            await asyncio.sleep(0.01)

    await asyncio.gather(*(request() for _ in range(20)))

    assert throttle.peak_in_flight == 3
    assert throttle.in_flight == 0


async def test_rate_limiting_pauses_every_new_request_and_halves_the_limit() -> None:
    throttle = Throttle(8)
    throttle.rate_limited(0.2)
    started = time.monotonic()

    async with throttle.slot():
        waited = time.monotonic() - started

    assert waited >= 0.19
    assert throttle.limit == 4


def test_429s_within_one_pause_halve_the_limit_only_once() -> None:
    throttle = Throttle(8)

    throttle.rate_limited(10)
    throttle.rate_limited(10)
    throttle.rate_limited(10)

    assert throttle.limit == 4
    assert throttle.paused_for > 9


async def test_the_limit_recovers_one_step_per_run_of_successes() -> None:
    throttle = Throttle(4)
    throttle.rate_limited(0)
    throttle.rate_limited(0)
    assert throttle.limit == 1

    await throttle.succeeded()
    assert throttle.limit == 2
    for _ in range(2):
        await throttle.succeeded()
    assert throttle.limit == 3


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Throttle(0)
