"""Claims on one clone (SPEC §3 claim/release/extend/claims, §6): exclusive work taken with a
compare-and-swap commit, exact exit codes and JSON, TTLs and expiry, and 8 real `gi` processes
draining a queue with `claim --next`."""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta

ALICE = {"GI_AGENT": "alice"}
BOB = {"GI_AGENT": "bob"}
CAROL = {"GI_AGENT": "carol"}


def ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def claim_span(issue: dict) -> timedelta:
    return ts(issue["claim"]["expires_at"]) - ts(issue["claim"]["claimed_at"])


def last_message(sb) -> str:
    return sb.git("log", "-1", "--format=%B", sb.STORE_REF)


def trailers(message: str, key: str) -> list[str]:
    return [line.split(":", 1)[1].strip() for line in message.splitlines()
            if line.startswith(f"{key}:")]


# --- claim ---------------------------------------------------------------------------------


def test_claim_sets_claim_status_assignee_in_one_commit(sandbox):
    sb = sandbox
    issue_id = sb.create("Take me", "--assignee", "someone")
    time.sleep(1.1)  # so that a claim that moves `updated` is visible at second resolution
    n = sb.store_commits()

    r = sb.gi("claim", issue_id, "--json", env=ALICE)
    assert r.code == 0, r
    got = r.json
    assert got["id"] == issue_id
    assert got["status"] == "in_progress"
    assert got["claim"]["agent"] == "alice"
    assert claim_span(got) == timedelta(minutes=30)  # the default TTL
    assert got["assignees"] == ["someone", "alice"]
    assert got["path"]

    assert sb.store_commits() == n + 1
    message = last_message(sb)
    assert trailers(message, "Gi-Op") == ["claim"], message
    assert trailers(message, "Gi-Actor") == ["alice"], message
    assert issue_id in trailers(message, "Gi-Issue"), message

    shown = sb.show(issue_id)
    assert shown["claim"] == got["claim"]
    assert shown["status"] == "in_progress"
    # a claim is a change of the issue: `updated` moves with it
    assert shown["updated"] >= shown["claim"]["claimed_at"], shown


def test_claim_by_another_agent_is_a_conflict_naming_the_holder(sandbox):
    sb = sandbox
    issue_id = sb.create("Contested")
    r = sb.gi("claim", issue_id, env=ALICE)
    assert r.code == 0, r
    assert issue_id in r.out and "alice" in r.out, r  # human output
    tip = sb.store_tip()

    r = sb.gi("claim", issue_id, "--json", env=BOB)
    assert r.code == 4, r
    assert r.out == ""
    err = r.err_json["error"]
    assert err["code"] == "conflict"
    assert "alice" in err["message"], err
    assert issue_id in err["message"], err

    r = sb.gi("claim", issue_id, env=BOB)
    assert r.code == 4, r
    assert "alice" in r.err and "Traceback" not in r.err, r

    assert sb.store_tip() == tip  # a refused claim writes nothing
    shown = sb.show(issue_id)
    assert shown["claim"]["agent"] == "alice"
    assert "bob" not in shown["assignees"]


def test_same_agent_claiming_again_extends(sandbox):
    sb = sandbox
    issue_id = sb.create("Mine for longer")
    first = sb.gi("claim", issue_id, "--ttl", "10m", "--json", env=ALICE)
    assert first.code == 0, first
    again = sb.gi("claim", issue_id, "--ttl", "2h", "--json", env=ALICE)
    assert again.code == 0, again
    assert again.json["claim"]["agent"] == "alice"
    assert again.json["claim"]["expires_at"] > first.json["claim"]["expires_at"]
    assert ts(again.json["claim"]["expires_at"]) - ts(first.json["claim"]["claimed_at"]) >= (
        timedelta(hours=2))
    assert again.json["assignees"].count("alice") == 1
    assert sb.show(issue_id)["claim"] == again.json["claim"]


def test_ttl_is_respected(sandbox):
    sb = sandbox
    for ttl, span in (("90s", timedelta(seconds=90)), ("2h", timedelta(hours=2)),
                      ("1d", timedelta(days=1))):
        issue_id = sb.create(f"TTL {ttl}")
        r = sb.gi("claim", issue_id, "--ttl", ttl, "--json", env=ALICE)
        assert r.code == 0, r
        assert claim_span(r.json) == span, (ttl, r.json["claim"])


