"""Jira's rich text and gi's Markdown (SPEC §8): ADF (Cloud) and wiki markup (Data Center) to
Markdown and back lose no paragraph, heading, nested list, code block, link, emphasis or
mention. Property-tested on generated documents: the Markdown they render to reads back into
the same document and renders to the same Markdown, through ADF and through wiki markup."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gitissues.bridges.jira_adf import to_markdown
from gitissues.bridges.jira_markdown import from_markdown
from gitissues.bridges.jira_wiki import from_adf
from gitissues.bridges.jira_wiki_read import to_adf

# --- a generator of canonical documents ---------------------------------------------------

SPECIAL = "*_[]#`<>&!~-+=.()|\\:;?^{}'\"/%$@"
WORD = st.text(st.sampled_from("abcxyz019" + SPECIAL), min_size=1, max_size=6)
SAFE = st.text(st.sampled_from("abcdefxyz0123"), min_size=1, max_size=6)  # inside marks


def _text(text, marks=()):
    node = {"type": "text", "text": text}
    if marks:
        node["marks"] = [dict(m) for m in marks]
    return node


@st.composite
def inlines(draw, wiki=False, breaks=True):
    """Words (plain, or marked as a whole) separated by spaces or line breaks."""
    nodes = []
    for n in range(draw(st.integers(1, 6))):
        if n:
            if breaks and draw(st.integers(0, 5)) == 0:
                nodes.append({"type": "hardBreak"})
            else:
                nodes.append(_text(" "))
        kind = draw(st.sampled_from(["plain", "plain", "plain", "strong", "em", "strike",
                                     "code", "link", "mention", "nested"]))
        if kind == "plain":
            nodes.append(_text(draw(WORD)))
        elif kind in ("strong", "em", "strike"):
            nodes.append(_text(draw(SAFE), [{"type": kind}]))
        elif kind == "nested":
            words = [draw(SAFE), draw(SAFE)]
            nodes += [_text(words[0] + " ", [{"type": "strong"}]),
                      _text(words[1], [{"type": "strong"}, {"type": "em"}])]
        elif kind == "code":
            nodes.append(_text(draw(st.text(st.sampled_from("ab `*_[]<"), min_size=1,
                                            max_size=5)).strip() or "x", [{"type": "code"}]))
        elif kind == "link":
            attrs = {"href": "https://example.com/" + draw(SAFE)}
            nodes.append(_text(draw(SAFE), [{"type": "link", "attrs": attrs}]))
        else:
            ident = draw(SAFE)
            name = "@" + ident if wiki else "@" + draw(SAFE).title()
            nodes.append({"type": "mention", "attrs": {"id": ident, "text": name}})
    return _canonical(nodes)


def _canonical(nodes):
    out = []
    for node in nodes:
        if out and node["type"] == "text" and out[-1]["type"] == "text" \
                and out[-1].get("marks") == node.get("marks"):
            out[-1] = {**out[-1], "text": out[-1]["text"] + node["text"]}
        else:
            out.append(node)
    return out


@st.composite
def lists(draw, depth, wiki):
    ordered = draw(st.booleans())
    node = {"type": "orderedList" if ordered else "bulletList", "content": []}
    if ordered:
        node["attrs"] = {"order": 1 if wiki else draw(st.sampled_from([1, 1, 3, 10]))}
    for _ in range(draw(st.integers(1, 3))):
        item = [{"type": "paragraph", "content": draw(inlines(wiki))}]
        if depth < 3 and draw(st.integers(0, 3)) == 0:
            item.append(draw(lists(depth + 1, wiki)))
        node["content"].append({"type": "listItem", "content": item})
    return node


@st.composite
def blocks(draw, wiki=False, quoted=False):
    kinds = ["paragraph", "paragraph", "heading", "list", "code", "rule", "quote"]
    kind = draw(st.sampled_from(["paragraph", "list", "code"] if quoted else kinds))
    if kind == "paragraph":
        return {"type": "paragraph", "content": draw(inlines(wiki))}
    if kind == "heading":
        return {"type": "heading", "attrs": {"level": draw(st.integers(1, 6))},
                "content": draw(inlines(wiki, breaks=False))}
    if kind == "list":
        return draw(lists(1, wiki))
    if kind == "code":
        text = "\n".join(draw(st.lists(st.text(st.sampled_from("ab  `~*#-"), max_size=8),
                                       min_size=1, max_size=3)))
        node = {"type": "codeBlock"}
        language = draw(st.sampled_from(["", "python", "js"]))
        if language:
            node["attrs"] = {"language": language}
        node["content"] = [_text(text)] if text else []
        return node
    if kind == "rule":
        return {"type": "rule"}
    return {"type": "blockquote", "content": draw(st.lists(blocks(wiki, quoted=True),
                                                           min_size=1, max_size=2))}


def documents(wiki=False):
    return st.lists(blocks(wiki), min_size=1, max_size=5).map(
        lambda content: {"type": "doc", "version": 1, "content": content})


def _no_adjacent_lists(doc):
    """Markdown cannot tell two lists of one kind in a row from one list unless their
    delimiters differ (which jira_adf does); wiki markup cannot at all."""
    content = doc["content"]
    return all(not (a["type"] == b["type"] and a["type"].endswith("List"))
               for a, b in zip(content, content[1:], strict=False))


PROPERTY = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


# --- properties ----------------------------------------------------------------------------

@PROPERTY
@given(documents())
def test_markdown_reads_back_into_the_same_adf_document(doc):
    markdown = to_markdown(doc)
    back = from_markdown(markdown)
    assert back == doc, markdown
    assert to_markdown(back) == markdown


@PROPERTY
@given(documents(wiki=True).filter(_no_adjacent_lists))
def test_markdown_through_wiki_markup_comes_back_the_same(doc):
    markdown = to_markdown(doc)
    wiki = from_adf(from_markdown(markdown))
    assert to_adf(wiki) == doc, wiki
    assert to_markdown(to_adf(wiki)) == markdown


@PROPERTY
@given(st.text(st.sampled_from("ab *_`[]()#>-+1.\n!~\\<&|:"), max_size=60))
@example("_<*1*_")  # "<" ended one text node and "1" began the next: once escaped, once not
def test_any_markdown_settles_after_one_trip_and_keeps_its_words(text):
    once = to_markdown(from_markdown(text))
    assert to_markdown(from_markdown(once)) == once
    words = [w for w in text.replace("\\", " ").split() if w.isalpha()]
    for word in words:
        assert word in once


# --- examples: what each construct becomes -------------------------------------------------

def test_a_description_with_every_construct_in_adf():
    markdown = "\n".join([
        "## Steps", "", "1. open the *login* page", "   - with **no** password",
        "2. press `Enter`", "", "```python", "raise SystemExit(1)", "```", "",
        "See [the log](https://ci.example/42) and ask "
        "[@Mia Krystof](mention:5b10ac8d82e05b22cc7d4ef5).",
        "", "> quoted", "", "---"])
    doc = from_markdown(markdown)
    kinds = [b["type"] for b in doc["content"]]
    assert kinds == ["heading", "orderedList", "codeBlock", "paragraph", "blockquote", "rule"]
    nested = doc["content"][1]["content"][0]["content"][1]
    assert nested["type"] == "bulletList"
    mention = doc["content"][3]["content"][-2]
    assert mention == {"type": "mention", "attrs": {"id": "5b10ac8d82e05b22cc7d4ef5",
                                                     "text": "@Mia Krystof"}}
    assert doc["content"][2]["attrs"] == {"language": "python"}
    assert to_markdown(doc) == markdown


def test_unknown_adf_nodes_are_kept_as_text_and_come_back_whole():
    panel = {"type": "panel", "attrs": {"panelType": "info"},
             "content": [{"type": "paragraph", "content": [_text("Heads up")]}]}
    doc = {"type": "doc", "version": 1, "content": [
        {"type": "paragraph", "content": [
            _text("Ship "), {"type": "emoji", "attrs": {"shortName": ":rocket:", "text": "🚀"}},
            _text(" on "), {"type": "date", "attrs": {"timestamp": "1709283600000"}},
            _text(" "), {"type": "status", "attrs": {"text": "READY", "color": "green"}},
            _text(" "), {"type": "inlineCard", "attrs": {"url": "https://ci.example/1"}},
            _text(" "), {"type": "somethingNew", "attrs": {}}]},
        panel]}
    markdown = to_markdown(doc)
    assert "Ship 🚀 on 2024-03-01 \\[READY] https://ci.example/1 \\[somethingNew]" in markdown
    assert "Heads up" in markdown and "```adf" in markdown
    assert from_markdown(markdown)["content"][1] == panel


def test_marks_markdown_cannot_say_keep_their_text():
    doc = {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [
        _text("under", [{"type": "underline"}]), _text(" "),
        _text("red", [{"type": "textColor", "attrs": {"color": "#ff0000"}}])]}]}
    assert to_markdown(doc) == "under red"


def test_a_table_travels_as_a_table_and_a_merged_one_as_its_json():
    markdown = "| Name | Done |\n| --- | --- |\n| login | *yes* |"
    doc = from_markdown(markdown)
    assert doc["content"][0]["type"] == "table"
    assert to_markdown(doc) == markdown
    merged = json.loads(json.dumps(doc))
    merged["content"][0]["content"][1]["content"][0]["attrs"] = {"colspan": 2}
    kept = to_markdown(merged)
    assert kept.startswith("```adf\n") and from_markdown(kept) == merged


def test_wiki_markup_from_data_center_reads_as_markdown():
    wiki = "\n".join([
        "h1. Crash on login", "", "Steps with *bold*, _em_, -gone- and {{code}}:",
        "# open [the page|https://x.example/login]", "## as [~jsmith]", "* a bullet", "",
        "{code:java}", "throw new Boom();", "{code}", "", "bq. quoted", "",
        "{panel:title=Note}", "kept *as is*", "{panel}", "", "||a||b||", "|1|2|"])
    markdown = to_markdown(to_adf(wiki))
    assert markdown.split("\n\n")[:3] == [
        "# Crash on login", "Steps with **bold**, *em*, ~~gone~~ and `code`:",
        "1. open [the page](https://x.example/login)\n   1. as [@jsmith](mention:jsmith)"]
    assert "- a bullet" in markdown and "```java\nthrow new Boom();\n```" in markdown
    assert "> quoted" in markdown and "| a | b |" in markdown
    assert "```jira-wiki\n{panel:title=Note}\nkept *as is*\n{panel}\n```" in markdown
    again = from_adf(from_markdown(markdown))
    assert "{panel:title=Note}\nkept *as is*\n{panel}" in again


def test_wiki_emphasis_inside_a_word_takes_the_braced_form():
    doc = from_markdown("un**believ**able and x*y*")
    wiki = from_adf(doc)
    assert wiki == "un{*}believ{*}able and x{_}y{_}"
    assert to_adf(wiki) == doc


def test_wiki_special_characters_in_text_stay_text():
    markdown = "a \\*b\\* [x] {y} C:\\\\dir -1 well-known !bang ?? q"
    doc = from_markdown(markdown)
    wiki = from_adf(doc)
    assert to_adf(wiki) == doc, wiki
