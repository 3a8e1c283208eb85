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
    matrix: MatrixOptions = field(default_factory=lambda: MatrixOptions())
    device_line: int | None = None  # the top-level `DEVICE = "cpu"` line, if any
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


#: The devices a snippet may state; the site records every output on the CPU.
DEVICES = ("cpu", "cuda")
#: One option of a `# snippet-engine:` line: `key=value` or `key[name]=value`. Items are
#: split at a comma that starts another option, so a value may hold commas (`devices=cpu,cuda`).
OPTION_ITEM_START = re.compile(r",\s*(?=[a-z_]+(?:\[[^\]]*\])?\s*=)")
OPTION_KEY = re.compile(r"^(?P<key>[a-z_]+)(?:\[(?P<name>[^\]]*)\])?$")
#: Options that change what the environment matrix accepts: each needs a reason after `;`.
OPTIONS_NEEDING_A_REASON = ("ulp", "varies")


@dataclass(frozen=True)
class MatrixOptions:
    """What a snippet says about the environments it runs in (see `environments`, `matrix_compare`).

    `# snippet-engine: devices=cpu,cuda`: it runs on a GPU too; a top-level
    `DEVICE = "cpu"` line is where the CUDA leg puts "cuda".
    `# snippet-engine: devices=cpu; a profiler trace of CPU kernels`: CPU only, with the reason.
    `# snippet-engine: ulp=0; <reason>` or `ulp[value]=16; <reason>`: the tolerance, in units in
    the last place, within which a value still counts as holding (the site's default otherwise).
    `# snippet-engine: varies=sweep,largest_gap; <reason>`: sections or values known to differ
    between environments. They are still reported as different, with the reason.
    """

    devices: tuple[str, ...] | None = None  # None: the snippet does not say
    devices_reason: str = ""
    ulp: float | None = None  # None: the site's default
    ulp_reason: str = ""
    value_ulp: tuple[tuple[str, float, str], ...] = ()  # (value name, ulp, reason)
    varies: tuple[tuple[str, str], ...] = ()  # (section or value name, reason)

    def tolerance(self, value: str, default: float) -> tuple[float, str]:
        """The ulp within which `value` holds, and the reason when the snippet changed it."""
        for name, ulp, reason in self.value_ulp:
            if name == value:
                return ulp, reason
        return (self.ulp, self.ulp_reason) if self.ulp is not None else (default, "")

    def expected_to_vary(self, name: str | None) -> str:
        """The reason `name` (a section or a value) is expected to differ, or ""."""
        return next((reason for varying, reason in self.varies if varying == name), "")


@dataclass(frozen=True)
class _OptionLine:
    number: int
    items: list[tuple[str, str | None, str]]  # (key, [name], value)
    reason: str


def _option_lines(source: str, display_path: str) -> list[_OptionLine]:
    found = []
    for number, line in enumerate(source.splitlines(), start=1):
        match = OPTION_LINE.match(line.strip())
        if not match:
            continue
        text, _, reason = match.group(1).partition(";")
        items = []
        for item in OPTION_ITEM_START.split(text.strip()):
            key_text, equals, value = item.partition("=")
            key = OPTION_KEY.match(key_text.strip())
            if not equals or key is None:
                raise SnippetSourceError(display_path, number, f"cannot read snippet-engine option '{item.strip()}'; write key=value, e.g. timeout=120")
            items.append((key.group("key"), key.group("name"), value.strip()))
        found.append(_OptionLine(number, items, reason.strip()))
    return found


def _number(display_path: str, number: int, key: str, value: str, what: str) -> float:
    try:
        result = float(value)
    except ValueError:
        raise SnippetSourceError(display_path, number, f"{key} must be {what}, not '{value}'") from None
    if result < 0 or (key == "timeout" and result == 0):
        raise SnippetSourceError(display_path, number, f"{key} must be {'positive' if key == 'timeout' else 'zero or more'}")
    return result


