"""Reading a snippet's source: its named sections, options and execution plan.

Sections use pymdownx.snippets' markers (`# --8<-- [start:name]` ... `[end:name]`)
so that one file is both the page's include and the engine's unit of output.
The engine executes a snippet one top-level statement at a time, so it can say
which section printed what and which statement was running when a child died.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

#: A section's name, in its markers and in a page's `--8<-- "article/name.py:section"`.
SECTION_NAME = r"[a-z][-_0-9a-z]*"
SECTION_MARKER = re.compile(rf"^\s*#\s*-+8<-+\s*\[\s*(start|end)\s*:\s*({SECTION_NAME})\s*\]\s*$")
OPTION_LINE = re.compile(r"^#\s*snippet-engine:\s*(.+)$")


class SnippetSourceError(Exception):
    """A problem found in a snippet's source before running it."""

    def __init__(self, display_path: str, line: int | None, message: str):
        self.display_path, self.line, self.message = display_path, line, message
        where = f"{display_path}:{line}" if line else display_path
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Section:
    name: str
    start_line: int  # line of the start marker
    end_line: int  # line of the end marker


@dataclass(frozen=True)
class Region:
    """A run of source lines that is one unit on a page and one notebook cell.

    Either a section's body (between its markers) or the code between sections.
    """

    section: str | None
    first_line: int
    last_line: int


@dataclass
class SourcePlan:
    sections: list[Section] = field(default_factory=list)
    timeout_s: float | None = None  # from the snippet's options; None: the site's default
    # (first line, last line) of each top-level statement, decorators included
    statements: list[tuple[int, int]] = field(default_factory=list)

    def regions(self, line_count: int) -> list[Region]:
        regions, line = [], 1
        for section in sorted(self.sections, key=lambda s: s.start_line):
            if section.start_line > line:
                regions.append(Region(None, line, section.start_line - 1))
            regions.append(Region(section.name, section.start_line + 1, section.end_line - 1))
            line = section.end_line + 1
        if line <= line_count:
            regions.append(Region(None, line, line_count))
        return regions

    def chunks(self, source: str, statement_stdout: list[str]) -> list[dict]:
        """Each region that holds code, with its lines and what its statements printed."""
        lines = source.splitlines()
        chunks = []
        for region in self.regions(len(lines)):
            printed = [
                text
                for (first, _last), text in zip(self.statements, statement_stdout)
                if region.first_line <= first <= region.last_line
            ]
            has_code = any(region.first_line <= first <= region.last_line for first, _last in self.statements)
            if region.section is None and not has_code:
                continue
            chunks.append({"section": region.section, "first_line": region.first_line, "last_line": region.last_line, "stdout": "".join(printed)})
        return chunks


def find_sections(source: str, display_path: str) -> list[Section]:
    open_: dict[str, int] = {}
    sections: list[Section] = []
    for number, line in enumerate(source.splitlines(), start=1):
        match = SECTION_MARKER.match(line)
        if not match:
            continue
        kind, name = match.groups()
        if kind == "start":
            if open_:
                other = next(iter(open_))
                raise SnippetSourceError(display_path, number, f"section '{name}' starts inside section '{other}'; sections cannot nest")
            if any(s.name == name for s in sections):
                raise SnippetSourceError(display_path, number, f"section '{name}' is defined twice")
            open_[name] = number
        else:
            if name not in open_:
                raise SnippetSourceError(display_path, number, f"section '{name}' ends but never started")
            sections.append(Section(name, open_.pop(name), number))
    for name, number in open_.items():
        raise SnippetSourceError(display_path, number, f"section '{name}' is never closed")
    return sections


def read_options(source: str, display_path: str) -> dict[str, float]:
    """Options such as `# snippet-engine: timeout=120` (seconds)."""
    options: dict[str, float] = {}
    for number, line in enumerate(source.splitlines(), start=1):
        match = OPTION_LINE.match(line.strip())
        if not match:
            continue
        for item in match.group(1).split(","):
            key, _, value = item.partition("=")
            key = key.strip()
            if key != "timeout":
                raise SnippetSourceError(display_path, number, f"unknown snippet-engine option '{key}'")
            try:
                options[key] = float(value)
            except ValueError:
                raise SnippetSourceError(display_path, number, f"timeout must be a number of seconds, not '{value.strip()}'") from None
            if options[key] <= 0:
                raise SnippetSourceError(display_path, number, "timeout must be positive")
    return options


def plan(source: str, display_path: str) -> SourcePlan:
    """Parse a snippet without running it; raises SnippetSourceError on bad input."""
    try:
        tree = ast.parse(source, filename=display_path)
    except SyntaxError as error:
        raise SnippetSourceError(display_path, error.lineno, f"SyntaxError: {error.msg}") from None
    sections = find_sections(source, display_path)
    options = read_options(source, display_path)
    statements = []
    for node in tree.body:
        decorators: list[ast.expr] = getattr(node, "decorator_list", [])
        first = min([node.lineno] + [d.lineno for d in decorators])
        last = node.end_lineno or node.lineno
        for section in sections:
            if first < section.start_line < last or first < section.end_line < last:
                raise SnippetSourceError(display_path, section.start_line, f"section '{section.name}' marker cuts through a statement (lines {first}-{last}); put markers between top-level statements")
        statements.append((first, last))
    return SourcePlan(sections=sections, timeout_s=options.get("timeout"), statements=statements)
