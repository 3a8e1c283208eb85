"""The notebook-pages MkDocs plugin: notebook pages that work with i18n and load nothing remote.

* on_files (after mkdocs-static-i18n): re-wrap `.ipynb` files as pages, so
  each language build renders the notebook page and `include_source` copies
  the downloadable `.ipynb` next to it.
* on_page_markdown: an article that has a notebook gets "Download" and "Open"
  links under its title, in the page's language.
* on_post_page: notebook pages lose nbconvert's CDN scripts (MathJax, Mermaid),
  and their SVG figures, which nbconvert embeds as images, are inlined, so
  they follow the page's palette and keep their accessible names.
* on_post_build: a warning (so `--strict` fails) if a notebook page or its
  downloadable source is missing from the built site; once every language is
  built, the notebook pages are added to the sitemap (sitemap.py).
* under `mkdocs serve`, on_pre_build (after the engine has written the
  notebooks) starts converting a changed notebook in a worker process, and
  the notebook page's render waits for it (prewarm.py).

The notebooks are the ones the verified-snippets plugin writes, in its
`notebooks_dir`; this plugin has no options of its own.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from verified_snippets.plugin import nested_language_build
from verified_snippets.settings import PLUGIN_NAME as ENGINE_PLUGIN
from verified_snippets.settings import EngineSettings

from .i18n_files import rewrap_notebooks
from .page_html import cleaned_notebook_page, insert_after_title, notebook_links
from .prewarm import ConversionSettings, NotebookPrewarm
from .sitemap import add_to_sitemap

log = logging.getLogger("mkdocs.plugins.notebook_pages")


class NotebookPagesPlugin(BasePlugin):
    def __init__(self) -> None:
        self.expected: list[Path] = []  # built files that must exist at the end of the build
        self.page_urls: dict[str, dict[str, str]] = {}  # notebook source -> {language: page URL}, across languages
        self.prewarm: NotebookPrewarm | None = None  # under `mkdocs serve` only

    # Defining on_startup keeps one instance (and its conversion worker) across `mkdocs serve` rebuilds.
    def on_startup(self, *, command: str, dirty: bool) -> None:
        if command == "serve":
            self.prewarm = NotebookPrewarm()

    # ------------------------------------------------------------------ language-reuse (under serve)

    def other_language_inputs(self) -> str:
        return ""  # the notebooks are under the docs folder

    def start_language_build(self) -> dict[str, dict[str, str]]:
        return {source: dict(urls) for source, urls in self.page_urls.items()}

    def language_build_done(self, marker: dict[str, dict[str, str]]) -> tuple[dict[str, dict[str, str]], list[Path]]:
        """The notebook pages the language's build added (for the sitemap), and the files it expects."""
        added = {source: {language: url for language, url in urls.items() if marker.get(source, {}).get(language) != url} for source, urls in self.page_urls.items()}
        return {source: urls for source, urls in added.items() if urls}, list(self.expected)

    def reuse_language_build(self, added: tuple[dict[str, dict[str, str]], list[Path]]) -> None:
        urls, expected = added
        for source, by_language in urls.items():
            self.page_urls.setdefault(source, {}).update(by_language)
        self.expected = list(expected)  # a language's build starts the list again (on_pre_build)

    def on_shutdown(self) -> None:
        if self.prewarm is not None:
            self.prewarm.close()
            self.prewarm = None

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        if nested_language_build(config):
            return config
        self.page_urls = {}
        site = getattr(config.plugins.get(ENGINE_PLUGIN), "site", None)
        if self.prewarm is not None and site is not None:
            # A re-run's notebooks start converting as soon as they are written, while the engine checks the rest.
            site.notebooks_written = lambda: self._start_converting(config)
        return config

    @event_priority(-50)  # after the engine's on_pre_build has written the notebooks
    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        self.expected.clear()
        if not nested_language_build(config):
            self._start_converting(config)  # those not started yet (a notebook written by `make outputs`, say)

    def _start_converting(self, config: MkDocsConfig) -> None:
        jupyter = config.plugins.get("mkdocs-jupyter")
        if self.prewarm is None or jupyter is None:
            return
        settings = ConversionSettings.of(jupyter.config)
        if settings is not None:
            notebooks = sorted((Path(config.docs_dir) / _notebooks_folder(config)).glob("*.ipynb"))
            self.prewarm.start(notebooks, settings)

    @event_priority(-100)  # after mkdocs-jupyter's on_pre_page has given the page its render
    def on_pre_page(self, page: Page, *, config: MkDocsConfig, files: Files) -> Page:
        if self.prewarm is None or not str(page.file.src_uri).endswith(".ipynb"):
            return page
        prewarm, render = self.prewarm, page.render

        def render_when_converted(config: MkDocsConfig, files: Files) -> None:
            prewarm.wait(str(page.file.abs_src_path))
            render(config, files)

        page.render = render_when_converted  # type: ignore[method-assign]
        return page

    @event_priority(-200)  # after mkdocs-static-i18n's on_files (-100)
    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        jupyter = config.plugins.get("mkdocs-jupyter")
        if jupyter is None:
            return files
        from mkdocs_jupyter.plugin import NotebookFile

        i18n = config.plugins.get("i18n")
        folder = ""
        if i18n is not None and getattr(i18n, "current_language", None) != getattr(i18n, "default_language", None):
            folder = i18n.current_language

        def wrap(file: File) -> Any:
            return NotebookFile(file, use_directory_urls=config.use_directory_urls, site_dir=config.site_dir)

        rewrap_notebooks(files, jupyter.should_include, wrap, config.site_dir, folder)
        language = getattr(i18n, "current_language", None) or "en"
        for file in files:
            if str(file.src_uri).endswith(".ipynb") and file.is_documentation_page():
                page_folder = Path(file.abs_dest_path).parent
                self.expected.extend([Path(file.abs_dest_path), page_folder / Path(file.src_uri).name])
                self.page_urls.setdefault(str(file.src_uri), {})[language] = file.url
        if self.prewarm is not None:
            _read_notebook_pages_last(files)
        return files

    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        if str(page.file.src_uri).endswith(".ipynb"):
            # Its article holds the same text and code, and is the page a search should find. Left in,
            # the notebooks were 40 % of the search index, which every page downloads while it loads.
            page.meta["search"] = {**(page.meta.get("search") or {}), "exclude": True}
            return markdown
        stem = Path(page.file.src_uri).name.split(".")[0]
        notebook = f"{_notebooks_folder(config)}/{stem}.ipynb"
        notebook_file = files.get_file_from_path(notebook)
        if notebook_file is None or not notebook_file.is_documentation_page():
            return markdown
        page_url = notebook_file.url
        file_url = page_url + Path(notebook).name
        return insert_after_title(markdown, notebook_links(_language(page), page.url, page_url, file_url))

    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str:
        if not str(page.file.src_uri).endswith(".ipynb"):
            return output
        return cleaned_notebook_page(output)

    def _check_expected(self, *, config: MkDocsConfig) -> None:
        root = Path(config.config_file_path).parent
        for path in self.expected:
            if not path.exists():
                shown = path.relative_to(root) if path.is_relative_to(root) else path
                log.warning(f"{shown}: expected in the built site but missing (notebook page or its downloadable .ipynb)")

    @event_priority(-200)  # after mkdocs-static-i18n (-100) has built every language and written the sitemap
    def _after_all_languages(self, *, config: MkDocsConfig) -> None:
        if not nested_language_build(config):
            add_to_sitemap(Path(config.site_dir), self.page_urls, config.site_url or "")

    on_post_build = CombinedEvent(_check_expected, _after_all_languages)


def _notebooks_folder(config: MkDocsConfig) -> str:
    """The folder under docs_dir where the verified-snippets plugin writes the notebooks."""
    engine = config.plugins.get(ENGINE_PLUGIN)
    if engine is None:
        return EngineSettings().notebooks_folder
    return str(engine.config.notebooks_dir).strip("/")


def _language(page: Page) -> str:
    locale = getattr(page.file, "locale", None)
    return locale if isinstance(locale, str) else "en"


def _read_notebook_pages_last(files: Files) -> None:
    """Under `mkdocs serve`: MkDocs reads and renders the pages in the order of `files`, and a changed
    notebook is still being converted in the worker (prewarm) when the build reaches its page. Put last,
    its page waits for the worker after every other page is done, not in the middle of them."""
    notebooks = [file for file in files if str(file.src_uri).endswith(".ipynb") and file.is_documentation_page()]
    for file in notebooks:
        files.remove(file)
        files.append(file)
