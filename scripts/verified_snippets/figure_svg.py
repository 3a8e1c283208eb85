"""A figure's SVG as the site keeps it: deterministic, small, in the page's palette and fonts.

matplotlib writes an SVG (with `svg.fonttype: none`, so text stays text) that
`normalise` turns into the committed file:

* nothing that changes from run to run or machine to machine: no metadata
  (date, software version), no comments, and ids renumbered in document
  order under a prefix of the figure's own (ids nothing refers to are
  dropped), so two figures inlined in one page never share an id and the
  salt of matplotlib's hashed ids does not matter;
* small: coordinates rounded to 0.01 of a unit (a hundredth of a point,
  far below a pixel) and path data written compactly; a float32 difference
  of a few ulp between CPUs then rarely changes a byte;
* themeable: matplotlib's black becomes `currentColor`, its white the page
  background, and its default colour cycle (`C0`..`C9`) and greys CSS
  variables (`--snippet-figure-c0`, ...) that the plugin's stylesheet sets for
  the light and the dark palette; each variable falls back to a colour that
  reads on white, so the file on its own (GitHub, a notebook) still looks
  right. The global `*{...}` stylesheet matplotlib puts in the file (it would
  restyle the whole page once inlined) becomes the root's own style;
* in the page's fonts: font-family is dropped from every text, and the root
  asks for `--snippet-figure-font` (the stylesheet points it at the page's
  text font), sans-serif on its own.

`translate` swaps the figure's words for a language's (a table per
language that the snippet gives), text node by text node, so the translated
figure has exactly the drawn figure's geometry. Standard library only: the
build reads these files without matplotlib.
"""
from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html import escape

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XLINK_HREF = f"{{{XLINK_NS}}}href"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)

#: matplotlib's colours, as it writes them, and what the page shows instead (fallbacks read on white).
THEME_COLOURS = {
    "#000000": "currentColor",
    "#ffffff": "var(--snippet-figure-bg, #ffffff)",
    # tab10, matplotlib's default cycle; the fallbacks are darkened where tab10 gives under 4.5:1 on white.
    "#1f77b4": "var(--snippet-figure-c0, #1f77b4)",
    "#ff7f0e": "var(--snippet-figure-c1, #bb5800)",
    "#2ca02c": "var(--snippet-figure-c2, #258625)",
    "#d62728": "var(--snippet-figure-c3, #d62728)",
    "#9467bd": "var(--snippet-figure-c4, #8f60ba)",
    "#8c564b": "var(--snippet-figure-c5, #8c564b)",
    "#e377c2": "var(--snippet-figure-c6, #d12b9e)",
    "#7f7f7f": "var(--snippet-figure-c7, #757575)",
    "#bcbd22": "var(--snippet-figure-c8, #777816)",
    "#17becf": "var(--snippet-figure-c9, #10818c)",
    # Grid lines and the legend's frame.
    "#b0b0b0": "var(--snippet-figure-muted, #757575)",
    "#cccccc": "var(--snippet-figure-muted, #757575)",
}
COLOUR_PROPERTIES = ("fill", "stroke", "stop-color")
ROOT_STYLE = {"font-family": "var(--snippet-figure-font, sans-serif)", "fill": "currentColor"}
#: Attributes whose numbers are coordinates, rounded to PRECISION decimals.
GEOMETRY = ("d", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "width", "height", "points", "transform")
PRECISION = 2
NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
PATH_TOKEN = re.compile(r"[A-Za-z]|" + NUMBER.pattern)
REFERENCE = re.compile(r"url\(#([^)]+)\)")
ZERO_ROTATION = re.compile(r"^rotate\(-?0(?:\.0*)? [-\d.e]+ [-\d.e]+\)$")


class FigureSvgError(ValueError):
    """Not an SVG this module can read (the message says what is wrong)."""


def _tag(element: ET.Element) -> str:
    return element.tag.rpartition("}")[2]


