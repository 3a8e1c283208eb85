"""The katex-prerender MkDocs plugin: every formula typeset by KaTeX at build time.

pymdownx.arithmatex (``generic: true``) leaves formulas in the page HTML as
``<span class="arithmatex">\\(...\\)</span>`` / ``<div class="arithmatex">\\[...\\]</div>``.
This plugin replaces each by KaTeX's HTML + MathML, so the site ships KaTeX's
stylesheet and fonts but no JavaScript for math.

* When: ``on_page_context``, after Material's search plugin has indexed the
  page (it reads ``page.content`` in its own ``on_page_context``), so the
  search index keeps the readable TeX instead of KaTeX's glyph markup. The
  priority of -50 keeps this true whatever order ``plugins:`` lists things in.
  Before that (``on_page_content``), a formula using ``\\htmlData`` (the one
  HTML extension trusted, see ``katex_server.mjs``) is given to search
  without it, so a marked number is indexed as the number alone.
* Errors: a formula KaTeX refuses is logged as a WARNING naming the Markdown
  file, line and TeX (so ``mkdocs build --strict`` fails) and shown on the
  page as a red ``katex-error``.
* One Node process renders the whole build (started on the first formula, so a
  build without math never starts Node); ``mkdocs serve`` keeps it, and its
  cache, across rebuilds.
* ``on_post_build`` copies KaTeX's stylesheet (woff2 fonts only) into
  ``site/<assets_dir>/``; mkdocs.yml must list it under ``extra_css``. With
  ``output: mathml`` it writes the math font's subset and stylesheet there
  instead (``math_font.py``), and ``on_post_page`` preloads the font from
  every page that shows math.
* Formulas rendered before are kept in ``.cache/katex_prerender/formulas.json``
  (next to mkdocs.yml), keyed by their TeX and KaTeX's version and options: a
  build whose formulas are all known never starts Node.
* Under ``mkdocs serve`` a page's typeset HTML is also kept, keyed by the HTML
  it was made from: a rebuild after an edit elsewhere does not scan the page's
  HTML for formulas again (a page with a refused formula is always redone, so
  that its warning is logged on every build).
"""
from __future__ import annotations

import contextlib
import logging
import os
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

from . import arithmatex_html, math_font
from .assets import STYLESHEET, install_katex_assets
from .config import KatexPrerenderConfig
from .math_font import MathFont, MathFontError, install_math_font
from .renderer import ENGINES, KatexError, KatexRenderer, KatexSetupError, katex_package_dir

log = logging.getLogger("mkdocs.plugins.katex_prerender")

#: Formulas rendered by earlier builds, under the folder of mkdocs.yml (see renderer.py).
CACHE_FILE = Path(".cache") / "katex_prerender" / "formulas.json"

#: Pages' HTML kept under serve, per kind (each language's version of each page, and a few edits back).
PAGES_KEPT = 200


class PageMemo:
    """Results of a page's HTML, keyed by that HTML, the most recently used kept."""

    def __init__(self, limit: int = PAGES_KEPT) -> None:
        self.limit = limit
        self.kept: OrderedDict[str, Any] = OrderedDict()

    def get(self, html: str) -> Any:
        found = self.kept.get(html)
        if found is not None:
            self.kept.move_to_end(html)
        return found

    def put(self, html: str, result: Any) -> None:
        self.kept[html] = result
        while len(self.kept) > self.limit:
            self.kept.popitem(last=False)


