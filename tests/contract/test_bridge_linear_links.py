"""`gi bridge` with Linear: `depends_on` and Linear's `blocks` relations, both ways (SPEC §8),
through the real `gi` against tests/fakes/linear.py."""

from __future__ import annotations

import pytest
from fakes.linear import FakeLinear

KEY = "lin_api_linksKey"
ENV = {"LINEAR_API_KEY": KEY}


@pytest.fixture
def linear():
    with FakeLinear(key=KEY) as fake:
        yield fake


@pytest.fixture
def bridged(sandbox, linear):
    r = sandbox.gi("bridge", "add", "work", "--platform", "linear", "--url", linear.base_url,
                   "--project", "ENG")
    assert r.code == 0, r
    return sandbox


def bridge(sb, *args):
    r = sb.gi("bridge", *args, "--json", env=ENV)
    assert r.code == 0, r
    return r.json


def local_ids(sb):
    found = sb.gi("list", "--limit", "0", "status:open,in_progress,blocked,closed", "--json")
    return {i["title"]: i["id"] for i in found.json}


def blocks(ws):
    """The `blocks` relations as (blocker title, blocked title)."""
    return sorted((ws.issues[r.issue].title, ws.issues[r.related].title)
                  for r in ws.relations.values() if r.type == "blocks")


def test_a_linear_blocks_relation_arrives_as_depends_on_and_goes_back(bridged, linear):
    sb, ws = bridged, linear.ws
    a, b = ws.add_issue("Schema"), ws.add_issue("Migration")
    ws.block(a, b)  # Schema blocks Migration: Migration depends on Schema
    bridge(sb, "sync")
    ids = local_ids(sb)
    assert sb.show(ids["Migration"])["depends_on"] == [ids["Schema"]]
    assert sb.show(ids["Schema"])["depends_on"] == []
    assert all(r["updated"] == 0 for r in bridge(sb, "sync"))
    assert blocks(ws) == [("Schema", "Migration")]

    local = sb.create("Rollout")
    assert sb.gi("dep", "add", local, ids["Migration"]).code == 0
    assert sb.gi("dep", "rm", ids["Migration"], ids["Schema"]).code == 0
    result = bridge(sb, "sync")
    assert result[1]["created"] == 1 and result[1]["updated"] == 2, result
    assert blocks(ws) == [("Migration", "Rollout")]
    assert all(r["updated"] == 0 for r in bridge(sb, "sync"))
    assert sb.show(ids["Migration"])["depends_on"] == []


def test_edges_changed_on_both_sides_are_merged_edge_by_edge(bridged, linear):
    sb, ws = bridged, linear.ws
    ws.add_issue("A")
    b, c = ws.add_issue("B"), ws.add_issue("C")
    bridge(sb, "sync")
    ids = local_ids(sb)
    assert sb.gi("dep", "add", ids["C"], ids["A"]).code == 0  # in gi: C depends on A
    ws.block(b, c)  # in Linear: B blocks C
    bridge(sb, "sync")
    assert sorted(sb.show(ids["C"])["depends_on"]) == sorted([ids["A"], ids["B"]])
    assert blocks(ws) == [("A", "C"), ("B", "C")]
    assert all(r["updated"] == 0 for r in bridge(sb, "sync"))


def test_a_relation_that_would_close_a_cycle_in_gi_is_not_taken(bridged, linear):
    sb, ws = bridged, linear.ws
    a, b = ws.add_issue("Egg"), ws.add_issue("Hen")
    bridge(sb, "sync")
    ids = local_ids(sb)
    assert sb.gi("dep", "add", ids["Hen"], ids["Egg"]).code == 0  # Hen depends on Egg
    ws.block(b, a)  # and in Linear, Hen blocks Egg: Egg would depend on Hen
    r = sb.gi("bridge", "pull", "--json", env=ENV)
    assert r.code == 0, r
    assert sb.show(ids["Egg"])["depends_on"] == []
    assert sb.gi("doctor").code == 0


def test_dry_run_changes_no_relation(bridged, linear):
    sb, ws = bridged, linear.ws
    ws.add_issue("One"), ws.add_issue("Two")
    bridge(sb, "sync")
    ids = local_ids(sb)
    assert sb.gi("dep", "add", ids["Two"], ids["One"]).code == 0
    result = bridge(sb, "push", "--dry-run")
    assert result[0]["updated"] == 1 and blocks(ws) == []
    bridge(sb, "push")
    assert blocks(ws) == [("One", "Two")]
