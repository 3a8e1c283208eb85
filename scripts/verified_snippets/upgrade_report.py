"""The upgrade report: what would change if the site moved to another PyTorch release.

Written after a release's run of the matrix to `<reports_dir>/upgrade-torch-X.Y.Z.md`,
from the committed cells and records only, so it is the same on every machine
and `matrix check` can tell when it is stale. Grouped by article, it lists
every value and printed line that differs, and for each value the page lines
that show it, with the text they show now and would show after `--force`
(a value a few ulp away is often printed the same). It ends with the
reference checks (the mpmath checks of every bound value) that the release's
values would fail. That is what a maintainer reads before the upgrade.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import reference_checks
from .atomic_files import write_text_atomically
from .environments import parse
from .matrix_compare import ValueComparison, Verdict
from .matrix_page import Group, cell_text, groups, printed_lines, run_text, totals_text
from .matrix_records import CellStatus
from .matrix_state import Entry, EntryState, Matrix, load_matrix
from .page_markup import Binding, find_bindings, format_value, lookup_value
from .settings import Site


def report_path(site: Site, environment: str) -> Path:
    return site.project.root / site.settings.matrix.reports_folder / f"upgrade-{environment}.md"


@dataclass(frozen=True)
class Shown:
    page: str  # docs/cross-entropy.md
    binding: Binding


def bindings_by_snippet(site: Site) -> dict[str, list[Shown]]:
    found: dict[str, list[Shown]] = {}
    for page in sorted(site.project.docs_dir.rglob("*.md")):
        for binding in find_bindings(page.read_text(encoding="utf-8")):
            found.setdefault(binding.snippet, []).append(Shown(site.project.display(page), binding))
    return found


def _shows(binding: Binding, value: ValueComparison) -> bool:
    bound = binding.name + binding.indexes
    return value.name == bound or value.name.startswith(bound + "[")


def _displayed(values: dict[str, Any], binding: Binding) -> str:
    try:
        return format_value(lookup_value(values, binding.name, binding.indexes), binding.format)
    except (LookupError, ValueError, TypeError) as error:
        return f"<{error}>"


def page_changes(recorded: dict[str, Any], found: dict[str, Any], value: ValueComparison, shown: list[Shown]) -> list[str]:
    """How each page line that shows `value` reads now, and would read with the release's run."""
    changes = []
    for place in shown:
        if _shows(place.binding, value):
            before, after = _displayed(recorded, place.binding), _displayed(found, place.binding)
            verdict = f"`{before}` → `{after}`" if before != after else f"`{before}`, unchanged"
            changes.append(f"{place.page}:{place.binding.line}: {verdict}")
    return changes


def figures_line(matrix: Matrix, environment: str) -> str:
    totals = matrix.totals(environment)
    values, lines = totals_text(totals, "en")
    snippets = ", ".join(f"{count} {state.replace('_', ' ')}" for state, count in sorted(totals.snippets.items()))
    stale = f"; {totals.stale} stale" if totals.stale else ""
    return f"{environment}: values: {values}; printed lines: {lines}; snippets: {snippets}{stale}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _value_rows(matrix: Matrix, entry: Entry, shown: list[Shown], verdict: Verdict) -> list[str]:
    assert entry.comparison is not None and entry.cell is not None
    recorded = matrix.info(entry.snippet.name).record
    rows = []
    for value in entry.comparison.values:
        if value.verdict is not verdict:
            continue
        apart = f"{value.ulp:,} {value.unit} ulp" if value.ulp is not None else value.problem
        why = value.expected or value.tolerance_reason
        pages = "<br>".join(page_changes(recorded.values if recorded else {}, entry.cell.values, value, shown)) or "not shown"
        rows.append(f"| `{value.name}` | `{value.recorded!r}` | `{value.found!r}` | {_cell(apart)} | {_cell(why) or '—'} | {pages} |")
    if not rows:
        return []
    return ["| value | recorded | this release | apart | the snippet says | shown on the pages |", "| --- | --- | --- | --- | --- | --- |", *rows, ""]


