"""page-weight's progressive blocks: the article skipped at first, laid out a few blocks at a time, then whole.

Skipped content (`content-visibility: auto`) is missing from Chromium's
accessibility tree, so the reveal must finish, and on its own: every bound
value's link is in the tree once `data-blocks-rendered` is set. Without
JavaScript nothing is skipped at all, and a page opened at an anchor ends at
that anchor.
"""
from __future__ import annotations

import pytest

from .conftest import ARTICLES, PHONE
from .test_provenance import ALL_BLOCKS_LAID_OUT, accessible_link_names

pytestmark = pytest.mark.browser

BLOCK_STATES = """() => [...document.querySelectorAll('.md-content__inner > *')].map(block =>
    [block.tagName.toLowerCase(), getComputedStyle(block).contentVisibility])"""


def longest_article(built_site):
    articles = [p for p in built_site.pages if p.source is not None and p.source_name in ARTICLES and p.lang == "en"]
    return max(articles, key=lambda p: (built_site.site_dir / p.html_path).stat().st_size)


def test_the_article_starts_skipped_and_is_laid_out_whole_by_itself(new_session, built_site):
    session = new_session(viewport=PHONE, is_mobile=True, has_touch=True)
    # The blocks' states as the document is parsed, before the reveal can start (it waits for load).
    session.context.add_init_script(f"document.addEventListener('DOMContentLoaded', () => {{ window.firstStates = ({BLOCK_STATES})(); }})")
    page = session.context.new_page()
    page.goto(longest_article(built_site).url_path, wait_until="load")
    first = page.evaluate("window.firstStates")
    skipped = [tag for tag, state in first if state == "auto"]
    assert len(skipped) > len(first) // 2, f"most of the article should start skipped: {first[:10]}"
    assert not [tag for tag, state in first if state == "auto" and tag in ("h1", "h2", "h3", "ul", "ol")], "headings and lists are never skipped"
    page.wait_for_function(ALL_BLOCKS_LAID_OUT, timeout=30_000)
    assert {state for _, state in page.evaluate(BLOCK_STATES)} == {"visible"}
    values = page.evaluate("document.querySelectorAll('.run-value').length")
    names = [name for name in accessible_link_names(session, page) if " from snippets/" in name or " 来自 snippets/" in name]
    assert values > 0 and len(names) >= values - page.evaluate("document.querySelectorAll('details:not([open]) .run-value').length")
    session.assert_clean()


def test_without_javascript_nothing_is_skipped(new_session, built_site):
    session = new_session(java_script_enabled=False)
    page = session.context.new_page()
    page.goto(longest_article(built_site).url_path, wait_until="load")
    assert {state for _, state in page.evaluate(BLOCK_STATES)} == {"visible"}


def test_a_page_opened_at_an_anchor_ends_at_that_anchor(new_session, built_site):
    session = new_session(viewport=PHONE, is_mobile=True, has_touch=True)
    page = session.context.new_page()
    article = longest_article(built_site)
    page.goto(article.url_path, wait_until="load")
    anchor = page.evaluate("[...document.querySelectorAll('.md-content__inner > h2[id]')].at(-1).id")  # the last section
    page.goto(f"{article.url_path}#{anchor}", wait_until="load")
    page.wait_for_function(ALL_BLOCKS_LAID_OUT, timeout=30_000)
    top = page.evaluate(f"document.getElementById({anchor!r}).getBoundingClientRect().top")
    assert 0 <= top <= 150, f"#{anchor} is at {top}px from the top of the window once the article is laid out"
    session.assert_clean()


def test_a_malformed_anchor_still_lets_the_whole_article_be_laid_out(new_session, built_site):
    session = new_session(viewport=PHONE, is_mobile=True, has_touch=True)
    page = session.context.new_page()
    page.goto(f"{longest_article(built_site).url_path}#%E0%A4%A", wait_until="load")  # decodeURIComponent throws on it
    page.wait_for_function(ALL_BLOCKS_LAID_OUT, timeout=30_000)
    assert {state for _, state in page.evaluate(BLOCK_STATES)} == {"visible"}
    session.assert_clean()
