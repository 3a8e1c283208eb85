"""The verification ledger: every number the site shows, where it comes from, and how it was checked.

The ledger page and the home page hold placeholders that the build fills in,
in the page's language, from the same data:

    {{ ledger: table }}     one table per article: each bound value, its snippet, its check, what it found
    {{ ledger: numbers }}   how many numbers the site binds (in that language's pages)
    {{ ledger: checked }}   how many of them have a passing independent check
    {{ ledger: articles }}  how many articles bind them

The data are the pages' bindings (page_index), the committed outputs (to show
each value as the page shows it) and the findings that `run-snippets` recorded
for each folder (reference_checks).
"""
from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .page_index import BoundValue, PageOutline
from .page_markup import SnippetState, format_value, lookup_value
from .reference_checks import CheckResults, Finding, ValueFindings

PLACEHOLDER = re.compile(r"\{\{\s*ledger:\s*(?P<what>[a-z]+)\s*\}\}")
PLACEHOLDER_MARK = "ledger:"  # in every placeholder: a page without it has none
KINDS = ("table", "numbers", "checked", "articles")

LABELS = {
    "en": {
        "columns": ("Section", "Line", "Shows", "From", "Check", "Found"),
        "top": "(introduction)",
        "near": "mpmath reference, within {ulp:g} {dtype} ulp",
        "input": "the input the text states, rounded to {dtype}",
        "exact": "exactly this: {why}",
        "bounded": "in [{low:g}, {high:g}]: {why}",
        "ulp": "{ulp:.2g} ulp",
        "zero": "exact",
        "equal": "equal",
        "inside": "in range",
        "elements": "{count} elements, all pass; largest {worst}",
        "missing": "**no check**",
        "stale": "**not evaluated**: run `{command}`",
        "fails": "**fails**: {problem}",
        "summary": "{numbers} numbers, {checked} checked",
    },
    "zh": {
        "columns": ("小节", "行", "显示为", "来源", "校验", "结果"),
        "top": "（引言）",
        "near": "mpmath 参考值，误差不超过 {ulp:g} 个 {dtype} ulp",
        "input": "正文给出的输入，舍入到 {dtype}",
        "exact": "恰为此值：{why}",
        "bounded": "在 [{low:g}, {high:g}] 之内：{why}",
        "ulp": "{ulp:.2g} ulp",
        "zero": "完全相等",
        "equal": "相等",
        "inside": "在范围内",
        "elements": "{count} 个元素全部通过；最大 {worst}",
        "missing": "**没有校验**",
        "stale": "**尚未校验**：运行 `{command}`",
        "fails": "**未通过**：{problem}",
        "summary": "{numbers} 个数字，{checked} 个已校验",
    },
}


@dataclass(frozen=True)
class LedgerEntry:
    outline: PageOutline
    bound: BoundValue
    shown: str  # the value as the page shows it
    findings: ValueFindings | None  # None: no check (or not evaluated yet)
    evaluated: bool  # the folder's findings are current

    @property
    def under(self) -> list[Finding]:
        return self.findings.under(self.bound.binding.indexes) if self.findings else []

    @property
    def checked(self) -> bool:
        return self.evaluated and bool(self.under) and all(f.passed for f in self.under)


def entries(outlines: list[PageOutline], state_of: Callable[[str], SnippetState], results_of: Callable[[str], CheckResults | None], current: Callable[[str], bool]) -> list[LedgerEntry]:
    """One entry per bound value on the given pages, in page order."""
    found = []
    for outline in outlines:
        for bound in outline.bindings:
            binding = bound.binding
            record = state_of(binding.snippet).record
            try:
                shown = format_value(lookup_value(record.values, binding.name, binding.indexes), binding.format) if record else "?"
            except (LookupError, ValueError, TypeError):
                shown = "?"
            results = results_of(binding.folder)
            findings = results.values.get(binding.file, {}).get(binding.name) if results else None
            found.append(LedgerEntry(outline, bound, shown, findings, current(binding.folder)))
    return found


def fill(markdown: str, ledger: list[LedgerEntry], language: str, page_path: str, regenerate_command: str) -> str:
    """`markdown` with its ledger placeholders replaced; `page_path` is the page's path under docs/."""
    if PLACEHOLDER_MARK not in markdown:
        return markdown
    labels = LABELS.get(language, LABELS["en"])
    numbers = len(ledger)
    checked = sum(1 for entry in ledger if entry.checked)
    values = {
        "numbers": str(numbers),
        "checked": str(checked),
        "articles": str(len({entry.outline.page for entry in ledger})),
    }

    def replace(match: re.Match) -> str:
        what = match.group("what")
        if what == "table":
            return table(ledger, labels, page_path, regenerate_command)
        return values.get(what, match.group(0))

    return PLACEHOLDER.sub(replace, markdown)


def table(ledger: list[LedgerEntry], labels: dict, page_path: str, regenerate_command: str) -> str:
    """One `##` section per article, with a table of its bound values."""
    blocks = []
    by_page: dict[Path, list[LedgerEntry]] = {}
    for entry in ledger:
        by_page.setdefault(entry.outline.page, []).append(entry)
    for page, rows in by_page.items():
        outline = rows[0].outline
        link = posixpath.relpath(_original_name(page.name), posixpath.dirname(page_path) or ".")
        numbers, checked = len(rows), sum(1 for row in rows if row.checked)
        lines = [f"## [{_escape(outline.title)}]({link})", "", labels["summary"].format(numbers=numbers, checked=checked), ""]
        lines += ["| " + " | ".join(labels["columns"]) + " |", "|" + " --- |" * len(labels["columns"])]
        for row in rows:
            binding = row.bound.binding
            cells = [
                _escape(row.bound.heading) or labels["top"],
                str(binding.line),
                f"`{row.shown}`",
                f"`{binding.snippet}` `{binding.name}{binding.indexes}`",
                _escape(_describe(row.findings, labels)),
                _escape(_found(row, labels, regenerate_command)),
            ]
            lines.append("| " + " | ".join(cells) + " |")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _original_name(name: str) -> str:
    """The page's file name without a language suffix (links are to `page.md`; i18n localises them)."""
    return re.sub(r"\.[a-z]{2}(?:[_-][A-Za-z]{2,4})?\.md$", ".md", name)


def _describe(findings: ValueFindings | None, labels: dict) -> str:
    if findings is None:
        return ""
    spec = {"ulp": 0, "dtype": "", "why": "", "low": 0, "high": 0, **findings.spec}
    return labels[findings.kind].format(**spec)


def _found(row: LedgerEntry, labels: dict, regenerate_command: str) -> str:
    if row.findings is None:
        return labels["missing"]
    if not row.evaluated:
        return labels["stale"].format(command=regenerate_command)
    under = row.under
    failed = [f for f in under if not f.passed]
    if failed:
        return labels["fails"].format(problem=failed[0].problem)
    if not under:
        return labels["missing"]
    texts = [_one(f, row.findings.kind, labels) for f in under]
    if len(texts) == 1:
        return texts[0]
    worst = max(under, key=lambda f: f.ulp or 0.0)
    return labels["elements"].format(count=len(texts), worst=_one(worst, row.findings.kind, labels))


def _one(finding: Finding, kind: str, labels: dict) -> str:
    if kind == "near":
        return labels["zero"] if not finding.ulp else labels["ulp"].format(ulp=finding.ulp)
    return {"bounded": labels["inside"], "input": labels["equal"]}.get(kind, labels["zero"])


def _escape(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("$", "\\$").replace("\n", " ")
