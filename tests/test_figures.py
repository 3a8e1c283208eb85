"""Figures drawn by snippets: captured as deterministic SVG, checked, shown in both languages, and redrawn the same.

* the SVG itself (`figure_svg`): no date, version or random id, ids unique per
  figure, colours from the page's palette, text as text, translations that
  keep the geometry;
* the engine: a figure a section leaves open is captured and stored beside the
  record; a re-run gives the same bytes and a second run writes nothing; a
  snippet that raises keeps its previous figure; bad FIGURES and labels are
  `path:line` errors; the freshness check covers the figure files;
* the page: the figure under its section's code and output, in the page's
  language, with its alt text; a missing alt text, an untranslated label and
  a figure over budget are warnings that fail a strict build;
* what the site shows: the engine redraws every committed figure with the same
  points (and a changed data point in a copy of a snippet fails this suite).
"""
from __future__ import annotations

import html
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib
import pytest
from matplotlib.figure import Figure

from verified_snippets import figure_svg
from verified_snippets.figure_markup import FigureMarkup, record_warnings
from verified_snippets.layout import Project
from verified_snippets.output_records import OutputRecord
from verified_snippets.page_markup import PageRenderer, SnippetState

import svg_points
from conftest import REPO, mkdocs_build, run_script

# ---------------------------------------------------------------------------- the SVG


def matplotlib_svg(ys: list[float], salt: str = "a", label: str = "squares") -> str:
    """A small figure as matplotlib writes it, with the date and version it puts in by default."""
    fig = Figure(figsize=(3, 2))  # no pyplot: no backend, no display
    ax = fig.subplots()
    ax.plot(ys, label=label)
    ax.plot([0, len(ys) - 1], [0, 0], "C1--")
    ax.set_xlabel("index")
    ax.set_yscale("symlog")
    ax.legend()
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": salt}):
        fig.savefig(buffer, format="svg")
    return buffer.getvalue().decode()


def ids_and_references(svg: str) -> tuple[list[str], set[str]]:
    ids = re.findall(r'\sid="([^"]+)"', svg)
    references = set(re.findall(r'href="#([^"]+)"', svg)) | set(re.findall(r"url\(#([^)]+)\)", svg))
    return ids, references


def test_normalised_svg_has_nothing_that_changes_between_runs():
    raw_a, raw_b = matplotlib_svg([0, 1, 4, 9], salt="a"), matplotlib_svg([0, 1, 4, 9], salt="b")
    assert raw_a != raw_b, "matplotlib's own ids follow the salt"
    assert "<dc:date>" in raw_a and "Matplotlib v" in raw_a  # what normalise has to drop
    a, b = figure_svg.normalise(raw_a, "fig-demo"), figure_svg.normalise(raw_b, "fig-demo")
    assert a == b
    assert figure_svg.normalise(a, "fig-demo") == a, "normalising twice changes nothing"
    for unwanted in ("<metadata", "dc:date", "Matplotlib v", "<!--", "<style", "DejaVu", ": #000000", ": #ffffff", "rotate(-0 "):
        assert unwanted not in a, unwanted
    assert len(a) < 0.7 * len(raw_a)


def test_normalised_ids_are_the_figures_own_and_every_reference_resolves():
    one = figure_svg.normalise(matplotlib_svg([0, 1, 4, 9]), "fig-a-one")
    two = figure_svg.normalise(matplotlib_svg([0, 1, 4, 9]), "fig-a-two")
    ids_one, refs_one = ids_and_references(one)
    ids_two, _ = ids_and_references(two)
    assert ids_one and all(i.startswith("fig-a-one-") for i in ids_one)
    assert len(ids_one) == len(set(ids_one)) and refs_one == set(ids_one)
    assert not set(ids_one) & set(ids_two), "two figures on one page must not share an id"
    with pytest.raises(ValueError, match="id prefix"):
        figure_svg.normalise(one, "1 bad")


def test_normalised_colours_follow_the_page():
    svg = figure_svg.normalise(matplotlib_svg([0, 1, 4, 9]), "fig-c")
    root = svg.splitlines()[0]
    assert "fill: currentColor" in root and "var(--snippet-figure-font" in root and "stroke-linejoin: round" in root
    assert "stroke: var(--snippet-figure-c0, #1f77b4)" in svg  # C0, the first line
    assert "stroke: var(--snippet-figure-c1, #bb5800)" in svg  # C1, darkened for white in the fallback
    assert "stroke: currentColor" in svg and "fill: var(--snippet-figure-bg, #ffffff)" in svg


