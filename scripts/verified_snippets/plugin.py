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
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from . import figure_markup
from .config import VerifiedSnippetsConfig
from .layout import Project
from .settings import PLUGIN_NAME, Site
from .site_state import SiteState

log = logging.getLogger("mkdocs.plugins.verified_snippets")


class VerifiedSnippetsPlugin(BasePlugin[VerifiedSnippetsConfig]):
    def __init__(self) -> None:
        self.command = "build"
        self.site: SiteState | None = None

    # Defining on_startup keeps one instance (and its snippet workers) across `mkdocs serve` rebuilds.
    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.command = command

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        root = Path(config.config_file_path).resolve().parent
        snippets_dir = Path(self.config.snippets_dir).resolve()
        _check_snippets_extension(config, snippets_dir)
        settings = self.config.settings()
        project = Project(root, snippets_dir, Path(config.docs_dir).resolve(), settings.notebooks_folder, settings.checks_folder)
        if figure_markup.STYLESHEET not in [str(css) for css in config.extra_css]:
            config.extra_css.append(figure_markup.STYLESHEET)  # the figures' colours in both palettes
        if self.site is None or self.site.site != Site(project, settings):
            if self.site is not None:
                self.site.close()
            self.site = SiteState(Site(project, settings), runs_snippets=self.command == "serve", progress=log.info)
        return config

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        if _nested_language_build(config):
            return  # the first language's build already ran the snippets and logged their warnings
        for warning in self._site().prepare().warnings:
            log.warning(warning)

    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        rendered, problems = self._site().render_page(markdown, _page_language(page, config))
        offset = _front_matter_lines(page)
        source = f"{Path(config.docs_dir).name}/{page.file.src_path}"
        for problem in problems:
            log.warning(f"{source}:{problem.line + offset}: {problem.message}")
        return rendered

    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        return self._site().fill_figures(html)

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        for path in self._site().never_shown():
            log.warning(f"{path} is not shown on any page; embed it in an article or remove it")
        write_figure_stylesheet(Path(config.site_dir))

    def on_shutdown(self) -> None:
        if self.site is not None:
            self.site.close()

    def _site(self) -> SiteState:
        assert self.site is not None, "on_config runs before any page is built"
        return self.site


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


def _page_language(page: Page, config: MkDocsConfig) -> str | None:
    """The language of the page's text: the i18n plugin's locale of its file, else the theme's."""
    return getattr(page.file, "locale", None) or config.theme.get("language")


def write_figure_stylesheet(site_dir: Path) -> None:
    target = site_dir / figure_markup.STYLESHEET
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(figure_markup.STYLESHEET_SOURCE.read_bytes())


def _nested_language_build(config: MkDocsConfig) -> bool:
    """mkdocs-static-i18n builds each further language in a nested build, started from
    the first build's on_post_build while its `building` flag is set."""
    return bool(getattr(config.plugins.get("i18n"), "building", False))


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
