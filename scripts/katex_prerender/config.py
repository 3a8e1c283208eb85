"""The katex-prerender plugin's options in mkdocs.yml, with their defaults.

    plugins:
      - katex-prerender:
          node_modules: node_modules    # beside mkdocs.yml: where `npm ci` installed KaTeX
          assets_dir: assets/katex      # under site_dir: KaTeX's stylesheet and woff2 fonts
          output: htmlAndMathml         # or mathml: MathML alone (Temml's), laid out by the browser
          # With output: mathml, under node_modules: the math font (subset to the site's characters)
          # and Temml's stylesheet for it, whose @font-face is pointed at the subset.
          math_font: "@fontsource/stix-two-math/files/stix-two-math-latin-400-normal.woff2"
          math_stylesheet: temml/dist/Temml-STIX2.css

mkdocs.yml must also list `<assets_dir>/katex.min.css` under `extra_css`, or with
`output: mathml`, `<assets_dir>/math.css` (the math font's stylesheet).
"""
from __future__ import annotations

from mkdocs.config import base
from mkdocs.config import config_options as c


class KatexPrerenderConfig(base.Config):
    node_modules = c.Dir(exists=False, default="node_modules")
    assets_dir = c.Type(str, default="assets/katex")
    output = c.Choice(("htmlAndMathml", "mathml"), default="htmlAndMathml")
    math_font = c.Type(str, default="@fontsource/stix-two-math/files/stix-two-math-latin-400-normal.woff2")
    math_stylesheet = c.Type(str, default="temml/dist/Temml-STIX2.css")
