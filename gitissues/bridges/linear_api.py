"""One GraphQL request to Linear under the bridges' HTTP policy, its errors as gi's (SPEC §4).

Linear answers a refused key with 401, a rate limit with 400 or 429 and `extensions.code`
RATELIMITED (the HTTP policy waits those out, `ratelimit.is_rate_limited`), an invalid
document with 400; everything else comes back as 200 with `errors` beside (or instead of)
`data`: an entity that is not there (`Entity not found: Issue`), input Linear will not take.
Every document is sent as `POST <url>/graphql`; queries may be repeated safely, and so may the
mutations gi sends (each names the id of what it makes, see `linear_ids`), except where a
caller says otherwise.
"""

from __future__ import annotations

from gitissues.bridges.messages import redact
from gitissues.errors import AuthError, NotFound, RemoteError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from gitissues.bridges.http import Http

ENDPOINT = "/graphql"
_AUTH = {"AUTHENTICATION_ERROR", "authentication error"}
_FORBIDDEN = {"FORBIDDEN", "forbidden"}


class LinearError(RemoteError):
    """Linear refused what was asked (`codes`: the errors' `extensions.code`s)."""


class Api:
    """Sends documents through `http` (its client's base URL is the API root)."""

    def __init__(self, http: Http) -> None:
        self.http = http

    def call(self, document: str, variables: dict[str, Any] | None = None, *,
             idempotent: bool = True) -> dict[str, Any]:
        """The `data` of one document's answer; its `errors` raised as gi's errors."""
        try:
            response = self.http.request("POST", ENDPOINT, idempotent=idempotent,
                                         json={"query": document, "variables": variables or {}})
        except RemoteError as exc:  # a refused key may come as 400 AUTHENTICATION_ERROR too
            if exc.details.get("status") == 400 and "authenticat" in exc.message.lower():
                fix = f"set {self.http.token_env}" if self.http.token_env else "check the key"
                raise self._error(AuthError, f"Linear refused the key; {fix}") from None
            raise
        try:
            body = response.json()
        except ValueError:
            raise self._error(RemoteError, "answered with a body that is not JSON") from None
        if not isinstance(body, dict):
            raise self._error(RemoteError, "answered with JSON that is not an object")
        errors = body.get("errors")
        if errors:
            raise self._refused(errors if isinstance(errors, list) else [errors])
        data = body.get("data")
        return data if isinstance(data, dict) else {}

    def _refused(self, errors: list[Any]) -> Exception:
        said, codes = [], set()
        for e in errors:
            e = e if isinstance(e, dict) else {"message": str(e)}
            ext = e.get("extensions") if isinstance(e.get("extensions"), dict) else {}
            codes |= {str(ext[k]) for k in ("code", "type") if ext.get(k)}
            said.append(str(ext.get("userPresentableMessage") or e.get("message") or "?"))
        text = "; ".join(dict.fromkeys(said))[:300]
        if codes & _AUTH:
            fix = f"set {self.http.token_env}" if self.http.token_env else "check the key"
            return self._error(AuthError, f"Linear refused the key ({text}); {fix}")
        if codes & _FORBIDDEN:
            return self._error(AuthError, f"permission denied: {text}")
        if all(s.startswith(("Entity not found", "Could not find")) for s in said):
            return self._error(NotFound, f"not found: {text}")
        error = self._error(LinearError, f"Linear refused the request: {text}")
        error.details["codes"] = sorted(codes)
        return error

    def _error(self, kind: type[Exception], message: str) -> Any:
        return kind(redact(f"bridge {self.http.bridge}: {message}", self.http.secrets),
                    bridge=self.http.bridge)


def pages(api: Api, document: str, variables: dict[str, Any], path: tuple[str, ...],
          first: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every node of the connection at `path` in `document`'s answer, page by page (Relay:
    `after` = the last page's `endCursor` while `hasNextPage`). `first` is an answer already
    in hand for the first page."""
    nodes: list[dict[str, Any]] = []
    seen: set[str] = set()
    after: str | None = None
    while True:
        data = first if first is not None else api.call(document, {**variables, "after": after})
        first = None
        connection: Any = data
        for step in path:
            connection = (connection or {}).get(step)
        connection = connection or {}
        nodes += connection.get("nodes") or []
        info = connection.get("pageInfo") or {}
        after = info.get("endCursor")
        if not info.get("hasNextPage") or not after:
            return nodes
        if after in seen:
            raise api._error(RemoteError, f"the pages of {'.'.join(path)} loop back")
        seen.add(after)
