"""Tests of build-time KaTeX: the Node renderer, the HTML rewrite, the katex-prerender MkDocs plugin.

Tests that need KaTeX fail (they are not skipped) when node_modules/katex is
missing: run `npm ci` (the Makefile does).
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import markdown
import pytest

from katex_prerender import arithmatex_html as ah
from katex_prerender.assets import css_urls, install_katex_assets, woff2_only_css
from katex_prerender.plugin import KatexPrerenderPlugin
from katex_prerender.renderer import (
    SERVER_SCRIPT,
    KatexError,
    KatexRenderer,
    KatexSetupError,
)

REPO = Path(__file__).resolve().parent.parent
NODE_MODULES = REPO / "node_modules"
MKDOCS = [sys.executable, "-m", "mkdocs"]

# --------------------------------------------------------------------------
# fixtures


@pytest.fixture(scope="session")
def katex_installed() -> Path:
    pkg = REPO / "node_modules" / "katex" / "package.json"
    if not pkg.is_file():
        pytest.fail(f"{pkg} is missing: run `npm ci` (or `make`) in {REPO} first", pytrace=False)
    return pkg.parent


@pytest.fixture(scope="module")
def katex(katex_installed):
    with KatexRenderer(NODE_MODULES) as renderer:
        yield renderer


def arithmatex(markdown_text: str) -> str:
    """HTML as MkDocs makes it with the site's math settings (arithmatex generic + math fence)."""
    from pymdownx.arithmatex import arithmatex_fenced_format

    md = markdown.Markdown(
        extensions=["admonition", "pymdownx.arithmatex", "pymdownx.superfences"],
        extension_configs={
            "pymdownx.arithmatex": {"generic": True},
            "pymdownx.superfences": {
                "custom_fences": [
                    {
                        "name": "math",
                        "class": "arithmatex",
                        "format": arithmatex_fenced_format(which="generic"),
                    }
                ]
            },
        },
    )
    return md.convert(textwrap.dedent(markdown_text))


def annotations(rendered_html: str) -> list[str]:
    """The TeX KaTeX actually rendered, read back from its MathML annotations."""
    return [
        html.unescape(t)
        for t in re.findall(
            r'<annotation encoding="application/x-tex">(.*?)</annotation>', rendered_html, re.S
        )
    ]


# --------------------------------------------------------------------------
# the renderer


def test_inline_formula_has_katex_html_and_mathml(katex):
    out = katex.render(r"\frac{a}{b} < c", display=False)
    assert out.startswith('<span class="katex">')
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML">' in out
    assert 'class="katex-html"' in out
    assert "katex-display" not in out
    assert annotations(out) == [r"\frac{a}{b} < c"]


def test_display_formula_is_display_mode(katex):
    out = katex.render(r"\sum_i p_i = 1", display=True)
    assert out.startswith('<span class="katex-display"><span class="katex">')
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">' in out


def test_malformed_tex_raises_katex_error_with_its_message(katex):
    with pytest.raises(KatexError) as info:
        katex.render(r"\frac{1}{", display=True)
    assert "KaTeX parse error" in str(info.value)
    assert "expected '}'" in str(info.value)
    assert info.value.tex == r"\frac{1}{" and info.value.display is True


def test_unknown_macro_raises(katex):
    with pytest.raises(KatexError, match=r"Undefined control sequence: \\nosuchmacro"):
        katex.render(r"x + \nosuchmacro", display=False)


def test_strict_mode_turns_warnings_into_errors(katex):
    # Non-strict KaTeX renders this with a console warning; the site wants an error.
    with pytest.raises(KatexError, match="unicodeTextInMathMode"):
        katex.render("é", display=False)


def test_single_request_message_matches_batch(katex):
    assert katex.render_one_request("x^2", False) == katex.render("x^2", False)
    with pytest.raises(KatexError, match="KaTeX parse error"):
        katex.render_one_request("x^", False)


def test_batch_keeps_order_and_returns_errors_in_place(katex):
    out = katex.render_many([("a", False), ("\\frac{", True), ("b", True), ("a", False)])
    assert isinstance(out[1], KatexError)
    assert annotations(out[0]) == ["a"] and annotations(out[2]) == ["b"]
    assert out[3] == out[0]
    assert "katex-display" in out[2] and "katex-display" not in out[0]


