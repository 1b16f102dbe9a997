"""Claims in a merge (gitissues.claimmerge, SPEC §6): whatever two agents did to one issue on
two clones — take, extend, release, let expire, close, reopen, set a status, assign — the
merge is a state one agent could have produced (`consistent`), the same whichever side is
"ours", and every claim it drops is on record. Checked exhaustively over every pair of
single-agent operations on every consistent starting state."""

from __future__ import annotations

import itertools

import pytest

from gitissues.claimmerge import consistent
from gitissues.merge import merge_issues
from gitissues.model import Claim, Issue

T0 = "2026-01-01T00:00:00Z"
EXPIRED = "2026-01-01T00:30:00Z"  # before any operation below
T1, T2 = "2026-01-01T01:00:00Z", "2026-01-01T02:00:00Z"
SOON = "2026-01-01T01:10:00Z"  # live at T1, expired at T2
LIVE = "2026-01-01T09:00:00Z"  # after every operation below
TTL_LATER = {T1: "2026-01-01T01:30:00Z", T2: "2026-01-01T02:30:00Z"}
AGENTS = ("al", "bo")


def issue(**fields) -> Issue:
    data = {"id": "gi-abc123", "title": "Base", "author": "al", "created": T0, "updated": T0,
            **fields}
    return Issue.from_dict(data, "gi-abc123.yaml")


# --- one agent's operations, as gitissues.claims and gitissues.edits do them ------------------


def take(i: Issue, agent: str, now: str) -> bool:
    """claims._take at time `now`: False where gi refuses."""
    if i.status == "closed":
        return False
    live = i.live_claim(now)
    if live and live.agent != agent:
        return False
    if live:
        live.expires_at = max(live.expires_at, TTL_LATER[now])
        return True
    i.drop_claim()
    assigned = agent not in i.assignees
    if assigned:
        i.assignees.append(agent)
    i.claim = Claim(agent, now, TTL_LATER[now], assigned)
    i.status = "in_progress"
    return True


def extend(i: Issue, agent: str, now: str) -> bool:
    return i.claim is not None and i.claim.agent == agent and take(i, agent, now)


def release(i: Issue, agent: str, now: str) -> bool:
    live = i.live_claim(now)
    if (live and live.agent != agent) or i.claim is None:
        return False
    i.drop_claim()
    return True


def expire(i: Issue, agent: str, now: str) -> bool:
    """gi doctor --fix clearing an expired claim."""
    if i.claim is None or i.claim.live(now):
        return False
    i.claim = None
    if i.status == "in_progress":
        i.status = "open"
    return True


def set_status(status: str):
    def op(i: Issue, agent: str, now: str) -> bool:
        if i.status == status or (status == "open" and i.claim is not None):
            return False  # (setting open by hand while a claim stands: see `consistent`)
        i.status = status
        if status == "closed":  # edits.status_side_effects
            i.closed, i.claim = now, None
        else:
            i.closed = None
        return True

    return op


def reopen(i: Issue, agent: str, now: str) -> bool:
    return i.status == "closed" and set_status("open")(i, agent, now)


def assign(i: Issue, agent: str, now: str) -> bool:
    if agent in i.assignees:
        return False
    i.assignees.append(agent)
    return True


def unassign(i: Issue, agent: str, now: str) -> bool:
    """(unassigning the holder of a claim by hand: see `consistent`)"""
    if agent not in i.assignees or (i.claim and i.claim.agent == agent):
        return False
    i.assignees.remove(agent)
    return True


def retitle(i: Issue, agent: str, now: str) -> bool:
    i.title = f"title by {agent} at {now}"
    return True


OPS = {"take": take, "extend": extend, "release": release, "expire": expire,
       "close": set_status("closed"), "reopen": reopen, "blocked": set_status("blocked"),
       "in_progress": set_status("in_progress"), "open": set_status("open"),
       "assign": assign, "unassign": unassign, "retitle": retitle}


def apply(base: Issue, op: str, agent: str, now: str) -> Issue | None:
    i = base.copy()
    if not OPS[op](i, agent, now):
        return None
    i.updated = now
    return i


def bases() -> list[Issue]:
    out = []
    for status, holder, assigned, expires, others in itertools.product(
            ("open", "in_progress", "blocked", "closed"), (None, "al"), (False, True),
            (EXPIRED, SOON, LIVE), ((), ("al",), ("bo",), ("al", "bo"))):
        if holder is None and (assigned or expires != EXPIRED):
            continue
        claim = {"agent": holder, "claimed_at": T0, "expires_at": expires,
                 "assigned": assigned} if holder else None
        i = issue(status=status, closed=T0 if status == "closed" else None, claim=claim,
                  assignees=list(others))
        if not consistent(i):
            out.append(i)
    return out


def sides(base: Issue) -> list[tuple[str, Issue]]:
    """Every single-agent operation on `base`, at either time."""
    out = [("nothing", base)]
    for op, agent, now in itertools.product(OPS, AGENTS, (T1, T2)):
        done = apply(base, op, agent, now)
        if done is not None:
            out.append((f"{op} by {agent} at {now[11:16]}", done))
    return out


def merged(base: Issue, a: Issue, b: Issue):
    got, conflicts = merge_issues(base, a, b)
    return got, sorted((c.field, repr(c.kept), repr(c.lost)) for c in conflicts)


BASES = bases()


