"""KaTeX's MathML-only output, made complete for today's browsers.

With ``output: mathml`` the page carries one ``<math>`` per formula and none
of KaTeX's HTML (about two thirds of a formula-heavy page's elements), and the
browser lays the math out itself (MathML Core: Chromium 109+, Firefox, Safari).
KaTeX's MathML needs three things done to it first:

* ``\\htmlData`` keeps its ``data-*`` attributes only in KaTeX's HTML; its
  MathML builder drops them. The site marks every bound number with it (the
  provenance contract: ``data-snippet`` and ``data-value``), so before KaTeX
  sees a formula each ``\\htmlData{...}{body}`` becomes
  ``\\href{katex-data-N}{body}`` -- KaTeX's ``\\href`` keeps its URL on the
  MathML element of its body -- and after rendering the marker is replaced by
  the attributes (parsed as KaTeX parses them: ``key=value`` pairs split at
  commas, ``{,}`` a literal comma). The TeX annotation gets the author's TeX back.
* MathML Core supports ``mathvariant`` only as ``normal`` on ``<mi>``: Chromium
  ignores ``bold``, ``double-struck``, ``script`` and the rest, so
  ``\\mathbb{R}`` would show a plain R. Those letters are written as the
  Unicode mathematical alphanumeric characters instead (𝐖, ℝ, ℒ), which
  every browser and the math font show.
* Chromium ignores ``columnalign``, ``columnspacing`` and ``rowspacing``
  on ``<mtable>`` (MathML Core lays a table's cells out with CSS), so an
  ``aligned`` block would be centred column by column: :func:`table_layout`
  writes each cell's alignment and spacing as its CSS.
* KaTeX separates ``\\log`` from its argument with U+2061 (function
  application), for which MathML Core's operator dictionary has no space;
  TeX puts a thin space there unless a bracket follows, and so does
  :func:`function_spacing`.
* MathML Core spaces every ``<mo>`` after the first of a row as a binary
  operator; :func:`unary_signs` takes the space off a sign TeX reads as unary
  (after ``=``, an opening bracket, or at the start of a row).
* The math font is shipped as a subset (see :mod:`.math_font`): the
  characters a page's MathML holds, read by :func:`math_characters`.
"""
from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "MarkedTex",
    "MathmlOutputError",
    "mark_html_data",
    "restore_html_data",
    "unicode_variants",
    "table_layout",
    "function_spacing",
    "unary_signs",
    "for_browsers",
    "math_characters",
]

#: The URL prefix of the markers; a formula may not use it itself.
MARKER_PREFIX = "katex-data-"


class MathmlOutputError(ValueError):
    """A formula whose MathML cannot carry what its TeX asks for (said in the message)."""


@dataclass(frozen=True)
class MarkedTex:
    """A formula's TeX with each ``\\htmlData`` replaced by a marker, and the attributes of each marker."""

    tex: str
    attributes: tuple[dict[str, str], ...]


# \htmlData's first argument: a brace group in which `{,}` (an escaped comma) is the only group KaTeX reads.
_HTML_DATA = re.compile(r"\\htmlData\s*\{((?:[^{}]|\{,\})*)\}")
_KEY = re.compile(r"[A-Za-z0-9_-]+")


def mark_html_data(tex: str) -> MarkedTex:
    """``tex`` with every ``\\htmlData{pairs}`` turned into ``\\href{katex-data-N}``; the pairs of each N."""
    if MARKER_PREFIX in tex:
        raise MathmlOutputError(f"'{MARKER_PREFIX}' is reserved on this site (it marks \\htmlData for MathML output)")
    found: list[dict[str, str]] = []

    def marker(match: re.Match[str]) -> str:
        found.append(_data_pairs(match.group(1)))
        return f"\\href{{{MARKER_PREFIX}{len(found) - 1}}}"

    marked = _HTML_DATA.sub(marker, tex)
    if "\\htmlData" in marked:
        raise MathmlOutputError("\\htmlData's first argument must be key=value pairs in one brace group, e.g. \\htmlData{snippet=a.py,value=x}{1.0}")
    return MarkedTex(marked, tuple(found))


def _data_pairs(argument: str) -> dict[str, str]:
    """KaTeX's reading of \\htmlData's argument: pairs split at commas (`{,}` is a comma), key and value at the first `=`."""
    pairs: dict[str, str] = {}
    for item in re.split(r"(?<!\{),(?!\})", argument):
        key, equals, value = item.replace("{,}", ",").partition("=")
        key = key.strip()
        if not equals or not _KEY.fullmatch(key):
            raise MathmlOutputError(f"\\htmlData{{{argument}}}: '{item}' is not a key=value pair with a key of letters, digits, '-' or '_'")
        pairs[key] = value.strip()
    return pairs