def test_a_changed_data_point_changes_the_svg_and_its_points():
    base = figure_svg.normalise(matplotlib_svg([0, 1, 4, 9]), "fig-d")
    assert svg_points.compare(base, base) == []
    changed = figure_svg.normalise(matplotlib_svg([0, 1, 4.5, 9]), "fig-d")
    assert changed != base and svg_points.compare(base, changed) != []
    relabelled = figure_svg.normalise(matplotlib_svg([0, 1, 4, 9], label="cubes"), "fig-d")
    assert any("texts differ" in p for p in svg_points.compare(base, relabelled))


def test_matplotlibs_own_svg_and_the_normalised_one_show_the_same_points():
    raw = matplotlib_svg([0, 1, 4, 9])
    assert svg_points.compare(raw, figure_svg.normalise(raw, "fig-e")) == []


def test_translation_swaps_words_and_keeps_every_coordinate():
    svg = figure_svg.normalise(matplotlib_svg([0, 1, 4, 9]), "fig-t")
    assert figure_svg.words(svg) == ["index", "squares"]
    done = figure_svg.translate(svg, {"index": "下标", "not shown": "x"})
    assert ">下标</text>" in done.svg and ">index<" not in done.svg
    assert done.untranslated == ["squares"] and done.unused == ["not shown"]
    assert svg_points.coordinates(done.svg) == svg_points.coordinates(svg)
    assert figure_svg.translate(svg, {"index": "下标", "squares": "平方"}).untranslated == []


def test_only_words_need_translating():
    assert figure_svg.has_words("loss") and figure_svg.has_words("损失") and figure_svg.has_words("q₀ = 0 from gap 103.97")
    assert not figure_svg.has_words("−0.25") and not figure_svg.has_words("$\\mathdefault{10^{-3}}$") and not figure_svg.has_words("+0.23")


def test_the_accessible_name_is_escaped():
    labelled = figure_svg.with_label('<svg viewBox="0 0 1 1"></svg>', 'a "b" <c> & d')
    assert labelled.startswith('<svg role="img" aria-label="a &quot;b&quot; &lt;c&gt; &amp; d" ')


def test_the_palette_reads_on_both_backgrounds():
    """Every colour the stylesheet sets has 4.5:1 against its palette's background; tab10 itself would fail."""
    css = (REPO / "scripts" / "verified_snippets" / "figures.css").read_text()
    light, dark = (dict(re.findall(r"--snippet-figure-(c\d|muted):\s*(#[0-9a-f]{6})", block)) for block in css.split('[data-md-color-scheme="slate"]'))
    assert len(light) == len(dark) == 11
    for name, colour in light.items():
        assert contrast(colour, "#ffffff") >= 4.5, f"light {name} {colour}"
    for name, colour in dark.items():
        assert contrast(colour, "#1e2029") >= 4.5, f"dark {name} {colour}"
    for fallback in re.findall(r"#[0-9a-f]{6}\)", " ".join(figure_svg.THEME_COLOURS.values())):
        if fallback != "#ffffff)":
            assert contrast(fallback[:-1], "#ffffff") >= 4.5, fallback
    assert contrast("#ff7f0e", "#ffffff") < 3 and contrast("#1f77b4", "#1e2029") < 4.5, "the check can fail"


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


# ---------------------------------------------------------------------------- the engine

FIGURE_SNIPPET = '''import matplotlib.pyplot as plt

points = [0.0, 1.0, 4.0, 9.0]
# --8<-- [start:plot]
fig, ax = plt.subplots(num="squares", figsize=(3, 2))
ax.plot(points, label="squares")
ax.set_xlabel("index")
ax.legend()
print("drawn")
plt.show()
# --8<-- [end:plot]

FIGURES = {"squares": {"alt": {"en": f"The squares {points}", "zh": f"平方数 {points}"},
                       "text": {"zh": {"squares": "平方", "index": "下标"}}}}
'''
OPENED_AT = 5  # the line of plt.subplots above
NAME = "demo/fig.py"


