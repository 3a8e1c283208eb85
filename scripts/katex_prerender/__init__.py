"""Render the site's TeX with KaTeX at build time (no KaTeX JavaScript in the browser).

* :mod:`.renderer` -- :class:`KatexRenderer`, one long-running Node process
  (``katex_server.mjs``) that turns TeX into KaTeX HTML + MathML;
* :mod:`.arithmatex_html` -- finds pymdownx.arithmatex (generic mode) output in
  page HTML and splices rendered formulas in;
* :mod:`.assets` -- copies KaTeX's stylesheet and fonts into the built site;
* :mod:`.plugin` and :mod:`.config` -- the ``katex-prerender`` MkDocs plugin and its options.
"""

from .renderer import KatexError, KatexRenderer, KatexSetupError, katex_package_dir

__all__ = ["KatexError", "KatexRenderer", "KatexSetupError", "katex_package_dir"]
