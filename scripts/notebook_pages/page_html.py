"""Clean-ups of a rendered notebook page, and the article's notebook links."""
from __future__ import annotations

import html
import posixpath
import re

from verified_snippets.page_structure import insert_after_title

__all__ = ["insert_after_title", "notebook_links", "strip_remote_scripts"]

# nbconvert's templates load MathJax and Mermaid from a CDN. The site makes no
# outside requests, and the generated notebooks hold no math or diagrams.
_MATHJAX = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S)
_REMOTE_SCRIPT = re.compile(r"<script\b[^>]*\bsrc=[\"']https?://[^\"']*[\"'][^>]*>\s*</script>", re.S | re.I)
_REMOTE_MODULE = re.compile(r"<script\b[^>]*type=[\"']module[\"'][^>]*>(?:(?!</script>).)*?https?://(?:(?!</script>).)*</script>", re.S | re.I)


def strip_remote_scripts(page_html: str) -> tuple[str, int]:
    """Remove script tags that would fetch from another host; returns (html, how many)."""
    count = 0
    for pattern in (_MATHJAX, _REMOTE_SCRIPT, _REMOTE_MODULE):
        page_html, n = pattern.subn("", page_html)
        count += n
    return page_html, count


LABELS = {
    "en": ("Download the notebook (.ipynb)", "Open the notebook", "Run this article yourself:"),
    "zh": ("下载 Notebook（.ipynb）", "打开 Notebook 页面", "自己动手运行本文的代码："),
}


def notebook_links(language: str, page_url: str, notebook_page_url: str, notebook_file_url: str) -> str:
    """An HTML paragraph with the download and open links, relative to the page."""
    download, open_, lead = LABELS.get(language, LABELS["en"])
    # With directory URLs a page's URL is its folder ("cross-entropy/"); otherwise a file.
    base = (page_url if page_url.endswith("/") else posixpath.dirname(page_url)).rstrip("/") or "."

    def relative(target: str) -> str:
        rel = posixpath.relpath(target.rstrip("/") or ".", base)
        return rel + "/" if target.endswith("/") else rel

    return (
        f'<p class="notebook-links">{html.escape(lead)} '
        f'<a class="md-button md-button--primary" href="{html.escape(relative(notebook_file_url))}" download>{html.escape(download)}</a> '
        f'<a class="md-button" href="{html.escape(relative(notebook_page_url))}">{html.escape(open_)}</a></p>'
    )

