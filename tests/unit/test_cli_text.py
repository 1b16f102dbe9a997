"""The CLI's words and its terminal-safe printing, checked against the model they describe."""

from __future__ import annotations

from gitissues import merge, model, query
from gitissues.cli import helptext
from gitissues.cli.output import plural, printable


def test_the_help_names_the_values_the_model_accepts():
    assert helptext.STATUSES == model.STATUSES == query.STATUSES
    assert helptext.TYPES == model.TYPES == query.TYPES
    assert helptext.STRATEGIES == merge.STRATEGIES
    for word in (*model.STATUSES, *model.TYPES):
        assert word in helptext.STATUS + helptext.TYPE
    for word in merge.STRATEGIES:
        assert word in helptext.STRATEGY


def test_printable_escapes_controls_and_keeps_everything_else():
    assert printable("plain — ümlaut, 漢字, 👩‍💻") == "plain — ümlaut, 漢字, 👩‍💻"
    assert printable("a\x1b[2Jb\rc\x00d\x7fe\x85f\x9bg") == "a\\x1b[2Jb\\rc\\x00d\\x7fe\\x85f\\x9bg"
    assert printable("bidi \u202e \u2066 \u2028") == "bidi \\u202e \\u2066 \\u2028"
    assert printable("one\ntwo\tthree") == "one\\ntwo\\tthree"
    assert printable("one\ntwo\tthree\r", multiline=True) == "one\ntwo\tthree\\r"
    assert printable(42) == "42"


def test_plural():
    assert [plural(n, "issue") for n in (0, 1, 2)] == ["0 issues", "1 issue", "2 issues"]
    assert plural(1, "match", "matches") == "1 match" and plural(3, "match", "matches") == \
        "3 matches"
