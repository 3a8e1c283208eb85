"""The site and its snippets agree: everything shown exists, is current and is bound to a run."""
from __future__ import annotations

import pytest

from verified_snippets import freshness
from verified_snippets.layout import Project
from verified_snippets.settings import Site, load_site
from verified_snippets.site_state import SiteState

from conftest import mkdocs_build, run_script
from site_pages import embeds_by_page, pages, sample_article


@pytest.fixture(scope="module")
def site(repo) -> Site:
    return load_site(repo)


@pytest.fixture(scope="module")
def project(site) -> Project:
    return site.project


def test_the_site_has_snippets_and_pages(project):
    assert len(project.snippets()) >= 5
    assert any(p.name == "index.md" for p in pages(project))


def test_every_snippet_is_shown_on_some_page(project):
    shown = {embed.snippet for embeds, _ in embeds_by_page(project).values() for embed in embeds}
    never = sorted(s.display_path for s in project.snippets() if s.name not in shown)
    assert never == [], f"snippets not embedded in any page: {never}"


def test_every_included_path_and_section_exists(site, project):
    state = SiteState(site, runs_snippets=False)
    state.prepare()
    missing = []
    for page, (embeds, others) in embeds_by_page(project).items():
        for include in embeds + others:
            problem = state.renderer._check_target(include.snippet, include.section)
            if problem:
                missing.append(f"{page.relative_to(project.root)}:{include.line}: {problem}")
    assert missing == []


def test_every_output_is_fresh(project):
    stale = [f"{s.snippet.display_path}: {s.reason}" for s in freshness.check_all(project.snippets()) if not s.is_fresh]
    assert stale == [], "run `make outputs`: " + "; ".join(stale)
    assert project.orphaned_outputs() == []


def test_every_value_bound_into_prose_or_math_exists(site, project):
    state = SiteState(site, runs_snippets=False)
    state.prepare()
    problems = []
    for page in pages(project):
        _, page_problems = state.render_page(page.read_text(encoding="utf-8"))
        problems += [f"{page.relative_to(project.root)}:{p.line}: {p.message}" for p in page_problems]
    assert problems == []


def test_check_command_agrees(repo):
    result = run_script(repo, "--check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_strict_build_passes(real_site):
    """The session's one strict build of the real site (the fixture fails with its log if the build failed)."""
    assert (real_site / "index.html").exists()


def test_strict_build_fails_on_a_stale_output_naming_the_snippet(scratch_site):
    name = scratch_site.root / "snippets"
    snippet = sorted(name.glob("*/*.py"))[0]
    snippet.write_text(snippet.read_text() + "\nprint('an extra line')\n")
    result = mkdocs_build(scratch_site.root)
    assert result.returncode != 0
    rel = snippet.relative_to(scratch_site.root).as_posix()
    assert f"{rel}: output is stale (source changed); run `make outputs`" in result.stderr


def test_strict_build_fails_on_bad_includes_and_values_naming_page_and_line(scratch_site):
    page = scratch_site.root / "docs" / "index.md"
    lines = page.read_text().splitlines()
    n = len(lines)
    lines += ["", '```python', '--8<-- "nowhere/missing.py"', '```', "", "A value {{ run: nowhere/missing.py loss | .4f }}.", ""]
    page.write_text("\n".join(lines))
    result = mkdocs_build(scratch_site.root)
    assert result.returncode != 0
    assert f"docs/index.md:{n + 3}: includes 'nowhere/missing.py', which does not exist under snippets/" in result.stderr
    assert f"docs/index.md:{n + 6}: {{{{ run: nowhere/missing.py loss }}}}" in result.stderr


def test_warm_build_runs_no_snippet(scratch_site):
    before = scratch_site.outputs_snapshot()
    result = mkdocs_build(scratch_site.root)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "running snippets/" not in result.stderr
    assert scratch_site.outputs_snapshot() == before


def test_strict_build_fails_on_a_broken_formula_in_a_copy_of_the_docs(scratch_site):
    page, _shown = sample_article(scratch_site.root / "docs")
    lines = page.read_text().splitlines()
    heading = next(i for i, line in enumerate(lines) if line.startswith("## "))
    lines[heading + 1:heading + 1] = ["", r"A broken formula: $\frac{1}{$ here.", ""]
    page.write_text("\n".join(lines) + "\n")
    result = mkdocs_build(scratch_site.root)
    assert result.returncode != 0
    # mkdocs.yml renders formulas as MathML, with Temml.
    assert f"docs/{page.name}:{heading + 3}: cannot render formula '\\frac{{1}}{{': Temml parse error" in result.stderr
