"""The page-weight MkDocs plugin: fewer elements and restyles on Material pages (see the package's modules).

* `on_config`: adds the palette toggle's script to `extra_javascript`.
* `on_page_content`: unwraps plain names in a Markdown page's highlighted code.
  Notebook pages are left alone: their stylesheet colours names itself.
* `on_post_build`: rewrites Material's palette stylesheet in the site and
  writes the script. A Material whose stylesheet lacks the rule is a warning
  (so `--strict` fails): the option no longer applies and should be reviewed.
"""
from __future__ import annotations

import logging
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from .code_tokens import unwrap_name_tokens
from .config import PageWeightConfig
from .palette_switching import SCRIPT_NAME, PaletteRuleNotFound, rewrite_site

log = logging.getLogger("mkdocs.plugins.page_weight")


class PageWeightPlugin(BasePlugin[PageWeightConfig]):
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        if self.config.scope_palette_switching and SCRIPT_NAME not in [str(script) for script in config.extra_javascript]:
            config.extra_javascript.append(SCRIPT_NAME)
        return config

    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        if not self.config.unwrap_name_tokens or not page.file.src_uri.endswith(".md"):
            return html
        return unwrap_name_tokens(html)

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if not self.config.scope_palette_switching:
            return
        try:
            rewrite_site(Path(config.site_dir))
        except PaletteRuleNotFound as error:
            log.warning(f"plugin 'page-weight' option 'scope_palette_switching': {error}; the theme changed, so review the option (or set it to false)")
