"""Every article has a notebook made from the same run: same code, same outputs, and it runs."""
from __future__ import annotations

import copy
import html
import json
import re
import shutil

import nbformat
import pytest
from nbclient import NotebookClient

from verified_snippets import notebooks
from verified_snippets.layout import Project
from verified_snippets.machine_baseline import baseline
from verified_snippets.page_markup import find_embeds

import svg_points
from conftest import REPO
from numeric_text import compare
from site_pages import english_article_sources

PROJECT = Project.at(REPO)
ARTICLES = notebooks.articles(PROJECT)
SECTION_MARKER = re.compile(r"^\s*#\s*-+8<-+\s*\[")


def load(article) -> nbformat.NotebookNode:
    return nbformat.read(article.notebook_path(PROJECT), as_version=4)


def code_cells(nb):
    """The cells made from snippets (not the figure set-up cell)."""
    return [c for c in nb.cells if c.cell_type == "code" and "snippet" in c.metadata]


def figures_of(cell) -> list[str]:
    return [o.data["image/svg+xml"] for o in cell.outputs if o.output_type == "display_data" and "image/svg+xml" in o.data]


def stdout_of(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")


def test_every_article_has_its_notebook():
    # The articles as the tests find them (English pages that embed a snippet), not as the engine does.
    expected = [page.stem for page in english_article_sources(PROJECT.docs_dir)]
    assert expected, "no article found under docs/"
    assert [a.slug for a in ARTICLES] == expected, "the engine's list of articles (which get a notebook) differs from the pages that embed a snippet"
    for article in ARTICLES:
        path = article.notebook_path(PROJECT)
        assert path.is_file(), f"{path} is missing: run `make outputs`"
        nbformat.validate(load(article))


def test_notebooks_are_current():
    assert notebooks.stale_notebooks(PROJECT) == []


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a.slug)
def test_code_cells_are_exactly_the_articles_snippets(article):
    nb = load(article)
    embeds, _ = find_embeds(article.page.read_text())
    by_snippet: dict[str, list[str]] = {}
    for cell in code_cells(nb):
        by_snippet.setdefault(cell.metadata["snippet"].split(":")[0], []).append(cell.source)
    assert list(by_snippet) == list(dict.fromkeys(e.snippet for e in embeds)), "cells follow the article's order of snippets"
    for name, cells in by_snippet.items():
        source = (PROJECT.snippets_dir / name).read_text()
        # Every line of code in the snippet, markers aside, is in exactly one cell, in order.
        expected = [line for line in source.splitlines() if line.strip() and not SECTION_MARKER.match(line)]
        actual = [line for cell in cells for line in cell.splitlines() if line.strip()]
        assert actual == expected, name
    for embed in embeds:
        if embed.section:
            label = f"{embed.snippet}:{embed.section}"
            assert any(c.metadata["snippet"] == label for c in code_cells(nb)), f"no cell for {label}"


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a.slug)
def test_stored_outputs_equal_the_pages_outputs(article):
    nb = load(article)
    for cell in code_cells(nb):
        name, _, part = cell.metadata["snippet"].partition(":")
        record = json.loads(PROJECT.snippet(name).output_path.read_text())
        if part.isdigit():
            chunk = next(c for c in record["chunks"] if c["section"] is None and c["first_line"] == int(part))
            assert stdout_of(cell) == chunk["stdout"], cell.metadata["snippet"]
        else:
            assert stdout_of(cell) == record["sections"][part], cell.metadata["snippet"]
    first = nb.cells[0]
    assert first.cell_type == "markdown" and "PyTorch 2." in first.source
    assert any(c.cell_type == "markdown" and c.source.startswith("## ") for c in nb.cells)


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a.slug)
def test_figure_cells_store_the_committed_svg(article):
    nb = load(article)
    setup = [c for c in nb.cells if c.cell_type == "code" and c.metadata.get("verified_snippets") == "figure-setup"]
    stored = 0
    for cell in code_cells(nb):
        name, _, part = cell.metadata["snippet"].partition(":")
        record = json.loads(PROJECT.snippet(name).output_path.read_text())
        first_line = int(part) if part.isdigit() else next(c["first_line"] for c in record["chunks"] if c["section"] == part)
        figures = [f for f in record.get("figures", []) if f["region_first_line"] == first_line]
        committed = [(PROJECT.snippet(name).output_path.parent / f["file"]).read_text() for f in figures]
        # The committed SVG, named by its alt text in the language it is drawn in (here English).
        labelled = [svg.replace("<svg ", f'<svg role="img" aria-label="{html.escape(f["alt"]["en"])}" ', 1) for svg, f in zip(committed, figures)]
        assert figures_of(cell) == labelled, f"{cell.metadata['snippet']}: the cell's figures are not the committed SVG files"
        texts = [o.data["text/plain"] for o in cell.outputs if o.output_type == "display_data"]
        assert texts == [f["alt"]["en"] for f in figures]
        stored += len(committed)
    # The set-up cell (SVG, text as text) comes first, exactly when there is a figure to draw.
    assert len(setup) == (1 if stored else 0)
    if setup:
        assert nb.cells.index(setup[0]) < nb.cells.index(code_cells(nb)[0])
        assert 'figure_formats = ["svg"]' in setup[0].source and '"svg.fonttype"] = "none"' in setup[0].source


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a.slug)
def test_running_the_notebook_fresh_reproduces_its_outputs(article, tmp_path):
    stored = load(article)
    fresh = copy.deepcopy(stored)
    for cell in code_cells(fresh):
        cell.outputs = []
    NotebookClient(fresh, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    for before, after in zip(code_cells(stored), code_cells(fresh)):
        label = before.metadata["snippet"]
        extra = [o.output_type for o in after.outputs if o.output_type not in ("stream", "display_data")]
        assert extra == [], f"{label}: the notebook shows {extra} that the page does not (end the cell with a statement, not a bare expression)"
        # A figure the cell leaves open: Jupyter draws it again; it must show the same points and texts.
        drawn, redrawn = figures_of(before), figures_of(after)
        assert len(drawn) == len(redrawn), f"{label}: {len(drawn)} figure(s) stored, {len(redrawn)} drawn by a fresh run"
        for stored_svg, fresh_svg in zip(drawn, redrawn):
            problems = svg_points.compare(stored_svg, fresh_svg)
            assert problems == [], f"{label}: the fresh run draws another figure: " + "; ".join(problems)
        # A kernel may deliver one cell's stdout in several stream messages; none may be stderr.
        assert {o.name for o in after.outputs if o.output_type == "stream"} <= {"stdout"}, f"{label}: wrote to stderr"
        # Held to what this machine must print: the stored output, or its processor maker's cell.
        name, _, part = label.partition(":")
        expected = baseline(PROJECT, PROJECT.snippet(name))
        shown = expected.chunk_stdout(part) if expected.from_cell else stdout_of(before)
        problems = compare(shown, stdout_of(after))
        assert problems == [], f"{label} (against {expected.source}): " + "; ".join(problems)


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a.slug)
def test_a_changed_article_makes_its_notebook_stale(tmp_path, article):
    for folder in ("docs", "snippets"):
        shutil.copytree(REPO / folder, tmp_path / folder)
    project = Project.at(tmp_path)
    page = tmp_path / "docs" / article.page.name
    heading = next(line for line in page.read_text().splitlines() if line.startswith("## "))
    page.write_text(page.read_text().replace(heading, heading + ", renamed", 1))
    notebook = f"{article.slug}.ipynb"
    stale = notebooks.stale_notebooks(project)
    assert [(p.name, why) for p, why in stale] == [(notebook, "differs from the article and its outputs")]
    written, errors = notebooks.write_notebooks(project)
    assert errors == [] and [p.name for p in written] == [notebook]
    assert notebooks.stale_notebooks(project) == []
    assert f"{heading}, renamed" in (tmp_path / "docs" / "notebooks" / notebook).read_text()


