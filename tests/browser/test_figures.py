"""Figures on the article, in Chromium: rendered, visible, named, in both languages and both palettes, with contrast.

What the page must show is read from the sources, not asked of the build: the
sections the Markdown embeds, and the figures and alt texts their committed
records list. Contrast is measured on what Chromium computes for each stroke
and each text of the inline SVG (colour, opacity of the element and of its
ancestors) against the page's background: at least 3:1 for lines and shapes,
4.5:1 for text (WCAG's non-text and text minimums). Each figure is also
screenshot, in both palettes, into test-artifacts/screenshots/ for people to
look at, and the screenshot must hold pixels of that contrast.
"""
from __future__ import annotations

import io
import json

import pytest
from PIL import Image
from playwright.sync_api import expect

from .conftest import SCREENSHOTS, SNIPPETS
from .site_source import embeds_in_markdown, page_markdown

pytestmark = pytest.mark.browser

LINE_CONTRAST, TEXT_CONTRAST = 3.0, 4.5

#: For every text and every stroked or solidly filled shape of each figure: its colour as seen over the
#: page's background (alpha and opacities blended in), and what it is.
MEASURE = """figure => {
    const parse = c => (c.match(/[\\d.]+/g) || []).map(Number);
    const bodyColour = parse(getComputedStyle(document.body).backgroundColor);
    const blend = (colour, alpha) => colour.slice(0, 3).map((v, i) => v * alpha + bodyColour[i] * (1 - alpha));
    const opacityOf = el => { let o = 1; for (let e = el; e && e !== figure; e = e.parentElement) o *= parseFloat(getComputedStyle(e).opacity); return o; };
    const seen = [];
    for (const el of figure.querySelectorAll('svg *')) {
        const style = getComputedStyle(el);
        if (style.display === 'none' || style.visibility === 'hidden') continue;
        const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
        const paint = (kind, value, alphaName) => {
            if (!value || value === 'none') return;
            const colour = parse(value);
            const alpha = (colour.length > 3 ? colour[3] : 1) * parseFloat(style[alphaName]) * opacityOf(el);
            seen.push({kind, tag: el.tagName, alpha, colour: blend(colour, alpha), text: own ? el.textContent.trim() : ''});
        };
        if ((el.tagName === 'text' || el.tagName === 'tspan') && own) paint('text', style.fill, 'fillOpacity');
        else if (['path', 'use', 'line', 'polyline', 'polygon', 'rect', 'circle', 'ellipse'].includes(el.tagName)) {
            if (parseFloat(style.strokeWidth) > 0) paint('line', style.stroke, 'strokeOpacity');
            paint('fill', style.fill, 'fillOpacity');
        }
    }
    return {background: bodyColour.slice(0, 3), seen};
}"""


