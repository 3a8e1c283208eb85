"""The "Where these numbers hold" page, the articles' links to it, the upgrade report, and the committed matrix.

Hand-made projects (snippets, records and cells written directly) pin down
what the page and the report say for each verdict; the real site is then
checked as built, in both languages.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from pymdownx.slugs import slugify

from verified_snippets.layout import Project
from verified_snippets.matrix_page import groups, render
from verified_snippets.matrix_records import Cell, CellStatus, cell_path, write_cell
from verified_snippets.matrix_site import MatrixSite
from verified_snippets.matrix_state import load_matrix
from verified_snippets.output_records import OutputRecord, sha256_file, write_record
from verified_snippets.settings import EngineSettings, MatrixSettings, Site, load_site
from verified_snippets.upgrade_report import render as render_report
from verified_snippets.upgrade_report import stale_reports

from conftest import mkdocs_build, run_script
from test_matrix_compare import next_float32

ENVIRONMENTS = ("cpu-native", "cpu-default", "cuda", "torch-9.9.9")
LOSS = 0.4643687903881073
SNIPPETS = {
    "a/exact.py": '"""Holds everywhere."""\n# snippet-engine: devices=cpu,cuda\nDEVICE = "cpu"\nprint("loss 0.4644")\nVALUES = {"loss": 0.4643687903881073}\n',
    "a/moves.py": '"""Moves by a few ulp."""\n# snippet-engine: devices=cpu; a CPU experiment\nprint("loss 0.4644")\nVALUES = {"loss": 0.4643687903881073, "count": 3}\n',
}


def make_project(root: Path) -> Project:
    project = Project.at(root)
    for name, source in SNIPPETS.items():
        path = project.snippets_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    docs = project.docs_dir
    docs.mkdir(parents=True)
    body = '\n```python\n--8<-- "a/exact.py"\n```\n\n```python\n--8<-- "a/moves.py"\n```\n\nThe loss is {{ run: a/moves.py loss | .4f }}, exactly {{ run: a/moves.py loss | .9f }}.\n'
    (docs / "article.md").write_text("# The article\n" + body)
    (docs / "article.zh.md").write_text("# 文章\n" + body)
    (docs / "matrix.md").write_text("# Where\n\n{{ environment-matrix }}\n")
    for name in SNIPPETS:
        snippet = project.snippet(name)
        write_record(snippet.output_path, OutputRecord(name, sha256_file(snippet.path), "loss 0.4644\n", {}, {"loss": LOSS, **({"count": 3} if "moves" in name else {})}, {}, {"torch": "2.13.0+cpu"}, "2026-11-30T00:00:00Z", 0.01, [{"section": None, "first_line": 1, "last_line": 5, "stdout": "loss 0.4644\n"}]))
    return project


def put_cell(project: Project, name: str, environment: str, stdout: str = "loss 0.4644\n", values: dict | None = None, status: CellStatus = CellStatus.RAN, reason: str = "", torch: str = "2.13.0+cpu") -> None:
    snippet = project.snippet(name)
    values = values if values is not None else {"loss": LOSS, **({"count": 3} if "moves" in name else {})}
    provenance = {"torch": torch, "python": "3.11.7", "platform": "Linux-x86_64", "cpu_capability": "DEFAULT" if environment == "cpu-default" else "AVX512", "device": "CPU"}
    write_cell(cell_path(snippet, environment), Cell(environment, name, status, sha256_file(snippet.path), provenance, "2026-11-30T12:00:00Z", reason=reason, stdout=stdout, values=values))


@pytest.fixture
def project(tmp_path) -> Project:
    project = make_project(tmp_path / "site")
    for name in SNIPPETS:
        put_cell(project, name, "cpu-native")
    put_cell(project, "a/exact.py", "cpu-default")
    put_cell(project, "a/moves.py", "cpu-default", "loss 0.4645\n", {"loss": next_float32(LOSS, 2), "count": 3})
    put_cell(project, "a/exact.py", "torch-9.9.9", torch="9.9.9")
    put_cell(project, "a/moves.py", "torch-9.9.9", "loss 0.4650\n", {"loss": next_float32(LOSS, 70), "count": 4}, torch="9.9.9")
    return project


def rendered(project: Project, language: str) -> str:
    matrix = load_matrix(project, ENVIRONMENTS)
    text, replaced = render((project.docs_dir / "matrix.md").read_text(), matrix, groups(project, [i.snippet.name for i in matrix.snippets]), language)
    assert replaced
    return text


def row(text: str, snippet: str) -> list[str]:
    line = next(line for line in text.splitlines() if f"`{snippet.rpartition('/')[2]}`" in line and line.startswith("| <span"))
    return [cell.strip() for cell in line.strip("|").split(" | ")]


def test_the_page_shows_one_row_per_snippet_and_one_column_per_environment(project):
    text = rendered(project, "en")
    assert "| Snippet | `cpu-native` | `cpu-default` | `cuda` | `torch-9.9.9` |" in text
    assert "### The article\n" in text
    assert row(text, "a/exact.py")[1:] == ["equal", "equal", "not run", "equal"]
    assert row(text, "a/moves.py")[1:] == ["equal", "≤ 2 ulp", "n/a", "3 different"]
    assert '<span id="matrix-a-exact"></span>' in text
    # The environments, what ran, and the figures; cuda says why it is empty.
    assert "| `cpu-default` | This CPU with `ATEN_CPU_CAPABILITY=default`" in text
    assert "torch 2.13.0+cpu · Python 3.11.7 · Linux-x86_64 · DEFAULT kernels · 2026-11-30" in text
    assert "| 2 equal<br>1 within tolerance (1 by 2 ulp)<br>0 different |" in text  # exact (loss) + moves (count): equal; moves' loss: 2 ulp
    assert "Not run: no run is recorded, because it needs a machine with a CUDA GPU" in text
    # Details: every value and line that is not equal, with its distance and the reason of an n/a.
    assert "value `loss`: `0.4643687903881073` recorded, `0.4643688499927521` here (2 float32 ulp apart; tolerance 4 ulp)" in text
    assert "value `count`: `3` recorded, `4` here\n" in text
    assert "    ```diff\n    @@ line 1, different @@\n    -loss 0.4644\n    +loss 0.4650\n    ```" in text
    assert "- a CPU experiment" in text


def test_the_chinese_page_says_the_same_in_chinese(project):
    text = rendered(project, "zh")
    assert "| 代码片段 | `cpu-native` | `cpu-default` | `cuda` | `torch-9.9.9` |" in text
    assert "### 文章\n" in text
    assert row(text, "a/moves.py")[1:] == ["相等", "≤ 2 ulp", "不适用", "3 处不同"]
    assert "未运行：没有运行记录，因为它需要一台带 CUDA GPU 的机器" in text
    assert "数值 `loss`：记录为 `0.4643687903881073`，这里为 `0.4643688499927521`（相差 2 个 float32 ulp；容差 4 ulp）" in text


def test_a_stale_cell_is_marked_on_the_page_and_warned_about_where_any_machine_can_rerun_it(project):
    snippet = project.snippets_dir / "a" / "exact.py"
    snippet.write_text(snippet.read_text() + "# an edit\n")
    text = rendered(project, "en")
    # No verdict: the cells are runs of the snippet before the edit, not of the snippet on the page.
    assert row(text, "a/exact.py")[1:] == ["stale", "stale", "not run", "stale"]
    assert "**`a/exact.py` · `cpu-native`** · stale\n\n    - stale: the snippet changed since this run\n" in text
    assert row(rendered(project, "zh"), "a/exact.py")[1:] == ["已过期", "已过期", "未运行", "已过期"]
    assert "- 已过期：自这次运行以来，代码片段已有改动" in rendered(project, "zh")
    warnings = load_matrix(project, ENVIRONMENTS).warnings()
    assert [w.split(" is stale")[0] for w in warnings] == ["environment matrix: cpu-native", "environment matrix: cpu-default"]  # not the release
    assert warnings[0].endswith("snippets/a/exact.py (the snippet changed since this run); run `make matrix ENV=cpu-native`")


def test_serve_reads_the_matrix_again_only_when_a_cell_record_source_or_dependency_changed(project, monkeypatch):
    import verified_snippets.matrix_site as matrix_site

    loads = []
    monkeypatch.setattr(matrix_site, "load_matrix", lambda *args, **kwargs: loads.append(1) or load_matrix(*args, **kwargs))
    site = MatrixSite(project, MatrixSettings(ENVIRONMENTS, "matrix.md"))
    site.prepare()
    site.prepare()
    assert len(loads) == 1
    put_cell(project, "a/moves.py", "cpu-default", "loss 0.4650\n", {"loss": next_float32(LOSS, 70), "count": 3})
    site.prepare()
    assert len(loads) == 2
    assert row(render((project.docs_dir / "matrix.md").read_text(), site.matrix, site.groups, "en")[0], "a/moves.py")[2] == "2 different"
    # A repository file that a run read (a helper module, say), recorded in the cell.
    helper = project.root / "helper.py"
    helper.write_text("SCALE = 1\n")
    snippet = project.snippet("a/exact.py")
    write_cell(cell_path(snippet, "cpu-native"), Cell("cpu-native", "a/exact.py", CellStatus.RAN, sha256_file(snippet.path), {"torch": "2.13.0+cpu"}, "2026-11-30T12:00:00Z", stdout="loss 0.4644\n", values={"loss": LOSS}, dependencies={"helper.py": sha256_file(helper)}))
    site.prepare()
    site.prepare()
    assert len(loads) == 3
    helper.write_text("SCALE = 2\n")
    assert any("helper.py changed" in warning for warning in site.prepare())
    assert len(loads) == 4


def test_a_reload_compares_again_only_what_changed_and_agrees_with_a_fresh_load(project):
    site = MatrixSite(project, MatrixSettings(ENVIRONMENTS, "matrix.md"))
    site.prepare()
    ran = site.comparisons.misses
    assert ran == 6 and site.comparisons.hits == 0  # the cells that ran: two snippets in cpu-native, cpu-default and torch-9.9.9
    put_cell(project, "a/moves.py", "cpu-default", "loss 0.4650\n", {"loss": next_float32(LOSS, 70), "count": 3})
    site.prepare()
    assert site.comparisons.misses == ran + 1 and site.comparisons.hits == ran - 1
    fresh = load_matrix(project, ENVIRONMENTS)
    for environment in ENVIRONMENTS:
        assert [(e.snippet.name, e.state, e.comparison) for e in site.matrix.column(environment)] == [(e.snippet.name, e.state, e.comparison) for e in fresh.column(environment)]
    assert row(render((project.docs_dir / "matrix.md").read_text(), site.matrix, site.groups, "en")[0], "a/moves.py")[2] == "2 different"
    # A record that changes (its values, say) is compared again in every environment.
    snippet = project.snippet("a/exact.py")
    write_record(snippet.output_path, OutputRecord("a/exact.py", sha256_file(snippet.path), "loss 0.4644\n", {}, {"loss": next_float32(LOSS, 70)}, {}, {"torch": "2.13.0+cpu"}, "2026-11-30T00:00:00Z", 0.01, [{"section": None, "first_line": 1, "last_line": 5, "stdout": "loss 0.4644\n"}]))
    site.prepare()
    assert row(render((project.docs_dir / "matrix.md").read_text(), site.matrix, site.groups, "en")[0], "a/exact.py")[1:] == ["1 different", "1 different", "not run", "1 different"]


def test_the_matrix_page_is_rendered_again_only_when_the_matrix_its_groups_or_its_markdown_changed(project, monkeypatch):
    import verified_snippets.matrix_site as matrix_site

    renders = []
    monkeypatch.setattr(matrix_site, "render", lambda *args: renders.append(1) or render(*args))
    site = MatrixSite(project, MatrixSettings(ENVIRONMENTS, "matrix.md"))
    markdown = (project.docs_dir / "matrix.md").read_text()
    site.prepare()
    first = site.render(markdown, "matrix.md", "en")[0]
    site.prepare()
    assert site.render(markdown, "matrix.md", "en")[0] == first and len(renders) == 1
    site.render(markdown, "matrix.zh.md", "zh")
    assert len(renders) == 2  # each language its own
    site.render(markdown + "\nA new paragraph.\n", "matrix.md", "en")
    assert len(renders) == 3
    put_cell(project, "a/moves.py", "cpu-default", "loss 0.4650\n", {"loss": next_float32(LOSS, 70), "count": 3})
    site.prepare()
    changed = site.render(markdown, "matrix.md", "en")[0]
    assert len(renders) == 4 and changed != first and row(changed, "a/moves.py")[2] == "2 different"


def test_articles_link_to_their_rows_and_the_marker_belongs_on_the_matrix_page(project):
    site = MatrixSite(project, MatrixSettings(ENVIRONMENTS, "matrix.md"))
    assert site.prepare() == []
    article, problems = site.render((project.docs_dir / "article.md").read_text(), "article.md", "en")
    # The link goes to the id the toc extension gives the article's heading on the page.
    assert problems == [] and "[this article's snippets on other CPUs, on a GPU and on other PyTorch releases](matrix.md#the-article)" in article
    assert article.index("# The article") < article.index("matrix.md#the-article") < article.index("--8<--")
    chinese, _ = site.render((project.docs_dir / "article.zh.md").read_text(), "article.zh.md", "zh")
    assert "这些数字在哪里成立：[本文的代码片段" in chinese and "(matrix.md)" in chinese  # the default slugify keeps no Han character
    unicode_slugs = MatrixSite(project, MatrixSettings(ENVIRONMENTS, "matrix.md"), slugify(case="lower"))  # the site's
    assert "(matrix.md#文章)" in unicode_slugs.render((project.docs_dir / "article.zh.md").read_text(), "article.zh.md", "zh")[0]
    page, problems = site.render("# Where\n\n{{ environment-matrix }}\n", "matrix.md", "en")
    assert problems == [] and "| `cpu-default` |" in page
    _, problems = site.render("# Where\n\nno marker\n", "matrix.md", "en")
    assert problems == ["has no `{{ environment-matrix }}` line where the matrix should go"]
    _, problems = site.render("# Else\n\n{{ environment-matrix }}\n", "other.md", "en")
    assert problems == ["has an `{{ environment-matrix }}` line, but the matrix page is matrix.md (verified-snippets option matrix.page)"]
    fenced, problems = site.render("# Where\n\n```text\n{{ environment-matrix }}\n```\n", "matrix.md", "en")
    assert problems and "| `cpu-default` |" not in fenced  # a marker inside code is shown, not replaced
    assert MatrixSite(project, MatrixSettings(ENVIRONMENTS, "nowhere.md")).prepare() == [
        f"environment matrix: its page {project.display(project.docs_dir / 'nowhere.md')} does not exist (verified-snippets option matrix.page)"
    ]


def test_the_upgrade_report_lists_every_change_and_what_the_pages_would_show(project):
    site = Site(project, EngineSettings(matrix=MatrixSettings(ENVIRONMENTS, "matrix.md")))
    report = render_report(site, "torch-9.9.9")
    assert report.startswith("# What moving the site to PyTorch 9.9.9 would change\n")
    assert "(torch 9.9.9 · Python 3.11.7 · Linux-x86_64 · AVX512 kernels · 2026-11-30), against the recorded outputs (torch 2.13.0+cpu)" in report
    assert "- torch-9.9.9: values: 1 equal · 0 within tolerance · 2 different; printed lines: 1 equal · 0 within the last digit · 1 different" in report
    assert "## The article" in report and "Equal, value for value and line for line: `exact.py`." in report
    assert "### `snippets/a/moves.py`: 3 different" in report
    # Each differing value, and each page line that shows it: what it shows now, and after --force.
    assert "| `loss` | `0.4643687903881073` | `0.46437087655067444` | 70 float32 ulp | — | docs/article.md:11: `0.4644`, unchanged<br>docs/article.md:11: `0.464368790` → `0.464370877`<br>docs/article.zh.md:11: `0.4644`, unchanged<br>docs/article.zh.md:11: `0.464368790` → `0.464370877` |" in report
    assert "| `count` | `3` | `4` | 3 recorded, 4 now | — | not shown |" in report
    assert "```diff\n@@ line 1, different @@\n-loss 0.4644\n+loss 0.4650\n```" in report
    # A snippet that fails with the release shows its error.
    put_cell(project, "a/exact.py", "torch-9.9.9", status=CellStatus.FAILED, reason="snippets/a/exact.py:4: AttributeError: gone", torch="9.9.9")
    assert "It fails with this release:\n\n```text\nsnippets/a/exact.py:4: AttributeError: gone\n```" in render_report(site, "torch-9.9.9")


def test_the_committed_matrix_and_upgrade_report_are_current(repo):
    """What any machine can bring up to date: the CPU environments' cells (`make matrix`) and
    the upgrade reports (written from committed cells). The GPU's and a release's cells are
    rerun by a maintainer; `make check-matrix` lists those too."""
    site = load_site(repo)
    matrix = load_matrix(site.project, site.settings.matrix.environments)
    assert matrix.outdated(anywhere_only=True) + stale_reports(site) == []
    assert site.settings.matrix.environments[:2] == ("cpu-native", "cpu-default")
    for snippet in site.project.snippets():
        assert load_matrix(site.project, ["cuda"]).info(snippet.name).options.devices is not None, f"{snippet.display_path} does not state its devices"


def page_text(path: Path) -> str:
    """The page's text, as a reader sees it, with runs of white space as one space."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", path.read_text()))


