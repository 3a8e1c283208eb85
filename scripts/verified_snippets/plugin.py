"""The verified-snippets MkDocs plugin: each snippet's recorded output under its code, run values in the text.

A thin layer over `site_state.SiteState`, which holds the logic. `mkdocs build`
never runs PyTorch: a stale or missing output is a warning (so `--strict`
fails). `mkdocs serve` re-runs a changed snippet before rebuilding. Every
problem is logged on the `mkdocs.plugins.verified_snippets` logger, naming the
file and line. Figures are placeholders in the Markdown, replaced by their
inline SVG in `on_page_content` (before the search plugin reads the page); the
plugin adds its figure stylesheet to `extra_css` and writes it into the site.
"""
from __future__ import annotations

import logging
import os
import posixpath
import re
import sys
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from . import build_caches, figure_markup, highlight_memo, output_slots, serve_watch
from .config import VerifiedSnippetsConfig
from .layout import Project
from .matrix_site import MatrixSite
from .render_memo import RenderMemo
from .settings import PLUGIN_NAME, Site
from .site_state import PageContext, SiteState

log = logging.getLogger("mkdocs.plugins.verified_snippets")

OUTPUT_ID = ' id="output-'
RENDER_MEMO_FILE = "converted_pages.pickle"  # under the project's .cache/verified_snippets/
OUTPUT_IDS = re.compile(r'\sid="(output-[^"]+)"')

# INFO lines of other plugins that ask nothing of a contributor: the build shows
# what must be acted on (warnings) and its own progress, not the neighbours' chatter.
QUIET_LOGGERS = ("mkdocs.plugins.mkdocs_static_i18n", "mkdocs.plugins.mkdocs_jupyter", "mkdocs.mkdocs-jupyter", "jieba")