def _entry_section(matrix: Matrix, entry: Entry, shown: list[Shown]) -> list[str]:
    heading = f"### `{entry.snippet.display_path}`: {cell_text(entry, 'en')}"
    if entry.stale:
        heading += f" (stale: {entry.stale})"
    if entry.state is EntryState.FAILED:
        return [heading, "", "It fails with this release:", "", "```text", entry.reason.rstrip(), "```", ""]
    if entry.state in (EntryState.NOT_RUN, EntryState.NOT_APPLICABLE):
        return [heading, "", f"Not compared: {entry.reason}.", ""]
    if entry.state is EntryState.OUTDATED:
        return [heading, "", f"Not compared: {entry.stale}.", ""]
    lines = [heading, ""]
    different = _value_rows(matrix, entry, shown, Verdict.DIFFERENT)
    if different:
        lines += ["Values that differ:", "", *different]
    printed = printed_lines(entry.comparison, "en") if entry.comparison else []
    if printed:
        lines += ["Printed lines that are not equal (recorded `-`, this release `+`):", "", *printed]
    within = _value_rows(matrix, entry, shown, Verdict.WITHIN)
    if within:
        lines += ["Values within the tolerance (no action needed; listed so nothing is hidden):", "", *within]
    return lines


def _check_failures(site: Site, matrix: Matrix, environment: str) -> list[str]:
    """Reference checks (mpmath) that the release's values would fail."""
    project = site.project
    failures: list[str] = []
    if project.checks_dir is None:  # the site asks for no reference checks
        return failures
    for folder in reference_checks.folders_with_checks(project, project.checks_dir):
        try:
            checks = reference_checks.load_checks(project.checks_dir, folder) or {}
        except reference_checks.ReferenceCheckError as error:
            failures.append(str(error))
            continue
        for snippet_file, checked in sorted(checks.items()):
            name = f"{folder}/{snippet_file}"
            if (name, environment) not in matrix.entries:
                continue
            cell = matrix.entry(name, environment).cell
            if cell is None or cell.status is not CellStatus.RAN:
                continue
            for value, check in sorted(checked.items()):
                if value not in cell.values:
                    failures.append(f"{name} {value}: not in this release's VALUES")
                    continue
                for finding in reference_checks.evaluate(check, cell.values[value]):
                    if not finding.passed:
                        failures.append(f"{name} {value}{finding.index}: {finding.problem}")
    return failures


def render(site: Site, environment: str) -> str:
    names = tuple(dict.fromkeys((*site.settings.matrix.environments, environment)))
    matrix = load_matrix(site.project, names, site.settings.matrix.ulp)
    release = parse(environment)
    recorded = sorted({str(info.record.environment.get("torch")) for info in matrix.snippets if info.record})
    shown = bindings_by_snippet(site)
    lines = [
        f"# What moving the site to PyTorch {release.torch} would change",
        "",
        f"Generated by `{release.command}` from the cells in `snippets/*/outputs/{environment}/` "
        f"({run_text(matrix, release, 'en')}), against the recorded outputs (torch {', '.join(recorded)}). "
        f"`python -m verified_snippets.matrix report {environment}` writes it again from the committed cells.",
        "",
        "## Summary",
        "",
        f"- {figures_line(matrix, environment)}",
    ]
    failures = _check_failures(site, matrix, environment)
    lines += [f"- reference checks the release's values would fail: {len(failures)}", ""]
    article_groups: list[Group] = groups(site.project, [info.snippet.name for info in matrix.snippets])
    for group in article_groups:
        entries = [matrix.entry(name, environment) for name in group.snippets]
        changed = [e for e in entries if e.state is not EntryState.EQUAL or e.stale]
        lines += [f"## {group.titles['en']}", ""]
        equal = [e.snippet.name.rpartition("/")[2] for e in entries if e not in changed]
        if equal:
            lines += [f"Equal, value for value and line for line: {', '.join(f'`{name}`' for name in equal)}.", ""]
        for entry in changed:
            lines += _entry_section(matrix, entry, shown.get(entry.snippet.name, []))
    lines += ["## Reference checks", ""]
    lines += [f"- {failure}" for failure in failures] or ["Every reference check passes with this release's values."]
    return "\n".join(lines).rstrip() + "\n"


def write(site: Site, environment: str) -> Path:
    path = report_path(site, environment)
    write_text_atomically(path, render(site, environment))
    return path


def stale_reports(site: Site) -> list[str]:
    """Upgrade reports that the committed cells no longer produce (or that are missing)."""
    problems = []
    for name in site.settings.matrix.environments:
        environment = parse(name)
        if environment.torch is None:
            continue
        path = report_path(site, name)
        has_cells = any(site.project.snippets_dir.glob(f"*/outputs/{name}/*.json"))
        if not has_cells:
            continue
        if not path.is_file():
            problems.append(f"{site.project.display(path)}: missing; run `python -m verified_snippets.matrix report {name}`")
        elif path.read_text(encoding="utf-8") != render(site, name):
            problems.append(f"{site.project.display(path)}: stale (the cells, outputs or pages changed); run `python -m verified_snippets.matrix report {name}`")
    return problems
