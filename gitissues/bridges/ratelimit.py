"""Reading the servers' rate-limit headers, and the backoff used when they say nothing.

GitHub sends `x-ratelimit-remaining/reset` (epoch seconds) and, for its secondary limits, a
403 with `retry-after`; GitLab sends `RateLimit-Remaining/Reset`; Jira Cloud's 429 carries
`X-RateLimit-Reset` as an ISO 8601 time (`2024-06-05T14:30Z`); anyone may send `Retry-After`
as seconds or as an HTTP date. Linear sends `X-RateLimit-Requests-Remaining/Reset` (the reset in
epoch milliseconds) and says it is limited with a GraphQL error whose `extensions.code` is
RATELIMITED, on a 400 as often as on a 429. Header names are case-insensitive in httpx, so one
lookup covers `X-RateLimit-Reset` and `x-ratelimit-reset`.
"""

from __future__ import annotations

import random
import time
from email.utils import parsedate_to_datetime

import httpx

_RESET = ("x-ratelimit-reset", "ratelimit-reset", "x-ratelimit-requests-reset")
_REMAINING = ("x-ratelimit-remaining", "ratelimit-remaining", "x-ratelimit-requests-remaining")
_MILLISECONDS = 1e11  # an epoch time past this is in milliseconds (the year 5138 in seconds)


def _number(headers: httpx.Headers, names: tuple[str, ...]) -> float | None:
    for name in names:
        value = headers.get(name)
        if value is None:
            continue
        try:
            return float(value.strip())
        except ValueError:
            continue
    return None


def remaining(headers: httpx.Headers) -> float | None:
    """Requests left in the current window, when the server says."""
    return _number(headers, _REMAINING)


def reset_at(headers: httpx.Headers) -> float | None:
    """When the current window ends, as epoch seconds, when the server says."""
    found = _number(headers, _RESET)
    if found is not None:
        return found / 1000 if found > _MILLISECONDS else found
    from datetime import UTC, datetime

    for name in _RESET:
        value = (headers.get(name) or "").strip()
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None
        except ValueError:
            continue
        if when is not None:
            return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()
    return None


def retry_after(headers: httpx.Headers, now: float) -> float | None:
    """Seconds to wait from `Retry-After` (delta seconds or an HTTP date), else None."""
    value = headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - now)


def is_rate_limited(response: httpx.Response) -> bool:
    """429, a 403 that is GitHub's primary or secondary limit rather than a permission, or a
    400 that is Linear's (a GraphQL error RATELIMITED)."""
    if response.status_code == 429:
        return True
    if response.status_code == 400:
        return _graphql_limited(response)
    if response.status_code != 403:
        return False
    return "retry-after" in response.headers or remaining(response.headers) == 0


def _graphql_limited(response: httpx.Response) -> bool:
    try:
        errors = response.json().get("errors")
    except (ValueError, AttributeError):
        return False
    return isinstance(errors, list) and any(
        isinstance(e, dict) and isinstance(e.get("extensions"), dict)
        and e["extensions"].get("code") == "RATELIMITED" for e in errors)


def limit_wait(response: httpx.Response, now: float) -> float | None:
    """How long the server asks us to wait before trying again, or None when it does not say."""
    after = retry_after(response.headers, now)
    if after is not None:
        return after
    reset = reset_at(response.headers)
    if reset is not None:
        return max(0.0, reset - now)
    return None


def backoff(attempt: int, cap: float, rng: random.Random) -> float:
    """Exponential backoff with jitter, 0.5 s, 1 s, 2 s, … and never more than `cap`.

    Half the delay is fixed and half random ("equal jitter"), so retries from many clients
    spread out yet each still waits a while.
    """
    delay = min(cap, 0.5 * 2.0**attempt)
    return delay / 2 + rng.uniform(0, delay / 2)


def when(epoch: float) -> str:
    """An epoch time as UTC ISO 8601, for messages that say when a limit resets."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))
