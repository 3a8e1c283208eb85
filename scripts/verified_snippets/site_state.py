"""The engine's view of the site during one `mkdocs build` or `mkdocs serve`.

Kept apart from the MkDocs plugin so it can be tested without MkDocs: the
plugin only forwards events here and logs what comes back.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import environment, freshness
from .figure_markup import FigureMarkup, PlacedFigures, record_warnings
from .output_records import CorruptRecord, read_record
from .page_markup import PageRenderer, Problem, SnippetState
from .settings import Site
from .usable_cpus import usable_cpus

if TYPE_CHECKING:
    from .runner import SnippetRunner


@dataclass
class BuildReport:
    warnings: list[str] = field(default_factory=list)


class SiteState:
    def __init__(self, site: Site, runs_snippets: bool, progress: Callable[[str], None] | None = None):
        """`runs_snippets`: re-run stale snippets before each build (mkdocs serve)."""
        self.site = site
        self.project = site.project
        self.runs_snippets = runs_snippets
        self.progress = progress
        self.runner: SnippetRunner | None = None
        self.failures: dict[str, str] = {}
        self.states: dict[str, SnippetState] = {}
        self.placed_figures = PlacedFigures()  # placeholders in pages' Markdown -> figure HTML
        self.renderer = self._new_renderer()

    def close(self) -> None:
        if self.runner is not None:
            self.runner.close()
            self.runner = None

    def prepare(self) -> BuildReport:
        """Before a build: check every output, and in serve mode re-run the stale ones."""
        report = BuildReport()
        regenerate = self.site.settings.regenerate_command
        snippets = self.project.snippets()
        states = freshness.check_all(snippets)
        stale = [s for s in states if not s.is_fresh]
        if stale and self.runs_snippets and environment.torch_version() is not None:
            self._rerun([s.snippet for s in stale])
            states = freshness.check_all(snippets)
        for state in states:
            if state.is_fresh:  # e.g. an edit reverted: the failure is history
                self.failures.pop(state.snippet.name, None)
        self.states = {}
        for state in states:
            name = state.snippet.name
            failure = self.failures.get(name)
            self.states[name] = SnippetState(state.record, state.reason, failure)
            if failure:
                report.warnings.append(failure)
            elif state.reason:
                report.warnings.append(f"{state.snippet.display_path}: output is stale ({state.reason}); run `{regenerate}`")
            report.warnings += record_warnings(state.snippet.display_path, state.record)
        for orphan in self.project.orphaned_outputs():
            report.warnings.append(f"{self.project.display(orphan)}: output of a snippet that no longer exists; run `{regenerate}`")
        self.placed_figures.html_by_token.clear()  # a long `mkdocs serve` keeps only this build's figures
        self.renderer = self._new_renderer()
        return report

    def _new_renderer(self) -> PageRenderer:
        folder = self.project.display(self.project.snippets_dir)
        figures = FigureMarkup(self.project.snippets_dir, folder, self.placed_figures)
        return PageRenderer(self.project.snippets_dir, self.state_of, self.site.settings.regenerate_command, folder, figures)

    def _rerun(self, snippets: list) -> None:
        from .runner import OutcomeStatus, SnippetRunner

        if self.runner is None:
            jobs = self.site.settings.serve_jobs or usable_cpus()
            self.runner = SnippetRunner(self.project, self.site.settings, jobs=jobs, progress=self.progress)
        summary = self.runner.run(snippets)
        for outcome in summary.outcomes:
            if outcome.status is OutcomeStatus.FAILED:
                self.failures[outcome.snippet.name] = outcome.error or "failed"
            else:
                self.failures.pop(outcome.snippet.name, None)

    def state_of(self, snippet: str) -> SnippetState:
        state = self.states.get(snippet)
        if state is not None:
            return state
        path = self.project.snippets_dir / snippet
        try:
            return SnippetState(read_record(self.project.snippet(snippet).output_path)) if path.is_file() else SnippetState(None)
        except (FileNotFoundError, CorruptRecord):
            return SnippetState(None)

    def render_page(self, markdown: str, language: str | None = None) -> tuple[str, list[Problem]]:
        return self.renderer.render(markdown, language)

    def fill_figures(self, html: str) -> str:
        """A rendered page's HTML with its figures in place of their placeholders."""
        return self.placed_figures.fill(html)

    def never_shown(self) -> list[str]:
        shown = self.renderer.embedded
        return [s.display_path for s in self.project.snippets() if s.name not in shown]
