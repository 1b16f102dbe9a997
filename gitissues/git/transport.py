"""Fetch and push the store branch with the system `git`.

A remote comes from the command line, or from the repository settings (`claims.remote`) — and
those are pulled from other clones, so a hostile value must never run anything: a remote is the
name of a git remote this clone has configured, or (typed by the user) a URL or path; it is
always passed after `--end-of-options`, and the `ext::` transport is refused outright.

A push that the remote refuses is told apart from one that lost a race (`--porcelain` status):
a lost race is retried by the caller, a refusal is reported with the server's own words.
"""

from __future__ import annotations

import re

from gitissues.errors import AuthError, InvalidData, RemoteError, UsageError
from gitissues.git import OID_RE, RepoPaths, run

STORE_REF = "refs/heads/issue-facade"
# the remote's arbiter refs (gitissues.arbiter): one per shard of claims or leases
ARBITER = "refs/issue-facade/arbiter/"
_SAFE = ("-c", "protocol.ext.allow=never")
_ENV = {"GIT_TERMINAL_PROMPT": "0"}
_NAME = re.compile(r"^[A-Za-z0-9._/-]+$")
_URLISH = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*://|[^/:]+:|/|\.{1,2}/)")
_AUTH = re.compile(
    r"authentication failed|could not read (?:username|password)|terminal prompts disabled"
    r"|permission denied \(publickey|returned error: 40[13]\b|permission to \S+ denied"
    r"|access denied|insufficient permission|invalid username or password"
    r"|http basic: access denied|not authorized|permission denied", re.I)
_LOST_RACE = ("fetch first", "non-fast-forward", "stale info")
# `[remote rejected] (cannot lock ref …)`: two pushes raced inside the remote
_LOST_ON_REMOTE = ("cannot lock ref", "but expected", "failed to update ref", "failed to lock",
                   "incorrect old value")


def remotes(paths: RepoPaths) -> list[str]:
    proc = run(paths, "remote", check=False)
    return [line.strip() for line in proc.stdout.splitlines() if line.strip()]


def check_remote(paths: RepoPaths, name: str, *, setting: str | None = None) -> str:
    """`name` if it is safe to hand to git: a configured remote, or — only when the user typed
    it, not from `setting` (the settings key it came from) — a URL or a path."""
    known = remotes(paths)
    if name in known:
        return name
    listed = ", ".join(known) or "none"
    if setting is not None:
        raise InvalidData(f"repository settings: {setting} is {name!r}, which is not a git "
                          f"remote of this clone (remotes: {listed}); set it to a remote name "
                          f"with 'gi config set {setting} NAME'", field=setting)
    if not name or name.startswith("-") or any(c in name for c in "\0\n\r"):
        raise UsageError(f"not a remote name or URL: {name!r}")
    if name.lower().startswith("ext::"):
        raise UsageError("the ext:: transport runs commands and is not allowed")
    if _URLISH.match(name):
        return name
    raise RemoteError(f"no git remote named {name!r} (remotes: {listed})", remote=name)


def _named(remote: str) -> bool:
    return bool(_NAME.match(remote)) and ".." not in remote and not remote.startswith("/")


def _digest(remote: str) -> str:
    from gitissues.ids import sha1_hex

    return sha1_hex(remote.encode())[:16]


def tracking_ref(remote: str) -> str:
    """Where the remote's store branch is kept: `refs/remotes/NAME/issue-facade` for a named
    remote, a name derived from the URL otherwise (a URL is not a valid ref name)."""
    if _named(remote):
        return f"refs/remotes/{remote}/issue-facade"
    return f"refs/issue-facade/remotes/{_digest(remote)}"


def arbiter_tracking(remote: str) -> str:
    """The prefix under which the remote's arbiter refs are kept here (`…/<shard>`)."""
    return f"refs/issue-facade/arbiters/{remote if _named(remote) else _digest(remote)}/"


