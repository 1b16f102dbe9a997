"""Deciding whether a webhook delivery is authentic, before anything in it is believed.

Pure and dependency-free so the receiver, its tests and an agent's own process all judge a
delivery the same way. Each platform signs differently; every comparison is constant-time, the
size is checked before any hashing, and JSON is parsed only once the signature holds (an
unauthenticated caller learns nothing but 401 or 413).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

# An issue or comment event carries at most two copies of one text (`changes` holds the old
# one): GitHub caps an issue body at 65,536 characters and GitLab a description at 1,048,576,
# so 5 MiB holds every real delivery with room to spare and refuses a 10 MB one unread.
MAX_BODY = 5 * 1024 * 1024
GITLAB_WINDOW = 300.0  # seconds a signed GitLab delivery's timestamp may be from the clock
LINEAR_WINDOW = 60.0  # seconds a Linear body's webhookTimestamp may be from the clock
PLATFORMS = ("github", "gitea", "forgejo", "gitlab", "jira", "linear")

# Where a HMAC-hex platform keeps its signature, delivery id and event: (header, prefix) and
# header names tried in order. A Forgejo sends both its own and the Gitea headers.
_HEX: dict[str, tuple[tuple[str, ...], str, tuple[str, ...], tuple[str, ...]]] = {
    "github": (("x-hub-signature-256",), "sha256=", ("x-github-delivery",), ("x-github-event",)),
    "gitea": (("x-gitea-signature", "x-forgejo-signature"), "",
              ("x-gitea-delivery", "x-forgejo-delivery"), ("x-gitea-event", "x-forgejo-event")),
    "forgejo": (("x-forgejo-signature", "x-gitea-signature"), "",
                ("x-forgejo-delivery", "x-gitea-delivery"), ("x-forgejo-event", "x-gitea-event")),
    "jira": (("x-hub-signature",), "sha256=", ("x-atlassian-webhook-identifier",), ()),
    "linear": (("linear-signature",), "", ("linear-delivery",), ("linear-event",)),
}


@dataclass(frozen=True)
class Delivery:
    """An authentic delivery: who sent it, its id (for de-duplication) and what it says."""

    platform: str
    delivery_id: str | None
    event: str
    payload: dict[str, Any]


class Refused(Exception):
    """A delivery not to be believed, with the HTTP status the receiver answers."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"{status}: {reason}")
        self.status = status
        self.reason = reason


def verify(platform: str, headers: Mapping[str, str], body: bytes, secret: str | bytes, *,
           clock: Callable[[], float] = time.time, limit: int = MAX_BODY) -> Delivery:
    """The delivery `body` with `headers` (any case) if `platform` signed it with `secret`;
    else raise `Refused`. `clock` gives seconds since the epoch, for the replay windows."""
    return verify_any(platform, headers, body, {None: secret}, clock=clock, limit=limit)[1]


def verify_any(platform: str, headers: Mapping[str, str], body: bytes,
               secrets: Mapping[str | None, str | bytes], *,
               clock: Callable[[], float] = time.time, limit: int = MAX_BODY
               ) -> tuple[str | None, Delivery]:
    """`verify` with several candidate secrets (one per bridge): the name of the first that
    signed the delivery, and the delivery. Every candidate is tried in full, so the time taken
    does not say which one matched."""
    if platform not in PLATFORMS:
        raise ValueError(f"unknown webhook platform {platform!r}")
    h = {k.lower(): v for k, v in headers.items()}
    declared = h.get("content-length", "").strip()
    if len(body) > limit or (declared.isdigit() and int(declared) > limit):
        raise Refused(413, f"body over {limit} bytes")
    if not secrets:
        raise Refused(401, "no secret to check the signature with")
    matched: list[tuple[str | None, str | None]] = []
    refusal: Refused | None = None
    for name, secret in secrets.items():
        key = secret.encode() if isinstance(secret, str) else secret
        try:
            matched.append((name, _signed(platform, h, body, key, clock)))
        except Refused as exc:
            refusal = refusal or exc
    if not matched:
        assert refusal is not None
        raise refusal
    name, delivery_id = matched[0]
    payload = _json(body)
    if platform == "linear":
        _linear_fresh(payload, clock)
    event = _first(h, ("x-gitlab-event",) if platform == "gitlab" else _HEX[platform][3])
    if event is None and platform == "jira" and isinstance(payload.get("webhookEvent"), str):
        event = payload["webhookEvent"]  # Jira names the event in the body, not a header
    return name, Delivery(platform, delivery_id, event or "", payload)


def _signed(platform: str, h: dict[str, str], body: bytes, key: bytes,
            clock: Callable[[], float]) -> str | None:
    """The delivery id if `key` signed `body` as `platform` signs; else raise `Refused`."""
    if platform == "gitlab":
        return _gitlab(h, body, key, clock)
    sigs, prefix, ids, _events = _HEX[platform]
    _hex_signed(_first(h, sigs), prefix, body, key)
    return _first(h, ids)