_MARKER_ATTRIBUTE = re.compile(r' href="' + re.escape(MARKER_PREFIX) + r'(\d+)"')
_ANNOTATION = re.compile(r'(<annotation encoding="application/x-tex">)(.*?)(</annotation>)', re.DOTALL)


def restore_html_data(mathml: str, marked: MarkedTex, original_tex: str) -> str:
    """KaTeX's MathML of ``marked.tex`` with each marker's attributes in its place and ``original_tex`` in the annotation."""
    placed: list[int] = []

    def attributes(match: re.Match[str]) -> str:
        index = int(match.group(1))
        if index >= len(marked.attributes):
            raise MathmlOutputError(f"KaTeX's MathML holds a marker ({MARKER_PREFIX}{index}) the formula does not")
        placed.append(index)
        return "".join(f' data-{key}="{html.escape(value)}"' for key, value in marked.attributes[index].items())

    restored = _MARKER_ATTRIBUTE.sub(attributes, mathml)
    if sorted(placed) != list(range(len(marked.attributes))):
        raise MathmlOutputError("KaTeX's MathML lost an \\htmlData (its body may be empty): each must mark something shown")
    return _ANNOTATION.sub(lambda m: m.group(1) + html.escape(original_tex, quote=False) + m.group(3), restored, count=1)


# mathvariant values MathML Core leaves to the font, by the word Unicode's character names use for them.
_VARIANT_NAMES = {
    "bold": "BOLD",
    "italic": "ITALIC",
    "bold-italic": "BOLD ITALIC",
    "double-struck": "DOUBLE-STRUCK",
    "script": "SCRIPT",
    "bold-script": "BOLD SCRIPT",
    "fraktur": "FRAKTUR",
    "bold-fraktur": "BOLD FRAKTUR",
    "sans-serif": "SANS-SERIF",
    "bold-sans-serif": "SANS-SERIF BOLD",
    "sans-serif-italic": "SANS-SERIF ITALIC",
    "sans-serif-bold-italic": "SANS-SERIF BOLD ITALIC",
    "monospace": "MONOSPACE",
}
_TOKEN = re.compile(r'<(mi|mn|mtext)((?: [a-z-]+="[^"]*")*?) mathvariant="([a-z-]+)"((?: [a-z-]+="[^"]*")*)>([^<]*)</\1>')


def unicode_variants(mathml: str) -> str:
    """Tokens with a ``mathvariant`` MathML Core ignores, written in Unicode's mathematical alphanumerics instead.

    A character with no such form (a digit in script, a space) is kept as it
    is. A single letter in ``<mi>`` keeps ``mathvariant="normal"`` so that the
    browser does not make it italic on top.
    """

    def replace(match: re.Match[str]) -> str:
        tag, before, variant, after, text = match.groups()
        words = _VARIANT_NAMES.get(variant)
        if words is None:
            return match.group(0)
        styled = "".join(_styled(character, words) for character in html.unescape(text))
        keep = ' mathvariant="normal"' if tag == "mi" and len(styled) == 1 else ""
        return f"<{tag}{before}{keep}{after}>{html.escape(styled, quote=False)}</{tag}>"

    return _TOKEN.sub(replace, mathml)


def _styled(character: str, words: str) -> str:
    """``character`` in the mathematical alphanumeric style ``words`` (e.g. "BOLD"), or itself if it has none."""
    try:
        name = unicodedata.name(character)
    except ValueError:
        return character
    kind = re.fullmatch(r"(LATIN|GREEK) (CAPITAL|SMALL) LETTER (\w+)|DIGIT (\w+)", name)
    if kind is None:
        return character
    if kind.group(4):
        candidates = [f"MATHEMATICAL {words} DIGIT {kind.group(4)}"]
    else:
        case, letter = kind.group(2), kind.group(3)
        # Letters Unicode had before the mathematical block keep their old code points (ℝ, ℒ, ℌ...).
        candidates = [f"MATHEMATICAL {words} {case} {letter}", f"{words} {case} {letter}", f"BLACK-LETTER {case} {letter}" if "FRAKTUR" in words else ""]
    for candidate in filter(None, candidates):
        try:
            return unicodedata.lookup(candidate)
        except KeyError:
            continue
    return character


_TABLE_TAGS = re.compile(r"<(/?)(mtable|mtr|mtd)\b([^>]*)>")


@dataclass
class _Table:
    aligns: list[str]
    spacings: list[str]
    row_padding: str
    column: int = 0


