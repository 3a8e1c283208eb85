"""The search-dialog-label MkDocs plugin: Material's search, made accessible and quick to rebuild.

* names Material's search dialog after its search box (dialog_html);
* reuses the search index entries of unchanged pages (entry_cache), so that a
  rebuild parses, and cuts into Chinese words, only the pages that changed,
  and parses those without the colour spans of their code (code_spans);
* skips Material's scan for `data-search-*` attributes on pages that have none
  (attribute_scan).

A plugin rather than a hook so that any Material site can use it; it has no options.
"""
from __future__ import annotations

from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.pages import Page

from . import attribute_scan, entry_cache
from .dialog_html import label_search_dialog

CACHE_FILE = Path(".cache") / "search_index" / "entries.json"


class SearchDialogLabelPlugin(BasePlugin):
    def __init__(self) -> None:
        self.cache: entry_cache.EntryCache | None = None

    # Defining on_startup keeps one instance (and the cache in memory) across `mkdocs serve` rebuilds.
    def on_startup(self, *, command: str, dirty: bool) -> None:
        pass

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        search = config.plugins.get("search") or config.plugins.get("material/search")
        if search is None or _nested_language_build(config):
            return config
        entry_cache.install()
        attribute_scan.install()
        path = Path(config.config_file_path).resolve().parent / CACHE_FILE  # resolved: `-f mkdocs.yml` names it relatively in the first build only
        options = dict(getattr(search, "config", {}) or {})
        if self.cache is None or self.cache.path != path or self.cache.salt != entry_cache.salt_for(options):
            self.cache = entry_cache.EntryCache(path, options)
        self.cache.used = set()
        entry_cache.active = self.cache
        return config

    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str:
        return label_search_dialog(output)

    @event_priority(-200)  # after mkdocs-static-i18n (-100) has built every language
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if self.cache is not None and not _nested_language_build(config):
            self.cache.save()

    # ------------------------------------------------------------------ language-reuse (under serve)

    def other_language_inputs(self) -> str:
        return ""  # the entries are keyed by the pages they are made from

    def start_language_build(self) -> set[str]:
        return set(self.cache.used) if self.cache is not None else set()

    def language_build_done(self, marker: set[str]) -> set[str]:
        """The cached entries the language's pages used."""
        return self.start_language_build() - marker

    def reuse_language_build(self, used: set[str]) -> None:
        if self.cache is not None:  # still in use: saved for the next build
            self.cache.used |= used

    def on_shutdown(self) -> None:
        entry_cache.active = None


def _nested_language_build(config: MkDocsConfig) -> bool:
    from verified_snippets.plugin import nested_language_build

    return nested_language_build(config)
