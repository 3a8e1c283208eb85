"""The "Where these numbers hold" page: the environment matrix as Markdown, in the page's language.

The page's own prose is written by hand in each language; a line

    {{ environment-matrix }}

is replaced, at build time, by what the committed cells and records say now:
one table of the environments (what each is, what ran, the closing figures),
then per article a table with one row per snippet and one column per
environment, and the values and lines that are not equal, each with its
distance and reason. Every article gets a link, under its title, to its rows.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from . import notebooks, page_index
from .environments import NATIVE, Environment
from .layout import Project
from .matrix_compare import SnippetComparison, Verdict
from .matrix_state import NEVER_RUN, NEWLY_SUPPORTED, NO_DEVICES, NO_RECORD, NOT_RUN_YET, Entry, EntryState, Matrix, Totals
from .page_structure import read_page
from .printed_numbers import LineVerdict
from .processor import maker_name

Slugify = Callable[[str, str], str]  # the toc extension's slugify(text, separator)
MARKER = re.compile(r"^\{\{\s*environment-matrix\s*\}\}\s*$")
LANGUAGES = ("en", "zh")

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "environment": "Environment",
        "what": "What it is",
        "run": "Last run",
        "values": "Values",
        "lines": "Printed lines",
        "snippet": "Snippet",
        "native": "This CPU as it is. The outputs on the pages are recorded here.",
        "capability": "This CPU with `ATEN_CPU_CAPABILITY={cap}`: ATen's {CAP} kernels.",
        "default": "This CPU with `ATEN_CPU_CAPABILITY=default`: ATen's kernels without vector instructions, as on a CPU without AVX2.",
        "cuda": "A GPU: every snippet that states `devices=cpu,cuda`, with its `DEVICE` line set to `\"cuda\"`.",
        "release": "PyTorch {version}: the same snippets on this CPU, in a virtual environment of its own.",
        "processor": "A CPU made by {maker}, as it is. MKL, which `torch.exp` calls, picks its code by the processor's maker, whatever the settings, so a last bit can differ from the recording machine's.",
        "not_run_column": "Not run: {why}",
        "never_cuda": "no run is recorded, because it needs a machine with a CUDA GPU (`make matrix ENV=cuda` there).",
        "never": "no run is recorded yet (`{command}`).",
        "never_processor": "no run is recorded, because it needs a machine whose processor is made by {maker} (`{command}` there).",
        "equal": "equal",
        "within_ulp": "≤ {ulp} ulp",
        "within_digit": "last digit",
        "different": "{n} different",
        "expected": "{n} different (expected)",
        "failed": "failed",
        "not_applicable": "n/a",
        "not_run": "not run",
        "outdated": "stale",
        "stale": " · stale",
        "value_counts": "{equal} equal · {within} within tolerance{ulps} · {different} different",
        "line_counts": "{equal} equal · {within} within the last digit · {different} different",
        "ulps": " ({detail})",
        "ulp_item": "{count} by {ulp} ulp",
        "none": "—",
        "details": "Details: everything that is not equal",
        "value_line": "value `{name}`: `{recorded}` recorded, `{found}` here",
        "ulp_apart": "{ulp:,} {unit} ulp apart",
        "tolerance": "tolerance {tolerance:g} ulp",
        "notes": " ({notes})",
        "separator": "; ",
        "changed_tolerance": "tolerance {tolerance:g} ulp, because {reason}",
        "expected_because": "expected to vary: {reason}",
        "line_header": "line {number}{section}, ",
        "in_section": " (section {section})",
        "line_within": "within the last digit",
        "line_different": "different",
        "section_varies": "section `{section}` is expected to vary: {reason}",
        "stale_because": "stale: {why}",
        "unshown": "Snippets not shown on any page",
        "article_link": "Where these numbers hold: [this article's snippets on other CPUs, on a GPU and on other PyTorch releases]({page}#{anchor})",
    },
    "zh": {
        "environment": "环境",
        "what": "说明",
        "run": "最近一次运行",
        "values": "数值",
        "lines": "打印的行",
        "snippet": "代码片段",
        "native": "本机 CPU，保持原样。页面上的输出就是在这里记录的。",
        "capability": "本机 CPU，设置 `ATEN_CPU_CAPABILITY={cap}`：ATen 的 {CAP} 内核。",
        "default": "本机 CPU，设置 `ATEN_CPU_CAPABILITY=default`：ATen 不用向量指令的内核，相当于没有 AVX2 的 CPU。",
        "cuda": "GPU：所有声明了 `devices=cpu,cuda` 的代码片段，其中 `DEVICE` 一行改为 `\"cuda\"`。",
        "release": "PyTorch {version}：同样的代码片段，在本机 CPU 上、在单独的虚拟环境中运行。",
        "processor": "{maker} 制造的 CPU，保持原样。`torch.exp` 调用的 MKL 按处理器厂商选择代码路径，不受任何设置影响，所以最后一位可能与记录输出的机器不同。",
        "not_run_column": "未运行：{why}",
        "never_cuda": "没有运行记录，因为它需要一台带 CUDA GPU 的机器（在那里运行 `make matrix ENV=cuda`）。",
        "never": "还没有运行记录（`{command}`）。",
        "never_processor": "没有运行记录，因为它需要一台处理器由 {maker} 制造的机器（在那里运行 `{command}`）。",
        "equal": "相等",
        "within_ulp": "≤ {ulp} ulp",
        "within_digit": "末位以内",
        "different": "{n} 处不同",
        "expected": "{n} 处不同（预期之中）",
        "failed": "失败",
        "not_applicable": "不适用",
        "not_run": "未运行",
        "outdated": "已过期",
        "stale": " · 已过期",
        "value_counts": "相等 {equal} · 在容差内 {within}{ulps} · 不同 {different}",
        "line_counts": "相等 {equal} · 末位以内 {within} · 不同 {different}",
        "ulps": "（{detail}）",
        "ulp_item": "差 {ulp} ulp 的 {count} 个",
        "none": "—",
        "details": "详情：所有不相等之处",
        "value_line": "数值 `{name}`：记录为 `{recorded}`，这里为 `{found}`",
        "ulp_apart": "相差 {ulp:,} 个 {unit} ulp",
        "tolerance": "容差 {tolerance:g} ulp",
        "notes": "（{notes}）",
        "separator": "；",
        "changed_tolerance": "容差 {tolerance:g} ulp，原因：{reason}",
        "expected_because": "预期会变：{reason}",
        "line_header": "第 {number} 行{section}，",
        "in_section": "（片段 {section}）",
        "line_within": "末位以内",
        "line_different": "不同",
        "section_varies": "片段 `{section}` 预期会变：{reason}",
        "stale_because": "已过期：{why}",
        "unshown": "没有在任何页面上展示的代码片段",
        "article_link": "这些数字在哪里成立：[本文的代码片段在其他 CPU、GPU 和其他 PyTorch 版本上的结果]({page}#{anchor})",
    },
}


# The reasons the engine itself gives, in Chinese (a snippet's own reasons and errors are quoted as written).
GENERIC_REASONS_ZH = {
    NOT_RUN_YET: "还没有在这个环境中运行过",
    NEVER_RUN: "这个环境没有运行记录",
    NO_DEVICES: "代码片段没有声明它支持的设备（# snippet-engine: devices=...）",
    NO_RECORD: "代码片段没有可供比较的记录输出",
    NEWLY_SUPPORTED: "代码片段开始支持这个设备之后还没有运行过",
}


@dataclass(frozen=True)
class Group:
    """The rows of one article (or of the snippets no page shows)."""

    name: str  # the article's slug ("cross-entropy"), or "" for the snippets no page shows
    titles: dict[str, str]  # language -> the article's title
    snippets: tuple[str, ...]
    page: str = ""  # the article, under docs_dir, without its language and extension ("cross-entropy")

    def title(self, language: str) -> str:
        return self.titles.get(language, self.titles["en"])

    def anchor(self, language: str, slugify: Slugify) -> str:
        """The id of the group's heading on the page in `language`: the slug of its title, as
        the toc extension makes it (the heading's text, without the backticks of its code)."""
        return slugify(self.title(language).replace("`", ""), "-")


def groups(project: Project, snippet_names: Iterable[str]) -> list[Group]:
    """Snippets grouped by the first article that shows them, in the articles' order."""
    remaining = list(snippet_names)
    found = []
    for article in notebooks.articles(project):
        shown = tuple(name for name in dict.fromkeys(e.snippet for e in article.outline.embeds) if name in remaining)
        if not shown:
            continue
        titles = {"en": article.outline.title}
        for language in LANGUAGES[1:]:
            twin = article.page.with_name(f"{article.slug}.{language}.md")
            titles[language] = page_index.outline(twin, twin.read_text(encoding="utf-8")).title if twin.is_file() else article.outline.title
        page = article.page.relative_to(project.docs_dir).with_suffix("").as_posix()
        found.append(Group(article.slug, titles, shown, page))
        remaining = [name for name in remaining if name not in shown]
    if remaining:
        found.append(Group("", {language: TEXT[language]["unshown"] for language in LANGUAGES}, tuple(remaining)))
    return found


def row_anchor(snippet: str) -> str:
    return "matrix-" + re.sub(r"[^a-z0-9]+", "-", snippet.removesuffix(".py").lower()).strip("-")


# ------------------------------------------------------------------ words for one cell


def _reason(reason: str, language: str) -> str:
    return GENERIC_REASONS_ZH.get(reason, reason) if language == "zh" else reason


def cell_text(entry: Entry, language: str) -> str:
    t = TEXT[language]
    comparison = entry.comparison
    if entry.state is EntryState.WITHIN and comparison is not None:
        text = t["within_ulp"].format(ulp=comparison.max_ulp) if comparison.max_ulp else t["within_digit"]
    elif entry.state is EntryState.DIFFERENT and comparison is not None:
        values, lines = comparison.count(Verdict.DIFFERENT)
        unexpected = comparison.unexpected
        text = (t["different"] if unexpected else t["expected"]).format(n=values + lines)
    else:
        text = t[str(entry.state)]
    return text + (t["stale"] if entry.stale and entry.state is not EntryState.OUTDATED else "")


def _environment_text(environment: Environment, language: str) -> str:
    t = TEXT[language]
    if environment.name == NATIVE:
        return t["native"]
    if environment.capability == "default":
        return t["default"]
    if environment.capability:
        return t["capability"].format(cap=environment.capability, CAP=environment.capability.upper())
    if environment.device:
        return t["cuda"]
    if environment.processor:
        return t["processor"].format(maker=maker_name(environment.processor))
    return t["release"].format(version=environment.torch)


def run_text(matrix: Matrix, environment: Environment, language: str) -> str:
    t = TEXT[language]
    if not matrix.has_run(environment.name):
        if environment.processor:
            why = t["never_processor"].format(maker=maker_name(environment.processor), command=environment.command)
        else:
            why = t["never_cuda"] if environment.needs_hardware else t["never"].format(command=environment.command)
        return t["not_run_column"].format(why=why)
    parts = []
    for provenance in matrix.provenance(environment.name):
        facts = [f"torch {provenance.get('torch', '?')}", f"Python {provenance.get('python', '?')}", provenance.get("platform", "?")]
        if provenance.get("processor"):
            facts.append(provenance["processor"])
        facts.append(f"{provenance.get('cpu_capability', '?')} kernels" if language == "en" else f"{provenance.get('cpu_capability', '?')} 内核")
        if provenance.get("gpu") or provenance.get("device", "").startswith("CUDA"):
            facts += [provenance.get("gpu") or provenance["device"], f"driver {provenance.get('driver', '?')}", f"CUDA {provenance.get('torch_cuda', '?')}"]
        parts.append(" · ".join(facts))
    dates = sorted(entry.cell.generated[:10] for entry in matrix.column(environment.name) if entry.cell is not None)
    return "; ".join(parts) + (f" · {dates[-1]}" if dates else "")


def _ulps(totals: Totals, language: str) -> str:
    t = TEXT[language]
    if not totals.ulp:
        return ""
    detail = ", ".join(t["ulp_item"].format(count=count, ulp=ulp) for ulp, count in sorted(totals.ulp.items()))
    return t["ulps"].format(detail=detail)


def totals_text(totals: Totals, language: str) -> tuple[str, str]:
    t = TEXT[language]
    if not totals.compared_values and not sum(totals.lines.values()):
        return t["none"], t["none"]
    values = t["value_counts"].format(equal=totals.values[Verdict.EQUAL], within=totals.values[Verdict.WITHIN], different=totals.values[Verdict.DIFFERENT], ulps=_ulps(totals, language))
    lines = t["line_counts"].format(equal=totals.lines[LineVerdict.EQUAL], within=totals.lines[LineVerdict.WITHIN], different=totals.lines[LineVerdict.DIFFERENT])
    return values, lines


# ------------------------------------------------------------------ Markdown


def _table_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    """Inline code that holds any text (backticks and leading spaces included)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    return f"{fence} {text} {fence}" if text.startswith(("`", " ")) or text.endswith(("`", " ")) or longest else f"{fence}{text}{fence}"


def environments_table(matrix: Matrix, language: str) -> list[str]:
    t = TEXT[language]
    rows = [f"| {t['environment']} | {t['what']} | {t['run']} | {t['values']} | {t['lines']} |", "| --- | --- | --- | --- | --- |"]
    for environment in matrix.environments:
        values, lines = (text.replace(" · ", "<br>") for text in totals_text(matrix.totals(environment.name), language))  # one figure a line
        cells = [f"`{environment.name}`", _environment_text(environment, language), run_text(matrix, environment, language), values, lines]
        rows.append("| " + " | ".join(_table_cell(c) for c in cells) + " |")
    return rows


def group_table(matrix: Matrix, group: Group, language: str) -> list[str]:
    t = TEXT[language]
    names = [e.name for e in matrix.environments]
    rows = [f"| {t['snippet']} | " + " | ".join(f"`{name}`" for name in names) + " |", "| --- |" + " --- |" * len(names)]
    for snippet in group.snippets:
        label = f'<span id="{row_anchor(snippet)}"></span>`{snippet.rpartition("/")[2]}`'  # the folder is the group's
        cells = [cell_text(matrix.entry(snippet, name), language) for name in names]
        rows.append("| " + " | ".join(_table_cell(c) for c in [label, *cells]) + " |")
    return rows


# How matrix_compare words a value that is not a float beside a float, in Chinese.
SHAPE_PROBLEMS_ZH = [
    (re.compile(r"^in the recorded VALUES only$"), "只在记录的 VALUES 中"),
    (re.compile(r"^new in this run's VALUES$"), "这次运行的 VALUES 中新出现"),
    (re.compile(r"^(\d+) elements recorded, (\d+) now$"), r"记录有 \1 个元素，这次有 \2 个"),
    (re.compile(r"^a list in one run and not in the other$"), "一次运行中是列表，另一次不是"),
]


# Why a cell is stale (matrix_state.staleness), in Chinese.
STALE_REASONS_ZH = [
    (re.compile(r"^the snippet changed since this run$"), "自这次运行以来，代码片段已有改动"),
    (re.compile(r"^(.+) changed since this run$"), r"自这次运行以来，\1 已有改动"),
    (re.compile(r"^ran on torch (\S+), not (\S+)$"), r"运行时用的是 torch \1，而不是 \2"),
    (re.compile(r"^ran on torch (\S+); the outputs are from (\S+)$"), r"运行时用的是 torch \1；记录的输出来自 \2"),
    (re.compile(r"^devices changed$"), "代码片段声明的设备变了"),
    (re.compile(r"^cell is corrupt: (.*)$", re.DOTALL), r"结果文件已损坏：\1"),
]


def _in_language(text: str, language: str, chinese: list[tuple[re.Pattern[str], str]]) -> str:
    """`text`, an engine's English sentence, in `language` (by the first pattern of `chinese` it matches)."""
    if language == "zh":
        for pattern, words in chinese:
            if pattern.match(text):
                return pattern.sub(words, text)
    return text


def _stale_reason(why: str, language: str) -> str:
    return _in_language(why, language, STALE_REASONS_ZH)


def _shape_problem(problem: str, language: str) -> str:
    return _in_language(problem, language, SHAPE_PROBLEMS_ZH)


def _value_lines(comparison: SnippetComparison, language: str) -> list[str]:
    t = TEXT[language]
    found = []
    for value in comparison.values:
        if value.verdict is Verdict.EQUAL:
            continue
        text = t["value_line"].format(name=value.name, recorded=value.recorded, found=value.found)
        notes = []
        if value.ulp is not None:  # a distance and a tolerance only mean something for two floats
            notes.append(t["ulp_apart"].format(ulp=value.ulp, unit=value.unit))
            notes.append(t["changed_tolerance"].format(tolerance=value.tolerance, reason=value.tolerance_reason) if value.tolerance_reason else t["tolerance"].format(tolerance=value.tolerance))
        elif value.problem != f"{value.recorded!r} recorded, {value.found!r} now":  # the line says that already
            notes.append(_shape_problem(value.problem, language))
        if value.expected:
            notes.append(t["expected_because"].format(reason=value.expected))
        found.append(f"- {text}" + (t["notes"].format(notes=t["separator"].join(notes)) if notes else ""))
    return found


def printed_lines(comparison: SnippetComparison, language: str) -> list[str]:
    """Every printed line that is not equal, as one diff (recorded `-`, this run `+`), after the
    reasons of the sections the snippet expects to vary (each said once)."""
    t = TEXT[language]
    hunks: list[str] = []
    reasons: dict[str, str] = {}
    for finding in comparison.lines:
        if finding.verdict is LineVerdict.EQUAL:
            continue
        section = t["in_section"].format(section=finding.section) if finding.section else ""
        verdict = t["line_within"] if finding.verdict is LineVerdict.WITHIN else t["line_different"]
        hunks += [f"@@ {t['line_header'].format(number=finding.line.number, section=section)}{verdict} @@"]
        hunks += [f"-{finding.line.expected}", f"+{finding.line.actual}"]  # END reads "<end of output>"
        if finding.expected and finding.section:
            reasons[finding.section] = finding.expected
    if not hunks:
        return []
    said = [f"- {t['section_varies'].format(section=section, reason=reason)}" for section, reason in reasons.items()]
    return [*said, "", "```diff", *hunks, "```", ""]


def entry_details(entry: Entry, language: str) -> list[str]:
    """What one not-equal entry holds, as a Markdown list (empty for an equal one)."""
    t = TEXT[language]
    lines: list[str] = []
    if entry.stale:
        lines.append(f"- {t['stale_because'].format(why=_stale_reason(entry.stale, language))}")
    if entry.state in (EntryState.FAILED, EntryState.NOT_APPLICABLE, EntryState.NOT_RUN):
        reason = _reason(entry.reason, language)
        first = reason.splitlines()[0] if reason else ""
        lines.append(f"- {_code(first) if entry.state is EntryState.FAILED else first}")
    elif entry.comparison is not None:
        lines += _value_lines(entry.comparison, language) + printed_lines(entry.comparison, language)
    return lines


def details_block(matrix: Matrix, group: Group, language: str) -> list[str]:
    t = TEXT[language]
    body: list[str] = []
    for snippet in group.snippets:
        for environment in matrix.environments:
            entry = matrix.entry(snippet, environment.name)
            if entry.state is EntryState.EQUAL and not entry.stale:
                continue
            if entry.state is EntryState.NOT_RUN and not matrix.has_run(environment.name):
                continue  # the environments table says why the whole column is empty
            details = entry_details(entry, language)
            if details:
                body += ["", f"**`{snippet}` · `{environment.name}`** · {cell_text(entry, language)}", "", *details]
    if not body:
        return []
    return ["", f'??? note "{t["details"]}"', *[("    " + line) if line else "" for line in body]]


def matrix_markdown(matrix: Matrix, groups_: list[Group], language: str) -> list[str]:
    lines = environments_table(matrix, language)
    for group in groups_:
        lines += ["", f"### {group.title(language)}", ""]
        lines += group_table(matrix, group, language)
        lines += details_block(matrix, group, language)
    return lines


def render(markdown: str, matrix: Matrix, groups_: list[Group], language: str) -> tuple[str, bool]:
    """The page with its marker line replaced by the matrix; False when the page has no marker."""
    page = read_page(markdown)
    out, replaced = [], False
    for number, line in enumerate(markdown.splitlines(), start=1):
        if not page.is_code(number) and MARKER.match(line):
            out += matrix_markdown(matrix, groups_, language if language in TEXT else "en")
            replaced = True
        else:
            out.append(line)
    return "\n".join(out) + "\n", replaced


def article_link(language: str, page: str, anchor: str) -> str:
    """The line under an article's title. An empty anchor (a slugify that keeps no character of
    the title) links to the page itself: the toc extension's own fallback id depends on the page."""
    t = TEXT[language if language in TEXT else "en"]
    link = t["article_link"].format(page=page, anchor=anchor)
    return (link if anchor else link.replace(f"{page}#)", f"{page})")) + "\n{ .matrix-link }"

