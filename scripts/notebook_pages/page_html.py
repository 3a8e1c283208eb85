"""Clean-ups of a rendered notebook page, and the article's notebook links."""
from __future__ import annotations

import base64
import binascii
import functools
import html
import posixpath
import re

from verified_snippets.page_structure import insert_after_title

__all__ = ["cleaned_notebook_page", "insert_after_title", "notebook_links", "strip_remote_scripts"]

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


_SVG_IMAGE = re.compile(r'(<div class="jp-RenderedSVG[^"]*"[^>]*>)\s*<img\b[^>]*\bsrc="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"[^>]*>', re.S)
_ACTIVE_SVG = re.compile(r"<script|<foreignObject|\son\w+\s*=|javascript:", re.I)


def inline_svg_figures(page_html: str) -> tuple[str, int]:
    """Figures that nbconvert put in as `<img src="data:image/svg+xml;base64,...">`, inlined; returns (html, how many).

    Inline, a figure of the verified-snippets engine follows the page's palette and
    fonts (its colours are CSS variables and currentColor, which an image cannot
    see) and keeps the accessible name the notebook gives it (role="img",
    aria-label); as an image it would be labelled "No description has been
    provided". An SVG with anything active in it (scripts, event handlers) stays an image.
    """
    count = 0

    def inline(match: re.Match[str]) -> str:
        nonlocal count
        try:
            svg = base64.b64decode(match.group(2)).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return match.group(0)
        if not svg.lstrip().startswith("<svg") or _ACTIVE_SVG.search(svg):
            return match.group(0)
        count += 1
        return f'{match.group(1)}<div class="snippet-figure">{svg}</div>'

    return _SVG_IMAGE.sub(inline, page_html), count


@functools.lru_cache(maxsize=16)
def cleaned_notebook_page(page_html: str) -> str:
    """A notebook page without remote scripts and with its SVG figures inline.

    Kept by the page's HTML (both clean-ups are functions of it alone): under
    `mkdocs serve` every rebuild renders every notebook page of both languages
    again, mostly unchanged, and the script patterns cost about 5 ms a page.
    """
    cleaned, _removed = strip_remote_scripts(page_html)
    cleaned, _inlined = inline_svg_figures(cleaned)
    return cleaned


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

