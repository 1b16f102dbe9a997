"""`#42` and `NAME#42` wherever an issue id is taken: the issue a bridge numbers 42 (its mapping
under `remote.NAME`), found through the index — kept right as mappings are added, changed and
removed, and the same after a reindex."""

from __future__ import annotations

from tests.conftest import Sandbox


def shown(sb: Sandbox, ref: str) -> tuple[int, str]:
    r = sb.gi("show", ref, "--json")
    return r.code, (r.json["id"] if r.code == 0 else r.err)


def test_numbers_follow_the_mappings(sandbox: Sandbox) -> None:
    sb = sandbox
    a, b = sb.create("a"), sb.create("b")
    assert sb.gi("edit", a, "--set", "remote.gh.number=42").code == 0
    assert shown(sb, "#42") == shown(sb, "gh#42") == (0, a)
    assert shown(sb, "lab#42")[0] == 3 and shown(sb, "#7")[0] == 3
    assert sb.gi("edit", b, "--set", "remote.lab.number=42").code == 0
    code, err = shown(sb, "#42")  # two bridges number an issue 42
    assert code != 0 and "ambiguous" in err and a in err and b in err
    assert shown(sb, "gh#42") == (0, a) and shown(sb, "lab#42") == (0, b)
    assert sb.gi("edit", a, "--set", "remote.gh.number=43").code == 0  # renumbered
    assert shown(sb, "#42") == shown(sb, "lab#42") == (0, b)
    assert shown(sb, "gh#43") == (0, a) and shown(sb, "gh#42")[0] == 3
    assert sb.gi("edit", b, "--set", "remote={}").code == 0  # mapping removed
    assert shown(sb, "#42")[0] == 3 and shown(sb, "#43") == (0, a)
    assert sb.gi("reindex").code == 0
    assert shown(sb, "#42")[0] == 3 and shown(sb, "#43") == shown(sb, "gh#43") == (0, a)


def test_one_issue_numbered_alike_on_two_bridges_is_not_ambiguous(sandbox: Sandbox) -> None:
    sb = sandbox
    a = sb.create("a")
    r = sb.gi("edit", a, "--set", "remote.gh.number=5", "--set", "remote.mirror.number=5")
    assert r.code == 0, r
    assert shown(sb, "#5") == (0, a)
