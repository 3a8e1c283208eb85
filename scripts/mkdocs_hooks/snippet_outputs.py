"""MkDocs hook: show each snippet's recorded output under its code, and bind run values.

A thin layer over `snippet_engine.site_state`; see that module for the logic.
`mkdocs build` never runs PyTorch: a stale or missing output is a warning (so
`--strict` fails).  `mkdocs serve` re-runs a changed snippet before rebuilding.
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from snippet_engine.layout import Project  # noqa: E402
from snippet_engine.site_state import SiteState  # noqa: E402

log = logging.getLogger("mkdocs.hooks.snippet_outputs")
_command = "build"
_site: SiteState | None = None


def on_startup(command, dirty):
    global _command
    _command = command


def on_config(config):
    global _site
    root = Path(config.config_file_path).resolve().parent
    if _site is None or _site.project.root != root:
        if _site is not None:
            _site.close()
        _site = SiteState(Project.at(root), runs_snippets=_command == "serve", progress=log.info)
    return config


def _nested_language_build(config) -> bool:
    """mkdocs-static-i18n builds each further language in a nested build, started from
    the first build's on_post_build while its `building` flag is set."""
    return bool(getattr(config.plugins.get("i18n"), "building", False))


def on_pre_build(config):
    if _nested_language_build(config):
        return  # the first language's build already ran the snippets and logged their warnings
    report = _site.prepare()
    for warning in report.warnings:
        log.warning(warning)


def _first_line_offset(page) -> int:
    """Lines of front matter that MkDocs removed before handing us the Markdown."""
    try:
        source = Path(page.file.abs_src_path).read_text(encoding="utf-8")
    except (OSError, TypeError):
        return 0
    head = page.markdown.lstrip("\n")[:200]
    index = source.find(head) if head else -1
    return source.count("\n", 0, index) - (len(page.markdown) - len(page.markdown.lstrip("\n"))) if index > 0 else 0


def on_page_markdown(markdown, page, config, files):
    rendered, problems = _site.render_page(markdown)
    offset = _first_line_offset(page)
    for problem in problems:
        log.warning(f"{config.docs_dir.rstrip('/').split('/')[-1]}/{page.file.src_path}:{problem.line + offset}: {problem.message}")
    return rendered


def on_post_build(config):
    for path in _site.never_shown():
        log.warning(f"{path} is not shown on any page; embed it in an article or remove it")


def on_shutdown():
    if _site is not None:
        _site.close()
