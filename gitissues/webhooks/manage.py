"""`gi webhook register|list|remove` (SPEC §9): a bridge's webhook on its tracker, made and
removed through the tracker's API (`bridges.base.HookAdmin`).

Bridges are chosen as `gi bridge pull` chooses them: the saved ones, or with none saved the one
`gi config detect` finds. `register` generates the secret (`secrets.token_hex(32)`), creates the
hook with it and keeps it in the user config (`webhooks.stored`), never in the repository;
nothing prints it. One hook per bridge and URL: registering again keeps the hook register made
when it is still there and active (`reused`), and otherwise removes every hook already posting
to that URL before creating the new one (`replaced`: GitHub refuses a second hook for one URL,
and a hook whose secret nobody here knows would only deliver what the receiver refuses). A hook
register made for another URL goes once the new one exists: its secret is forgotten by then.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

from gitissues import testhooks
from gitissues.bridges import saved
from gitissues.errors import AuthError, GiError, NotFound, UsageError
from gitissues.webhooks import stored

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from gitissues.bridges.base import HookAdmin
    from gitissues.store.core import StoreCore

HOOK_METHODS = ("list_hooks", "add_hook", "remove_hook")
_HOOK_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")
# what a token needs to manage a project's webhooks, said when the tracker refuses
RIGHTS = {
    "github": "a token with the repository permission Webhooks (read and write), or a classic "
              "token with admin:repo_hook",
    "gitea": "a token with write:repository from an administrator of the repository",
    "gitlab": "a token with the api scope from a Maintainer of the project",
}

Say = Callable[[str], None]


class CannotManage(UsageError):
    """The bridge's platform has no webhook management in gi (no `HookAdmin`)."""


def register(store: StoreCore, name: str | None, url: str, say: Say) -> dict[str, Any]:
    """Make sure the tracker of bridge `name` posts issue and comment events to `url`, signed
    with a secret kept in the user config; the hook (never the secret) and what was done."""
    url = check_url(url)
    bridge, entry = _single(store, name, "register {} --url URL", save=True)
    admin, target = _open(store, bridge, entry)
    kept, foreign = _kept(bridge, target)
    with _explained(target):
        hooks = admin.list_hooks()
    same = [h for h in hooks if h["url"] == url]
    mine = next((h for h in same if h["id"] == kept.get("hook_id")), None)
    removed: list[dict[str, Any]] = []
    if mine is not None and kept.get("secret") and mine["active"]:
        for hook in same:
            if hook is not mine:
                _drop(admin, hook, removed)
        return _made(bridge, mine, "reused", removed, stored.config_file())
    for hook in same:
        _drop(admin, hook, removed)
    secret = secrets.token_hex(32)
    with _masked(secret), _explained(target):
        hook = admin.add_hook(url, secret)
        testhooks.die("WEBHOOK_AFTER_CREATE")
        try:
            path = stored.remember(bridge, {"secret": secret, "hook_id": hook["id"],
                                            "base_url": str(target["base_url"]),
                                            "project": str(target["project"])})
        except GiError:
            with suppress(GiError):  # a hook whose secret is lost would only be refused
                admin.remove_hook(hook["id"])
            raise
    if foreign:
        say(f"{foreign} was replaced: that webhook's deliveries will be refused from now on "
            "(remove it there)")
    old = next((h for h in hooks if h["id"] == kept.get("hook_id") and h["url"] != url), None)
    if old is not None:
        _drop(admin, old, removed)
    return _made(bridge, hook, "replaced" if removed else "created", removed, path)


