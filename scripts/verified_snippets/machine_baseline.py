"""What a snippet run on this machine must print: the recorded output, or its processor maker's cell.

The pages show one recording. A rerun on a machine whose processor another
company made can differ in a last bit, and no setting brings it back (see
`processor.py`); on such a machine the tests would fail on the site as it is.
Where the matrix holds a cell for this machine's maker (`processor-amd/...`),
made from the snippet as it is now, a rerun here is held to that cell instead:
it is as exact a recording as the record, made by the same engine, and the
page "Where these numbers hold" shows how it differs from what the articles
show. Everywhere else the record is the baseline, as before.

A cell that is stale, failed or missing never stands in: then the record is
the baseline, and a rerun that differs from it fails, naming the values.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from .environments import Environment, parse
from .layout import Project, Snippet
from .matrix_records import CellStatus, cell_path, read_cell
from .matrix_state import snippet_info, staleness
from .output_records import CorruptRecord, OutputRecord, read_record, sections_of
from .processor import this_maker


@dataclass(frozen=True)
class Baseline:
    source: str  # the file a rerun is held to, as a reader finds it
    stdout: str
    values: dict[str, Any]
    chunks: list[dict[str, Any]]
    from_cell: bool = False  # a processor maker's cell, not the recorded output

    @property
    def sections(self) -> dict[str, str]:
        return sections_of(self.chunks)

    def applied_to(self, record: OutputRecord) -> OutputRecord:
        """`record` as this machine prints it: its outputs and values replaced by the baseline's."""
        return dataclasses.replace(record, stdout=self.stdout, values=self.values, chunks=self.chunks, sections=self.sections)

    def chunk_stdout(self, part: str) -> str:
        """What a notebook cell's region printed: `part` is a section name or the first line of code between sections."""
        if part.isdigit():
            return next(c["stdout"] for c in self.chunks if c["section"] is None and c["first_line"] == int(part))
        return self.sections[part]


def processor_environment(maker: str | None = None) -> Environment | None:
    """The matrix environment of this machine's processor maker (None where the maker is unknown)."""
    maker = maker if maker is not None else this_maker()
    return parse(f"processor-{maker}") if maker else None


def baseline(project: Project, snippet: Snippet, maker: str | None = None) -> Baseline:
    """What `snippet` must print here (`maker`: this machine's, unless a test says otherwise).

    Raises FileNotFoundError or CorruptRecord when the snippet has no readable record.
    """
    record = read_record(snippet.output_path)
    from_record = Baseline(project.display(snippet.output_path), record.stdout, record.values, record.chunks)
    environment = processor_environment(maker)
    if environment is None:
        return from_record
    path = cell_path(snippet, environment.name)
    try:
        cell = read_cell(path)
    except (FileNotFoundError, CorruptRecord):
        return from_record
    if cell.status is not CellStatus.RAN or staleness(project, snippet_info(snippet), environment, cell) is not None:
        return from_record
    return Baseline(project.display(path), cell.stdout, cell.values, cell.chunks, from_cell=True)
