#!/usr/bin/env bash
# Set up Issue Facade in .venv and run a short demo on a scratch repository (no server):
# the everyday commands, then the agents' loop ready → claim → progress → close.
# Every command is printed shell-quoted, so it can be pasted; the scratch repository is removed
# at the end (set GI_DEMO_KEEP=1 to keep it).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
if [ ! -x "$here/.venv/bin/gi" ]; then
  python3 -m venv "$here/.venv"
  "$here/.venv/bin/pip" install -q --upgrade pip >/dev/null
  "$here/.venv/bin/pip" install -q -e "$here[test]"
fi
export PATH="$here/.venv/bin:$PATH" GI_AGENT="${GI_AGENT:-demo-agent}"
scratch="$(mktemp -d)"
if [ -n "${GI_DEMO_KEEP:-}" ]; then
  trap 'echo "(demo repository left at $scratch/sample-repo)"' EXIT
else
  trap 'rm -rf "$scratch"' EXIT
fi
demo="$scratch/sample-repo"
git init -q "$demo" && cd "$demo"
git -c user.name=demo -c user.email=demo@example.invalid commit -q --allow-empty -m "initial"

# Each word as the shell needs it: bare when safe, else in single quotes (like shlex.quote).
quote() {
  if [[ $1 =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then printf '%s' "$1"
  else printf "'%s'" "${1//\'/\'\\\'\'}"; fi
}
show() { printf '\n$'; local w; for w in "$@"; do printf ' '; quote "$w"; done; printf '\n'; }
step() { show "$@"; "$@"; }
# `new VAR gi create …`: run it, print the id and keep it in VAR.
new() { local var="$1"; shift; show "$@"; printf -v "$var" '%s' "$("$@")"; echo "${!var}"; }
say() { printf '\n# %s\n' "$*"; }

say "Issues are YAML files in git; the first write creates the store."
step gi init
new a gi create "Login crashes on empty password" --type bug --priority 1 --label auth \
  --body "Steps: open /login, submit an empty form."
new b gi create "Add rate limiting to the login endpoint" --type feature --label auth --label api
new c gi create "Write the onboarding guide" --type task --priority 3
step gi list
step gi list label:auth priority:'<=1'
step gi edit "$b" --assign alice --set agent.stage=design
step gi dep add "$b" "$a"
step gi blocked
step gi close "$c" --reason "done in the wiki"
step gi show "$a"
step gi list is:closed --json

say "The agents' loop: ready → claim → progress → close."
step gi ready --limit 5
step gi claim --next label:auth --ttl 30m
step gi claims
step gi progress "$a" --progress 0.5 --stage implementation --checkpoint reproduced
step gi comment "$a" "Empty passwords are now rejected before the lookup."
step gi close "$a" --reason "fixed in the demo"
step gi ready
step gi log "$a"

say "Moving issues around and checking the store."
step gi export
step gi doctor
printf '\nThe store is the branch issue-facade (git log issue-facade):\n'
git log --format='  %h %s' issue-facade
printf '\nRead-only copy for agents in .issue-facade/issues/; git status stays clean:\n'
git status --short
echo "(git status printed nothing: the work tree is untouched)"
