"""A page's Markdown with its outputs and values in place, kept while nothing it was made from changed.

`SiteState.render_page` runs for every page of both languages on every save
under `mkdocs serve`: it parses the page, checks its includes (reading each
snippet's sections), inserts the outputs and figures, binds the values and
checks the article. A prose edit changes one page; the rest would come out the
same. A kept rendering is used when all of these are as they were:

* the page's Markdown and what the plugin knows of the page (path, language,
  status, description);
* the state of every snippet the page includes, shows or binds (its record,
  compared field by field, and why it is stale or failed, if it is);
* the version of every file the rendering read: each snippet's source (its
  sections) and each figure of the snippets it shows;
* for each of those snippets, the page elsewhere that shows its output (a
  value bound here and shown on another page links there).

The rendering's effects are kept with it and applied again on reuse: the
figures it placed, the snippets it showed (for the "never shown" check), the
links of its values (for the formulas, after KaTeX), and its output blocks
(the rendering has their slots: output_slots). The ledger page is
never kept: it is made from every page.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .atomic_files import FileVersion, file_version
from .figure_files import entries
from .layout import OUTPUTS_FOLDER
from .output_slots import OutputSlot
from .page_markup import Problem, SnippetState


@dataclass(frozen=True)
class Dependencies:
    """What a rendering read, beyond the page's own Markdown."""

    states: tuple[tuple[str, SnippetState], ...]
    files: tuple[tuple[str, FileVersion], ...]
    elsewhere: tuple[tuple[str, str | None], ...]


@dataclass
class KeptRendering:
    markdown: str
    page: Any  # site_state.PageContext
    dependencies: Dependencies
    rendered: str
    problems: list[Problem]
    links: Any  # value_provenance.ValueLinks, with its output blocks
    shown: frozenset[str]  # the snippets whose outputs it showed
    figures: dict[str, str]  # placeholder token -> figure HTML
    slots: tuple[OutputSlot, ...] = ()  # the output blocks, where `rendered` has their slots


class BoundPageMemo:
    def __init__(self, snippets_dir: Path, state_of: Callable[[str], SnippetState], elsewhere: Callable[[str, str], str | None]) -> None:
        """`elsewhere(snippet, page_path)`: the link target of the snippet's output on another page."""
        self.snippets_dir = snippets_dir
        self.state_of = state_of
        self.elsewhere = elsewhere
        self.kept: dict[str, KeptRendering] = {}  # by page path: one rendering per page
        self.hits = self.misses = 0

    def dependencies(self, snippets: set[str], page_path: str) -> Dependencies:
        names = sorted(snippets)
        states = tuple((name, self.state_of(name)) for name in names)
        files: list[tuple[str, FileVersion]] = []
        for name, state in states:
            files.append((name, file_version(self.snippets_dir / name)))
            for entry in entries(state.record):
                figure = f"{Path(name).parent.as_posix()}/{OUTPUTS_FOLDER}/{entry.file}"
                files.append((figure, file_version(self.snippets_dir / figure)))
        return Dependencies(states, tuple(files), tuple((name, self.elsewhere(name, page_path)) for name in names))

    def get(self, markdown: str, page: Any) -> KeptRendering | None:
        kept = self.kept.get(page.path)
        if kept is None or kept.markdown != markdown or kept.page != page:
            self.misses += 1
            return None
        if self.dependencies({name for name, _ in kept.dependencies.states}, page.path) != kept.dependencies:
            self.misses += 1
            return None
        self.hits += 1
        return kept

    def put(self, kept: KeptRendering) -> None:
        self.kept[kept.page.path] = kept
