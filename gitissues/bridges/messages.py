"""What a bridge may say about a failure: the server's own words, with every secret masked.

Kept apart from the HTTP policy so anything that prints for a bridge (progress, logs) can
redact with the same rules.
"""

from __future__ import annotations

import json as jsonlib
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, quote_plus

import httpx

_SECRET_HEADERS = ("authorization", "private-token", "job-token", "x-api-key", "x-auth-token")
_SECRET_PARAM = re.compile(
    r"(?i)\b((?:access_|private_|api_|auth_)?token|api_?key|client_secret|password|sig)=[^&\s\"'#]+"
)


def redact(text: str, secrets: Sequence[str]) -> str:
    """`text` with every secret (as is and URL-encoded) and every token-like query value masked."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        for form in {secret, quote(secret, safe=""), quote_plus(secret)}:
            text = text.replace(form, "***")
    return _SECRET_PARAM.sub(lambda m: m.group(1) + "=***", text)


def client_secrets(client: httpx.Client) -> list[str]:
    """Credentials the client will send, so they are redacted even if nobody listed them."""
    found: list[str] = []
    for name in _SECRET_HEADERS:
        value = client.headers.get(name)
        if value:
            found.append(value)
            scheme, _, credential = value.partition(" ")
            if credential.strip():
                found.append(credential.strip())
    return found


def server_message(response: httpx.Response) -> str:
    """The server's own words for a failure: GitHub/Gitea/GitLab `message`, GitLab `error`,
    Jira `errorMessages`/`errors`, GraphQL `errors[].message`; else the start of the body."""
    try:
        data = response.json()
    except ValueError:
        return " ".join(response.text.split())[:300]
    if not isinstance(data, dict):
        return _flat(data)[:300]
    parts = [_flat(data[k]) for k in ("message", "error_description", "error") if data.get(k)]
    parts += [_flat(m) for m in data.get("errorMessages") or []]
    errors = data.get("errors")
    if isinstance(errors, list):
        parts += [_flat(e.get("message") or e) if isinstance(e, dict) else _flat(e) for e in errors]
    elif isinstance(errors, dict):
        parts += [f"{k}: {_flat(v)}" for k, v in errors.items()]
    return "; ".join(dict.fromkeys(p for p in parts if p))[:300] or _flat(data)[:300]


def _flat(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_flat(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_flat(v) for v in value)
    return jsonlib.dumps(value)
