"""gitissues.schema checks issues against the shipped schema exactly as the reference
validator (`jsonschema`) does, on generated issues with random values where the schema has
rules; `--set` refuses what the schema refuses, and `gi doctor` reports it."""

from __future__ import annotations

import json

import jsonschema
from hypothesis import given, settings
from hypothesis import strategies as st

from gitissues import schema

SAMPLED = st.sampled_from(["open", "bug", "gi-7f3a9c", "2026-11-24T06:00:00Z", "nope",
                          "2026-11-24", "2026-11-24T06:00:00+01:00", "a" * 40, "c-1234",
                          "2026-13-45T25:61:61Z", "2026-11-24T06:00:00.5z", 0.5, 3, []])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 10), st.floats(-2, 2),
                    st.text(max_size=8), SAMPLED)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3),
    st.dictionaries(st.sampled_from(["agent", "claimed_at", "expires_at", "progress", "stage",
                                     "checkpoints", "commits", "id", "body", "x"]),
                    inner, max_size=3)), max_leaves=8)
KEYS = ["id", "title", "status", "type", "priority", "labels", "assignees", "milestone",
        "parent", "depends_on", "created", "updated", "closed", "claim", "agent", "links",
        "remote", "body", "comments", "extra"]


@settings(max_examples=1500, deadline=None)
@given(st.dictionaries(st.sampled_from(KEYS), st.one_of(SAMPLED, VALUES), max_size=4),
       st.booleans())
def test_agrees_with_the_reference_validator(changes, from_valid):
    """Random values on a valid issue (most keep it valid, some break one rule), and random
    documents."""
    instance = {"id": "gi-7f3a9c", "title": "A title", **changes} if from_valid else changes
    reference = jsonschema.Draft202012Validator(
        schema.schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    expected = not list(reference.iter_errors(instance))
    assert (not schema.errors(instance)) == expected, (instance, schema.errors(instance))


def test_the_schema_gi_prints_is_the_one_it_checks(sandbox):
    r = sandbox.gi("schema")
    assert json.loads(r.out) == schema.schema()


def test_set_refuses_what_the_schema_refuses_and_doctor_reports_it(sandbox):
    sb = sandbox
    issue_id = sb.create("Progress")
    for value in ("agent.progress=abc", "agent.progress=1.5", "agent.checkpoints=3",
                  "agent.stage=[1, 2]"):
        r = sb.gi("edit", issue_id, "--set", value, "--json")
        assert r.code == 2, r
        assert "agent." in r.err_json["error"]["message"]
    assert sb.gi("edit", issue_id, "--set", "agent.progress=0.5").code == 0
    assert sb.gi("doctor").code == 0
    path = sb.show(issue_id)["path"]
    text = sb.git("show", f"refs/heads/issue-facade:{path}")
    sb.commit_store_file(path, text.replace("progress: 0.5", "progress: abc").encode() + b"\n")
    r = sb.gi("doctor", "--json")
    assert r.code == 5, r
    assert any(p["kind"] == "schema" and "agent.progress" in p["message"]
               for p in r.json["problems"]), r.json
    assert sb.gi("edit", issue_id, "--set", "agent.note=ok").code == 0  # not made worse