def _parse(svg: str) -> ET.Element:
    try:
        root = ET.fromstring(svg.encode("utf-8"))
    except ET.ParseError as error:
        raise FigureSvgError(f"not well-formed SVG: {error}") from None
    if _tag(root) != "svg":
        raise FigureSvgError(f"the root element is <{_tag(root)}>, not <svg>")
    return root


def _serialise(root: ET.Element) -> str:
    ET.indent(root, space="")  # one element per line: a changed point is a readable diff
    return ET.tostring(root, encoding="unicode") + "\n"


def _style(text: str) -> dict[str, str]:
    declarations = {}
    for item in text.split(";"):
        name, colon, value = item.partition(":")
        if colon and name.strip():
            declarations[name.strip()] = value.strip()
    return declarations


def _style_text(declarations: dict[str, str]) -> str:
    return "; ".join(f"{name}: {value}" for name, value in declarations.items())


def _round(match: re.Match) -> str:
    value = round(float(match.group(0)), PRECISION)
    text = f"{value:.{PRECISION}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _compact_path(d: str) -> str:
    """`M 0 252 \\nL 432 252 \\nz` -> `M0 252L432 252z`, numbers rounded."""
    out: list[str] = []
    previous_was_number = False
    for token in PATH_TOKEN.findall(d):
        if token.isalpha():
            out.append(token)
            previous_was_number = False
            continue
        number = NUMBER.sub(_round, token)
        if previous_was_number and not number.startswith("-"):
            out.append(" ")
        out.append(number)
        previous_was_number = True
    return "".join(out)


def _geometry(name: str, value: str) -> str:
    if name == "d":
        return _compact_path(value)
    return NUMBER.sub(_round, value)


def _theme_style(text: str) -> str:
    declarations = _style(text)
    declarations.pop("font-family", None)  # the page's font, from the root
    for name in COLOUR_PROPERTIES:
        colour = declarations.get(name, "").lower()
        if colour in THEME_COLOURS:
            declarations[name] = THEME_COLOURS[colour]
    return _style_text(declarations)


def _root_style(root: ET.Element) -> dict[str, str]:
    """matplotlib's `<style>*{...}</style>` declarations, lifted onto the root, and the page's font and colour.

    Stroke joins and caps inherit in SVG, so on the root they mean what `*` meant, without
    reaching outside the figure once it is inlined into a page.
    """
    declarations = {**ROOT_STYLE, **_style(root.get("style", ""))}
    for defs in [e for e in root if _tag(e) == "defs"]:
        for style in [e for e in defs if _tag(e) == "style"]:
            for rule in re.findall(r"\*\s*\{([^}]*)\}", style.text or ""):
                declarations.update(_style(rule))
            defs.remove(style)
        if len(defs) == 0:
            root.remove(defs)
    return declarations


def _referenced_ids(root: ET.Element) -> list[str]:
    """Ids something points at (href="#id", url(#id)), in document order of the references."""
    found: list[str] = []
    for element in root.iter():
        for name, value in element.attrib.items():
            if name in (XLINK_HREF, "href") and value.startswith("#"):
                found.append(value[1:])
            else:
                found.extend(REFERENCE.findall(value))
    return list(dict.fromkeys(found))


def _renumber_ids(root: ET.Element, prefix: str) -> None:
    referenced = _referenced_ids(root)
    owners = [e.get("id") for e in root.iter() if e.get("id") in referenced]
    new = {old: f"{prefix}-{n}" for n, old in enumerate(dict.fromkeys(owners), start=1)}
    for element in root.iter():
        if "id" in element.attrib:
            if element.attrib["id"] in new:
                element.attrib["id"] = new[element.attrib["id"]]
            else:
                del element.attrib["id"]
        for name, value in list(element.attrib.items()):
            if name in (XLINK_HREF, "href") and value.startswith("#") and value[1:] in new:
                element.attrib[name] = "#" + new[value[1:]]
            elif "url(#" in value:
                element.attrib[name] = REFERENCE.sub(lambda m: f"url(#{new.get(m.group(1), m.group(1))})", value)