def listing(store: StoreCore, names: list[str], say: Say) -> list[dict[str, Any]]:
    """Every webhook of each bridge's project: `{bridge, id, url, events, active, registered}`,
    `registered` marking the one `register` made. With no names, a bridge whose platform gi
    cannot manage webhooks on is left out with a warning (unless it is the only one)."""
    rows: list[dict[str, Any]] = []
    chosen = _chosen(store, names, save=False)
    for bridge, entry in chosen:
        try:
            admin, target = _open(store, bridge, entry)
        except CannotManage as exc:
            if names or len(chosen) == 1:
                raise
            say(exc.message)
            continue
        registered = _kept(bridge, target)[0].get("hook_id")
        with _explained(target):
            hooks = admin.list_hooks()
        rows += [{"bridge": bridge, **h, "registered": h["id"] == registered} for h in hooks]
        if registered and not any(h["id"] == registered for h in hooks):
            say(f"bridge {bridge}: the webhook gi registered ({registered}) is no longer on "
                f"the tracker; gi webhook register makes a new one")
    return rows


def remove(store: StoreCore, name: str | None, hook_id: str | None, say: Say
           ) -> dict[str, Any]:
    """Delete the webhook `register` made for bridge `name` (or `hook_id`), and forget its
    secret when it is that one. One already deleted on the tracker is forgotten all the same."""
    if hook_id is not None:
        check_hook_id(hook_id)
    bridge, entry = _single(store, name, "remove {}", save=False)
    admin, target = _open(store, bridge, entry)
    kept, foreign = _kept(bridge, target)
    if foreign:
        say(f"{foreign}, not this bridge's tracker: it is kept")
    wanted = hook_id or kept.get("hook_id")
    if not wanted:
        raise NotFound(f"bridge {bridge}: gi registered no webhook here (nothing under "
                       f"{stored.key(bridge, 'hook_id')} in {stored.config_file()}); "
                       f"gi webhook list shows the tracker's, --id HOOK_ID removes one")
    registered = wanted == kept.get("hook_id")
    gone = False
    try:
        admin.remove_hook(wanted)
    except NotFound:
        # a 404 may also mean "not allowed to see it": forget the secret only when the list
        # (which then fails too) shows the hook is really gone
        if not registered or any(h["id"] == wanted for h in admin.list_hooks()):
            raise
        gone = True
    forgot = stored.forget(bridge) if registered else False
    return {"bridge": bridge, "id": wanted, "removed": not gone, "already_gone": gone,
            "forgot_secret": forgot, "config": stored.config_file()}


# --- checks ----------------------------------------------------------------------------------


def check_url(url: str) -> str:
    """`url` if a tracker can post to it: http(s), a host, no credentials, no spaces."""
    from urllib.parse import urlsplit

    text = url.strip()
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 — raises on a malformed port
    except ValueError:
        parts = None
    if (parts is None or parts.scheme not in ("http", "https") or not parts.hostname
            or len(text) > 2000 or not text.isprintable() or " " in text):
        raise UsageError(f"--url must be an http:// or https:// address the tracker can post "
                         f"to, such as https://hooks.example.com/hooks/github, not {text[:80]!r}")
    if parts.username is not None or parts.password is not None:
        raise UsageError("--url must not carry a user name or password: the secret gi "
                         "generates signs every delivery")
    return text


def check_hook_id(hook_id: str) -> str:
    if not _HOOK_ID.fullmatch(hook_id):
        raise UsageError(f"--id is a webhook id as gi webhook list shows it, not {hook_id!r}")
    return hook_id


def hook_admin(platform: object, bridge: str, plat: str) -> HookAdmin:
    """`platform` if it manages webhooks (`HookAdmin`), else a usage error naming `plat`."""
    if not all(callable(getattr(platform, m, None)) for m in HOOK_METHODS):
        raise CannotManage(f"bridge {bridge}: gi cannot manage webhooks on {plat}; create the "
                           f"webhook in {plat}'s project settings and give gi webhook serve "
                           "its secret")
    return platform  # type: ignore[return-value]


# --- bridges -----------------------------------------------------------------------------------


