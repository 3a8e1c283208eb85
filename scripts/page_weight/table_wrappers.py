"""Tables in Material's scrolling wrapper from the build, so that its script need not move them while the page loads.

Material's script wraps each table that has no class (`table:not([class])`)
in two `<div>`s, a scrolling box and an inline block, so that a wide table
scrolls inside its own box on a phone. It does this once the page has loaded:
it replaces the table with a placeholder, then the placeholder with the
wrapper. Inserting children into the article after its first style makes
Chromium restyle the whole article: Chromium's own MathML stylesheet has a
`:nth-child` rule (`mmultiscripts > mprescripts ~ :nth-child(2n+1)`) that marks
every parent's children as depending on their position, so an insertion
anywhere restyles every following sibling's subtree. On the longest article,
which has one such table, that was a second restyle of 13,500 elements, about
0.33 s of a phone's main thread (Chromium's trace, 4x CPU throttling).

Here the build writes every such table already in Material's wrapper, with
the same classes in the same order, and one edit to the site's copy of
Material's bundle makes its script skip a table whose parent is the wrapper.
The page looks and scrolls as before, with or without its script.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .site_files import BundleCodeNotFound, edit_bundles

SCROLLWRAP = '<div class="md-typeset__scrollwrap"><div class="md-typeset__table">'
SCROLLWRAP_END = "</div></div>"
INNER_CLASS = "md-typeset__table"

# Material's minified query of the tables it wraps, `<query function>("table:not([class])",<root>)`.
_QUERY = re.compile(r'(\w+)\("table:not\(\[class\]\)",(\w+)\)')
_EDITED_SELECTOR = f":not(.{INNER_CLASS})>table:not([class])"


@dataclass(frozen=True)
class TableSpan:
    """Where one table element starts and ends in a page's HTML (character offsets)."""

    start: int
    end: int
    wrapped: bool  # its parent is already Material's inner wrapper


# The table tags of a page, and the parts of it where a tag is text. A scan of these tags
# rather than an HTML parser: the standard library's parser read every tag of every
# page (26,000 on the longest article) and took 0.25 s of each rebuild under
# `mkdocs serve`; the page is the Markdown converter's own output, where `<` in
# text and attributes is escaped, so only comments, scripts and styles need skipping.
_TABLE_TAG = re.compile(r"<(/?)table(?=[\s>/])([^>]*)>", re.IGNORECASE)
_OPAQUE = re.compile(r"<!--.*?-->|<script\b.*?</script\s*>|<style\b.*?</style\s*>", re.IGNORECASE | re.DOTALL)
_HAS_CLASS = re.compile(r"\sclass(?=[\s=/]|$)", re.IGNORECASE)
_WRAPPER_BEFORE = re.compile(r'<div class="md-typeset__table">\s*$')


def classless_tables(html: str) -> list[TableSpan]:
    """The tables of `html` that Material's `table:not([class])` selects, by offset (nested ones too)."""
    opaque = [match.span() for match in _OPAQUE.finditer(html)]
    open_tables: list[tuple[int, bool]] = []  # (start, classless) of each table not yet closed
    found: list[TableSpan] = []
    for tag in _TABLE_TAG.finditer(html):
        if any(start <= tag.start() < end for start, end in opaque):
            continue
        if not tag.group(1):
            open_tables.append((tag.start(), not _HAS_CLASS.search(tag.group(2))))
        elif open_tables:
            start, classless = open_tables.pop()
            if classless:
                found.append(TableSpan(start, tag.end(), bool(_WRAPPER_BEFORE.search(html, 0, start))))
    return sorted(found, key=lambda table: table.start)


def wrap_tables(html: str) -> str:
    """`html` with every classless table not yet wrapped inside Material's scrolling wrapper."""
    if "<table" not in html:
        return html
    inserts: list[tuple[int, str]] = []
    for table in classless_tables(html):
        if not table.wrapped:
            inserts += [(table.start, SCROLLWRAP), (table.end, SCROLLWRAP_END)]
    # From the end, so that earlier offsets stay true; at one offset an end goes before a start.
    for offset, text in sorted(inserts, key=lambda insert: (insert[0], insert[1] == SCROLLWRAP_END), reverse=True):
        html = html[:offset] + text + html[offset:]
    return html


def skip_wrapped_tables(bundle: str, name: str) -> str:
    """Material's bundle wrapping only the tables the build has not wrapped."""
    if f'("{_EDITED_SELECTOR}",' in bundle:
        return bundle  # edited by an earlier build into the same site folder
    edited, count = _QUERY.subn(rf'\1("{_EDITED_SELECTOR}",\2)', bundle)
    if count != 1:
        raise BundleCodeNotFound(f"{name}: Material's query of the tables it wraps was found {count} times, not once")
    return edited


def rewrite_site(site_dir: Path) -> list[Path]:
    """Edit the site's copy of Material's bundle; returns the files edited."""
    return edit_bundles(site_dir, skip_wrapped_tables)
