"""The web board's Markdown renderer: what it renders, and that nothing from the text becomes
markup — no tag, attribute, script URL or image load gets through, whatever the input."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from gitissues.web.markdown import render

# The only tags the renderer writes, and the only attributes.
OWN_TAGS = {"p", "br", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre", "code",
            "hr", "strong", "em", "a"}
OWN_ATTRS = {"href", "rel"}


def tags(html: str) -> list[tuple[str, str]]:
    return re.findall(r"<\s*/?\s*([a-zA-Z0-9]+)([^>]*)>", html)


def assert_safe(html: str) -> None:
    for name, attrs in tags(html):
        assert name in OWN_TAGS, (name, html)
        for attr in re.findall(r'([a-zA-Z-]+)="', attrs):
            assert attr in OWN_ATTRS, (attr, html)
    for href in re.findall(r'href="([^"]*)"', html):
        assert href.startswith(("http://", "https://", "mailto:", "/")), href
        assert not href.startswith("//")


def test_the_constructs_it_renders():
    html = render("# Title\n\nSome **bold**, *em*, _em_ and `code`.\n\n- one\n- two\n\n"
                  "1. first\n2. second\n\n> quoted\n\n```\nx < y\n```\n\n---\n"
                  "[site](https://example.com) and gi-7f3a9c and https://a.example/x.")
    assert "<h3>Title</h3>" in html
    assert "<strong>bold</strong>" in html and html.count("<em>em</em>") == 2
    assert "<code>code</code>" in html
    assert "<ul><li>one</li><li>two</li></ul>" in html
    assert "<ol><li>first</li><li>second</li></ol>" in html
    assert "<blockquote><p>quoted</p></blockquote>" in html
    assert "<pre><code>x &lt; y</code></pre>" in html and "<hr>" in html
    assert '<a href="https://example.com" rel="noopener noreferrer nofollow">site</a>' in html
    assert '<a href="/issues/gi-7f3a9c">gi-7f3a9c</a>' in html
    assert '<a href="https://a.example/x" rel="noopener noreferrer nofollow">' in html


def test_raw_html_and_script_urls_stay_text():
    for hostile in ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
                    '<a href="javascript:alert(1)">x</a>', "[x](javascript:alert(1))",
                    "[x](data:text/html,<script>alert(1)</script>)", "[x](//evil.example/)",
                    '[x](https://e.example/" onclick="alert(1))', "<svg onload=alert(1)>",
                    "**<b>bold</b>**", "`<i>`", "<!-- c --><style>*{}</style>"):
        html = render(hostile)
        assert_safe(html)
        assert "<script" not in html and "javascript:" not in html.split("href=")[-1][:11]


def test_images_are_never_loaded():
    html = render("![a cat](https://cats.example/cat.png)")
    assert "<img" not in html and "image: a cat" in html
    assert_safe(html)


@given(st.text(alphabet=st.sampled_from(list("<>\"'&*_`[]()!#-> \n/=:ajvsciptfhrmxl0123.")),
               max_size=120))
def test_no_input_makes_markup_of_its_own(text: str):
    assert_safe(render(text))
