"""`gi prime`: the workflow guide an agent reads at start-up, tailored to the repository — its
mode and id prefix, the claim TTL and whether claims go through a remote, its bridges, whether
the commit hooks and an MCP server are set up — in at most ~400 tokens (a test counts).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from gitissues import git

def facts(paths: git.RepoPaths | None) -> dict[str, Any]:
    """What the guide depends on, read from the repository (defaults outside one)."""
    from gitissues import identity

    agent, source = identity.agent(paths)
    out: dict[str, Any] = {"agent": agent, "agent_source": source, "mode": "branch",
                           "prefix": "gi", "claim_ttl": "30m", "claims_remote": None,
                           "bridges": {}, "hooks": [], "mcp": {}}
    if paths is None:
        return out
    from gitissues.agents import setup
    from gitissues.store import open_store

    store = open_store(paths.top)
    settings = store.settings()
    claims = settings.get("claims") if isinstance(settings.get("claims"), dict) else {}
    bridges = settings.get("bridges") if isinstance(settings.get("bridges"), dict) else {}
    out.update(mode=store.mode, prefix=str(settings.get("prefix") or "gi"),
               claim_ttl=str(claims.get("ttl") or "30m"),
               claims_remote=str(claims["remote"]) if claims.get("remote") else None,
               bridges={str(name): str(b.get("platform") or "?") for name, b in bridges.items()
                        if isinstance(b, dict)},
               hooks=_hooks(paths), mcp=setup.status(str(paths.top)))
    return out


def _hooks(paths: git.RepoPaths) -> list[str]:
    """The gi commit hooks installed (none when that cannot be told)."""
    try:
        from gitissues.hooks import install

        found = install.status(paths)["hooks"]
    except Exception:  # a guide never fails over the hooks' state
        return []
    return [name for name, hook in found.items() if hook.get("state") == "installed"]


def text(f: dict[str, Any]) -> str:
    """The guide itself."""
    where = ("branch `issue-facade`; read-only copy in .issue-facade/issues/"
             if f["mode"] == "branch" else "files in .issue-facade/issues/, committed with code")
    ttl = f["claim_ttl"]
    remote = (f"; claims go through the remote {f['claims_remote']} (exactly one clone wins)"
              if f["claims_remote"] else "")
    lines = [
        "# Issue Facade (gi): how to work here",
        f"Issues are YAML files in git ({where}); ids look like {f['prefix']}-7f3a9c, any "
        "unique prefix works.",
        f"Your identity: {f['agent']} ({f['agent_source']}"
        + ("" if f["agent_source"].startswith("env:") else
           "; agents working side by side each need their own: GI_AGENT=NAME")
        + "). Every command takes --json.",
    ]
    tools = [name for name, on in f["mcp"].items() if on and name != "agents-md"]
    if tools:
        lines.append(f"MCP is set up ({', '.join(tools)}): the gi tools ready, claim (next: "
                     "true), show, progress, close… do what the commands below do.")
    lines += [
        "",
        "1. Find work:  gi ready --limit 5   (open, unclaimed, dependencies closed)",
        f"2. Take it:    gi claim --next [QUERY]   (or gi claim ID); a claim lasts {ttl}{remote}",
        "   Exit 4: someone else holds it (the message names them): take another issue, "
        "do not work on theirs. Exit 3: nothing is ready.",
        "3. Work:       gi show ID; gi progress ID --progress 0.5 --stage S; gi comment ID \"…\"",
        f"               gi extend ID --ttl {ttl} before it runs out; gi release ID if you stop",
        "4. Commit:     " + _commit_line(f["hooks"]),
        "5. Finish:     gi close ID --reason \"what was done\"",
        "Found more work? gi create \"TITLE\" --type bug --depends-on ID; gi dep add A B.",
    ]
    if f["bridges"]:
        named = ", ".join(f"{n} ({p})" for n, p in sorted(f["bridges"].items()))
        lines.append(f"Bridges mirror these issues to {named}: gi bridge sync.")
    if f["mode"] == "branch":
        lines.append("Other clones: gi sync to exchange issues with origin.")
    lines.append("Queries: label:x priority:<=1 assignee:me is:blocked \"words\" "
                 "(gi help list).")
    return "\n".join(lines) + "\n"


def _commit_line(hooks: list[str]) -> str:
    if "post-merge" in hooks:
        return ("put \"Fixes ID\" in the message: the hooks link the commit, and close the "
                "issue when it reaches the default branch")
    if "post-commit" in hooks:
        return "put \"Fixes ID\" in the message: the gi hooks link the commit to the issue"
    return ("put \"Fixes ID\" in the message (gi hooks install makes commits link to their "
            "issues)")