def test_invalid_ttl_is_a_usage_error(sandbox):
    sb = sandbox
    issue_id = sb.create("Bad TTL")
    r = sb.gi("claim", issue_id, "--ttl", "soon", "--json", env=ALICE)
    assert r.code == 2, r
    assert sb.show(issue_id)["claim"] is None


def test_expired_claims_are_free_listed_and_cleared_by_doctor(sandbox):
    sb = sandbox
    a = sb.create("Expires and is taken over", "--priority", "3")
    b = sb.create("Expires and is cleared", "--priority", "4")
    c = sb.create("Expires and is taken by claim --next", "--priority", "1")
    live = sb.create("Stays claimed", "--priority", "0")
    for issue_id in (a, b, c):
        assert sb.gi("claim", issue_id, "--ttl", "1s", env=ALICE).code == 0
    assert sb.gi("claim", live, "--ttl", "1h", env=ALICE).code == 0
    time.sleep(2.1)

    r = sb.gi("claims", "--expired", "--json")
    assert r.code == 0, r
    assert sorted(i["id"] for i in r.json) == sorted([a, b, c])
    r = sb.gi("claims", "--json")
    assert r.code == 0, r
    assert [i["id"] for i in r.json] == [live]

    ready = sb.gi("ready", "--json")
    assert ready.code == 0, ready
    assert {a, b, c} <= {i["id"] for i in ready.json}
    assert live not in {i["id"] for i in ready.json}

    # another agent can take an expired claim
    r = sb.gi("claim", a, "--json", env=BOB)
    assert r.code == 0, r
    assert r.json["claim"]["agent"] == "bob"
    assert r.json["status"] == "in_progress"
    # and `claim --next` takes the first expired one in the ready order
    r = sb.gi("claim", "--next", "--json", env=CAROL)
    assert r.code == 0, r
    assert r.json["id"] == c and r.json["claim"]["agent"] == "carol"

    # doctor --fix clears the one still expired, and leaves live claims alone
    r = sb.gi("doctor", "--json")
    assert r.code == 5, r  # a problem it did not fix (SPEC §3): the expired claim on b
    assert [p["kind"] for p in r.json["problems"]] == ["expired-claim"], r.json
    r = sb.gi("doctor", "--fix")
    assert r.code == 0, r
    cleared = sb.show(b)
    assert cleared["claim"] is None
    assert cleared["status"] == "open"
    assert sb.show(a)["claim"]["agent"] == "bob"
    assert sb.show(c)["claim"]["agent"] == "carol"
    assert sb.show(live)["claim"]["agent"] == "alice"
    r = sb.gi("claims", "--expired", "--json")
    assert r.code == 0 and r.json == [], r
    assert sb.gi("doctor").code == 0


def test_claiming_a_closed_issue_is_refused(sandbox):
    sb = sandbox
    issue_id = sb.create("Done already")
    assert sb.gi("close", issue_id).code == 0
    tip = sb.store_tip()
    r = sb.gi("claim", issue_id, "--json", env=ALICE)
    assert r.code == 4, r
    err = r.err_json["error"]
    assert err["code"] == "conflict"
    assert "closed" in err["message"] and issue_id in err["message"], err
    assert sb.store_tip() == tip
    shown = sb.show(issue_id)
    assert shown["status"] == "closed" and shown["claim"] is None


def test_claim_unknown_issue_is_not_found(sandbox):
    sb = sandbox
    sb.create("Something")
    r = sb.gi("claim", "gi-abcdef999", "--json", env=ALICE)
    assert r.code == 3, r
    assert r.err_json["error"]["code"] == "not_found"


def test_claim_without_id_or_next_is_a_usage_error(sandbox):
    sb = sandbox
    sb.create("Something")
    r = sb.gi("claim", env=ALICE)
    assert r.code == 2, r


# --- claim --next --------------------------------------------------------------------------


def test_claim_next_with_nothing_ready_exits_3(sandbox):
    sb = sandbox
    a = sb.create("Taken")
    closed = sb.create("Closed")
    blocker = sb.create("Blocker")
    blocked = sb.create("Blocked", "--depends-on", blocker)
    assert sb.gi("close", closed).code == 0
    assert sb.gi("claim", a, env=ALICE).code == 0
    assert sb.gi("claim", blocker, env=ALICE).code == 0
    tip = sb.store_tip()

    r = sb.gi("claim", "--next", "--json", env=BOB)
    assert r.code == 3, r
    assert r.err_json["error"]["code"] == "not_found"
    r = sb.gi("claim", "--next", env=BOB)
    assert r.code == 3, r
    assert r.err.strip() and "Traceback" not in r.err
    assert sb.store_tip() == tip
    assert sb.show(blocked)["claim"] is None


