"""nbconvert's last pass over a notebook's HTML, done cell by cell and kept, in the serve worker only.

After rendering its template, nbconvert's `HTMLExporter.from_notebook_node`
parses the whole page with BeautifulSoup to give images without `alt` a
default text and to make cell inputs and outputs focusable, then prints the
tree again. For this site's notebooks (about 1 MB of HTML each) that pass is
about three quarters of a conversion, and a snippet edit changes one cell.

Here the page is split into the children of its `.jp-Notebook` element, one
per cell, and each child gets the same pass on its own (inside a bare
`.jp-Notebook` element, so the selectors match as they do in the page),
kept by its text. The split is used only where the markup nests perfectly:
every end tag closes the element opened last, and no void element has an end
tag. There BeautifulSoup's html.parser tree is the nesting itself, so each
child prints the same alone as inside the page. Anything else goes through
the whole-page pass.

The pass itself is nbconvert's, restated (three selectors and two
attributes); `install` replaces nothing unless nbconvert's method is the one
it was checked against (`CHECKED_SOURCE_SHA256`), so an upgrade of nbconvert
falls back to nbconvert's own code until the test is run again and the new
method read. tests/test_cellwise_soup.py compares both ways on every
notebook of the site and on markup made to hit each branch.
"""
from __future__ import annotations

import hashlib
import inspect
import logging
import re
from collections import OrderedDict
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

log = logging.getLogger("mkdocs.plugins.notebook_pages")

#: sha256 of `inspect.getsource(nbconvert.exporters.html.HTMLExporter.from_notebook_node)` (nbconvert 7.17.2).
CHECKED_SOURCE_SHA256 = "3dccafff45cc4e749766089c7de2f5385ac071e03f4f5a15bfb3b025f54893b9"
NO_ALT = "No description has been provided for this image"
# BeautifulSoup's void elements for html.parser (bs4.builder.HTMLTreeBuilder.DEFAULT_EMPTY_ELEMENT_TAGS).
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "menuitem", "meta",
                  "param", "source", "track", "wbr", "basefont", "bgsound", "command", "frame", "image", "isindex",
                  "nextid", "spacer"})
NOTEBOOK_OPEN = '<div class="jp-Notebook">'
MEMO_CHARACTERS = 64 * 2**20  # two or three versions of every notebook of a large site


@dataclass(frozen=True)
class Passed:
    """One piece of HTML after the pass, and how many images it gave the default alt text."""

    html: str
    missing_alt: int


def soup_pass(html: str, wrapped: bool) -> Passed:
    """nbconvert's pass (HTMLExporter.from_notebook_node, after the template), on `html`; `wrapped`:
    `html` is the content of the page's `.jp-Notebook` element, and only that content is printed."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(NOTEBOOK_OPEN + html + "</div>" if wrapped else html, features="html.parser")
    missing_alt = 0
    for element in soup.select("img:not([alt])"):
        element.attrs["alt"] = NO_ALT
        missing_alt += 1
    for element in soup.select(".jp-Notebook div.jp-Cell-inputWrapper"):
        element.attrs["tabindex"] = "0"
    for element in soup.select(".jp-Notebook div.jp-OutputArea-output"):
        element.attrs["tabindex"] = "0"
    if wrapped:
        assert soup.div is not None
        return Passed(soup.div.decode_contents(), missing_alt)
    return Passed(str(soup), missing_alt)


class _Nesting(HTMLParser):
    """Where the `.jp-Notebook` element's children start and end; `perfect` is False on any markup whose
    tree a parser would have to guess."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=False)
        self.line_starts = [0, *(match.end() for match in re.finditer("\n", html))]
        self.stack: list[str] = []
        self.perfect = True
        self.notebook_depth: int | None = None  # depth of the first .jp-Notebook element, while open
        self.content: tuple[int, int] | None = None  # its content: [start, end)
        self.children: list[int] = []  # where each child element starts

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        start = self._offset()
        if self.notebook_depth is not None and len(self.stack) == self.notebook_depth + 1:
            self.children.append(start)
        if tag in VOID:
            return
        self.stack.append(tag)
        if self.content is None and self.notebook_depth is None and tag == "div" and "jp-Notebook" in (dict(attrs).get("class") or "").split():
            self.notebook_depth = len(self.stack) - 1
            text = self.get_starttag_text() or ""
            self.content = (start + len(text), -1)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.notebook_depth is not None and len(self.stack) == self.notebook_depth + 1:
            self.children.append(self._offset())

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.perfect = False
            return
        self.stack.pop()
        if self.notebook_depth is not None and len(self.stack) == self.notebook_depth:
            assert self.content is not None
            self.content = (self.content[0], self._offset())
            self.notebook_depth = None


