"""The environment matrix as the page, the reports and the checks see it: one entry per snippet and environment.

Everything here reads committed files only (records, cells, snippet sources),
so `mkdocs build` shows the matrix without PyTorch. An entry says what the
snippet did in that environment against its recorded output, or why there is
nothing to compare, and whether the cell is stale: made from another version
of the snippet, of a file it read, or of torch than the recorded outputs.
"""
from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from .atomic_files import ContentHashes, version_of
from .environments import Environment, parse
from .layout import Project, Snippet
from .matrix_compare import DEFAULT_ULP, SnippetComparison, Verdict, compare_cell
from .matrix_records import Cell, CellStatus, cell_path, cells_on_disk, changed_dependency, orphaned_cells, orphans_among, read_cell
from .output_records import CorruptRecord, OutputRecord, read_record, sha256_file
from .source_plan import MatrixOptions, SnippetSourceError, read_options

# Reasons the engine gives (the page translates these; a snippet's own reasons and errors are quoted).
NOT_RUN_YET = "not run in this environment yet"
NEVER_RUN = "no run of this environment is recorded"
NO_DEVICES = "the snippet does not state its devices (# snippet-engine: devices=...)"
NO_RECORD = "the snippet has no recorded output to compare with"
NEWLY_SUPPORTED = "not run since the snippet began to support this device"


class EntryState(StrEnum):
    EQUAL = "equal"
    WITHIN = "within"
    DIFFERENT = "different"
    FAILED = "failed"
    NOT_APPLICABLE = "not_applicable"
    NOT_RUN = "not_run"
    # Run for another version of the snippet or of a file it reads: no verdict is shown, because
    # it would compare two programs (and it would change with every save of the snippet).
    OUTDATED = "outdated"


@dataclass
class Entry:
    snippet: Snippet
    environment: Environment
    state: EntryState
    cell: Cell | None = None
    comparison: SnippetComparison | None = None
    reason: str = ""  # FAILED: the error; NOT_APPLICABLE, NOT_RUN: why
    stale: str | None = None  # why the cell no longer stands for the snippet as it is


@dataclass
class Totals:
    """The closing figures of one environment: values and printed lines by verdict, snippets by state."""

    values: Counter = field(default_factory=Counter)  # Verdict -> count
    lines: Counter = field(default_factory=Counter)  # LineVerdict -> count
    ulp: Counter = field(default_factory=Counter)  # ulp apart -> values within the tolerance
    snippets: Counter = field(default_factory=Counter)  # EntryState -> count
    expected_values: int = 0  # different values that the snippet expects to vary
    stale: int = 0

    @property
    def compared_values(self) -> int:
        return sum(self.values.values())


@dataclass
class SnippetInfo:
    snippet: Snippet
    source_sha256: str | None
    record: OutputRecord | None
    options: MatrixOptions
    problem: str = ""  # the snippet's options cannot be read (the run reports it too)