def figure_file(scratch) -> Path:
    return scratch.root / "snippets" / "demo" / "outputs" / "fig.squares.svg"


def test_a_figure_left_open_by_a_section_is_stored_beside_the_record(scratch):
    scratch.snippet(NAME, FIGURE_SNIPPET)
    result = scratch.run()
    assert result.returncode == 0, result.stderr
    record = json.loads(scratch.output(NAME).read_text())
    [entry] = record["figures"]
    svg = figure_file(scratch).read_text()
    assert entry == {
        "name": "squares", "section": "plot", "line": OPENED_AT, "region_first_line": OPENED_AT, "file": "fig.squares.svg",
        "sha256": entry["sha256"], "bytes": len(svg.encode()),
        "alt": {"en": "The squares [0.0, 1.0, 4.0, 9.0]", "zh": "平方数 [0.0, 1.0, 4.0, 9.0]"},
        "text": {"zh": {"squares": "平方", "index": "下标"}},
    }
    assert svg.startswith("<svg ") and ">squares</text>" in svg
    assert record["sections"]["plot"] == "drawn\n"
    assert "non-interactive" not in result.stderr, "plt.show() under the engine says nothing"


def test_figures_are_byte_identical_on_a_rerun_and_a_second_run_writes_nothing(scratch):
    scratch.snippet(NAME, FIGURE_SNIPPET)
    assert scratch.run().returncode == 0
    first = figure_file(scratch).read_bytes()
    tree = scratch.tree_snapshot()
    again = scratch.run()
    assert "reused 1" in again.stdout and scratch.tree_snapshot() == tree, "an up-to-date run writes nothing"
    forced = scratch.run("--force", "--repeat", "2")  # two runs in the engine, compared, then written
    assert forced.returncode == 0, forced.stderr
    assert figure_file(scratch).read_bytes() == first


def test_a_readers_matplotlibrc_does_not_change_the_figure(scratch, tmp_path):
    scratch.snippet(NAME, FIGURE_SNIPPET)
    assert scratch.run().returncode == 0
    plain = figure_file(scratch).read_bytes()
    rc = tmp_path / "matplotlibrc"
    rc.write_text("lines.linewidth: 7\naxes.prop_cycle: cycler('color', ['ff0000'])\nfont.size: 20\n")
    assert scratch.run("--force", env={"MATPLOTLIBRC": str(rc)}).returncode == 0
    assert figure_file(scratch).read_bytes() == plain


def test_a_snippet_that_opens_a_figure_and_raises_keeps_its_previous_figure(scratch):
    path = scratch.snippet(NAME, FIGURE_SNIPPET)
    assert scratch.run().returncode == 0
    figure, record = figure_file(scratch).read_bytes(), scratch.output(NAME).read_bytes()
    broken = FIGURE_SNIPPET.replace('print("drawn")', 'ax.plot([5, 5])\nprint(1 / 0)')
    path.write_text(broken)
    result = scratch.run()
    assert result.returncode != 0
    line = broken.splitlines().index("print(1 / 0)") + 1
    assert f"snippets/demo/fig.py:{line}: ZeroDivisionError: division by zero" in result.stderr
    assert figure_file(scratch).read_bytes() == figure and scratch.output(NAME).read_bytes() == record


def test_an_unseeded_figure_is_caught_as_non_deterministic(scratch):
    scratch.snippet("demo/noise.py", (
        "import matplotlib.pyplot as plt\nimport torch\n"
        "# --8<-- [start:plot]\nfig, ax = plt.subplots(num='noise')\nax.plot(torch.rand(5))\n# --8<-- [end:plot]\n"
    ))
    result = scratch.run("--repeat", "2")
    assert result.returncode != 0
    assert "snippets/demo/noise.py: non-deterministic output; a figure's SVG differs between runs" in result.stderr


