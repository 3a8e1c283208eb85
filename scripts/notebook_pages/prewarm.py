"""Convert a changed notebook in a second process while `mkdocs serve` builds the rest of the site.

A snippet edit changes its article's notebook, and mkdocs-jupyter converts a
changed notebook on the build's own thread when its page is rendered: nbconvert
to HTML, then to Markdown for the table of contents, about 1 s of a 3.5 s
rebuild, with the second CPU idle. Under `mkdocs serve` this module starts that
conversion in a worker process as soon as the engine has written the notebook
(the build's pre-build step) and writes mkdocs-jupyter's own cache entry
(`.cache/mkdocs-jupyter/<key>.json`, the same JSON mkdocs-jupyter writes); the
page's render waits for the worker and then finds the entry, so the pages that
do not depend on it are built meanwhile.

mkdocs-jupyter is not changed: the worker calls the same functions with the
same options, and the entry's key is computed from the bytes the worker
converted (a copy taken before converting), so a notebook written again while
it converts can never be shown under the new bytes' key. If the worker fails,
or its entry is not there, mkdocs-jupyter converts the page itself, as before.
Its private helpers (`_compute_cache_key`, `_get_nb_toc_tokens`) are used
because they define the entry; a test converts the site's notebooks both ways
and compares, so an upgrade that changes them is caught.
"""
from __future__ import annotations

import json
import logging
import multiprocessing
import os
import shutil
import tempfile
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("mkdocs.plugins.notebook_pages")

# The options mkdocs-jupyter passes to nb2html, read from its config (execute_ignore aside: unused here).
CONVERT_OPTIONS = ("kernel_name", "theme", "allow_errors", "show_input", "no_input", "no_prompt", "remove_tag_config",
                   "highlight_extra_classes", "include_requirejs", "custom_mathjax_url")
# What its cache key hashes besides the notebook's bytes and `execute`.
KEY_OPTIONS = (*CONVERT_OPTIONS, "toc_depth")


@dataclass(frozen=True)
class ConversionSettings:
    """mkdocs-jupyter's settings that decide a notebook page, as plain values a worker can receive."""

    execute: bool
    options: dict[str, Any]  # KEY_OPTIONS -> value
    cache_dir: Path  # absolute

    @classmethod
    def of(cls, jupyter_config: Any) -> ConversionSettings | None:
        """None where the page would not use the cache at all (cache off, or the notebook executed)."""
        if not jupyter_config["cache"] or jupyter_config["execute"]:
            return None
        options = {key: jupyter_config[key] for key in KEY_OPTIONS}
        return cls(False, options, Path(jupyter_config["cache_dir"]).resolve())


def cache_path(notebook: Path, settings: ConversionSettings) -> Path:
    """Where mkdocs-jupyter looks for this notebook's page, as the notebook is now."""
    from mkdocs_jupyter.plugin import _compute_cache_key, _get_cache_path

    return Path(_get_cache_path(settings.cache_dir, _compute_cache_key(str(notebook), settings.options, settings.execute)))


def convert_to_cache(notebook: str, settings: ConversionSettings) -> str:
    """In the worker: convert a copy of `notebook` as mkdocs-jupyter would and write its cache entry; returns the entry's path."""
    from mkdocs_jupyter import convert
    from mkdocs_jupyter.plugin import _get_nb_toc_tokens

    _keep_unchanged_cells_once()
    _keep_compiled_templates_once(settings.cache_dir.parent / "nbconvert-templates")
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / Path(notebook).name  # the same name: nbconvert uses it
        shutil.copyfile(notebook, copy)
        options = {key: settings.options[key] for key in CONVERT_OPTIONS}
        body = convert.nb2html(str(copy), execute=settings.execute, **options)
        toc_tokens, title = _get_nb_toc_tokens(str(copy), settings.options["toc_depth"])
        entry = cache_path(copy, settings)
    entry.parent.mkdir(parents=True, exist_ok=True)
    partial = entry.with_name(f".{entry.name}.{os.getpid()}.tmp")
    partial.write_text(json.dumps({"content": body, "toc_tokens": toc_tokens, "title": title}), encoding="utf-8")
    os.replace(partial, entry)  # mkdocs-jupyter never reads half an entry
    return str(entry)


def _warm_up() -> None:
    """Import the converters once, when the worker starts, not on the first edit."""
    import mkdocs_jupyter.convert
    import mkdocs_jupyter.plugin  # noqa: F401

    _keep_unchanged_cells_once()


def _keep_unchanged_cells_once() -> None:
    """A snippet edit changes one cell's output, and two passes of a conversion go over every cell: in
    this worker only, each is kept cell by cell.

    - nbconvert colours every code cell with `pygments.highlight` (imported at each call), a fifth of
      a conversion: Pygments' function is wrapped by the memo of the site's code blocks
      (verified_snippets.highlight_memo).
    - nbconvert's BeautifulSoup pass over the whole page, three quarters of what is left
      (cellwise_soup).
    """
    import pygments  # type: ignore[import-untyped]  # Pygments ships no types

    from verified_snippets.highlight_memo import HighlightMemo

    from . import cellwise_soup

    if not isinstance(pygments.highlight, HighlightMemo):
        pygments.highlight = HighlightMemo(pygments.highlight)
    if cellwise_soup.installed() is None:
        cellwise_soup.install(cellwise_soup.CellwiseSoup())


def _keep_compiled_templates_once(folder: Path) -> None:
    """nbconvert makes a new Jinja environment for every conversion, and so compiles its templates
    again each time (a third of a conversion once the cells are kept). In this worker only, its
    environments share Jinja's own bytecode cache, which checks each template's source before use."""
    from jinja2 import FileSystemBytecodeCache
    from nbconvert.exporters.templateexporter import TemplateExporter

    create = TemplateExporter._create_environment
    if getattr(create, "keeps_compiled_templates", False):
        return
    folder.mkdir(parents=True, exist_ok=True)
    cache = FileSystemBytecodeCache(str(folder))

    def create_keeping_compiled_templates(self: Any) -> Any:
        environment = create(self)
        environment.bytecode_cache = cache
        return environment

    create_keeping_compiled_templates.keeps_compiled_templates = True  # type: ignore[attr-defined]
    TemplateExporter._create_environment = create_keeping_compiled_templates  # type: ignore[method-assign]


class NotebookPrewarm:
    """One worker process for the life of `mkdocs serve`; one conversion per changed notebook."""

    def __init__(self) -> None:
        # forkserver: a clean process, not a fork of the threaded server.
        self.pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("forkserver"))
        self.pool.submit(_warm_up)
        self.pending: dict[str, Future] = {}

    def start(self, notebooks: list[Path], settings: ConversionSettings) -> list[Path]:
        """Start converting each notebook whose entry is missing; returns those started."""
        started = []
        for notebook in notebooks:
            key = str(notebook.resolve())
            if key in self.pending or cache_path(notebook, settings).exists():
                continue
            self.pending[key] = self.pool.submit(convert_to_cache, key, settings)
            started.append(notebook)
        return started

    def wait(self, notebook: str) -> None:
        """Before the page renders: let the worker finish its entry (a failure only means mkdocs-jupyter converts it)."""
        future = self.pending.pop(str(Path(notebook).resolve()), None)
        if future is None:
            return
        try:
            future.result(timeout=300)
        except Exception as error:  # the page is converted inline instead; nothing is lost
            log.debug(f"{notebook}: converting in the background failed ({error!r}); converting it now")

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
