"""What `gi setup` found in each file before it wrote there, kept under the git directory
(`.git/issue-facade/setup.json`, never committed): `--remove` on a file nothing else changed
since gi wrote it puts back those exact bytes, or deletes the file if gi created it — even
where a structural removal could not tell (an empty `"mcpServers": {}` the user had before,
a file that held `{}`). A file changed since, or set up in another clone, is edited instead.
"""

from __future__ import annotations

import hashlib
import json
import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Records:
    def __init__(self, git_dir: str) -> None:
        self.path = os.path.join(git_dir, "issue-facade", "setup.json")
        try:
            with open(self.path, encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, ValueError):
            data = {}
        self.files: dict[str, Any] = data if isinstance(data, dict) else {}

    def get(self, rel: str, now: bytes | None) -> dict[str, Any] | None:
        """The record of `rel` if the file still holds exactly what gi wrote."""
        kept = self.files.get(rel)
        if (isinstance(kept, dict) and now is not None and kept.get("after") == digest(now)
                and (kept.get("before") is None or isinstance(kept.get("before"), str))):
            return kept
        return None

    def put(self, rel: str, before: str | None, after: bytes) -> None:
        self.files[rel] = {"before": before, "after": digest(after)}
        self._save()

    def forget(self, rel: str) -> None:
        if self.files.pop(rel, None) is not None:
            self._save()

    def _save(self) -> None:
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        tmp = f"{self.path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(self.files, f, ensure_ascii=False, indent=1)
        os.replace(tmp, self.path)