class KatexPrerenderPlugin(BasePlugin[KatexPrerenderConfig]):
    def __init__(self) -> None:
        self.command = "build"
        self.config_dir = ""
        self.renderer: KatexRenderer | None = None
        self.pages = self.formulas = self.refused = 0
        self.search_text: PageMemo | None = None  # under serve: HTML -> the text search gets
        self.typeset: PageMemo | None = None  # under serve: HTML -> (typeset HTML, its formulas, unreadable elements)

    # Defining on_startup keeps one instance (and its Node process) across `mkdocs serve` rebuilds.
    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.command = command
        if command == "serve":
            self.search_text, self.typeset = PageMemo(), PageMemo()

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        self.pages = self.formulas = self.refused = 0
        # `mkdocs serve -f mkdocs.yml` loads its first build's config by that relative name: resolved here, or
        # that build keeps no cache (it rendered and subset anew, and so did the first rebuild after it).
        self.config_dir = os.path.dirname(os.path.abspath(config.config_file_path)) if config.config_file_path else ""
        if self.renderer is not None and not getattr(config.plugins.get("i18n"), "building", False):
            self.renderer.forget_unused()  # a new build (mkdocs-static-i18n's nested ones continue it)
        try:
            katex_package_dir(self.config.node_modules, ENGINES[self.config.output])
        except KatexSetupError as err:
            raise PluginError(f"plugin 'katex-prerender' option 'node_modules': {err}") from None
        if self.renderer is not None and (
            self.renderer.node_modules != Path(self.config.node_modules).resolve()
            or self.renderer.output != self.config.output
            or self.renderer.cache_file != self._cache_file()  # the same process building another project
        ):
            self._close_renderer()
            self.renderer = None  # made again, with these settings, for the first formula
            if self.typeset is not None:
                self.typeset = PageMemo()  # typeset by another KaTeX, or for another output
        if self.config.output == "mathml":
            try:
                self._math_font().check()
            except MathFontError as err:
                raise PluginError(f"plugin 'katex-prerender' option 'math_font' or 'math_stylesheet': {err}") from None
            stylesheet, missing = f"{self.config.assets_dir.strip('/')}/{math_font.STYLESHEET}", "the math font"
        else:
            stylesheet, missing = f"{self.config.assets_dir.strip('/')}/{STYLESHEET}", "KaTeX's stylesheet and fonts"
        if stylesheet not in [str(css) for css in config.extra_css]:
            log.warning(f"mkdocs.yml: add '{stylesheet}' to extra_css, or formulas typeset by KaTeX are shown without {missing}.")
        if "pymdownx.arithmatex" in config.markdown_extensions:
            options = config.mdx_configs.get("pymdownx.arithmatex") or {}
            if not options.get("generic"):
                log.warning("mkdocs.yml: pymdownx.arithmatex needs 'generic: true' for KaTeX prerendering; formulas are left unrendered.")
        return config

    @event_priority(-100)  # after other plugins' changes to the page's HTML
    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Any) -> str:
        """Formulas that mark numbers with \\htmlData reach the search plugin without the marks."""
        if self.search_text is None:
            return arithmatex_html.text_for_search(html)
        found = self.search_text.get(html)
        if found is None:
            found = arithmatex_html.text_for_search(html)
            self.search_text.put(html, found)
        return found

    @event_priority(-50)  # after the search plugin has read page.content
    def on_page_context(self, context: Any, *, page: Page, config: MkDocsConfig, nav: Any) -> Any:
        content = page.content
        if not content or "arithmatex" not in content:
            return context
        label = _source_label(page, config)
        kept = self.typeset.get(content) if self.typeset is not None else None
        if kept is not None:
            page.content, formulas, unreadable = kept
            self._renderer().keep_in_use(formulas)  # still in the formula cache that the next build reads
            self._count(1, len(formulas), 0)
            _warn_unreadable(label, unreadable)
            return context
        found = arithmatex_html.find_formulas(content)
        unreadable = arithmatex_html.count_arithmatex_elements(content) - len(found)
        _warn_unreadable(label, unreadable)
        if not found:
            return context
        renderer = self._renderer()

        def render(formulas: Sequence[arithmatex_html.Formula]) -> list[str | KatexError]:
            return renderer.render_many((f.tex, f.display) for f in formulas)

        try:
            page.content, failures = arithmatex_html.rewrite_html(content, render)
        except KatexSetupError as err:
            raise PluginError(f"{label}: {err}") from None
        self._count(1, len(found), len(failures))
        if failures:
            _log_failures(page, label, found, failures)
        elif self.typeset is not None:
            self.typeset.put(content, (page.content, [(f.tex, f.display) for f in found], unreadable))
        return context

    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str:
        if self.config.output != "mathml" or "<math" not in output:
            return output
        font_url = get_relative_url(f"{self.config.assets_dir.strip('/')}/{math_font.FONT_FILE}", page.url)
        return math_font.with_preload(output, math_font.preload_link(font_url))

    def _count(self, pages: int, formulas: int, refused: int) -> None:
        self.pages += pages
        self.formulas += formulas
        self.refused += refused

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        assets = Path(config.site_dir) / self.config.assets_dir
        try:
            if self.config.output == "mathml":
                # The last build of a run (mkdocs-static-i18n's nested ones come after the first) sees every language's formulas.
                characters = self.renderer.characters_in_use() if self.renderer is not None else set()
                install_math_font(assets, self._math_font(), characters, Path(self.config_dir) / CACHE_FILE.parent if self.config_dir else None)
            else:
                install_katex_assets(assets, self.config.node_modules)
        except (KatexSetupError, MathFontError) as err:
            raise PluginError(str(err)) from None
        if self.renderer is not None:
            with contextlib.suppress(OSError):  # a read-only checkout still builds, only slower next time
                self.renderer.save_cache()
        if self.formulas:
            version = self.renderer.katex_version if self.renderer is not None else "?"
            log.debug(f"KaTeX {version}: {self.formulas} formula(s) on {self.pages} page(s) rendered, {self.refused} refused")
        if self.command != "serve":
            self._close_renderer()

    # ------------------------------------------------------------------ language-reuse (under serve)

    def other_language_inputs(self) -> str:
        """The formulas in use so far: the shared math font holds their characters and the next language's."""
        formulas = sorted(self.renderer.formulas_in_use()) if self.renderer is not None else []
        return f"{self.config.output}\0{formulas!r}"

    def start_language_build(self) -> set[tuple[str, bool]]:
        return self.renderer.formulas_in_use() if self.renderer is not None else set()

    def language_build_done(self, marker: set[tuple[str, bool]]) -> set[tuple[str, bool]]:
        """The formulas the language's pages brought into use."""
        return self.start_language_build() - marker

    def reuse_language_build(self, formulas: set[tuple[str, bool]]) -> None:
        if not formulas:
            return
        renderer = self._renderer()
        renderer.keep_in_use(formulas)  # still in use: their characters stay in the font
        with contextlib.suppress(OSError):  # and in the cache the next `mkdocs build` reads
            renderer.save_cache()

    def on_shutdown(self) -> None:
        self._close_renderer()

    def _renderer(self) -> KatexRenderer:
        if self.renderer is None:
            self.renderer = KatexRenderer(self.config.node_modules, cache_file=self._cache_file(), output=self.config.output)
        return self.renderer

    def _cache_file(self) -> Path | None:
        return Path(self.config_dir) / CACHE_FILE if self.config_dir else None

    def _math_font(self) -> MathFont:
        return MathFont(Path(self.config.node_modules) / self.config.math_font, Path(self.config.node_modules) / self.config.math_stylesheet)

    def _close_renderer(self) -> None:
        if self.renderer is not None:
            self.renderer.close()