def _server_processes_of_this_test() -> list[int]:
    """PIDs of katex_server.mjs processes whose parent is this Python process (Linux)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == os.getpid() and str(SERVER_SCRIPT).encode() in cmdline:
            pids.append(int(entry.name))
    return pids


def test_many_renders_use_one_node_process(katex_installed):
    on_linux = Path("/proc/self/stat").exists()
    others = set(_server_processes_of_this_test()) if on_linux else set()  # e.g. the `katex` fixture's
    with KatexRenderer(NODE_MODULES) as katex:
        assert katex.pid is None, "Node must not start before the first formula"
        katex.render("x", False)
        pid = katex.pid
        assert pid is not None
        for i in range(150):
            katex.render(f"x_{{{i}}} + \\alpha^{i}", display=bool(i % 2))
        katex.render_many([(f"y_{i}", True) for i in range(150)])
        assert katex.pid == pid
        assert katex.starts == 1
        if on_linux:
            assert set(_server_processes_of_this_test()) - others == {pid}
    assert katex.pid is None
    if on_linux:
        assert set(_server_processes_of_this_test()) - others == set()


def test_identical_formulas_are_rendered_once(katex_installed):
    with KatexRenderer(NODE_MODULES) as katex:
        first = katex.render(r"\log p", False)
        sent = katex.requests
        assert katex.render(r"\log p", False) == first
        assert katex.render_many([(r"\log p", False)] * 5) == [first] * 5
        assert katex.requests == sent
        with pytest.raises(KatexError):
            katex.render(r"\frac", False)
        sent = katex.requests
        with pytest.raises(KatexError):
            katex.render(r"\frac", False)  # errors are cached too
        assert katex.requests == sent
        katex.render(r"\log p", True)  # display mode is a different formula
        assert katex.requests == sent + 1


def test_closed_renderer_restarts_on_demand(katex_installed):
    katex = KatexRenderer(NODE_MODULES)
    katex.render("a", False)
    katex.close()
    assert katex.pid is None
    katex.render("b", False)
    assert katex.pid is not None and katex.starts == 2
    katex.close()


def test_missing_katex_package_says_run_npm_ci(tmp_path):
    with pytest.raises(KatexSetupError, match=r"npm ci"):
        KatexRenderer(tmp_path).render("x", False)


def test_missing_node_is_a_clear_error(katex_installed):
    with pytest.raises(KatexSetupError, match=r"Node\.js .* not found"):
        KatexRenderer(NODE_MODULES, node="no-such-node-binary-here").render("x", False)


# --------------------------------------------------------------------------
# finding and replacing arithmatex output


PAGE = r"""
# Title

Inline $a<b$, \(x > y \& z\) and $"q"$; not math: `$code$`, \$5, 3 < 4 & 5 > 2.

$$
\frac{a}{b} < c
$$

\begin{aligned} a &= b \\ c &< d \end{aligned}

!!! note
    Inside $p_i$ an admonition:

    $$
    \sum_i p_i = 1
    $$

