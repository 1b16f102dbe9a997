"""A token never appears in a bridge's errors, messages or tracebacks (SPEC §8, §7).

Every error path of `Http`, with the token in the URL's query, in the client's headers, in the
params, and echoed back by the server in its message and its headers.
"""

from __future__ import annotations

import json
import traceback
from urllib.parse import quote

import httpx
import pytest
from fakehttp import NOW, STALL, Kit

from gitissues.bridges.http import redact
from gitissues.errors import GiError

TOKEN = "gho_S3cr3t+T0k/en="  # '+', '/' and '=' change under URL encoding


def _echo(seen) -> str:
    query = "&".join(f"{k}={v}" for k, v in seen.query.items())
    return f"bad credentials {seen.headers.get('authorization')} for {seen.path}?{query}"


PATHS = {
    "401": lambda seen: (401, {}, {"message": _echo(seen)}),
    "403": lambda seen: (403, {}, {"message": _echo(seen)}),
    "404": lambda seen: (404, {}, {"message": _echo(seen)}),
    "422": lambda seen: (422, {}, {"message": _echo(seen), "errors": [{"message": _echo(seen)}]}),
    "500": lambda seen: (500, {"X-Echo": _echo(seen)}, _echo(seen)),
    "429-too-long": lambda seen: (429, {"X-RateLimit-Reset": str(int(NOW) + 9999)},
                                  {"message": _echo(seen)}),
    "429-retried": lambda seen: (429, {"Retry-After": "1"}, {"message": _echo(seen)}),
    "redirect": lambda seen: (302, {"Location": f"https://x.example/?{_echo(seen)}"}, None),
    "not-json": lambda seen: (200, {"Content-Type": "text/html"}, f"<p>{_echo(seen)}</p>"),
    "not-a-list": lambda seen: (200, {}, {"message": _echo(seen)}),
    "foreign-link": lambda seen: (200, {"Link": f'<https://evil.example/?t={TOKEN}>; rel="next"'},
                                  []),
    "timeout": lambda seen: (200, {}, STALL),
    "refused": None,
}

# SPEC §4: 401/403 are auth (7), 404 not found (3), everything else a remote error (6).
CODES = {"401": 7, "403": 7, "404": 3}

PLACES = {
    # (url, params, client headers, secrets given to Http)
    "url-query": (f"/repos/o/r/issues?access_token={quote(TOKEN, safe='')}", None, {}, [TOKEN]),
    "odd-query": (f"/search/issues?q={quote(TOKEN, safe='')}", None, {}, [TOKEN]),
    "params": ("/api/v4/projects/7/issues", {"private_token": TOKEN}, {}, [TOKEN]),
    "header-only": ("/repos/o/r/issues", None, {"Authorization": f"token {TOKEN}"}, []),
    "gitlab-header": ("/api/v4/issues", {"access_token": TOKEN}, {"PRIVATE-TOKEN": TOKEN}, []),
}


@pytest.fixture
def kit():
    k = Kit()
    yield k
    k.close()


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("path", PATHS)
def test_the_token_is_in_no_error_text(kit: Kit, path: str, place: str):
    url, params, headers, secrets = PLACES[place]
    answer = PATHS[path]
    server = kit.serve(answer or (lambda seen: (200, {}, [])))
    base = server.url
    if answer is None:
        server.close()
    timeout = httpx.Timeout(10.0, read=0.2) if path == "timeout" else 10.0
    http = kit.http(base, headers=headers, secrets=secrets, timeout=timeout, retries=1)
    with pytest.raises(GiError) as caught:
        if path in ("not-a-list", "foreign-link"):
            list(http.pages(url, params))
        elif path == "not-json":
            http.get_json(url, params)
        else:
            http.request("GET", url, params=params)
    exc = caught.value
    texts = [str(exc), repr(exc), exc.message, json.dumps(exc.to_json()),
             "".join(traceback.format_exception(exc)), *kit.clock.said]
    assert exc.exit_code == CODES.get(path, 6), (path, exc)
    for text in texts:
        for form in (TOKEN, quote(TOKEN, safe=""), quote(TOKEN)):
            assert form not in text, f"{form!r} leaked in {text!r}"
    if answer is not None:  # the token did travel, so there was something to hide
        assert TOKEN in json.dumps([server.seen[0].query, server.seen[0].headers])


def test_redact_masks_plain_and_url_encoded_secrets_and_token_like_query_values():
    text = (f"token {TOKEN} at https://h/x?access_token={quote(TOKEN, safe='')}&page=2 "
            "and ?private_token=glpat-abc&api_key=k1 and /p?state=open")
    assert redact(text, [TOKEN]) == (
        "token *** at https://h/x?access_token=***&page=2 "
        "and ?private_token=***&api_key=*** and /p?state=open")


def test_redact_ignores_empty_secrets_and_masks_the_longest_first():
    assert redact("abcdef abc", ["", "abc", "abcdef"]) == "*** ***"
