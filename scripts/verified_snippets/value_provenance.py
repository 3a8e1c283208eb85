"""Where each bound number comes from, on the page it is shown on.

Every value binding `{{ run: article/name.py loss[0] | .4f }}` becomes a link
to the output block of its snippet, whose accessible name says where the number
comes from: the value's name (with its index), the snippet, the PyTorch
version and the date of the run. A small script of the site
(`docs/assets/run-values.js`) shows the same sentence as a card on hover, focus
or tap. The markup contract, which the tests rely on: each bound value is
rendered inside an element carrying `data-snippet="<path under snippets/>"` and
`data-value="<name>[index]"`.

* In prose, the binding becomes a Markdown link with an attribute list, so
  MkDocs resolves the target (on another page, in the page's language) and its
  link validation reports a missing anchor.
* In math, it becomes `\\htmlData{snippet=...,value=...}{0.4170}`: KaTeX
  (which trusts that one command) puts the number in a `<span>` with those
  data attributes. KaTeX's HTML is hidden from assistive technology (the
  MathML beside it is read instead), so `link_math_values` then wraps each
  such span in the same link and hides the rest of the formula's HTML, not the
  link: it can be reached with the keyboard and is announced with its name.

The first output block of each snippet on a page carries the anchor
`output-<article>-<name>`; a page that shows a snippet without printing
anything shows its provenance line there instead.
"""
from __future__ import annotations

import functools
import hashlib
import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from .output_records import OutputRecord

RUN_VALUE_CLASS = "run-value"

#: The accessible name of a bound value, and the card the site's script shows: one sentence per language.
ORIGIN_SENTENCES = {
    "en": "{shown}: {value} from {path}, run with PyTorch {torch} on {date}",
    "zh": "{shown}：{path} 中的 {value}，由 PyTorch {torch} 于 {date} 运行得出",
}


def output_anchor(snippet: str, section: str | None = None) -> str:
    """The id of a snippet's output block: `output-cross_entropy-batch` for the first of cross_entropy/batch.py
    on a page (the one other pages link to), `output-cross_entropy-batch-<section>` for the others."""
    name = snippet.removesuffix(".py") + (f"-{section}" if section else "")
    return "output-" + re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")


@dataclass(frozen=True)
class OutputBlock:
    """An output block on a page: whose, its id, and the text it shows."""

    snippet: str
    anchor: str
    text: str

    def shows(self, number: str) -> bool:
        """Whether the block prints `number` as a whole number (not as part of a longer one)."""
        number = number.replace("\u2212", "-")  # KaTeX typesets a minus sign
        return number in self.text and _whole_number(number).search(self.text) is not None


@functools.lru_cache(maxsize=8192)
def _whole_number(number: str) -> re.Pattern[str]:
    """Compiled once per number: a site binds thousands, more than `re`'s own cache holds."""
    return re.compile(rf"(?<![\w.]){re.escape(number)}(?![\w])")


@dataclass(frozen=True)
class Origin:
    """Where one bound value comes from."""

    snippet: str  # path under the snippets folder
    value: str  # name with indexes, e.g. "loss[0]"
    path: str  # the snippet as a reader finds it, e.g. "snippets/cross_entropy/batch.py"
    torch: str
    date: str  # the day of the run, YYYY-MM-DD

    @classmethod
    def of(cls, record: OutputRecord, snippet: str, value: str, snippets_folder: str) -> Origin:
        torch = record.environment.get("torch", "?").split("+")[0]
        return cls(snippet, value, f"{snippets_folder}/{snippet}", torch, record.generated[:10])

    def sentence(self, shown: str, language: str) -> str:
        template = ORIGIN_SENTENCES.get(language, ORIGIN_SENTENCES["en"])
        return template.format(shown=shown, value=self.value, path=self.path, torch=self.torch, date=self.date)


@dataclass
class ValueLinks:
    """What one page needs to link its bound values: its language, and where outputs shown elsewhere are.

    `elsewhere(snippet)` is the Markdown link target of the snippet's output on
    another page (`other.md#output-...`), or None when no page shows it.
    """

    language: str = "en"
    elsewhere: Callable[[str], str | None] = lambda snippet: None
    #: Filled while the page is rendered: its output blocks, in order.
    blocks: list[OutputBlock] = field(default_factory=list)

    def href(self, snippet: str, shown: str) -> str:
        """The output block a value links to: on this page, the first of its snippet's blocks that
        prints the number as shown, else the snippet's first block; else its first block elsewhere."""
        own = [block for block in self.blocks if block.snippet == snippet]
        if own:
            return "#" + next((block for block in own if block.shows(shown)), own[0]).anchor
        return self.elsewhere(snippet) or "#" + output_anchor(snippet)


def prose_markup(shown: str, origin: Origin, href: str, language: str) -> str:
    """A Markdown link with an attribute list (attr_list): the number, linked to its output."""
    label = _attribute(origin.sentence(shown, language))
    return (
        f'[{shown}]({href}){{ .{RUN_VALUE_CLASS} data-snippet="{_attribute(origin.snippet)}" '
        f'data-value="{_attribute(origin.value)}" aria-label="{label}" }}'
    )


