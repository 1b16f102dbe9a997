"""The ETag cache behind conditional GETs: a 304 costs no quota on GitHub (SPEC §8).

Keys are the URL plus its sorted params, with any secret already redacted by the caller so
a token placed in a query never reaches the disk. The file is JSON, replaced atomically.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode


class EtagCache:
    """(url + sorted params) -> (etag, JSON body)."""

    def __init__(self, entries: Mapping[str, tuple[str, Any]] | None = None) -> None:
        self._entries: dict[str, tuple[str, Any]] = dict(entries or {})

    @staticmethod
    def key(url: str, params: Mapping[str, Any] | None = None) -> str:
        """The cache key of one GET: the URL and its params in sorted order."""
        if not params:
            return url
        return url + "?" + urlencode(sorted((str(k), str(v)) for k, v in params.items()))

    def get(self, key: str) -> tuple[str, Any] | None:
        return self._entries.get(key)

    def put(self, key: str, etag: str, body: Any) -> None:
        self._entries[key] = (etag, body)

    def __len__(self) -> int:
        return len(self._entries)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> EtagCache:
        """The cache saved at `path`; empty when the file is missing or unreadable.

        A cache only saves requests, so a damaged one is dropped rather than failing a sync.
        """
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        if not isinstance(data, dict):
            return cls()
        entries = {
            k: (v[0], v[1])
            for k, v in data.items()
            if isinstance(v, list) and len(v) == 2 and isinstance(v[0], str)
        }
        return cls(entries)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the cache to `path` through a temporary file and `os.replace`, so a reader
        or a crash never sees half a file."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        data = {k: [etag, body] for k, (etag, body) in self._entries.items()}
        fd, tmp = tempfile.mkstemp(prefix=".etags-", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, ensure_ascii=False, separators=(",", ":"))
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
