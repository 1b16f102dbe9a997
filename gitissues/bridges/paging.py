"""Where the next page is, for the three pagination schemes the trackers use (SPEC §8).

- `link`: RFC 5988 `Link: <…>; rel="next"` (GitHub, Gitea, GitLab keyset). The next URL
  carries its own query, so the request's params are dropped after the first page.
- `total-count`: Gitea's `page`/`limit` params with `X-Total-Count`; stop when every counted
  item arrived, on a short page, or on an empty one.
- `next-page`: GitLab offset pagination, `X-Next-Page` (empty means done). GitLab stops
  sending `X-Total`/`X-Total-Pages` past 10,000 rows, so only `X-Next-Page` is trusted; a
  request with `pagination=keyset` is followed through its `Link` header instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

SCHEMES = ("link", "total-count", "next-page")
Params = dict[str, Any]


class PageError(ValueError):
    """The server's paging headers cannot be followed safely."""


def next_request(
    scheme: str, response: httpx.Response, url: str, params: Params, counted: int, got: int
) -> tuple[str, Params] | None:
    """The (url, params) of the page after `response`, or None when it was the last.

    `counted` is how many items arrived so far, `got` how many this page held.
    """
    if scheme == "link":
        return _by_link(response)
    if got == 0:
        return None
    if scheme == "total-count":
        return _by_total(response, url, params, counted, got)
    if scheme == "next-page":
        value = response.headers.get("x-next-page", "").strip()
        if not value:
            return None
        return url, {**params, "page": _integer(value, "X-Next-Page")}
    raise ValueError(f"unknown pagination scheme {scheme!r} (known: {', '.join(SCHEMES)})")


def _by_link(response: httpx.Response) -> tuple[str, Params] | None:
    link = response.links.get("next", {}).get("url")
    if not link:
        return None
    here = response.request.url
    there = here.join(link)
    # The client carries the token in its headers: never send it to another host.
    if (there.scheme, there.host, there.port) != (here.scheme, here.host, here.port):
        raise PageError(f"the next page is on another server ({there.scheme}://{there.host})")
    return str(there), {}


def _by_total(
    response: httpx.Response, url: str, params: Params, counted: int, got: int
) -> tuple[str, Params] | None:
    total = response.headers.get("x-total-count")
    if total is not None and counted >= _integer(total, "X-Total-Count"):
        return None
    limit = params.get("limit")
    if limit is not None and got < int(limit):
        return None
    page = int(params.get("page", 1))
    return url, {**params, "page": page + 1}


def _integer(value: str, header: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise PageError(f"{header} is not a number: {value[:40]!r}") from None


def first_request(scheme: str, params: Mapping[str, Any] | None) -> tuple[str, Params]:
    """The scheme to follow and a private copy of the caller's params.

    Decided once: a GitLab keyset request is followed by `Link` on every page, though the
    next URLs carry the `pagination=keyset` in their own query, not in the params.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"unknown pagination scheme {scheme!r} (known: {', '.join(SCHEMES)})")
    copy = dict(params or {})
    if scheme == "next-page" and copy.get("pagination") == "keyset":
        scheme = "link"
    return scheme, copy
