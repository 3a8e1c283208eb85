"""The page-weight plugin's options in mkdocs.yml, with their defaults.

    plugins:
      - page-weight:
          unwrap_name_tokens: true       # highlighted names as text, not <span class="n">
          scope_palette_switching: true  # Material's palette-switching rule only on a reader's toggle
          declare_color_scheme: true     # <meta name="color-scheme"> in the HTML, not added by Material's script
          prewrap_tables: true           # tables in Material's scrolling wrapper from the build, not moved by its script
          search_index_on_demand: true   # the search index requested on the first use of search, not by every page load
          render_blocks_progressively: true  # the article laid out a few blocks at a time after load, not in one long task
"""
from __future__ import annotations

from mkdocs.config import base
from mkdocs.config import config_options as c


class PageWeightConfig(base.Config):
    unwrap_name_tokens = c.Type(bool, default=True)
    scope_palette_switching = c.Type(bool, default=True)
    declare_color_scheme = c.Type(bool, default=True)
    prewrap_tables = c.Type(bool, default=True)
    search_index_on_demand = c.Type(bool, default=True)
    render_blocks_progressively = c.Type(bool, default=True)
