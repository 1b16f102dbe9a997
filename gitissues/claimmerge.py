"""How a merge joins `claim`, `status`, `closed` and `assignees` (SPEC §6) so that the result is
always a state that one agent working alone could have produced.

These four fields are not independent: a claim sets `status: in_progress` and adds its agent to
`assignees` (`claim.assigned` says it did); releasing undoes both; closing ends the claim.
Merged as separate scalars, a release on one clone and an extension on the other gave
`status: open` with a live claim. The rules, applied by gitissues.merge:

1. The claim is one value. Changed on one side, that side's claim stands. Changed on both
   sides (two claims, a release and an extension, …), the §6 rule picks the winner (the later
   `updated`, then a stable tie-break) and the losing side's claim change is undone as a
   whole before the other fields merge: its claim, the status the claim operation set
   (`in_progress` by a take, `open` by a release) and the assignee it added or removed. The
   losing claim is recorded as a conflict on `claim`.
2. Every other field then merges by the usual rules (status as a scalar, assignees as a set).
3. Then the result is made consistent:
   - `closed` is set exactly when the status is `closed`;
   - a closed issue has no claim (a close on either side ends the claim, as `gi close` does;
     the assignees stay);
   - a claimed issue is `in_progress` or `blocked`: a merged `open` next to a claim becomes
     `in_progress`;
   - the holder of a claim is among the assignees.
   The last two are not forced on a claim/status (or claim/assignees) pair that one of the
   three versions already held, so a merge never overrides what a person did by hand.
4. The conflict records of `claim`, `status` and `closed` describe the final result: `kept` is
   what the merge holds, `lost` each value that a side set and the merge does not hold (a
   status set by a losing claim operation goes with its claim, not on a record of its own).
   Putting the holder back among the assignees records the list before as a lost `assignees`.

None of this looks at the clock: an expired claim is still a claim to the merge (so replaying a
merge gives the same result on every clone); `gi doctor --fix` clears expired claims.
"""

from __future__ import annotations

import json

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from typing import Any

    from gitissues.model import Issue

CLAIM_STATUSES = ("in_progress", "blocked")


def _agent(claim: Any) -> str | None:
    return claim.get("agent") if isinstance(claim, dict) else None


def _same(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def undo_claim_change(base: dict[str, Any], side: dict[str, Any]) -> dict[str, Any]:
    """`side` as it would be without its claim operation: the base's claim, the status the
    operation set put back, and the assignee the claim added (or its release removed) too."""
    out = dict(side)
    bc, sc = base.get("claim"), side.get("claim")
    out["claim"] = bc
    bs, ss = base.get("status"), side.get("status")
    # a new claim (not an extension: same agent, same claimed_at) set in_progress
    taken = sc is not None and (bc is None or _agent(sc) != _agent(bc)
                                or sc.get("claimed_at") != bc.get("claimed_at"))
    if bs is not None and bs != "in_progress" and taken and ss == "in_progress":
        out["status"] = bs
    elif bs == "in_progress" and sc is None and bc is not None and ss == "open":
        out["status"] = bs  # a release set it back to open
    assignees = list(side.get("assignees") or [])
    base_assignees = list(base.get("assignees") or [])
    if sc is not None and sc.get("assigned") and _agent(sc) not in base_assignees:
        assignees = [a for a in assignees if a != _agent(sc)]
    if (bc is not None and bc.get("assigned") and _agent(bc) in base_assignees
            and _agent(bc) not in assignees and _agent(sc) != _agent(bc)):
        assignees.append(_agent(bc))
    out["assignees"] = assignees
    return out


def settle(out: dict[str, Any], inputs: list[dict[str, Any]]) -> None:
    """Make the merged `out` consistent (rule 3). `inputs`: the base (possibly partial) and
    both sides, as merged; a pair one of them held is left alone."""
    status, claim = out.get("status"), out.get("claim")
    if status == "closed":
        out["closed"] = out.get("closed") or max(
            (i.get("closed") or "" for i in inputs), default="") or out.get("updated")
        out["claim"] = None
        return
    out["closed"] = None
    if claim is None:
        return
    held = [i for i in inputs if "claim" in i and _same(i.get("claim"), claim)]
    if status not in CLAIM_STATUSES and not any(i.get("status") == status for i in held):
        out["status"] = "in_progress"
    assignees = out.get("assignees") or []
    agent = _agent(claim)
    if agent not in assignees and not any(
            "assignees" in i and agent not in (i.get("assignees") or []) for i in held):
        out["assignees"] = [*assignees, agent]


def records(field: str, final: Any, base: Any, sides: list[Any]) -> list[tuple[Any, Any]]:
    """(kept, lost) for each value that a side set for `field` (it differs from the base) and
    the merge does not hold."""
    out: list[tuple[Any, Any]] = []
    for value in sides:
        if _same(value, base) or _same(value, final):
            continue
        if not any(_same(value, lost) for _, lost in out):
            out.append((final, value))
    return out


def consistent(issue: Issue) -> list[str]:
    """What makes `issue` a state no single agent could have produced (empty: none). Only
    `gi edit` by hand can break these (setting `open`, or unassigning the holder, while a
    claim stands); claims, releases, closes and merges keep them."""
    problems = []
    if (issue.status == "closed") != (issue.closed is not None):
        problems.append(f"status {issue.status} with closed {issue.closed}")
    claim = issue.claim
    if claim is not None:
        if issue.status not in CLAIM_STATUSES:
            problems.append(f"claimed by {claim.agent} but {issue.status}")
        if claim.agent not in issue.assignees:
            problems.append(f"claimed by {claim.agent}, who is not an assignee")
    return problems
