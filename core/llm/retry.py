"""When to retry an HTTP request and how long to wait: openai-python's policy.

Retried: connection errors, timeouts, 408, 409, 429 and every 5xx, unless the
server says ``x-should-retry: false`` (and anything it marks
``x-should-retry: true``). The wait is what ``retry-after-ms`` or
``retry-after`` asks for, capped at ``retry_after_max``; otherwise
``min(initial * 2**n, max)`` seconds less up to 25 % jitter, so that clients
that failed together do not come back together.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

RETRYABLE_STATUSES = frozenset({408, 409, 429})


def should_retry(status: int, headers: Mapping[str, str]) -> bool:
    """Whether a response with this status and headers is worth another try."""
    verdict = headers.get("x-should-retry", "").strip().lower()
    if verdict == "true":
        return True
    if verdict == "false":
        return False
    return status in RETRYABLE_STATUSES or status >= 500


def parse_retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds the server asked us to wait, from ``retry-after-ms`` or ``retry-after``.

    ``retry-after`` may be a number of seconds or an HTTP date. Returns
    ``None`` when neither header is there or readable.
    """
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return float(millis) / 1000.0
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    parsed = email.utils.parsedate_tz(value)
    if parsed is None:
        return None
    when = email.utils.mktime_tz(parsed)
    return when - (time.time() if now is None else now)


@dataclass(frozen=True)
class RetryPolicy:
    """A bounded retry policy; ``max_retries`` counts tries after the first."""

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    retry_after_max: float = 60.0
    jitter: Callable[[], float] = field(default=random.random, compare=False)

    def delay(self, retry_number: int, headers: Mapping[str, str] | None = None) -> float:
        """Seconds to wait before retry number ``retry_number`` (0 for the first retry).

        A ``retry-after`` longer than ``retry_after_max`` is cut to it rather
        than ignored: the server is still saying "later", and waiting the
        longest we allow is closer to that than a half-second backoff.
        """
        asked = parse_retry_after(headers) if headers is not None else None
        if asked is not None and asked > 0:
            return min(asked, self.retry_after_max)
        exponent = min(retry_number, 64)  # keeps 2**n finite for absurd inputs
        backoff = min(self.initial_delay * 2.0**exponent, self.max_delay)
        return max(backoff * (1.0 - 0.25 * self.jitter()), 0.0)
