"""The project tracks its own work with gi (issue 12): a tree-mode store at the top of this
repository that a newcomer sees the moment they clone. Read it as they would."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_projects_own_store_reads_cleanly(run_gi):
    assert (ROOT / ".issue-facade" / "config.yaml").is_file()
    r = run_gi("list", "--json", "--limit", "0", cwd=ROOT)
    assert r.code == 0, r
    assert len(r.json) >= 10, r.json
    for issue in r.json:
        assert issue["path"].startswith(".issue-facade/issues/"), issue
        assert issue["labels"], f"{issue['id']} has no label to file it under"
