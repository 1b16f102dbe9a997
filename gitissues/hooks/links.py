"""The store change the hooks make: commits linked to the issues their messages refer to
(`links.commits`, a `commit.linked` event each), `Fixes`/`Closes`/`Resolves` closing their
issue with a comment naming the commit once it reached the default branch, and rewritten
commits (amend, rebase) taking the place of the ones they replace. Whatever one hook run does
is one store change."""

from __future__ import annotations

from gitissues.errors import GiError
from gitissues.hooks.refs import VERBS_CLOSING, references

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from gitissues.hooks.commits import Commit
    from gitissues.model import Issue
    from gitissues.store import Store
    from gitissues.store.backend import Change, Snapshot


def resolved(store: Store, message: str) -> tuple[list[tuple[str, str]], list[str]]:
    """`(verb, issue id)` for each reference of the message that names an issue (each issue
    once, its first verb), and a warning for each that names none."""
    found: dict[str, str] = {}
    warnings = []
    for verb, ref in references(message):
        try:
            issue_id = store.resolve(ref)
        except GiError as exc:
            warnings.append(f"commit message refers to {ref}: {exc.message}")
            continue
        found.setdefault(issue_id, verb)
    return [(verb, issue_id) for issue_id, verb in found.items()], warnings


class Plan:
    """What one hook run changes, gathered before the change is computed: per issue, the
    commits to link and the commit that closes it; and the rewritten commits."""

    def __init__(self, branch: str = "") -> None:
        self.branch = branch.removeprefix("refs/heads/")
        self.link: dict[str, list[str]] = {}
        self.close: dict[str, Commit] = {}
        self.rewritten: dict[str, str] = {}
        self.followers: set[str] = set()  # issues that have a rewritten commit linked

    def commits(self, store: Store, commits: list[Commit], *, reached: bool) -> list[str]:
        """Link each commit to the issues it refers to; `reached`: they are on the default
        branch now, so their closing references close. The warnings: references that name
        no issue."""
        warnings = []
        for commit in commits:
            found, unknown = resolved(store, commit.message)
            warnings += unknown
            for verb, issue_id in found:
                oids = self.link.setdefault(issue_id, [])
                if commit.oid not in oids:
                    oids.append(commit.oid)
                if reached and verb in VERBS_CLOSING:
                    self.close.setdefault(issue_id, commit)
        return warnings

    def rewrite(self, store: Store, pairs: list[tuple[str, str]]) -> None:
        """Old commit ids that are to give way to new ones, wherever they are linked (an
        index lookup per old commit)."""
        index = store.fresh()
        with index.reading():
            for old, new in pairs:
                self.rewritten[old] = new
                self.followers.update(index.keyed("commit", old))

    def empty(self) -> bool:
        return not (self.link or self.followers)


def apply(store: Store, plan: Plan) -> Change | None:
    """Make the plan one store change (None when there is nothing to do)."""
    if plan.empty():
        return None
    from gitissues import timeutil

    def fn(snap: Snapshot) -> Change:
        changed, linked, closed = [], 0, []
        for issue_id in dict.fromkeys([*plan.followers, *plan.link]):
            issue = snap.get(issue_id)
            if issue is None:
                continue
            before = list(issue.links.get("commits") or [])
            after = _followed(before, plan.rewritten)
            after += [c for c in plan.link.get(issue_id, ()) if c not in after]
            closing = plan.close.get(issue_id) if issue.status != "closed" else None
            if after == before and closing is None:
                continue
            issue.links["commits"] = after
            linked += len([c for c in after if c not in before])
            if closing is not None:
                _close(store, issue, closing, plan.branch)
                closed.append(issue.id)
            issue.updated = timeutil.now_str()
            changed.append(issue)
        return store.change("commit.close" if closed else "commit.link",
                            _summary(linked, closed, plan), changed)

    return store.transact(fn)


def _followed(commits: list[str], rewritten: dict[str, str]) -> list[str]:
    """`commits` with each rewritten one replaced by its new id (once, where it stood)."""
    out: list[str] = []
    for oid in commits:
        new = rewritten.get(oid, oid)
        if new not in out:
            out.append(new)
    return out


def _close(store: Store, issue: Issue, commit: Commit, branch: str) -> None:
    from gitissues.edits import new_comment, status_side_effects

    issue.status = "closed"
    status_side_effects(issue)
    where = f" on {branch}" if branch else ""
    issue.comments.append(new_comment(store.actor, f"Closed by commit {commit.oid}{where}: "
                                                   f"{commit.subject}"))


def _summary(linked: int, closed: list[str], plan: Plan) -> str:
    parts = []
    if plan.rewritten:
        parts.append(f"follow {len(plan.rewritten)} rewritten commit"
                     f"{'s' if len(plan.rewritten) != 1 else ''}")
    if linked:
        parts.append(f"link {linked} commit{'s' if linked != 1 else ''}")
    if closed:
        parts.append(f"close {', '.join(closed)}")
    return "; ".join(parts) or "no change"
