"""A fake Linear GraphQL API over real HTTP: `POST /graphql`, one workspace (linear_state).

Every document it receives is parsed and validated against Linear's own schema
(../shared/specs/linear-schema.graphql) with graphql-core, and refused as Linear refuses it
(400, `GRAPHQL_VALIDATION_FAILED`) when it does not fit; a query whose complexity passes
Linear's 10,000 points is refused too. A valid one is executed by graphql-core over the
workspace, so answers have exactly the shape the query asks of the schema, with Linear's
values (times with milliseconds and a Z, priority as a float, ids as UUIDs). Errors carry
Linear's `extensions` (`type`, `code`, `userPresentableMessage`); a bad key is 401
AUTHENTICATION_ERROR; every answer carries the `X-RateLimit-Requests-*` and
`X-RateLimit-Complexity-*` headers (resets in epoch milliseconds) and `X-Complexity`.

    with FakeLinear(key="lin_api_…") as fake:
        fake.ws.add_issue("first", labels=["Bug"])
        fake.fail(500, path="op=GiIssues")        # faults by operation name
        fake.ratelimited()                          # the next request: 400 RATELIMITED
"""

from __future__ import annotations

import json
import math
import re
import time
from functools import cache
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLSchema,
    build_schema,
    execute_sync,
    get_named_type,
    is_list_type,
    parse,
    validate,
)
from graphql.language import FieldNode, FragmentSpreadNode, InlineFragmentNode, VariableNode

from fakes.linear_root import Root
from fakes.linear_state import Workspace
from fakes.schemas import SPECS, need
from fakes.server import FakeForge, Reply, Request

MAX_COMPLEXITY = 10_000
UNAUTHENTICATED = {"errors": [{"message": "Authentication required, not authenticated",
                               "extensions": {"type": "authentication error",
                                              "code": "AUTHENTICATION_ERROR", "statusCode": 401,
                                              "userError": True, "userPresentableMessage":
                                              "You need to authenticate to access this "
                                              "operation.", "meta": {},
                                              "http": {"status": 401}}}]}
RATELIMITED = {"errors": [{"message": "Rate limit exceeded",
                           "extensions": {"type": "ratelimited", "code": "RATELIMITED",
                                          "statusCode": 429, "userError": True,
                                          "userPresentableMessage": "Rate limit exceeded"}}]}


@cache
def schema() -> GraphQLSchema:
    """Linear's schema (built once per process: it is 1.2 MB of SDL)."""
    return build_schema(need(SPECS / "linear-schema.graphql").read_text())


def _graphql_error(message: str, code: str, status: int = 400) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {
        "type": "graphql error", "code": code, "statusCode": status, "userError": True,
        "userPresentableMessage": message}}]}


class FakeLinear(FakeForge):
    requests_limit = 5000

    def __init__(self, key: str = "lin_api_fake", team: str = "ENG") -> None:
        super().__init__(token=key)
        self.tokens = {key: "me"}
        self.ws = Workspace(team)
        self.ops: list[tuple[str, int]] = []  # (operation name, status) of every request
        self.documents: dict[str, Any] = {}  # text → parsed, validated document
        self.complexity = 0
        self.busy = 0.0  # seconds spent answering (benchmarks report it apart)
        self._sync = [1000]
        self.reset_ms = int(time.time() * 1000) + 3_600_000
        self.route("POST", r"/graphql", self.graphql)

    def add_oauth(self, token: str) -> None:
        """Accept `Authorization: Bearer <token>` (an OAuth access token)."""
        self.tokens[f"Bearer {token}"] = "me"

    def ratelimited(self, times: int = 1, status: int = 400, retry_after: str | None = "1",
                    op: str | None = None) -> Any:
        headers = {"Retry-After": retry_after} if retry_after else {}
        headers |= {"X-RateLimit-Requests-Remaining": "0",
                    "X-RateLimit-Requests-Reset": str(int(time.time() * 1000) + 1000)}
        return self.fail(status, "POST", f"op={op}\\b" if op else None, times, headers,
                         RATELIMITED)

    def count(self, method: str | None = None, path: str | None = None) -> int:
        """Requests so far whose operation name matches the regex `path` (all when None)."""
        return sum(1 for name, _ in self.ops if path is None or re.search(path, name))

    # -- FakeForge's hooks --

    def token_from(self, headers: dict[str, str]) -> str | None:
        return headers.get("authorization")

    def error_body(self, status: int, message: str, extra: dict[str, Any]) -> Any:
        if status == 401:
            return UNAUTHENTICATED
        if status == 429:
            return RATELIMITED
        if status >= 500:
            return {"errors": [{"message": "Internal server error", "extensions": {
                "type": "internal error", "code": "INTERNAL_SERVER_ERROR", "statusCode": status,
                "userError": False}}]}
        return _graphql_error(message, "BAD_REQUEST", status)

    def extra_headers(self, status: int, not_modified: bool) -> dict[str, str]:
        used = len(self.ops)
        return {"X-RateLimit-Requests-Limit": str(self.requests_limit),
                "X-RateLimit-Requests-Remaining": str(max(0, self.requests_limit - used)),
                "X-RateLimit-Requests-Reset": str(self.reset_ms),
                "X-Complexity": str(self.complexity),
                "X-RateLimit-Complexity-Limit": "3000000",
                "X-RateLimit-Complexity-Remaining": "3000000",
                "X-RateLimit-Complexity-Reset": str(self.reset_ms)}

    def _answer(self, method: str, path: str, rawq: str, query: dict[str, str],
                headers: dict[str, str], raw: bytes) -> Reply:
        name = _operation(raw)
        reply = super()._answer(method, path, f"op={name}", query, headers, raw)
        self.ops.append((name, reply.status))
        return reply

    # -- the endpoint --

    def graphql(self, req: Request) -> Reply:
        start = time.perf_counter()
        try:
            return self._graphql(req)
        finally:
            self.busy += time.perf_counter() - start

    def _graphql(self, req: Request) -> Reply:
        body = req.body if isinstance(req.body, dict) else {}
        text = body.get("query")
        if not isinstance(text, str):
            return Reply(400, _graphql_error("Must provide query string.", "BAD_REQUEST"))
        document = self.documents.get(text)
        if document is None:
            try:
                document = parse(text)
            except GraphQLError as exc:
                return Reply(400, _graphql_error(exc.message, "GRAPHQL_PARSE_FAILED"))
            errors = validate(schema(), document)
            if errors:
                return Reply(400, {"errors": [
                    {**e.formatted, "extensions": _graphql_error(e.message,
                     "GRAPHQL_VALIDATION_FAILED")["errors"][0]["extensions"]} for e in errors]})
            self.documents[text] = document
        variables = body.get("variables") or {}
        self.complexity = complexity(document, variables)
        if self.complexity > MAX_COMPLEXITY:
            return Reply(400, _graphql_error(
                f"Query too complex: {self.complexity} points, more than {MAX_COMPLEXITY}",
                "QUERY_TOO_COMPLEX"))
        result = execute_sync(schema(), document, root_value=Root(self.ws, self._sync),
                              variable_values=variables,
                              operation_name=body.get("operationName"))
        if result.errors and result.data is None and all(not e.path for e in result.errors):
            return Reply(400, {"errors": [{**e.formatted, "extensions": _graphql_error(
                e.message, "GRAPHQL_VALIDATION_FAILED")["errors"][0]["extensions"]}
                for e in result.errors]})
        out: dict[str, Any] = {"data": result.data}
        if result.errors:
            out["errors"] = [_formatted(e) for e in result.errors]
        return Reply(200, out)