@dataclass
class Matrix:
    project: Project
    environments: list[Environment]
    snippets: list[SnippetInfo]
    entries: dict[tuple[str, str], Entry]
    orphans: dict[str, list] = field(default_factory=dict)  # environment -> cells of removed snippets

    def entry(self, snippet: str, environment: str) -> Entry:
        return self.entries[snippet, environment]

    def info(self, snippet: str) -> SnippetInfo:
        return next(info for info in self.snippets if info.snippet.name == snippet)

    def column(self, environment: str) -> list[Entry]:
        return [self.entries[info.snippet.name, environment] for info in self.snippets]

    def has_run(self, environment: str) -> bool:
        return any(entry.cell is not None for entry in self.column(environment))

    def provenance(self, environment: str) -> list[dict[str, str]]:
        """The distinct provenances of an environment's cells (one, unless shards ran on different machines)."""
        seen: list[dict[str, str]] = []
        for entry in self.column(environment):
            if entry.cell is not None and entry.cell.status is not CellStatus.NOT_APPLICABLE and entry.cell.provenance not in seen:
                seen.append(entry.cell.provenance)
        return seen

    def totals(self, environment: str) -> Totals:
        totals = Totals()
        for entry in self.column(environment):
            totals.snippets[entry.state] += 1
            totals.stale += entry.stale is not None
            if entry.comparison is None:
                continue
            for value in entry.comparison.values:
                totals.values[value.verdict] += 1
                if value.verdict is Verdict.WITHIN:
                    totals.ulp[value.ulp or 0] += 1
                totals.expected_values += value.verdict is Verdict.DIFFERENT and bool(value.expected)
            for line in entry.comparison.lines:
                totals.lines[line.verdict] += 1
        return totals

    def stale_entries(self, environment: str) -> list[Entry]:
        return [entry for entry in self.column(environment) if entry.stale is not None]

    def warnings(self) -> list[str]:
        """A stale matrix, like a stale output: one warning per environment that runs anywhere.

        Only cells that exist and no longer stand for their snippet: they would show a
        verdict about code that has changed. A snippet with no cell yet shows "not run".
        Environments that need a GPU or a download mark their stale cells on the page
        and in `matrix check`, without failing the build of a contributor who has neither.
        """
        return [warning for environment in self.environments if environment.runs_anywhere for warning in self._stale(environment)]

    def outdated(self, anywhere_only: bool = False) -> list[str]:
        """Everything `matrix check` lists: stale cells, and snippets an environment has not run
        (`anywhere_only`: in the environments any machine runs, as the test suite asks)."""
        found = []
        for environment in self.environments:
            if anywhere_only and not environment.runs_anywhere:
                continue
            found += self._stale(environment)
            missing = [e for e in self.column(environment.name) if e.state is EntryState.NOT_RUN and e.reason in (NOT_RUN_YET, NEVER_RUN)]
            if missing and (self.has_run(environment.name) or not environment.needs_hardware):
                listed = ", ".join(entry.snippet.display_path for entry in missing)
                found.append(f"environment matrix: {environment.name} has not run {len(missing)} snippet(s): {listed}; run `{environment.command}`")
        return found

    def _stale(self, environment: Environment) -> list[str]:
        found = []
        stale = self.stale_entries(environment.name)
        if stale:
            listed = "; ".join(f"{entry.snippet.display_path} ({entry.stale})" for entry in stale)
            found.append(f"environment matrix: {environment.name} is stale for {len(stale)} snippet(s): {listed}; run `{environment.command}`")
        for orphan in self.orphans.get(environment.name, []):
            found.append(f"{self.project.display(orphan)}: matrix cell of a snippet that no longer exists; run `{environment.command}`")
        return found


def _base(version: str | None) -> str:
    return (version or "?").split("+")[0]


def code_changed(project: Project, info: SnippetInfo, cell: Cell) -> str | None:
    """Why `cell` was made by other code than the snippet's and its files' as they are now; None when it was not."""
    if cell.source_sha256 != info.source_sha256:
        return "the snippet changed since this run"
    changed = changed_dependency(project, cell.dependencies)
    if changed:
        return f"{changed} changed since this run"
    return None


def staleness(project: Project, info: SnippetInfo, environment: Environment, cell: Cell) -> str | None:
    """Why `cell` no longer stands for the snippet as it is now; None when it does."""
    return code_changed(project, info, cell) or _ran_on_other_torch(info, environment, cell)


def _ran_on_other_torch(info: SnippetInfo, environment: Environment, cell: Cell) -> str | None:
    """Why `cell`, made by the snippet's code as it is now, still does not stand for it; None when it does."""
    if cell.status is CellStatus.NOT_APPLICABLE:
        return None
    ran_on = _base(cell.provenance.get("torch"))
    if environment.torch is not None and ran_on != environment.torch:
        return f"ran on torch {ran_on}, not {environment.torch}"
    recorded_on = _base(info.record.environment.get("torch")) if info.record else None
    if environment.torch is None and recorded_on is not None and ran_on != recorded_on:
        return f"ran on torch {ran_on}; the outputs are from {recorded_on}"
    return None


