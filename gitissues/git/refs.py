"""A ref moved by compare-and-swap without starting git, under git's own lock protocol.

Every writer of a ref in the files backend (`git update-ref`, `git pack-refs` pruning a loose
ref, `git gc`, another `gi`) first creates `<ref>.lock` exclusively, reads the value under the
lock, and renames the lock onto the ref; doing the same here makes a `gi` write atomic against
all of them. A lock someone else holds is a lost race, like a ref that moved: the caller reads
the new tip and tries again.
"""

from __future__ import annotations

import os
import time

from gitissues import fs
from gitissues.errors import Conflict, GiError
from gitissues.git import ZERO_OID, RepoPaths, is_oid, user_config
from gitissues.git.commits import signature

_PER_WORKTREE = ("refs/worktree/", "refs/bisect/", "refs/rewritten/")
_BAD_REF_CHARS = frozenset("~^:?*[\\ \x7f") | {chr(c) for c in range(32)}
_BLANKS = str.maketrans("\t\n\v\f\r", "     ")


def _check(ref: str) -> None:
    """git's check_refname_format, for the names gi uses: under refs/ and not per worktree; no
    empty, dot-led or `.lock` component; no `..`, `@{`, control character, space or any of
    ~^:?*[\\; not ending in `.` (string checks: a regular expression costs ~0.3 ms to compile)."""
    if (not isinstance(ref, str) or not ref.startswith("refs/") or ref.startswith(_PER_WORKTREE)
            or ".." in ref or "@{" in ref or ref.endswith(".") or not _BAD_REF_CHARS.isdisjoint(ref)
            or any(not part or part.startswith(".") or part.endswith(".lock")
                   for part in ref.split("/"))):
        raise GiError(f"not a shared ref name gi can update: {ref!r}")


