# The commands people reach for. Each recipe runs the very commands that README.md and .ci/run
# give (tests/unit/test_dev_commands.py fails when they drift apart).
#   make dev     .venv with an editable install and the test extras, as .ci/run sets it up
#   make test    the README's test command
#   make lint    the ruff line of .ci/run
#   make bench   the README's benchmarks, small: BENCH_ISSUES=10000 for the README's figures
#   make demo    scripts/demo.sh

BENCH_ISSUES ?= 1000
BENCH_EDGES ?= 300
# git needs an identity for the commits the tests make; as in .ci/run, one already set wins.
export GIT_AUTHOR_NAME ?= ci
export GIT_AUTHOR_EMAIL ?= ci@example.invalid
export GIT_COMMITTER_NAME ?= ci
export GIT_COMMITTER_EMAIL ?= ci@example.invalid

.PHONY: dev test lint bench demo

dev:
	python3 -m venv .venv
	. .venv/bin/activate && pip install -q --upgrade pip >/dev/null && pip install -q -e '.[test]'

.venv/bin/gi:
	$(MAKE) dev

test: | .venv/bin/gi
	.venv/bin/python -m pytest -q

lint: | .venv/bin/gi
	.venv/bin/ruff check gitissues tests bench examples

# The benchmarks run `gi` from PATH: this checkout's .venv first.
bench: | .venv/bin/gi
	. .venv/bin/activate && python bench/bench_core.py --issues $(BENCH_ISSUES)
	. .venv/bin/activate && python bench/bench_graph.py --issues $(BENCH_ISSUES) --edges $(BENCH_EDGES)
	. .venv/bin/activate && python bench/bench_claims.py --sync-issues $(BENCH_ISSUES)
	. .venv/bin/activate && python bench/bench_bridges.py --issues $(BENCH_ISSUES)

demo:
	scripts/demo.sh
