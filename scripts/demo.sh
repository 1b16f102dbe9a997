#!/usr/bin/env bash
# Set up Issue Facade in .venv and run a short demo on a scratch repository (no server).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
if [ ! -x "$here/.venv/bin/gi" ]; then
  python3 -m venv "$here/.venv"
  "$here/.venv/bin/pip" install -q --upgrade pip >/dev/null
  "$here/.venv/bin/pip" install -q -e "$here[test]"
fi
export PATH="$here/.venv/bin:$PATH" GI_AGENT="${GI_AGENT:-demo-agent}"
demo="$(mktemp -d)/sample-repo"
git init -q "$demo" && cd "$demo"
git -c user.name=demo -c user.email=demo@example.invalid commit -q --allow-empty -m "initial"
step() { printf '\n$ %s\n' "$*"; "$@"; }
step gi init
a=$(gi create "Login crashes on empty password" --type bug --priority 1 --label auth \
      --body "Steps: open /login, submit an empty form.")
b=$(gi create "Add rate limiting to the login endpoint" --type feature --label auth --label api)
c=$(gi create "Write the onboarding guide" --type task --priority 3)
echo "created $a $b $c"
step gi list
step gi list label:auth priority:'<=1'
step gi edit "$b" --assign alice --set agent.stage=design
step gi comment "$a" "Reproduced on main."
step gi close "$c" --reason "done in the wiki"
step gi show "$a"
step gi list is:closed --json
step gi export
step gi doctor
printf '\nThe store is the branch issue-facade (git log issue-facade):\n'
git log --format='  %h %s' issue-facade
printf '\nRead-only copy for agents: %s/.issue-facade/issues/ ; git status stays clean:\n' "$demo"
git status --short
echo "(demo repository left at $demo)"
