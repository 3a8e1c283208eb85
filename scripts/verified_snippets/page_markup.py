"""Turning an article's Markdown into what the site shows: outputs under code, numbers from runs.

Three things happen to a page before Markdown sees it:

* an include of a snippet (a fenced block whose only line is
  `--8<-- "article/name.py"` or `--8<-- "article/name.py:section"`) is checked,
  and the snippet's recorded output, figures (figure_markup) and provenance
  are inserted right under it;
* every other `--8<--` include is checked, so a missing file or section is an
  error that names the page and line rather than an exception deep in Markdown;
* every value binding `{{ run: article/name.py name[0] | .4f }}` is replaced
  by the recorded number, formatted; this works in prose and inside math.

Problems are returned, not raised: the hook logs them as warnings (so
`mkdocs build --strict` fails) and the page shows a visible error instead.
"""
from __future__ import annotations

import html
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .atomic_files import version_of
from .figure_markup import FigureMarkup
from .output_records import OutputRecord
from .output_slots import OutputSlot, make_slot, slot_lines
from .page_structure import FencedBlock, PageStructure, read_page
from .source_plan import SECTION_NAME, SnippetSourceError, find_sections
from .value_provenance import InlineContexts, Origin, OutputBlock, ValueLinks, math_markup, output_anchor, prose_markup

INCLUDE_LINE = re.compile(r"""^(?P<indent>[ \t]*)-+8<-+[ \t]+(?P<quote>["'])(?P<target>[^"']+)(?P=quote)[ \t]*$""")
VALUE_BINDING = re.compile(
    r"\{\{\s*run:\s*(?P<snippet>[^\s|}]+)\s+(?P<name>[A-Za-z_]\w*)(?P<indexes>(?:\[-?\d+\])*)\s*(?:\|\s*(?P<format>[^}]*?))?\s*\}\}"
)
LOOSE_BINDING = re.compile(r"\{\{\s*run:[^}]*\}\}")
SECTION_TARGET = re.compile(rf"^(?P<path>.+?\.py):(?P<section>{SECTION_NAME})$")
DEFAULT_REGENERATE_COMMAND = "make outputs"


@dataclass(frozen=True)
class Problem:
    line: int  # 1-based, in the page's Markdown
    message: str


@dataclass
class SnippetState:
    """What the page needs to know about one snippet's output."""

    record: OutputRecord | None
    stale_reason: str | None = None  # set when the record no longer matches the source
    failure: str | None = None  # the error of the last run attempt in `mkdocs serve`


@dataclass
class Embed:
    snippet: str  # path relative to snippets/
    section: str | None
    line: int


@dataclass(frozen=True)
class Binding:
    """A value binding `{{ run: article/name.py value[0] | .4f }}` on a page, outside code."""

    line: int
    snippet: str  # path under the snippets folder
    name: str
    indexes: str  # "" or e.g. "[1]", "[0][2]"
    format: str | None

    @property
    def label(self) -> str:
        return f"{{{{ run: {self.snippet} {self.name}{self.indexes} }}}}"

    @property
    def folder(self) -> str:
        return self.snippet.partition("/")[0]

    @property
    def file(self) -> str:
        return self.snippet.partition("/")[2]


def find_bindings(markdown: str | PageStructure) -> list[Binding]:
    """Every value binding outside code, in order."""
    page = read_page(markdown) if isinstance(markdown, str) else markdown
    found = []
    for number, text in enumerate(page.lines, start=1):
        if "{{" in text and not page.is_code(number):
            for match in VALUE_BINDING.finditer(text):
                found.append(Binding(number, match.group("snippet"), match.group("name"), match.group("indexes"), match.group("format")))
    return found


def parse_target(target: str) -> tuple[str, str | None]:
    match = SECTION_TARGET.match(target)
    if match:
        return match.group("path"), match.group("section")
    return target, None


def find_embeds(markdown: str | PageStructure) -> tuple[list[Embed], list[Embed]]:
    """Snippet embeds (fences whose only line is an include) and every other include line.

    An include line outside code is pymdownx.snippets' block include; inside a
    fence among other lines it includes into that code block.
    """
    page = read_page(markdown) if isinstance(markdown, str) else markdown
    embeds, others = [], []
    for fence in page.fences:
        body = [(number, text) for number, text in fence.body if text.strip()]
        only = INCLUDE_LINE.match(body[0][1]) if len(body) == 1 else None
        if only:
            embeds.append(Embed(*parse_target(only.group("target")), body[0][0]))
            continue
        for number, text in body:
            if match := INCLUDE_LINE.match(text):
                others.append(Embed(*parse_target(match.group("target")), number))
    for number, text in enumerate(page.lines, start=1):
        if not page.is_code(number) and (match := INCLUDE_LINE.match(text)):
            others.append(Embed(*parse_target(match.group("target")), number))
    others.sort(key=lambda embed: embed.line)
    return embeds, others


