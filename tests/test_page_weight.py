"""The page-weight plugin: fewer elements and whole-page restyles, nothing a reader sees changed.

The browser suite checks the built site (tests/browser/test_article.py: the
palette toggle, the declared colour scheme and the copied code); here the
rewrites are checked against what they rely on in the installed Material and
pygments.
"""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import markdown
import material
import pytest
from page_weight import color_scheme_meta, progressive_blocks, search_index_on_demand, table_wrappers
from page_weight.code_tokens import unwrap_name_tokens
from page_weight.palette_switching import MATERIAL_ATTRIBUTE, TOGGLE_ATTRIBUTE, PaletteRuleNotFound, palette_stylesheets, rewrite_site, scope_to_toggles

MATERIAL_ASSETS = Path(material.__file__).parent / "templates" / "assets"
CODE = "import torch\nlogits = torch.tensor([[2.0, 1.0]])\nloss = F.cross_entropy(logits, target)  # a comment\n"


def highlighted(code: str) -> str:
    return markdown.markdown(f"```python\n{code}```", extensions=["pymdownx.highlight", "pymdownx.superfences"])


def text_of(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def test_name_spans_are_unwrapped_and_the_text_is_the_same():
    html = highlighted(CODE)
    assert html.count('<span class="n">') >= 8
    lighter = unwrap_name_tokens(html)
    assert '<span class="n">' not in lighter
    assert text_of(lighter) == text_of(html)
    # Every other token keeps its span (and colour): keywords, numbers, punctuation, comments.
    for kind in ("kn", "mf", "p", "c1"):
        assert lighter.count(f'<span class="{kind}">') == html.count(f'<span class="{kind}">') > 0


def test_unwrapping_is_invisible_because_material_colours_names_like_plain_code():
    """If a Material upgrade gives names their own colour, this fails: turn `unwrap_name_tokens` off."""
    css = "".join(path.read_text() for path in (MATERIAL_ASSETS / "stylesheets").glob("main.*.min.css"))
    assert "--md-code-hl-name-color:var(--md-code-fg-color)" in css
    assert re.search(r"\.highlight \.n[,{]", css) and "--md-code-hl-name-color)" in css


def test_materials_palette_rule_follows_the_toggle_only(tmp_path):
    site = tmp_path / "site"
    (site / "assets").mkdir(parents=True)
    for source in (MATERIAL_ASSETS / "stylesheets").glob("palette.*.min.css"):
        (site / "assets" / "stylesheets").mkdir(exist_ok=True)
        (site / "assets" / "stylesheets" / source.name).write_text(source.read_text())
    original = palette_stylesheets(site)[0].read_text()
    assert f"{MATERIAL_ATTRIBUTE} *" in original  # what the rewrite relies on
    rewrite_site(site)
    rewritten = palette_stylesheets(site)[0].read_text()
    assert MATERIAL_ATTRIBUTE not in rewritten and f"{TOGGLE_ATTRIBUTE} *" in rewritten
    assert len(rewritten) == len(original) + (len(TOGGLE_ATTRIBUTE) - len(MATERIAL_ATTRIBUTE)) * original.count(MATERIAL_ATTRIBUTE)
    script = (site / "assets" / "page-weight" / "palette-toggled.js").read_text()
    assert "setAttribute(\"data-md-palette-toggled\"" in script and "removeAttribute(\"data-md-palette-toggled\")" in script
    rewrite_site(site)  # a second build into the same folder finds it done
    assert palette_stylesheets(site)[0].read_text() == rewritten


def test_a_palette_stylesheet_without_the_rule_is_an_error_naming_it():
    with pytest.raises(PaletteRuleNotFound, match="palette.x.css has no"):
        scope_to_toggles(".md-typeset{color:red}", "palette.x.css")


# ------------------------------------------------------------------ the declared colour scheme

def material_bundle() -> Path:
    (bundle,) = (MATERIAL_ASSETS / "javascripts").glob("bundle.*.min.js")
    return bundle


def assert_node_parses(tmp_path: Path, script: str) -> None:
    """An edited bundle is still JavaScript that Node accepts."""
    (tmp_path / "bundle.js").write_text(script)
    checked = subprocess.run(["node", "--check", str(tmp_path / "bundle.js")], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


def test_the_declared_schemes_are_the_ones_materials_stylesheets_give():
    """If a Material upgrade maps its schemes otherwise, the page would declare a scheme Material then changes."""
    css = "".join(path.read_text() for path in (MATERIAL_ASSETS / "stylesheets").glob("*.min.css"))
    for scheme, color_scheme in color_scheme_meta.COLOR_SCHEMES.items():
        assert re.search(rf"\[data-md-color-scheme={scheme}\]\{{[^}}]*color-scheme:{color_scheme}[;}}]", css), scheme


def test_materials_bundle_takes_the_declared_element_and_sets_it_only_on_a_change(tmp_path):
    original = material_bundle().read_text()
    edited = color_scheme_meta.reuse_declared_scheme(original, material_bundle().name)
    assert "document.querySelector('meta[name=\"color-scheme\"]')||document.head.appendChild(" in edited
    assert re.search(r"(\w+)\.content!==(\w+)\.colorScheme&&\(\1\.content=\2\.colorScheme\),", edited)
    assert len(edited) - len(original) == 80, "only the two edits were expected"
    assert color_scheme_meta.reuse_declared_scheme(edited, "again") == edited  # a second build finds it done
    assert_node_parses(tmp_path, edited)


def test_a_bundle_without_materials_palette_code_is_an_error_naming_it():
    with pytest.raises(color_scheme_meta.BundleCodeNotFound, match=r"bundle\.x\.min\.js: .* found 0 times"):
        color_scheme_meta.reuse_declared_scheme("let o=1;", "bundle.x.min.js")


def test_each_page_declares_the_first_palettes_scheme_once():
    page = '<!doctype html>\n<html>\n  <head>\n    <meta charset="utf-8">\n    <title>T</title>'
    declared = color_scheme_meta.declare(page, "light")
    assert declared.count('<meta name="color-scheme" content="light">') == 1
    assert declared.index('charset="utf-8"') < declared.index('name="color-scheme"') < declared.index("<title>")
    assert color_scheme_meta.declare(declared, "dark") == declared
    assert color_scheme_meta.first_palette_scheme([{"scheme": "slate"}, {"scheme": "default"}]) == "dark"
    assert color_scheme_meta.first_palette_scheme({"primary": "red"}) == "light"  # Material's default scheme
    assert color_scheme_meta.first_palette_scheme([{"scheme": "my-own"}]) is None  # not Material's: left to its script
    assert color_scheme_meta.first_palette_scheme(None) is None


# Material's wrapper, as its bundle builds it (templates/table): a scrolling div around an inline-block div.
MATERIAL_WRAPPER = re.compile(r'\w+\("div",\{class:"md-typeset__scrollwrap"\},\w+\("div",\{class:"md-typeset__table"\},\w+\)\)')
WRAPPED = '<div class="md-typeset__scrollwrap"><div class="md-typeset__table">{}</div></div>'


def test_the_wrapper_is_the_one_materials_script_builds():
    """If an upgrade changes Material's wrapper, the build's would differ from what its stylesheet expects."""
    assert MATERIAL_WRAPPER.search(material_bundle().read_text()), "Material's table wrapper changed: review table_wrappers"


def test_classless_tables_are_wrapped_once_and_others_left_alone():
    table = "<table>\n<thead><tr><th>a</th></tr></thead>\n<tbody><tr><td>1</td></tr></tbody>\n</table>"
    page = f"<h2>T</h2>\n{table}\n<p>between</p>\n{table}\n"
    wrapped = table_wrappers.wrap_tables(page)
    assert wrapped == f"<h2>T</h2>\n{WRAPPED.format(table)}\n<p>between</p>\n{WRAPPED.format(table)}\n"
    assert table_wrappers.wrap_tables(wrapped) == wrapped  # a page wrapped already (or by hand) is not wrapped again
    for left_alone in ('<table class="">x</table>', '<table class="highlighttable"><tr><td>1</td></tr></table>', "<table class>x</table>",
                       "<pre><code>&lt;table&gt;&lt;/table&gt;</code></pre>", "<p>no table</p>", "<!-- <table></table> -->",
                       '<script>document.write("<table></table>")</script>', "<tablet>not a table</tablet>"):
        assert table_wrappers.wrap_tables(left_alone) == left_alone


def test_nested_tables_and_tables_after_void_elements_are_each_wrapped():
    inner = "<table><tr><td>n</td></tr></table>"
    page = f"<p>a<br>b<img src=x></p><table><tr><td>{inner}</td></tr></table>"
    assert table_wrappers.wrap_tables(page) == f"<p>a<br>b<img src=x></p>{WRAPPED.format(f'<table><tr><td>{WRAPPED.format(inner)}</td></tr></table>')}"


def test_a_wrong_wrap_is_caught():
    """The comparison above fails for a wrapper in the wrong place (the test can fail)."""
    table = "<table><tr><td>1</td></tr></table>"
    assert table_wrappers.wrap_tables(f"<p>{table}</p>") != f"<p>{table}</p>"
    assert table_wrappers.wrap_tables(f"<p>{table}</p>") != WRAPPED.format(f"<p>{table}</p>")


def test_materials_bundle_skips_the_tables_the_build_wrapped(tmp_path):
    original = material_bundle().read_text()
    edited = table_wrappers.skip_wrapped_tables(original, material_bundle().name)
    assert re.search(r'\w+\(":not\(\.md-typeset__table\)>table:not\(\[class\]\)",\w+\)\.map\(', edited)
    assert len(edited) - len(original) == len(":not(.md-typeset__table)>"), "only the one edit was expected"
    assert table_wrappers.skip_wrapped_tables(edited, "again") == edited
    assert_node_parses(tmp_path, edited)


def test_a_bundle_without_materials_table_query_is_an_error_naming_it():
    with pytest.raises(table_wrappers.BundleCodeNotFound, match=r"bundle\.x\.min\.js: .*tables it wraps was found 0 times"):
        table_wrappers.skip_wrapped_tables('M("table",e)', "bundle.x.min.js")


# ------------------------------------------------------------------ the search index on demand


def test_materials_bundle_requests_the_search_index_on_the_first_use_of_search(tmp_path):
    original = material_bundle().read_text()
    request = re.search(r'\w+=document\.forms\.namedItem\("search"\)\?(\w+)\(\):\w+[,;]', original)
    assert request, "Material's index request changed: review search_index_on_demand"
    edited = search_index_on_demand.load_on_demand(original, material_bundle().name)
    assert not re.search(r'=document\.forms\.namedItem\("search"\)\?\w+\(\):', edited)  # no request at load left
    assert 'addEventListener(t,s,{once:!0})' in edited and 'has("h")?s()' in edited and f"q={request.group(1)}()" in edited
    # Everything else is Material's code as it was.
    before, after = original[: request.start()], original[request.end() - 1 :]
    assert edited.startswith(before) and edited.endswith(after)
    assert search_index_on_demand.load_on_demand(edited, "again") == edited  # a second build finds it done
    assert_node_parses(tmp_path, edited)


def test_a_bundle_without_materials_index_request_is_an_error_naming_it():
    with pytest.raises(search_index_on_demand.BundleCodeNotFound, match=r"bundle\.x\.min\.js: .*search index at load was found 0 times"):
        search_index_on_demand.load_on_demand('var zi=fetchIt();', "bundle.x.min.js")
    request = 'var zi=document.forms.namedItem("search")?ks():tt;'
    with pytest.raises(search_index_on_demand.BundleCodeNotFound, match=r"Observable class .* found 0 times"):
        search_index_on_demand.load_on_demand(request, "bundle.x.min.js")


def test_article_pages_get_the_skip_rule_once_and_other_pages_none():
    article = '<html><head><title>t</title></head><body><article class="md-content__inner md-typeset"><p>x</p></article></body></html>'
    declared = progressive_blocks.declare(article)
    assert declared.count(progressive_blocks.HEAD_MARKUP) == 1 and declared.index(progressive_blocks.HEAD_MARKUP) < declared.index("</head>")
    assert progressive_blocks.declare(declared) == declared
    plain = "<html><head></head><body><p>no article</p></body></html>"
    assert progressive_blocks.declare(plain) == plain
    # The rule follows the class the inline script sets: without JavaScript nothing is skipped.
    assert progressive_blocks.SKIPPED_BLOCKS.startswith(f".{progressive_blocks.ROOT_CLASS} ")
    assert f'classList.add("{progressive_blocks.ROOT_CLASS}")' in progressive_blocks.HEAD_MARKUP


def test_the_script_reveals_with_the_class_the_rule_excludes():
    script = progressive_blocks.SCRIPT_SOURCE.read_text()
    assert f'classList.add("{progressive_blocks.SHOWN_CLASS}")' in script and f".{progressive_blocks.SHOWN_CLASS})" in progressive_blocks.SKIPPED_BLOCKS
    assert f'classList.contains("{progressive_blocks.ROOT_CLASS}")' in script
    assert 'setAttribute("data-blocks-rendered"' in script  # what the browser tests wait for


def test_a_bundle_rewrite_is_kept_by_its_input_and_a_failed_one_is_not(tmp_path):
    from page_weight.site_files import BundleCodeNotFound, rewrite_each

    calls = []

    def upper(text: str, name: str) -> str:
        calls.append(text)
        return text.upper()

    def missing(text: str, name: str) -> str:
        calls.append(text)
        raise BundleCodeNotFound("not found")

    path = tmp_path / "bundle.min.js"
    for text in ("a", "a", "b"):
        path.write_text(text)
        rewrite_each([path], upper)
        assert path.read_text() == text.upper()
    assert calls == ["a", "b"]  # the second "a" came from what was kept
    for _ in range(2):
        path.write_text("c")
        with pytest.raises(BundleCodeNotFound):
            rewrite_each([path], missing)
    assert calls == ["a", "b", "c", "c"]
