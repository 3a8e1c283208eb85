"""MkDocs hook: notebook pages from mkdocs-jupyter that work with i18n and load nothing remote.

* on_files (after mkdocs-static-i18n): re-wrap `.ipynb` files as pages, so
  each language build renders the notebook page and `include_source` copies
  the downloadable `.ipynb` next to it.
* on_page_markdown: an article that has a notebook gets "Download" and "Open"
  links under its title, in the page's language.
* on_post_page: notebook pages lose nbconvert's CDN scripts (MathJax, Mermaid).
* on_post_build: fail (warning, so `--strict` fails) if a notebook page or its
  downloadable source is missing from the built site.

The logic lives in `scripts/notebook_pages/`.
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mkdocs.plugins import event_priority  # noqa: E402

from notebook_pages.i18n_files import rewrap_notebooks  # noqa: E402
from notebook_pages.page_html import insert_after_title, notebook_links, strip_remote_scripts  # noqa: E402

log = logging.getLogger("mkdocs.hooks.notebook_pages")
NOTEBOOK_FOLDER = "notebooks"
_expected: list[Path] = []


def _jupyter(config):
    return config.plugins.get("mkdocs-jupyter")


@event_priority(-200)  # after mkdocs-static-i18n's on_files (-100)
def on_files(files, config):
    plugin = _jupyter(config)
    if plugin is None:
        return files
    from mkdocs_jupyter.plugin import NotebookFile

    i18n = config.plugins.get("i18n")
    folder = ""
    if i18n is not None and getattr(i18n, "current_language", None) != getattr(i18n, "default_language", None):
        folder = i18n.current_language
    rewrap_notebooks(files, plugin.should_include, lambda f: NotebookFile(f, use_directory_urls=config.use_directory_urls, site_dir=config.site_dir), config.site_dir, folder)
    for file in files:
        if str(file.src_uri).endswith(".ipynb") and file.is_documentation_page():
            folder = Path(file.abs_dest_path).parent
            _expected.extend([Path(file.abs_dest_path), folder / Path(file.src_uri).name])
    return files


def _language(page) -> str:
    locale = getattr(page.file, "locale", None)
    return locale if isinstance(locale, str) else "en"


def on_page_markdown(markdown, page, config, files):
    if str(page.file.src_uri).endswith(".ipynb"):
        return markdown
    stem = Path(page.file.src_uri).name.split(".")[0]
    notebook = f"{NOTEBOOK_FOLDER}/{stem}.ipynb"
    notebook_file = files.get_file_from_path(notebook)
    if notebook_file is None or not notebook_file.is_documentation_page():
        return markdown
    page_url = notebook_file.url
    file_url = page_url + Path(notebook).name
    return insert_after_title(markdown, notebook_links(_language(page), page.url, page_url, file_url))


def on_post_page(output, page, config):
    if not str(page.file.src_uri).endswith(".ipynb"):
        return output
    cleaned, _removed = strip_remote_scripts(output)
    return cleaned


def on_pre_build(config):
    _expected.clear()


def on_post_build(config):
    for path in _expected:
        if not path.exists():
            log.warning(f"{path.relative_to(Path(config.site_dir).parent) if path.is_relative_to(Path(config.site_dir).parent) else path}: expected in the built site but missing (notebook page or its downloadable .ipynb)")
