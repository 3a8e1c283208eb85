"""Mistakes in articles that the build catches, each with the fix in its message.

* a page without its twin in another language (or a translation without its original);
* a number typed by hand where it should come from the run: a decimal with
  three or more digits after the point, or a number that no snippet on the
  page has (an input that drifted from the snippet, say);
* a number typed in a snippet's `print` label, which would drift the same way;
* a TODO marker left in a published article.

Plain functions over text; the plugin logs what they return as warnings.
"""
from __future__ import annotations

import ast
import math
import re
import struct
from collections.abc import Iterable
from dataclasses import dataclass

from .page_structure import PageStructure

#: Integers up to this are prose ("class 1", "two rows", "3 classes"), never checked.
SMALL_INTEGER = 10

# A number as prose writes it: 1000, 1,013,000, 0.4076. Not part of a word or
# a version (float32, x86_64, v2.13.0, LossNLL.cpp:42 is in code anyway), not
# an exponent's mantissa (1e-6), not a reference (issue #40560).
_NUMBER = re.compile(r"(?<![\w.,#])(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\w]|[.,]\d)")
_SKIPPED = [
    re.compile(r"`[^`]*`"),  # inline code
    re.compile(r"\{\{.*?\}\}"),  # value bindings and ledger placeholders
    re.compile(r"\]\([^)]*\)"),  # link targets
    re.compile(r"<[^>]*>"),  # HTML tags and comments on one line
    re.compile(r"\{\s*[.#:][^}]*\}"),  # attribute lists { .class #id }
    re.compile(r"https?://\S+"),
]
_TODO = re.compile(r"\bTODO\b")


@dataclass(frozen=True)
class TextProblem:
    line: int
    message: str


def missing_twins(pages: Iterable[str], languages: Iterable[str]) -> list[str]:
    """For page paths under docs/ (`a.md`, `a.zh.md`), the twins that are missing, as messages."""
    present = set(pages)
    problems = []
    for lang in languages:
        suffix = f".{lang}.md"
        for page in sorted(present):
            if page.endswith(suffix):
                original = page[: -len(suffix)] + ".md"
                if original not in present:
                    problems.append(f"{page} has no original {original}; write it, or remove the translation")
            elif not re.search(r"\.[a-z]{2}(?:[_-][A-Za-z]{2,4})?\.md$", page):
                twin = page[: -len(".md")] + suffix
                if twin not in present:
                    problems.append(f"{page} has no {lang} twin {twin}; write it (without it the {lang} build publishes the {page} text)")
    return problems


def prose_lines(page: PageStructure) -> Iterable[tuple[int, str]]:
    """(line, text) outside code and HTML comments, with code spans, bindings, links and markup blanked."""
    in_comment = False
    for number, text in enumerate(page.lines, start=1):
        if page.is_code(number) or not text.strip():
            continue
        text, in_comment = _without_comments(text, in_comment)
        for pattern in _SKIPPED:
            text = pattern.sub(lambda match: " " * len(match.group(0)), text)
        yield number, text


def _without_comments(text: str, in_comment: bool) -> tuple[str, bool]:
    """The line with its HTML comments (which may span lines) blanked, and whether one is still open."""
    kept: list[str] = []
    position = 0
    while position < len(text):
        if in_comment:
            end = text.find("-->", position)
            if end < 0:
                return "".join(kept), True
            kept.append(" " * (end + 3 - position))
            position, in_comment = end + 3, False
        else:
            start = text.find("<!--", position)
            if start < 0:
                kept.append(text[position:])
                break
            kept.append(text[position:start])
            position, in_comment = start, True
    return "".join(kept), in_comment


def typed_numbers(page: PageStructure, exported: Iterable[object], allowed: Iterable[float], snippet_hint: str) -> list[TextProblem]:
    """Numbers typed in the prose or math of an article that should come from the run.

    `exported`: every value that the snippets the page shows or binds export
    (their inputs among them); `snippet_hint`: a binding to suggest.
    """
    known = _numbers(exported)
    allowed_values = {float(a) for a in allowed}
    problems = []
    for number, text in prose_lines(page):
        for match in _NUMBER.finditer(text):
            token = match.group("number")
            value = float(token.replace(",", ""))
            decimals = len(token.partition(".")[2])
            if value in allowed_values:
                continue
            if decimals >= 3:
                problems.append(TextProblem(number, f"{token} is typed by hand; bind it to the run ({snippet_hint}), or add it to the plugin's allowed_numbers if it is a constant"))
            elif (decimals or value > SMALL_INTEGER) and not _matches(value, known):
                problems.append(TextProblem(number, f"{token} is typed, but no snippet shown on this page has that value: if it states an input, the input has changed (bind it: {snippet_hint}); if it is a constant, add it to the plugin's allowed_numbers"))
    return problems


def todo_markers(page: PageStructure) -> list[TextProblem]:
    return [
        TextProblem(number, "TODO left in a published article: finish it, or mark the page `status: draft` in its front matter")
        for number, text in prose_lines(page)
        if _TODO.search(text)
    ]


def label_numbers(source: str, display_path: str, allowed: Iterable[float]) -> list[TextProblem]:
    """Numbers typed in the text of a snippet's `print` calls (the label, not the printed values).

    A label that states an input ("sigma(30) =") keeps saying 30 after the input
    changes; interpolating the input (f"sigma({z:g}) =") cannot drift.
    """
    try:
        tree = ast.parse(source, filename=display_path)
    except SyntaxError:
        return []  # the run reports it
    allowed_values = {float(a) for a in allowed}
    problems = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print"):
            continue
        for part in _literal_parts(node):
            for match in _NUMBER.finditer(str(part.value)):
                token = match.group("number")
                value = float(token.replace(",", ""))
                if (("." in token) or value > SMALL_INTEGER) and value not in allowed_values:
                    problems.append(TextProblem(part.lineno, f"the print label types {token}: interpolate the value it names (f\"...{{x:g}}...\"), or add it to the plugin's allowed_numbers if it is a constant"))
    return problems


def _literal_parts(call: ast.Call) -> Iterable[ast.Constant]:
    """String constants among a print call's arguments, f-strings' literal parts included (not their format specs)."""
    for argument in call.args:
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            yield argument
        elif isinstance(argument, ast.JoinedStr):
            yield from (v for v in argument.values if isinstance(v, ast.Constant) and isinstance(v.value, str))


def _numbers(values: Iterable[object]) -> set[float]:
    found: set[float] = set()
    stack = list(values)
    while stack:
        value = stack.pop()
        if isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            found.add(float(value))
    return found


def _matches(value: float, known: set[float]) -> bool:
    """Typed `value` names one of the exported values: exactly, or as the float32 that stores it."""
    if value in known or -value in known:
        return True
    try:
        as_float32 = struct.unpack("f", struct.pack("f", value))[0]
    except OverflowError:  # beyond float32: only the exact match above can name it
        return False
    return as_float32 in known or -as_float32 in known