def test_claim_next_on_an_empty_store_exits_3(sandbox):
    sb = sandbox
    assert sb.gi("init").code == 0
    r = sb.gi("claim", "--next", "--json", env=BOB)
    assert r.code == 3, r


def test_claim_next_follows_the_ready_order(sandbox):
    sb = sandbox
    low = sb.create("Low", "--priority", "3")
    urgent = sb.create("Urgent", "--priority", "0")
    blocker = sb.create("Blocker", "--priority", "4")
    sb.create("Blocked but urgent", "--priority", "0", "--depends-on", blocker)

    order = []
    for _ in range(3):
        r = sb.gi("claim", "--next", "--json", env=ALICE)
        assert r.code == 0, r
        assert r.json["claim"]["agent"] == "alice"
        order.append(r.json["id"])
    assert order == [urgent, low, blocker]
    assert sb.gi("claim", "--next", env=ALICE).code == 3


def test_claim_next_honours_the_query(sandbox):
    sb = sandbox
    wanted = sb.create("Wanted", "--label", "x", "--priority", "3")
    other = sb.create("Other", "--label", "y", "--priority", "0")

    r = sb.gi("claim", "--next", "label:x", "--json", env=ALICE)
    assert r.code == 0, r
    assert r.json["id"] == wanted
    r = sb.gi("claim", "--next", "label:x", "--json", env=ALICE)
    assert r.code == 3, r
    assert sb.show(other)["claim"] is None

    r = sb.gi("claim", "--next", "-label:y", "--json", env=BOB)
    assert r.code == 3, r
    r = sb.gi("claim", "--next", "--ttl", "90s", "label:y", "--json", env=BOB)
    assert r.code == 0, r
    assert r.json["id"] == other
    assert claim_span(r.json) == timedelta(seconds=90)


# --- release, extend, claims ----------------------------------------------------------------


def test_release_by_a_non_holder_is_refused_and_by_the_holder_frees(sandbox):
    sb = sandbox
    issue_id = sb.create("Give it back")
    assert sb.gi("claim", issue_id, env=ALICE).code == 0
    tip = sb.store_tip()

    r = sb.gi("release", issue_id, "--json", env=BOB)
    assert r.code == 4, r
    assert "alice" in r.err_json["error"]["message"]
    assert sb.store_tip() == tip
    assert sb.show(issue_id)["claim"]["agent"] == "alice"

    n = sb.store_commits()
    r = sb.gi("release", issue_id, "--json", env=ALICE)
    assert r.code == 0, r
    assert r.json["claim"] is None
    assert r.json["status"] == "open"
    assert sb.store_commits() == n + 1
    assert trailers(last_message(sb), "Gi-Op") == ["release"]
    shown = sb.show(issue_id)
    assert shown["claim"] is None and shown["status"] == "open"

    # free again: someone else can take it
    r = sb.gi("claim", issue_id, "--json", env=BOB)
    assert r.code == 0, r
    assert r.json["claim"]["agent"] == "bob"


def test_extend_prolongs_only_your_own_claim(sandbox):
    sb = sandbox
    issue_id = sb.create("Long task")
    first = sb.gi("claim", issue_id, "--ttl", "1m", "--json", env=ALICE)
    assert first.code == 0, first

    r = sb.gi("extend", issue_id, "--ttl", "1h", "--json", env=BOB)
    assert r.code == 4, r
    assert sb.show(issue_id)["claim"] == first.json["claim"]

    r = sb.gi("extend", issue_id, "--ttl", "1h", "--json", env=ALICE)
    assert r.code == 0, r
    assert r.json["claim"]["agent"] == "alice"
    assert r.json["claim"]["expires_at"] > first.json["claim"]["expires_at"]
    assert ts(r.json["claim"]["expires_at"]) - ts(first.json["claim"]["claimed_at"]) >= (
        timedelta(minutes=59))
    assert trailers(last_message(sb), "Gi-Op") == ["extend"]
    assert sb.show(issue_id)["claim"] == r.json["claim"]


def test_extend_an_unclaimed_issue_is_refused(sandbox):
    sb = sandbox
    issue_id = sb.create("Nobody's")
    r = sb.gi("extend", issue_id, "--ttl", "1h", env=ALICE)
    assert r.code == 4, r