def luminance(rgb) -> float:
    channels = [c / 255 for c in rgb]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_is_measured_as_wcag_does():
    assert contrast((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0)
    assert contrast((176, 176, 176), (255, 255, 255)) < LINE_CONTRAST  # matplotlib's grid grey would fail on white
    assert contrast((31, 119, 180), (30, 32, 41)) < TEXT_CONTRAST  # tab10's blue on Material's dark background


def expected_figures(page) -> list[dict]:
    """The figures of every section the page's Markdown embeds, from the committed records, in page order."""
    found = []
    for target in embeds_in_markdown(page_markdown(page.source)):
        name, _, section = target.partition(":")
        record = json.loads((SNIPPETS / name.rpartition("/")[0] / "outputs" / (name.rpartition("/")[2][:-3] + ".json")).read_text())
        found += [dict(figure, snippet=name) for figure in record.get("figures", []) if not section or figure["section"] == section]
    return found


def problems_of(measured: dict, name: str) -> list[str]:
    problems = []
    background = measured["background"]
    for item in measured["seen"]:
        if item["kind"] == "fill" and (item["alpha"] < 0.5 or contrast(item["colour"], background) < 1.05):
            continue  # a translucent area or the figure's own background, not a mark to read
        needed = TEXT_CONTRAST if item["kind"] == "text" else LINE_CONTRAST
        ratio = contrast(item["colour"], background)
        if ratio < needed:
            what = f"text {item['text']!r}" if item["text"] else f"{item['kind']} of a <{item['tag']}>"
            problems.append(f"{name}: {what} has contrast {ratio:.2f}:1 against the background, under {needed}:1")
    return problems


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("language", ["en", "zh"])
def test_figures_are_shown_named_and_readable(new_session, article_page, chinese_article_page, language, scheme):
    site_page = article_page if language == "en" else chinese_article_page
    expected = expected_figures(site_page)
    assert expected, f"{site_page.source.name} embeds no section with a figure"
    session = new_session(color_scheme=scheme, device_scale_factor=1)
    page = session.open(site_page.url_path)
    page.evaluate("document.fonts.ready.then(() => document.fonts.size)")
    expect(page.locator("body")).to_have_attribute("data-md-color-scheme", "slate" if scheme == "dark" else "default")
    figures = page.locator("figure.snippet-figure")
    assert figures.count() == len(expected), f"{site_page.url_path}: {figures.count()} figures, the sources give {len(expected)}"
    problems = []
    for index, figure in enumerate(expected):
        element = figures.nth(index)
        assert element.get_attribute("data-figure") == figure["name"]
        assert element.get_attribute("data-snippet") == f"{figure['snippet']}:{figure['section']}"
        svg = element.locator("svg")
        assert svg.get_attribute("role") == "img"
        assert svg.get_attribute("aria-label") == figure["alt"][language], f"{figure['name']}: not the alt text the snippet gives in '{language}'"
        element.scroll_into_view_if_needed()
        # A page may draw blocks only once they are near the screen (content-visibility, lazy loading), and keep
        # a placeholder size until then: wait for the figure's first drawing, not for a fixed time.
        page.wait_for_function("el => el.getBoundingClientRect().width > 300", arg=element.element_handle(), timeout=5000)
        box = element.bounding_box()
        assert element.is_visible() and box and box["width"] > 300 and box["height"] > 100, f"{figure['name']} is not visible: {box}"
        # Under its section's code (and output), followed by the provenance line.
        neighbours = element.evaluate("el => [el.previousElementSibling?.className || '', el.nextElementSibling?.className || '']")
        assert "highlight" in neighbours[0] or "snippet-output" in neighbours[0] or "snippet-figure" in neighbours[0], neighbours
        assert "snippet-provenance" in neighbours[1] or "snippet-figure" in neighbours[1], neighbours
        shown = element.locator("svg text").all_text_contents()
        for translated in figure["text"].get(language, {}).values():
            assert translated in shown, f"{figure['name']}: {translated!r} is not shown on the '{language}' page"
        measured = element.evaluate(MEASURE)
        assert sum(item["kind"] == "text" for item in measured["seen"]) >= 3 and any(item["kind"] == "line" for item in measured["seen"])
        problems += problems_of(measured, f"{language}/{scheme}/{figure['name']}")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"figure-{figure['name']}-{language}-{scheme}.png"
        element.screenshot(path=str(path), animations="disabled")
        assert readable_pixels(path.read_bytes(), measured["background"]) > 0.01, f"{path.name}: hardly a pixel stands out from the background"
    assert problems == [], "\n".join(problems)
    session.assert_clean()


def readable_pixels(png: bytes, background) -> float:
    """The share of a screenshot's pixels with line contrast (3:1) against the background."""
    pixels = list(Image.open(io.BytesIO(png)).convert("RGB").get_flattened_data())
    return sum(contrast(p, background) >= LINE_CONTRAST for p in pixels) / len(pixels)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_contrast_check_catches_a_faint_label_and_a_faint_line(new_session, article_page, scheme):
    """The measurement above, on a figure whose first label and first line are made faint on purpose."""
    session = new_session(color_scheme=scheme)
    page = session.open(article_page.url_path, settle=False)
    figure = page.locator("figure.snippet-figure").first
    faint = "#bbbbbb" if scheme == "light" else "#44475a"
    figure.evaluate(f"""el => {{
        el.querySelector('svg text').style.fill = '{faint}';
        [...el.querySelectorAll('svg path')].find(p => getComputedStyle(p).stroke !== 'none').style.stroke = '{faint}';
    }}""")
    problems = problems_of(figure.evaluate(MEASURE), "faint")
    assert any(p.startswith("faint: text ") and "under 4.5:1" in p for p in problems), problems
    assert any(p.startswith("faint: line of a <path>") and "under 3.0:1" in p for p in problems), problems
