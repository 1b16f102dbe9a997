"""The user config file (`$XDG_CONFIG_HOME/issue-facade/config.yaml`, mode 0600, SPEC §1):
where it is, reading it, writing it safely.

Read with `yamlio.load_fast` and written with `yamlio.emit`, so `gi whoami` and the other reads
need no ruamel for the plain text `gi config set --user` writes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from gitissues import config_keys, fs, yamlio
from gitissues.config_keys import ConfigError
from gitissues.errors import InvalidData

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

MAX_FILE_BYTES = 1 << 20
_USER_CACHE: dict[str, tuple[tuple[int, int], dict]] = {}


def user_config_file(env: Mapping[str, str]) -> str:
    """`$XDG_CONFIG_HOME/issue-facade/config.yaml`, else under `$HOME/.config` (XDG spec:
    a relative XDG_CONFIG_HOME is ignored). A string: every write reads it (pathlib costs
    each `gi` ~4 ms to import)."""
    xdg = env.get("XDG_CONFIG_HOME", "")
    if xdg and os.path.isabs(xdg):
        base = xdg
    else:
        home = env.get("HOME")
        base = os.path.join(home if home else fs.expand_home("~"), ".config")
    return fs.normal_path(os.path.join(base, "issue-facade", "config.yaml"))


def user_config_path(env: Mapping[str, str]) -> Path:
    """`user_config_file` as a `Path`."""
    from pathlib import Path

    return Path(user_config_file(env))


def read_user_config(env: Mapping[str, str]) -> tuple[str, dict]:
    """The user config file and its contents, cached per process by mtime and size (every
    write asks for the identity)."""
    path = user_config_file(env)
    try:
        st = os.stat(path)
    except OSError:
        return path, {}
    stamp = (st.st_mtime_ns, st.st_size)
    cached = _USER_CACHE.get(path)
    if cached is None or cached[0] != stamp:
        cached = (stamp, load_yaml_file(path))
        _USER_CACHE[path] = cached
    return path, config_keys.clone(cached[1])


def load_user_config(env: Mapping[str, str]) -> tuple[Path, dict]:
    """`read_user_config` with the file as a `Path`."""
    from pathlib import Path

    path, data = read_user_config(env)
    return Path(path), data


def load_yaml_file(path: str | Path) -> dict[str, Any]:
    """A settings file as a dict: missing → `{}`; unreadable, too large, malformed or using
    aliases → ConfigError naming the file (and line)."""
    path = fs.normal_path(os.fspath(path))
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read settings: {exc}", path=path) from exc
    if len(text) > MAX_FILE_BYTES:
        raise ConfigError(f"{path}: larger than {MAX_FILE_BYTES} bytes", path=path)
    try:
        data = yamlio.load_fast(text, str(path))  # refuses aliases, names the line
    except InvalidData as exc:
        raise ConfigError(exc.message, path=path, line=exc.details.get("line")) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        kind = type(data).__name__
        message = f"{path}:1: expected a mapping of settings, found a {kind}"
        raise ConfigError(message, path=path, line=1)
    return data


def save_user_config(path: str | Path, data: Mapping[str, Any]) -> None:
    """Write atomically (tmp + rename) with mode 0600, whatever mode an old file had; a
    symlinked config (dotfile managers) is written through to its target."""
    data = dict(data)
    if not data:
        text = "{}\n"
    elif _plain(data):
        text = yamlio.emit(data)
    else:  # dates or other YAML types a hand-edited file may hold: ruamel writes those
        import io

        from ruamel.yaml import YAML

        yaml = YAML(typ="safe")
        yaml.default_flow_style = False
        buffer = io.StringIO()
        yaml.dump(data, buffer)
        text = buffer.getvalue()
    save_user_text(path, text)


def _plain(value: Any) -> bool:
    """Only the types `yamlio.emit` writes back exactly."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return value is None or isinstance(value, str | bool | int | float)


def save_user_text(path: str | Path, text: str) -> None:
    """`save_user_config` for text the user wrote (`gi config edit`): comments survive."""
    from pathlib import Path

    path = Path(path)
    if path.is_symlink():
        path = path.resolve()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp.unlink(missing_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ConfigError(f"{path}: cannot write user config: {exc}", path=path) from exc


def backup_file(path: str | Path, stamp: str) -> Path | None:
    """Copy `path` to `<path>.bak-<stamp>` (mode 0600: it may hold secrets) before it is
    replaced; None when there is nothing to keep. A second backup in the same second gets
    a counter rather than overwriting the first."""
    from pathlib import Path

    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc}", path=path) from exc
    for n in range(1000):
        backup = path.with_name(f"{path.name}.bak-{stamp}" + (f"-{n}" if n else ""))
        try:
            fd = os.open(backup, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        except OSError as exc:
            raise ConfigError(f"{backup}: cannot write a backup: {exc}", path=path) from exc
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        return backup
    raise ConfigError(f"{path}: too many backups for {stamp}", path=path)
