"""What each page of the site shows: its title, the snippets it embeds and the values it binds.

Several parts of the engine need this of every page at once, not only of the
page being built: the notebooks (the snippets an article embeds, under which
heading), the ledger (every bound number), the build's checks (a missing
notebook, a page without its twin). Reading a page's structure means importing
markdown-it (~80 ms) and parsing the page (a few ms), so outlines are kept in
`.cache/verified_snippets/page_outlines.json` by content hash: a warm run over
a large site reads no page twice.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from .atomic_files import write_text_atomically
from .layout import Project
from .output_records import sha256_bytes
from .page_markup import Binding, find_bindings, find_embeds
from .page_structure import PageStructure, read_page

ATTRIBUTE_LIST = re.compile(r"\s*\{[^}]*\}\s*$")
TRANSLATION = re.compile(r"\.(?P<lang>[a-z]{2}(?:[_-][A-Za-z]{2,4})?)\.md$")


@dataclass(frozen=True)
class ShownSnippet:
    """A snippet (or one of its sections) that a page embeds, under which `##` heading."""

    snippet: str
    section: str | None
    heading: str


@dataclass(frozen=True)
class BoundValue:
    """A value binding, with the `##` heading it sits under."""

    binding: Binding
    heading: str


@dataclass(frozen=True)
class PageOutline:
    page: Path
    title: str  # the page's `#` heading, attribute lists removed
    status: str  # front matter `status:` ("draft"), or "" for a published page
    embeds: tuple[ShownSnippet, ...]  # snippet embeds (`.py` only), in the page's order
    bindings: tuple[BoundValue, ...]

    @property
    def language(self) -> str | None:
        """The page's language suffix (`zh` for page.zh.md), or None for the default language."""
        match = TRANSLATION.search(self.page.name)
        return match.group("lang") if match else None

    @property
    def is_article(self) -> bool:
        """A page that shows a snippet (the home page aside): it gets a notebook and the article checks."""
        return bool(self.embeds) and self.page.name.split(".")[0] != "index"


def outline(page: Path, markdown: str) -> PageOutline:
    structure = read_page(markdown)
    title, headings = _headings_by_line(structure)
    embeds, _ = find_embeds(structure)
    shown = tuple(ShownSnippet(e.snippet, e.section, headings.get(e.line, "")) for e in embeds if e.snippet.endswith(".py"))
    bound = tuple(BoundValue(b, headings.get(b.line, "")) for b in find_bindings(structure))
    return PageOutline(page, title, _front_matter_status(markdown), shown, bound)


def _headings_by_line(page: PageStructure) -> tuple[str, dict[int, str]]:
    """The page title, and for each line the `##` heading it falls under."""
    title, headings, current = "", {}, ""
    by_line = {heading.line: heading for heading in page.headings}
    for number in range(1, len(page.lines) + 1):
        heading = by_line.get(number)
        if heading is not None:
            text = ATTRIBUTE_LIST.sub("", heading.text)
            if heading.level == 1 and not title:
                title = text
            elif heading.level == 2:
                current = text
        headings[number] = current
    return title, headings


def _front_matter_status(markdown: str) -> str:
    match = re.match(r"---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|$)", markdown, re.DOTALL)
    if not match:
        return ""
    status = re.search(r"^status:[ \t]*['\"]?([\w-]+)", match.group(1), re.MULTILINE)
    return status.group(1) if status else ""


class PageIndex:
    """Page outlines by content hash, for every Markdown page under docs_dir."""

    VERSION = 2

    def __init__(self, project: Project):
        self.project = project
        self.path = project.cache_dir / "page_outlines.json"
        self.changed = False
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self.entries: dict = data["pages"] if data.get("version") == self.VERSION else {}
        except (OSError, ValueError, KeyError, AttributeError):
            self.entries = {}

    def pages(self) -> list[PageOutline]:
        """Every page under docs_dir, in path order (the cache is saved afterwards)."""
        found = [self.outline(page) for page in sorted(self.project.docs_dir.rglob("*.md"))]
        self.save()
        return found

    def outline(self, page: Path, markdown: str | None = None) -> PageOutline:
        if markdown is None:
            markdown = page.read_text(encoding="utf-8")
        key = self.project.display(page)
        digest = sha256_bytes(markdown.encode("utf-8"))
        entry = self.entries.get(key)
        if entry and entry.get("sha256") == digest:
            return _from_entry(page, entry)
        if "--8<--" not in markdown and "{{" not in markdown:  # nothing to find: no need to parse the page
            result = PageOutline(page, _quick_title(markdown), _front_matter_status(markdown), (), ())
        else:
            result = outline(page, markdown)
        self.entries[key] = _to_entry(result, digest)
        self.changed = True
        return result

    def save(self) -> None:
        if self.changed:
            write_text_atomically(self.path, json.dumps({"version": self.VERSION, "pages": self.entries}, ensure_ascii=False))
            self.changed = False


def _quick_title(markdown: str) -> str:
    match = re.search(r"^#[ \t]+(.+?)[ \t#]*$", markdown, re.MULTILINE)
    return ATTRIBUTE_LIST.sub("", match.group(1)) if match else ""


def _to_entry(result: PageOutline, digest: str) -> dict:
    return {
        "sha256": digest,
        "title": result.title,
        "status": result.status,
        "embeds": [[e.snippet, e.section, e.heading] for e in result.embeds],
        "bindings": [[b.binding.line, b.binding.snippet, b.binding.name, b.binding.indexes, b.binding.format, b.heading] for b in result.bindings],
    }


def _from_entry(page: Path, entry: dict) -> PageOutline:
    embeds = tuple(ShownSnippet(*embed) for embed in entry["embeds"])
    bindings = tuple(BoundValue(Binding(*row[:5]), row[5]) for row in entry["bindings"])
    return PageOutline(page, entry["title"], entry.get("status", ""), embeds, bindings)