def _chosen(store: StoreCore, names: list[str], *, save: bool) -> list[tuple[str, dict]]:
    """The bridges named, else every saved one, else the one `gi config detect` finds (saved
    under the platform's name when `save`, as `gi bridge pull` does)."""
    if names:
        return [(n, saved.one(store, n)) for n in dict.fromkeys(names)]
    every = saved.all_saved(store)
    if every:
        return sorted(every.items())
    from gitissues.settings import resolve_bridge_target

    try:
        target = resolve_bridge_target(store)
    except GiError as exc:
        raise NotFound(f"no bridges, and none detected ({exc.message}); "
                       "gi bridge add NAME creates one") from None
    name = str(target["platform"])
    if not save:
        return [(name, {"platform": name})]
    from gitissues.bridges import run

    run.add(store, name, name, {})
    return [(name, saved.one(store, name))]


def _single(store: StoreCore, name: str | None, example: str, *, save: bool
            ) -> tuple[str, dict]:
    """The bridge named, else the only one; `example` is the command, `{}` where a name goes."""
    chosen = _chosen(store, [name] if name else [], save=save)
    if len(chosen) > 1:
        raise UsageError(f"several bridges ({', '.join(n for n, _ in chosen)}): name one, "
                         f"e.g. gi webhook {example.format(chosen[0][0])}")
    return chosen[0]


def _open(store: StoreCore, bridge: str, entry: dict) -> tuple[HookAdmin, dict[str, Any]]:
    from gitissues.bridges.registry import PLATFORMS, open_platform
    from gitissues.settings import resolve_bridge_target

    target = resolve_bridge_target(store, entry.get("platform"), bridge=entry)
    plat = str(target["platform"])
    if plat not in PLATFORMS:
        hook_admin(None, bridge, plat)
    platform = open_platform(bridge, target, token_env=entry.get("token_env"))
    return hook_admin(platform, bridge, plat), target


def _kept(bridge: str, target: dict[str, Any]) -> tuple[dict[str, str], str | None]:
    """What register kept for `bridge` if it is about this tracker and project, else nothing
    and where it is about: the user config serves every repository, and two repositories may
    name a bridge alike."""
    kept = stored.stored(bridge)
    if all(not kept.get(k) or kept[k] == str(target[k]) for k in ("base_url", "project")):
        return kept, None
    return {}, (f"{stored.key(bridge, 'secret')} in {stored.config_file()} is the secret of a "
                f"webhook on {kept.get('base_url')} {kept.get('project')}")


def _drop(admin: HookAdmin, hook: dict[str, Any], removed: list[dict[str, Any]]) -> None:
    """Delete `hook`, noting it in `removed`; one deleted meanwhile is gone all the same."""
    try:
        admin.remove_hook(hook["id"])
    except NotFound:
        return
    removed.append({"id": hook["id"], "url": hook["url"]})


def _made(bridge: str, hook: dict[str, Any], action: str, removed: list[dict[str, Any]],
          path: str) -> dict[str, Any]:
    return {"bridge": bridge, "id": hook["id"], "url": hook["url"],
            "events": list(hook["events"]), "active": hook["active"], "action": action,
            "removed": removed, "secret_key": stored.key(bridge), "config": path}


@contextmanager
def _masked(secret: str) -> Iterator[None]:
    """No error message carries the new secret, whatever a server echoes back."""
    from gitissues.bridges.messages import redact

    try:
        yield
    except GiError as exc:
        exc.message = redact(exc.message, [secret])
        exc.args = (exc.message,)
        raise


@contextmanager
def _explained(target: dict[str, Any]) -> Iterator[None]:
    """A refusal of the hooks list or a create says what rights managing webhooks takes
    (GitHub answers 404, not 403, to a token that may not see them)."""
    try:
        yield
    except (AuthError, NotFound) as exc:
        if isinstance(exc, AuthError) and exc.details.get("status") != 403:
            raise
        rights = RIGHTS.get(str(target["platform"]), "a token with admin rights on the project")
        exc.message = f"{exc.message} (managing webhooks takes {rights})"
        exc.args = (exc.message,)
        raise
