"""MathML-only output (Temml, through katex_server.mjs; katex_prerender/mathml_output.py) and its math font (math_font.py).

The expected values are facts independent of the code under test: the data
attributes KaTeX's HTML output gives an \\htmlData (the site's other output),
Unicode's mathematical alphanumerics typed as literals, TeX's spacing rules
written out by hand, and the characters a subset font's own cmap holds (read
by fontTools).
"""
from __future__ import annotations

import os
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
TEMML_CSS = NODE_MODULES / "temml" / "dist" / "Temml-STIX2.css"


@pytest.fixture(scope="module")
def stix():
    for path in (STIX, TEMML_CSS):
        if not path.is_file():
            pytest.fail(f"{path} is missing: run `npm ci` (or `make`)", pytrace=False)
    return MathFont(STIX, TEMML_CSS)


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
        r"\frac{\htmlData{snippet=a/b.py,value=v}{1}}{\htmlData{snippet=c/d.py,value=w[2]}{-2.5}}",
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


def test_without_temml_the_attributes_are_lost(renderers):
    """What the test above checks does go wrong with KaTeX's own MathML: it has no data attributes."""
    both, _ = renderers
    mathml_part = BeautifulSoup(both.render(r"x = \htmlData{snippet=a/b.py,value=v}{1}"), "html.parser").select_one(".katex-mathml")
    assert mathml_part.select("[data-snippet]") == []


@pytest.mark.parametrize("tex", [r"\href{https://example.org}{x}", r"\class{c}{x}", r"\style{color:red}{x}", r"\id{i}{x}", r"\data{a=b}{x} \url{x}"])
def test_every_trusted_command_but_htmldata_is_refused(renderers, tex):
    _, mathml = renderers
    (result,) = mathml.render_many([(tex, False)])
    assert isinstance(result, Exception) and "Temml" in str(result), result


def test_a_comma_in_a_snippet_path_is_a_clear_error_in_mathml(renderers):
    """KaTeX reads `{,}` as a comma in \\htmlData's pairs; Temml does not. No snippet path has one, and if one
    did, its value in a formula would stop the build with this message, not lose its attributes silently."""
    _, mathml = renderers
    (result,) = mathml.render_many([(r"\htmlData{snippet=c{,}d.py,value=w}{1}", False)])
    assert "Error parsing key-value" in str(result)


def test_a_temml_parse_error_names_temml(renderers):
    _, mathml = renderers
    (result,) = mathml.render_many([(r"\frac{1}{", False)])
    assert str(result).startswith("Temml parse error:")


# ------------------------------------------------------------------ what MathML Core needs


def test_letter_styles_are_unicode_mathematical_alphanumerics(renderers):
    _, mathml = renderers
    shown = mathml.render(r"\mathbf{W} \mathbb{R} \mathcal{L} \mathbf{2} \texttt{mean} \mathfrak{g}")
    tokens = re.findall(r"<(mi|mn|mtext)(?: [^>]*)?>([^<]*)</\1>", shown)
    assert tokens == [("mi", "𝐖"), ("mi", "ℝ"), ("mi", "ℒ"), ("mn", "𝟐"), ("mtext", "𝚖𝚎𝚊𝚗"), ("mi", "𝔤")]
    assert not re.search(r'mathvariant="(?!normal)', shown)


def test_the_letter_style_check_catches_katexs_own_mathml(renderers):
    both, _ = renderers
    raw = BeautifulSoup(both.render(r"\mathbb{R}"), "html.parser").select_one("math")
    assert raw.select_one("mi")["mathvariant"] == "double-struck"  # what Chromium shows as a plain R


def test_aligned_columns_are_aligned_by_classes_the_math_stylesheet_defines(renderers, stix, tmp_path):
    _, mathml = renderers
    shown = mathml.render(r"\begin{aligned} a &= b + c \\ \log q &= d \end{aligned}", display=True)
    assert re.findall(r'<mtd class="(tml-right|tml-left)"', shown) == ["tml-right", "tml-left"] * 2
    install_math_font(tmp_path, stix, set("ab"), None)
    css = (tmp_path / "math.css").read_text()
    assert re.search(r"\.tml-right\s*\{\s*text-align:\s*right", css) and re.search(r"\.tml-left\s*\{\s*text-align:\s*left", css)