def table_layout(mathml: str) -> str:
    """Each ``<mtd>`` given, as CSS, the alignment and spacing its ``<mtable>`` asks for in attributes Chromium ignores.

    MathML's lists repeat their last value; a column spacing is split in
    halves over the two cells it separates, and the outer edges get none.
    """
    if "<mtable" not in mathml:
        return mathml
    tables: list[_Table] = []
    parts, position = [], 0
    for tag in _TABLE_TAGS.finditer(mathml):
        closing, name, attributes = tag.groups()
        if name == "mtable" and closing:
            tables.pop()
        elif name == "mtable":
            rows = _listed(attributes, "rowspacing")
            tables.append(_Table(_listed(attributes, "columnalign") or ["center"], _listed(attributes, "columnspacing") or ["0.8em"], _half(rows[0]) if rows else "0.5ex"))
        elif name == "mtr" and not closing and tables:
            tables[-1].column = 0
        elif name == "mtd" and not closing and tables and "style=" not in attributes:
            table, index = tables[-1], tables[-1].column
            table.column += 1
            left = _half(_nth(table.spacings, index - 1)) if index > 0 else "0"
            style = f"text-align: {_nth(table.aligns, index)}; padding: {table.row_padding} {_half(_nth(table.spacings, index))} {table.row_padding} {left}"
            parts += [mathml[position : tag.start()], f'<mtd{attributes} style="{style}">']
            position = tag.end()
    return "".join(parts) + mathml[position:]


def _nth(values: list[str], index: int) -> str:
    return values[min(index, len(values) - 1)]


def _listed(attributes: str, name: str) -> list[str]:
    found = re.search(f'{name}="([^"]*)"', attributes)
    return found.group(1).split() if found else []


def _half(length: str) -> str:
    """Half of a CSS length such as ``1em`` or ``0.25em`` (MathML's spacing is split over the two cells it separates)."""
    number = re.fullmatch(r"(\d*\.?\d+)([a-z%]*)", length)
    if number is None:
        return length
    half = float(number.group(1)) / 2
    return f"{half:g}{number.group(2)}" if half else "0"


_FUNCTION_APPLICATION = re.compile("<mo>\u2061</mo>(?!(?:<mrow>)*<mo[^>]*>[(\\[{|\u27e8\u2016])")


def function_spacing(mathml: str) -> str:
    """A thin space after the function application of ``\\log`` and friends, unless a bracket follows (as TeX spaces them)."""
    return _FUNCTION_APPLICATION.sub('<mo lspace="0" rspace="0.1667em">\u2061</mo>', mathml)


_SIGN = re.compile("<mo>([\u2212+\u00b1\u2213])</mo>")
_PREVIOUS_OPERATOR = re.compile(r"<mo(?: [^>]*)?>([^<]*)</mo>$")
_CLOSING = set(")]}|\u27e9\u2016\u230b\u2309")


def unary_signs(mathml: str) -> str:
    """A sign that starts a row or follows an operator other than a closing bracket spaced as TeX spaces a unary sign: not at all.

    MathML Core gives an ``<mo>`` that is not first in its row the spacing of a
    binary operator, so ``= -\\sum`` would show a gap between the minus and the sum.
    """

    def sign(match: re.Match[str]) -> str:
        before = mathml[max(0, match.start() - 200) : match.start()]
        previous = _PREVIOUS_OPERATOR.search(before)
        opening = re.search(r"<m[a-z]+(?: [^>]*)?(?<!/)>$", before) is not None
        if opening or (previous is not None and html.unescape(previous.group(1)) not in _CLOSING):
            return f'<mo lspace="0" rspace="0">{match.group(1)}</mo>'
        return match.group(0)

    return _SIGN.sub(sign, mathml)


def for_browsers(mathml: str) -> str:
    """KaTeX's MathML with what MathML Core leaves out written so that Chromium, Firefox and Safari show it alike."""
    return unary_signs(function_spacing(table_layout(unicode_variants(mathml))))


_TEXT = re.compile(r">([^<]+)<")
_SINGLE_MI = re.compile(r"<mi(?: (?!mathvariant)[a-z-]+=\"[^\"]*\")*>([^<])</mi>")


def math_characters(mathml: str) -> set[str]:
    """The characters a formula's MathML shows, with the italic forms the browser gives single-letter ``<mi>``."""
    shown = _ANNOTATION.sub("", mathml)
    characters = {character for text in _TEXT.findall(shown) for character in html.unescape(text)}
    for letter in _SINGLE_MI.findall(shown):
        characters.add(_styled(html.unescape(letter), "ITALIC") if letter != "h" else "\u210e")
    return {character for character in characters if not character.isspace()}