def claimed_id(platform: str, headers: Mapping[str, str]) -> str | None:
    """The delivery id a request's headers claim, before anything is verified: for a log
    line about a refused request (never for de-duplication)."""
    h = {k.lower(): v for k, v in headers.items()}
    if platform == "gitlab":
        return _first(h, ("x-gitlab-event-uuid", "webhook-id"))
    return _first(h, _HEX[platform][2]) if platform in _HEX else None


def _first(h: dict[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        if name in h:
            return h[name]
    return None


def _ascii(text: str) -> bytes:
    """Header text as bytes for `compare_digest`, which refuses non-ASCII `str`."""
    return text.strip().encode("utf-8", "replace")


def _hex_signed(given: str | None, prefix: str, body: bytes, key: bytes) -> None:
    if given is None:
        raise Refused(401, "no signature")
    if prefix and not given.strip().lower().startswith(prefix):
        raise Refused(401, f"signature does not start with {prefix}")
    expected = hmac.new(key, body, hashlib.sha256).hexdigest().encode()
    if not hmac.compare_digest(expected, _ascii(given.strip()[len(prefix):].lower())):
        raise Refused(401, "bad signature")


def _gitlab(h: dict[str, str], body: bytes, key: bytes, clock: Callable[[], float]) -> str | None:
    """GitLab's signed form (Standard Webhooks) when present, else its shared-secret token."""
    if "webhook-signature" not in h:
        token = h.get("x-gitlab-token")
        if token is None:
            raise Refused(401, "no X-Gitlab-Token")
        if not hmac.compare_digest(_ascii(token), key.strip()):
            raise Refused(401, "bad X-Gitlab-Token")
        return h.get("x-gitlab-event-uuid") or h.get("webhook-id")
    wid, stamp = h.get("webhook-id", "").strip(), h.get("webhook-timestamp", "").strip()
    if not wid or not stamp.isdigit():
        raise Refused(401, "signed delivery without webhook-id or webhook-timestamp")
    if abs(clock() - int(stamp)) > GITLAB_WINDOW:
        raise Refused(401, "webhook-timestamp outside the 5-minute window")
    raw = key.removeprefix(b"whsec_")
    try:
        signing_key = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise Refused(401, "the secret is not a whsec_ base64 key") from None
    signed = f"{wid}.{stamp}.".encode() + body
    expected = base64.b64encode(hmac.new(signing_key, signed, hashlib.sha256).digest())
    found = False
    for part in h["webhook-signature"].split():
        version, _, sig = part.partition(",")
        if version == "v1" and hmac.compare_digest(expected, _ascii(sig)):
            found = True  # no early exit: the time taken says nothing about which matched
    if not found:
        raise Refused(401, "bad webhook-signature")
    return h.get("x-gitlab-event-uuid") or wid


def _json(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError) as e:  # JSONDecodeError and UnicodeDecodeError
        raise Refused(400, f"malformed JSON: {e}") from None
    if not isinstance(payload, dict):
        raise Refused(400, "the payload is not a JSON object")
    return payload


def _linear_fresh(payload: dict[str, Any], clock: Callable[[], float]) -> None:
    """Linear signs only the body, so its `webhookTimestamp` (ms) is what stops a replay."""
    stamp = payload.get("webhookTimestamp")
    if isinstance(stamp, bool) or not isinstance(stamp, int | float):
        raise Refused(401, "no webhookTimestamp")
    if abs(clock() * 1000 - stamp) > LINEAR_WINDOW * 1000:
        raise Refused(401, "webhookTimestamp outside the 60-second window")


class Seen:
    """Delivery ids seen lately, so a platform's retry or a replay is applied once.

    Bounded both ways: at most `capacity` ids, each forgotten `window` seconds after it was last
    offered (an id replayed within the window stays remembered). Safe to share between threads.
    """

    def __init__(self, capacity: int = 100_000, window: float = 3600.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._ids: OrderedDict[str, float] = OrderedDict()
        self._capacity, self._window, self._clock = capacity, window, clock
        self._lock = threading.Lock()

    def first(self, delivery_id: str) -> bool:
        """True the first time `delivery_id` is offered (within the window), False after."""
        with self._lock:
            now = self._clock()
            while self._ids:
                oldest, when = next(iter(self._ids.items()))
                if now - when < self._window:
                    break
                del self._ids[oldest]
            new = delivery_id not in self._ids
            self._ids[delivery_id] = now
            self._ids.move_to_end(delivery_id)
            while len(self._ids) > self._capacity:
                self._ids.popitem(last=False)
            return new

    def forget(self, delivery_id: str) -> None:
        """Take back `first`: a delivery that could not be queued is welcome when retried."""
        with self._lock:
            self._ids.pop(delivery_id, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._ids)
