"""Turning an article's Markdown into what the site shows: outputs under code, numbers from runs.

Three things happen to a page before Markdown sees it:

* an include of a snippet (a fenced block whose only line is
  `--8<-- "article/name.py"` or `--8<-- "article/name.py:section"`) is checked,
  and the snippet's recorded output and provenance are inserted right under it;
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
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .output_records import OutputRecord
from .source_plan import SnippetSourceError, find_sections

INCLUDE_LINE = re.compile(r"""^(?P<indent>[ \t]*)-+8<-+[ \t]+(?P<quote>["'])(?P<target>[^"']+)(?P=quote)[ \t]*$""")
FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
VALUE_BINDING = re.compile(
    r"\{\{\s*run:\s*(?P<snippet>[^\s|}]+)\s+(?P<name>[A-Za-z_]\w*)(?P<indexes>(?:\[-?\d+\])*)\s*(?:\|\s*(?P<format>[^}]*?))?\s*\}\}"
)
LOOSE_BINDING = re.compile(r"\{\{\s*run:[^}]*\}\}")
SECTION_TARGET = re.compile(r"^(?P<path>.+?\.py):(?P<section>[a-z][-_0-9a-z]*)$")


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


def parse_target(target: str) -> tuple[str, str | None]:
    match = SECTION_TARGET.match(target)
    if match:
        return match.group("path"), match.group("section")
    return target, None


def find_embeds(markdown: str) -> tuple[list[Embed], list[Embed]]:
    """Snippet embeds (include-only fences) and all other include lines, outside code."""
    embeds, others = [], []
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        opening = FENCE_OPEN.match(lines[i])
        if opening:
            fence = opening.group("fence")
            end = i + 1
            while end < len(lines) and not lines[end].strip().startswith(fence):
                end += 1
            body = [(n, text) for n, text in enumerate(lines[i + 1 : end], start=i + 2) if text.strip()]
            if len(body) == 1 and INCLUDE_LINE.match(body[0][1]):
                path, section = parse_target(INCLUDE_LINE.match(body[0][1]).group("target"))
                embeds.append(Embed(path, section, body[0][0]))
            else:
                for number, text in body:
                    match = INCLUDE_LINE.match(text)
                    if match:
                        path, section = parse_target(match.group("target"))
                        others.append(Embed(path, section, number))
            i = end + 1
            continue
        match = INCLUDE_LINE.match(lines[i])
        if match:
            path, section = parse_target(match.group("target"))
            others.append(Embed(path, section, i + 1))
        i += 1
    return embeds, others


def _fence_for(text: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def provenance_line(record: OutputRecord) -> str:
    env = record.environment
    torch_version = env.get("torch", "?").split("+")[0]
    date = record.generated[:10]
    return f"PyTorch {torch_version} · Python {env.get('python', '?')} · {env.get('device', 'CPU')} · generated {date}"


def output_block(indent: str, state: SnippetState, snippet: str, section: str | None) -> list[str]:
    """Markdown for the output under an embed: error box, output, provenance.

    Plain Markdown (attribute lists), not raw HTML, so it also works indented
    inside admonitions and tabs.  The output is a code block, so whatever a
    snippet prints is shown as text, never interpreted as HTML.
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
        if text.strip() or state.failure or state.stale_reason:
            stale = bool(state.failure or state.stale_reason)
            label = f"{snippet}:{section}" if section else snippet
            fence = _fence_for(text)
            classes = ".text .snippet-output" + (" .snippet-output--stale" if stale else "")
            lines += [f'{fence} {{ {classes} title="Output" data-snippet="{label}" }}']
            lines += text.rstrip("\n").splitlines() or [""]
            lines += [fence, ""]
            note = f"`snippets/{label}` · " + html.escape(provenance_line(record), quote=False)
            if stale:
                why = "the last run failed" if state.failure else state.stale_reason
                note += f" · **stale: {html.escape(why, quote=False)}; run `make outputs`**"
            lines += [note, "{ .snippet-provenance }", ""]
    return [indent + row if row else row for row in lines]


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

    def __init__(self, snippets_dir: Path, state_of: Callable[[str], SnippetState]):
        self.snippets_dir = snippets_dir
        self.state_of = state_of
        self.embedded: set[str] = set()  # snippets shown on some page, for the "never shown" check

    def _check_target(self, path: str, section: str | None) -> str | None:
        file = self.snippets_dir / path
        if not file.is_file():
            return f"includes '{path}', which does not exist under {self.snippets_dir.name}/"
        if section is None:
            return None
        try:
            sections = find_sections(file.read_text(encoding="utf-8"), f"{self.snippets_dir.name}/{path}")
        except SnippetSourceError as error:
            return f"includes section '{section}' of '{path}', whose sections are malformed: {error}"
        if section not in {s.name for s in sections}:
            known = ", ".join(s.name for s in sections) or "none"
            return f"includes section '{section}' of '{path}', which has no such section (sections: {known})"
        return None

    def render(self, markdown: str) -> tuple[str, list[Problem]]:
        problems: list[Problem] = []
        lines = markdown.splitlines()
        embeds, others = find_embeds(markdown)
        insert_after: dict[int, list[str]] = {}
        replace: dict[int, str] = {}
        for include in others:
            problem = self._check_target(include.snippet, include.section)
            if problem:
                problems.append(Problem(include.line, problem))
                replace[include.line] = _error_text(lines[include.line - 1], problem)
        for embed in embeds:
            problem = self._check_target(embed.snippet, embed.section)
            if problem:
                problems.append(Problem(embed.line, problem))
                replace[embed.line] = _error_text(lines[embed.line - 1], problem)
                continue
            if not embed.snippet.endswith(".py"):
                continue
            self.embedded.add(embed.snippet)
            state = self.state_of(embed.snippet)
            if state.record is None and not state.failure:
                message = f"shows '{embed.snippet}', which has no output yet; run `make outputs`"
                problems.append(Problem(embed.line, message))
            closing = _closing_fence_line(lines, embed.line)
            indent = re.match(r"[ \t]*", lines[closing - 1]).group(0)
            insert_after[closing] = output_block(indent, state, embed.snippet, embed.section)

        out: list[str] = []
        in_fence: str | None = None
        for number, text in enumerate(lines, start=1):
            if number in replace:
                text = replace[number]
            opening = FENCE_OPEN.match(text)
            if in_fence is None and opening:
                in_fence = opening.group("fence")
            elif in_fence is not None and text.strip().startswith(in_fence):
                in_fence = None
            elif in_fence is None:
                text = self._bind_values(text, number, problems)
            out.append(text)
            out.extend(insert_after.get(number, []))
        problems.sort(key=lambda problem: problem.line)
        return "\n".join(out) + "\n", problems

    def _bind_values(self, text: str, number: int, problems: list[Problem]) -> str:
        if "{{" not in text:
            return text

        def substitute(match: re.Match) -> str:
            snippet = match.group("snippet")
            try:
                state = self.state_of(snippet)
            except FileNotFoundError:
                state = SnippetState(None)
            label = f"{{{{ run: {snippet} {match.group('name')}{match.group('indexes')} }}}}"
            if state.record is None:
                problems.append(Problem(number, f"{label}: '{snippet}' has no recorded output (is the path right? run `make outputs`)"))
                return "**[missing value]**"
            try:
                value = lookup_value(state.record.values, match.group("name"), match.group("indexes"))
                return format_value(value, match.group("format"))
            except LookupError as error:
                problems.append(Problem(number, f"{label}: '{snippet}' {error}"))
            except (ValueError, TypeError) as error:
                problems.append(Problem(number, f"{label}: bad format '{match.group('format')}': {error}"))
            return "**[missing value]**"

        def malformed(match: re.Match) -> str:
            problems.append(Problem(number, f"malformed value binding {match.group(0)!r}; write {{{{ run: article/name.py value_name | .4f }}}}"))
            return "**[malformed value binding]**"

        return LOOSE_BINDING.sub(malformed, VALUE_BINDING.sub(substitute, text))


def _closing_fence_line(lines: list[str], include_line: int) -> int:
    opening_line = include_line - 1
    while opening_line > 0 and not FENCE_OPEN.match(lines[opening_line - 1]):
        opening_line -= 1
    fence = FENCE_OPEN.match(lines[opening_line - 1]).group("fence") if opening_line > 0 else "```"
    number = include_line + 1
    while number <= len(lines) and not lines[number - 1].strip().startswith(fence):
        number += 1
    return min(number, len(lines))


def _error_text(original: str, problem: str) -> str:
    # Keep the include's indentation; the text escapes the marker so pymdownx.snippets skips it.
    indent = re.match(r"[ \t]*", original).group(0)
    return f"{indent}Include error: {problem}"