@pytest.mark.parametrize(("change", "line", "message"), [
    (('FIGURES = {"squares"', 'FIGURES = {"square"'), 13, "FIGURES names 'square', but no figure of that name was open at the end of a section (figures: squares)"),
    (('num="squares"', 'num="My Squares"'), OPENED_AT, "figure label 'My Squares' cannot name a file"),
    (('"alt": {"en"', '"alt": {"English"'), 13, "FIGURES['squares']['alt'] has 'English', which is not a language code"),
    (('{"squares": "平方", "index": "下标"}', '["平方"]'), 13, "FIGURES['squares']['text']['zh'] must map each drawn text"),
])
def test_bad_figures_are_errors_naming_the_snippet_and_line(scratch, change, line, message):
    scratch.snippet(NAME, FIGURE_SNIPPET.replace(*change))
    result = scratch.run()
    assert result.returncode != 0
    assert f"snippets/demo/fig.py:{line}: {message}" in result.stderr
    assert not scratch.output(NAME).exists() and not list((scratch.root / "snippets" / "demo").rglob("*.svg"))


def test_the_freshness_check_covers_figures(scratch):
    path = scratch.snippet(NAME, FIGURE_SNIPPET)
    assert scratch.run().returncode == 0
    svg = figure_file(scratch)
    original = svg.read_text()
    svg.write_text(original.replace(">squares<", ">cubes<"))
    check = scratch.run("--check")
    assert check.returncode == 1 and "figure fig.squares.svg changed; figures are generated, never edited by hand" in check.stdout + check.stderr
    svg.unlink()
    check = scratch.run("--check")
    assert check.returncode == 1 and "figure fig.squares.svg is missing" in check.stdout + check.stderr
    assert scratch.run().returncode == 0 and svg.read_text() == original
    # A renamed figure replaces its old file; a removed snippet takes its figures with it.
    path.write_text(FIGURE_SNIPPET.replace('"squares"', '"powers"').replace("num=\"squares\"", "num=\"powers\""))
    assert scratch.run().returncode == 0
    assert sorted(p.name for p in svg.parent.glob("*.svg")) == ["fig.powers.svg"]
    path.unlink()
    assert scratch.run().returncode == 0
    assert list(svg.parent.glob("*.svg")) == []


# ---------------------------------------------------------------------------- the page

SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" style="fill: currentColor">\n<text x="1" y="2">loss</text>\n<text x="1" y="5">0.5</text>\n</svg>\n'


def page_record(alt: dict, text: dict, section: str = "plot", stdout: str = "", size: int | None = None) -> OutputRecord:
    entry = {"name": "curve", "section": section, "line": 7, "region_first_line": 6, "file": "fig.curve.svg",
             "sha256": "0" * 64, "bytes": size or len(SVG), "alt": alt, "text": text}
    return OutputRecord(snippet=NAME, source_sha256="0" * 64, stdout=stdout, sections={"plot": stdout}, values={}, dependencies={},
                        environment={"torch": "2.13.0", "python": "3.11.7", "platform": "Linux-x86_64", "device": "CPU"},
                        generated="2026-11-30T00:00:00Z", seconds=0.1, figures=[entry])


@pytest.fixture
def page_snippets(tmp_path) -> Path:
    folder = tmp_path / "snippets" / "demo"
    (folder / "outputs").mkdir(parents=True)
    (folder / "fig.py").write_text("# --8<-- [start:plot]\nx = 1\n# --8<-- [end:plot]\n")
    (folder / "outputs" / "fig.curve.svg").write_text(SVG)
    return tmp_path / "snippets"


def render(snippets: Path, record: OutputRecord, language: str | None, stale: str | None = None):
    markup = FigureMarkup(snippets, "snippets")
    renderer = PageRenderer(snippets, lambda name: SnippetState(record, stale_reason=stale), figures=markup)
    markdown, problems = renderer.render('# T\n\n```python\n--8<-- "demo/fig.py:plot"\n```\n', language)
    return markdown, problems, markup.placed


def test_the_figure_sits_under_the_output_with_its_alt_text(page_snippets):
    record = page_record({"en": "A curve at 0.5"}, {}, stdout="printed\n")
    markdown, problems, placed = render(page_snippets, record, "en")
    assert problems == []
    lines = markdown.splitlines()
    output, token, provenance = (next(i for i, line in enumerate(lines) if test(line)) for test in (
        lambda line: 'title="Output"' in line, lambda line: line.startswith("snippet-figure-"), lambda line: "snippet-provenance" in line))
    assert output < token < provenance
    html = placed.fill(f"<p>before</p>\n<p>{lines[token]}</p>\n<p>after</p>")
    assert '<figure class="snippet-figure" data-snippet="demo/fig.py:plot" data-figure="curve">' in html
    assert '<svg role="img" aria-label="A curve at 0.5" ' in html and "<p>snippet-figure-" not in html


