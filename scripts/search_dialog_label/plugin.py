"""The search-dialog-label MkDocs plugin: names Material's search dialog after its search box.

A plugin rather than a hook so that any Material site can use it; it has no options.
"""
from __future__ import annotations

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin
from mkdocs.structure.pages import Page

from .dialog_html import label_search_dialog


class SearchDialogLabelPlugin(BasePlugin):
    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str:
        return label_search_dialog(output)
