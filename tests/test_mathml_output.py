"""KaTeX's MathML-only output (katex_prerender/mathml_output.py) and its math font (math_font.py).

The expected values are facts independent of the code under test: the data
attributes KaTeX's own HTML output gives an \\htmlData (rendered by the same
KaTeX with its default output), Unicode's mathematical alphanumerics typed as
literals, and the characters a subset font's own cmap holds (read by fontTools).
"""
from __future__ import annotations

import re
import subprocess
import textwrap
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from katex_prerender import KatexRenderer, mathml_output
from katex_prerender.math_font import MathFont, MathFontError, install_math_font

ROOT = Path(__file__).resolve().parents[1]
NODE_MODULES = ROOT / "node_modules"
STIX = NODE_MODULES / "@fontsource" / "stix-two-math" / "files" / "stix-two-math-latin-400-normal.woff2"


@pytest.fixture(scope="module")
def renderers():
    if not (NODE_MODULES / "katex" / "package.json").is_file():
        pytest.fail(f"{NODE_MODULES}/katex is missing: run `npm ci` (or `make`)", pytrace=False)
    with KatexRenderer(NODE_MODULES) as both, KatexRenderer(NODE_MODULES, output="mathml") as mathml:
        yield both, mathml


def data_attributes(rendered: str) -> list[dict[str, str]]:
    soup = BeautifulSoup(rendered, "html.parser")
    return [{k: v for k, v in element.attrs.items() if k.startswith("data-")} for element in soup.select(".katex-html [data-snippet], math [data-snippet]")]


# ------------------------------------------------------------------ \htmlData


@pytest.mark.parametrize(
    "tex",
    [
        r"x = \htmlData{snippet=a/b.py,value=loss[0]}{0.4170}",
        r"\frac{\htmlData{snippet=a/b.py,value=v}{1}}{\htmlData{snippet=c{,}d.py,value=w[2]}{-2.5}}",
        r"2^{\htmlData{snippet=a/b.py,value=e}{-24}} \quad \htmlData{snippet=x.py, value=y}{\pi}",
    ],
)
def test_mathml_keeps_the_data_attributes_katexs_html_gives(renderers, tex):
    both, mathml = renderers
    expected = data_attributes(both.render(tex))
    shown = mathml.render(tex)
    assert "katex-html" not in shown and "href=" not in shown
    # (KaTeX's HTML writes a fraction's denominator before its numerator: compare without order.)
    assert sorted(map(repr, data_attributes(shown))) == sorted(map(repr, expected)) and expected
    assert BeautifulSoup(shown, "html.parser").select_one("annotation").get_text() == tex


def test_without_the_markers_katexs_mathml_drops_the_attributes(renderers):
    """What the test above checks does go wrong without the rewrite: KaTeX's own MathML has no data attributes."""
    both, _ = renderers
    mathml_part = BeautifulSoup(both.render(r"x = \htmlData{snippet=a/b.py,value=v}{1}"), "html.parser").select_one(".katex-mathml")
    assert mathml_part.select("[data-snippet]") == []


def test_a_formula_may_not_use_the_marker_or_a_malformed_htmldata(renderers):
    _, mathml = renderers
    results = mathml.render_many([(r"\href{katex-data-0}{x}", False), (r"\htmlData{novalue}{1}", False), (r"\href{katex-data-x}{1}", False)])
    messages = [str(result) for result in results]
    assert "'katex-data-' is reserved" in messages[0]
    assert "'novalue' is not a key=value pair" in messages[1]
    assert "is reserved" in messages[2]


def test_the_only_href_trusted_is_the_marker(renderers):
    _, mathml = renderers
    (result,) = mathml.render_many([(r"\href{https://example.org}{x}", False)])
    assert "\\href is not allowed on this site" in str(result)


def test_a_lost_marker_is_an_error():
    marked = mathml_output.mark_html_data(r"\htmlData{a=b}{1} + \htmlData{c=d}{2}")
    assert marked.tex == r"\href{katex-data-0}{1} + \href{katex-data-1}{2}"
    with pytest.raises(mathml_output.MathmlOutputError, match="lost an \\\\htmlData"):
        mathml_output.restore_html_data('<math><mn href="katex-data-0">1</mn><mn>2</mn></math>', marked, "tex")


# ------------------------------------------------------------------ what MathML Core leaves out