@pytest.mark.parametrize(
    ("tex", "space_before_name"),
    [(r"p_j \log q_j", True), (r"q = \log q", False), (r"\frac{a}{b} \log x", True), (r"(a) \log x", True), (r"2 \ln 2", True), (r"x, \log y", False)],
)
def test_an_operator_name_after_an_ordinary_symbol_gets_a_thin_space_before_it(renderers, tex, space_before_name):
    _, mathml = renderers
    shown = mathml.render(tex)
    name = re.search(r"<mi>(log|ln)</mi>", shown)
    before = shown[: name.start()]
    assert before.removesuffix("<mrow>").endswith(mathml_output.THIN_SPACE) is space_before_name
    assert shown.count(mathml_output.THIN_SPACE + mathml_output.THIN_SPACE) == 0


def test_the_spacing_check_catches_temmls_own_output():
    temml = "<mrow><msub><mi>p</mi><mi>j</mi></msub><mrow><mi>log</mi><mo>\u2061</mo><mspace width=\"0.1667em\"></mspace></mrow><mi>q</mi></mrow>"
    assert mathml_output.THIN_SPACE + "<mrow><mi>log</mi>" not in temml
    assert mathml_output.THIN_SPACE + "<mrow><mi>log</mi>" in mathml_output.for_browsers(temml)


def test_big_brackets_are_marked_prefix_and_postfix_and_a_sign_inside_is_unary(renderers):
    _, mathml = renderers
    shown = mathml.render(r"\sum_i \bigl(-\log q_i\bigr) - \Bigl[a - b\Bigr]")
    brackets = re.findall(r'<mo fence="true"( form="\w+")? symmetric="true"[^>]*>(.)</mo>', shown)
    assert brackets == [(' form="prefix"', "("), (' form="postfix"', ")"), (' form="prefix"', "["), (' form="postfix"', "]")]
    signs = re.findall(r"<mo([^>]*)>\u2212</mo>", shown)
    assert signs == [' form="prefix" stretchy="false"', "", ""]  # inside \bigl( unary; between terms binary


def test_math_characters_include_the_italic_forms_of_single_letters_and_leave_out_the_tex():
    shown = '<math><semantics><mrow><mi>x</mi><mi>h</mi><mi>∂</mi><mi mathvariant="normal">ℓ</mi><mo>=</mo><mn>0.5</mn><mi>log</mi></mrow><annotation encoding="application/x-tex">\\zeta</annotation></semantics></math>'
    assert mathml_output.math_characters(shown) == set("xh∂ℓ=0.5log") | {"𝑥", "ℎ", "𝜕"}


# ------------------------------------------------------------------ the math font




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
    assert re.findall(r"url\(([^)]*)\)", re.sub(r'url\("data:[^"]*"\)', "", css)) == [f'"{font_file.name}"']
    assert re.search(r"math\s*\{\s*font-family:\s*STIX2, math", css)  # Temml's rule names the family the subset is given
    assert (tmp_path / "assets" / "math-font-LICENSE").is_file() and (tmp_path / "assets" / "temml-LICENSE").is_file()


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
    (tmp_path / "math-0123456789ab.woff2").write_bytes(b"an earlier version's digest-named subset")
    install_math_font(tmp_path, stix, set("xy"), None)
    install_math_font(tmp_path, stix, set("xyz"), None)
    assert sorted(path.name for path in tmp_path.glob("*.woff2")) == ["math.woff2"]
    assert "z" in font_tables(tmp_path / "math.woff2")[2]


def test_the_preload_goes_before_the_first_stylesheet_once():
    from katex_prerender.math_font import preload_link, with_preload

    link = preload_link("../assets/katex/math.woff2")
    assert link == '<link rel="preload" href="../assets/katex/math.woff2" as="font" type="font/woff2" crossorigin>'
    page = '<html><head><meta charset="utf-8"><link rel="stylesheet" href="a.css"><link rel="stylesheet" href="b.css"></head><body><math></math></body></html>'
    once = with_preload(page, link)
    assert once == page.replace('<link rel="stylesheet" href="a.css">', link + '<link rel="stylesheet" href="a.css">')
    assert with_preload(once, link) == once
    assert with_preload("<head><title>t</title></head>", link) == f"<head><title>t</title>{link}</head>"
    assert with_preload("<p>no head</p>", link) == "<p>no head</p>"


