"""Every page of the built site, in Chromium: loads cleanly, shows every formula and every snippet output."""
from __future__ import annotations

import pytest

from .conftest import SNIPPETS
from .site_source import committed_output, embeds_in_markdown, formulas_in_markdown, page_markdown, tex_pattern

pytestmark = pytest.mark.browser


def test_page_loads_without_errors(session, site_page):
    page = session.open(site_page.url_path)
    assert page.title().strip(), f"{site_page.url_path} has no <title>"
    assert page.locator("article.md-content__inner").count() == 1, f"{site_page.url_path} has no article body"
    session.assert_clean()


def test_every_formula_in_the_source_is_rendered(session, site_page):
    source = page_markdown(site_page.source)
    expected = formulas_in_markdown(source)
    page = session.open(site_page.url_path, settle=False)

    errors = page.locator(".katex-error").all_text_contents()
    assert errors == [], f"KaTeX refused {len(errors)} formula(s) on {site_page.url_path}: {errors}"

    rendered = page.locator(".katex").count()
    if rendered != len(expected):
        shown = page.locator(".katex annotation[encoding='application/x-tex']").all_text_contents()
        missing = [f for f in expected if not any(tex_pattern(f.tex).fullmatch(tex) for tex in shown)]
        where = site_page.source.name + (" (Markdown cells)" if site_page.source.suffix == ".ipynb" else "")
        listing = "\n".join(f"  {where}:{f.line}: {'$$' if f.display else '$'}{f.tex}" for f in missing)
        pytest.fail(
            f"{site_page.url_path}: the Markdown has {len(expected)} formula(s), the page shows {rendered} "
            f"rendered by KaTeX.\nSource formulas with no rendered counterpart:\n{listing or '  (none; extra formulas on the page)'}",
            pytrace=False,
        )
    displays = sum(f.display for f in expected)
    # KaTeX's HTML output wraps a display formula in .katex-display; its MathML-only output marks the <math>.
    shown_as_display = page.locator(".katex-display > .katex, .katex > math[display=block]").count()
    assert shown_as_display == displays, "display ($$) formulas not shown as display math"
    # Every rendered formula sits in the wrapper arithmatex leaves, so Material's styles for it apply.
    assert page.locator(".arithmatex .katex").count() == rendered


def test_every_snippet_output_is_shown_under_its_code(session, site_page):
    source = page_markdown(site_page.source)
    expected = [t for t in embeds_in_markdown(source) if committed_output(SNIPPETS, t).strip()]
    page = session.open(site_page.url_path, settle=False)
    # Heavy internals sit in collapsed blocks (??? note): open them, as a reader who wants them does.
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")

    # One round trip for all blocks: what a reader sees, and what sits around each block.
    blocks = page.locator(".snippet-output").evaluate_all(
        """blocks => blocks.map(el => {
            const prev = el.previousElementSibling;
            let next = el.nextElementSibling;  // the section's figures, if any, come before the provenance line
            while (next && next.matches('figure.snippet-figure')) next = next.nextElementSibling;
            const box = el.getBoundingClientRect();
            return {
                target: el.dataset.snippet,
                visible: el.checkVisibility({visibilityProperty: true, opacityProperty: true})
                    && box.width > 0 && box.height > 0,
                prevIsCode: !!prev && prev.classList.contains('highlight')
                    && !prev.classList.contains('snippet-output') && !!prev.querySelector('pre > code'),
                prev: prev ? prev.outerHTML.slice(0, 120) : null,
                nextIsProvenance: !!next && next.matches('p.snippet-provenance'),
                text: el.querySelector('pre > code')?.textContent ?? null,
            };
        })"""
    )
    assert [b["target"] for b in blocks] == expected, "the page's output blocks are not one per embedded snippet with output, in order"

    for block in blocks:
        target = block["target"]
        assert block["visible"], f"output of {target} is not visible"
        assert block["prevIsCode"], f"output of {target} does not follow its code block directly; before it: {block['prev']}"
        assert block["nextIsProvenance"], f"output of {target} is not followed by its provenance line"
        assert block["text"] is not None, f"output of {target} has no code element"
        text = block["text"].removesuffix("\n")
        assert text == committed_output(SNIPPETS, target).rstrip("\n"), f"output of {target} differs from the committed JSON"
