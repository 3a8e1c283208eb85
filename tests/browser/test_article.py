"""The articles, used as a reader would: copy code, switch to dark mode, search, switch language; screenshots.

Per-article tests run on every article found under docs/; behaviour that is the
same on every page (copying code, the palette) is tried on the first one.
"""
from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from .conftest import ARTICLES, DESKTOP, DOCS, PHONE, SCREENSHOTS, SNIPPETS
from .test_provenance import ALL_BLOCKS_LAID_OUT

pytestmark = pytest.mark.browser

SEARCH_TIMEOUT_MS = 15_000


def section_source(target: str) -> str:
    """The code of ``article/name.py:section`` as pymdownx.snippets includes it: the lines between the markers."""
    path, _, section = target.partition(":")
    lines = (SNIPPETS / path).read_text(encoding="utf-8").splitlines()
    start = lines.index(f"# --8<-- [start:{section}]")
    end = lines.index(f"# --8<-- [end:{section}]")
    return "\n".join(line for line in lines[start + 1 : end] if not line.lstrip().startswith("# --8<-- ["))


def test_copy_button_puts_the_code_on_the_clipboard(new_session, first_article_page):
    session = new_session(permissions=["clipboard-read", "clipboard-write"])
    page = session.open(first_article_page.url_path, settle=False)
    code_block = page.locator("div.highlight:has(+ .snippet-output)").first
    target = code_block.evaluate("el => el.nextElementSibling.dataset.snippet")
    code = code_block.locator("pre > code").text_content().removesuffix("\n")

    page.evaluate("navigator.clipboard.writeText('(clipboard not written yet)')")
    code_block.hover()
    code_block.get_by_role("button", name="Copy to clipboard").click()
    expect(page.locator(".md-dialog")).to_contain_text("Copied")

    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.rstrip("\n") == code, "the clipboard differs from the code block's text"
    if ":" in target:  # the code shown is the snippet's own source
        assert copied.rstrip("\n") == section_source(target)
    session.assert_clean()


def test_palette_toggle_switches_dark_mode_and_back(session, first_article_page):
    page = session.open(first_article_page.url_path, settle=False)
    body = page.locator("body")
    expect(body).to_have_attribute("data-md-color-scheme", "default")
    background_light = page.evaluate("getComputedStyle(document.body).backgroundColor")

    # page-weight: Material's "no transitions while switching" rule follows the reader's toggle, not the
    # attribute Material also sets at every load (which restyled the whole page twice).
    rules = page.evaluate("[...document.styleSheets].flatMap(s => { try { return [...s.cssRules].map(r => r.cssText) } catch { return [] } })")
    assert not [rule for rule in rules if "data-md-color-switching" in rule]
    assert [rule for rule in rules if "data-md-palette-toggled" in rule and "transition-duration" in rule]
    page.evaluate("""window.bodyAttributes = [];
        new MutationObserver(records => records.forEach(r => window.bodyAttributes.push([r.attributeName, document.body.hasAttribute(r.attributeName)])))
            .observe(document.body, {attributes: true})""")

    page.locator("form[data-md-component=palette] label:visible").click()
    expect(body).to_have_attribute("data-md-color-scheme", "slate")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != background_light
    page.wait_for_function("!document.body.hasAttribute('data-md-palette-toggled')")
    toggled = [present for name, present in page.evaluate("window.bodyAttributes") if name == "data-md-palette-toggled"]
    assert toggled[:1] == [True] and toggled[-1] is False, "the toggle did not turn transitions off for its switch"

    page.locator("form[data-md-component=palette] label:visible").click()
    expect(body).to_have_attribute("data-md-color-scheme", "default")
    session.assert_clean()