def test_a_figure_only_section_shows_no_empty_output_box(page_snippets):
    markdown, problems, _ = render(page_snippets, page_record({"en": "A curve"}, {}), "en")
    assert problems == [] and 'title="Output"' not in markdown and "snippet-figure-" in markdown and "snippet-provenance" in markdown


def test_a_chinese_page_shows_the_chinese_labels_and_alt_text(page_snippets):
    record = page_record({"en": "A curve", "zh": "一条曲线"}, {"zh": {"loss": "损失"}})
    markdown, problems, placed = render(page_snippets, record, "zh")
    assert problems == []
    html = placed.fill(next(line for line in markdown.splitlines() if line.startswith("snippet-figure-")))
    assert 'aria-label="一条曲线"' in html and ">损失</text>" in html and ">loss<" not in html


def test_missing_alt_text_and_untranslated_labels_are_problems_naming_snippet_and_line(page_snippets):
    _, problems, _ = render(page_snippets, page_record({"en": "A curve"}, {"zh": {"los": "损失"}}), "zh")
    messages = [(p.line, p.message) for p in problems]
    where = "figure 'curve' of snippets/demo/fig.py:7"
    assert (4, f"{where} shows 'loss' untranslated on this 'zh' page; add it to FIGURES['curve']['text']['zh']") in messages
    assert (4, f"{where}: FIGURES['curve']['text']['zh'] translates 'los', which the figure does not show") in messages
    assert (4, f"{where} has no alt text in 'zh'; give FIGURES['curve']['alt']['zh']: what the figure shows, with its numbers") in messages


def test_a_stale_figure_is_marked(page_snippets):
    markdown, _, placed = render(page_snippets, page_record({"en": "A curve"}, {}), "en", stale="source changed")
    assert 'class="snippet-figure snippet-figure--stale"' in placed.fill(markdown)


def test_record_warnings_cover_size_placement_and_languages():
    assert record_warnings("snippets/demo/fig.py", page_record({"en": "a", "zh": "b"}, {"zh": {}})) == []
    big = record_warnings("snippets/demo/fig.py", page_record({"en": "a"}, {}, size=61_234))
    assert big == ["snippets/demo/fig.py:7: figure 'curve' is 61.2 KB of SVG, over the 60 KB budget; plot fewer points (subsample dense curves to what the eye can see) or simpler paths"]
    outside = record_warnings("snippets/demo/fig.py", page_record({"en": "a"}, {}, section=None))
    assert outside and "is left open outside any section, so no page can show it" in outside[0]
    both_drawn = record_warnings("snippets/demo/fig.py", page_record({"en": "a", "zh": "b"}, {}))
    assert both_drawn and "is shown as drawn in 'en', 'zh'" in both_drawn[0]


def test_strict_build_fails_on_missing_alt_text_and_a_figure_over_budget(scratch_site):
    dense = FIGURE_SNIPPET.replace("ax.plot(points, label=\"squares\")", "ax.scatter(range(3000), [i % 97 for i in range(3000)], label=\"squares\")")
    dense = dense.replace('"zh": f"平方数 {points}"', "")
    scratch_site.snippet(NAME, dense)
    for page in (scratch_site.root / "docs").glob("index*.md"):
        page.write_text(page.read_text() + '\n```python\n--8<-- "demo/fig.py:plot"\n```\n')
    assert scratch_site.run(f"snippets/{NAME}").returncode == 0
    line = len((scratch_site.root / "docs" / "index.zh.md").read_text().splitlines()) - 1
    result = mkdocs_build(scratch_site.root)
    assert result.returncode != 0
    assert f"docs/index.zh.md:{line}: figure 'squares' of snippets/demo/fig.py:{OPENED_AT} has no alt text in 'zh'" in result.stderr
    assert re.search(rf"snippets/demo/fig.py:{OPENED_AT}: figure 'squares' is \d+\.\d KB of SVG, over the 60 KB budget", result.stderr)


