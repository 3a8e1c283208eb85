"""MathML-only output: two spacing fixes to Temml's MathML, and the characters the math font must hold.

With ``output: mathml`` each formula is Temml's MathML (see katex_server.mjs),
laid out by the browser. Temml spaces almost everything as TeX does; two cases
it leaves to the browser, which MathML Core spaces otherwise, are fixed here
(:func:`for_browsers`, applied to every formula Temml renders):

* an operator name after an ordinary symbol (``p_j \\log q_j``): TeX puts a thin
  space before ``log``; Temml only after it;
* ``\\bigl(`` and its kin: Temml writes them without a ``form``, and an ``<mo>``
  that is not first in its row is read as infix, for which MathML Core's
  operator dictionary has no bracket, so it gets the default operator space on
  both sides (``\\sum \\bigl(`` shows a gap). Opening brackets are marked
  prefix and closing ones postfix, whose dictionary entries have no space, and
  a sign just inside an opening one is unary (Temml does this after ``(``).

The math font is cut down to the characters the formulas show
(:mod:`.math_font`): the text of the MathML's token elements, less the TeX
annotation (never shown), plus the forms the browser substitutes: MathML Core
shows a single-letter ``<mi>`` in italic by mapping it to Unicode's
mathematical italic (x to 𝑥, ∂ to 𝜕), so the subset needs those code points
rather than the letter typed.
"""
from __future__ import annotations

import html
import re
import unicodedata

__all__ = ["for_browsers", "operator_name_spacing", "big_bracket_forms", "math_characters", "italic_form"]

THIN_SPACE = '<mspace width="0.1667em"></mspace>'

# An operator name (two letters or more) that Temml marks with U+2061 FUNCTION APPLICATION, after at most a
# script of plain tokens (\max_k): the opening tags just before it belong to its group.
_OPERATOR_NAME = re.compile(
    r"((?:<(?:mrow|msub|msup|munder)>)*)<mi>[A-Za-z]{2,}</mi>"
    r"(?=(?:</?(?:mrow|msub|msup|munder)>|<mi>[^<]*</mi>|<mn>[^<]*</mn>)*<mo>\u2061</mo>)"
)
# What TeX counts as an ordinary symbol, or an inner or closing one, when it ends just before the name.
_ENDS_ORDINARY = re.compile(r"(?:</(?:mi|mn|mtext|msub|msup|msubsup|mfrac|msqrt|mroot|mover|munder|mrow)>|<mo[^>]*>[)\]}|\u27e9\u230b\u2309]</mo>)$")
_BIG_BRACKET = re.compile(r'<mo fence="true" symmetric="true"( minsize="[^"]*" maxsize="[^"]*")>([^<])</mo>(<mo>[\u2212+\u00b1\u2213]</mo>)?')
_OPENING, _CLOSING = "([{\u27e8\u230a\u2308", ")]}\u27e9\u230b\u2309"


def operator_name_spacing(mathml: str) -> str:
    """A thin space before an operator name that follows an ordinary symbol, as TeX spaces ``p_j \\log q_j``."""

    def spaced(match: re.Match[str]) -> str:
        before = mathml[max(0, match.start() - 120) : match.start()]
        return THIN_SPACE + match.group(0) if _ENDS_ORDINARY.search(before) else match.group(0)

    return _OPERATOR_NAME.sub(spaced, mathml)


def big_bracket_forms(mathml: str) -> str:
    """``\\bigl(``-sized brackets marked prefix or postfix, so that MathML Core gives them a bracket's spacing: none."""

    def formed(match: re.Match[str]) -> str:
        sizes, bracket, sign = match.groups()
        form = "prefix" if bracket in _OPENING else "postfix" if bracket in _CLOSING else ""
        if not form:
            return match.group(0)
        if sign and form == "prefix":  # a sign just inside an opening bracket is unary, as Temml writes it after `(`
            sign = sign.replace("<mo>", '<mo form="prefix" stretchy="false">')
        return f'<mo fence="true" form="{form}" symmetric="true"{sizes}>{bracket}</mo>{sign or ""}'

    return _BIG_BRACKET.sub(formed, mathml)


def for_browsers(mathml: str) -> str:
    """Temml's MathML with the two spacings MathML Core gets wrong written out."""
    return big_bracket_forms(operator_name_spacing(mathml))

_ANNOTATION = re.compile(r"<annotation\b[^>]*>.*?</annotation>", re.DOTALL)
_TEXT = re.compile(r">([^<]+)<")
_SINGLE_MI = re.compile(r'<mi(?: (?!mathvariant)[a-z-]+="[^"]*")*>([^<]|&[a-z]+;|&#x?[0-9a-fA-F]+;)</mi>')


def italic_form(character: str) -> str:
    """The mathematical italic form MathML Core shows for ``character`` in a single-letter ``<mi>``, or ``character``."""
    if character == "h":
        return "\u210e"  # PLANCK CONSTANT: Unicode's italic h, outside the mathematical block
    try:
        name = unicodedata.name(character)
    except ValueError:
        return character
    # LATIN SMALL LETTER X -> MATHEMATICAL ITALIC SMALL X; GREEK THETA SYMBOL -> MATHEMATICAL ITALIC THETA SYMBOL;
    # PARTIAL DIFFERENTIAL -> MATHEMATICAL ITALIC PARTIAL DIFFERENTIAL.
    plain = re.sub(r"^(?:LATIN|GREEK) ", "", name).replace(" LETTER ", " ")
    try:
        return unicodedata.lookup(f"MATHEMATICAL ITALIC {plain}")
    except KeyError:
        return character


def math_characters(mathml: str) -> set[str]:
    """The characters a formula's MathML shows, with the italic forms the browser gives single-letter ``<mi>``."""
    shown = _ANNOTATION.sub("", mathml)
    characters = {character for text in _TEXT.findall(shown) for character in html.unescape(text)}
    characters |= {italic_form(html.unescape(letter)) for letter in _SINGLE_MI.findall(shown)}
    return {character for character in characters if not character.isspace()}