def _fence_for(text: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def provenance_line(record: OutputRecord) -> str:
    env = record.environment
    torch_version = env.get("torch", "?").split("+")[0]
    date = record.generated[:10]
    return f"PyTorch {torch_version} · Python {env.get('python', '?')} · {env.get('device', 'CPU')} · generated {date}"


def shows_output(state: SnippetState, section: str | None) -> bool:
    """Whether an embed of the snippet (or of one section) gets an output block: it printed, or something is wrong."""
    if state.failure or state.stale_reason:
        return True
    record = state.record
    return record is not None and bool((record.stdout if section is None else record.sections.get(section, "")).strip())


def output_block(indent: str, state: SnippetState, snippet: str, section: str | None, regenerate_command: str = DEFAULT_REGENERATE_COMMAND, snippets_folder: str = "snippets", figures: list[str] | None = None, anchor: str | None = None) -> list[str]:
    """Markdown for the output under an embed: error box, output, figures, provenance.

    Plain Markdown (attribute lists), not raw HTML, so it also works indented
    inside admonitions and tabs.  The output is a code block, so whatever a
    snippet prints is shown as text, never interpreted as HTML.  `anchor`: the
    id that bound values link to, on the output block (or, when the embed
    prints nothing, on a provenance line shown for it).
    """
    record = state.record
    lines = [""]
    if state.failure:
        lines += ['!!! failure "This snippet failed when it last ran; the output below is the last good one"', ""]
        fence = _fence_for(state.failure)
        lines += [f"    {fence} {{ .text .snippet-error }}"]
        lines += [f"    {row}" for row in state.failure.splitlines()]
        lines += [f"    {fence}", ""]
    if record is not None:
        text = record.stdout if section is None else record.sections.get(section, "")
        stale = bool(state.failure or state.stale_reason)
        show_text = bool(text.strip()) or (stale and not figures)
        if show_text or figures:
            label = f"{snippet}:{section}" if section else snippet
            if show_text:
                fence = _fence_for(text)
                classes = ".text .snippet-output" + (" .snippet-output--stale" if stale else "")
                lines += [f'{fence} {{ {classes} title="Output" data-snippet="{label}"{f" #{anchor}" if anchor else ""} }}']
                lines += text.rstrip("\n").splitlines() or [""]
                lines += [fence, ""]
            lines += figures or []  # placeholder paragraphs (figure_markup), each with its blank line
            note = f"`{snippets_folder}/{label}` · " + html.escape(provenance_line(record), quote=False)
            if stale:
                why = "the last run failed" if state.failure else state.stale_reason
                note += f" · **stale: {html.escape(why or '', quote=False)}; run `{regenerate_command}`**"
            lines += [note, "{ .snippet-provenance" + (f" #{anchor}" if anchor and not show_text else "") + " }", ""]
        elif anchor:  # it printed nothing, but its values link here
            lines += [f"`{snippets_folder}/{snippet}` · " + html.escape(provenance_line(record), quote=False), f"{{ .snippet-provenance #{anchor} }}", ""]
    return [indent + row if row else row for row in lines]


def _fence_can_move(fence: FencedBlock, lines: list[str], indent: str) -> bool:
    """Whether an embed's fence can go into its slot: closed, after a blank line, indented like its closing line
    (a fence right under a paragraph line could be read with it; output_slots refuses what differs)."""
    if fence.close_line is None or fence.indent != indent:
        return False
    if fence.open_line > 1 and lines[fence.open_line - 2].strip():
        return False
    return all(lines[n - 1].startswith(indent) or not lines[n - 1].strip() for n in range(fence.open_line, fence.close_line + 1))


def format_value(value: object, spec: str | None) -> str:
    spec = (spec or "").strip()
    if isinstance(value, bool):
        return str(value).lower() if spec == "lower" else str(value)
    return format(value, spec)


def lookup_value(values: dict, name: str, indexes: str) -> object:
    if name not in values:
        known = ", ".join(sorted(values)) or "none"
        raise LookupError(f"has no value named '{name}' (known: {known})")
    value = values[name]
    for index in re.findall(r"\[(-?\d+)\]", indexes):
        if not isinstance(value, list):
            raise LookupError(f"'{name}' is not a list, so [{index}] cannot index it")
        try:
            value = value[int(index)]
        except IndexError:
            raise LookupError(f"index [{index}] is out of range for '{name}' (length {len(value)})") from None
    return value


class PageRenderer:
    """Renders pages against the snippets folder and a source of snippet states."""

    def __init__(self, snippets_dir: Path, state_of: Callable[[str], SnippetState], regenerate_command: str = DEFAULT_REGENERATE_COMMAND, snippets_folder: str | None = None, figures: FigureMarkup | None = None):
        """`snippets_folder`: the snippets folder as a reader names it (default: its name)."""
        self.snippets_dir = snippets_dir
        self.state_of = state_of
        self.regenerate_command = regenerate_command
        self.snippets_folder = snippets_folder or snippets_dir.name
        self.embedded: set[str] = set()  # snippets shown on some page, for the "never shown" check
        self.figures = figures or FigureMarkup(snippets_dir, self.snippets_folder)
        self._sections: dict[tuple[str, tuple[int, int, int]], tuple[str, ...] | SnippetSourceError] = {}  # by file version

    def _check_target(self, path: str, section: str | None) -> str | None:
        file = self.snippets_dir / path
        try:
            status = file.stat()
        except OSError:
            status = None
        if status is None or not stat.S_ISREG(status.st_mode):
            return f"includes '{path}', which does not exist under {self.snippets_folder}/"
        if section is None:
            return None
        # A page includes the same snippets in several places, and both languages do:
        # its sections are read once for each version of the file.
        version = (path, version_of(status))
        sections = self._sections.get(version)
        if sections is None:
            try:
                sections = tuple(s.name for s in find_sections(file.read_text(encoding="utf-8"), f"{self.snippets_folder}/{path}"))
            except SnippetSourceError as error:
                sections = error
            self._sections[version] = sections
        if isinstance(sections, SnippetSourceError):
            return f"includes section '{section}' of '{path}', whose sections are malformed: {sections}"
        if section not in sections:
            known = ", ".join(sections) or "none"
            return f"includes section '{section}' of '{path}', which has no such section (sections: {known})"
        return None

    def render(self, markdown: str, language: str | None = None, links: ValueLinks | None = None, slots: list[OutputSlot] | None = None) -> tuple[str, list[Problem]]:
        """The page rewritten, and its problems. `language`: the page's, for its figures' labels and alt
        texts (None: the default, English). With `links`, bound values link to their outputs (value_provenance).
        With `slots`, each output block is appended there and the page gets its slot instead (output_slots)."""
        problems: list[Problem] = []
        page = read_page(markdown)
        lines = list(page.lines)
        if markdown.endswith("\n"):
            lines.pop()  # the empty "line" after the last newline; the join below puts the newline back
        embeds, others = find_embeds(page)
        insert_after: dict[int, list[str]] = {}
        for include in others:
            problem = self._check_target(include.snippet, include.section)
            if problem:
                problems.append(Problem(include.line, problem))
                lines[include.line - 1] = _error_text(lines[include.line - 1], problem)
        fence_of = {number: fence for fence in page.fences for number, _ in fence.body}
        taken_out: set[int] = set()  # lines of fences that moved into a slot
        blocks: dict[int, OutputBlock] = {}
        if links is not None:
            blocks = _output_anchors([e for e in embeds if e.snippet.endswith(".py") and self._check_target(e.snippet, e.section) is None], self.state_of)
            links.blocks = [blocks[line] for line in sorted(blocks)]
        for embed in embeds:
            problem = self._check_target(embed.snippet, embed.section)
            if problem:
                problems.append(Problem(embed.line, problem))
                lines[embed.line - 1] = _error_text(lines[embed.line - 1], problem)
                continue
            if not embed.snippet.endswith(".py"):
                continue
            self.embedded.add(embed.snippet)
            state = self.state_of(embed.snippet)
            if state.record is None and not state.failure:
                message = f"shows '{embed.snippet}', which has no output yet; run `{self.regenerate_command}`"
                problems.append(Problem(embed.line, message))
            fence = fence_of[embed.line]
            closing = fence.last_line
            indent = re.match(r"[ \t]*", lines[closing - 1]).group(0)  # type: ignore[union-attr]  # matches any string
            figures, figure_problems = self.figures.lines(embed.snippet, state.record, embed.section, language, bool(state.failure or state.stale_reason))
            problems += [Problem(embed.line, message) for message in figure_problems]
            block = blocks.get(embed.line)
            lines_below = output_block(indent, state, embed.snippet, embed.section, self.regenerate_command, self.snippets_folder, figures, block.anchor if block else None)
            if slots is not None and any(row.strip() for row in lines_below):
                # The snippet's code with its output where the fence can move (its include is then read
                # apart from the page, so a snippet edit leaves the page's outline as it was), else the output.
                if _fence_can_move(fence, lines, indent):
                    fence_lines = range(fence.open_line, closing + 1)
                    slots.append(make_slot(len(slots) + 1, indent, [lines[n - 1] for n in fence_lines] + lines_below))
                    taken_out.update(fence_lines)
                    lines_below = slot_lines(slots[-1], after_blank_line=True)
                else:
                    slots.append(make_slot(len(slots) + 1, indent, lines_below))
                    lines_below = slot_lines(slots[-1])
            insert_after[closing] = lines_below

        contexts = InlineContexts(page.without_code()) if links is not None and "{{" in markdown else None
        out: list[str] = []
        for number, text in enumerate(lines, start=1):
            if not page.is_code(number):
                text = self._bind_values(text, number, problems, links, contexts)
            if number not in taken_out:
                out.append(text)
            out.extend(insert_after.get(number, []))
        problems.sort(key=lambda problem: problem.line)
        return "\n".join(out) + "\n", problems

    def _bind_values(self, text: str, number: int, problems: list[Problem], links: ValueLinks | None = None, contexts: InlineContexts | None = None) -> str:
        if "{{" not in text:
            return text

        def substitute(match: re.Match) -> str:
            snippet = match.group("snippet")
            state = self.state_of(snippet)
            label = f"{{{{ run: {snippet} {match.group('name')}{match.group('indexes')} }}}}"
            if state.record is None:
                problems.append(Problem(number, f"{label}: '{snippet}' has no recorded output (is the path right? run `{self.regenerate_command}`)"))
                return "**[missing value]**"
            try:
                value = lookup_value(state.record.values, match.group("name"), match.group("indexes"))
                shown = format_value(value, match.group("format"))
                kind = contexts.kind(number, match.start()) if contexts is not None else "code"
                if links is None or kind == "code":  # a code span shows the number as text
                    return shown
                name = match.group("name") + match.group("indexes")
                if kind == "math":
                    return math_markup(shown, snippet, name)
                origin = Origin.of(state.record, snippet, name, self.snippets_folder)
                return prose_markup(shown, origin, links.href(snippet, shown), links.language)
            except LookupError as error:
                problems.append(Problem(number, f"{label}: '{snippet}' {error}"))
            except (ValueError, TypeError) as error:
                problems.append(Problem(number, f"{label}: bad format '{match.group('format')}': {error}"))
            return "**[missing value]**"

        def malformed(match: re.Match) -> str:
            problems.append(Problem(number, f"malformed value binding {match.group(0)!r}; write {{{{ run: article/name.py value_name | .4f }}}}"))
            return "**[malformed value binding]**"

        return LOOSE_BINDING.sub(malformed, VALUE_BINDING.sub(substitute, text))


def _output_anchors(embeds: list[Embed], state_of: Callable[[str], SnippetState]) -> dict[int, OutputBlock]:
    """The output block of each embed that shows one, by the embed's line, with the id values link to.

    A snippet's first output block on the page is `output-<snippet>`, the others
    `output-<snippet>-<section>`. A snippet with values whose embeds print nothing
    gets one on its first embed, which then shows the provenance line alone.
    """
    blocks: dict[int, OutputBlock] = {}
    taken: set[str] = set()
    for embed in embeds:
        state = state_of(embed.snippet)
        if state.record is not None and shows_output(state, embed.section):
            anchor = output_anchor(embed.snippet)
            if anchor in taken:
                anchor = output_anchor(embed.snippet, embed.section or str(len(taken)))
            taken.add(anchor)
            text = state.record.stdout if embed.section is None else state.record.sections.get(embed.section, "")
            blocks[embed.line] = OutputBlock(embed.snippet, anchor, text)
    for embed in embeds:
        record = state_of(embed.snippet).record
        if record is not None and record.values and output_anchor(embed.snippet) not in taken:
            taken.add(output_anchor(embed.snippet))
            blocks[embed.line] = OutputBlock(embed.snippet, output_anchor(embed.snippet), "")
    return blocks


def _error_text(original: str, problem: str) -> str:
    # Keep the include's indentation; the text escapes the marker so pymdownx.snippets skips it.
    indent = re.match(r"[ \t]*", original).group(0)  # type: ignore[union-attr]  # matches any string
    return f"{indent}Include error: {problem}"