class VerifiedSnippetsPlugin(BasePlugin[VerifiedSnippetsConfig]):
    def __init__(self) -> None:
        self.command = "build"
        self.site: SiteState | None = None
        self.files: Files | None = None  # the build's files, to turn link targets into URLs
        self.strict = False  # the build's --strict, held while the other languages are built
        self.matrix: MatrixSite | None = None  # the environment matrix, when mkdocs.yml lists environments
        self.render_memo: RenderMemo | None = None  # pages converted once per content
        self.native_watch: serve_watch.NativeWatch | None = None  # under `mkdocs serve`: saves seen at once

    # Defining on_startup keeps one instance (and its snippet workers) across `mkdocs serve` rebuilds.
    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.command = command
        for name in QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        root = Path(config.config_file_path).resolve().parent
        build_caches.install(config.theme, root)  # the theme's templates compiled and listed once, not on every save
        highlight_memo.install()  # an unchanged code block is not coloured again on the next save
        snippets_dir = Path(self.config.snippets_dir).resolve()
        _check_snippets_extension(config, snippets_dir)
        settings = self.config.settings()
        project = Project(root, snippets_dir, Path(config.docs_dir).resolve(), settings.notebooks_folder, settings.checks_folder)
        if not {"attr_list", "markdown.extensions.attr_list"} & {str(name) for name in config.markdown_extensions}:
            config.markdown_extensions.append("attr_list")  # a bound value in prose is a link with an attribute list
        if figure_markup.STYLESHEET not in [str(css) for css in config.extra_css]:
            config.extra_css.append(figure_markup.STYLESHEET)  # the figures' colours in both palettes
        languages = _other_languages(config)
        memo_file = project.cache_dir / RENDER_MEMO_FILE
        if self.render_memo is None or self.render_memo.path != memo_file:
            self.render_memo = RenderMemo(memo_file)
        if self.site is None or self.site.site != Site(project, settings) or self.site.languages != languages:
            if self.site is not None:
                self.site.close()
            self.site = SiteState(Site(project, settings), runs_snippets=self.command == "serve", progress=log.info, languages=languages)
        _quiet_jieba()
        if not settings.matrix.environments:
            self.matrix = None
        elif self.matrix is None or (self.matrix.project, self.matrix.settings) != (project, settings.matrix):
            slugify = (config.mdx_configs.get("toc") or {}).get("slugify")
            self.matrix = MatrixSite(project, settings.matrix, *([slugify] if callable(slugify) else []), content_hashes=self.site.content_hashes)
        return config

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        _quiet_jieba()
        if nested_language_build(config):
            return  # the first language's build already ran the snippets and logged their warnings
        if self.render_memo is not None:
            self.render_memo.start_build()
        for warning in self._site().prepare().warnings:
            log.warning(warning)
        for warning in self.matrix.prepare() if self.matrix else []:
            log.warning(warning)

    def on_serve(self, server: Any, *, config: MkDocsConfig, builder: Any) -> Any:
        """Watch the pages, the snippets and the reference checks, not counting the files a re-run writes there (serve_watch),
        and start a snippet worker for the first save of a snippet."""
        site = self._site()
        if self.native_watch is None:
            self.native_watch = serve_watch.NativeWatch()
        checks = site.project.checks_dir  # an edited reference check is judged again, and the ledger shows it
        for folder in (site.project.docs_dir, site.project.snippets_dir, *([checks] if checks is not None and checks.is_dir() else [])):
            serve_watch.watch_ignoring_own_writes(server, folder, site.own_writes, self.native_watch)
        self.native_watch.start()
        site.start_worker()
        return server

    def on_pre_page(self, page: Page, *, config: MkDocsConfig, files: Files) -> Page:
        if self.render_memo is not None:
            self.render_memo.install(page)
        return page

    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        context = _page_context(page)
        self.files = files
        # Output blocks, and the "Cite this page" block that names the outputs' version, as slots where
        # the render memo converts the page: a new output then converts only its blocks (output_slots).
        slotted = self.render_memo is not None and self.render_memo.takes_slots(page, config)
        rendered, problems = self._site().render_page(markdown, context, slotted)
        slots = self._site().output_slots.pop(context.path, ()) if slotted else ()
        offset = _front_matter_lines(page)
        source = f"{Path(config.docs_dir).name}/{page.file.src_path}"
        for problem in problems:
            line = problem.line + offset if problem.line > 0 else _front_matter_line(page, "description")
            log.warning(f"{source}:{line}: {problem.message}")
        if self.matrix is not None:
            rendered, matrix_problems = self.matrix.render(rendered, page.file.src_uri, _language(page))
            for message in matrix_problems:
                log.warning(f"{source}: {message}")
        cite = self._site().cite_block(markdown, context, config.site_name, page.canonical_url or page.url)
        if not slotted or self.render_memo is None:
            return rendered + cite
        rendered, slots = output_slots.append_block(rendered, slots, cite)
        self.render_memo.give_slots(page, slots)
        return rendered

    @event_priority(-60)  # after katex-prerender (-50) has typeset the page's formulas
    def on_page_context(self, context: Any, *, page: Page, config: MkDocsConfig, nav: Any) -> Any:
        if page.content and "data-snippet" in page.content:
            page.content = self._site().link_math_values(page.content, _page_context(page), lambda target: _url_of(target, page, self.files))
        return context

    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        html = self._site().fill_figures(html)
        # MkDocs validates links to anchors against the ids it saw while rendering, and
        # pymdownx.superfences hides a fenced block's id from it: add the output blocks' ids.
        if page.present_anchor_ids is not None and OUTPUT_ID in html:
            page.present_anchor_ids |= set(OUTPUT_IDS.findall(html))
        return html

    @event_priority(-50)  # before mkdocs-static-i18n (-100) builds the other languages
    def _before_other_languages(self, *, config: MkDocsConfig) -> None:
        """Each language's build: the figures' stylesheet; the first one also holds --strict.

        While i18n builds the other languages in nested builds, each of those would
        count only its own warnings and abort with that number; without strict they
        go on, their warnings are counted by the first build, which then aborts with
        the total of every language.
        """
        write_figure_stylesheet(Path(config.site_dir))
        if not nested_language_build(config) and config.strict:
            self.strict, config.strict = True, False

    @event_priority(-200)  # after every language has been built
    def _after_all_languages(self, *, config: MkDocsConfig) -> None:
        if nested_language_build(config):
            return
        if self.strict:
            config.strict, self.strict = True, False
        self._site().finish_build()
        if self.render_memo is not None:
            self.render_memo.save()
        for path in self._site().never_shown():
            log.warning(f"{path} is not shown on any page; embed it in an article or remove it")

    on_post_build = CombinedEvent(_before_other_languages, _after_all_languages)

    # ------------------------------------------------------------------ language-reuse (under serve)

    def other_language_inputs(self) -> str:
        """What a further language's pages take from this plugin besides the docs folder: the engine's
        inputs, and the matrix with its groups (language_reuse hashes this)."""
        matrix = f"{self.matrix.inputs_digest}\0{self.matrix.groups!r}" if self.matrix is not None else ""
        return f"{self._site().language_inputs()}\0{matrix}"

    def start_language_build(self) -> tuple[set[str], set[str], set[str]]:
        site = self._site()
        return set(site.renderer.embedded), set(self.render_memo.results.used if self.render_memo else ()), set(site.linked_formulas.used)

    def language_build_done(self, marker: tuple[set[str], set[str], set[str]]) -> tuple[set[str], set[str], set[str]]:
        """What the language's pages added: the snippets they show, the conversions and linked formulas they used."""
        now = self.start_language_build()
        return now[0] - marker[0], now[1] - marker[1], now[2] - marker[2]

    def reuse_language_build(self, added: tuple[set[str], set[str], set[str]]) -> None:
        site = self._site()
        site.renderer.embedded |= added[0]  # its pages show these (the "never shown" check)
        if self.render_memo is not None:  # still in use, so kept for the language's next build
            self.render_memo.results.used |= {key for key in added[1] if key in self.render_memo.results.kept}
        site.linked_formulas.used |= {key for key in added[2] if key in site.linked_formulas.kept}

    def on_shutdown(self) -> None:
        if self.native_watch is not None:
            self.native_watch.stop()
        if self.site is not None:
            self.site.close()

    def _site(self) -> SiteState:
        assert self.site is not None, "on_config runs before any page is built"
        return self.site