@pytest.mark.parametrize("language", ["", "zh/"])
def test_real_site_has_the_notebook_page_and_its_download_in_each_language(real_site, language):
    for article in ARTICLES:
        folder = real_site / f"{language}notebooks" / article.slug
        page = (folder / "index.html").read_text()
        assert f'<html lang="{language.rstrip("/") or "en"}"' in page
        assert "jupyter-wrapper" in page and 'class="jp-Cell' in page
        assert not re.search(r"<script[^>]+src=[\"']https?://", page), "the notebook page loads a remote script"
        downloaded = nbformat.reads((folder / f"{article.slug}.ipynb").read_text(), as_version=4)
        nbformat.validate(downloaded)
        assert downloaded == load(article)


@pytest.mark.parametrize("language", ["", "zh/"])
def test_article_links_to_its_notebook_near_the_title(real_site, language):
    for article in ARTICLES:
        page_dir = real_site / language / article.slug
        html = (page_dir / "index.html").read_text()
        links = re.search(r'<p class="notebook-links">(.*?)</p>', html, re.S)
        assert links, "no notebook links"
        assert html.index('class="notebook-links"') < html.index("<h2"), "links must sit under the title"
        hrefs = re.findall(r'href="([^"]+)"', links.group(1))
        assert len(hrefs) == 2
        download, open_page = hrefs
        assert (page_dir / download).resolve().is_file() and download.endswith(".ipynb")
        assert (page_dir / open_page / "index.html").resolve().is_file()
        assert ("下载" in links.group(1)) == (language == "zh/")


def test_notebook_pages_are_left_out_of_the_search_index(real_site):
    """Their article has the same text and code; keeping them doubled the index every page downloads."""
    index = json.loads((real_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    locations = {entry["location"].split("#")[0] for entry in index["docs"]}
    assert not [location for location in locations if "notebooks/" in location]
    assert {"cross-entropy/", "zh/cross-entropy/"} <= locations  # the articles themselves are still found


def test_a_run_with_nothing_new_builds_no_notebook_and_still_sees_every_change(tmp_path, monkeypatch):
    """write_notebooks skips a notebook whose inputs and file are as it last left them; any change rebuilds it."""
    for folder in ("docs", "snippets"):
        shutil.copytree(REPO / folder, tmp_path / folder)
    project = Project.at(tmp_path)
    assert notebooks.write_notebooks(project) == ([], [])  # the committed notebooks are current
    built = []
    real_build = notebooks.build_notebook
    monkeypatch.setattr(notebooks, "build_notebook", lambda project, article: built.append(article.slug) or real_build(project, article))
    assert notebooks.write_notebooks(project) == ([], []) and built == []
    article = ARTICLES[0]
    notebook = tmp_path / "docs" / "notebooks" / f"{article.slug}.ipynb"
    # An output changed (a record rewritten by a run): that article's notebook is built again.
    record = project.snippet(article.outline.embeds[0].snippet).output_path
    record.write_text(record.read_text() + " ")
    notebooks.write_notebooks(project)
    assert len(built) == 1
    # The notebook edited by hand: written back from its inputs.
    committed = notebook.read_text()
    notebook.write_text(committed.replace('"cells"', '"cells" ', 1))
    written, errors = notebooks.write_notebooks(project)
    assert errors == [] and written == [notebook] and notebook.read_text() == committed
