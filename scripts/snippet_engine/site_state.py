"""The engine's view of the site during one `mkdocs build` or `mkdocs serve`.

Kept apart from the MkDocs hook so it can be tested without MkDocs: the hook
only forwards events here and logs what comes back.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from . import environment, freshness
from .layout import Project
from .output_records import CorruptRecord, read_record
from .page_markup import PageRenderer, Problem, SnippetState


@dataclass
class BuildReport:
    warnings: list[str] = field(default_factory=list)


class SiteState:
    def __init__(self, project: Project, runs_snippets: bool, progress: Callable[[str], None] | None = None):
        """`runs_snippets`: re-run stale snippets before each build (mkdocs serve)."""
        self.project = project
        self.runs_snippets = runs_snippets
        self.progress = progress
        self.runner = None
        self.failures: dict[str, str] = {}
        self.states: dict[str, SnippetState] = {}
        self.renderer: PageRenderer | None = None

    def close(self) -> None:
        if self.runner is not None:
            self.runner.close()
            self.runner = None

    def prepare(self) -> BuildReport:
        """Before a build: check every output, and in serve mode re-run the stale ones."""
        report = BuildReport()
        snippets = self.project.snippets()
        states = freshness.check_all(snippets)
        stale = [s for s in states if not s.is_fresh]
        if stale and self.runs_snippets and environment.torch_version() is not None:
            from .runner import SnippetRunner

            if self.runner is None:
                self.runner = SnippetRunner(self.project, jobs=2, progress=self.progress)
            summary = self.runner.run([s.snippet for s in stale])
            for outcome in summary.outcomes:
                if outcome.status == "failed":
                    self.failures[outcome.snippet.name] = outcome.error or "failed"
                else:
                    self.failures.pop(outcome.snippet.name, None)
            states = freshness.check_all(snippets)
        for state in states:
            if state.is_fresh:  # e.g. an edit reverted: the failure is history
                self.failures.pop(state.snippet.name, None)
        self.states = {}
        for state in states:
            name = state.snippet.name
            failure = self.failures.get(name)
            record = state.record
            if record is None and state.snippet.output_path.exists():
                try:  # a stale but readable record is still worth showing, marked stale
                    record = read_record(state.snippet.output_path)
                except (CorruptRecord, OSError):
                    record = None
            self.states[name] = SnippetState(record, state.reason, failure)
            if failure:
                report.warnings.append(failure)
            elif state.reason:
                report.warnings.append(f"{state.snippet.display_path}: output is stale ({state.reason}); run `make outputs`")
        for orphan in self.project.orphaned_outputs():
            report.warnings.append(f"{orphan.relative_to(self.project.root)}: output of a snippet that no longer exists; run `make outputs`")
        self.renderer = PageRenderer(self.project.snippets_dir, self.state_of)
        return report

    def state_of(self, snippet: str) -> SnippetState:
        state = self.states.get(snippet)
        if state is not None:
            return state
        path = self.project.snippets_dir / snippet
        try:
            return SnippetState(read_record(self.project.snippet(snippet).output_path)) if path.is_file() else SnippetState(None)
        except (FileNotFoundError, CorruptRecord):
            return SnippetState(None)

    def render_page(self, markdown: str) -> tuple[str, list[Problem]]:
        assert self.renderer is not None, "prepare() runs before pages are rendered"
        return self.renderer.render(markdown)

    def never_shown(self) -> list[str]:
        shown = self.renderer.embedded if self.renderer else set()
        return [s.display_path for s in self.project.snippets() if s.name not in shown]