def _page_context(page: Page) -> PageContext:
    return PageContext(page.file.src_path, _language(page), str(page.meta.get("status", "")), _described(page))


def _described(page: Page) -> bool:
    """The page's front matter has a `description:` that is not a placeholder."""
    description = str(page.meta.get("description") or "")
    return bool(description.strip()) and "TODO" not in description


def _url_of(target: str, page: Page, files: Files | None) -> str:
    """The URL, relative to `page`, of a Markdown link target such as `other.md#output-x`."""
    path, _, fragment = target.partition("#")
    found = files.get_file_from_path(posixpath.normpath(posixpath.join(posixpath.dirname(page.file.src_uri), path))) if path and files else None
    url = found.url_relative_to(page.file) if found is not None else path
    return f"{url}#{fragment}" if fragment else url


def _check_snippets_extension(config: MkDocsConfig, snippets_dir: Path) -> None:
    """Pages include snippets through pymdownx.snippets, so its base_path must be the snippets folder."""
    yml = Path(config.config_file_path).name
    setting = f"`base_path: !relative $config_dir/{os.path.relpath(snippets_dir, Path(config.config_file_path).parent)}`"
    if "pymdownx.snippets" not in config.markdown_extensions:
        raise PluginError(f"{yml}: plugin '{PLUGIN_NAME}' needs the pymdownx.snippets extension in markdown_extensions, with {setting}")
    base_path: Any = (config.mdx_configs.get("pymdownx.snippets") or {}).get("base_path", ["."])
    # pymdownx.snippets resolves a relative base_path against the working folder, as here.
    bases = [Path(os.path.abspath(os.fspath(p))).resolve() for p in (base_path if isinstance(base_path, list) else [base_path])]
    if snippets_dir not in bases:
        shown = ", ".join(str(b) for b in bases)
        raise PluginError(
            f"{yml}: plugin '{PLUGIN_NAME}' option 'snippets_dir' is {snippets_dir}, but pymdownx.snippets' "
            f"base_path is {shown}; the two must name the same folder: give pymdownx.snippets {setting}"
        )


def _other_languages(config: MkDocsConfig) -> list[str]:
    """The languages mkdocs-static-i18n builds besides the default one (their pages need twins)."""
    i18n = config.plugins.get("i18n")
    languages = getattr(getattr(i18n, "config", None), "languages", None) or []
    return [lang.locale for lang in languages if getattr(lang, "build", True) and not getattr(lang, "default", False) and lang.locale != "null"]


def _quiet_jieba() -> None:
    """jieba (Chinese search words, imported by Material's search plugin) logs its dictionary loading at DEBUG on stderr."""
    jieba = sys.modules.get("jieba")
    if jieba is not None:
        jieba.setLogLevel(logging.WARNING)


def _language(page: Page) -> str:
    """The page's language, as mkdocs-static-i18n sets it on the page's file ("en" without i18n)."""
    locale = getattr(page.file, "locale", None)
    return locale if isinstance(locale, str) else "en"


def write_figure_stylesheet(site_dir: Path) -> None:
    target = site_dir / figure_markup.STYLESHEET
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(figure_markup.STYLESHEET_SOURCE.read_bytes())


def nested_language_build(config: MkDocsConfig) -> bool:
    """mkdocs-static-i18n builds each further language in a nested build, started from
    the first build's on_post_build while its `building` flag is set."""
    return bool(getattr(config.plugins.get("i18n"), "building", False))


def _front_matter_line(page: Page, key: str) -> int:
    """The line of `key:` in the page's front matter (line 0 of a problem means the front matter), else 1."""
    try:
        source = Path(page.file.abs_src_path or "").read_text(encoding="utf-8")
    except (OSError, TypeError):
        return 1
    match = re.search(rf"^{re.escape(key)}:", source[: source.find("\n---", 3) + 1] if source.startswith("---") else "", re.MULTILINE)
    return source.count("\n", 0, match.start()) + 1 if match else 1


def _front_matter_lines(page: Page) -> int:
    """Lines of front matter that MkDocs removed before handing over the Markdown."""
    markdown = page.markdown or ""
    try:
        source = Path(page.file.abs_src_path or "").read_text(encoding="utf-8")
    except (OSError, TypeError):
        return 0
    head = markdown.lstrip("\n")[:200]
    index = source.find(head) if head else -1
    return source.count("\n", 0, index) - (len(markdown) - len(markdown.lstrip("\n"))) if index > 0 else 0
