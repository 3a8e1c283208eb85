"""Every bound number shows where it comes from: with a mouse, a keyboard, a finger and a screen reader.

The contract: each value binding of a page's Markdown is rendered inside an
element with `data-snippet="<path under snippets/>"` and `data-value="<name>[index]"`,
inside a link to the snippet's output (in prose an `<a>`; in a formula, which
is MathML and has no `<a>`, the marked MathML element itself, with the link
role, a tabindex and `data-href`) whose accessible name (as Chromium's
accessibility tree computes it, the name a screen reader announces) holds the
number, the value's name, the snippet, and the PyTorch version and date of the
run, read here from the committed JSON.
"""
from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from .conftest import PHONE, SNIPPETS
from .site_source import bindings_in_markdown, page_markdown

pytestmark = pytest.mark.browser

#: What each value's accessible name says in each language, besides the names themselves.
RUN_WORDS = {"en": "run with PyTorch {torch} on {date}", "zh": "由 PyTorch {torch} 于 {date} 运行得出"}

VALUES_JS = """() => [...document.querySelectorAll('[data-snippet][data-value]')].map(el => {
    const link = el.closest('a.run-value, .run-value[role=link]');
    return {
        snippet: el.dataset.snippet, value: el.dataset.value, text: el.textContent,
        href: link ? link.getAttribute('href') || link.getAttribute('data-href') : null,
        label: link ? link.getAttribute('aria-label') : null,
        inMath: !!el.closest('.katex'),
    };
})"""


def run_of(snippet: str) -> tuple[str, str]:
    """(PyTorch version, date of the run) from the snippet's committed output."""
    article, _, name = snippet.removesuffix(".py").rpartition("/")
    record = json.loads((SNIPPETS / article / "outputs" / f"{name}.json").read_text(encoding="utf-8"))
    return record["environment"]["torch"].split("+")[0], record["generated"][:10]


ALL_BLOCKS_LAID_OUT = "!document.documentElement.classList.contains('pw-progressive') || document.documentElement.hasAttribute('data-blocks-rendered')"


def accessible_link_names(session, page) -> list[str]:
    """The names of every link in Chromium's accessibility tree, as a screen reader gets them.

    Once the article is laid out: page-weight's progressive blocks keep most of it out of the
    tree for about a second after load (tests/browser/test_progressive_blocks.py).
    """
    page.wait_for_function(ALL_BLOCKS_LAID_OUT, timeout=30_000)
    cdp = session.context.new_cdp_session(page)
    nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    return [n.get("name", {}).get("value", "") for n in nodes if not n.get("ignored") and n.get("role", {}).get("value") == "link"]


def test_every_bound_value_carries_its_origin(session, site_page):
    expected = bindings_in_markdown(page_markdown(site_page.source))
    page = session.open(site_page.url_path, settle=False)
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")  # collapsed notes too
    shown = page.evaluate(VALUES_JS)
    assert [(v["snippet"], v["value"]) for v in shown] == expected, "the page's marked values differ from the bindings of its Markdown"
    if not expected:
        return

    language = "zh" if site_page.lang.lower().startswith("zh") else "en"
    names = accessible_link_names(session, page)
    for value in shown:
        where = f"{site_page.url_path}: {value['snippet']} {value['value']} ({value['text']})"
        assert value["href"], f"{where} is not inside a link"
        torch, date = run_of(value["snippet"])
        name = next((n for n in names if n == value["label"]), None)
        assert name is not None, f"{where}: no link in the accessibility tree is named {value['label']!r}"
        text = value["text"].replace("\u2212", "-")
        for part in (text, f"snippets/{value['snippet']}", value["value"], RUN_WORDS[language].format(torch=torch, date=date)):
            assert part in name.replace("\u2212", "-"), f"{where}: its accessible name {name!r} does not say {part!r}"
        assert name.replace("\u2212", "-").startswith(text), f"{where}: the name should start with the number shown ({name!r})"

    # Each link leads to an output of that snippet: a block on this page, or on the page that shows it.
    for value in shown:
        path, _, anchor = value["href"].partition("#")
        target = page if not path else session.open(page.evaluate("href => new URL(href, location.href).pathname", value["href"]), settle=False)
        found = target.evaluate(
            """id => { const el = document.getElementById(id);
                       return el && {cls: el.className, snippet: el.dataset.snippet || el.textContent}; }""",
            anchor,
        )
        assert found, f"{site_page.url_path}: {value['href']} leads nowhere"
        assert "snippet-output" in found["cls"] or "snippet-provenance" in found["cls"], f"{value['href']} is not an output block"
        assert value["snippet"] in found["snippet"], f"{value['href']} shows {found['snippet']}, not {value['snippet']}"
    session.assert_clean()


#: A bound value in a formula, and one in prose.
MATH_VALUE = ".katex .run-value"
PROSE_VALUE = "a.run-value:not(.katex a)"


