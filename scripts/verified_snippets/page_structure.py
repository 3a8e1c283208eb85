"""The one reader of a page's Markdown structure: fenced code, headings, and which lines are code.

Every part of the project that needs to know where code starts and ends on a
page (the engine's page rewrite, the notebooks, the tests) asks this module.
The parsing is CommonMark's, by markdown-it-py, at block level only (inline
parsing is switched off: nothing here needs it, and it is 5x slower). Two
block syntaxes of the extensions the site uses are added, because they change
what is code: their bodies are indented by four spaces, which CommonMark alone
would read as an indented code block.

* admonitions and collapsible blocks (`!!! note`, `??? note`, `???+ note`:
  Python-Markdown's admonition and pymdownx.details), by mdit-py-plugins;
* content tabs (`=== "Title"`, pymdownx.tabbed), by `_content_tab` below.

YAML front matter is recognised (and is not code). Line numbers are 1-based,
in the Markdown as given.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_block import StateBlock


@dataclass(frozen=True)
class FencedBlock:
    """A fenced code block (```` ``` ```` or `~~~`), at any depth."""

    open_line: int
    close_line: int | None  # None when the fence is never closed (it then runs to the end of its container)
    info: str  # what follows the opening fence, e.g. "python" or "{ .text }"
    indent: str  # the opening fence's indentation
    body: tuple[tuple[int, str], ...]  # (line, text) of each line between the fences

    @property
    def last_line(self) -> int:
        """The closing fence's line, or the last line of an unclosed block."""
        if self.close_line is not None:
            return self.close_line
        return self.body[-1][0] if self.body else self.open_line


@dataclass(frozen=True)
class Heading:
    level: int
    text: str  # as written, attribute lists (`{ #id }`) included
    line: int


@dataclass(frozen=True)
class PageStructure:
    lines: tuple[str, ...]
    fences: tuple[FencedBlock, ...]
    headings: tuple[Heading, ...]
    code_lines: frozenset[int]  # lines of fenced and indented code blocks, fences included

    def is_code(self, line: int) -> bool:
        return line in self.code_lines

    def without_code(self) -> list[str]:
        """The page's lines with every line of code blanked (the line count is kept)."""
        return ["" if number in self.code_lines else text for number, text in enumerate(self.lines, start=1)]


@functools.lru_cache(maxsize=256)
def read_page(markdown: str) -> PageStructure:
    """The page's structure. Cached by content: a build reads each page several times
    (checks, rewrite, outline), and `mkdocs serve` reads the unchanged pages again on every save."""
    lines = tuple(markdown.split("\n"))
    fences: list[FencedBlock] = []
    headings: list[Heading] = []
    code_lines: set[int] = set()
    tokens = _parser().parse(markdown)
    for index, token in enumerate(tokens):
        if token.map is None:
            continue
        first, end = token.map  # 0-based, end exclusive
        if token.type in ("fence", "code_block"):
            code_lines.update(range(first + 1, end + 1))
        if token.type == "fence":
            fences.append(_fenced_block(token.markup, token.info, lines, first, end))
        elif token.type == "heading_open":
            inline = tokens[index + 1]
            headings.append(Heading(int(token.tag[1:]), inline.content, first + 1))
    return PageStructure(lines, tuple(fences), tuple(headings), frozenset(code_lines))


def _fenced_block(markup: str, info: str, lines: tuple[str, ...], first: int, end: int) -> FencedBlock:
    opening = lines[first]
    indent = opening[: len(opening) - len(opening.lstrip(" \t"))]
    last = lines[end - 1].strip() if end - 1 > first else ""
    closed = end - 1 > first and last.startswith(markup) and set(last) <= {markup[0]}
    body_end = end - 1 if closed else end
    body = tuple((number + 1, lines[number]) for number in range(first + 1, body_end))
    return FencedBlock(first + 1, end if closed else None, info.strip(), indent, body)


@functools.lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # Imported here: `run-snippets --check` on a site whose pages are cached never needs it.
    from markdown_it import MarkdownIt
    from mdit_py_plugins.admon import admon_plugin
    from mdit_py_plugins.front_matter import front_matter_plugin

    parser = MarkdownIt("commonmark").use(front_matter_plugin).use(admon_plugin)
    parser.block.ruler.before("fence", "content_tab", _content_tab, {"alt": ["paragraph", "reference", "blockquote", "list"]})
    parser.disable(["inline", "text_join"])
    return parser


_TAB_MARKERS = ("===+", "===!", "===")


def _content_tab(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """pymdownx.tabbed's `=== "Title"`: the lines indented by four spaces below it are its body.

    mdit-py-plugins has no rule for it; this one reads the body as nested blocks,
    as its admonition rule does, so a fence inside a tab is a fence.
    """
    if state.sCount[start_line] - state.blkIndent >= 4:
        return False
    start = state.bMarks[start_line] + state.tShift[start_line]
    line = state.src[start : state.eMarks[start_line]]
    marker = next((m for m in _TAB_MARKERS if line.startswith(m + " ")), None)
    if marker is None or not line[len(marker) :].strip():
        return False
    if silent:
        return True
    old_indent, old_max, old_parent = state.blkIndent, state.lineMax, state.parentType
    state.blkIndent = state.sCount[start_line] + 4
    state.parentType = "content_tab"  # a parent type of this rule's own
    next_line = start_line + 1
    while next_line < end_line:
        blank = state.isEmpty(next_line)
        if not blank and state.sCount[next_line] < state.blkIndent:
            break
        next_line += 1
    while next_line - 1 > start_line and state.isEmpty(next_line - 1):
        next_line -= 1  # trailing blank lines belong to whatever comes next
    state.lineMax = next_line
    opening = state.push("content_tab_open", "div", 1)
    opening.map = [start_line, next_line]
    opening.markup = marker
    state.md.block.tokenize(state, start_line + 1, next_line)
    state.push("content_tab_close", "div", -1)
    state.blkIndent, state.lineMax, state.parentType = old_indent, old_max, old_parent
    state.line = next_line
    return True


def insert_after_title(markdown: str, block: str) -> str:
    """Put `block` right under the page's first `# ` heading (or on top)."""
    lines = markdown.splitlines()
    for i, line in enumerate(lines):
        if re.match(r"#\s", line):
            return "\n".join(lines[: i + 1] + ["", block, ""] + lines[i + 1 :]) + "\n"
    return block + "\n\n" + markdown