def math_markup(shown: str, snippet: str, value: str) -> str:
    """KaTeX's `\\htmlData`: the number in a span carrying the contract's data attributes.

    `{,}` is KaTeX's escape for a comma inside the key-value list; a snippet
    path or value name has none, but a path may one day.
    """
    return f"\\htmlData{{snippet={snippet.replace(',', '{,}')},value={value}}}{{{shown}}}"


def _attribute(text: str) -> str:
    """Text safe inside a double-quoted attribute of an attribute list (which ends at `}`)."""
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("}", "&#125;")


# ---------------------------------------------------------------------------------- math in Markdown

# What pymdownx.arithmatex (generic mode) reads as math, in the page's text with code blanked:
# blocks ($$...$$, \[...\], \begin{env}...\end{env}) and inline formulas ($...$ with no space
# inside the dollars, \(...\)), which never cross a blank line.
_BLOCK_MATH = re.compile(r"\$\$.+?\$\$|\\\[.+?\\\]|\\begin\{(?P<env>[A-Za-z]+\*?)\}.+?\\end\{(?P=env)\}", re.DOTALL)
_INLINE_MATH = re.compile(r"(?<![\\$])\$(?![\s$])(?:\\.|[^\\$\n]|\n(?![ \t]*\n))+?(?<![\s\\])\$|\\\((?:\\[^)]|[^\\])+?\\\)")
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`).+?(?<!`)\1(?!`)", re.DOTALL)


def _blank(text: str) -> str:
    return re.sub(r"[^\n]", " ", text)


def code_and_math_ranges(text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Character ranges of `text` (a page with its code blocks blanked): inline code spans, and what arithmatex reads as math."""
    code = [(m.start(), m.end()) for m in _CODE_SPAN.finditer(text)]
    hidden = _blank_ranges(text, code)
    math = [(m.start(), m.end()) for m in _BLOCK_MATH.finditer(hidden)]
    math += [(m.start(), m.end()) for m in _INLINE_MATH.finditer(_blank_ranges(hidden, math))]
    return code, sorted(math)


def _blank_ranges(text: str, ranges: list[tuple[int, int]]) -> str:
    parts, position = [], 0
    for start, end in sorted(ranges):
        parts += [text[position:start], _blank(text[start:end])]
        position = end
    return "".join(parts) + text[position:]


class InlineContexts:
    """Whether a column of a line of a page is in an inline code span, in math, or in prose."""

    def __init__(self, lines: list[str]):
        self.starts = [0]
        for text in lines:
            self.starts.append(self.starts[-1] + len(text) + 1)
        self.code, self.math = code_and_math_ranges("\n".join(lines))

    def kind(self, line: int, column: int) -> str:
        """"code", "math" or "prose"."""
        offset = self.starts[line - 1] + column
        if any(start < offset < end for start, end in self.code):
            return "code"
        return "math" if any(start < offset < end for start, end in self.math) else "prose"


# ---------------------------------------------------------------------------------- math in HTML

@dataclass(frozen=True)
class ValueLink:
    href: str
    label: str


class FormulaMemo(Protocol):
    """Linked formulas by key (kept_results.KeptResults)."""

    def get(self, key: str) -> str | None: ...

    def put(self, key: str, linked_html: str) -> None: ...


def formula_key(formula_html: str, links: str) -> str:
    return hashlib.sha256(f"{formula_html}\0{links}".encode("utf-8", "surrogatepass")).hexdigest()


def link_math_values(page_html: str, link_for: Callable[[str, str, str], ValueLink | None], memo: FormulaMemo | None = None) -> str:
    """Every KaTeX `\\htmlData` value span of the page, wrapped in its link, reachable by assistive technology.

    `link_for(snippet, value, shown)` gives the link of a value (None: leave it
    as it is). Only formulas holding such a span are parsed (BeautifulSoup), and
    with `memo` (kept across builds) only once for a given formula and links:
    the key is the formula's HTML and the links its values get.
    """
    if "data-snippet" not in page_html or ("katex-html" not in page_html and "<math" not in page_html):
        return page_html
    parts, position = [], 0
    for start, end in _katex_elements_with_values(page_html):
        element = page_html[start:end]
        spans = _value_spans(element) if "katex-html" in element else _mathml_values(element)
        keep = memo is not None and len(spans) == element.count("data-snippet=")  # every value read: the key is complete
        key = formula_key(element, repr([link_for(*span) for span in spans])) if keep else ""
        linked = memo.get(key) if keep and memo is not None else None
        if linked is None:
            linked = _linked_formula(element, link_for) if "katex-html" in element else _linked_mathml(element, link_for)
            if keep and memo is not None:
                memo.put(key, linked)
        parts += [page_html[position:start], linked]
        position = end
    return "".join(parts) + page_html[position:]


# KaTeX adds classes beside "enclosing" where the size changes (`mtight` in a superscript).
_VALUE_SPAN = re.compile(r'<span class="enclosing(?: [^"]*)?" data-snippet="([^"]*)" data-value="([^"]*)">')
_TAG = re.compile(r"<[^>]*>")


def _value_spans(element: str) -> list[tuple[str, str, str]]:
    """(snippet, value, text shown) of each value span in a formula's HTML, read without parsing it."""
    found = []
    for match in _VALUE_SPAN.finditer(element):
        inner = element[match.end() : _span_end(element, match.start())]
        found.append((html.unescape(match.group(1)), html.unescape(match.group(2)), html.unescape(_TAG.sub("", inner))))
    return found


# KaTeX's MathML-only output (katex_prerender/mathml_output.py) puts the contract's attributes, first and in
# this order, on the MathML element of the value: `<mn data-snippet=".." data-value="..">0.4170</mn>`.
_MATHML_VALUE = re.compile(r'<(m[a-z]+) data-snippet="([^"]*)" data-value="([^"]*)"(?=[ >])')


def _mathml_values(element: str) -> list[tuple[str, str, str]]:
    """(snippet, value, text shown) of each marked MathML element of a formula."""
    found = []
    for match in _MATHML_VALUE.finditer(element):
        inner = element[element.index(">", match.end()) + 1 : _element_end(element, match.start(), match.group(1))]
        found.append((html.unescape(match.group(2)), html.unescape(match.group(3)), html.unescape(_TAG.sub("", inner))))
    return found


def _linked_mathml(element: str, link_for: Callable[[str, str, str], ValueLink | None]) -> str:
    """Each marked MathML element made a link: MathML has no `<a>` (MathML Core dropped `href`), so it gets
    the link's role, a place in the tab order and its name, and `data-href`, which run-values.js follows."""
    values = iter(_mathml_values(element))

    def linked(match: re.Match[str]) -> str:
        snippet, value, shown = next(values)
        if element.startswith(f' class="{RUN_VALUE_CLASS}"', match.end()):
            return match.group(0)  # linked already
        link = link_for(snippet, value, shown)
        if link is None:
            return match.group(0)
        return (
            f'{match.group(0)} class="{RUN_VALUE_CLASS}" role="link" tabindex="0"'
            f' aria-label="{html.escape(link.label)}" data-href="{html.escape(link.href)}"'
        )

    return _MATHML_VALUE.sub(linked, element)


def _element_end(text: str, start: int, tag: str) -> int:
    """Offset of the `</tag>` that closes the element opening at `start`."""
    depth = 0
    for found in re.finditer(rf"<(/?){tag}(?=[\s>])[^>]*>", text[start:]):
        depth += -1 if found.group(1) else 1
        if depth == 0:
            return start + found.start()
    return len(text)


def _linked_formula(element: str, link_for: Callable[[str, str, str], ValueLink | None]) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(element, "html.parser")
    changed = False
    for visual in soup.select(".katex-html"):
        if _link_values(soup, visual, link_for):
            del visual["aria-hidden"]
            _hide_all_but_links(visual)
            changed = True
    return str(soup) if changed else element


def _link_values(soup, visual, link_for) -> bool:
    linked = False
    for span in visual.find_all(attrs={"data-snippet": True, "data-value": True}):
        if span.find_parent("a") is not None:
            continue
        link = link_for(span["data-snippet"], span["data-value"], span.get_text())
        if link is None:
            continue
        anchor = soup.new_tag("a", attrs={"class": RUN_VALUE_CLASS, "href": link.href, "aria-label": link.label})
        span.wrap(anchor)
        linked = True
    return linked


def _hide_all_but_links(element) -> None:
    """Hide from assistive technology every part of `element` that holds no value link (the MathML is read instead)."""
    from bs4 import NavigableString, Tag

    for child in list(element.children):
        if isinstance(child, Tag):
            if child.name == "a" and RUN_VALUE_CLASS in child.get_attribute_list("class"):
                continue
            if child.find("a", class_=RUN_VALUE_CLASS) is not None:
                _hide_all_but_links(child)
            else:
                child["aria-hidden"] = "true"
        elif isinstance(child, NavigableString) and child.strip():
            wrapper = Tag(name="span", attrs={"aria-hidden": "true"})
            child.wrap(wrapper)


_KATEX_START = re.compile(r'<span class="katex(?:-display)?"')
_SPAN_TAG = re.compile(r"<(/?)span\b[^>]*>")


def _katex_elements_with_values(page_html: str) -> list[tuple[int, int]]:
    """(start, end) of each outermost KaTeX element that holds a value span."""
    found, position = [], 0
    while (match := _KATEX_START.search(page_html, position)) is not None:
        end = _span_end(page_html, match.start())
        if "data-snippet=" in page_html[match.start() : end]:
            found.append((match.start(), end))
        position = end
    return found


def _span_end(page_html: str, start: int) -> int:
    """Offset just past the `</span>` that closes the span opening at `start`."""
    depth = 0
    for tag in _SPAN_TAG.finditer(page_html, start):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return tag.end()
    return len(page_html)
