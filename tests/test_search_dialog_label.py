"""The plugin that names Material's search dialog for screen readers."""
from __future__ import annotations

from search_dialog_label.dialog_html import label_search_dialog


def test_search_dialog_gets_the_label_of_its_search_box():
    page = '<div class="md-search" data-md-component="search" role="dialog"><input type="text" class="md-search__input" aria-label="搜索"></div>'
    assert 'role="dialog" aria-label="搜索"' in label_search_dialog(page)
    assert label_search_dialog("<p>no search</p>") == "<p>no search</p>"


# ---------------------------------------------------------------------------- code spans (code_spans)

import pytest  # noqa: E402  # the tests above need nothing

from search_dialog_label.code_spans import without_code_spans  # noqa: E402


def sections(html: str) -> list[tuple]:
    """What Material's search makes entries from: each section's id, title and text, joined."""
    from material.plugins.search.plugin import Parser

    parser = Parser()
    parser.feed(html)
    parser.close()
    return [(s.id, "".join(s.title), "".join(s.text), s.is_excluded()) for s in parser.data]


def test_every_page_of_the_site_gives_search_the_same_sections_without_its_code_spans(real_site):
    pages = sorted(real_site.rglob("*.html"))
    assert len(pages) > 20
    lighter = 0
    for path in pages:
        html = path.read_text(encoding="utf-8")
        lean = without_code_spans(html)
        assert sections(lean) == sections(html), path
        lighter += len(lean) < len(html)
    assert lighter >= 8  # every article, in both languages, has coloured code


@pytest.mark.parametrize("html", [
    '<pre><code><span class="n">x</span> <span data-search-exclude>hidden</span> <span class="o">=</span> 1</code></pre>',
    '<pre><code><span class="linenodiv">1\n2</span><span class="n">y</span></code></pre>',
    '<pre><code><span class="n"><span id="line-1">z</span></span></code></pre>',
])
def test_a_span_that_changes_what_search_reads_is_kept(html):
    lean = without_code_spans(html)
    assert sections(lean) == sections(html)
    assert lean != html and "<span" in lean  # the plain spans went, the others stayed
    naive = html.replace('<span class="n">', "").replace("</span>", "")
    assert "<span" not in naive or sections(naive) != sections(html)  # dropping every end tag would not do


def test_spans_that_do_not_pair_up_are_left_as_they_are():
    for html in ('<pre><span class="n">open', '<pre>x</span><span class="n">y</span></pre>', '<pre><span class="n">a</pre>'):
        assert without_code_spans(html) == html
    assert without_code_spans("<p><span class='n'>not code</span></p>") == "<p><span class='n'>not code</span></p>"