def _formatted(e: GraphQLError) -> dict[str, Any]:
    found = e.formatted
    original = getattr(e, "original_error", None)
    if "extensions" not in found and isinstance(original, GraphQLError) \
            and original.extensions:
        found["extensions"] = original.extensions
    if "extensions" not in found:  # a bug in the fake or a resolver's own failure
        found["extensions"] = {"type": "internal error", "code": "INTERNAL_SERVER_ERROR",
                               "userError": False}
    return found


def _operation(raw: bytes) -> str:
    """The operation name of a request body, for logs and faults ('' when there is none)."""
    try:
        text = json.loads(raw).get("query") or ""
    except (ValueError, AttributeError):
        return ""
    m = re.search(r"^\s*(?:query|mutation)\s+(\w+)", str(text))
    return m.group(1) if m else ""


def complexity(document: Any, variables: dict[str, Any]) -> int:
    """Linear's estimate: a scalar 0.1, an object 1, a connection's items times its `first`
    (50 when not given), rounded up."""
    fragments = {d.name.value: d for d in document.definitions
                 if d.kind == "fragment_definition"}
    total = 0.0
    for op in (d for d in document.definitions if d.kind == "operation_definition"):
        root = schema().get_root_type(op.operation)
        total += _cost(op.selection_set, root, fragments, variables)
    return math.ceil(total)


def _cost(selections: Any, parent: Any, fragments: dict[str, Any],
          variables: dict[str, Any]) -> float:
    total = 0.0
    for sel in selections.selections if selections else []:
        if isinstance(sel, FragmentSpreadNode):
            frag = fragments[sel.name.value]
            total += _cost(frag.selection_set, schema().get_type(frag.type_condition.name.value),
                           fragments, variables)
        elif isinstance(sel, InlineFragmentNode):
            kind = schema().get_type(sel.type_condition.name.value) if sel.type_condition \
                else parent
            total += _cost(sel.selection_set, kind, fragments, variables)
        elif isinstance(sel, FieldNode) and sel.name.value != "__typename":
            field = parent.fields[sel.name.value]
            named = get_named_type(field.type)
            if not hasattr(named, "fields"):
                total += 0.1
                continue
            inner = _cost(sel.selection_set, named, fragments, variables)
            if named.name.endswith("Connection"):
                first = _argument(sel, "first", variables)
                size = first if isinstance(first, int) else int(first) \
                    if str(first).isdigit() else 50  # a bad value: execution refuses it
                total += 1 + _items(sel.selection_set, named, fragments, variables, size)
            elif is_list_type(getattr(field.type, "of_type", field.type)):
                total += 1 + inner
            else:
                total += 1 + inner
    return total


def _items(selections: Any, conn: Any, fragments: dict[str, Any], variables: dict[str, Any],
           size: int) -> float:
    """A connection's cost: its `nodes`/`edges` times `size`, the rest once."""
    total = 0.0
    for sel in selections.selections:
        if isinstance(sel, FieldNode) and sel.name.value in ("nodes", "edges"):
            named = get_named_type(conn.fields[sel.name.value].type)
            total += size * (1 + _cost(sel.selection_set, named, fragments, variables))
        else:
            total += _cost(type("S", (), {"selections": [sel]})(), conn, fragments, variables)
    return total


def _argument(node: FieldNode, name: str, variables: dict[str, Any]) -> Any:
    for arg in node.arguments or []:
        if arg.name.value == name:
            if isinstance(arg.value, VariableNode):
                return variables.get(arg.value.name.value)
            return getattr(arg.value, "value", None)
    return None
