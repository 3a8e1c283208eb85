"""Material's search plugin without its attribute scan of pages that have no such attribute.

After indexing a page, Material's `SearchPlugin.on_page_context` removes any
`data-search-*` attributes from the page's HTML with a regular expression that
starts with an optional space (`\\s?data-search-...`), so it is tried at every
character: 8 ms on the longest article, 40-75 ms for every language build of
this site, on every `mkdocs serve` rebuild. A page without the text
`data-search-` (every page here) comes out of it unchanged.

`install()` wraps the method at class level: for a page that contains
`data-search-`, or where the search is disabled, Material's own method runs;
for any other page only what Material's method does besides the scan runs,
indexing the page. The wrapper is installed only over the method this module
knows, by a hash of its source: a Material whose method differs keeps its own
(and `tests/test_search_dialog_label.py` fails, so the hash is reviewed).
"""
from __future__ import annotations

import hashlib
import inspect
import logging
from typing import Any

log = logging.getLogger("mkdocs.plugins.search_dialog_label")

#: sha256 of `inspect.getsource(SearchPlugin.on_page_context)` in mkdocs-material 9.8.2 (the version requirements/constraints.txt pins).
KNOWN_SOURCE_SHA256 = "33eb62fd1688be4d99a4e7bf8fc51c1be3d37602b63ad5327c9be3abf5dc8d50"
ATTRIBUTE_PREFIX = "data-search-"


def source_sha256(method: Any) -> str:
    return hashlib.sha256(inspect.getsource(method).encode("utf-8")).hexdigest()


def install() -> bool:
    """Wrap Material's SearchPlugin.on_page_context (once per process); False where it is not the known method."""
    try:
        from material.plugins.search.plugin import SearchPlugin
    except ImportError:  # not a Material site
        return False
    original = SearchPlugin.on_page_context
    if getattr(original, "_attribute_scan_skipped", False):
        return True
    if source_sha256(original) != KNOWN_SOURCE_SHA256:
        log.debug("Material's search on_page_context is not the one search_dialog_label knows; left as it is")
        return False

    def on_page_context(self: Any, context: Any, *, page: Any, config: Any, nav: Any) -> Any:
        if not self.config.enabled or ATTRIBUTE_PREFIX in (page.content or ""):
            return original(self, context, page=page, config=config, nav=nav)
        self.search_index.add_entry_from_context(page)  # what Material's method does besides the scan
        return None

    setattr(on_page_context, "_attribute_scan_skipped", True)  # noqa: B010  # a mark on a function
    setattr(on_page_context, "material", original)  # noqa: B010  # Material's own, for the tests' comparison
    SearchPlugin.on_page_context = on_page_context
    return True