def test_a_missing_font_or_one_without_a_math_table_is_a_clear_error(stix, tmp_path):
    with pytest.raises(MathFontError, match="npm ci"):
        install_math_font(tmp_path, MathFont(tmp_path / "none.woff2", TEMML_CSS), set("x"), None)
    katex_font = next((NODE_MODULES / "katex" / "dist" / "fonts").glob("KaTeX_Main-Regular.woff2"))
    with pytest.raises(MathFontError, match="no MATH table"):
        install_math_font(tmp_path, MathFont(katex_font, TEMML_CSS), set("x"), None)


@pytest.mark.parametrize(
    ("stylesheet", "message"),
    [
        ("math { font-family: math; }", "exactly one @font-face"),
        ("@font-face { font-family: A; src: url(a.woff2); } @font-face { font-family: B; src: url(b.woff2); }", "exactly one @font-face"),
        ("@font-face { font-family: A; src: url(a.woff2); } .x { background: url('pic.png'); }", "loads 'pic.png'"),
    ],
)
def test_a_math_stylesheet_the_site_cannot_ship_is_a_clear_error(stix, tmp_path, stylesheet, message):
    (tmp_path / "bad.css").write_text(stylesheet)
    with pytest.raises(MathFontError, match=message):
        install_math_font(tmp_path / "out", MathFont(STIX, tmp_path / "bad.css"), set("x"), None)


# ------------------------------------------------------------------ a site built with output: mathml


def write_mathml_site(root: Path) -> None:
    """A two-page site (one page with math, one without) whose formulas are MathML alone."""
    (root / "docs").mkdir()
    (root / "docs" / "index.md").write_text("# Math\n\n$$\n\\mathbb{R} \\ni \\zeta = -\\log q\n$$\n\nInline $\\alpha$.\n")
    (root / "docs" / "prose.md").write_text("# Prose\n\nNo formula here.\n")
    (root / "mkdocs.yml").write_text(
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


def test_a_site_built_with_mathml_output_ships_math_and_its_font_and_no_katex_html(tmp_path):
    from tests.test_katex_prerender import MKDOCS, mkdocs_build

    write_mathml_site(tmp_path)
    result = mkdocs_build(tmp_path)
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "site" / "index.html").read_text()
    assert page.count("<math") == 2 and "katex-html" not in page and "katex.min.css" not in page
    assert not (tmp_path / "site" / "assets" / "katex" / "katex.min.css").exists()
    (font,) = (tmp_path / "site" / "assets" / "katex").glob("*.woff2")
    _, tables, cmap = font_tables(font)
    # The page preloads the font that math.css loads, by the same URL (or the browser fetches it twice).
    (preload,) = re.findall(r'<link rel="preload" href="([^"]+)" as="font" type="font/woff2" crossorigin>', page)
    assert page.index(preload) < page.index('rel="stylesheet"')
    assert (tmp_path / "site" / preload).resolve() == font.resolve()
    css_url = re.search(r'url\("([^"]+\.woff2)"\)', (tmp_path / "site" / "assets" / "katex" / "math.css").read_text()).group(1)
    assert (tmp_path / "site" / "assets" / "katex" / css_url).resolve() == font.resolve()
    assert 'rel="preload"' not in (tmp_path / "site" / "prose" / "index.html").read_text()  # no math, no font to load
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


def test_a_config_loaded_by_its_relative_name_keeps_the_formula_and_font_caches(tmp_path, monkeypatch):
    """`mkdocs serve -f mkdocs.yml` loads its first build's config by that relative name (later ones by the
    absolute path): that build must read and write the caches beside mkdocs.yml too, or the first rebuild
    after it subsets the math font again (1.5 s of the first edit's reload)."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    write_mathml_site(tmp_path)
    monkeypatch.chdir(tmp_path)
    with open("mkdocs.yml", "rb") as opened:  # as click opens `-f mkdocs.yml`
        config = load_config(config_file=opened)
    assert not os.path.isabs(config.config_file_path)  # the case this test is about
    config.plugins.on_startup(command="build", dirty=False)
    try:
        build(config)
    finally:
        config.plugins.on_shutdown()
    cache = tmp_path / ".cache" / "katex_prerender"
    assert (cache / "formulas.json").is_file()
    assert len(list(cache.glob("math-font-*.woff2"))) == 1
