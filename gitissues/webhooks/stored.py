"""What `gi webhook register` keeps about the webhook it made, in the user config file (SPEC §7:
mode 0600, written atomically) under `webhooks.<bridge>`: `secret` (which `gi webhook serve`
checks deliveries with), `hook_id`, and the tracker and project it is on. Never in the
repository settings: they are committed and shared, and refuse secret keys anyway.

Writes read the file again under a lock beside it, so two registrations at once (two bridges)
both stay: the secret of a hook that exists must never be lost.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from gitissues import config, config_files, testhooks
from gitissues.config_keys import ConfigError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

LOCK_TIMEOUT = 60.0  # seconds; a write holds it for milliseconds


def key(bridge: str, name: str = "secret") -> str:
    """`webhooks.<bridge>.<name>`, as `gi config get --user` shows it."""
    return f"webhooks.{bridge}.{name}"


def config_file(env: Mapping[str, str] | None = None) -> str:
    return config_files.user_config_file(os.environ if env is None else env)


def stored(bridge: str, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """`{secret, hook_id, base_url, project}` as far as kept for `bridge` (empty: none)."""
    _, data = _read(env)
    entry = config.get_dotted(data, f"webhooks.{bridge}")
    if not isinstance(entry, dict):
        return {}
    return {k: str(v) for k, v in entry.items() if isinstance(v, str | int) and str(v)}


def secret_for(bridge: str, env: Mapping[str, str] | None = None) -> str | None:
    """The secret `gi webhook serve` checks `bridge`'s deliveries with, if one was registered."""
    return stored(bridge, env).get("secret")


def remember(bridge: str, entry: dict[str, str], env: Mapping[str, str] | None = None) -> str:
    """Keep `entry` (secret, hook_id, …) as `webhooks.<bridge>`, replacing what was there; the
    file written."""
    with _locked(env) as path:
        data = _load(path)
        testhooks.pause("WEBHOOK_CONFIG_WRITE")
        config.delete_dotted(data, f"webhooks.{bridge}")
        for name, value in entry.items():
            config.set_dotted(data, key(bridge, name), value)
        _save(path, data)
    return path


def forget(bridge: str, env: Mapping[str, str] | None = None) -> bool:
    """Drop `webhooks.<bridge>` (and `webhooks` when it is left empty); True if it was there."""
    with _locked(env) as path:
        data = _load(path)
        if not config.delete_dotted(data, f"webhooks.{bridge}"):
            return False
        _save(path, data)
    return True


def _read(env: Mapping[str, str] | None) -> tuple[str, dict[str, Any]]:
    try:
        return config_files.read_user_config(os.environ if env is None else env)
    except ConfigError as exc:
        raise _gi_error(exc) from None


def _load(path: str) -> dict[str, Any]:
    try:
        return config_files.load_yaml_file(path)
    except ConfigError as exc:
        raise _gi_error(exc) from None


def _save(path: str, data: dict[str, Any]) -> None:
    try:
        config_files.save_user_config(path, data)
    except ConfigError as exc:
        raise _gi_error(exc) from None


def _gi_error(exc: ConfigError) -> Exception:
    from gitissues.settings import gi_error

    return gi_error(exc)


@contextmanager
def _locked(env: Mapping[str, str] | None) -> Iterator[str]:
    """The user config file's path, held under `<file>.lock` (made with the folder, 0700)."""
    from filelock import FileLock, Timeout

    from gitissues.errors import Conflict

    path = config_file(env)
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    except OSError as exc:
        raise _gi_error(ConfigError(f"{path}: cannot create its folder: {exc}", path=path)
                        ) from None
    try:
        with FileLock(f"{path}.lock", timeout=LOCK_TIMEOUT, mode=0o600):
            yield path
    except Timeout:
        raise Conflict(f"{path}.lock: another gi holds the user config for more than "
                       f"{LOCK_TIMEOUT:.0f} s") from None
