"""A small, safe Markdown renderer for issue bodies and comments on the web board.

Safety comes first: every character of the input is HTML-escaped, and only the tags this module
writes itself reach the page, so no raw HTML, script or event handler in an issue can pass.
Links keep only `http:`, `https:`, `mailto:` and same-server paths (`/issues/gi-…`); anything
else (`javascript:`, `data:`) is shown as text. Images are never loaded (the page loads nothing
from outside): `![alt](url)` becomes a plain link. Supported: paragraphs, headings, `-`/`*`/`1.`
lists (one level), `>` quotes, fenced and indented code, `---`, `**strong**`, `*em*`/`_em_`,
`` `code` ``, `[text](url)`, bare http(s) URLs and issue ids (`gi-7f3a9c`) as links.
"""

from __future__ import annotations

import html
import re

_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_BULLET = re.compile(r"^\s{0,3}[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s{0,3}\d{1,9}[.)]\s+(.*)$")
_QUOTE = re.compile(r"^\s{0,3}>\s?(.*)$")
# Inline: a link or image, a bare URL, an issue id; the text around them is escaped.
_LINK = re.compile(r"(!?)\[([^\]\n]{1,500})\]\(\s*([^()\s]{1,2000})\s*\)")
_BARE_URL = re.compile(r"https?://[^\s<>\"'`]+[^\s<>\"'`.,;:!?)\]]")
_ISSUE_ID = re.compile(r"(?<![\w/-])([a-z][a-z0-9]{0,15}-[0-9a-f]{6,12})(?![\w-])")
_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_EM = re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])"
                 r"|(?<![\w_])_(?=[^\s_])(.+?)(?<=[^\s_])_(?![\w_])")
SAFE_SCHEMES = ("http://", "https://", "mailto:")


def render(text: str) -> str:
    """`text` as HTML that holds no markup but this module's own."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[str] = []
    n = 0
    while n < len(lines):
        n = _block(lines, n, out)
    return "\n".join(out)


def _block(lines: list[str], n: int, out: list[str]) -> int:
    """Render the block that starts at line `n`; returns the line after it."""
    line = lines[n]
    if not line.strip():
        return n + 1
    fence = _FENCE.match(line)
    if fence:
        end = n + 1
        while end < len(lines) and not lines[end].lstrip().startswith(fence.group(1)):
            end += 1
        out.append("<pre><code>" + _esc("\n".join(lines[n + 1:end])) + "</code></pre>")
        return end + 1
    if line.startswith(("    ", "\t")):
        end = n
        while end < len(lines) and (lines[end].startswith(("    ", "\t")) or not lines[end]):
            end += 1
        code = [x[4:] if x.startswith("    ") else x[1:] for x in lines[n:end]]
        out.append("<pre><code>" + _esc("\n".join(code).rstrip("\n")) + "</code></pre>")
        return end
    heading = _HEADING.match(line)
    if heading:
        level = min(len(heading.group(1)) + 2, 6)  # the issue title is the page's heading
        out.append(f"<h{level}>{inline(heading.group(2))}</h{level}>")
        return n + 1
    if _RULE.match(line):
        out.append("<hr>")
        return n + 1
    if _QUOTE.match(line):
        end = n
        while end < len(lines) and _QUOTE.match(lines[end]):
            end += 1
        inner = [_QUOTE.match(x).group(1) for x in lines[n:end]]  # type: ignore[union-attr]
        out.append("<blockquote>" + render("\n".join(inner)) + "</blockquote>")
        return end
    for pattern, tag in ((_BULLET, "ul"), (_NUMBERED, "ol")):
        if pattern.match(line):
            return _list(lines, n, pattern, tag, out)
    end = n
    while end < len(lines) and lines[end].strip() and not _starts_block(lines[end]):
        end += 1
    end = max(end, n + 1)
    out.append("<p>" + "<br>\n".join(inline(x.strip()) for x in lines[n:end]) + "</p>")
    return end


def _starts_block(line: str) -> bool:
    return bool(_FENCE.match(line) or _HEADING.match(line) or _RULE.match(line)
                or _QUOTE.match(line) or _BULLET.match(line) or _NUMBERED.match(line))


def _list(lines: list[str], n: int, pattern: re.Pattern[str], tag: str, out: list[str]) -> int:
    items: list[str] = []
    while n < len(lines):
        m = pattern.match(lines[n])
        if m:
            items.append(m.group(1))
        elif lines[n].strip() and items and lines[n].startswith(("  ", "\t")):
            items[-1] += " " + lines[n].strip()  # a continuation line of the item
        else:
            break
        n += 1
    out.append(f"<{tag}>" + "".join(f"<li>{inline(i)}</li>" for i in items) + f"</{tag}>")
    return n


def inline(text: str) -> str:
    """One line of text: code spans, links, emphasis; everything else escaped."""
    parts = re.split(r"(`+)(.+?)\1", text)
    out = []
    for k in range(0, len(parts), 3):
        out.append(_links(parts[k]))
        if k + 2 < len(parts):
            out.append("<code>" + _esc(parts[k + 2]) + "</code>")
    return "".join(out)


def _links(text: str) -> str:
    out, at = [], 0
    for m in _LINK.finditer(text):
        out.append(_words(text[at:m.start()]))
        image, label, url = m.group(1), m.group(2), m.group(3)
        shown = (f"image: {label}" if image else label)
        out.append(_anchor(url, _emphasis(_esc(shown))) if _safe_url(url) else _esc(m.group(0)))
        at = m.end()
    out.append(_words(text[at:]))
    return "".join(out)


def _words(text: str) -> str:
    """Plain text with bare URLs and issue ids made links, emphasis applied."""
    out, at = [], 0
    for m in re.finditer(f"{_BARE_URL.pattern}|{_ISSUE_ID.pattern}", text):
        out.append(_emphasis(_esc(text[at:m.start()])))
        found = m.group(0)
        url = found if found.startswith("http") else f"/issues/{found}"
        out.append(_anchor(url, _esc(found)))
        at = m.end()
    out.append(_emphasis(_esc(text[at:])))
    return "".join(out)


def _emphasis(escaped: str) -> str:
    """Emphasis on text that is already escaped: only our own tags are added."""
    escaped = _STRONG.sub(r"<strong>\1</strong>", escaped)
    return _EM.sub(lambda m: f"<em>{m.group(1) or m.group(2)}</em>", escaped)


def _safe_url(url: str) -> bool:
    lowered = url.lower()
    return lowered.startswith(SAFE_SCHEMES) or (url.startswith("/") and not url.startswith("//"))


def _anchor(url: str, label_html: str) -> str:
    outside = not url.startswith("/")
    rel = ' rel="noopener noreferrer nofollow"' if outside else ""
    return f'<a href="{_esc(url)}"{rel}>{label_html}</a>'


def _esc(text: str) -> str:
    return html.escape(text, quote=True)