def test_letter_styles_become_unicode_mathematical_alphanumerics(renderers):
    _, mathml = renderers
    shown = mathml.render(r"\mathbf{W} \mathbb{R} \mathcal{L} \mathbf{2} \texttt{mean} \mathfrak{g}")
    tokens = re.findall(r"<(mi|mn|mtext)([^>]*)>([^<]*)</\1>", shown)
    assert [(tag, text) for tag, _, text in tokens] == [
        ("mi", "𝐖"), ("mi", "ℝ"), ("mi", "ℒ"), ("mn", "𝟐"), ("mtext", "𝚖𝚎𝚊𝚗"), ("mi", "𝔤"),
    ]
    assert "bold" not in shown and "double-struck" not in shown and "monospace" not in shown
    # A single letter stays upright in its new form: the browser would otherwise make it italic too.
    assert all('mathvariant="normal"' in attributes for tag, attributes, text in tokens if tag == "mi")


def test_the_variant_check_catches_katexs_own_output(renderers):
    both, _ = renderers
    raw = BeautifulSoup(both.render(r"\mathbb{R}"), "html.parser").select_one("math")
    assert raw.select_one("mi")["mathvariant"] == "double-struck"  # what Chromium would show as a plain R


def test_aligned_columns_get_their_alignment_as_css(renderers):
    _, mathml = renderers
    shown = mathml.render(r"\begin{aligned} a &= b + c \\ &= d \end{aligned}", display=True)
    cells = re.findall(r'<mtd style="([^"]*)">', shown)
    assert cells == ["text-align: right; padding: 0.125em 0 0.125em 0", "text-align: left; padding: 0.125em 0 0.125em 0"] * 2


def test_a_nested_table_counts_its_own_columns():
    nested = (
        '<mtable columnalign="right left" columnspacing="0em"><mtr><mtd>'
        '<mtable columnalign="center" columnspacing="1em"><mtr><mtd>x</mtd><mtd>y</mtd></mtr></mtable>'
        "</mtd><mtd>z</mtd></mtr></mtable>"
    )
    aligns = re.findall(r"text-align: (\w+)", mathml_output.table_layout(nested))
    assert aligns == ["right", "center", "center", "left"]


@pytest.mark.parametrize(
    ("tex", "spaced"),
    [(r"\log q_j", True), (r"\log(x)", False), (r"\operatorname{softmax}(z)", False), (r"\exp z", True), (r"\log\left(x\right)", False)],
)
def test_a_function_name_is_spaced_from_its_argument_unless_a_bracket_follows(renderers, tex, spaced):
    _, mathml = renderers
    assert ('rspace="0.1667em"' in mathml.render(tex)) is spaced


@pytest.mark.parametrize(
    ("tex", "unary"),
    [(r"= -\sum_i x_i", [True]), (r"a - b", [False]), (r"(-1)", [True]), (r"(a) - b", [False]), (r"-x + y", [True, False])],
)
def test_signs_that_tex_reads_as_unary_lose_the_binary_spacing(renderers, tex, unary):
    _, mathml = renderers
    signs = re.findall(r"<mo([^>]*)>[\u2212+]</mo>", mathml.render(tex))
    assert [attributes == ' lspace="0" rspace="0"' for attributes in signs] == unary


def test_math_characters_include_the_italic_forms_of_single_letters_and_leave_out_the_tex():
    shown = '<math><semantics><mrow><mi>x</mi><mi>h</mi><mi mathvariant="normal">ℓ</mi><mo>=</mo><mn>0.5</mn><mi>log</mi></mrow><annotation encoding="application/x-tex">\\zeta</annotation></semantics></math>'
    assert mathml_output.math_characters(shown) == set("xhℓ=0.5log") | {"𝑥", "ℎ"}


# ------------------------------------------------------------------ the math font


@pytest.fixture(scope="module")
def stix():
    if not STIX.is_file():
        pytest.fail(f"{STIX} is missing: run `npm ci` (or `make`)", pytrace=False)
    return MathFont(STIX, "STIX Two Math")


def font_tables(path: Path):
    from fontTools.ttLib import TTFont

    font = TTFont(path)
    return font.flavor, set(font.keys()), {chr(code) for code in font.getBestCmap()}