def split(html: str) -> tuple[str, list[str], str] | None:
    """(before the children, each child with the text after it, after them); None where the page
    does not nest perfectly or has no `.jp-Notebook` element."""
    nesting = _Nesting(html)
    nesting.feed(html)
    nesting.close()
    if not nesting.perfect or nesting.stack or nesting.content is None or nesting.content[1] < 0:
        return None
    start, end = nesting.content
    cuts = [start, *(offset for offset in nesting.children if offset > start), end]
    pieces = [html[a:b] for a, b in zip(cuts, cuts[1:])]
    return html[:start], pieces, html[end:]


MARK = "<!--cellwise-soup-children-->"


class CellwiseSoup:
    """The pass over a page, from kept children where their text was seen before."""

    def __init__(self, budget: int = MEMO_CHARACTERS) -> None:
        """`budget`: characters of kept text (keys and results), the least recently used dropped first."""
        self.kept: OrderedDict[str, Passed] = OrderedDict()
        self.budget = budget
        self.size = 0
        self.passes = 0  # BeautifulSoup passes made (the tests count them)

    def run(self, html: str) -> Passed:
        parts = split(html) if MARK not in html else None
        if parts is None:
            self.passes += 1
            return soup_pass(html, wrapped=False)
        before, children, after = parts
        outline = self._child(before + MARK + after, wrapped=False)
        head, _, tail = outline.html.partition(MARK)
        done = [self._child(child, wrapped=True) for child in children]
        return Passed(head + "".join(d.html for d in done) + tail, outline.missing_alt + sum(d.missing_alt for d in done))

    def _child(self, html: str, wrapped: bool) -> Passed:
        key = ("w" if wrapped else "p") + html
        found = self.kept.get(key)
        if found is not None:
            self.kept.move_to_end(key)
            return found
        self.passes += 1
        found = soup_pass(html, wrapped)
        self.kept[key] = found
        self.size += len(key) + len(found.html)
        while self.size > self.budget and len(self.kept) > 1:
            old_key, old = self.kept.popitem(last=False)
            self.size -= len(old_key) + len(old.html)
        return found


class _Selected:
    """What nbconvert's loops receive from `select`: they set attributes and count images."""

    def __init__(self) -> None:
        self.attrs: dict[str, Any] = {}


class _PassedSoup:
    """Stands in for `BeautifulSoup(html, features="html.parser")` inside nbconvert's method: the
    pass is already done, so its selections find the images it counts and nothing else to change."""

    def __init__(self, passed: Passed) -> None:
        self.passed = passed

    def select(self, selector: str) -> list[_Selected]:
        return [_Selected() for _ in range(self.passed.missing_alt)] if selector == "img:not([alt])" else []

    def __str__(self) -> str:
        return self.passed.html


def checked_source_sha256() -> str:
    from nbconvert.exporters.html import HTMLExporter

    return hashlib.sha256(inspect.getsource(HTMLExporter.from_notebook_node).encode()).hexdigest()


def installed() -> CellwiseSoup | None:
    import nbconvert.exporters.html as html_exporter

    return getattr(html_exporter.BeautifulSoup, "memo", None)


def install(memo: CellwiseSoup) -> bool:
    """Make nbconvert's HTML exporter use `memo`, in this process; False (nothing changed) where
    nbconvert's method is not the one checked."""
    import nbconvert.exporters.html as html_exporter

    if checked_source_sha256() != CHECKED_SOURCE_SHA256:
        log.debug("nbconvert's HTMLExporter.from_notebook_node is not the one cellwise_soup was checked against; using it as it is")
        return False

    def passed_soup(html: str, features: str) -> _PassedSoup:
        assert features == "html.parser"
        return _PassedSoup(memo.run(html))

    passed_soup.memo = memo  # type: ignore[attr-defined]
    html_exporter.BeautifulSoup = passed_soup  # type: ignore[assignment,misc]  # only nbconvert's method calls it
    return True