@pytest.mark.parametrize("language", ["", "zh"])
def test_the_built_site_has_the_page_and_every_article_links_to_its_rows(real_site, repo, language):
    matrix_html = (real_site / language / "where-numbers-hold" / "index.html").read_text()
    project = load_site(repo).project
    for snippet in project.snippets():
        assert f'id="matrix-{snippet.name.removesuffix(".py").replace("/", "-").replace("_", "-")}"' in matrix_html, snippet.name
    for group in groups(project, [s.name for s in project.snippets()]):
        if not group.page:
            continue
        article = (real_site / language / group.page / "index.html").read_text()
        link = re.search(r'href="\.\./where-numbers-hold/#([^"]+)"', article)
        assert link, f"{language}{group.page} has no link to its rows"
        heading = re.search(rf'<h3 id="{re.escape(link.group(1))}">(.*?)<a', matrix_html)
        assert heading and re.sub("<[^>]+>", "", heading.group(1)).strip() == group.title(language or "en").replace("`", "")
    text = page_text(real_site / language / "where-numbers-hold" / "index.html")
    assert ("Not run: no run is recorded, because it needs a machine with a CUDA GPU" if not language else "未运行：没有运行记录") in text
    # formula_gap's sweep differs under the default kernels (and on an AMD processor), as the snippet
    # says it may: shown, with the reason once per environment where it differs.
    assert ("different (expected)" if not language else "处不同（预期之中）") in text
    site = load_site(repo)
    matrix = load_matrix(project, site.settings.matrix.environments)
    differs_in = [e for e in site.settings.matrix.environments if (entry := matrix.entry("cross_entropy/formula_gap.py", e)).comparison and any(
        f.section == "sweep" and str(f.verdict) == "different" for f in entry.comparison.lines)]
    assert "cpu-default" in differs_in and "processor-amd" in differs_in
    # The maker's column says what it is and on whose processor its cells ran.
    assert ("A CPU made by AMD, as it is." if not language else "AMD 制造的 CPU，保持原样。") in text
    assert "AuthenticAMD" in text
    assert text.count("section sweep is expected to vary" if not language else "片段 sweep 预期会变") == len(differs_in)