# Every insertion of <meta name="color-scheme"> and every change to one, from before the page's first byte.
RECORD_COLOR_SCHEME_CHANGES = """
window.colorSchemeChanges = [];
new MutationObserver(records => records.forEach(record => {
    const touched = record.type === "attributes" ? [record.target] : [...record.addedNodes, ...record.removedNodes];
    if (touched.some(node => node.nodeName === "META" && node.getAttribute("name") === "color-scheme"))
        window.colorSchemeChanges.push(record.type);
})).observe(document, {subtree: true, childList: true, attributes: true, attributeFilter: ["content", "name"]});
"""


def test_the_colour_scheme_is_declared_by_the_page_and_left_alone_while_it_loads(session, first_article_page):
    """page-weight: Material's script used to add this element and set it as the page loaded, and Chromium
    restyled the whole page for each change; now the page declares it and a reader's toggle still updates it."""
    session.context.add_init_script(RECORD_COLOR_SCHEME_CHANGES)
    page = session.open(first_article_page.url_path, settle=False)
    page.wait_for_function("document.body.hasAttribute('data-md-color-media')")  # Material has applied the palette
    declared = "[...document.querySelectorAll('meta[name=color-scheme]')].map(meta => meta.content)"
    assert page.evaluate(declared) == ["light"]
    assert page.evaluate("getComputedStyle(document.querySelector('header')).colorScheme") == "light"
    assert page.evaluate("window.colorSchemeChanges") == ["childList"], "only the parser's insertion was expected"

    toggle = page.locator("form[data-md-component=palette] label:visible")
    toggle.click()
    expect(page.locator("body")).to_have_attribute("data-md-color-scheme", "slate")
    page.wait_for_function(f"{declared}.join() === 'dark'")
    toggle.click()
    expect(page.locator("body")).to_have_attribute("data-md-color-scheme", "default")
    page.wait_for_function(f"{declared}.join() === 'light'")
    session.assert_clean()


# Every element added to the article after the parser: Material's script used to move each table into a wrapper.
RECORD_ARTICLE_INSERTIONS = """
window.articleInsertions = [];
document.addEventListener("DOMContentLoaded", () => {
    const article = document.querySelector("article");
    new MutationObserver(records => records.forEach(record => record.addedNodes.forEach(node => {
        if (node.nodeType === 1) window.articleInsertions.push(node.outerHTML.slice(0, 80));
    }))).observe(article, {subtree: true, childList: true});
});
"""


def first_page_with_a_table(built_site):
    for page in built_site.pages:
        if page.source is not None and "<table>" in (built_site.site_dir / page.html_path).read_text(encoding="utf-8"):
            return page
    pytest.skip("no page of this build has a classless table")


def test_tables_come_wrapped_and_are_not_moved_while_the_page_loads(session, built_site):
    """page-weight: Material's script wrapped each table after load, which restyled the whole article;
    the build now writes the wrapper, once, and the table still scrolls inside it."""
    session.context.add_init_script(RECORD_ARTICLE_INSERTIONS)
    page = session.open(first_page_with_a_table(built_site).url_path)
    tables = page.evaluate("""[...document.querySelectorAll("article table:not([class])")].map(table => [
        table.parentElement.className,
        [...table.parentElement.parentElement.classList].filter(name => name !== "pw-shown").join(" "),  // progressive_blocks marks shown blocks
        table.closest(".md-typeset__scrollwrap").parentElement.closest(".md-typeset__scrollwrap") === null,
        getComputedStyle(table.closest(".md-typeset__scrollwrap")).overflowX])""")
    assert tables and all(t == ["md-typeset__table", "md-typeset__scrollwrap", True, "auto"] for t in tables), tables
    assert not [html for html in page.evaluate("window.articleInsertions") if "md-typeset__scrollwrap" in html]
    session.assert_clean()


def search_as_a_person(page, query: str) -> None:
    """Focus the search box the way a reader does and type ``query``.

    ``keyboard.type`` presses a key per character, except for characters no
    key produces (CJK): those are inserted as text, with no key events, so
    Material would not notice them. A Space and a Backspace afterwards are
    real key presses and leave the query as typed.
    """
    box = page.locator(".md-search__input")
    if not box.is_visible():  # narrow screens: the magnifier in the header opens the search
        page.locator(".md-header label[for=__search]").click()
    box.click()
    page.keyboard.type(query, delay=20)
    page.keyboard.press("Space")
    page.keyboard.press("Backspace")
    expect(box).to_have_value(query)