def snippet_info(snippet: Snippet) -> SnippetInfo:
    try:
        source = snippet.path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return SnippetInfo(snippet, None, None, MatrixOptions(), "cannot be read as UTF-8 text")
    try:
        record: OutputRecord | None = read_record(snippet.output_path)
    except (FileNotFoundError, CorruptRecord):
        record = None
    try:
        # The header lines alone, without parsing the whole snippet (a build reads every one):
        # whether an option names a real section or value is checked when the snippet runs.
        options, problem = read_options(source, snippet.display_path)[1], ""
    except SnippetSourceError as error:
        options, problem = MatrixOptions(), str(error)
    return SnippetInfo(snippet, sha256_file(snippet.path), record, options, problem)


def applies(options: MatrixOptions, environment: Environment) -> tuple[bool, str]:
    """Whether a snippet runs in an environment at all, and if not, why."""
    if environment.device is None:
        return True, ""
    if options.devices is None:
        return False, NO_DEVICES
    if environment.device not in options.devices:
        return False, options.devices_reason or f"states devices={','.join(options.devices)}"
    return True, ""


def make_entry(project: Project, info: SnippetInfo, environment: Environment, default_ulp: float, environment_has_run: bool,
               memo: ComparisonMemo | None = None, has_cell: bool | None = None) -> Entry:
    """`has_cell`: whether the snippet's cell file exists, where the folder was listed already (`cells_on_disk`)."""
    snippet = info.snippet
    runs_here, why_not = applies(info.options, environment)
    try:
        if has_cell is False:
            raise FileNotFoundError
        cell: Cell | None = (memo.read_cell if memo is not None else read_cell)(cell_path(snippet, environment.name))
    except FileNotFoundError:
        cell = None
    except CorruptRecord as error:
        return Entry(snippet, environment, EntryState.NOT_RUN, reason=f"its cell is corrupt: {error}", stale=f"cell is corrupt: {error}")
    if not runs_here and info.options.devices is not None:
        stale = staleness(project, info, environment, cell) if cell is not None and environment_has_run else None
        return Entry(snippet, environment, EntryState.NOT_APPLICABLE, cell, reason=why_not, stale=stale)
    if cell is None:
        if not runs_here:
            return Entry(snippet, environment, EntryState.NOT_RUN, reason=why_not)
        # Shown as "not run": no verdict is claimed, so nothing false is shown (`matrix check` lists it).
        return Entry(snippet, environment, EntryState.NOT_RUN, reason=NOT_RUN_YET if environment_has_run else NEVER_RUN)
    changed = code_changed(project, info, cell)
    stale = changed or _ran_on_other_torch(info, environment, cell)  # staleness, with `changed` kept
    if cell.status is CellStatus.FAILED:
        return Entry(snippet, environment, EntryState.FAILED, cell, reason=cell.reason, stale=stale)
    if cell.status is CellStatus.NOT_APPLICABLE:  # the snippet has since started to support this device
        return Entry(snippet, environment, EntryState.NOT_RUN, cell, reason=NEWLY_SUPPORTED, stale=stale or "devices changed")
    if info.record is None:
        return Entry(snippet, environment, EntryState.NOT_RUN, cell, reason=NO_RECORD, stale=stale)
    if changed is not None:
        return Entry(snippet, environment, EntryState.OUTDATED, cell, stale=stale)
    if memo is not None:
        comparison = memo.compare(info, cell, environment, default_ulp)
    else:
        comparison = compare_cell(info.record, cell, info.options, environment, default_ulp)
    return Entry(snippet, environment, EntryState(str(comparison.verdict)), cell, comparison, stale=stale)


