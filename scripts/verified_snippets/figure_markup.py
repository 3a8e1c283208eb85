"""Figures on a page: each figure a section left open, under that section's code and output.

Markdown cannot carry an inline SVG through every context a snippet may be
embedded in (inside an admonition or a tab, raw HTML is parsed as Markdown
and mangled), so the page's Markdown gets a placeholder paragraph and
`fill` puts the figure's HTML in its place once Markdown is done
(`on_page_content`, before the search plugin reads the page).

The figure is inlined, not linked as an `<img>`: only inline SVG follows the
page's palette (CSS variables, currentColor) and fonts, and its text is the
page's text. On a page in language L the figure's words come from the
snippet's table for L (`FIGURES[name]["text"][L]`), its accessible name from
`FIGURES[name]["alt"][L]`.
"""
from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import figure_svg
from .figure_files import BUDGET_BYTES, FigureEntry, entries
from .layout import OUTPUTS_FOLDER
from .output_records import OutputRecord

#: The stylesheet the plugin writes into the site and adds to extra_css (variables for both palettes).
STYLESHEET = "assets/verified-snippets/figures.css"
STYLESHEET_SOURCE = Path(__file__).with_name("figures.css")
DEFAULT_LANGUAGE = "en"


#: A figure's placeholder in a page's Markdown (a paragraph of its own), replaced by the figure in the HTML.
FIGURE_TOKEN = re.compile(r"snippet-figure-[0-9a-f]{20}")


@dataclass
class PlacedFigures:
    """Placeholders written into pages' Markdown, and the figure HTML each stands for."""

    html_by_token: dict[str, str] = field(default_factory=dict)

    def place(self, figure_html: str) -> str:
        token = "snippet-figure-" + hashlib.sha256(figure_html.encode("utf-8")).hexdigest()[:20]
        self.html_by_token[token] = figure_html
        return token

    def fill(self, page_html: str) -> str:
        """The page's HTML with each placeholder paragraph replaced by its figure."""
        if "snippet-figure-" not in page_html:
            return page_html
        # Found by the token's own text, then widened to its paragraph: a pattern that starts with an
        # optional `<p>` is tried at every character of the page, and notebook pages are about 1 MB.
        out, position = [], 0
        for match in FIGURE_TOKEN.finditer(page_html):
            figure = self.html_by_token.get(match.group(0))
            if figure is None:
                continue
            start, end = match.span()
            if page_html.startswith("<p>", start - 3) and start - 3 >= position:
                start -= 3
            if page_html.startswith("</p>", end):
                end += 4
            out += [page_html[position:start], figure]
            position = end
        out.append(page_html[position:])
        return "".join(out)


class FigureMarkup:
    """Builds the figures of one embed for a page in one language, and says what is wrong with them."""

    def __init__(self, snippets_dir: Path, snippets_folder: str, placed: PlacedFigures | None = None):
        self.snippets_dir = snippets_dir
        self.snippets_folder = snippets_folder  # as a reader names it, e.g. "snippets"
        self.placed = placed or PlacedFigures()

    def lines(self, snippet: str, record: OutputRecord | None, section: str | None, language: str | None, stale: bool) -> tuple[list[str], list[str]]:
        """Markdown lines (placeholder paragraphs) for the section's figures, and problems to report."""
        language = language or DEFAULT_LANGUAGE
        out: list[str] = []
        problems: list[str] = []
        for entry in entries(record):
            if section is not None and entry.section != section:
                continue
            where = f"figure '{entry.name}' of {self.snippets_folder}/{snippet}:{entry.line}"
            try:
                svg = (self.snippets_dir / snippet).parent.joinpath(OUTPUTS_FOLDER, entry.file).read_text(encoding="utf-8")
            except OSError:
                problems.append(f"{where}: {entry.file} is missing; run the snippets again")
                continue
            svg, problems_here = _in_language(svg, entry, language, where)
            problems += problems_here
            out += [self.placed.place(figure_html(svg, entry, snippet, language, stale)), ""]
        return out, problems


def _in_language(svg: str, entry: FigureEntry, language: str, where: str) -> tuple[str, list[str]]:
    problems = []
    table = entry.text.get(language)
    if table is not None:
        translation = figure_svg.translate(svg, table)
        svg = translation.svg
        problems += [f"{where} shows {text!r} untranslated on this '{language}' page; add it to FIGURES[{entry.name!r}]['text'][{language!r}]" for text in translation.untranslated]
        problems += [f"{where}: FIGURES[{entry.name!r}]['text'][{language!r}] translates {key!r}, which the figure does not show" for key in translation.unused]
    if language not in entry.alt:
        problems.append(f"{where} has no alt text in '{language}'; give FIGURES[{entry.name!r}]['alt'][{language!r}]: what the figure shows, with its numbers")
    return svg, problems


def figure_html(svg: str, entry: FigureEntry, snippet: str, language: str, stale: bool) -> str:
    alt = entry.alt.get(language, "")
    classes = "snippet-figure" + (" snippet-figure--stale" if stale else "")
    label = f"{snippet}:{entry.section}" if entry.section else snippet
    body = figure_svg.with_label(svg, alt) if alt else svg
    return f'<figure class="{classes}" data-snippet="{html.escape(label)}" data-figure="{html.escape(entry.name)}">\n{body}</figure>'


def record_warnings(display_path: str, record: OutputRecord | None) -> list[str]:
    """What is wrong with a snippet's figures whatever the page: size, placement, languages."""
    warnings = []
    for entry in entries(record):
        where = f"{display_path}:{entry.line}: figure '{entry.name}'"
        if entry.bytes > BUDGET_BYTES:
            warnings.append(f"{where} is {entry.bytes / 1000:.1f} KB of SVG, over the {BUDGET_BYTES / 1000:.0f} KB budget; plot fewer points (subsample dense curves to what the eye can see) or simpler paths")
        if entry.section is None:
            warnings.append(f"{where} is left open outside any section, so no page can show it; draw it inside a section (or close it with plt.close)")
        drawn = sorted(language for language in entry.alt if language not in entry.text)
        if len(drawn) > 1:
            warnings.append(f"{where} is shown as drawn in {', '.join(repr(d) for d in drawn)}: all but the language it is drawn in need FIGURES[{entry.name!r}]['text'][language], a table of translated labels")
    return warnings