def test_a_stale_matrix_fails_the_strict_build_naming_snippet_and_environment(scratch_site):
    snippet = scratch_site.root / "snippets" / "cross_entropy" / "softmax.py"
    snippet.write_text(snippet.read_text() + "\n# an edit after the matrix ran\n")
    assert run_script(scratch_site.root, str(snippet)).returncode == 0  # the output is fresh again
    result = mkdocs_build(scratch_site.root)
    assert result.returncode != 0
    for environment in ("cpu-native", "cpu-default"):
        assert f"environment matrix: {environment} is stale for 1 snippet(s): snippets/cross_entropy/softmax.py (the snippet changed since this run); run `make matrix ENV={environment}`" in result.stderr
    assert "torch-2.14.1 is stale" not in result.stderr  # marked on the page; rerun by a maintainer


def test_the_listing_of_cells_finds_the_cells_and_orphans_that_looking_file_by_file_finds(project):
    from verified_snippets.matrix_records import cell_path_text, cells_on_disk, orphaned_cells, orphans_among

    other = project.snippets_dir / "b" / "other.py"  # a second folder, with a cell in one environment only
    other.parent.mkdir(parents=True)
    other.write_text(SNIPPETS["a/exact.py"])
    put_cell(project, "b/other.py", "cpu-native")
    orphan = cell_path(project.snippet("a/exact.py"), "cpu-default").with_name("removed.json")
    orphan.write_text(cell_path(project.snippet("a/exact.py"), "cpu-default").read_text())
    snippets = project.snippets()
    listing = cells_on_disk(project, list(ENVIRONMENTS), snippets)
    for environment in ENVIRONMENTS:
        one_by_one = {str(cell_path(s, environment)) for s in snippets if cell_path(s, environment).is_file()}
        assert one_by_one <= listing[environment] and {cell_path_text(s, environment) for s in snippets} >= one_by_one, environment
        known = {cell_path_text(s, environment) for s in snippets}
        assert orphans_among(project, listing[environment], known) == orphaned_cells(project, environment), environment
    assert orphaned_cells(project, "cpu-default") == [orphan]
    assert str(cell_path(project.snippet("b/other.py"), "cpu-native")) in listing["cpu-native"]
    assert load_matrix(project, ENVIRONMENTS).entry("b/other.py", "cpu-native").cell is not None
    assert load_matrix(project, ENVIRONMENTS).entry("b/other.py", "cpu-default").cell is None