```math
f(x) < "g"
```
"""

PAGE_TEX = [
    ("a<b", False),
    (r"x > y \& z", False),
    ('"q"', False),
    (r"\frac{a}{b} < c", True),
    (r"\begin{aligned} a &= b \\ c &< d \end{aligned}", True),
    ("p_i", False),
    (r"\sum_i p_i = 1", True),
    ('f(x) < "g"', True),
]


def test_arithmatex_generic_output_format_is_what_we_parse():
    page = arithmatex(PAGE)
    # The installed pymdownx writes exactly these forms (escaped text, MathJax delimiters).
    assert r'<span class="arithmatex">\(a&lt;b\)</span>' in page
    assert '<div class="arithmatex">\\[\n\\frac{a}{b} &lt; c\n\\]</div>' in page
    assert '<div class="arithmatex">\\[\nf(x) &lt; &quot;g&quot;\n\\]</div>' in page
    found = ah.find_formulas(page)
    assert [(f.tex, f.display) for f in found] == PAGE_TEX
    assert ah.count_arithmatex_elements(page) == len(found)


def test_replacement_leaves_everything_else_byte_for_byte():
    page = arithmatex(PAGE)
    found = ah.find_formulas(page)
    out = ah.replace_formulas(page, found, [f"@{i}@" for i in range(len(found))])
    # Undo the replacement by hand: the rest of the page must be unchanged.
    restored = out
    for i, f in enumerate(found):
        restored = restored.replace(f"@{i}@", f.source, 1)
    assert restored == page
    assert "<code>$code$</code>" in out and "$5" in out and "3 &lt; 4 &amp; 5 &gt; 2" in out


def test_rewrite_keeps_wrapper_and_attributes():
    page = '<p>x <div id="eq1" class="arithmatex wide" data-n="1">\\[\nx\n\\]</div></p>'
    new, failures = ah.rewrite_html(page, lambda fs: ["<b>X</b>"] * len(fs))
    assert failures == []
    assert new == '<p>x <div id="eq1" class="arithmatex wide" data-n="1"><b>X</b></div></p>'


def test_non_arithmatex_elements_and_unknown_forms_are_ignored():
    page = (
        '<span class="not-arithmatex">\\(x\\)</span>'
        '<span class="arithmatexish">\\(x\\)</span>'
        '<span class="arithmatex"><script type="math/tex">x</script></span>'  # MathJax mode
        '<span class="arithmatex">$x$</span>'  # custom delimiters
        "<p>\\(x\\) escaped in Markdown</p>"
    )
    assert ah.find_formulas(page) == []
    assert ah.count_arithmatex_elements(page) == 2
    assert ah.rewrite_html(page, lambda fs: 1 / 0) == (page, [])


def test_rewrite_renders_the_unescaped_tex(katex):
    """A wrong output is caught: what KaTeX typeset (its MathML annotation) is the author's TeX.

    Passing the HTML-escaped text (``a&lt;b``) to KaTeX would typeset the
    entity's characters instead, and this comparison would fail.
    """
    page = arithmatex(PAGE)
    new, failures = ah.rewrite_html(
        page, lambda fs: katex.render_many((f.tex, f.display) for f in fs)
    )
    assert failures == []
    assert "katex-error" not in new
    assert annotations(new) == [tex for tex, _ in PAGE_TEX]
    assert new.count('class="katex-display"') == sum(d for _, d in PAGE_TEX)
    outside_mathml = re.sub(r"<annotation.*?</annotation>", "", new, flags=re.S)
    assert "\\(" not in outside_mathml and "\\[" not in outside_mathml
    assert ah.find_formulas(new) == []  # rewriting is idempotent


def test_rewrite_marks_bad_formula_and_reports_it(katex):
    page = arithmatex("Good $x^2$ and bad $\\frac{1}{$ and good $y$.\n")
    new, failures = ah.rewrite_html(
        page, lambda fs: katex.render_many((f.tex, f.display) for f in fs)
    )
    assert [(f.tex, type(e)) for f, e in failures] == [("\\frac{1}{", KatexError)]
    assert new.count('class="katex"') == 2
    bad = re.search(r'<span class="arithmatex"><span class="katex-error" title="([^"]*)"[^>]*>([^<]*)</span></span>', new)
    assert bad, new
    assert "KaTeX parse error" in html.unescape(bad.group(1))
    assert html.unescape(bad.group(2)) == "\\(\\frac{1}{\\)"


def test_locate_in_source():
    src = textwrap.dedent(
        r"""
        # T

        The example uses x.
        Inline $x$ here, and $\frac{1}{$ there.

        !!! note
            $$
            a +
                b
            $$

        Again: $\frac{1}{$.
        ```math
        \int_0^1 f
        ```
        """
    ).lstrip("\n")
    assert ah.locate_in_source(src, "x") == 4  # after a delimiter, not in "example"
    assert ah.locate_in_source(src, r"\frac{1}{") == 4
    assert ah.locate_in_source(src, r"\frac{1}{", occurrence=1) == 12
    assert ah.locate_in_source(src, r"\frac{1}{", occurrence=9) == 12
    assert ah.locate_in_source(src, "a +\nb") == 8  # re-indented by the admonition
    assert ah.locate_in_source(src, r"\int_0^1 f") == 14
    assert ah.locate_in_source(src, r"\notthere") is None


# --------------------------------------------------------------------------
# stylesheet and fonts


def test_woff2_only_css_keeps_one_woff2_source_per_font_face():
    css = (
        '@font-face{font-family:A;src:url(fonts/A.woff2) format("woff2"),'
        'url(fonts/A.woff) format("woff"),url(fonts/A.ttf) format("truetype")}'
        ".x{color:red}"
        '@font-face{font-family:B;src:url(fonts/B.ttf) format("truetype")}'
    )
    out = woff2_only_css(css)
    assert out == (
        '@font-face{font-family:A;src:url(fonts/A.woff2) format("woff2")}'
        ".x{color:red}"
        '@font-face{font-family:B;src:url(fonts/B.ttf) format("truetype")}'
    )
    assert css_urls(out) == ["fonts/A.woff2", "fonts/B.ttf"]


def test_installed_assets_are_css_and_woff2_fonts_only(katex_installed, tmp_path):
    written = install_katex_assets(tmp_path / "katex", NODE_MODULES)
    names = sorted(p.relative_to(tmp_path / "katex").as_posix() for p in written)
    assert "katex.min.css" in names
    fonts = [n for n in names if n.startswith("fonts/")]
    assert fonts and all(n.endswith(".woff2") for n in fonts)
    assert not [n for n in names if n.endswith(".js") or n.endswith(".mjs")]
    css = (tmp_path / "katex" / "katex.min.css").read_text()
    urls = css_urls(css)
    assert sorted(urls) == sorted(fonts)
    assert css.count("@font-face{") == len(fonts)
    assert ".woff)" not in css and ".ttf" not in css
    assert ".katex{" in css


# --------------------------------------------------------------------------
# the hook in real MkDocs builds


GOOD_PAGE = r"""# Softmax

The softmax is $p_i = \frac{e^{z_i}}{\sum_j e^{z_j}}$, and \(0 < p_i \& p_i < 1\).

$$
\mathcal{L}(y, p) = -\sum_i y_i \log p_i
$$
"""

BROKEN_PAGE = r"""# Broken

Fine: $a + b$.

Line five is fine too.

$$
\frac{1}{
$$
"""
BROKEN_LINE = 8


def make_project(root: Path, *, broken: bool, node_modules: Path = NODE_MODULES) -> Path:
    (root / "docs").mkdir(parents=True)
    (root / "mkdocs.yml").write_text(
        textwrap.dedent(
            f"""\
            site_name: KaTeX hook test
            theme:
              name: material
              font: false
            markdown_extensions:
              - pymdownx.arithmatex:
                  generic: true
            extra_css:
              - assets/katex/katex.min.css
            plugins:
              - search
              - katex-prerender:
                  node_modules: {json.dumps(str(node_modules))}
            """
        )
    )
    (root / "docs" / "index.md").write_text(GOOD_PAGE)
    (root / "docs" / "plain.md").write_text("# Plain\n\nNo formulas here.\n")
    if broken:
        (root / "docs" / "broken.md").write_text(BROKEN_PAGE)
    return root


def mkdocs_build(project: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(
        [*MKDOCS, "build", "--strict", *extra],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.fixture(scope="module")
def good_site(katex_installed, tmp_path_factory) -> Path:
    project = make_project(tmp_path_factory.mktemp("good"), broken=False)
    result = mkdocs_build(project)
    assert result.returncode == 0, result.stderr
    return project / "site"


def test_strict_build_fails_naming_page_line_and_tex(katex_installed, tmp_path):
    project = make_project(tmp_path, broken=True)
    result = mkdocs_build(project)
    assert result.returncode != 0
    expected = f"docs/broken.md:{BROKEN_LINE}: cannot render formula '\\frac{{1}}{{': KaTeX parse error"
    assert expected in result.stderr, result.stderr
    assert "Aborted with 1 warnings in strict mode" in result.stdout + result.stderr
    # Non-strict, the page is still written, with the bad formula visibly marked.
    lax = subprocess.run(
        [*MKDOCS, "build"], cwd=project, capture_output=True, text=True, timeout=180,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert lax.returncode == 0
    page = (project / "site" / "broken" / "index.html").read_text()
    assert 'class="katex-error"' in page and page.count('class="katex"') == 1


def test_good_build_has_katex_markup_and_no_raw_tex(good_site):
    page = (good_site / "index.html").read_text()
    assert page.count('<span class="katex">') == 3
    assert 'class="katex-display"' in page and "<math" in page
    assert "\\(" not in page and "\\[" not in page
    assert "katex-error" not in page
    assert annotations(page) == [
        r"p_i = \frac{e^{z_i}}{\sum_j e^{z_j}}",
        r"0 < p_i \& p_i < 1",
        r"\mathcal{L}(y, p) = -\sum_i y_i \log p_i",
    ]
    assert '<link rel="stylesheet" href="assets/katex/katex.min.css">' in page


def test_good_build_loads_no_katex_javascript(good_site):
    for page in good_site.rglob("*.html"):
        scripts = re.findall(r"<script\b[^>]*>", page.read_text())
        assert not [s for s in scripts if "katex" in s.lower()], page
    assert not [p for p in good_site.rglob("*") if p.suffix in {".js", ".mjs"} and "katex" in p.name.lower()]


def test_good_build_ships_katex_css_and_woff2_fonts(good_site):
    css = good_site / "assets" / "katex" / "katex.min.css"
    assert css.is_file()
    urls = css_urls(css.read_text())
    assert urls and all((css.parent / u).is_file() for u in urls)
    shipped = sorted(p.name for p in (css.parent / "fonts").iterdir())
    assert shipped == sorted(Path(u).name for u in urls)
    assert all(name.endswith(".woff2") for name in shipped)


def test_search_index_keeps_tex_not_katex_markup(good_site):
    raw = (good_site / "search" / "search_index.json").read_text()
    index = json.loads(raw)
    text = " ".join(doc["text"] for doc in index["docs"])
    # The formulas exactly as arithmatex wrote them, delimiters included ...
    assert r"\(p_i = \frac{e^{z_i}}{\sum_j e^{z_j}}\)" in text
    assert r"\[ \mathcal{L}(y, p) = -\sum_i y_i \log p_i \]" in text
    # ... and none of KaTeX's output: not its class names (had the markup been
    # indexed), not its glyph text (what the search plugin keeps of the markup).
    for katex_output in ("katex", "mord", "mathnormal", "<math", "\u2211", "\u200b", "\u2212"):
        assert katex_output not in raw and katex_output not in text, katex_output


def test_build_without_katex_installed_says_run_npm_ci(tmp_path):
    """A node_modules folder without KaTeX: the build stops at once, naming the option, and says what to do."""
    project = make_project(tmp_path / "project", broken=False, node_modules=tmp_path / "empty")
    result = mkdocs_build(project)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "plugin 'katex-prerender' option 'node_modules': KaTeX is not installed" in output
    assert "npm ci" in output


def test_plugin_runs_after_search_plugin_on_page_context(katex_installed, tmp_path):
    """Material's search plugin reads page.content in on_page_context; the plugin must come later."""
    from material.plugins.search.plugin import SearchPlugin
    from mkdocs.config import load_config

    project = make_project(tmp_path, broken=False)
    config = load_config(str(project / "mkdocs.yml"))
    handlers = config.plugins.events["page_context"]
    search = [i for i, h in enumerate(handlers) if isinstance(getattr(h, "__self__", None), SearchPlugin)]
    katex = [i for i, h in enumerate(handlers) if isinstance(getattr(h, "__self__", None), KatexPrerenderPlugin)]
    assert len(search) == 1 and len(katex) == 1, handlers
    assert search[0] < katex[0]


def test_build_without_math_never_starts_node(katex_installed, tmp_path):
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    project = make_project(tmp_path, broken=False)
    (project / "docs" / "index.md").write_text("# Home\n\nNo math at all.\n")
    config = load_config(str(project / "mkdocs.yml"))
    plugin = config.plugins["katex-prerender"]
    # MkDocs keeps a plugin with on_startup across configs: its renderer may come from an earlier test's
    # project (then replaced, for this project's cache) or be this build's own.
    earlier = plugin.renderer
    before = earlier.starts if earlier is not None else 0
    config.plugins.on_startup(command="build", dirty=False)
    try:
        build(config)
    finally:
        config.plugins.on_shutdown()
    renderer = plugin.renderer
    assert renderer is None or renderer.starts == (before if renderer is earlier else 0)
    assert (project / "site" / "assets" / "katex" / "katex.min.css").is_file()


def test_serve_reuses_a_typeset_page_and_keeps_its_formulas_in_the_cache(katex_installed, tmp_path, monkeypatch):
    """Under serve a page whose HTML is unchanged is not scanned again, and its formulas stay in
    formulas.json (the next `mkdocs build` must not need Node for them)."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    project = make_project(tmp_path, broken=True)
    config = load_config(str(project / "mkdocs.yml"))
    plugin = config.plugins["katex-prerender"]
    config.plugins.on_startup(command="serve", dirty=False)
    try:
        build(config)
        first = (project / "site" / "index.html").read_text()
        cached = set(json.loads((project / ".cache" / "katex_prerender" / "formulas.json").read_text())["formulas"])
        scans = []
        real_find = ah.find_formulas
        monkeypatch.setattr(ah, "find_formulas", lambda html: scans.append(html) or real_find(html))
        config = load_config(str(project / "mkdocs.yml"))  # serve loads mkdocs.yml again for each rebuild
        assert config.plugins["katex-prerender"] is plugin
        build(config)
    finally:
        config.plugins.on_shutdown()
    assert (project / "site" / "index.html").read_text() == first
    # Only the page with a refused formula is scanned again, so that its warning is logged on every build.
    assert scans and all("\\frac{1}{" in html for html in scans)
    assert plugin.refused == 1
    again = set(json.loads((project / ".cache" / "katex_prerender" / "formulas.json").read_text())["formulas"])
    assert again == cached and len(cached) >= 3


# --------------------------------------------------------------------------
# \htmlData: the one trusted HTML extension (bound values' provenance)


def test_html_data_is_trusted_and_gives_data_attributes(katex):
    out = katex.render(r"x = \htmlData{snippet=a/b.py,value=loss[0]}{0.41}")
    assert '<span class="enclosing" data-snippet="a/b.py" data-value="loss[0]"><span class="mord">0.41</span></span>' in out
    assert "<mn>0.41</mn>" in out  # the MathML holds the number, unmarked


@pytest.mark.parametrize("tex", [
    r"\href{https://example.org}{x}",
    r"\url{https://example.org}",
    r"\htmlClass{a}{x}",
    r"\htmlId{a}{x}",
    r"\htmlStyle{color: red}{x}",
    r"\includegraphics[height=1em]{a.png}",
])
def test_every_other_trusted_command_is_an_error(katex, tex):
    command = tex.split("{")[0].split("[")[0]
    with pytest.raises(KatexError, match=re.escape(command) + r" is not allowed on this site"):
        katex.render(tex)


def test_an_untrusted_command_without_the_check_would_pass_silently(katex):
    """Why the check exists: KaTeX typesets a refused command as red text instead of raising."""
    script = (Path(__file__).resolve().parent.parent / "scripts" / "katex_prerender" / "katex_server.mjs").read_text()
    assert "refused.length > 0" in script  # the check that turns a refusal into an error
    result = subprocess.run(
        ["node", "-e", "const k = require(process.argv[1]); process.stdout.write(k.renderToString('\\\\href{x}{y}', {throwOnError: true, trust: false}))",
         str(NODE_MODULES / "katex")],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0 and "#cc0000" in result.stdout


@pytest.mark.parametrize(("tex", "unwrapped"), [
    (r"a = \htmlData{snippet=a/b.py,value=v[0]}{0.41}", "a = 0.41"),
    (r"\frac{\htmlData{k=v}{1} + \htmlData {k=v} {-2.5e-06}}{2}", r"\frac{1 + -2.5e-06}{2}"),
    (r"\htmlData{k=v}{\frac{1}{\htmlData{k=w}{2}}}", r"\frac{1}{2}"),
    (r"\htmlData{k=v}", r"\htmlData{k=v}"),  # malformed: left for KaTeX to report
    (r"\htmlData{k=v", r"\htmlData{k=v"),
    (r"x^2", r"x^2"),
])
def test_unwrap_html_data(tex, unwrapped):
    assert ah.unwrap_html_data(tex) == unwrapped


def test_search_sees_the_number_and_katex_gets_the_marked_tex():
    page = '<p>Loss <span class="arithmatex">\\(\\ell = \\htmlData{snippet=a/b.py,value=v}{0.41}\\)</span>, <span class="arithmatex">\\(x\\)</span>.</p>'
    for_search = ah.text_for_search(page)
    assert "htmlData" not in re.sub(r'data-katex-tex="[^"]*"', "", for_search)
    assert "\\(\\ell = 0.41\\)" in for_search and "\\(x\\)" in for_search
    formulas = ah.find_formulas(for_search)
    assert [f.tex for f in formulas] == [r"\ell = \htmlData{snippet=a/b.py,value=v}{0.41}", "x"]
    assert "data-katex-tex" not in formulas[0].open_tag()  # the typeset page does not keep it
    assert ah.text_for_search("<p>no marks</p>") == "<p>no marks</p>"


def test_build_indexes_the_marked_number_as_text_and_typesets_the_mark(katex_installed, tmp_path):
    project = make_project(tmp_path, broken=False)
    (project / "docs" / "index.md").write_text("# Marked\n\nThe loss is $\\ell = \\htmlData{snippet=a/b.py,value=loss}{0.4170}$.\n")
    result = mkdocs_build(project)
    assert result.returncode == 0, result.stderr
    index = json.loads((project / "site" / "search" / "search_index.json").read_text())
    text = " ".join(doc["text"] for doc in index["docs"])
    assert r"\(\ell = 0.4170\)" in text and "htmlData" not in text and "data-snippet" not in text
    page = (project / "site" / "index.html").read_text()
    assert 'data-snippet="a/b.py" data-value="loss"' in page
    assert "data-katex-tex" not in page and "katex-error" not in page
