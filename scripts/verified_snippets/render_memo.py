"""Markdown pages converted once per content, not on every build or save.

MkDocs converts every page's Markdown to HTML on every rebuild, and on this
site that is about half of a rebuild (pygments and Python-Markdown's inline
patterns over two languages of long articles). A prose edit changes one page.

`RenderMemo.install(page)` wraps that page's `render` (as mkdocs-jupyter does
for notebooks): the first conversion of a given input is kept, and a later
build whose input is the same takes the kept HTML, table of contents, title
and anchors instead of converting again. The input is everything the
conversion reads:

* the page's Markdown after every plugin's `on_page_markdown` (so a changed
  output or bound value is a changed input),
* where the page lives and the URL of every file of the build (relative links
  and their checks),
* the Markdown settings (mkdocs.yml's text and the extensions' options),
* and each file that pymdownx.snippets included, by content: the conversion
  records the paths it resolves, and a kept result is used only while each of
  those files is unchanged. A snippet edit reconverts only the pages that
  include that snippet.

* and the versions of Markdown, its extensions, pygments and MkDocs.

A page whose Markdown holds output slots (`give_slots`, from the engine) is
converted as its outline and its output blocks, each kept by the same key,
and put together (output_slots): a snippet edit that changes what it prints
converts that block, not every page that shows it, in each language.

Log records emitted during a conversion (a broken link, say) are kept with it
and emitted again when it is reused, so a reused page warns as a converted
one does. Kept results live in the plugin, which `mkdocs serve` keeps across
rebuilds, and in `.cache/verified_snippets/converted_pages.pickle` for the
next build; a build writes back only the conversions it used. An unreadable
file is a cold start, never an error.
"""
from __future__ import annotations

import copy
import hashlib
import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from . import output_slots
from .atomic_files import UNREADABLE, ContentHashes
from .kept_results import KeptResults
from .output_slots import OutputSlot

log = logging.getLogger("mkdocs.plugins.verified_snippets")

#: Kept conversions; the least recently used go first beyond this. A page has one per
#: language, and one more per output block (output_slots): the 500-snippet synthetic
#: site of scripts/bench.py keeps about 1,100, and with 400 it converted every page
#: again on every save. An edited page leaves its earlier versions behind.
LIMIT = 5000

#: Attributes set on a page: the memo that converts it, and the output blocks its Markdown has slots for.
_MEMO, _SLOTS = "_verified_snippets_render_memo", "_verified_snippets_output_slots"

#: Bumped when what a kept conversion holds changes.
FORMAT = 1

#: Distributions whose code turns Markdown into HTML here; an upgrade of any converts again.
CONVERTERS = ("markdown", "pymdown-extensions", "pygments", "mkdocs", "mkdocs-material")


@dataclass(frozen=True)
class IncludedFile:
    path: str
    sha256: str | None  # None: the file did not exist


@dataclass(frozen=True)
class Conversion:
    """What `Page.render` leaves on a page, and what it read and logged to get it."""

    content: str
    toc: Any
    title: str | None
    present_anchor_ids: set[str] | None
    links_to_anchors: dict[str, dict[str, str]] | None  # by the linked file's src_uri: File objects are new in each build
    included: tuple[IncludedFile, ...]
    logged: tuple[LoggedLine, ...]


@dataclass(frozen=True)
class LoggedLine:
    logger: str
    level: int
    message: str


