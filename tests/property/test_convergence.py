"""Property (SPEC §6): whatever the interleaving of edits and syncs on two or three clones of one
bare remote, a final round of syncs makes every clone export the same issues, no comment and
no label add that `gi` acknowledged is lost, a label removal sticks unless someone added the
label again without knowing of the removal, a title or priority edit that every other edit of
that field happened before is the final value (and concurrent edits end as one of theirs),
and every issue is in a state one agent could have produced (claims taken, released and closed
on different clones included). "Happened before" is tracked as each clone's knowledge of
steps: its own edits, plus everything the remote had when it synced. Real `gi`
processes, real git; small and derandomized so that CI runs the same examples every time."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from gitdaemon import Cluster, converge
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gitissues.claimmerge import consistent
from gitissues.model import Issue

LABELS = ("red", "green", "blue")
KINDS = ("create", "label+", "label-", "comment", "title", "priority", "claim", "release",
         "close", "sync", "sync")


@dataclass
class Model:
    """What the clones were told: issues each clone knows, and acknowledged changes."""

    known: list[set[str]]
    remote: set[str]
    created: list[str] = field(default_factory=list)
    comments: list[tuple[str, str]] = field(default_factory=list)
    added: set[tuple[str, str]] = field(default_factory=set)
    removed: set[tuple[str, str]] = field(default_factory=set)
    knows: list[set[int]] = field(default_factory=list)  # steps each clone has seen
    remote_knows: set[int] = field(default_factory=set)
    # (issue, what) -> [(step, value, steps known at that edit)]; what: "+label", "-label",
    # "title", "priority"
    edits: dict[tuple[str, str], list[tuple[int, Any, frozenset[int]]]] = field(
        default_factory=dict)

    def edit(self, k: int, step: int, issue: str, what: str, value: Any = None) -> None:
        self.knows[k].add(step)
        self.edits.setdefault((issue, what), []).append((step, value, frozenset(self.knows[k])))


op = st.tuples(st.integers(0, 2), st.sampled_from(KINDS), st.integers(0, 11))


def _apply(step: int, clone, model: Model, k: int, kind: str, x: int) -> None:
    known = sorted(model.known[k])
    issue = known[x % len(known)]
    label = LABELS[x % len(LABELS)]
    if kind == "create":
        new = clone.create(f"issue {step} by {clone.agent}")
        model.known[k].add(new)
        model.created.append(new)
    elif kind == "label+":
        clone.ok("edit", issue, "--add-label", label)
        model.edit(k, step, issue, f"+{label}")
        model.added.add((issue, label))
    elif kind == "label-":
        clone.ok("edit", issue, "--remove-label", label)
        model.removed.add((issue, label))
        model.edit(k, step, issue, f"-{label}")
    elif kind == "comment":
        body = f"comment {step} by {clone.agent}"
        clone.ok("comment", issue, body)
        model.comments.append((issue, body))
    elif kind == "title":
        clone.ok("edit", issue, "--title", f"title {step} by {clone.agent}")
        model.edit(k, step, issue, "title", f"title {step} by {clone.agent}")
    elif kind == "priority":
        clone.ok("edit", issue, "--priority", str(x % 5))
        model.edit(k, step, issue, "priority", x % 5)
    elif kind in ("claim", "release"):  # refused (4) when another agent holds it, or closed
        seen = clone.show(issue)  # what this clone knows decides (claims are local here)
        holder = (seen["claim"] or {}).get("agent")
        other = holder is not None and holder != clone.agent
        refused = other or (kind == "claim" and seen["status"] == "closed")
        r = clone.gi(kind, issue)
        assert r.code == (4 if refused else 0), (step, seen, r)
    elif kind == "close":
        clone.ok("close", issue)
    else:
        r = clone.gi("sync", "--json")
        assert r.code == 0, (step, r)
        model.known[k] |= model.remote
        model.remote |= model.known[k]
        model.knows[k] |= model.remote_knows
        model.remote_knows |= model.knows[k]


@settings(max_examples=20, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(clones=st.integers(2, 3), ops=st.lists(op, min_size=4, max_size=10))
# Both sides change the labels of one issue: a merge that dropped removals kept "red".
@example(clones=2, ops=[(0, "label-", 0), (1, "label+", 1), (0, "sync", 0), (1, "sync", 0)])
# One side edits the title, the other the priority, then title again after learning of it.
@example(clones=2, ops=[(0, "title", 0), (1, "priority", 3), (1, "sync", 0), (0, "sync", 0),
                        (1, "sync", 0), (1, "title", 0), (0, "priority", 1), (0, "sync", 0)])
def test_random_interleavings_converge_and_lose_nothing(tmp_path_factory, clones, ops):
    cluster = Cluster(tmp_path_factory.mktemp("converge"))
    first = cluster.seed("agent-0")
    seed_issue = first.create("seed issue", "--label", "red")
    first.sync()
    group = [first] + [cluster.clone(f"agent-{k}") for k in range(1, clones)]
    model = Model(known=[{seed_issue} for _ in group], remote={seed_issue},
                  created=[seed_issue], added={(seed_issue, "red")},
                  knows=[set() for _ in group])

    for step, (k, kind, x) in enumerate(ops):
        _apply(step, group[k % clones], model, k % clones, kind, x)

    exported = converge(*group)  # every clone syncs twice, in order; then all agree
    issues = {d["id"]: d for d in map(json.loads, exported.splitlines())}
    assert set(model.created) <= set(issues), "an issue was lost"
    for issue_id, body in model.comments:
        bodies = [c["body"] for c in issues[issue_id]["comments"]]
        assert body in bodies, f"comment {body!r} lost from {issue_id}: {bodies}"
    for issue_id, label in model.added - model.removed:
        assert label in issues[issue_id]["labels"], (
            f"label {label!r} added to {issue_id} and never removed, but lost: "
            f"{issues[issue_id]['labels']}")
    for issue in issues.values():
        state = Issue.from_dict({k: v for k, v in issue.items() if k != "path"})
        assert consistent(state) == [], issue
        ids = [c["id"] for c in issue["comments"]]
        assert len(ids) == len(set(ids)), issue
        created = [c["created"] for c in issue["comments"]]
        assert created == sorted(created), issue
    _check_removals_and_edits(model, issues)


def _latest(edits: list[tuple[int, Any, frozenset[int]]]) -> list[tuple[int, Any, frozenset[int]]]:
    """The edits no other edit of the same field knew of (the concurrent last ones)."""
    return [e for e in edits if not any(e[0] in other[2] for other in edits if other is not e)]


def _check_removals_and_edits(model: Model, issues: dict[str, dict]) -> None:
    for (issue_id, what), edits in model.edits.items():
        final = issues[issue_id]
        if what.startswith("-"):
            label = what[1:]
            adds = [step for step, _, _ in model.edits.get((issue_id, f"+{label}"), [])]
            for step, _, knew in edits:
                if all(a in knew for a in adds):  # every add happened before this removal
                    assert label not in final["labels"], (
                        f"label {label!r} removed from {issue_id} at step {step} after every "
                        f"add of it, but back: {final['labels']}")
        elif what in ("title", "priority"):
            last = _latest(edits)
            values = [value for _, value, _ in last]
            if len(last) == 1:
                assert final[what] == values[0], (
                    f"{what} of {issue_id}: the last edit set {values[0]!r} (every other "
                    f"edit happened before it), but it ended as {final[what]!r}")
            else:
                assert final[what] in values, (what, issue_id, values, final[what])
