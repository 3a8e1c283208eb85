"""The real site's pages and snippets, read the way the engine reads them."""
from __future__ import annotations

from pathlib import Path

from verified_snippets.layout import Project
from verified_snippets.page_markup import find_bindings, find_embeds


def pages(project: Project) -> list[Path]:
    return sorted(project.docs_dir.rglob("*.md"))


def embeds_by_page(project: Project) -> dict[Path, tuple[list, list]]:
    return {page: find_embeds(page.read_text(encoding="utf-8")) for page in pages(project)}


def article_pages(project: Project) -> list[Path]:
    """Pages, in every language, that show a snippet or bind one of its values."""
    found = []
    for page in pages(project):
        markdown = page.read_text(encoding="utf-8")
        if "--8<--" in markdown or "{{" in markdown:
            embeds, _ = find_embeds(markdown)
            if any(e.snippet.endswith(".py") for e in embeds) or find_bindings(markdown):
                found.append(page)
    return found
