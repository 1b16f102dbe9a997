"""The Python API's lease (SPEC §12): `with store.lease(...)` releases on leaving the block, also
through an exception; a heartbeat keeps a long holder's lease alive; a holder killed with
SIGKILL leaves a lease that simply expires (nothing stuck). Each holder is a real Python process
using `gitissues.open_store`, as an agent's script would."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

HOLD = """
import sys, time, gitissues
store = gitissues.open_store(".")
with store.lease(sys.argv[1], ttl=sys.argv[2], heartbeat=float(sys.argv[3])) as held:
    print(json.dumps(held.lease.to_json()), flush=True)
    time.sleep(600)
"""


def python(sb, code: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], cwd=sb.repo,
                          env={**sb.env, **(env or {})}, capture_output=True, text=True,
                          timeout=120)


def test_with_block_holds_and_releases(sandbox):
    code = """
import json, subprocess, sys, gitissues
store = gitissues.open_store(".")
with store.lease("db-migration", ttl="5m") as held:
    print(json.dumps(held.lease.to_json()))
    shown = subprocess.run([sys.argv[1], "lease", "show", "db-migration", "--json"],
                           capture_output=True, text=True)
    print(shown.stdout.replace("\\n", " "))
"""
    r = python(sandbox, code, sandbox.gi_path, env={"GI_AGENT": "alice"})
    assert r.returncode == 0, r.stderr
    inside, shown = r.stdout.splitlines()
    assert json.loads(inside)["holder"] == "alice"
    assert json.loads(shown) == json.loads(inside)  # the lease is in the store in the block
    assert sandbox.gi("lease", "show", "db-migration").code == 3  # and gone after it
    kinds = [e["type"] for e in sandbox.gi("log", "--json").json]
    assert kinds == ["lease.acquired", "lease.released"]


def test_with_block_releases_on_an_exception_which_goes_on(sandbox):
    code = """
import gitissues
store = gitissues.open_store(".")
try:
    with store.lease("db-migration", ttl="5m"):
        raise KeyError("boom in the block")
except KeyError as exc:
    print("caught", exc)
"""
    r = python(sandbox, code, env={"GI_AGENT": "alice"})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "caught 'boom in the block'"
    assert sandbox.gi("lease", "show", "db-migration").code == 3
    r = sandbox.gi("lease", "acquire", "db-migration", env={"GI_AGENT": "bob"})
    assert r.code == 0, r


def test_a_held_lease_refuses_another_agent_of_the_api(sandbox):
    assert sandbox.gi("lease", "acquire", "path:src/**", env={"GI_AGENT": "alice"}).code == 0
    code = """
import gitissues
from gitissues.errors import Conflict
try:
    with gitissues.open_store(".").lease("path:src/a/*.py"):
        print("entered")
except Conflict as exc:
    print("refused", exc.details["holder"], exc.details["lease"])
"""
    r = python(sandbox, code, env={"GI_AGENT": "bob"})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "refused alice path:src/**"


def test_leaving_the_block_after_the_lease_was_taken_over_raises(sandbox):
    code = """
import subprocess, sys, time, gitissues
from gitissues.errors import Conflict
store = gitissues.open_store(".")
try:
    with store.lease("db", ttl="1s"):
        time.sleep(2.1)  # the lease runs out, and bob takes it
        subprocess.run([sys.argv[1], "lease", "acquire", "db"], env={**__import__("os").environ,
                       "GI_AGENT": "bob"}, check=True, capture_output=True)
except Conflict as exc:
    print("lost to", exc.details["holder"])
"""
    r = python(sandbox, code, sandbox.gi_path, env={"GI_AGENT": "alice"})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "lost to bob"
    assert sandbox.gi("lease", "show", "db", "--json").json["holder"] == "bob"


def _start_holder(sb, resource: str, ttl: str, beat: str) -> tuple[subprocess.Popen, dict]:
    proc = subprocess.Popen([sys.executable, "-c", "import json\n" + HOLD, resource, ttl, beat],
                            cwd=sb.repo, env={**sb.env, "GI_AGENT": "alice"}, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    line = proc.stdout.readline()
    assert line, proc.stderr.read()
    return proc, json.loads(line)


def _wait_for(check, what: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"{what} did not happen in {seconds}s"
        time.sleep(0.2)


def test_heartbeat_extends_and_a_sigkilled_holder_leaves_a_lease_that_expires(sandbox):
    sb = sandbox
    holder, first = _start_holder(sb, "db-migration", "3s", "0.5")
    try:
        def renewed() -> bool:
            shown = sb.gi("lease", "show", "db-migration", "--json")
            return shown.code == 0 and shown.json["expires_at"] > first["expires_at"]

        _wait_for(renewed, "a heartbeat extension")
        os.killpg(holder.pid, signal.SIGKILL)
        holder.wait(timeout=30)
    finally:
        if holder.poll() is None:
            os.killpg(holder.pid, signal.SIGKILL)
            holder.wait(timeout=30)
    assert holder.returncode == -signal.SIGKILL
    assert sb.gi("lease", "show", "db-migration", "--json").json["holder"] == "alice"
    # nothing stuck: once it has run out, another agent takes it (waiting for that)
    r = sb.gi("lease", "acquire", "db-migration", "--wait", "1m", "--json",
              env={"GI_AGENT": "bob"}, timeout=120)
    assert r.code == 0, r
    assert r.json["holder"] == "bob"
    assert not list((sb.repo / ".git").glob("refs/heads/*.lock"))
    assert sb.gi("doctor").code == 0
    kinds = [e["type"] for e in sb.gi("log", "--json").json]
    assert kinds[0] == "lease.acquired" and "lease.extended" in kinds
    assert kinds[-2:] == ["lease.expired", "lease.acquired"]
