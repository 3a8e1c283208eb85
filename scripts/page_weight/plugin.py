"""The page-weight MkDocs plugin: fewer elements and restyles on Material pages (see the package's modules).

* `on_config`: adds the palette toggle's script and the progressive blocks' script to `extra_javascript`.
* `on_page_content`: unwraps plain names in a Markdown page's highlighted code
  (notebook pages are left alone: their stylesheet colours names itself), and
  puts every page's classless tables in Material's scrolling wrapper.
* `on_post_page`: declares the first palette's colour scheme in each page's head, and
  the rule that skips the article's blocks until the progressive script lays them out.
* `on_post_build`: rewrites Material's palette stylesheet in the site and
  writes the script; edits Material's bundle to use the declared scheme and
  to skip the tables the build wrapped. A
  Material without the code either relies on is a warning (so `--strict`
  fails): the option no longer applies and should be reviewed.
"""
from __future__ import annotations

import logging
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from . import color_scheme_meta, progressive_blocks, search_index_on_demand, table_wrappers
from .code_tokens import unwrap_name_tokens
from .config import PageWeightConfig
from .palette_switching import SCRIPT_NAME, PaletteRuleNotFound, rewrite_site

log = logging.getLogger("mkdocs.plugins.page_weight")


class PageWeightPlugin(BasePlugin[PageWeightConfig]):
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        scripts = [str(script) for script in config.extra_javascript]
        if self.config.scope_palette_switching and SCRIPT_NAME not in scripts:
            config.extra_javascript.append(SCRIPT_NAME)
        if self.config.render_blocks_progressively and progressive_blocks.SCRIPT_NAME not in scripts:
            config.extra_javascript.append(progressive_blocks.SCRIPT_NAME)
        return config

    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        if self.config.prewrap_tables:
            html = table_wrappers.wrap_tables(html)
        if not self.config.unwrap_name_tokens or not page.file.src_uri.endswith(".md"):
            return html
        return unwrap_name_tokens(html)

    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str:
        scheme = self._declared_scheme(config)
        if scheme is not None:
            output = color_scheme_meta.declare(output, scheme)
        return progressive_blocks.declare(output) if self.config.render_blocks_progressively else output

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if self.config.render_blocks_progressively:
            progressive_blocks.write_script(Path(config.site_dir))
        if self.config.scope_palette_switching:
            try:
                rewrite_site(Path(config.site_dir))
            except PaletteRuleNotFound as error:
                log.warning(f"plugin 'page-weight' option 'scope_palette_switching': {error}; the theme changed, so review the option (or set it to false)")
        if self._declared_scheme(config) is not None:
            try:
                color_scheme_meta.rewrite_site(Path(config.site_dir))
            except color_scheme_meta.BundleCodeNotFound as error:
                log.warning(f"plugin 'page-weight' option 'declare_color_scheme': {error}; the theme changed, so review the option (or set it to false)")
        if self.config.prewrap_tables:
            try:
                table_wrappers.rewrite_site(Path(config.site_dir))
            except table_wrappers.BundleCodeNotFound as error:
                log.warning(f"plugin 'page-weight' option 'prewrap_tables': {error}; the theme changed, so review the option (or set it to false)")
        if self.config.search_index_on_demand:
            try:
                search_index_on_demand.rewrite_site(Path(config.site_dir))
            except search_index_on_demand.BundleCodeNotFound as error:
                log.warning(f"plugin 'page-weight' option 'search_index_on_demand': {error}; the theme changed, so review the option (or set it to false)")

    def _declared_scheme(self, config: MkDocsConfig) -> str | None:
        """The colour scheme pages declare; None where the option is off or the first palette's scheme is not Material's."""
        if not self.config.declare_color_scheme:
            return None
        return color_scheme_meta.first_palette_scheme(config.theme.get("palette"))
