"""The one HTTP policy every bridge uses (SPEC §8): retries, rate limits, errors, ETags, pages.

The caller builds the `httpx.Client` (base URL, auth headers, timeouts) and hands it in, so the
same code runs against the hosted API and a local test server. Every message and exception
text passes through `redact`: a token never reaches output, errors or logs.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, NoReturn

import httpx

from gitissues.bridges import ratelimit
from gitissues.bridges.etags import EtagCache
from gitissues.bridges.messages import client_secrets, redact, server_message
from gitissues.bridges.paging import PageError, first_request, next_request
from gitissues.errors import AuthError, GiError, NotFound, RemoteError

__all__ = ["EtagCache", "Http", "redact", "server_message"]

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Http:
    """Sends a bridge's requests under one policy; `requests` counts what reached the server."""

    def __init__(
        self,
        client: httpx.Client,
        *,
        bridge: str,
        token_env: str | None = None,
        secrets: Sequence[str] = (),
        max_wait: float = 60.0,
        retries: int = 4,
        sleep: Callable[[float], None] = time.sleep,
        say: Callable[[str], None] = _stderr,
        pace: float = 0.0,
        etags: EtagCache | None = None,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        self.client = client
        self.bridge = bridge
        self.token_env = token_env
        self.secrets = [*secrets, *client_secrets(client)]
        self.max_wait = max_wait
        self.retries = retries
        self.pace = pace
        self.etags = etags if etags is not None else EtagCache()
        self.requests = 0
        self._sleep = sleep
        self._say = say
        self._clock = clock
        self._rng = rng or random.Random()
        self._blocked_until: float | None = None  # a response said remaining 0
        self._last_post: float | None = None

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> httpx.Response:
        """Send one request, retrying what is safe to retry; a 2xx or 304 comes back, the rest
        raise the `GiError` of SPEC §4."""
        method = method.upper()
        safe = method in IDEMPOTENT if idempotent is None else idempotent
        url, params = _merged(url, params)
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            self._before(method)
            try:
                response = self.client.request(
                    method, url, params=params, json=json, headers=headers
                )
            except httpx.TransportError as exc:
                # A connection never made carried nothing to the server: retry any method.
                unsent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
                if not unsent and isinstance(exc, httpx.TimeoutException):
                    self.requests += 1
                what = _transport_words(exc)
                if last or not (safe or unsent):
                    self._fail(RemoteError, f"{what} on {method} {self._url(url, params)}"
                               f" ({type(exc).__name__}: {exc})"
                               + (f"; gave up after {attempt + 1} attempts" if attempt else ""))
                self._backoff(attempt, f"{what}, retrying")
                continue
            except httpx.HTTPError as exc:
                self._fail(RemoteError, f"{method} {self._url(url, params)} failed"
                           f" ({type(exc).__name__}: {exc})")
            self.requests += 1
            self._note_limits(response)
            status = response.status_code
            if status < 300 or status == 304:
                return response
            if ratelimit.is_rate_limited(response):
                if last:
                    self._fail(RemoteError, f"still rate limited ({status}) on {method} "
                               f"{self._url(url, params)} after {attempt + 1} attempts")
                self._blocked_until = None  # waited for right here
                now = self._clock()
                wait = ratelimit.limit_wait(response, now)
                if wait is None:
                    wait = ratelimit.backoff(attempt, self.max_wait, self._rng)
                self._wait_limit(max(wait, 1.0), now, status)
                continue
            if status >= 500 and safe and not last:
                self._backoff(attempt, f"server error {status} on {method} {self._url(url, params)}"
                              ", retrying")
                continue
            self._refuse(response, method, self._url(url, params), attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def get_json(self, url: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET a JSON body, conditionally: a cached ETag goes out as `If-None-Match` and a 304
        returns the cached body."""
        key = redact(EtagCache.key(url, params), self.secrets)
        cached = self.etags.get(key)
        headers = {"If-None-Match": cached[0]} if cached else None
        response = self.request("GET", url, params=params, headers=headers)
        if response.status_code == 304:
            if cached is None:
                self._fail(RemoteError, f"304 Not Modified for {self._url(url, params)} "
                           "without a cached copy")
            return cached[1]
        body = self._json(response)
        etag = response.headers.get("etag")
        if etag:
            self.etags.put(key, etag, body)
        return body

    def pages(
        self, url: str, params: Mapping[str, Any] | None = None, *, scheme: str = "link"
    ) -> Iterator[Any]:
        """Every item of every page, fetching the next page only when the caller wants it."""
        scheme, first = first_request(scheme, params)
        current: tuple[str, dict[str, Any]] | None = (url, first)
        seen: set[str] = set()
        counted = 0
        while current is not None:
            page_url, page_params = current
            key = EtagCache.key(page_url, page_params)
            if key in seen:
                self._fail(RemoteError, f"the server's pages loop back to {self._url(key, None)}")
            seen.add(key)
            response = self.request("GET", page_url, params=page_params or None)
            items = self._json(response)
            if not isinstance(items, list):
                self._fail(RemoteError, f"a page of {self._url(page_url, page_params)} "
                           f"is not a JSON list but {type(items).__name__}")
            counted += len(items)
            yield from items
            try:
                current = next_request(scheme, response, page_url, page_params, counted, len(items))
            except PageError as exc:
                self._fail(RemoteError, f"cannot follow the pages of {self._url(url, params)}"
                           f": {exc}")

    # -- the policy's pieces ---------------------------------------------------------------

    def _before(self, method: str) -> None:
        """Wait out an exhausted window, and keep `pace` seconds between POSTs."""
        if self._blocked_until is not None:
            now = self._clock()
            until, self._blocked_until = self._blocked_until, None
            if until > now:
                self._wait_limit(until - now, now, None)
        if method == "POST" and self.pace > 0:
            if self._last_post is not None:
                gap = self.pace - (self._clock() - self._last_post)
                if gap > 0:
                    self._sleep(gap)
            self._last_post = self._clock()

    def _note_limits(self, response: httpx.Response) -> None:
        if ratelimit.remaining(response.headers) == 0:
            self._blocked_until = ratelimit.reset_at(response.headers)

    def _wait_limit(self, wait: float, now: float, status: int | None) -> None:
        if wait > self.max_wait:
            self._fail(RemoteError, f"rate limited{f' ({status})' if status else ''} until "
                       f"{ratelimit.when(now + wait)} (in {wait:.0f} s, more than the "
                       f"{self.max_wait:.0f} s this run waits); try again after that")
        self._wait(wait, "rate limited")

    def _backoff(self, attempt: int, why: str) -> None:
        self._wait(ratelimit.backoff(attempt, self.max_wait, self._rng), why)

    def _wait(self, seconds: float, why: str) -> None:
        shown = f"{seconds:.0f}" if seconds >= 1 else f"{seconds:.1f}"
        self._say(redact(f"gi: bridge {self.bridge}: {why}, waiting {shown} s", self.secrets))
        self._sleep(seconds)

    def _refuse(self, response: httpx.Response, method: str, url: str, attempt: int) -> NoReturn:
        status = response.status_code
        said = server_message(response)
        tail = f": {said}" if said else ""
        if status == 401:
            fix = f"set {self.token_env}" if self.token_env else "check the bridge's token"
            self._fail(AuthError, f"the server refused the token (401{tail}); {fix}", status)
        if status == 403:
            self._fail(AuthError, f"permission denied (403) on {method} {url}{tail}", status)
        if status == 404:
            self._fail(NotFound, f"not found (404): {method} {url}{tail}", status)
        if 300 <= status < 400:
            where = response.headers.get("location", "?")
            self._fail(RemoteError, f"unexpected redirect ({status}) from {url} to {where}", status)
        if status >= 500:
            tries = f"; gave up after {attempt + 1} attempts" if attempt else ""
            self._fail(RemoteError, f"server error {status} on {method} {url}{tail}{tries}", status)
        self._fail(RemoteError, f"{method} {url} refused ({status}){tail}", status)

    def _fail(self, kind: type[GiError], message: str, status: int | None = None) -> NoReturn:
        details: dict[str, Any] = {"bridge": self.bridge}
        if status is not None:
            details["status"] = status
        raise kind(redact(f"bridge {self.bridge}: {message}", self.secrets), **details) from None

    def _url(self, url: str, params: Mapping[str, Any] | None) -> str:
        url, params = _merged(url, params)
        try:
            built = self.client.build_request("GET", url, params=params).url
        except (httpx.HTTPError, ValueError, TypeError):
            return url
        return str(built)

    def _json(self, response: httpx.Response) -> Any:
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            self._fail(RemoteError, f"{response.request.url} answered {response.status_code} "
                       "with a body that is not JSON")


def _merged(url: str, params: Mapping[str, Any] | None) -> tuple[str, Mapping[str, Any] | None]:
    """The URL's own query plus `params` (httpx alone would drop the URL's query)."""
    if not params:
        return url, None
    if "?" in url:
        return str(httpx.URL(url).copy_merge_params(dict(params))), None
    return url, params


def _transport_words(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.ConnectTimeout | httpx.ConnectError):
        return "could not connect"
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    return "connection failed"