def target_of(link) -> str:
    """The absolute URL a value's link leads to (an <a>'s href, or a MathML value's data-href)."""
    return link.evaluate("el => new URL(el.getAttribute('href') || el.getAttribute('data-href'), document.baseURI).href")


def previous_focusable_js() -> str:
    """Focuses the element a keyboard reaches just before `link` (so that one Tab reaches the link)."""
    return """link => {
        const all = [...document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')]
            .filter(el => el.tabIndex >= 0 && !el.closest('[aria-hidden=true], [hidden], [inert]')
                          && el.checkVisibility({visibilityProperty: true}));
        const before = all.slice(0, all.indexOf(link)).reverse().find(el => el !== link);
        before.focus();
        return before.outerHTML.slice(0, 80);
    }"""


@pytest.mark.parametrize("where", ["prose", "math"])
def test_keyboard_reaches_a_value_hears_its_origin_and_follows_it(session, article_page, where):
    page = session.open(article_page.url_path, settle=False)
    link = page.locator(MATH_VALUE if where == "math" else PROSE_VALUE).first
    # Material mounts a code block's copy button (focusable) once the block is on screen (content.lazy):
    # bring the value's neighbourhood on screen first, so that "the element before it" is final.
    link.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    link.evaluate(previous_focusable_js())
    page.keyboard.press("Tab")
    assert link.evaluate("el => el === document.activeElement"), "Tab did not reach the value"

    label = link.get_attribute("aria-label")
    card = page.locator(".run-value-card")
    expect(card).to_be_visible()
    expect(card).to_contain_text(label)
    expect(card).to_contain_text("Enter")
    assert page.evaluate("() => { const b = document.querySelector('.run-value-card').getBoundingClientRect(); return b.left >= 0 && b.right <= innerWidth; }")
    # A screen reader gets the same sentence from the link itself (the card is for the eyes only).
    expect(page.get_by_role("link", name=label, exact=True)).to_have_count(page.locator(f'.run-value[aria-label="{label}"]').count())
    assert card.get_attribute("aria-hidden") == "true"

    page.keyboard.press("Escape")
    expect(card).to_be_hidden()
    absolute = target_of(link)  # the output may be on another page (the article that shows it)
    page.keyboard.press("Enter")
    page.wait_for_function("url => location.href === url", arg=absolute)
    target = page.locator("#" + absolute.partition("#")[2])
    expect(target).to_be_in_viewport()
    session.assert_clean()


def test_mouse_hover_shows_the_origin_and_a_click_goes_to_the_output(session, article_page):
    page = session.open(article_page.url_path, settle=False)
    link = page.locator(MATH_VALUE).first
    link.scroll_into_view_if_needed()
    link.hover()
    card = page.locator(".run-value-card")
    expect(card).to_contain_text(link.get_attribute("aria-label"))
    card.hover()  # the card can be reached with the pointer without vanishing
    page.wait_for_timeout(400)
    expect(card).to_be_visible()
    page.mouse.move(1, 400)
    expect(card).to_be_hidden()
    absolute = target_of(link)
    link.click()
    page.wait_for_function("url => location.href === url", arg=absolute)
    session.assert_clean()


@pytest.mark.parametrize("where", ["prose", "math"])
def test_a_tap_shows_the_origin_and_a_second_tap_follows_the_link(new_session, article_page, where):
    session = new_session(viewport=PHONE, is_mobile=True, has_touch=True)
    page = session.open(article_page.url_path, settle=False)
    link = page.locator(MATH_VALUE if where == "math" else PROSE_VALUE).nth(1)
    link.scroll_into_view_if_needed()
    before = page.url
    link.tap()
    card = page.locator(".run-value-card")
    expect(card).to_contain_text(link.get_attribute("aria-label"))
    expect(card).to_contain_text("Tap again")
    assert page.url == before, "the first tap followed the link"
    box = card.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], f"the card leaves the screen: {box}"
    absolute = target_of(link)
    link.tap()
    page.wait_for_function("url => location.href === url", arg=absolute)
    session.assert_clean()


def test_chinese_values_are_named_in_chinese(session, chinese_article_page):
    page = session.open(chinese_article_page.url_path, settle=False)
    label = page.locator(".run-value").first.get_attribute("aria-label")
    assert "运行得出" in label and "run with" not in label
    page.locator(".run-value").first.focus()
    expect(page.locator(".run-value-card")).to_contain_text("回车")
    session.assert_clean()


def test_the_accessibility_check_catches_a_value_hidden_from_screen_readers(session):
    """KaTeX's HTML is aria-hidden: a link left inside it is missing from the tree the first test reads."""
    page = session.context.new_page()
    page.set_content(
        '<p><span aria-hidden="true"><a class="run-value" href="#x" aria-label="1: v from snippets/a/b.py">1</a></span>'
        ' <a class="run-value" href="#x" aria-label="2: w from snippets/a/b.py">2</a></p>'
    )
    names = accessible_link_names(session, page)
    assert "2: w from snippets/a/b.py" in names and "1: v from snippets/a/b.py" not in names