def load_matrix(project: Project, environment_names: tuple[str, ...] | list[str], default_ulp: float = DEFAULT_ULP, snippets: list[Snippet] | None = None, memo: ComparisonMemo | None = None) -> Matrix:
    """`memo`: comparisons kept from the last load (`mkdocs serve` reads the matrix again after each snippet edit)."""
    environments = [parse(name) for name in environment_names]
    listed = snippets if snippets is not None else project.snippets()
    infos = [memo.snippet_info(snippet) if memo is not None else snippet_info(snippet) for snippet in listed]
    on_disk = cells_on_disk(project, [environment.name for environment in environments], listed)
    entries = {}
    orphans = {}
    if memo is not None:
        memo.start()
    records = [info.snippet.output_path for info in infos]
    records_at = [(str(record.parent), record.name) for record in records]  # `cell_path_text`, a Path made once
    for environment in environments:
        cells = on_disk[environment.name]
        paths = [os.path.join(folder, environment.name, name) for folder, name in records_at]
        has_cell = [path in cells for path in paths]
        has_run = any(has_cell)
        for info, present in zip(infos, has_cell):
            entries[info.snippet.name, environment.name] = make_entry(project, info, environment, default_ulp, has_run, memo, present)
        # A subset of the snippets: a cell of one left out is not an orphan.
        orphans[environment.name] = orphans_among(project, cells, set(paths)) if snippets is None else orphaned_cells(project, environment.name)
    return Matrix(project, environments, infos, entries, orphans)


class ComparisonMemo:
    """Each cell's comparison with its record, and the cell itself, kept from one load of the matrix to the next.

    Comparing every value of every cell is most of reading the matrix, and a
    snippet edit under `mkdocs serve` changes one snippet's record: the other
    snippets' comparisons are taken from the last load. A kept comparison is
    used only when the record and the cell are equal, field by field, to the
    ones it was made from, with the same options and tolerance: whatever
    changed is compared again. Only the comparisons of the latest load are kept.
    """

    def __init__(self, content_hashes: ContentHashes | None = None) -> None:
        """`content_hashes`: shared with the other digests of the same files (the engine's), so each file version is read once."""
        self.kept: dict[tuple[str, str, str, float], tuple[OutputRecord, Cell, SnippetComparison]] = {}
        self.latest: dict[tuple[str, str, str, float], tuple[OutputRecord, Cell, SnippetComparison]] = {}
        self.cells: dict[Path, tuple[tuple[int, int, int], Cell]] = {}
        self.hits = self.misses = 0
        self.content_hashes = content_hashes or ContentHashes()
        self.infos: dict[str, tuple[tuple[bytes, bytes], SnippetInfo]] = {}

    def snippet_info(self, snippet: Snippet) -> SnippetInfo:
        """`snippet_info`, made again only when the snippet's source or its recorded output changed."""
        key = (self.content_hashes.of(snippet.path), self.content_hashes.of(snippet.output_path))
        kept = self.infos.get(snippet.name)
        if kept is not None and kept[0] == key:
            return kept[1]
        info = snippet_info(snippet)
        self.infos[snippet.name] = (key, info)
        return info

    def read_cell(self, path: Path) -> Cell:
        """The cell in `path`, read again only when the file is another version (a write replaces it)."""
        version = version_of(path.stat())  # FileNotFoundError: no cell, as read_cell says it
        kept = self.cells.get(path)
        if kept is not None and kept[0] == version:
            return kept[1]
        cell = read_cell(path)
        self.cells[path] = (version, cell)
        return cell

    def start(self) -> None:
        """A new load: what the last one used is what may be reused."""
        if self.latest:
            self.kept, self.latest = self.latest, {}

    def compare(self, info: SnippetInfo, cell: Cell, environment: Environment, default_ulp: float) -> SnippetComparison:
        assert info.record is not None
        key = (info.snippet.name, environment.name, repr(info.options), default_ulp)
        found = self.kept.get(key)
        if found is not None and found[0] == info.record and found[1] == cell:
            self.hits += 1
            comparison = found[2]
        else:
            self.misses += 1
            comparison = compare_cell(info.record, cell, info.options, environment, default_ulp)
        self.latest[key] = (info.record, cell, comparison)
        return comparison

