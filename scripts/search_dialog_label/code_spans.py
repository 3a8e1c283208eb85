"""Page HTML for Material's search parser without the colour spans of its code blocks.

Material's search plugin reads each page's HTML with Python's HTMLParser, a
Python call for every tag. Pygments wraps each token of a code block in a
`<span class="...">`, so an article's HTML is mostly those spans (5,422 of
the 6,330 tags of `cross-entropy.md`), and parsing it took 80 ms of every
build that changed the page, in each language.

The parser keeps no `<span>` (its kept tags are p, code, pre, li, ol, ul, sub
and sup), starts no section inside code (only headings do), and inside `<pre>`
joins text as it comes, so a span's text joined with its neighbours' is the
same text (`tests/test_search_dialog_label.py` compares the sections of every
page of the site both ways). What a span could still change is kept: a span
with any attribute besides `class` (`data-search-exclude` hides its text), and
one whose class is `linenodiv` (line numbers, which the parser skips).
"""
from __future__ import annotations

import re

_PRE = re.compile(r"<pre\b[^>]*>.*?</pre>", re.DOTALL)
_SPAN_TAG = re.compile(r"</span\s*>|<span\b[^>]*>")
_PLAIN_SPAN = re.compile(r"""<span(?:\s+class="(?![^"]*\blinenodiv\b)[^"]*")?>""")


def without_code_spans(page_html: str) -> str:
    """`page_html` with the spans inside `<pre>` that only colour text removed."""
    if "<pre" not in page_html:
        return page_html
    return _PRE.sub(lambda match: _plain_spans_removed(match.group(0)), page_html)


def _plain_spans_removed(block: str) -> str:
    """A `<pre>` element without its plain spans, each end tag going with its start tag; as it was if they do not pair up."""
    out: list[str] = []
    position = 0
    removed: list[bool] = []  # for each open span, whether its start tag was dropped
    for tag in _SPAN_TAG.finditer(block):
        if tag.group(0).startswith("</"):
            if not removed:
                return block
            drop = removed.pop()
        else:
            drop = _PLAIN_SPAN.fullmatch(tag.group(0)) is not None
            removed.append(drop)
        if drop:
            out.append(block[position:tag.start()])
            position = tag.end()
    if removed:
        return block
    out.append(block[position:])
    return "".join(out)
