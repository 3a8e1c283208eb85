"""The engine's view of the site during one `mkdocs build` or `mkdocs serve`.

Kept apart from the MkDocs plugin so it can be tested without MkDocs: the
plugin only forwards events here and logs what comes back. `prepare` runs once
per build (for every language) and checks what concerns the whole site:
outputs, notebooks, twins, reference checks. `render_page` runs per page and
checks what concerns that page: its includes and bindings, numbers typed by
hand, TODO markers.
"""
from __future__ import annotations

import contextlib
import hashlib
import posixpath
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import citation, environment, freshness, ledger, notebooks, output_slots, page_checks, reference_checks, value_provenance
from .atomic_files import ContentHashes, FileVersion, file_version
from .bound_page_memo import BoundPageMemo, KeptRendering
from .figure_markup import FIGURE_TOKEN, FigureMarkup, PlacedFigures, record_warnings
from .kept_results import KeptResults
from .output_records import CorruptRecord, read_record, recorded_hash, sha256_file
from .output_slots import OutputSlot
from .page_index import PageIndex, PageOutline
from .page_markup import Binding, PageRenderer, Problem, SnippetState, find_bindings, find_embeds
from .page_structure import PageStructure, read_page
from .reference_checks import CheckResults
from .serve_watch import OwnWrites
from .settings import Site
from .usable_cpus import usable_cpus

if TYPE_CHECKING:
    from .runner import SnippetRunner

DRAFT = "draft"
DRAFT_BANNER = {
    "en": '!!! warning "Draft"\n    This article is a draft: it is not finished, and its TODO markers show where.\n',
    "zh": '!!! warning "草稿"\n    本文仍是草稿，尚未完成；TODO 标记指出了待写的地方。\n',
}


@dataclass
class BuildReport:
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PageContext:
    """What the plugin knows of a page beyond its Markdown."""

    path: str = ""  # under docs/, e.g. "cross-entropy.zh.md"
    language: str = "en"
    status: str = ""  # the front matter's `status:` ("draft")
    described: bool = True  # the front matter has a `description:` (for search results and link previews)