def wait_for_result(page, url_path: str) -> None:
    """A search result links to ``url_path`` (any anchor or query)."""
    try:
        page.wait_for_function(
            """path => [...document.querySelectorAll('.md-search-result__list a[href]')]
                         .some(a => new URL(a.href).pathname === path)""",
            arg=url_path,
            timeout=SEARCH_TIMEOUT_MS,
        )
    except Exception:
        listed = page.locator(".md-search-result").inner_text()
        pytest.fail(f"no search result links to {url_path}; the result pane says:\n{listed}", pytrace=False)


def open_result(session, page, url_path: str) -> None:
    links = page.locator(".md-search-result__list a[href]")
    for i in range(links.count()):
        if urlsplit(links.nth(i).evaluate("a => a.href")).path == url_path:
            session.settle(page)
            links.nth(i).click()
            page.wait_for_url(lambda url: urlsplit(url).path == url_path)
            return
    pytest.fail(f"no search result links to {url_path}")


def chinese_query(article: str) -> str:
    """A Chinese word a reader would search for this article: the longest run of Han characters in
    its `##` headings that no other article's headings share (its own topic, not the site's)."""
    def runs(english: str) -> set[str]:
        text = (DOCS / english.replace(".md", ".zh.md")).read_text(encoding="utf-8")
        return {run for line in text.splitlines() if line.startswith("## ") for run in re.findall(r"[\u4e00-\u9fff]{2,}", line)}

    others = set().union(*(runs(name) for name in ARTICLES if name != article))
    own = sorted(runs(article) - others, key=lambda run: (-len(run), run))
    if not own:
        pytest.fail(f"{article}: its Chinese headings share every word with other articles; nothing to search for")
    return own[0]


def test_search_finds_the_article(session, article, article_page):
    page = session.open("/", settle=False)
    search_as_a_person(page, article.removesuffix(".md").replace("-", " "))  # the slug's words name the topic
    wait_for_result(page, article_page.url_path)
    open_result(session, page, article_page.url_path)
    expect(page.locator("h1")).to_be_visible()
    session.assert_clean()


def test_search_in_chinese_finds_the_chinese_article(new_session, article, chinese_article_page):
    session = new_session(locale="zh-CN")
    lang_root = "/" + chinese_article_page.url_path.strip("/").split("/")[0] + "/"
    page = session.open(lang_root, settle=False)
    search_as_a_person(page, chinese_query(article))
    wait_for_result(page, chinese_article_page.url_path)
    open_result(session, page, chinese_article_page.url_path)
    assert page.evaluate("document.documentElement.lang").lower().startswith("zh")
    session.assert_clean()


def index_requests(page) -> list[str]:
    return page.evaluate("performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('search_index'))")


def test_the_search_index_loads_on_the_first_use_of_search_not_with_the_page(session, first_article_page):
    """page-weight's search_index_on_demand: no 205 KB request on every page, and search still works."""
    page = session.open(first_article_page.url_path)
    assert index_requests(page) == [], "the page requested the search index as it loaded"
    search_as_a_person(page, "softmax")
    expect(page.locator(".md-search-result__item").first).to_be_visible()
    assert len(index_requests(page)) == 1
    session.assert_clean()


def test_a_page_opened_from_a_search_result_highlights_the_terms(session, first_article_page):
    """With `?h=`, the index is requested at once: search.highlight reads its settings to mark the terms."""
    page = session.open(first_article_page.url_path + "?h=softmax")
    expect(page.locator("mark[data-md-highlight]").first).to_be_attached()
    assert len(index_requests(page)) == 1
    session.assert_clean()


