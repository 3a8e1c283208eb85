"""Formulas as Chromium lays out MathML: the site's math font is used, and `aligned` columns line up.

MathML Core ignores `columnalign`, so the alignment of an `aligned` block
rests on the classes Temml writes and the rules of the site's math stylesheet;
the font rests on the subset the build writes. Both are checked on the pages
with the most formulas, as a reader's browser shows them.
"""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

#: For each `aligned` table: how far apart the edges that should line up are, in CSS pixels
#: (right edges of the left column's contents, left edges of the right column's).
ALIGNMENT_JS = """() => [...document.querySelectorAll('mtable')].filter(t => t.querySelector(':scope > mtr > mtd.tml-left')).map(table => {
    const spread = (cells, edge) => {
        const xs = cells.map(cell => { const box = cell.firstElementChild.getBoundingClientRect(); return edge === 'left' ? box.left : box.right; });
        return Math.max(...xs) - Math.min(...xs);
    };
    const rows = [...table.querySelectorAll(':scope > mtr')];
    const column = (i, cls) => rows.map(r => r.children[i]).filter(c => c && c.classList.contains(cls) && c.firstElementChild);
    return {
        tex: table.closest('math').querySelector('annotation')?.textContent.slice(0, 60),
        right: spread(column(0, 'tml-right'), 'right'),
        left: spread(column(1, 'tml-left'), 'left'),
        rows: rows.length,
    };
})"""


def misaligned(page) -> list[dict]:
    tables = page.evaluate(ALIGNMENT_JS)
    assert tables, "no aligned block found"
    return [t for t in tables if t["rows"] > 1 and (t["right"] > 0.5 or t["left"] > 0.5)]


@pytest.mark.parametrize("slug", ["cross-entropy", "cross-entropy-gradient", "zh/cross-entropy"])
def test_aligned_columns_line_up(session, slug):
    page = session.open(f"{slug}/")
    assert misaligned(page) == []
    session.assert_clean()


def test_the_alignment_check_catches_columns_left_centred(session):
    """Without the stylesheet's rules (as with KaTeX's MathML, which Chromium centres), the check fails."""
    page = session.open("cross-entropy/")
    page.add_style_tag(content="mtd.tml-left, mtd.tml-right { text-align: center !important; }")
    assert misaligned(page)


def test_formulas_use_the_sites_math_font_and_it_loads(session):
    page = session.open("cross-entropy/")
    page.evaluate("document.fonts.ready")
    family = page.evaluate("getComputedStyle(document.querySelector('.arithmatex math')).fontFamily")
    assert family.split(",")[0].strip().strip('"') == "STIX2", family
    loaded = page.evaluate("[...document.fonts].filter(f => f.family.replace(/\"/g, '') === 'STIX2').map(f => f.status)")
    assert loaded == ["loaded"], loaded
    session.assert_clean()


def test_the_math_font_is_fetched_once_by_the_pages_preload(session):
    """The preload and math.css name the same URL: one request, started by the <link> in the head.

    Without the preload the font arrived after the first layout and lines with
    inline math moved when it swapped in; a preload under another URL, or
    without crossorigin, would fetch the font a second time.
    """
    page = session.open("cross-entropy/")
    page.evaluate("document.fonts.ready")
    fetched = page.evaluate("performance.getEntriesByType('resource').filter(e => e.name.endsWith('.woff2')).map(e => [e.name.split('/').pop(), e.initiatorType])")
    assert fetched == [["math.woff2", "link"]], fetched
    session.assert_clean()
