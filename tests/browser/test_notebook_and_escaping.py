"""In the browser: the article's notebook downloads and opens; printed HTML is shown, never run."""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from site_checks.local_site_server import served

from .conftest import DOCS, Session

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", ["en", "zh"])
def test_notebook_downloads_from_the_article_and_opens_as_a_page(session, built_site, article, language):
    slug = article.removesuffix(".md")
    source = DOCS / (article if language == "en" else f"{slug}.zh.md")
    page_of_article = next(p for p in built_site.pages if p.source == source)
    page = session.open(page_of_article.url_path, settle=False)
    links = page.locator("p.notebook-links")
    assert links.is_visible()
    # The links sit right under the title, before the first section.
    assert page.evaluate("() => document.querySelector('p.notebook-links').compareDocumentPosition(document.querySelector('h2')) & Node.DOCUMENT_POSITION_FOLLOWING")

    with page.expect_download() as download_info:
        links.locator("a[download]").click()
    downloaded = download_info.value
    notebook = nbformat.reads(Path(downloaded.path()).read_text(encoding="utf-8"), as_version=4)
    nbformat.validate(notebook)
    assert notebook == nbformat.read(DOCS / "notebooks" / f"{slug}.ipynb", as_version=4)

    session.settle(page)
    links.locator("a:not([download])").click()
    session.settle(page)
    assert page.url.rstrip("/").endswith(f"/notebooks/{slug}" if language == "en" else f"/zh/notebooks/{slug}")
    assert page.locator(".jupyter-wrapper .jp-Cell").count() > 10
    assert page.evaluate("document.documentElement.lang") == language
    session.assert_clean()  # nothing requested from outside 127.0.0.1, no console errors


@pytest.fixture
def hostile_site(scratch_site):
    """A scratch copy of the site whose home page shows a snippet that prints HTML."""
    from conftest import show_snippet_on_home_pages

    site_dir = show_snippet_on_home_pages(scratch_site, "cross_entropy/prints_html.py", "print('<script>alert(1)</script>')\nprint('<img src=x onerror=alert(2)>')\n")
    with served(site_dir) as url:
        yield url


def test_printed_html_is_shown_as_text_and_never_executed(browser, hostile_site):
    session = Session(browser, hostile_site)
    try:
        dialogs = []
        session.context.on("page", lambda p: p.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss())))
        page = session.open("/")
        output = page.locator('.snippet-output[data-snippet="cross_entropy/prints_html.py"]')
        assert output.is_visible()
        assert output.locator("code").inner_text().strip() == "<script>alert(1)</script>\n<img src=x onerror=alert(2)>"
        assert page.locator("main img[src='x']").count() == 0
        page.wait_for_timeout(500)
        assert dialogs == []
    finally:
        session.close()