def test_claims_lists_every_agents_live_claims(sandbox):
    sb = sandbox
    a = sb.create("Alice's")
    b = sb.create("Bob's")
    sb.create("Nobody's")
    assert sb.gi("claim", a, env=ALICE).code == 0
    assert sb.gi("claim", b, env=BOB).code == 0

    r = sb.gi("claims", "--json", env=CAROL)
    assert r.code == 0, r
    got = {i["id"]: i["claim"]["agent"] for i in r.json}
    assert got == {a: "alice", b: "bob"}
    assert all(i["path"] for i in r.json)

    r = sb.gi("claims", env=CAROL)
    assert r.code == 0, r
    assert a in r.out and b in r.out and "alice" in r.out and "bob" in r.out

    r = sb.gi("claims", "--expired", "--json")
    assert r.code == 0 and r.json == [], r


def test_others_can_still_edit_comment_and_close_a_claimed_issue(sandbox):
    sb = sandbox
    issue_id = sb.create("Claimed but shared")
    assert sb.gi("claim", issue_id, env=ALICE).code == 0

    r = sb.gi("edit", issue_id, "--add-label", "needs-review", "--priority", "1", env=BOB)
    assert r.code == 0, r
    r = sb.gi("comment", issue_id, "Bob was here", env=BOB)
    assert r.code == 0, r
    shown = sb.show(issue_id)
    assert shown["labels"] == ["needs-review"] and shown["priority"] == 1
    assert [c["body"] for c in shown["comments"]] == ["Bob was here"]
    assert shown["claim"]["agent"] == "alice"  # an edit is not a claim
    assert shown["status"] == "in_progress"

    r = sb.gi("close", issue_id, "--json", env=BOB)
    assert r.code == 0, r
    shown = sb.show(issue_id)
    assert shown["status"] == "closed"
    assert shown["closed"]
    ops = [trailers(m, "Gi-Op")[0] for m in
           sb.git("log", "-4", "--format=%B%x00", sb.STORE_REF).split("\x00") if m.strip()]
    assert ops == ["close", "comment", "edit", "claim"], ops


# --- 8 agents drain a queue -----------------------------------------------------------------

AGENTS = 8
QUEUE = 120


def _drain(sb, agent: str, results: list, deadline: float) -> None:
    while time.monotonic() < deadline:
        r = sb.gi("claim", "--next", "--ttl", "1h", "--json", env={"GI_AGENT": agent},
                  timeout=60)
        results.append((agent, r))
        if r.code != 0:
            return


def test_eight_agents_drain_a_queue_each_issue_claimed_once(sandbox):
    sb = sandbox
    records = "".join(json.dumps({"id": f"gi-{k:06x}", "title": f"Queue item {k}",
                                  "priority": k % 5}) + "\n" for k in range(QUEUE))
    r = sb.gi("import", "-", input=records)
    assert r.code == 0, r
    queue = {f"gi-{k:06x}" for k in range(QUEUE)}
    n = sb.store_commits()

    results: list = []
    deadline = time.monotonic() + 100
    threads = [threading.Thread(target=_drain, args=(sb, f"agent-{k}", results, deadline))
               for k in range(AGENTS)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=110)
    elapsed = time.monotonic() - started
    assert not any(t.is_alive() for t in threads), "an agent is still draining"

    won = [(agent, r.json["id"]) for agent, r in results if r.code == 0]
    other = [r for _, r in results if r.code not in (0, 3)]
    assert not other, other[:3]
    finals = {}
    for agent, r in results:
        finals[agent] = r.code
    assert finals == {f"agent-{k}": 3 for k in range(AGENTS)}, finals

    claimed = [issue_id for _, issue_id in won]
    dupes = sorted({i for i in claimed if claimed.count(i) > 1})
    assert not dupes, f"claimed more than once: {dupes}"
    assert set(claimed) == queue
    print(f"{QUEUE} claims by {AGENTS} agents in {elapsed:.1f}s "
          f"({QUEUE / elapsed:.1f} claims/s)")

    # the store agrees with what every agent was told
    assert sb.store_commits() == n + QUEUE
    r = sb.gi("claims", "--json")
    assert r.code == 0, r
    held = {i["id"]: i["claim"]["agent"] for i in r.json}
    assert held == dict((i, a) for a, i in won)
    for issue in r.json:
        assert issue["status"] == "in_progress"
        assert issue["assignees"] == [issue["claim"]["agent"]]
    r = sb.gi("ready", "--json")
    assert r.code == 0 and r.json == [], r