def test_the_real_site_shows_each_figure_in_both_languages(real_site):
    """Every snippet's figures on its article's pages (snippets/a_b/ -> docs/a-b.md) and notebooks, in both languages."""
    project = Project.at(REPO)
    by_article: dict[str, list] = {}
    for snippet in project.snippets():
        for figure in json.loads(snippet.output_path.read_text()).get("figures", []):
            by_article.setdefault(snippet.name.split("/")[0].replace("_", "-"), []).append((snippet, figure))
    assert len(by_article) >= 4 and all(by_article.values())
    assert (real_site / "assets" / "verified-snippets" / "figures.css").read_text().startswith("/* verified-snippets")
    for article, figures in by_article.items():
        for language, page in (("en", article), ("zh", f"zh/{article}")):
            built = (real_site / page / "index.html").read_text()
            assert not re.search(r"snippet-figure-[0-9a-f]{20}", built), f"{page}: a placeholder was left on the page"
            assert re.search(r'<link[^>]+href="[./]*assets/verified-snippets/figures\.css"', built), page
            for snippet, figure in figures:
                block = re.search(rf'<figure class="snippet-figure" data-snippet="{re.escape(snippet.name)}:{figure["section"]}" data-figure="{figure["name"]}">(.*?)</figure>', built, re.S)
                assert block, f"{page}: no figure {figure['name']}"
                label = re.search(r'<svg role="img" aria-label="([^"]*)"', block.group(1))
                assert label and html.unescape(label.group(1)) == figure["alt"][language]
                texts = svg_points.texts(block.group(1))
                for drawn, translated in figure["text"].get(language, {}).items():
                    assert translated in texts and (drawn == translated or drawn not in texts)
        for prefix in ("", "zh/"):  # the notebook pages show the same figures inline, named, in the page's palette
            notebook = (real_site / f"{prefix}notebooks" / article / "index.html").read_text()
            assert notebook.count('<div class="snippet-figure"><svg role="img" aria-label="') == len(figures), f"{prefix}notebooks/{article}"
            assert "No description has been provided" not in notebook


# ---------------------------------------------------------------------------- what the site shows

FIGURE_SNIPPETS = sorted(s.name for s in Project.at(REPO).snippets() if json.loads(s.output_path.read_text()).get("figures"))


def test_the_engine_redraws_the_committed_figures(tmp_path):
    """Every snippet with figures, run twice by the engine in a copy: the same bytes both times, and the committed points."""
    copy = tmp_path / "project"
    shutil.copytree(REPO / "snippets", copy / "snippets")
    paths = [str(copy / "snippets" / name) for name in FIGURE_SNIPPETS]
    runs = []
    for _ in range(2):
        result = run_script(copy, "--force", *paths)
        assert result.returncode == 0, result.stderr[-3000:]
        runs.append({p.name: p.read_bytes() for p in sorted((copy / "snippets").glob("*/outputs/*.svg"))})
    assert runs[0] == runs[1], "a figure's SVG differs between two runs"
    for name in FIGURE_SNIPPETS:
        for figure in json.loads(Project.at(REPO).snippet(name).output_path.read_text())["figures"]:
            committed = (Project.at(REPO).snippet(name).output_path.parent / figure["file"]).read_text()
            fresh = runs[0][figure["file"]].decode()
            problems = svg_points.compare(committed, fresh)
            assert problems == [], f"snippets/{name} draws another figure {figure['name']} now: " + "; ".join(problems)


def test_the_suite_notices_a_changed_data_point_in_a_figure_mutation(tmp_path):
    """Mutation test: one bar of a figure drawn 10 % shorter, in a copy of a snippet; the suite must fail."""
    copy = tmp_path / "mutant"
    for folder in ("snippets", "scripts", "tests", "docs"):
        shutil.copytree(REPO / folder, copy / folder, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    for name in ("mkdocs.yml", "pytest.ini", "pyproject.toml"):
        shutil.copy(REPO / name, copy / name)
    target = copy / "snippets" / "cross_entropy" / "gradient.py"
    source = target.read_text()
    drawn = "ax.bar(classes, one_hot.cpu(), width"
    assert drawn in source
    target.write_text(source.replace(drawn, "ax.bar(classes, one_hot.cpu() * 0.9, width", 1))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_figures.py", "-k", "redraws_the_committed"],
        cwd=copy, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode != 0, result.stdout[-3000:]
    assert "test_the_engine_redraws_the_committed_figures" in result.stdout
    assert "snippets/cross_entropy/gradient.py draws another figure gradient now" in result.stdout