def test_the_subset_holds_the_characters_asked_for_and_its_math_table(stix, tmp_path):
    characters = set("0123456789=+()xq") | {"\u2212", "\u2211", "𝑥", "𝑞"}
    written = install_math_font(tmp_path / "assets", stix, characters, tmp_path / "cache")
    font_file = next(path for path in written if path.suffix == ".woff2")
    flavor, tables, cmap = font_tables(font_file)
    assert flavor == "woff2" and "MATH" in tables
    assert characters <= cmap and len(cmap) < 40, sorted(cmap - characters)
    assert font_file.stat().st_size < 30_000 < STIX.stat().st_size
    css = (tmp_path / "assets" / "math.css").read_text()
    assert f'url("{font_file.name}")' in css and "font-family" in css and "math {" in css
    assert (tmp_path / "assets" / "math-font-LICENSE").is_file()


def test_the_subset_check_catches_a_missing_character(stix, tmp_path):
    written = install_math_font(tmp_path, stix, set("xy"), None)
    _, _, cmap = font_tables(next(path for path in written if path.suffix == ".woff2"))
    assert "z" not in cmap


def test_a_subset_is_made_once_for_the_same_characters(stix, tmp_path, monkeypatch):
    from katex_prerender import math_font

    install_math_font(tmp_path / "a", stix, set("xy"), tmp_path / "cache")
    monkeypatch.setattr(math_font, "_subset", lambda *args: pytest.fail("subset again"))
    install_math_font(tmp_path / "b", stix, set("xy"), tmp_path / "cache")
    assert (tmp_path / "a" / "math.css").read_text() == (tmp_path / "b" / "math.css").read_text()


def test_a_new_subset_replaces_the_old_one_in_the_site(stix, tmp_path):
    install_math_font(tmp_path, stix, set("xy"), None)
    install_math_font(tmp_path, stix, set("xyz"), None)
    assert len(list(tmp_path.glob("math-*.woff2"))) == 1


def test_a_missing_font_or_one_without_a_math_table_is_a_clear_error(tmp_path):
    with pytest.raises(MathFontError, match="npm ci"):
        install_math_font(tmp_path, MathFont(tmp_path / "none.woff2", "None"), set("x"), None)
    katex_font = next((NODE_MODULES / "katex" / "dist" / "fonts").glob("KaTeX_Main-Regular.woff2"))
    with pytest.raises(MathFontError, match="no MATH table"):
        install_math_font(tmp_path, MathFont(katex_font, "KaTeX Main"), set("x"), None)


# ------------------------------------------------------------------ a site built with output: mathml


def test_a_site_built_with_mathml_output_ships_math_and_its_font_and_no_katex_html(tmp_path):
    from tests.test_katex_prerender import MKDOCS, mkdocs_build

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Math\n\n$$\n\\mathbb{R} \\ni \\zeta = -\\log q\n$$\n\nInline $\\alpha$.\n")
    (tmp_path / "mkdocs.yml").write_text(
        textwrap.dedent(
            f"""\
            site_name: MathML output
            theme:
              name: material
              font: false
            markdown_extensions:
              - pymdownx.arithmatex:
                  generic: true
            extra_css:
              - assets/katex/math.css
            plugins:
              - katex-prerender:
                  node_modules: {str(NODE_MODULES)!r}
                  output: mathml
            """
        )
    )
    result = mkdocs_build(tmp_path)
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "site" / "index.html").read_text()
    assert page.count("<math") == 2 and "katex-html" not in page and "katex.min.css" not in page
    assert not (tmp_path / "site" / "assets" / "katex" / "katex.min.css").exists()
    (font,) = (tmp_path / "site" / "assets" / "katex").glob("math-*.woff2")
    _, tables, cmap = font_tables(font)
    assert "MATH" in tables and {"ℝ", "∋", "𝜁", "𝛼", "l", "o", "g", "𝑞", "\u2212"} <= cmap

    # Without the font's stylesheet in extra_css, --strict fails and says what to add.
    config = (tmp_path / "mkdocs.yml").read_text().replace("extra_css:\n  - assets/katex/math.css\n", "")
    (tmp_path / "mkdocs.yml").write_text(config)
    result = mkdocs_build(tmp_path)
    assert result.returncode != 0 and "add 'assets/katex/math.css' to extra_css" in result.stderr
    assert MKDOCS  # the same mkdocs the other plugin tests run


def test_katex_server_refuses_an_unknown_output():
    result = subprocess.run(["node", str(ROOT / "scripts" / "katex_prerender" / "katex_server.mjs"), str(NODE_MODULES), "svg"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "unknown output" in result.stdout
