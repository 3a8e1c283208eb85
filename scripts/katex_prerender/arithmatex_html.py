"""Find pymdownx.arithmatex formulas in page HTML and swap in rendered math.

With ``generic: true`` (pymdown-extensions 10.x/13.x) arithmatex writes
every formula as one element whose only child is text, the TeX between
MathJax-style delimiters, HTML-escaped:

* inline (``$...$``, ``\\(...\\)``)::

      <span class="arithmatex">\\(a&lt;b\\)</span>

* display (``$$...$$``, ``\\[...\\]``, ``\\begin{env}...\\end{env}``)::

      <div class="arithmatex">\\[
      \\frac{a}{b} &lt; c
      \\]</div>

  (the ``math`` fence of superfences gives the same, possibly with an ``id``,
  further classes and attributes on the ``div``).

``<``, ``>``, ``&`` (and in blocks ``"``) are escaped as entities, so the
element's text never contains ``<`` and the TeX is ``html.unescape`` of it.

The functions here are plain text transformations; they know nothing of
KaTeX or MkDocs.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = [
    "Formula",
    "find_formulas",
    "count_arithmatex_elements",
    "replace_formulas",
    "wrap_rendered",
    "error_html",
    "rewrite_html",
    "locate_in_source",
    "one_line",
    "unwrap_html_data",
    "text_for_search",
]

# An attribute inside a start tag: name, optionally = and a (quoted) value.
_ATTR = r"""\s+[^\s"'<>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?"""

# An element carrying class "arithmatex" whose content is text only. The
# class is checked afterwards (as a whole word) so that attribute order and
# extra classes do not matter.
_ELEMENT_RE = re.compile(
    rf"<(?P<tag>[a-zA-Z][a-zA-Z0-9-]*)(?P<attrs>(?:{_ATTR})*)\s*>"
    r"(?P<body>[^<]*)"
    r"</(?P=tag)\s*>"
)
# Any start tag with class "arithmatex", whatever its content: used to spot
# formulas this module cannot read (e.g. arithmatex not in generic mode).
_START_TAG_RE = re.compile(rf"<(?P<tag>[a-zA-Z][a-zA-Z0-9-]*)(?P<attrs>(?:{_ATTR})*)\s*/?>")
_CLASS_RE = re.compile(r"""\sclass\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""")

_INLINE_DELIMS = ("\\(", "\\)")
_DISPLAY_DELIMS = ("\\[", "\\]")


@dataclass(frozen=True)
class Formula:
    """One arithmatex element found in a page's HTML."""

    start: int  #: offset of ``<`` of the start tag in the HTML
    end: int  #: offset just past the end tag
    tag: str  #: ``span``, ``div`` (or whatever inline_tag / block_tag say)
    attrs: str  #: the start tag's attributes, verbatim (leading space included)
    tex: str  #: the TeX, unescaped, without delimiters and outer whitespace
    display: bool  #: ``\\[...\\]`` (display) rather than ``\\(...\\)`` (inline)
    source: str  #: the element as it was in the HTML

    def open_tag(self) -> str:
        return f"<{self.tag}{self.attrs}>"

    def close_tag(self) -> str:
        return f"</{self.tag}>"


def _has_arithmatex_class(attrs: str) -> bool:
    if "arithmatex" not in attrs:  # most elements of a page (each coloured code token is one)
        return False
    for m in _CLASS_RE.finditer(attrs):
        value = next(g for g in m.groups() if g is not None)
        if "arithmatex" in value.split():
            return True
    return False


def _split_delimiters(text: str) -> tuple[str, bool] | None:
    stripped = text.strip()
    for (opening, closing), display in ((_INLINE_DELIMS, False), (_DISPLAY_DELIMS, True)):
        if (
            stripped.startswith(opening)
            and stripped.endswith(closing)
            and len(stripped) >= len(opening) + len(closing)
        ):
            return stripped[len(opening) : len(stripped) - len(closing)].strip(), display
    return None


def find_formulas(page_html: str) -> list[Formula]:
    """All generic arithmatex formulas in ``page_html``, in document order.

    Elements with class ``arithmatex`` whose text is not wrapped in ``\\(...\\)``
    or ``\\[...\\]`` are skipped (see :func:`count_arithmatex_elements`).
    """
    if "arithmatex" not in page_html:  # cheap exit for pages without math
        return []
    found = []
    for m in _ELEMENT_RE.finditer(page_html):
        if not _has_arithmatex_class(m.group("attrs")):
            continue
        split = _split_delimiters(html.unescape(m.group("body")))
        if split is None:
            continue
        tex, display = split
        attrs = m.group("attrs")
        original = _ORIGINAL_TEX_RE.search(attrs)
        if original:  # text_for_search() left the TeX KaTeX is to typeset here
            tex, attrs = html.unescape(original.group(1)), attrs[: original.start()] + attrs[original.end() :]
        found.append(
            Formula(
                start=m.start(),
                end=m.end(),
                tag=m.group("tag"),
                attrs=attrs,
                tex=tex,
                display=display,
                source=m.group(0),
            )
        )
    return found


def count_arithmatex_elements(page_html: str) -> int:
    """How many start tags in ``page_html`` carry class ``arithmatex``.

    More than ``len(find_formulas(page_html))`` means some formulas are in a
    form this module does not read (MathJax ``<script>`` mode, custom
    delimiters) and would stay unrendered.
    """
    if "arithmatex" not in page_html:
        return 0
    return sum(
        1 for m in _START_TAG_RE.finditer(page_html) if _has_arithmatex_class(m.group("attrs"))
    )


def wrap_rendered(formula: Formula, inner_html: str) -> str:
    """The formula's own element (tag and attributes kept) around ``inner_html``.

    Keeping the ``arithmatex`` wrapper keeps Material's styling of it (e.g.
    horizontal scrolling of wide display formulas).
    """
    return f"{formula.open_tag()}{inner_html}{formula.close_tag()}"


def error_html(formula: Formula, message: str) -> str:
    """A visible stand-in for a formula KaTeX refused: its TeX, in red, with the message as title.

    Shaped like KaTeX's own ``throwOnError: false`` output.
    """
    tex = formula.tex
    shown = f"\\[{tex}\\]" if formula.display else f"\\({tex}\\)"
    return (
        f'<span class="katex-error" title="{html.escape(message, quote=True)}" '
        f'style="color:#cc0000">{html.escape(shown, quote=False)}</span>'
    )


def replace_formulas(
    page_html: str, formulas: Sequence[Formula], replacements: Sequence[str]
) -> str:
    """Splice ``replacements[i]`` in place of ``formulas[i]`` (as found in ``page_html``)."""
    if len(formulas) != len(replacements):
        raise ValueError("one replacement is needed per formula")
    parts = []
    pos = 0
    for formula, new in sorted(zip(formulas, replacements), key=lambda pair: pair[0].start):
        if formula.start < pos or page_html[formula.start : formula.end] != formula.source:
            raise ValueError(f"formula at offset {formula.start} is not in this HTML")
        parts.append(page_html[pos : formula.start])
        parts.append(new)
        pos = formula.end
    parts.append(page_html[pos:])
    return "".join(parts)


def rewrite_html(
    page_html: str,
    render: Callable[[Sequence[Formula]], Sequence[str | Exception]],
) -> tuple[str, list[tuple[Formula, Exception]]]:
    """Replace every formula in ``page_html`` by its rendering.

    ``render`` gets all formulas of the page at once (so it can batch) and
    returns, per formula, the rendered HTML or the exception it raised. A
    failed formula becomes :func:`error_html`. Returns the new HTML and the
    list of ``(formula, exception)`` failures.
    """
    formulas = find_formulas(page_html)
    if not formulas:
        return page_html, []
    results = list(render(formulas))
    if len(results) != len(formulas):
        raise ValueError("render() must return one result per formula")
    failures = []
    replacements = []
    for formula, result in zip(formulas, results):
        if isinstance(result, Exception):
            failures.append((formula, result))
            replacements.append(wrap_rendered(formula, error_html(formula, str(result))))
        else:
            replacements.append(wrap_rendered(formula, result))
    return replace_formulas(page_html, formulas, replacements), failures


def locate_in_source(source: str, tex: str, occurrence: int = 0) -> int | None:
    """1-based line of ``source`` (Markdown) where formula ``tex`` starts, or None.

    ``occurrence`` picks the n-th appearance (0-based) when the same TeX occurs
    more than once; past the last one, the last is used. Tried in turn, first
    hit wins:

    1. the exact TeX right after a math delimiter (``$``, ``$$``, ``\\(``, ``\\[``);
    2. the exact TeX anywhere (``\\begin{env}`` blocks, ``math`` fences);
    3. both again with any run of whitespace matching any other (Markdown
       nesting, e.g. in admonitions, re-indents multi-line formulas);
    4. the first non-blank line of the TeX.

    None means the TeX is not in ``source`` (it came from an included file,
    say).
    """
    tex = tex.strip()
    if not tex:
        return None
    exact = re.escape(tex)
    flexible = r"\s+".join(re.escape(piece) for piece in tex.split())
    first_line = next(line.strip() for line in tex.splitlines() if line.strip())
    delimiter = r"(?:\$\$?|\\\(|\\\[)[ \t]*\n?[ \t]*"
    patterns = [
        delimiter + f"(?P<tex>{exact})",
        f"(?P<tex>{exact})",
        delimiter + f"(?P<tex>{flexible})",
        f"(?P<tex>{flexible})",
        f"(?P<tex>{re.escape(first_line)})",
    ]
    for pattern in patterns:
        offsets = [m.start("tex") for m in re.finditer(pattern, source)]
        if offsets:
            offset = offsets[min(occurrence, len(offsets) - 1)]
            return source.count("\n", 0, offset) + 1
    return None


def one_line(tex: str, limit: int = 160) -> str:
    """``tex`` on one line (runs of whitespace become one space), cut to ``limit`` characters."""
    flat = " ".join(tex.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


# ---------------------------------------------------------------------------
# What the search index gets: the TeX without KaTeX's \htmlData wrappers

_HTML_DATA = "\\htmlData"
_ORIGINAL_TEX_ATTR = "data-katex-tex"
_ORIGINAL_TEX_RE = re.compile(rf'\s{_ORIGINAL_TEX_ATTR}="([^"]*)"')


def _group_end(tex: str, start: int) -> int | None:
    """Offset just past the brace group opening at ``tex[start]`` (``{``), or None if it never closes."""
    depth, i = 0, start
    while i < len(tex):
        char = tex[i]
        if char == "\\":
            i += 2
            continue
        depth += {"{": 1, "}": -1}.get(char, 0)
        i += 1
        if depth == 0:
            return i
    return None


def unwrap_html_data(tex: str) -> str:
    """``tex`` with every ``\\htmlData{key=value,...}{body}`` replaced by its body (left as it is if malformed)."""
    out, position = [], 0
    while (start := tex.find(_HTML_DATA, position)) >= 0:
        keys = start + len(_HTML_DATA)
        while keys < len(tex) and tex[keys].isspace():
            keys += 1
        keys_end = _group_end(tex, keys) if tex[keys : keys + 1] == "{" else None
        body = keys_end
        while body is not None and body < len(tex) and tex[body].isspace():
            body += 1
        body_end = _group_end(tex, body) if body is not None and tex[body : body + 1] == "{" else None
        if body is None or body_end is None:
            out.append(tex[position:keys])
            position = keys
            continue
        out += [tex[position:start], unwrap_html_data(tex[body + 1 : body_end - 1])]
        position = body_end
    return "".join(out) + tex[position:]


def text_for_search(page_html: str) -> str:
    """``page_html`` with the formulas that use ``\\htmlData`` as a search index should read them.

    Material's search plugin indexes the formulas' TeX (it runs before KaTeX),
    so a number marked with ``\\htmlData{...}{0.4170}`` is indexed as
    ``0.4170``, exactly as it was before the marking. The TeX to typeset moves
    into an attribute of the formula's element, which :func:`find_formulas`
    reads and the typeset page does not keep.
    """
    if _HTML_DATA not in page_html:
        return page_html
    formulas = [f for f in find_formulas(page_html) if _HTML_DATA in f.tex]
    replacements = []
    for formula in formulas:
        opening, closing = _DISPLAY_DELIMS if formula.display else _INLINE_DELIMS
        shown = f"{opening}{unwrap_html_data(formula.tex)}{closing}"
        original = html.escape(formula.tex, quote=True)
        replacements.append(f'<{formula.tag}{formula.attrs} {_ORIGINAL_TEX_ATTR}="{original}">{html.escape(shown, quote=False)}{formula.close_tag()}')
    return replace_formulas(page_html, formulas, replacements)