class SiteState:
    def __init__(self, site: Site, runs_snippets: bool, progress: Callable[[str], None] | None = None, languages: Iterable[str] = ()):
        """`runs_snippets`: re-run stale snippets before each build (mkdocs serve).
        `languages`: the languages besides the default one, whose twins every page needs."""
        self.site = site
        self.project = site.project
        self.runs_snippets = runs_snippets
        self.progress = progress
        self.languages = list(languages)
        self.runner: SnippetRunner | None = None
        self.failures: dict[str, str] = {}
        self.states: dict[str, SnippetState] = {}
        self.outlines: list[PageOutline] = []
        self.results: dict[str, CheckResults | None] = {}
        self.current_results: set[str] = set()
        self.ledgers: dict[str | None, list[ledger.LedgerEntry]] = {}
        self.value_links: dict[str, value_provenance.ValueLinks] = {}  # by page path: where its values link
        self.output_slots: dict[str, tuple[OutputSlot, ...]] = {}  # by page path: its output blocks, from a slotted rendering
        # Called once a re-run has written the notebooks (notebook-pages starts converting them then).
        self.notebooks_written: Callable[[], None] | None = None
        self._cite_blocks: dict[str, tuple[tuple, tuple[str, ...], tuple[FileVersion, ...], str]] = {}  # by page path (cite_block)
        # Formulas with their values linked, by value_provenance.formula_key: the largest cost of a warm build otherwise.
        self.linked_formulas: KeptResults[str] = KeptResults(self.project.cache_dir / "linked_formulas.pickle", str)
        self.placed_figures = PlacedFigures()  # placeholders in pages' Markdown -> figure HTML
        self.own_writes = OwnWrites()  # what the last serve-time re-run wrote (its watcher ignores those)
        self.renderer = self._new_renderer()
        # Pages rendered once per version of what they are made from (a save changes one page).
        self.bound_pages = BoundPageMemo(self.project.snippets_dir, self.state_of, self._output_elsewhere)
        self.content_hashes = ContentHashes()  # for language_inputs
        self._first_pages_of: list[PageOutline] | None = None  # the outlines _first_pages_found was made from
        self._first_pages_found: dict[str, str] = {}

    def close(self) -> None:
        if self.runner is not None:
            self.runner.close()
            self.runner = None

    # ------------------------------------------------------------------ once per build

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
        from .runner import read_failures

        last_failures = read_failures(self.project)
        self.states = {}
        for state in states:
            name = state.snippet.name
            failure = self.failures.get(name)
            self.states[name] = SnippetState(state.record, state.reason, failure)
            if failure:
                report.warnings.append(failure)
            elif state.reason:
                report.warnings.append(_stale_message(state.snippet.display_path, state.reason, last_failures.get(name), sha256_file(state.snippet.path), regenerate))
            elif state.record is not None:
                report.warnings += [f"{state.snippet.display_path}:{line}: {message}" for line, message in state.record.lint]
            report.warnings += record_warnings(state.snippet.display_path, state.record)
        for orphan in self.project.orphaned_outputs():
            report.warnings.append(f"{self.project.display(orphan)}: output of a snippet that no longer exists; run `{regenerate}`")
        self.outlines = PageIndex(self.project).pages()
        report.warnings += self._check_pages()
        report.warnings += self._check_references()
        self.ledgers = {}
        self.linked_formulas.start_build()
        self.placed_figures.html_by_token.clear()  # a long `mkdocs serve` keeps only this build's figures
        self.renderer = self._new_renderer()
        return report

    def _check_pages(self) -> list[str]:
        docs = self.project.display(self.project.docs_dir)
        pages = [outline.page.relative_to(self.project.docs_dir).as_posix() for outline in self.outlines]
        warnings = [f"{docs}/{problem}" for problem in page_checks.missing_twins(pages, self.languages)]
        for outline in self.outlines:
            if outline.language is None and outline.is_article:
                notebook = self.project.notebooks_dir / f"{outline.page.stem}.ipynb"
                if not notebook.is_file():
                    warnings.append(f"{self.project.display(notebook)}: the notebook of {self.project.display(outline.page)} is missing; run `{self.site.settings.regenerate_command}`")
        return warnings

    def _check_references(self) -> list[str]:
        """Every bound value has a current, passing check (what the ledger shows)."""
        checks_dir, regenerate = self.project.checks_dir, self.site.settings.regenerate_command
        if checks_dir is None:  # the site asks for no reference checks
            self.results, self.current_results = {}, set()
            return []
        folders = {bound.binding.folder for outline in self.outlines for bound in outline.bindings}
        self.results = {folder: reference_checks.read_results(self.project, folder) for folder in folders}
        self.current_results = set()
        stale_files = reference_checks.stale_results(self.project, checks_dir)
        if stale_files and self.runs_snippets:  # under serve, an edited check is judged again, as an edited snippet runs again
            with self.own_writes.run(self.project), contextlib.suppress(ImportError):  # mpmath: a run-time dependency
                reference_checks.update_results(self.project, checks_dir)
            self.results = {folder: reference_checks.read_results(self.project, folder) for folder in folders}
            stale_files = reference_checks.stale_results(self.project, checks_dir)
        warnings = [f"{self.project.display(path)}: reference-check findings are stale ({reason}); run `{regenerate}`" for path, reason in stale_files]
        stale = {path.parent.parent.name for path, _ in stale_files}
        self.current_results = {folder for folder, results in self.results.items() if results is not None and folder not in stale}
        for outline in self.outlines:
            for bound in outline.bindings:
                warning = self._check_binding(outline, bound.binding, checks_dir)
                if warning:
                    warnings.append(warning)
        return warnings

    def _check_binding(self, outline: PageOutline, binding: Binding, checks_dir: Path) -> str | None:
        where = f"{self.project.display(outline.page)}:{binding.line}: {binding.label}"
        module_path = reference_checks.checks_module_path(checks_dir, binding.folder)
        module = self.project.display(module_path)
        if not module_path.is_file():
            return f"{where} has no reference check: {module} does not exist; write it (`make article` scaffolds one)"
        if binding.folder not in self.current_results:
            return None  # reported once, as stale findings
        results = self.results.get(binding.folder)
        findings = results.values.get(binding.file, {}).get(binding.name) if results else None
        if findings is None:
            return f"{where} has no reference check; add CHECKS[{binding.file!r}][{binding.name!r}] to {module} and run `{self.site.settings.regenerate_command}`"
        failed = [f for f in findings.under(binding.indexes) if not f.passed]
        if failed:
            return f"{where}: its reference check in {module} fails: {failed[0].problem}"
        return None

    def _rerun(self, snippets: list) -> None:
        with self.own_writes.run(self.project):
            self._run_and_record(snippets)

    def _runner(self) -> SnippetRunner:
        from .runner import SnippetRunner

        if self.runner is None:
            jobs = self.site.settings.serve_jobs or usable_cpus()
            self.runner = SnippetRunner(self.project, self.site.settings, jobs=jobs, progress=self.progress)
        return self.runner

    def start_worker(self) -> None:
        """Under `mkdocs serve`, once the site is up: start a snippet worker, which imports torch in its own
        process meanwhile, so that the first saved snippet does not wait for that (1-1.5 s of a 2.4-2.9 s
        first snippet edit). Nothing runs until a snippet is stale; `close` stops it."""
        if self.runs_snippets:
            self._runner().start_worker()

    def _run_and_record(self, snippets: list) -> None:
        from .runner import OutcomeStatus

        summary = self._runner().run(snippets)
        for outcome in summary.outcomes:
            if outcome.status is OutcomeStatus.FAILED:
                self.failures[outcome.snippet.name] = outcome.error or "failed"
            else:
                self.failures.pop(outcome.snippet.name, None)
        notebooks.write_notebooks(self.project)  # errors show as the page's own warnings
        if self.notebooks_written is not None:
            self.notebooks_written()  # before the checks below: a notebook converter can start meanwhile
        with contextlib.suppress(ImportError):  # the ledger's findings follow the new outputs (mpmath is a run-time dependency, like torch)
            reference_checks.update_results(self.project, self.project.checks_dir)

    # ------------------------------------------------------------------ per page

    def state_of(self, snippet: str) -> SnippetState:
        state = self.states.get(snippet)
        if state is not None:
            return state
        path = self.project.snippets_dir / snippet
        try:
            return SnippetState(read_record(self.project.snippet(snippet).output_path)) if path.is_file() else SnippetState(None)
        except (FileNotFoundError, CorruptRecord):
            return SnippetState(None)

    def render_page(self, markdown: str, page: PageContext | None = None, slotted: bool = False) -> tuple[str, list[Problem]]:
        """The page's Markdown with its outputs and values in place, and its problems. `slotted`: each
        output block is left as a slot instead (output_slots), and `output_slots[page.path]` holds them."""
        page = page or PageContext()
        keep = ledger.PLACEHOLDER_MARK not in markdown  # the ledger page is made from every page: never kept
        kept = self.bound_pages.get(markdown, page) if keep else None
        if kept is not None:
            self.renderer.embedded |= kept.shown
            self.placed_figures.html_by_token.update(kept.figures)
            self.value_links[page.path] = kept.links
            return self._slotted(kept.rendered, kept.slots, page, slotted), list(kept.problems)
        structure = read_page(markdown)
        dependencies = self.bound_pages.dependencies(_referenced_snippets(structure), page.path) if keep else None
        problems = self._check_article(structure, page)
        source = markdown
        markdown = ledger.fill(markdown, self._ledger(page.language), page.language, page.path, self.site.settings.regenerate_command)
        links = value_provenance.ValueLinks(page.language, lambda snippet: self._output_elsewhere(snippet, page.path))
        shown_elsewhere, self.renderer.embedded = self.renderer.embedded, set()
        slots: list[OutputSlot] | None = [] if output_slots.may_slot(markdown) else None
        try:
            rendered, render_problems = self.renderer.render(markdown, page.language, links, slots)
        finally:
            shown, self.renderer.embedded = frozenset(self.renderer.embedded), shown_elsewhere | self.renderer.embedded
        self.value_links[page.path] = links
        if page.status == DRAFT:
            rendered = _after_title(rendered, DRAFT_BANNER.get(page.language, DRAFT_BANNER["en"]))
        problems = sorted(problems + render_problems, key=lambda problem: problem.line)
        if dependencies is not None:
            placed = FIGURE_TOKEN.findall(output_slots.inline(rendered, slots or ()))  # figures sit in output blocks
            figures = {token: self.placed_figures.html_by_token[token] for token in placed if token in self.placed_figures.html_by_token}
            self.bound_pages.put(KeptRendering(source, page, dependencies, rendered, list(problems), links, shown, figures, tuple(slots or ())))
        return self._slotted(rendered, tuple(slots or ()), page, slotted), problems

    def _slotted(self, rendered: str, slots: tuple[OutputSlot, ...], page: PageContext, slotted: bool) -> str:
        if slotted:
            self.output_slots[page.path] = slots
            return rendered
        return output_slots.inline(rendered, slots)

    def _check_article(self, structure, page: PageContext) -> list[Problem]:
        embeds, _ = find_embeds(structure)
        bindings = find_bindings(structure)
        shown = {e.snippet for e in embeds if e.snippet.endswith(".py")} | {b.snippet for b in bindings}
        if not shown or Path(page.path).name.split(".")[0] == "index":
            return []  # not an article: the home pages, the glossary, the guides
        problems = [] if page.status == DRAFT else [Problem(p.line, p.message) for p in page_checks.todo_markers(structure)]
        if page.status != DRAFT and not page.described and self.site.settings.require_descriptions:
            problems.append(Problem(0, "has no `description:` in its front matter, or it is still a TODO; write one sentence for search results and link previews"))
        exported = [state.record.values for name in sorted(shown) if (state := self.state_of(name)).record is not None]
        hint = f"{{{{ run: {sorted(shown)[0]} <value> }}}}"
        values: list[object] = [value for values in exported for value in values.values()]
        problems += [Problem(p.line, p.message) for p in page_checks.typed_numbers(structure, values, self.site.settings.allowed_numbers, hint)]
        return problems

    def cite_block(self, markdown: str, page: PageContext, site_name: str, url: str) -> str:
        """The "Cite this page" block of an article (citation), or "" for any other page.

        Kept per page while its Markdown and the versions of the records it names are as they were
        (every page asks on every build under `mkdocs serve`, and a block reads each of its records)."""
        made_from = (markdown, page, site_name, url)
        kept = self._cite_blocks.get(page.path)
        if kept is not None and kept[0] == made_from and kept[2] == self._record_versions(kept[1]):
            return kept[3]
        structure = read_page(markdown)
        embeds, _ = find_embeds(structure)
        shown = {e.snippet for e in embeds if e.snippet.endswith(".py")} | {b.snippet for b in find_bindings(structure)}
        if not shown or Path(page.path).name.split(".")[0] == "index":
            block = ""
        else:
            records = {name: record for name in sorted(shown) if (record := self.state_of(name).record) is not None}
            hashes = {name: recorded_hash(self.project.snippet(name).output_path) for name in records}
            title = next((h.text for h in structure.headings if h.level == 1), Path(page.path).stem)
            key = "pytorch-losses-" + Path(page.path).name.split(".")[0]
            block = citation.cite_block(title, site_name, url, list(records.values()), hashes, page.language, key)
        names = tuple(sorted(shown))
        self._cite_blocks[page.path] = (made_from, names, self._record_versions(names), block)
        return block

    def _record_versions(self, snippets: tuple[str, ...]) -> tuple[FileVersion, ...]:
        return tuple(file_version(self.project.snippet(name).output_path) for name in snippets)

    def _output_elsewhere(self, snippet: str, page_path: str) -> str | None:
        """The Markdown link target of `snippet`'s output on the first page that shows it (in the default language's name)."""
        target = self._first_pages().get(snippet)
        if target is None:
            return None
        return posixpath.relpath(target, posixpath.dirname(page_path) or ".") + "#" + value_provenance.output_anchor(snippet)

    def _first_pages(self) -> dict[str, str]:
        """Each shown snippet's first page in the default language, under docs/ (made again when the outlines are)."""
        if self._first_pages_of is not self.outlines:
            found: dict[str, str] = {}
            for outline in self.outlines:
                if outline.language is None:
                    for shown in outline.embeds:
                        found.setdefault(shown.snippet, outline.page.relative_to(self.project.docs_dir).as_posix())
            self._first_pages_of, self._first_pages_found = self.outlines, found
        return self._first_pages_found

    def link_math_values(self, page_html: str, page: PageContext, url_of: Callable[[str], str]) -> str:
        """After KaTeX: each value span in the page's formulas becomes its link (value_provenance).

        `url_of` turns a Markdown link target (`other.md#output-x`) into the page's URL for it.
        """
        links = self.value_links.get(page.path)
        if links is None:
            return page_html

        def link_for(snippet: str, value: str, shown: str) -> value_provenance.ValueLink | None:
            record = self.state_of(snippet).record
            if record is None:
                return None
            origin = value_provenance.Origin.of(record, snippet, value, self.renderer.snippets_folder)
            return value_provenance.ValueLink(url_of(links.href(snippet, shown)), origin.sentence(shown, links.language))

        return value_provenance.link_math_values(page_html, link_for, self.linked_formulas)

    def language_inputs(self) -> str:
        """What a further language's pages are made from here, beyond the docs folder, as one digest:
        every file under the snippets and checks folders (sources, outputs, figures, findings), each
        snippet's state, and which first-language page shows each snippet's output (values link there)."""
        digest = hashlib.sha256()
        folders = [self.project.snippets_dir] + ([self.project.checks_dir] if self.project.checks_dir else [])
        for folder in folders:
            for path in sorted(p for p in folder.rglob("*") if "__pycache__" not in p.parts and p.is_file()):
                digest.update(str(path).encode("utf-8", "surrogateescape") + b"\0")
                digest.update(self.content_hashes.of(path))
        states = sorted((name, state.stale_reason or "", state.failure or "") for name, state in self.states.items())
        digest.update(repr((states, sorted(self._first_pages().items()), repr(self.site))).encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    def finish_build(self) -> None:
        """After every language's pages: keep the linked formulas this build used for the next one."""
        self.linked_formulas.save()

    def _ledger(self, language: str) -> list[ledger.LedgerEntry]:
        key = None if language == "en" else language
        if key not in self.ledgers:
            outlines = [o for o in self.outlines if o.language == key and o.bindings]
            self.ledgers[key] = ledger.entries(outlines, self.state_of, self.results.get, self.current_results.__contains__)
        return self.ledgers[key]

    def fill_figures(self, html: str) -> str:
        """A rendered page's HTML with its figures in place of their placeholders."""
        return self.placed_figures.fill(html)

    def never_shown(self) -> list[str]:
        shown = self.renderer.embedded
        return [s.display_path for s in self.project.snippets() if s.name not in shown]

    def _new_renderer(self) -> PageRenderer:
        folder = self.project.display(self.project.snippets_dir)
        figures = FigureMarkup(self.project.snippets_dir, folder, self.placed_figures)
        return PageRenderer(self.project.snippets_dir, self.state_of, self.site.settings.regenerate_command, folder, figures)


def _referenced_snippets(structure: PageStructure) -> set[str]:
    """Every path under the snippets folder that the page includes, shows or binds."""
    embeds, others = find_embeds(structure)
    return {e.snippet for e in embeds} | {e.snippet for e in others} | {b.snippet for b in find_bindings(structure)}


def _stale_message(display_path: str, reason: str, last_failure: dict | None, source_sha256: str | None, regenerate: str) -> str:
    """Why an output is stale, and what to do: after a failed run, the failure itself."""
    if last_failure and last_failure.get("source_sha256") == source_sha256:
        first, _, rest = last_failure["error"].partition("\n")
        match = re.match(rf"{re.escape(display_path)}(?::(?P<line>\d+))?: (?P<message>.*)", first)
        where = f" at line {match.group('line')}" if match and match.group("line") else ""
        message = match.group("message") if match else first
        detail = f"\n{rest}" if rest else ""
        return f"{display_path}: the last run of {display_path} failed{where}: {message}; fix it and run `{regenerate}`{detail}"
    return f"{display_path}: output is stale ({reason}); run `{regenerate}`"


def _after_title(markdown: str, block: str) -> str:
    lines = markdown.split("\n")
    for i, line in enumerate(lines):
        if re.match(r"#\s", line):
            return "\n".join(lines[: i + 1] + ["", block] + lines[i + 1 :])
    return block + "\n" + markdown
