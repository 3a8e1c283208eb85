"""At phone width, the page body never scrolls sideways: wide formulas, code and tables scroll in their own box."""
from __future__ import annotations

import pytest

from .conftest import PHONE

pytestmark = pytest.mark.browser

# What is wider than the screen, and whether the box it sits in scrolls (or clips) it.
OVERFLOW_JS = """() => {
    const width = document.documentElement.clientWidth;
    const overflowing = [...document.querySelectorAll('article *')].filter(el => {
        const box = el.getBoundingClientRect();
        return box.width > 0 && (box.right > width + 1 || box.left < -1);
    });
    // An element sticking out is fine when an ancestor inside the page scrolls or clips it.
    const escaping = overflowing.filter(el => {
        for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
            if (!['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(p).overflowX)) continue;
            const box = p.getBoundingClientRect();
            if (box.right <= width + 1 && box.left >= -1) return false;  // scrolled or clipped inside the screen
        }
        return true;
    });
    return {
        scrollWidth: document.documentElement.scrollWidth, width,
        escaping: escaping.slice(0, 5).map(el => el.outerHTML.slice(0, 120)),
        scrolledInside: overflowing.length,
    };
}"""


def test_no_horizontal_scrolling_at_phone_width(new_session, site_page):
    session = new_session(viewport=PHONE, is_mobile=True, has_touch=True)
    page = session.open(site_page.url_path, settle=False)
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    found = page.evaluate(OVERFLOW_JS)
    assert found["escaping"] == [], f"{site_page.url_path}: these stick out of the screen: {found['escaping']}"
    assert found["scrollWidth"] <= found["width"], f"{site_page.url_path}: the page is {found['scrollWidth']} px wide on a {found['width']} px screen"
    session.assert_clean()


def test_the_overflow_check_catches_a_wide_element(new_session, site_page):
    """A formula made wider than the screen outside any scrolling box is reported."""
    if site_page.test_id != "home":
        pytest.skip("one page is enough to show the check can fail")
    session = new_session(viewport=PHONE, is_mobile=True, has_touch=True)
    page = session.open(site_page.url_path, settle=False)
    page.evaluate("""() => { const p = document.createElement('p'); p.style.width = '900px';
                             p.textContent = 'wide'; document.querySelector('article').append(p); }""")
    found = page.evaluate(OVERFLOW_JS)
    assert found["escaping"] and found["scrollWidth"] > found["width"]