class RenderMemo:
    def __init__(self, path: Path | None = None, limit: int = LIMIT) -> None:
        """`path`: the file that keeps conversions for the next process (None: memory only)."""
        self.path = path
        self.results: KeptResults[Conversion] = KeptResults(path, Conversion, FORMAT, limit)
        self.hits = self.misses = 0
        self._files_key: tuple[int, str] | None = None
        self.hashes = ContentHashes()
        self._settings_key: tuple[int, str] | None = None

    @property
    def kept(self) -> dict[str, Conversion]:
        return self.results.kept

    def start_build(self) -> None:
        """From now on, count again which conversions are in use."""
        self.results.start_build()

    def save(self) -> None:
        """Keep the conversions this build used for the next build (unwritable: the next one converts)."""
        self.results.save()

    def install(self, page: Page) -> None:
        """Make `page.render` use a kept conversion when its input is unchanged."""
        if not page.file.src_uri.endswith(".md"):
            return  # a notebook page renders itself (mkdocs-jupyter caches it)
        memo = self
        original = page.render

        def render(self: Page, config: MkDocsConfig, files: Files) -> None:
            memo.render(self, config, files, original)

        page.render = render.__get__(page, Page)  # type: ignore[method-assign]
        setattr(page, _MEMO, self)  # a mark on the page, for takes_slots

    def takes_slots(self, page: Page, config: MkDocsConfig) -> bool:
        """Whether `page` will be converted here, so that its Markdown may hold output slots (output_slots)."""
        return getattr(page, _MEMO, None) is self and output_slots.can_use(config.mdx_configs)

    def give_slots(self, page: Page, slots: tuple[OutputSlot, ...]) -> None:
        """The output blocks whose slots `page`'s Markdown holds, for its next `render`."""
        setattr(page, _SLOTS, slots)

    def render(self, page: Page, config: MkDocsConfig, files: Files, convert: Any) -> None:
        slots: tuple[OutputSlot, ...] = getattr(page, _SLOTS, ())
        setattr(page, _SLOTS, ())
        if slots:
            outline = page.markdown or ""
            done = self._render_slotted(page, config, files, convert, slots)
            page.markdown = output_slots.inline(outline, slots)  # as the page reads without slots, for whoever reads it next
            if done:
                return
            log.debug(f"{page.file.src_uri}: its output blocks could not be converted apart; converting it whole")
        self._render_whole(page, config, files, convert)

    def _render_slotted(self, page: Page, config: MkDocsConfig, files: Files, convert: Any, slots: tuple[OutputSlot, ...]) -> bool:
        """The outline and each block converted (or reused) apart, and put together; False where they cannot be."""
        self._render_whole(page, config, files, convert)
        blocks: dict[str, Page] = {}
        for slot in slots:
            block = copy.copy(page)  # the same file and URL: its links resolve as the page's do
            block.markdown, block.content, block.present_anchor_ids, block.links_to_anchors = slot.markdown, None, None, None  # its toc is set by either way
            self._render_whole(block, config, files, lambda config, files, block=block: Page.render(block, config, files))
            if block.content is None or list(block.toc or ()) or block._title_from_render:
                return False
            blocks[slot.token] = block
        filled = output_slots.fill(page.content or "", {token: block.content or "" for token, block in blocks.items()})
        if filled is None:
            return False
        page.content = filled
        for block in blocks.values():
            if page.present_anchor_ids is not None and block.present_anchor_ids:
                page.present_anchor_ids = page.present_anchor_ids | block.present_anchor_ids
            for linked, anchors in (block.links_to_anchors or {}).items():
                page.links_to_anchors = page.links_to_anchors if page.links_to_anchors is not None else {}
                page.links_to_anchors.setdefault(linked, {}).update(anchors)
        return True

    def _render_whole(self, page: Page, config: MkDocsConfig, files: Files, convert: Any) -> None:
        key = self._key(page, config, files)
        kept = self.results.get(key)
        if kept is not None and all(self._sha256(file.path) == file.sha256 for file in kept.included):
            self.hits += 1
            _apply(page, kept, files)
            for line in kept.logged:
                logging.getLogger(line.logger).log(line.level, line.message)
            return
        self.misses += 1
        self.results.discard(key)
        with _recording_includes() as included, _recording_logs() as records:
            convert(config, files)
        if included is None:
            return
        self.results.put(key, Conversion(
            page.content or "",
            copy.deepcopy(page.toc),
            page._title_from_render,
            set(page.present_anchor_ids) if page.present_anchor_ids is not None else None,
            _anchor_links_by_path(page.links_to_anchors),
            tuple(IncludedFile(path, self._sha256(path)) for path in sorted(included)),
            tuple(LoggedLine(record.name, record.levelno, record.getMessage()) for record in records),
        ))

    def _sha256(self, path: str) -> str | None:
        """An included file's sha256 (None: unreadable), read again only when it may have changed: each output
        block includes its snippet, so a build checks the same files once for every block that shows them."""
        digest = self.hashes.of(Path(path))
        return None if digest == UNREADABLE else digest.hex()

    def _key(self, page: Page, config: MkDocsConfig, files: Files) -> str:
        digest = hashlib.sha256()
        for part in (page.markdown or "", page.file.src_uri, page.file.url, self._files_fingerprint(files), self._settings_fingerprint(config)):
            digest.update(part.encode("utf-8", "surrogatepass"))
            digest.update(b"\0")
        return digest.hexdigest()

    def _files_fingerprint(self, files: Files) -> str:
        if self._files_key is None or self._files_key[0] != id(files):
            listing = "\n".join(f"{f.src_uri}\t{f.url}\t{f.inclusion.name}" for f in sorted(files, key=lambda f: f.src_uri))
            self._files_key = (id(files), hashlib.sha256(listing.encode()).hexdigest())
        return self._files_key[1]

    def _settings_fingerprint(self, config: MkDocsConfig) -> str:
        if self._settings_key is None or self._settings_key[0] != id(config):
            # Hashed once: every key of the build (one per page and per output block) includes it, and the text is long.
            self._settings_key = (id(config), hashlib.sha256(_settings_fingerprint(config).encode("utf-8", "surrogatepass")).hexdigest())
        return self._settings_key[1]


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for name in CONVERTERS:
        try:
            found.append(f"{name}=={version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} absent")
    return " ".join(found)