def _failure(action: str, remote: str, text: str) -> Exception:
    """Exit 7 for authentication or permission, 6 for anything else. The remote's own name or
    URL is taken out first so that a path like `/srv/4013/` or `access-denied.git` says nothing."""
    cleaned = text.replace(remote, "<remote>").strip()
    if _AUTH.search(cleaned):
        return AuthError(f"{action} {remote}: {text.strip()}", remote=remote)
    return RemoteError(f"{action} {remote}: {text.strip() or 'git failed'}", remote=remote)


def fetch(paths: RepoPaths, remote: str, *, arbiters: bool = False) -> str | None:
    """The remote's store commit now, kept at `tracking_ref(remote)`; None when the remote has
    no store (then a stale tracking ref is removed, so nothing is decided from it). With
    `arbiters`, the remote's arbiter refs come in the same fetch (`arbiter_tracking`)."""
    extra = (f"+{ARBITER}*:{arbiter_tracking(remote)}*",) if arbiters else ()
    return fetch_ref(paths, remote, STORE_REF, tracking_ref(remote), extra)


def fetch_ref(paths: RepoPaths, remote: str, ref: str, track: str, extra: tuple[str, ...] = ()
              ) -> str | None:
    """The remote's `ref` now, kept at `track` (None, and `track` removed: it has none), and
    the `extra` refspecs — alone: one arbiter ref after a lost push, without the store's news."""
    proc = run(paths, *_SAFE, "fetch", "--quiet", "--no-tags", "--no-write-fetch-head",
               "--end-of-options", remote, f"+{ref}:{track}", *extra, check=False, env=_ENV)
    if proc.returncode != 0:
        if "couldn't find remote ref" in proc.stderr.lower():
            run(paths, "update-ref", "-d", track, check=False)
            return None
        raise _failure("cannot fetch from", remote, proc.stderr)
    from gitissues.git import read_ref

    return read_ref(paths, track)


class PushResult:
    """`ok`: the remote took it; otherwise it lost a race (the remote moved meanwhile)."""

    def __init__(self, ok: bool, message: str = "") -> None:
        self.ok, self.message = ok, message


def push(paths: RepoPaths, remote: str, commit: str, ref: str = STORE_REF,
         track: str | None = None) -> PushResult:
    """Push `commit` as the remote's `ref` (the store branch, or an arbiter ref) without
    force; `track` is where this clone keeps that ref (default: the store's tracking ref). A
    refusal (a hook, a protected branch, no permission) raises with the server's own message."""
    if not OID_RE.match(commit):
        raise UsageError(f"not a commit id: {commit!r}")
    proc = run(paths, *_SAFE, "push", "--porcelain", "--end-of-options", remote,
               f"{commit}:{ref}", check=False, env=_ENV)
    status = _ref_status(proc.stdout, ref)
    if proc.returncode == 0 and (status is None or status[0] != "!"):
        run(paths, "update-ref", "-m", "gi: pushed", track or tracking_ref(remote), commit,
            check=False)
        return PushResult(True)
    if status is None or status[0] != "!":
        raise _failure("cannot push to", remote, proc.stderr or proc.stdout)
    summary = status[1]
    low = summary.lower()
    if "remote rejected" in low:
        lost = any(s in low for s in _LOST_ON_REMOTE)
    else:
        lost = any(s in low for s in _LOST_RACE)
    if lost:
        return PushResult(False, summary)
    server = _server_lines(proc.stderr)
    raise _failure("the remote refused the push to", remote,
                   summary + (f"\n{server}" if server else ""))


def _ref_status(porcelain: str, ref: str) -> tuple[str, str] | None:
    """(flag, summary) of `ref`'s line in `git push --porcelain` output."""
    for line in porcelain.splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and parts[1].endswith(f":{ref}"):
            return parts[0], "\t".join(parts[2:])
    return None


def _server_lines(stderr: str) -> str:
    """What the server said (`remote: …` lines), else git's own error lines."""
    said = [line[len("remote:"):].strip() for line in stderr.splitlines()
            if line.startswith("remote:") and line[len("remote:"):].strip()]
    if not said:
        said = [line.strip() for line in stderr.splitlines()
                if line.startswith(("error:", "fatal:"))]
    return "\n".join(said)
