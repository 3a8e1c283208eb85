"""Where a bound number comes from: which text is math, which output a value links to, and the link in a formula.

The page-level rewrite is covered by the golden cases `provenance*.md` in
test_page_markup.py; the built site, keyboard and screen reader included, by
tests/browser/test_provenance.py.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from katex_prerender import KatexRenderer
from verified_snippets.kept_results import KeptResults
from verified_snippets.output_records import OutputRecord
from verified_snippets.value_provenance import (
    InlineContexts,
    Origin,
    OutputBlock,
    ValueLink,
    ValueLinks,
    link_math_values,
    output_anchor,
)

NODE_MODULES = Path(__file__).resolve().parent.parent / "node_modules"


def kinds(page: str, marker: str = "X") -> list[str]:
    """The context of every `marker` on the page, in order."""
    lines = page.split("\n")
    contexts = InlineContexts(lines)
    return [contexts.kind(number, match.start()) for number, text in enumerate(lines, start=1) for match in re.finditer(marker, text)]


@pytest.mark.parametrize(("page", "expected"), [
    ("X and $a = X$ and \\(X\\)", ["prose", "math", "math"]),
    ("$$\na = X\n$$\nthen X", ["math", "prose"]),
    ("\\begin{aligned}\na &= X\n\\end{aligned}", ["math"]),
    ("\\[ X \\]", ["math"]),
    ("`$X$` is code, `` a`X `` too", ["code", "code"]),
    ("costs $5 and X; a $ sign alone", ["prose"]),  # a dollar never closed is text
    ("$a$ X $b$", ["prose"]),
    ("$ X $ has spaces inside the dollars, as arithmatex's smart dollars refuse", ["prose"]),
    ("\\$ X \\$ are escaped", ["prose"]),
    ("$a = X\n\nb$ crosses a blank line", ["prose"]),
    ("$a = X\nb$ crosses a line", ["math"]),
])
def test_inline_contexts(page, expected):
    assert kinds(page) == expected


def test_inline_contexts_catch_a_wrong_answer():
    """The parametrized cases fail when the scanner is wrong: one that is known to be math is not prose."""
    assert kinds("$a = X$") != ["prose"]


def test_output_block_shows_a_number_only_as_a_whole_number():
    block = OutputBlock("a/b.py", "output-a-b", "loss = 0.4076\nsum = -1.25\nbig = 10.40761\n")
    assert block.shows("0.4076")
    assert block.shows("\u22121.25")  # as KaTeX typesets a negative number
    assert not block.shows("0.407")  # a prefix of a longer number
    assert not block.shows("0.40761")  # a suffix of one


def test_a_value_links_to_the_block_that_prints_it_else_the_snippets_first():
    links = ValueLinks("en", lambda snippet: "other.md#" + output_anchor(snippet))
    links.blocks = [
        OutputBlock("a/b.py", "output-a-b", "setup\n"),
        OutputBlock("a/b.py", "output-a-b-loss", "loss = 0.4076\n"),
        OutputBlock("a/c.py", "output-a-c", "0.4076\n"),
    ]
    assert links.href("a/b.py", "0.4076") == "#output-a-b-loss"
    assert links.href("a/b.py", "0.65") == "#output-a-b"
    assert links.href("a/d.py", "1") == "other.md#output-a-d"
    assert output_anchor("cross_entropy/batch.py") == "output-cross_entropy-batch"
    assert output_anchor("cross_entropy/batch.py", "per_sample") == "output-cross_entropy-batch-per_sample"


def origin() -> Origin:
    record = OutputRecord(
        snippet="a/b.py", source_sha256="0" * 64, stdout="", sections={}, values={"loss": [0.5]}, dependencies={},
        environment={"torch": "2.13.0+cpu", "python": "3.11.7"}, generated="2026-11-26T05:00:00Z", seconds=0.1,
    )
    return Origin.of(record, "a/b.py", "loss[0]", "snippets")


def test_origin_sentence_names_value_snippet_version_and_date_in_both_languages():
    assert origin().sentence("0.5000", "en") == "0.5000: loss[0] from snippets/a/b.py, run with PyTorch 2.13.0 on 2026-11-26"
    assert origin().sentence("0.5000", "zh") == "0.5000：snippets/a/b.py 中的 loss[0]，由 PyTorch 2.13.0 于 2026-11-26 运行得出"


# ------------------------------------------------------------------ the link inside a formula


@pytest.fixture(scope="module")
def katex():
    if not (NODE_MODULES / "katex" / "package.json").is_file():
        pytest.fail(f"{NODE_MODULES}/katex is missing: run `npm ci` (or `make`)", pytrace=False)
    with KatexRenderer(NODE_MODULES) as renderer:
        yield renderer


def formula(katex, tex: str) -> str:
    return f'<p>Text <span class="arithmatex">{katex.render(tex)}</span> more.</p>'


def link_for(snippet: str, value: str, shown: str) -> ValueLink:
    return ValueLink(f"#output-{snippet}", f"{shown}: {value} of {snippet}")


def test_a_value_in_a_formula_becomes_a_link_that_assistive_technology_reaches(katex):
    page = formula(katex, r"\ell = \frac{\htmlData{snippet=a/b.py,value=loss[0]}{0.4076}}{2} + x")
    linked = BeautifulSoup(link_math_values(page, link_for), "html.parser")

    link = linked.select_one("a.run-value")
    assert link["href"] == "#output-a/b.py" and link["aria-label"] == "0.4076: loss[0] of a/b.py"
    span = link.select_one("[data-snippet][data-value]")
    assert (span["data-snippet"], span["data-value"], span.get_text()) == ("a/b.py", "loss[0]", "0.4076")
    # Nothing around the link is hidden from assistive technology, and everything else of KaTeX's HTML is.
    assert link.find_parent(attrs={"aria-hidden": "true"}) is None
    visual = linked.select_one(".katex-html")
    for text in visual.find_all(string=True):
        if text.strip() and text.find_parent("a") is None:
            assert text.find_parent(attrs={"aria-hidden": "true"}) is not None, f"{text!r} is not hidden"
    # The MathML, which screen readers read, is untouched; so is the page around the formula.
    original = BeautifulSoup(page, "html.parser")
    assert linked.select_one(".katex-mathml") == original.select_one(".katex-mathml")
    assert linked.get_text() == original.get_text()


def test_formulas_without_values_and_values_without_a_link_are_left_alone(katex):
    plain = formula(katex, r"x^2 + 1")
    assert link_math_values(plain, link_for) == plain
    unknown = formula(katex, r"x = \htmlData{snippet=a/b.py,value=v}{1}")
    assert link_math_values(unknown, lambda *args: None) == unknown
    assert 'aria-hidden="true"' in unknown


def test_linking_twice_changes_nothing_more(katex):
    page = formula(katex, r"(\htmlData{snippet=a/b.py,value=v[0]}{1}, \htmlData{snippet=a/b.py,value=v[1]}{2})")
    once = link_math_values(page, link_for)
    assert once.count('class="run-value"') == 2
    assert link_math_values(once, link_for) == once


def test_the_accessibility_check_fails_on_katex_output_left_hidden(katex):
    """Unlinked KaTeX output hides the value: what the first test rules out does happen without the rewrite."""
    page = BeautifulSoup(formula(katex, r"x = \htmlData{snippet=a/b.py,value=v}{1}"), "html.parser")
    span = page.select_one("[data-snippet]")
    assert span.find_parent(attrs={"aria-hidden": "true"}) is not None


def test_a_formula_is_parsed_once_for_the_same_links_and_again_when_they_change(katex):
    page = formula(katex, r"x = \htmlData{snippet=a/b.py,value=v}{1}")
    memo = KeptResults(None, str)
    first = link_math_values(page, link_for, memo)
    assert len(memo.kept) == 1
    assert link_math_values(page, link_for, memo) == first and len(memo.kept) == 1
    relabelled = link_math_values(page, lambda *args: ValueLink("#elsewhere", "1: v, run again"), memo)
    assert len(memo.kept) == 2 and 'aria-label="1: v, run again"' in relabelled and 'href="#elsewhere"' in relabelled


def test_a_value_in_a_superscript_is_linked_and_its_formula_kept_for_the_next_build(katex):
    """KaTeX marks a value in a superscript `enclosing mtight`: the memo must read it as well."""
    page = formula(katex, r"\epsilon = 2^{\htmlData{snippet=a/b.py,value=e}{-24}}")
    assert 'class="enclosing mtight"' in page
    memo = KeptResults(None, str)
    linked = link_math_values(page, link_for, memo)
    assert linked.count('class="run-value"') == 1 and len(memo.kept) == 1


# ------------------------------------------------------------------ the link inside MathML-only output


@pytest.fixture(scope="module")
def mathml_katex():
    if not (NODE_MODULES / "katex" / "package.json").is_file():
        pytest.fail(f"{NODE_MODULES}/katex is missing: run `npm ci` (or `make`)", pytrace=False)
    with KatexRenderer(NODE_MODULES, output="mathml") as renderer:
        yield renderer


def test_a_value_in_mathml_becomes_a_focusable_link_named_by_its_origin(mathml_katex):
    page = formula(mathml_katex, r"\ell = \frac{\htmlData{snippet=a/b.py,value=loss[0]}{0.4076}}{2} - \htmlData{snippet=a/b.py,value=g[1]}{-0.3715}")
    assert "katex-html" not in page
    linked = BeautifulSoup(link_math_values(page, link_for), "html.parser")

    values = linked.select("math [data-snippet][data-value]")
    assert [(v.name, v["data-value"], v.get_text()) for v in values] == [("mn", "loss[0]", "0.4076"), ("mrow", "g[1]", "\u22120.3715")]
    for value in values:
        assert value["class"] == ["run-value"] and value["role"] == "link" and value["tabindex"] == "0"
        assert value["data-href"] == "#output-a/b.py"
        assert value["aria-label"] == f"{value.get_text()}: {value['data-value']} of a/b.py"
    # Nothing else of the formula changed, and nothing is hidden: the MathML is what screen readers read.
    original = BeautifulSoup(page, "html.parser")
    assert linked.get_text() == original.get_text() and 'aria-hidden' not in str(linked)
    for value in values:
        for attribute in ("class", "role", "tabindex", "aria-label", "data-href"):
            del value[attribute]
    assert str(linked) == str(original)


def test_mathml_values_without_a_link_are_left_alone_and_linking_twice_changes_nothing(mathml_katex):
    page = formula(mathml_katex, r"x = \htmlData{snippet=a/b.py,value=v}{1} + \htmlData{snippet=a/b.py,value=w}{2}")
    assert link_math_values(page, lambda *args: None) == page
    once = link_math_values(page, link_for)
    assert once.count('role="link"') == 2
    assert link_math_values(once, link_for) == once


def test_a_mathml_link_check_catches_a_value_left_unlinked(mathml_katex):
    """What the first MathML test asks for is not there without the rewrite: the bare value has no role or name."""
    value = BeautifulSoup(formula(mathml_katex, r"x = \htmlData{snippet=a/b.py,value=v}{1}"), "html.parser").select_one("[data-snippet]")
    assert value.get("role") is None and value.get("tabindex") is None and value.get("aria-label") is None


def test_mathml_formulas_are_kept_like_html_ones(mathml_katex):
    page = formula(mathml_katex, r"\epsilon = 2^{\htmlData{snippet=a/b.py,value=e}{-24}}")
    memo = KeptResults(None, str)
    first = link_math_values(page, link_for, memo)
    assert len(memo.kept) == 1 and first.count('role="link"') == 1
    assert link_math_values(page, link_for, memo) == first and len(memo.kept) == 1


def test_linked_formulas_are_kept_for_the_next_build_and_only_those_it_used(katex, tmp_path, monkeypatch):
    path = tmp_path / "linked_formulas.pickle"
    one, two = formula(katex, r"x = \htmlData{snippet=a/b.py,value=v}{1}"), formula(katex, r"y = \htmlData{snippet=a/b.py,value=w}{2}")
    first = KeptResults(path, str)
    first.start_build()
    linked = link_math_values(one + two, link_for, first)
    first.save()
    # The next build (a new process) reads them instead of parsing the formulas again.
    second = KeptResults(path, str)
    second.start_build()
    parsed = []
    import verified_snippets.value_provenance as value_provenance

    real = value_provenance._linked_formula
    monkeypatch.setattr(value_provenance, "_linked_formula", lambda *args: parsed.append(args) or real(*args))
    assert link_math_values(one, link_for, second) == linked[: linked.index("<p>", 3)]
    assert parsed == []
    second.save()
    assert len(KeptResults(path, str).kept) == 1  # the formula no longer on any page is dropped


def test_a_corrupt_linked_formula_file_is_ignored(tmp_path):
    path = tmp_path / "linked_formulas.pickle"
    path.write_text("{not json")
    assert KeptResults(path, str).kept == {}