def _settings_fingerprint(config: MkDocsConfig) -> str:
    """mkdocs.yml's text (which the extensions' options come from), the options as the build has them, and the converters' versions."""
    try:
        text = Path(config.config_file_path).read_text(encoding="utf-8")
    except (OSError, TypeError):
        text = ""
    options = json.dumps(
        [[str(name) for name in config.markdown_extensions], config.mdx_configs, config.use_directory_urls, config.site_url, _versions()],
        sort_keys=True,
        default=_stable_repr,
    )
    # The folder too: includes are recorded by absolute path, so a copy of the project
    # (with its .cache) elsewhere must not take this one's conversions. Resolved: `mkdocs
    # serve -f mkdocs.yml` loads the first build's config by the relative path and every
    # rebuild's by the absolute one, and the first rebuild converted every page again.
    try:
        where = str(Path(config.config_file_path).resolve())
    except TypeError:
        where = ""
    return f"{where}\0{text}\0{options}"


def _stable_repr(value: Any) -> str:
    """A callable (a slugify function) by its name: its repr holds an address that changes with every config load."""
    return getattr(value, "__qualname__", None) or type(value).__qualname__


def _apply(page: Page, kept: Conversion, files: Files) -> None:
    page.content = kept.content
    page.toc = copy.deepcopy(kept.toc)
    page._title_from_render = kept.title
    page.present_anchor_ids = set(kept.present_anchor_ids) if kept.present_anchor_ids is not None else None
    if kept.links_to_anchors is not None:
        page.links_to_anchors = {}
        for src_uri, links in kept.links_to_anchors.items():
            linked = files.get_file_from_path(src_uri)
            if linked is not None:  # always: the list of files is part of the key
                page.links_to_anchors[linked] = dict(links)


def _anchor_links_by_path(links: dict[Any, dict[str, str]] | None) -> dict[str, dict[str, str]] | None:
    return None if links is None else {file.src_uri: dict(anchors) for file, anchors in links.items()}


@contextmanager
def _recording_includes() -> Iterator[set[str] | None]:
    """The files pymdownx.snippets resolves while a page converts.

    pymdownx.snippets has no hook for this, so its path lookup is wrapped for the
    length of one conversion. Were the lookup ever renamed, nothing would be
    kept (None): a conversion that cannot say what it read is never reused.
    """
    included: set[str] = set()
    try:
        from pymdownx.snippets import SnippetPreprocessor  # type: ignore[import-untyped]  # pymdownx ships no types
    except ImportError:  # no includes can happen
        yield included
        return
    lookup = getattr(SnippetPreprocessor, "get_snippet_path", None)
    if lookup is None:
        yield None
        return

    def recorded(self: Any, path: str) -> str | None:
        found = lookup(self, path)
        included.add(os.path.abspath(found) if found else os.path.abspath(path))
        return found

    SnippetPreprocessor.get_snippet_path = recorded
    try:
        yield included
    finally:
        SnippetPreprocessor.get_snippet_path = lookup


@contextmanager
def _recording_logs() -> Iterator[list[logging.LogRecord]]:
    """Every record a conversion logs at INFO or above, still passed on as usual."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if not any(kept is record for kept in records):  # seen by both loggers when it propagates
                records.append(record)

    handler = Keep(logging.INFO)
    root = logging.getLogger()
    mkdocs_logger = logging.getLogger("mkdocs")
    # `mkdocs` commands stop their logger from propagating to the root logger; listen on both.
    root.addHandler(handler)
    mkdocs_logger.addHandler(handler)
    try:
        yield records
    finally:
        root.removeHandler(handler)
        mkdocs_logger.removeHandler(handler)
