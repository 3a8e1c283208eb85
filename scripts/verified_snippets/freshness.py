"""Deciding, without running anything, whether a snippet's committed output is current.

An output is current when the snippet's source, every repository file the run
imported or read, the figures it drew, and the torch and Python versions are
what the record says.
Each check hashes at most the snippet and its recorded dependencies, so the
cost of a warm check grows linearly with the number of snippets.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from . import environment, figure_files
from .layout import Snippet
from .output_records import CorruptRecord, OutputRecord, read_record, sha256_bytes, sha256_file


@dataclass
class Freshness:
    snippet: Snippet
    reason: str | None  # None when the output is current
    record: OutputRecord | None  # the committed record, if it could be read

    @property
    def is_fresh(self) -> bool:
        return self.reason is None


def check(snippet: Snippet, torch_version: Callable[[], str | None] = environment.torch_version, python_version: str | None = None) -> Freshness:
    """Why `snippet` must run again, or None.

    `torch_version` is called only when a record is read (the installed torch,
    by default); it returns None where torch is not installed: a docs-only
    environment cannot tell, so the version is not held against the output.
    """
    python_version = python_version or environment.python_version()
    try:
        record = read_record(snippet.output_path)
    except FileNotFoundError:
        return Freshness(snippet, "no output yet", None)
    except CorruptRecord as error:
        return Freshness(snippet, f"output file is corrupt: {error}", None)
    try:
        source = snippet.path.read_bytes()
    except FileNotFoundError:
        return Freshness(snippet, "snippet was removed", record)
    if sha256_bytes(source) != record.source_sha256:
        return Freshness(snippet, "source changed", record)
    root = snippet.project.root
    for dependency, digest in sorted(record.dependencies.items()):
        if sha256_file(root / dependency) != digest:
            return Freshness(snippet, f"{dependency} changed", record)
    figures_problem = figure_files.stale_reason(snippet, record)
    if figures_problem:
        return Freshness(snippet, figures_problem, record)
    recorded_torch, installed_torch = record.environment.get("torch"), torch_version()
    if installed_torch is not None and recorded_torch != installed_torch:
        return Freshness(snippet, f"torch {recorded_torch} -> {installed_torch}", record)
    recorded_python = record.environment.get("python")
    if recorded_python != python_version:
        return Freshness(snippet, f"Python {recorded_python} -> {python_version}", record)
    return Freshness(snippet, None, record)


def check_each(snippets: list[Snippet]) -> Iterator[Freshness]:
    """Check one snippet at a time, so a caller can act on the first stale one at once."""
    python_version = environment.python_version()
    for snippet in snippets:
        yield check(snippet, python_version=python_version)


def check_all(snippets: list[Snippet]) -> list[Freshness]:
    return list(check_each(snippets))
