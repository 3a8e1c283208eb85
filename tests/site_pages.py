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


def english_article_sources(docs_dir: Path) -> list[Path]:
    """English pages (not home pages) that embed a snippet: the articles, as the tests find them."""
    found = []
    for page in sorted(docs_dir.glob("*.md")):
        if page.name.count(".") > 1 or page.stem == "index":
            continue
        embeds, _ = find_embeds(page.read_text(encoding="utf-8"))
        if any(e.snippet.endswith(".py") for e in embeds):
            found.append(page)
    return found


def sample_article(docs_dir: Path) -> tuple[Path, list[str]]:
    """The first article and the snippets it shows, in order: a sample for the tests that break a copy of the site."""
    articles = english_article_sources(docs_dir)
    assert articles, f"no article under {docs_dir}"
    embeds, _ = find_embeds(articles[0].read_text(encoding="utf-8"))
    return articles[0], list(dict.fromkeys(e.snippet for e in embeds if e.snippet.endswith(".py")))
