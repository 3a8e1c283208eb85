"""A page rendered once is rendered again when anything it was made from changed, and a kept rendering is what a fresh one gives."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from verified_snippets.figure_markup import FIGURE_TOKEN
from verified_snippets.output_records import read_record, write_record
from verified_snippets.settings import load_site
from verified_snippets.site_state import PageContext, SiteState


def pages(root: Path) -> list[tuple[str, PageContext]]:
    docs = root / "docs"
    found = []
    for page in sorted(docs.rglob("*.md")):
        relative = page.relative_to(docs).as_posix()
        found.append((page.read_text(encoding="utf-8"), PageContext(relative, "zh" if ".zh." in page.name else "en")))
    return found


def fresh(root: Path) -> SiteState:
    state = SiteState(load_site(root), runs_snippets=False)
    state.prepare()
    return state


def rendered_site(state: SiteState, root: Path) -> dict[str, tuple[str, list]]:
    return {page.path: state.render_page(markdown, page) for markdown, page in pages(root)}


@pytest.fixture
def served(scratch_site) -> tuple[Path, SiteState]:
    """The real site, rendered once by a state that lives on, as under `mkdocs serve`."""
    state = fresh(scratch_site.root)
    rendered_site(state, scratch_site.root)
    return scratch_site.root, state


def test_a_kept_rendering_is_what_a_fresh_one_gives_with_its_effects(served):
    root, state = served
    state.prepare()  # the next build: figures placed, snippets shown and links are counted again
    misses = state.bound_pages.misses
    kept = rendered_site(state, root)
    assert state.bound_pages.misses == misses  # every page but the ledger came back
    new = fresh(root)
    assert kept == rendered_site(new, root)
    assert state.never_shown() == new.never_shown() == []
    assert state.value_links.keys() == new.value_links.keys()
    tokens = {token for text, _ in kept.values() for token in FIGURE_TOKEN.findall(text)}
    assert tokens and tokens <= state.placed_figures.html_by_token.keys()
    assert all(state.placed_figures.html_by_token[token] == new.placed_figures.html_by_token[token] for token in tokens)


def test_a_wrong_kept_rendering_would_show(served):
    """What the memo keeps is what the page gets: the comparison above is what catches a wrong one."""
    root, state = served
    markdown, page = next((markdown, page) for markdown, page in pages(root) if page.path == "cross-entropy.md")
    state.bound_pages.kept[page.path].rendered = "wrong"
    assert state.render_page(markdown, page)[0] == "wrong"


def test_a_changed_value_source_figure_or_linked_page_renders_again(served):
    root, state = served
    snippets = root / "snippets"

    def misses_after(change) -> None:
        change()
        state.prepare()
        before = state.bound_pages.misses
        again = rendered_site(state, root)
        assert state.bound_pages.misses > before
        assert again == rendered_site(fresh(root), root)

    # A recorded value (as a re-run would write it).
    record_path = next(path for path in sorted(snippets.rglob("outputs/*.json")) if not path.name.startswith("_") and json.loads(path.read_text())["values"])
    record = read_record(record_path)
    name = next(iter(record.values))
    record.values[name] = [0.5] if isinstance(record.values[name], list) else 0.5
    misses_after(lambda: write_record(record_path, record))
    # A section the pages include, renamed in the source: the page shows the error.
    source = next(path for path in sorted(snippets.rglob("*.py")) if "# --8<-- [start:" in path.read_text())
    section = source.read_text().split("# --8<-- [start:", 1)[1].split("]", 1)[0]
    misses_after(lambda: source.write_text(source.read_text().replace(f"[start:{section}]", "[start:renamed]").replace(f"[end:{section}]", "[end:renamed]")))
    # A figure's SVG.
    figure = next(snippets.rglob("outputs/*.svg"))
    misses_after(lambda: figure.write_text(figure.read_text().replace("<svg", "<svg data-edited=\"1\"", 1)))


def test_values_link_again_when_the_page_showing_their_output_changes(served):
    root, state = served
    state.prepare()
    first_page = next(outline for outline in state.outlines if outline.language is None and outline.embeds)
    state.outlines = [outline for outline in state.outlines if outline is not first_page]
    before = state.bound_pages.misses
    rendered_site(state, root)
    assert state.bound_pages.misses > before + 1  # its own kept rendering, and the pages whose values linked there


def test_a_cite_block_is_kept_until_a_record_it_names_is_written_again(served):
    root, state = served
    markdown, page = next((markdown, page) for markdown, page in pages(root) if page.path == "cross-entropy.md")
    first = state.cite_block(markdown, page, "Site", "https://example.org/cross-entropy/")
    assert "2030-01-02" not in first and first == fresh(root).cite_block(markdown, page, "Site", "https://example.org/cross-entropy/")
    assert state.cite_block(markdown, page, "Site", "https://example.org/cross-entropy/") is first  # kept
    path = root / "snippets" / "cross_entropy" / "outputs" / "pieces.json"
    record = read_record(path)
    record.generated = "2030-01-02T00:00:00Z"  # as a re-run would stamp it
    write_record(path, record)
    state.prepare()
    again = state.cite_block(markdown, page, "Site", "https://example.org/cross-entropy/")
    assert "2030-01-02" in again and again == fresh(root).cite_block(markdown, page, "Site", "https://example.org/cross-entropy/")
