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
        found.append(
            Formula(
                start=m.start(),
                end=m.end(),
                tag=m.group("tag"),
                attrs=m.group("attrs"),
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