def _warn_unreadable(label: str, unreadable: int) -> None:
    if unreadable > 0:
        log.warning(f"{label}: {unreadable} arithmatex element(s) are not in the generic \\(...\\) / \\[...\\] form and were left unrendered.")


def _log_failures(page: Page, label: str, found: list[arithmatex_html.Formula], failures: list[tuple[arithmatex_html.Formula, Exception]]) -> None:
    source = _page_source(page)
    # The n-th formula with a given TeX is looked for at the TeX's n-th place in the source.
    seen: dict[str, int] = {}
    occurrence = {}
    for formula in found:
        occurrence[formula.start] = seen.get(formula.tex, 0)
        seen[formula.tex] = occurrence[formula.start] + 1
    for formula, error in failures:
        line = arithmatex_html.locate_in_source(source, formula.tex, occurrence[formula.start])
        where = f"{label}:{line}" if line is not None else label
        message = error.message if isinstance(error, KatexError) else str(error)
        # The message opens with the engine's own prefix ("KaTeX parse error", "Temml parse error").
        log.warning(f"{where}: cannot render formula '{arithmatex_html.one_line(formula.tex)}': {message}")


def _source_label(page: Page, config: MkDocsConfig) -> str:
    """The page's Markdown file, relative to mkdocs.yml's folder (e.g. ``docs/index.md``)."""
    path = page.file.abs_src_path
    if not path:  # a page generated by a plugin
        return page.file.src_uri
    config_dir = os.path.dirname(config.config_file_path or "") or os.getcwd()
    rel = os.path.relpath(path, config_dir)
    return path if rel.startswith("..") else rel.replace(os.sep, "/")


def _page_source(page: Page) -> str:
    try:
        return page.file.content_string
    except (OSError, UnicodeDecodeError, TypeError, AttributeError):
        return page.markdown or ""
