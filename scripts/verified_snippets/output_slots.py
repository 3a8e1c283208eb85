"""Output blocks converted on their own, so that a snippet's new output does not convert its page again.

A page shows a snippet's output in a block under its code (page_markup's
`output_block`). When a snippet is edited and prints something else, that
block is the only Markdown of the page that changed, but the page's Markdown
as a whole is new, so every page showing the snippet was converted again, in
both languages (the render memo is keyed by the whole Markdown).

Here each output block leaves a slot in the page instead: a paragraph holding
only a token (`snippet-output-slot-<n>`, numbered down the page, so the same
page gets the same tokens whatever its outputs say). The page with slots, its
*outline*, is converted (and kept by the render memo) without the outputs, and
each block is converted on its own (and kept too); then each slot's paragraph
in the outline's HTML is replaced by its block's HTML.

The result is the whole page's conversion, because a block is context-free to
Markdown: it is separated from its neighbours by blank lines, holds no heading
(so the table of contents and the title are the outline's), and its fenced
code, attribute lists and admonition read nothing from the rest of the page.
What could still differ is refused, and the page is then converted whole
(`fill` returns None, and `can_use` is False for the settings):

* a slot that is not a paragraph of its own exactly once in the outline's HTML
  (a slot inside a tight list, say, where Markdown writes no `<p>`);
* an id that a block and the outline both use: converted whole, the table of
  contents would have given a heading another id, to keep ids unique;
* a block with a heading of its own (never made by `output_block`);
* pymdownx.highlight numbering its code blocks in ids (`line_spans`,
  `line_anchors`, `anchor_linenums`): the outline's blocks would be numbered
  without the output blocks.

tests/test_output_slots.py converts every page of the site both ways and
compares, and shows that each refusal is needed.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

PREFIX = "snippet-output-slot-"
TOKEN = re.compile(rf"{PREFIX}\d+")
_ID = re.compile(r"""\sid=["']([^"']+)["']""")

#: pymdownx.highlight options that put a per-conversion count of code blocks into ids.
NUMBERING_OPTIONS = ("line_spans", "line_anchors", "anchor_linenums")


@dataclass(frozen=True)
class OutputSlot:
    """One output block taken out of a page: its token's line stands in the page instead."""

    token: str
    indent: str  # of the block's lines in the page (inside an admonition or a tab)
    markdown: str  # the block, without that indent

    @property
    def line(self) -> str:
        return self.indent + self.token


def token(number: int) -> str:
    return f"{PREFIX}{number}"


def make_slot(number: int, indent: str, block_lines: Sequence[str]) -> OutputSlot:
    """The slot for a block made by `output_block` (whose lines carry `indent`, blank lines excepted)."""
    rows = [row[len(indent):] if row.startswith(indent) else row for row in block_lines]
    return OutputSlot(token(number), indent, "\n".join(rows).strip("\n") + "\n")


def slot_lines(slot: OutputSlot, after_blank_line: bool = False) -> list[str]:
    """What the page holds in the block's place: the token as a paragraph of its own. `after_blank_line`:
    the line before the slot is blank already (a slot that begins with the embed's fence)."""
    return ([] if after_blank_line else [""]) + [slot.line, ""]


def append_block(outline: str, slots: tuple[OutputSlot, ...], block: str) -> tuple[str, tuple[OutputSlot, ...]]:
    """`block` (Markdown that starts with a blank line) added at the end of the page as a slot of its own.

    For the "Cite this page" block, which names the version of the page's outputs: in the outline,
    it would make every snippet edit a new outline."""
    if not block.strip():
        return outline + block, slots
    slot = OutputSlot(token(len(slots) + 1), "", block.strip("\n") + "\n")
    return outline + "\n" + slot.line + "\n", (*slots, slot)


def may_slot(markdown: str) -> bool:
    """Whether a page can have slots: it must not hold a token's text already."""
    return PREFIX not in markdown


def inline(outline: str, slots: Iterable[OutputSlot]) -> str:
    """The page's Markdown with each block back in its slot: what it is without slots."""
    by_line = {slot.line: slot for slot in slots}
    if not by_line:
        return outline
    lines = outline.split("\n")
    out: list[str] = []
    for line in lines:
        slot = by_line.get(line)
        if slot is None:
            out.append(line)
            continue
        out.extend(slot.indent + row if row else row for row in slot.markdown.rstrip("\n").split("\n"))
    return "\n".join(out)


def can_use(mdx_configs: Mapping[str, Any]) -> bool:
    """Whether the Markdown settings allow converting blocks apart (no numbering of code blocks in ids)."""
    options = mdx_configs.get("pymdownx.highlight") or {}
    return not any(options.get(name) for name in NUMBERING_OPTIONS)


def fill(outline_html: str, blocks_html: Mapping[str, str]) -> str | None:
    """The outline's HTML with each slot's paragraph replaced by its block's HTML; None where that would not be
    the whole page's conversion (see the module's docstring)."""
    outline_ids = set(_ID.findall(outline_html))
    pieces: list[tuple[int, int, str]] = []
    for name, html in blocks_html.items():
        paragraph = f"<p>{name}</p>"
        start = outline_html.find(paragraph)
        if start < 0 or len(re.findall(rf"{re.escape(name)}(?!\d)", outline_html)) != 1:
            return None
        if outline_ids & set(_ID.findall(html)):
            return None
        pieces.append((start, start + len(paragraph), html))
    out, position = [], 0
    for start, end, html in sorted(pieces):
        out += [outline_html[position:start], html]
        position = end
    out.append(outline_html[position:])
    return "".join(out)
