"""The katex-prerender plugin's options in mkdocs.yml, with their defaults.

    plugins:
      - katex-prerender:
          node_modules: node_modules    # beside mkdocs.yml: where `npm ci` installed KaTeX
          assets_dir: assets/katex      # under site_dir: KaTeX's stylesheet and woff2 fonts

mkdocs.yml must also list `<assets_dir>/katex.min.css` under `extra_css`.
"""
from __future__ import annotations

from mkdocs.config import base
from mkdocs.config import config_options as c


class KatexPrerenderConfig(base.Config):
    node_modules = c.Dir(exists=False, default="node_modules")
    assets_dir = c.Type(str, default="assets/katex")
