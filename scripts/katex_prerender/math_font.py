"""The math font of MathML-only output: an OpenType MATH font, cut down to the characters the site shows.

Browsers lay MathML out with the parameters and glyph variants of the font's
MATH table (fraction rules, script shifts, stretchy brackets), so the font
must have one; KaTeX's own fonts do not. Phones often have no math font at all,
so the site ships one: STIX Two Math from the ``@fontsource/stix-two-math``
npm package, 403 KB as woff2 for 4,600 characters. The site's formulas use
about 150 of them, so the font is subset with fontTools (the MATH table's
variants and assemblies follow the characters kept) to a few tens of KB.

The stylesheet is Temml's own for STIX Two (``temml/dist/Temml-STIX2.css``),
whose rules the MathML Temml writes relies on, with its ``@font-face``
pointed at the subset.

A subset is kept in the cache folder under the digest of the source font and
the characters, so a build whose formulas show no new character subsets nothing.

The subset has a fixed name in the site (``math.woff2``), not one with its
digest: every page with math preloads it (see :func:`preload_link`), and the
pages are written before the last build of a two-language site knows every
character, hence the digest. Without the preload the font arrived after the
page's first layout and the lines holding inline math moved as it swapped in
(Lighthouse's desktop layout shift, 0.062). The site's own stylesheets and
scripts are not digest-named either.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

__all__ = ["FONT_FILE", "MathFont", "MathFontError", "STYLESHEET", "install_math_font", "math_css", "preload_link"]

#: The stylesheet written beside the font, relative to the assets folder.
STYLESHEET = "math.css"

#: The subset, beside the stylesheet.
FONT_FILE = "math.woff2"

#: The size of math relative to the text around it.
MATH_SCALE = "1.15em"

#: Subsets kept in the cache folder.
SUBSETS_KEPT = 6

_FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}")
_FAMILY = re.compile(r"font-family\s*:\s*([^;}]+)")
_URL = re.compile(r"""url\(\s*['"]?([^'")]*)""")
_DATA_URL = re.compile(r"""url\(\s*(?:"data:[^"]*"|'data:[^']*'|data:[^)]*)\s*\)""")


class MathFontError(RuntimeError):
    """The math font or its stylesheet is missing or unusable (said in the message, with the fix)."""


@dataclass(frozen=True)
class MathFont:
    """A woff2 font file with a MATH table, and Temml's stylesheet for it (whose ``@font-face`` names the family)."""

    source: Path
    stylesheet: Path

    def check(self) -> None:
        for path in (self.source, self.stylesheet):
            if not path.is_file():
                raise MathFontError(f"{path} is missing; run `npm ci` (or `make setup`) in the site's folder")


def math_css(stylesheet: str, font_file: str, origin: str = "") -> str:
    """Temml's stylesheet with its one ``@font-face`` pointed at the subset, and math scaled to the text.

    Temml's rules (cell alignment in ``aligned``, script alternates, crossed-out
    and boxed expressions) are kept as they are; a stylesheet with no
    ``@font-face``, or one that loads any other file, is an error.
    """
    faces = _FONT_FACE.findall(stylesheet)
    family = _FAMILY.search(faces[0]) if len(faces) == 1 else None
    if family is None:
        raise MathFontError(f"{origin or 'the math stylesheet'} should hold exactly one @font-face naming a font-family; it holds {len(faces)}")
    rest = _FONT_FACE.sub("", stylesheet)
    files = _URL.findall(_DATA_URL.sub("", rest))  # a data: URL (an SVG mask) may hold url(#id) references of its own
    if files:
        raise MathFontError(f"{origin or 'the math stylesheet'} loads {files[0]!r}, which the site does not ship")
    face = f'@font-face {{ font-family: {family.group(1).strip()}; src: url("{font_file}") format("woff2"); font-display: swap; }}'
    return (
        f"/* {origin or 'Temml'} (MIT, see temml-LICENSE), its @font-face pointed at the site's subset of the math font\n"
        " * (math-font-LICENSE); written by katex_prerender/math_font.py. */\n"
        + face
        + "\n"
        + rest.strip()
        # STIX Two at the text's size looks a size smaller than the site's Roboto, as KaTeX's fonts
        # did (KaTeX's stylesheet sets 1.21em); this matches the height of lower-case letters.
        + f"\nmath {{ font-size: {MATH_SCALE}; }}\n"
    )


def install_math_font(dest: Path, font: MathFont, characters: set[str], cache_dir: Path | None) -> list[Path]:
    """Write ``dest/math.css`` and the subset of ``font`` holding ``characters`` (named by its digest); return the files."""
    font.check()
    origin = "/".join(font.stylesheet.parts[-3:])
    css = math_css(font.stylesheet.read_text(encoding="utf-8"), "\0", origin)  # a bad stylesheet fails before any subsetting
    subset = _cached_subset(font.source, characters, cache_dir)
    css = css.replace("\0", FONT_FILE)
    dest.mkdir(parents=True, exist_ok=True)
    for old in dest.glob("math-*.woff2"):  # digest-named subsets of earlier versions
        old.unlink()
    (dest / FONT_FILE).write_bytes(subset)
    (dest / STYLESHEET).write_text(css, encoding="utf-8")
    written = [dest / FONT_FILE, dest / STYLESHEET]
    for licence, copy in ((font.source.parent.parent / "LICENSE", "math-font-LICENSE"), (font.stylesheet.parent.parent / "LICENSE", "temml-LICENSE")):
        if licence.is_file():
            shutil.copyfile(licence, dest / copy)
            written.append(dest / copy)
    return written


def preload_link(font_url: str) -> str:
    """The ``<link>`` that starts loading the math font with the page's stylesheets, before any layout."""
    # crossorigin: fonts are fetched in CORS mode, and a preload in another mode would be fetched twice.
    return f'<link rel="preload" href="{font_url}" as="font" type="font/woff2" crossorigin>'


def with_preload(html: str, link: str) -> str:
    """``html`` with ``link`` before its first stylesheet (or at the end of its head); unchanged without a head."""
    head_end = html.find("</head>")
    if head_end < 0 or link in html[:head_end]:
        return html
    first_stylesheet = html.find('<link rel="stylesheet"', 0, head_end)
    at = first_stylesheet if first_stylesheet >= 0 else head_end
    return html[:at] + link + html[at:]


def _cached_subset(source: Path, characters: set[str], cache_dir: Path | None) -> bytes:
    import fontTools

    data = source.read_bytes()
    key = hashlib.sha256(data + "".join(sorted(characters)).encode("utf-8", "surrogatepass") + fontTools.version.encode()).hexdigest()
    cached = cache_dir / f"math-font-{key[:24]}.woff2" if cache_dir is not None else None
    if cached is not None and cached.is_file():
        return cached.read_bytes()
    subset = _subset(source, characters)
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        # A few are kept: a site in two languages writes one subset after the first language's build and another after both.
        for old in sorted(cached.parent.glob("math-font-*.woff2"), key=lambda path: path.stat().st_mtime)[:-(SUBSETS_KEPT - 1)]:
            old.unlink(missing_ok=True)
        temporary = cached.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(subset)
        temporary.replace(cached)
    return subset


def _subset(source: Path, characters: set[str]) -> bytes:
    from fontTools import subset

    options = subset.Options()
    options.flavor = "woff2"
    # Every feature: the browser uses 'ssty' for scripts and the MATH table's own variants for
    # stretchy brackets; the glyphs those reach are kept with the characters.
    options.layout_features = ["*"]
    options.name_IDs = ["*"]  # the copyright and licence records travel with the font
    options.hinting = False
    try:
        font = subset.load_font(str(source), options)
    except Exception as err:  # fontTools raises many kinds (TTLibError, ImportError for brotli, struct.error)
        raise MathFontError(f"cannot read the math font {source}: {err}") from None
    if "MATH" not in font:
        raise MathFontError(f"{source} has no MATH table, so browsers cannot lay out MathML with it; choose an OpenType math font")
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(ord(character) for character in characters))
    subsetter.subset(font)
    from io import BytesIO

    out = BytesIO()
    subset.save_font(font, out, options)
    return out.getvalue()