def normalise(svg: str, id_prefix: str) -> str:
    """matplotlib's SVG as the site stores it (see the module's docstring).

    `id_prefix`: unique on a page, e.g. the snippet's and the figure's names.
    Normalising a normalised SVG again changes nothing.
    """
    if not re.fullmatch(r"[A-Za-z][-\w]*", id_prefix):
        raise ValueError(f"id prefix {id_prefix!r} must start with a letter and hold only letters, digits, - and _")
    root = _parse(svg)
    for metadata in [e for e in root if _tag(e) == "metadata"]:
        root.remove(metadata)
    root_style = _root_style(root)
    _renumber_ids(root, id_prefix)
    for element in root.iter():
        if element is root:
            continue
        for name, value in list(element.attrib.items()):
            if name == "style":
                element.attrib[name] = _theme_style(value)
            elif name in GEOMETRY:
                element.attrib[name] = _geometry(name, value)
        if _tag(element) == "text" and ZERO_ROTATION.match(element.get("transform", "")):
            del element.attrib["transform"]
    kept: dict[str, str] = {name: NUMBER.sub(_round, root.attrib[name]) for name in ("width", "height", "viewBox") if name in root.attrib}
    root.attrib.clear()
    root.attrib.update(kept)
    root.attrib["style"] = _style_text(root_style)
    _unwrap_plain_groups(root)
    return _serialise(root)


def _unwrap_plain_groups(parent: ET.Element) -> None:
    """Replace each `<g>` without attributes (once its id is gone) by its children."""
    index = 0
    while index < len(parent):
        child = parent[index]
        if _tag(child) == "g" and not child.attrib:
            parent.remove(child)
            for offset, grandchild in enumerate(list(child)):
                parent.insert(index + offset, grandchild)
            continue  # look at what took its place
        _unwrap_plain_groups(child)
        index += 1


# ---------------------------------------------------------------------------- words and translations


def has_words(text: str) -> bool:
    """Whether a text needs translating: it holds a letter outside `$...$` (mathtext)."""
    plain = re.sub(r"\$[^$]*\$", "", text)
    return any(unicodedata.category(ch).startswith("L") for ch in plain)


def _plain_texts(root: ET.Element) -> list[ET.Element]:
    """`<text>` elements holding one plain string (mathtext is set glyph by glyph in <tspan>s)."""
    return [e for e in root.iter() if _tag(e) == "text" and len(e) == 0 and e.text]


def words(svg: str) -> list[str]:
    """The figure's texts that hold words, in document order, each once."""
    root = _parse(svg)
    return list(dict.fromkeys(e.text for e in _plain_texts(root) if e.text and has_words(e.text)))


@dataclass
class Translation:
    svg: str
    untranslated: list[str] = field(default_factory=list)  # texts with words that the table lacks
    unused: list[str] = field(default_factory=list)  # table entries no text of the figure matches


def translate(svg: str, table: dict[str, str]) -> Translation:
    """The figure with each text that `table` names replaced by its translation.

    Keys are whole lines of text as drawn (a multi-line label is one text per line).
    Positions stay: matplotlib anchors each text at its alignment point, so a
    translation of another length stays centred, or left- or right-aligned, as drawn.
    """
    root = _parse(svg)
    untranslated: list[str] = []
    used: set[str] = set()
    for element in _plain_texts(root):
        text = element.text or ""
        if text in table:
            element.text = table[text]
            used.add(text)
        elif has_words(text) and text not in untranslated:
            untranslated.append(text)
    return Translation(_serialise(root), untranslated, [key for key in table if key not in used])


def with_label(svg: str, label: str) -> str:
    """The SVG as an image with an accessible name (`role="img"`, `aria-label`), for inlining."""
    return svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label, quote=True)}" ', 1)
