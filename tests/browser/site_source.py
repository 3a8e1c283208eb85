"""What the browser tests expect, read from the Markdown sources and the built site.

Nothing here asks the build or the snippet engine what a page should show:
formulas and snippet embeds are counted in the page's Markdown, and outputs
are read from the committed JSON files. The browser then has to show exactly
that. Where code starts and ends on a page comes from the project's one
Markdown reader (`verified_snippets.page_structure`, CommonMark by
markdown-it-py); the formulas are then found by this module's own scanner.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from verified_snippets.page_structure import read_page

# ---------------------------------------------------------------------------
# Pages of the built site and the Markdown file each one was made from

#: Built files that are not pages of the site.
NOT_PAGES = {"404.html", "search.html"}

#: Files MkDocs turns into pages: Markdown, and notebooks (mkdocs-jupyter).
PAGE_SOURCES = (".md", ".ipynb")
#: `name.zh.md`, `name.zh_TW.md`, `name.pt-BR.ipynb`: mkdocs-static-i18n's suffix layout.
_LANG_SUFFIX = re.compile(r"\.(?P<lang>[a-z]{2,3}(?:[_-][A-Za-z]{2,4})?)(?P<ext>\.md|\.ipynb)$")
_HTML_LANG = re.compile(r"<html[^>]*\slang=[\"']?(?P<lang>[^\"'\s>]+)", re.IGNORECASE)


@dataclass(frozen=True)
class SitePage:
    html_path: str  #: relative to the site folder, e.g. ``zh/cross-entropy/index.html``
    url_path: str  #: what a browser asks for, e.g. ``/zh/cross-entropy/``
    source: Path | None  #: the Markdown file the page was built from, if found
    lang: str  #: the page's ``<html lang>``

    @property
    def test_id(self) -> str:
        return self.url_path.strip("/") or "home"

    @property
    def slug(self) -> str:
        """A file-name-safe name for the page, e.g. ``zh-cross-entropy``."""
        return re.sub(r"[^A-Za-z0-9_.-]+", "-", self.test_id).strip("-")

    @property
    def source_name(self) -> str:
        """The source's file name without any language suffix, e.g. ``cross-entropy.md``."""
        if self.source is None:
            return ""
        return _LANG_SUFFIX.sub(lambda m: m.group("ext"), self.source.name)


def languages_in(docs_dir: Path) -> set[str]:
    """Languages that have translated pages: the ``xx`` of every ``docs/**/*.xx.md`` (or ``.xx.ipynb``)."""
    found = set()
    for path in docs_dir.rglob("*"):
        match = _LANG_SUFFIX.search(path.name)
        if match:
            found.add(match.group("lang"))
    for child in docs_dir.iterdir():  # the folder layout: docs/zh/...
        if child.is_dir() and re.fullmatch(r"[a-z]{2}(?:[_-][A-Za-z]{2,4})?", child.name):
            found.add(child.name)
    return found


def _candidates(doc: list[str], lang: str | None) -> list[str]:
    """Markdown paths under docs/ that could have produced the page ``doc`` (URL parts)."""
    stems = [doc[:-1] + [doc[-1]], doc + ["index"], doc + ["README"]] if doc else [["index"], ["README"]]
    names = []
    for ext in PAGE_SOURCES:
        for stem in stems:
            if lang:
                names.append("/".join(stem) + f".{lang}{ext}")
                names.append("/".join([lang, *stem]) + ext)
            names.append("/".join(stem) + ext)  # an untranslated page copied into the language
    return names


def page_markdown(source: Path) -> str:
    """The Markdown of a page's source: the file itself, or a notebook's Markdown cells, one paragraph apart."""
    if source.suffix == ".ipynb":
        cells = json.loads(source.read_text(encoding="utf-8")).get("cells", [])
        texts = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
                 for c in cells if c.get("cell_type") == "markdown"]
        return "\n\n".join(texts) + "\n"
    return source.read_text(encoding="utf-8")


def source_for(html_path: str, docs_dir: Path, languages: set[str]) -> Path | None:
    parts = list(PurePosixPath(html_path).parts)
    lang = None
    if len(parts) > 1 and parts[0] in languages:
        lang, parts = parts[0], parts[1:]
    if parts[-1] == "index.html":
        doc = parts[:-1]
    else:  # use_directory_urls: false
        doc = parts[:-1] + [parts[-1][: -len(".html")]]
    for name in _candidates(doc, lang):
        path = docs_dir / name
        if path.is_file():
            return path
    return None


def discover_pages(site_dir: Path, docs_dir: Path) -> list[SitePage]:
    """Every HTML page of the built site (not 404 or search), in a stable order."""
    languages = languages_in(docs_dir)
    pages = []
    for path in sorted(site_dir.rglob("*.html")):
        rel = path.relative_to(site_dir).as_posix()
        if path.name in NOT_PAGES or rel.split("/")[0] in {"assets", "search"}:
            continue
        url = "/" + (rel[: -len("index.html")] if path.name == "index.html" else rel)
        head = path.read_text(encoding="utf-8", errors="replace")[:2000]
        match = _HTML_LANG.search(head)
        pages.append(SitePage(rel, url, source_for(rel, docs_dir, languages), match.group("lang") if match else ""))
    return pages


# ---------------------------------------------------------------------------
# Formulas in Markdown

_BINDING = re.compile(r"\{\{\s*run:.*?\}\}", re.DOTALL)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


@dataclass(frozen=True)
class SourceFormula:
    line: int  #: 1-based, in the Markdown file
    tex: str  #: between the delimiters, value bindings included
    display: bool