def update_ref(paths: RepoPaths, ref: str, new: str, old: str | None,
               reason: str = "gi: update store") -> bool:
    """Move `ref` to `new` only if it still points at `old` (None: only if it does not exist).
    False when another writer moved or holds it (a lost race); other failures raise."""
    _check(ref)
    old = None if old == ZERO_OID else old  # git's spelling of "must not exist"
    for oid in (new, old) if old is not None else (new,):
        if not isinstance(oid, str) or not is_oid(oid) or oid == ZERO_OID:
            raise GiError(f"not an object id: {oid!r}")
    path = os.path.join(paths.common_dir, ref)
    lock = path + ".lock"
    try:
        fd = _create_lock(lock)
    except FileExistsError:
        return False
    done = False
    try:
        try:
            if fs.is_dir(path):  # `<ref>/…` refs exist: git refuses such a ref too
                raise GiError(f"cannot update {ref}: refs exist below it")
            if current_value(paths, ref) != old:
                return False
            os.write(fd, (new + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        _log(paths, ref, old, new, reason)  # git writes the reflog before committing the lock
        try:
            os.rename(lock, path)
        except OSError as e:  # e.g. a directory where the ref should be
            raise GiError(f"cannot update {ref}: {e}") from None
        done = True
        return True
    finally:
        if not done:
            os.unlink(lock)


def _create_lock(lock: str) -> int:
    """`<ref>.lock`, created exclusively. Its directory is made as needed: `git pack-refs`
    removes directories it empties, so one can vanish between making it and using it."""
    for _ in range(16):
        try:
            return os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileNotFoundError:
            try:
                os.makedirs(os.path.dirname(lock), exist_ok=True)
            except OSError as e:  # a file where a directory of the ref's name should be
                raise GiError(f"cannot create {lock}: {e}") from None
        except (NotADirectoryError, IsADirectoryError) as e:
            raise GiError(f"cannot create {lock}: {e}") from None
    raise GiError(f"cannot create {lock}: its directory keeps disappearing")


def current_value(paths: RepoPaths, ref: str) -> str | None:
    """The id `ref` holds, read as git does: the loose file, else `packed-refs`. Exact under
    `<ref>.lock`: pack-refs takes that lock too before it removes a loose ref."""
    try:
        text = fs.read_bytes(os.path.join(paths.common_dir, ref)).decode("ascii", "replace")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return _packed_value(paths, ref)
    if is_oid(text[:40]) and (len(text) == 40 or text[40].isspace()):
        return text[:40]
    if text.startswith("ref:"):
        raise GiError(f"{ref} is a symbolic ref; gi does not move symbolic refs")
    raise GiError(f"{ref} is broken: {text[:60]!r}")


def _packed_value(paths: RepoPaths, ref: str) -> str | None:
    try:
        with open(os.path.join(paths.common_dir, "packed-refs"), "rb") as f:
            data = f.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return None
    for line in data.split("\n"):
        if line[41:] == ref and line[40:41] == " " and is_oid(line[:40]):
            return line[:40]
    return None


# --- the reflog ---------------------------------------------------------------------------------

def _log(paths: RepoPaths, ref: str, old: str | None, new: str, reason: str) -> None:
    """Append to `logs/<ref>` as git does: when that file exists, or when
    core.logAllRefUpdates says to create it (default: branches, in a non-bare repository).
    The current worktree's HEAD log too when HEAD points at `ref`. The configuration is
    parsed only to decide whether to create a log; the committer comes from what git says
    (`user_config`, which a write has already asked and keeps)."""
    targets = [(os.path.join(paths.common_dir, "logs", ref), ref)]
    try:
        head = fs.read_text(os.path.join(paths.git_dir, "HEAD"))
    except OSError:
        head = ""
    if head.startswith("ref:") and head[4:].strip() == ref:
        targets.append((os.path.join(paths.git_dir, "logs", "HEAD"), "HEAD"))
    config: dict[str, str] | None = None
    for log, name in targets:
        if not fs.is_file(log):
            if config is None:
                from gitissues.git.gitconfig import read_config

                config = read_config(paths)
            if not _autocreate(config, name):
                continue
        message = " ".join(w for w in reason.translate(_BLANKS).split(" ") if w)
        line = f"{old or ZERO_OID} {new} {signature(_committer(paths))}"
        line += f"\t{message}\n" if message else "\n"
        _append(log, line.encode("utf-8"))


def _autocreate(config: dict[str, str], name: str) -> bool:
    from gitissues.git.gitconfig import bool_value

    value = config.get("core.logallrefupdates")
    if value is not None and value.lower() == "always":
        return True
    if value is None:
        enabled = not bool_value(config.get("core.bare", "false"))
    else:
        enabled = bool_value(value)
    return enabled and (name == "HEAD" or name.startswith(
        ("refs/heads/", "refs/remotes/", "refs/notes/")))


def _committer(paths: RepoPaths) -> tuple[str, str]:
    """git's committer identity: the environment, then user.name and user.email."""
    env = os.environ
    name = env.get("GIT_COMMITTER_NAME")
    email = env.get("GIT_COMMITTER_EMAIL")
    if not name or not email:
        config = user_config(paths)
        name = name or config.get("user.name") or "gi"
        email = email or config.get("user.email") or env.get("EMAIL") or "gi@issue-facade.invalid"
    return name, email


def _append(log: str, line: bytes) -> None:
    for _ in range(16):
        try:
            fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
            break
        except FileNotFoundError:
            os.makedirs(os.path.dirname(log), exist_ok=True)
    else:
        raise GiError(f"cannot create {log}: its directory keeps disappearing")
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


class LockWatch:
    """Tells a ref lock held by a live writer (milliseconds) from one a killed writer left:
    the same lock file still there after `patience` seconds."""

    def __init__(self, lock: str, patience: float = 3.0) -> None:
        self.lock, self.patience = lock, patience
        self.seen: tuple[int, int] | None = None
        self.since = 0.0

    def stuck(self) -> bool:
        try:
            st = os.stat(self.lock)
        except OSError:
            self.seen = None
            return False
        key = (st.st_ino, st.st_mtime_ns)
        if key != self.seen:
            self.seen, self.since = key, time.monotonic()
            return False
        return time.monotonic() - self.since > self.patience

    def conflict(self, ref: str) -> Conflict:
        """The error for a lock that stayed: what it is, and how to clear it."""
        return Conflict(f"{ref} is locked ({self.lock} exists); if no gi or git process is "
                        "running, `gi doctor --fix` removes it", lock=self.lock)


def watch(paths: RepoPaths, ref: str) -> LockWatch:
    """A watch on `ref`'s lock file."""
    return LockWatch(os.path.join(paths.common_dir, ref + ".lock"))
