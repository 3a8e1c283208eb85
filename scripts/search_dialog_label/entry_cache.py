"""The search index entries of an unchanged page, reused instead of made again.

Material's search plugin parses every page's HTML into sections on every
build, and cuts the Chinese text of each into words with jieba, whose
dictionary takes about 1.5 s to load in each process that cuts a word. Under
`mkdocs serve` every save rebuilds every page of both languages, so most of
that work is done again for text that has not changed.

`EntryCache` keeps the entries a page produced, keyed by a hash of everything
they are made from: the page's HTML, URL, title, table of contents and front
matter, the search plugin's options, and the versions of Material and jieba. A
page whose key is known gets its entries back without parsing; only a changed
page is parsed (without the colour spans of its code: code_spans), and jieba
loads its dictionary only when Chinese text has changed. The cache lives in
`.cache/search_index/entries.json` (entries of pages not built in the last
run are dropped when it is saved; a build that made no entry and dropped none
leaves the file as it is), and a corrupt or foreign file is ignored.

Material's `SearchIndex.add_entry_from_context` is wrapped at class level
(once); the wrapper asks the cache set up by the plugin, and calls the
original when there is none.
"""
from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

from .code_spans import without_code_spans

VERSION = 2


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "none"


def salt_for(options: dict[str, Any]) -> str:
    """What every entry also depends on: the search plugin's options and the versions of what makes entries."""
    return json.dumps([VERSION, _version("mkdocs-material"), _version("jieba"), options], sort_keys=True, default=str)


class EntryCache:
    def __init__(self, path: Path, options: dict[str, Any]):
        self.path = path
        self.salt = salt_for(options)
        self.entries: dict[str, list[dict]] = {}
        self.used: set[str] = set()
        self.hits = self.misses = 0
        self.changed = False  # entries made since the file was read or written
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("salt") == self.salt and isinstance(data.get("pages"), dict):
                self.entries = data["pages"]
        except (OSError, ValueError, AttributeError):
            pass

    def key(self, page: Any) -> str:
        made_from = [page.url, page.title, _toc(page.toc), page.meta]
        digest = hashlib.sha256(json.dumps(made_from, sort_keys=True, default=str, ensure_ascii=False).encode("utf-8"))
        # The page's HTML hashed as it is: escaping it into JSON first cost more than the hash.
        digest.update(b"\0" + (page.content or "").encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    def add(self, index: Any, page: Any, make: Callable[[Any, Any], None]) -> None:
        """Append `page`'s entries to `index.entries`, from the cache or from `make(index, page)`."""
        key = self.key(page)
        self.used.add(key)
        cached = self.entries.get(key)
        if cached is not None:
            self.hits += 1
            index.entries.extend(_copy(cached))  # a copy: the index may change its entries
            return
        self.misses += 1
        self.changed = True
        before = len(index.entries)
        if (page.meta.get("search") or {}).get("exclude"):
            make(index, page)  # Material reads nothing of it
        else:
            lean = copy.copy(page)  # the parser reads the page's HTML without the colour spans of its code (code_spans)
            lean.content = without_code_spans(page.content or "")
            make(index, lean)
        self.entries[key] = json.loads(json.dumps(index.entries[before:], default=str))  # as the file holds them

    def save(self) -> None:
        """Write the entries of the pages built since `used` was emptied; nothing when the file already holds just those."""
        if not self.changed and self.used == self.entries.keys():
            return
        kept = {key: value for key, value in self.entries.items() if key in self.used}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"salt": self.salt, "pages": kept}, ensure_ascii=False), encoding="utf-8")
        temporary.replace(self.path)
        self.entries, self.changed = kept, False


def _copy(entries: list[dict]) -> list[dict]:
    """Entries as JSON holds them (strings, numbers, lists of strings), copied without a trip through JSON."""
    return [{name: list(value) if isinstance(value, list) else value for name, value in entry.items()} for entry in entries]


def _toc(items: Any) -> list:
    return [[item.id, item.title, item.url, _toc(item.children)] for item in items or []]


#: The cache the wrapper uses; set by the plugin for the build under way.
active: EntryCache | None = None


def install() -> None:
    """Wrap Material's SearchIndex.add_entry_from_context (once per process)."""
    try:
        from material.plugins.search.plugin import SearchIndex
    except ImportError:  # not a Material site: nothing to cache
        return
    original = SearchIndex.add_entry_from_context
    if getattr(original, "_entry_cache", False):
        return

    def add_entry_from_context(self: Any, page: Any) -> None:
        if active is None:
            return original(self, page)
        active.add(self, page, original)

    setattr(add_entry_from_context, "_entry_cache", True)  # noqa: B010  # a mark on a function
    SearchIndex.add_entry_from_context = add_entry_from_context
