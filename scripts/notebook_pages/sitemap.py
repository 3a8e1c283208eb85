"""Notebook pages in the sitemap, with their language alternates.

mkdocs-static-i18n writes the sitemap from the files it knows as pages, and
to it a notebook is an asset (notebook_pages re-wraps it as a page only after
i18n's own file pass), so the notebook pages were missing from sitemap.xml.
This adds one `<url>` per notebook page and language, shaped like i18n's
entries: every language's address as an `xhtml:link` alternate.
"""
from __future__ import annotations

import gzip
import html
from pathlib import Path

SITEMAP = "sitemap.xml"


def notebook_entries(urls_by_language: dict[str, dict[str, str]], site_url: str) -> str:
    """`<url>` elements for `{notebook source: {language: page url}}`, in source order."""
    entries = []
    for _source, urls in sorted(urls_by_language.items()):
        alternates = "".join(
            f'\n        <xhtml:link rel="alternate" hreflang="{html.escape(lang)}" href="{html.escape(site_url + url)}"/>'
            for lang, url in urls.items()
        )
        for url in urls.values():
            entries.append(f"\n    <url>\n        <loc>{html.escape(site_url + url)}</loc>\n        <changefreq>daily</changefreq>{alternates}\n    </url>")
    return "".join(entries)


def add_to_sitemap(site_dir: Path, urls_by_language: dict[str, dict[str, str]], site_url: str) -> bool:
    """Add the notebook pages to `site_dir/sitemap.xml` (and its .gz); False if there is no sitemap or nothing to add."""
    sitemap = site_dir / SITEMAP
    if not urls_by_language or not site_url or not sitemap.is_file():
        return False
    text = sitemap.read_text(encoding="utf-8")
    missing = {source: urls for source, urls in urls_by_language.items() if not any(f"<loc>{html.escape(site_url + url)}</loc>" in text for url in urls.values())}
    if not missing or "</urlset>" not in text:
        return False
    text = text.replace("</urlset>", notebook_entries(missing, site_url) + "\n</urlset>", 1)
    sitemap.write_text(text, encoding="utf-8")
    with gzip.GzipFile(site_dir / (SITEMAP + ".gz"), "wb", mtime=0) as packed:
        packed.write(text.encode("utf-8"))
    return True
