#!/usr/bin/env bash
# An agent's work loop over `gi --json`: ready → claim → progress → close with a comment.
#
#   examples/shell-agent/agent.sh [QUERY ...]
#
# GI_AGENT names the agent (else `gi whoami` decides); GI is the gi to run (default: gi on
# PATH); CLAIM_TTL how long a claim lasts (default 10m). Run it in (or below) a repository with
# a store. Each round lists the ready issues (QUERY narrows them, e.g. label:backend), claims
# the first one it can and works on it. `gi claim` exits 4 when another agent took the issue
# first: the loop simply tries the next one. It stops when nothing is ready. JSON is read with
# jq when it is installed, else with python3. `work` is where a real agent does its work.
set -euo pipefail

GI=${GI:-gi}
TTL=${CLAIM_TTL:-10m}
err=$(mktemp)
trap 'rm -f "$err"' EXIT

ids() {  # the "id" of each issue in the JSON array on stdin, one a line
  if command -v jq >/dev/null 2>&1; then
    jq -r '.[].id'
  else
    python3 -c 'import json, sys; print("\n".join(i["id"] for i in json.load(sys.stdin)))'
  fi
}

work() {  # the agent's real work goes here; $1 is the issue id
  "$GI" progress "$1" --progress 0.5 --stage implementation --checkpoint analysis >/dev/null
  "$GI" comment "$1" "Implemented by ${GI_AGENT:-$("$GI" whoami)} (shell agent)." >/dev/null
}

done_count=0
lost=0
while :; do
  ready=$("$GI" ready --json --limit 20 "$@" | ids)
  [ -n "$ready" ] || break
  claimed=""
  for id in $ready; do
    if "$GI" claim "$id" --ttl "$TTL" --json >/dev/null 2>"$err"; then
      claimed=$id
      break
    else
      rc=$?
    fi
    if [ "$rc" -eq 4 ]; then  # another agent got there first: pick another
      lost=$((lost + 1))
      continue
    fi
    cat "$err" >&2
    exit "$rc"
  done
  [ -n "$claimed" ] || continue  # all of them were taken meanwhile: look again
  echo "claimed $claimed"
  work "$claimed"
  "$GI" close "$claimed" --reason "done" >/dev/null
  echo "closed $claimed"
  done_count=$((done_count + 1))
done
echo "finished: $done_count issues done, $lost taken by other agents"