def switch_language(session, page, hreflang: str) -> None:
    """Open the header's language menu as a reader does (hover, it unfolds) and pick ``hreflang``."""
    session.settle(page)
    menu = page.locator(".md-header .md-select")
    menu.hover()
    link = menu.locator(f"a.md-select__link[hreflang='{hreflang}']")
    expect(link).to_be_visible()
    link.click()


def test_language_switcher_goes_to_the_twin_page_and_back(session, first_article_page, first_chinese_article_page):
    """The menu works (the same on every page); that every page's menu links its twin is checked
    without a browser, on every page, by test_i18n.py and test_publishing.py."""
    article_page, chinese_article_page = first_article_page, first_chinese_article_page
    page = session.open(article_page.url_path, settle=False)
    zh = chinese_article_page.lang
    switch_language(session, page, zh)
    page.wait_for_url(lambda url: urlsplit(url).path == chinese_article_page.url_path)
    expect(page.locator("html")).to_have_attribute("lang", zh)

    switch_language(session, page, article_page.lang)
    page.wait_for_url(lambda url: urlsplit(url).path == article_page.url_path)
    expect(page.locator("html")).to_have_attribute("lang", article_page.lang)
    session.assert_clean()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_screenshot(new_session, article, article_page, scheme, device):
    """Full-page screenshots into test-artifacts/screenshots/, for people to look at.

    `make test` takes them of the first article only (each long page at phone
    width is a 10-20 s capture); `make screenshots` takes every article's.
    """
    if article != ARTICLES[0] and not os.environ.get("LOSSES_ALL_SCREENSHOTS"):
        pytest.skip("make test takes the first article's screenshots; `make screenshots` takes every article's")
    phone = device == "phone"
    session = new_session(
        viewport=PHONE if phone else DESKTOP,
        color_scheme=scheme,
        is_mobile=phone,
        has_touch=phone,
        device_scale_factor=1,
    )
    page = session.open(article_page.url_path)
    # The palette follows the reader's system setting.
    expect(page.locator("body")).to_have_attribute("data-md-color-scheme", "slate" if scheme == "dark" else "default")
    page.evaluate("document.fonts.ready.then(() => document.fonts.size)")
    page.wait_for_function(ALL_BLOCKS_LAID_OUT, timeout=30_000)  # the article laid out whole (page-weight's progressive blocks)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{article_page.slug}-{scheme}-{device}.png"  # one set per article
    # A long page at phone width is a tall image: give the capture time on a busy machine.
    page.screenshot(path=str(path), full_page=True, animations="disabled", timeout=90_000)
    assert path.stat().st_size > 10_000
    session.assert_clean()


def test_code_blocks_are_mounted_when_they_scroll_into_view(session, built_site):
    """`content.lazy`: the last code block of the longest article gets its copy button only once it is seen.

    Mounting all of them at load forced a layout per block (the page budget's
    main cost on phones); if a Material upgrade drops the flag, the first
    assertion fails and the README's page budget is out of date.
    """
    articles = [p for p in built_site.pages if p.source is not None and p.source_name in ARTICLES and p.lang == "en"]
    longest = max(articles, key=lambda p: (built_site.site_dir / p.html_path).stat().st_size)
    page = session.open(longest.url_path, settle=False)
    blocks = page.locator("div.highlight:not(.snippet-output):has(pre > code)")
    last_block = page.locator("div.highlight:not(.snippet-output):visible:has(pre > code)").last  # not one in a closed <details>
    page.wait_for_timeout(500)  # let Material mount what it mounts at load
    copy_buttons = page.get_by_role("button", name="Copy to clipboard")
    mounted = copy_buttons.count()
    assert mounted < blocks.count(), f"all {blocks.count()} code blocks were mounted at load"
    assert last_block.get_by_role("button", name="Copy to clipboard").count() == 0, "the last code block was mounted before it was seen"
    last_block.scroll_into_view_if_needed()
    expect(last_block.get_by_role("button", name="Copy to clipboard")).to_have_count(1)
    session.assert_clean()