def blank_fences(markdown: str) -> list[str]:
    """The lines of ``markdown`` with every code block (fences included) blanked."""
    return read_page(markdown).without_code()


def _blank_front_matter(markdown: str) -> str:
    """YAML front matter (``---`` ... ``---`` at the very top) blanked, line count kept."""
    match = re.match(r"---[ \t]*\n.*?\n(?:---|\.\.\.)[ \t]*(?:\n|$)", markdown, re.DOTALL)
    if not match:
        return markdown
    return "\n" * match.group(0).count("\n") + markdown[match.end():]


def _blocks(lines: list[str]):
    """Runs of non-blank lines (Markdown's inline content never crosses a blank line), with their first line number."""
    start = None
    for number, line in enumerate(lines + [""], start=1):
        if line.strip():
            if start is None:
                start, block = number, []
            block.append(line)
        elif start is not None:
            yield start, "\n".join(block)
            start = None


def _backtick_run(text: str, i: int) -> int:
    j = i
    while j < len(text) and text[j] == "`":
        j += 1
    return j - i


def formulas_in_markdown(markdown: str) -> list[SourceFormula]:
    """Every ``$...$`` and ``$$...$$`` formula of a Markdown page, in order.

    Skipped: front matter, fenced code blocks (at any indentation, so also
    inside lists and admonitions), inline code spans, HTML comments and backslash-escaped
    characters (``\\$``). A value binding ``{{ run: ... }}`` is text here (the
    build replaces it by a number), so nothing in it starts or ends a formula
    or a code span. A ``$`` never closed within its paragraph is plain text.
    """
    bindings: list[str] = []

    def hide_binding(match: re.Match) -> str:
        bindings.append(match.group(0))
        return f"{_HIDDEN[0]}{len(bindings) - 1}{_HIDDEN[1]}" + "\n" * match.group(0).count("\n")

    text = "\n".join(blank_fences(_blank_front_matter(markdown)))
    text = _HTML_COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    text = _BINDING.sub(hide_binding, text)
    shown = lambda tex: re.sub(_HIDDEN_RE, lambda m: bindings[int(m.group(1))], tex)

    found = []
    for first_line, block in _blocks(text.split("\n")):
        i = 0
        while i < len(block):
            char = block[i]
            if char == "\\":
                i += 2
                continue
            if char == "`":
                run = _backtick_run(block, i)
                close = re.compile(rf"(?<!`){'`' * run}(?!`)").search(block, i + run)
                i = close.end() if close else i + run
                continue
            if char == "$":
                delim = "$$" if block.startswith("$$", i) else "$"
                j = i + len(delim)
                while j < len(block) and not block.startswith(delim, j):
                    j += 2 if block[j] == "\\" else 1
                if j >= len(block):  # never closed: a literal dollar
                    i += len(delim)
                    continue
                tex = block[i + len(delim) : j].strip()
                if tex:
                    line = first_line + block.count("\n", 0, i)
                    found.append(SourceFormula(line, shown(tex), delim == "$$"))
                i = j + len(delim)
                continue
            i += 1
    return found


_HIDDEN = ("\ue000", "\ue001")
_HIDDEN_RE = re.compile("\ue000(\\d+)\ue001\n*")


def tex_pattern(tex: str) -> re.Pattern:
    """Matches the TeX that KaTeX got for a source formula: a binding is any value (marked with
    ``\\htmlData{...}{value}`` or not), whitespace is free."""
    pieces = [re.sub(r"\s+", "", piece) for piece in _BINDING.split(tex)]
    literal = [r"\s*".join(re.escape(ch) for ch in piece) for piece in pieces]
    value = r"\s*(?:\\htmlData\{[^{}]*\}\{[-+\w.]+\}|[-+\w.]+)\s*"
    return re.compile(r"\s*" + value.join(literal) + r"\s*")


_BINDING_PARTS = re.compile(r"\{\{\s*run:\s*(?P<snippet>\S+)\s+(?P<value>[A-Za-z_]\w*(?:\[-?\d+\])*)\s*(?:\|[^}]*)?\}\}")
_CODE_SPAN = re.compile(r"(`+).+?\1", re.DOTALL)


def bindings_in_markdown(markdown: str) -> list[tuple[str, str]]:
    """``(snippet, value)`` of every value binding of a page, in order, outside code (fenced or inline)."""
    text = "\n".join(blank_fences(_blank_front_matter(markdown)))
    text = _HTML_COMMENT.sub("", _CODE_SPAN.sub("", text))
    return [(m.group("snippet"), m.group("value")) for m in _BINDING_PARTS.finditer(text)]


# ---------------------------------------------------------------------------
# Snippet embeds and their committed outputs

_INCLUDE_ONLY = re.compile(r"""^[ \t]*-+8<-+[ \t]+(["'])(?P<target>[^"']+)\1[ \t]*$""")


def embeds_in_markdown(markdown: str) -> list[str]:
    """Targets (``article/name.py`` or ``article/name.py:section``) of code fences that only include a snippet."""
    targets = []
    for fence in read_page(markdown).fences:
        body = [text for _, text in fence.body if text.strip()]
        match = _INCLUDE_ONLY.match(body[0]) if len(body) == 1 else None
        if match:
            targets.append(match.group("target"))
    return targets


def committed_output(snippets_dir: Path, target: str) -> str:
    """The committed text for ``article/name.py[:section]``: the whole stdout, or that section's."""
    path, _, section = target.partition(".py")
    section = section.removeprefix(":")
    article, _, name = path.rpartition("/")
    record = json.loads((snippets_dir / article / "outputs" / f"{name}.json").read_text(encoding="utf-8"))
    return record["sections"][section] if section else record["stdout"]