def test_the_starting_states_cover_every_claim_situation():
    assert len(BASES) > 30
    kinds = {(i.status, i.claim is not None, i.claim.expires_at if i.claim else None)
             for i in BASES}
    assert ("in_progress", True, EXPIRED) in kinds and ("blocked", True, LIVE) in kinds
    assert ("closed", False, None) in kinds


def _name(i: Issue) -> str:
    claim = f"{i.claim.agent}-until-{i.claim.expires_at[11:16]}" if i.claim else "free"
    assigned = "-assigned" if i.claim and i.claim.assigned else ""
    return f"{i.status}-{claim}{assigned}-[{'+'.join(i.assignees)}]"


@pytest.mark.parametrize("base", BASES, ids=_name)
def test_every_pair_of_operations_merges_into_a_consistent_state(base):
    versions = sides(base)
    for (name_a, a), (name_b, b) in itertools.combinations_with_replacement(versions, 2):
        where = f"{name_a} | {name_b}"
        one, c1 = merged(base, a, b)
        two, c2 = merged(base, b, a)
        assert consistent(one) == [], (where, one)
        assert one == two, where
        assert c1 == c2, where
        assert one.to_yaml() == two.to_yaml(), where
        for side in (a, b):  # a claim a side made and the merge dropped is on record
            if side.claim != base.claim and side.claim != one.claim:
                lost = repr(side.claim.to_dict() if side.claim else None)
                assert ("claim", repr(one.to_dict()["claim"]), lost) in c1, (where, c1)
        no_base, _ = merged(None, a, b)  # unrelated histories: every difference is on both
        assert consistent(no_base) == [], (where, no_base)
        assert no_base == merged(None, b, a)[0], where


# --- the rules, case by case -------------------------------------------------------------------

CLAIMED = {"status": "in_progress", "assignees": ["al"],
           "claim": {"agent": "al", "claimed_at": T0, "expires_at": SOON, "assigned": True}}


def both_ways(base: Issue, a: Issue, b: Issue, check: bool = True):
    one, c1 = merged(base, a, b)
    two, c2 = merged(base, b, a)
    assert one == two and c1 == c2 and one.to_yaml() == two.to_yaml()
    assert consistent(one) == [] or not check
    return one, c1


def test_a_release_and_a_later_extension_keep_the_extended_claim_in_progress():
    base = issue(**CLAIMED)
    released = apply(base, "release", "al", T1)
    extended = apply(base, "extend", "al", T2)  # (expired by then: claimed anew)
    got, conflicts = both_ways(base, released, extended)
    assert got.claim == extended.claim and got.status == "in_progress"
    assert got.assignees == ["al"]
    assert conflicts == [("claim", repr(extended.claim.to_dict()), "None")]


def test_an_extension_and_a_later_release_leave_the_issue_open_and_unassigned():
    base = issue(**CLAIMED)
    got, conflicts = both_ways(base, apply(base, "extend", "al", T1),
                               apply(base, "release", "al", T2))
    assert got.claim is None and got.status == "open" and got.assignees == []
    assert [c[0] for c in conflicts] == ["claim"]


def test_two_claims_on_two_clones_the_later_wins_and_the_loser_is_unassigned():
    base = issue()
    by_al, by_bo = apply(base, "take", "al", T1), apply(base, "take", "bo", T2)
    got, conflicts = both_ways(base, by_al, by_bo)
    assert got.claim == by_bo.claim and got.status == "in_progress"
    assert got.assignees == ["bo"]
    assert conflicts == [("claim", repr(by_bo.claim.to_dict()), repr(by_al.claim.to_dict()))]


def test_a_close_ends_a_later_extension_and_the_lost_claim_is_recorded():
    base = issue(**CLAIMED)
    closed, extended = apply(base, "close", "bo", T1), apply(base, "extend", "al", T2)
    got, conflicts = both_ways(base, closed, extended)
    assert (got.status, got.closed, got.claim) == ("closed", T1, None)
    assert got.assignees == ["al"]  # as `gi close` leaves them
    assert ("claim", "None", repr(extended.claim.to_dict())) in conflicts


def test_a_claim_and_a_later_block_by_hand_give_a_blocked_claimed_issue():
    base = issue()
    got, conflicts = both_ways(base, apply(base, "take", "al", T1),
                               apply(base, "blocked", "bo", T2))
    assert got.status == "blocked" and got.claim is not None and got.claim.agent == "al"
    assert conflicts == [("status", "'blocked'", "'in_progress'")]


def test_open_set_by_hand_later_than_a_claim_gives_way_to_the_claim():
    base = issue(status="blocked")
    taken, opened = apply(base, "take", "al", T1), apply(base, "open", "bo", T2)
    got, conflicts = both_ways(base, taken, opened)
    assert got.status == "in_progress" and got.claim == taken.claim
    assert conflicts == [("status", "'in_progress'", "'open'")]


def test_a_state_one_side_made_by_hand_is_not_repaired():
    """`gi edit --status open` on a claimed issue is allowed; a merge with an unrelated change
    on the other side keeps it as it is."""
    base = issue(**CLAIMED)
    by_hand = base.copy()
    by_hand.status, by_hand.updated = "open", T1
    assert consistent(by_hand) == ["claimed by al but open"]
    got, conflicts = both_ways(base, by_hand, apply(base, "retitle", "bo", T2), check=False)
    assert got.status == "open" and got.claim == base.claim and conflicts == []