def read_options(source: str, display_path: str, names: tuple[set[str], set[str]] = (set(), set())) -> tuple[float | None, MatrixOptions]:
    """The timeout and the matrix options; `names`: (sections, VALUES keys) that `varies` and `ulp[...]` may name.

    An empty set of VALUES keys means they are not known (VALUES is not a dict literal).
    """
    timeout: float | None = None
    devices: tuple[str, ...] | None = None
    fields: dict = {}
    value_ulp, varies = [], []
    sections, value_keys = names
    for line in _option_lines(source, display_path):
        for key, name, value in line.items:
            where = (display_path, line.number)
            if key in OPTIONS_NEEDING_A_REASON and not line.reason:
                raise SnippetSourceError(*where, f"{key} changes what the environment matrix accepts, so it needs a reason: '# snippet-engine: {key}{f'[{name}]' if name else ''}={value}; <why>'")
            if name is not None and key != "ulp":
                raise SnippetSourceError(*where, f"'{key}[...]' is not an option; only ulp takes a value name, as in ulp[loss]=8")
            if key == "timeout":
                timeout = _number(*where, key, value, "a number of seconds")
            elif key == "devices":
                devices = _devices(*where, value, line.reason)
                fields["devices_reason"] = line.reason
            elif key == "ulp" and name is None:
                fields["ulp"], fields["ulp_reason"] = _number(*where, key, value, "a number of units in the last place"), line.reason
            elif key == "ulp":
                _check_name(*where, name or "", sections, value_keys, values_only=True)
                value_ulp.append((name or "", _number(*where, key, value, "a number of units in the last place"), line.reason))
            elif key == "varies":
                for varying in filter(None, (part.strip() for part in value.split(","))):
                    _check_name(*where, varying, sections, value_keys, values_only=False)
                    varies.append((varying, line.reason))
            else:
                raise SnippetSourceError(*where, f"unknown snippet-engine option '{key}' (known: timeout, devices, ulp, varies)")
    return timeout, MatrixOptions(devices=devices, value_ulp=tuple(value_ulp), varies=tuple(varies), **fields)


def _devices(display_path: str, number: int, value: str, reason: str) -> tuple[str, ...]:
    devices = tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
    unknown = [device for device in devices if device not in DEVICES]
    if unknown or not devices:
        raise SnippetSourceError(display_path, number, f"devices must list some of {', '.join(DEVICES)}, not '{value}'")
    if "cpu" not in devices:
        raise SnippetSourceError(display_path, number, "devices must include cpu: the site records every output on the CPU")
    if devices == ("cpu",) and not reason:
        raise SnippetSourceError(display_path, number, "a CPU-only snippet says why: '# snippet-engine: devices=cpu; <why it cannot run on a GPU>'")
    return devices


def _check_name(display_path: str, number: int, name: str, sections: set[str], value_keys: set[str], values_only: bool) -> None:
    known = value_keys if values_only else sections | value_keys
    if not value_keys and (values_only or name not in sections):
        return  # VALUES is not a literal dict: its keys are only known after a run
    if name not in known:
        kinds = "VALUES keys" if values_only else "sections and VALUES keys"
        raise SnippetSourceError(display_path, number, f"'{name}' is not one of this snippet's {kinds} ({', '.join(sorted(known)) or 'none'})")


def device_line(tree: ast.Module) -> int | None:
    """The line of the top-level `DEVICE = "<device>"` assignment, where a device leg sets the device."""
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and [t.id for t in node.targets if isinstance(t, ast.Name)] == ["DEVICE"]
            and len(node.targets) == 1
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            return node.lineno
    return None


def values_keys(tree: ast.Module) -> set[str]:
    """The keys of a top-level `VALUES = {...}` dict literal (empty when VALUES is built otherwise)."""
    keys: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "VALUES" for t in node.targets) and isinstance(node.value, ast.Dict):
            keys = {k.value for k in node.value.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
    return keys


def plan(source: str, display_path: str) -> SourcePlan:
    """Parse a snippet without running it; raises SnippetSourceError on bad input."""
    try:
        tree = ast.parse(source, filename=display_path)
    except SyntaxError as error:
        raise SnippetSourceError(display_path, error.lineno, f"SyntaxError: {error.msg}") from None
    sections = find_sections(source, display_path)
    timeout, matrix = read_options(source, display_path, ({s.name for s in sections}, values_keys(tree)))
    if matrix.devices and len(matrix.devices) > 1 and device_line(tree) is None:
        line = next(line.number for line in _option_lines(source, display_path) if any(key == "devices" for key, _, _ in line.items))
        raise SnippetSourceError(display_path, line, f"states devices={','.join(matrix.devices)} but has no top-level DEVICE = \"cpu\" line: the CUDA leg runs the snippet with DEVICE = \"cuda\", so put its tensors on DEVICE")
    statements = []
    for node in tree.body:
        decorators: list[ast.expr] = getattr(node, "decorator_list", [])
        first = min([node.lineno] + [d.lineno for d in decorators])
        last = node.end_lineno or node.lineno
        for section in sections:
            if first < section.start_line < last or first < section.end_line < last:
                raise SnippetSourceError(display_path, section.start_line, f"section '{section.name}' marker cuts through a statement (lines {first}-{last}); put markers between top-level statements")
        statements.append((first, last))
    return SourcePlan(sections=sections, timeout_s=timeout, statements=statements, matrix=matrix, device_line=device_line(tree))
