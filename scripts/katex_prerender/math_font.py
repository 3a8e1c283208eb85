"""The math font of MathML-only output: an OpenType MATH font, cut down to the characters the site shows.

Browsers lay MathML out with the parameters and glyph variants of the font's
MATH table (fraction rules, script shifts, stretchy brackets), so the font
must have one; KaTeX's own fonts do not. Phones often have no math font at all,
so the site ships one: STIX Two Math from the ``@fontsource/stix-two-math``
npm package, 403 KB as woff2 for 4,600 characters. The site's formulas use
about 150 of them, so the font is subset with fontTools (the MATH table's
variants and assemblies follow the characters kept) to a few tens of KB.

A subset is kept in the cache folder under the digest of the source font and
the characters, so a build whose formulas show no new character subsets nothing.
"""
from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

__all__ = ["MathFont", "MathFontError", "STYLESHEET", "install_math_font", "font_css"]

#: The stylesheet written beside the font, relative to the assets folder.
STYLESHEET = "math.css"


#: The size of math relative to the text around it.
MATH_SCALE = "1.15em"

#: Subsets kept in the cache folder.
SUBSETS_KEPT = 6


class MathFontError(RuntimeError):
    """The math font is missing or unusable (said in the message, with the fix)."""


@dataclass(frozen=True)
class MathFont:
    """A woff2 font file with a MATH table, and the family name the stylesheet gives its subset."""

    source: Path
    family: str

    def check(self) -> None:
        if not self.source.is_file():
            raise MathFontError(f"the math font {self.source} is missing; run `npm ci` (or `make setup`) in the site's folder")


def font_css(family: str, font_file: str) -> str:
    """The stylesheet that makes every ``<math>`` use the subset (and the reader's math font for anything it lacks)."""
    return (
        "/* The site's math font: a subset of the font named below (katex_prerender/math_font.py). */\n"
        f'@font-face {{ font-family: "{family}"; src: url("{font_file}") format("woff2"); font-display: swap; }}\n'
        # STIX Two at the text's size looks a size smaller than the site's Roboto, as KaTeX's fonts do
        # (KaTeX's stylesheet sets 1.21em); this matches the height of lower-case letters.
        f'math {{ font-family: "{family}", math; font-size: {MATH_SCALE}; }}\n'
    )


def install_math_font(dest: Path, font: MathFont, characters: set[str], cache_dir: Path | None) -> list[Path]:
    """Write ``dest/math.css`` and the subset of ``font`` holding ``characters`` (named by its digest); return the files."""
    font.check()
    subset = _cached_subset(font.source, characters, cache_dir)
    name = f"math-{hashlib.sha256(subset).hexdigest()[:12]}.woff2"
    dest.mkdir(parents=True, exist_ok=True)
    for old in dest.glob("math-*.woff2"):
        if old.name != name:
            old.unlink()
    (dest / name).write_bytes(subset)
    (dest / STYLESHEET).write_text(font_css(f"{font.family} (site subset)", name), encoding="utf-8")
    written = [dest / name, dest / STYLESHEET]
    licence = font.source.parent.parent / "LICENSE"
    if licence.is_file():
        shutil.copyfile(licence, dest / "math-font-LICENSE")
        written.append(dest / "math-font-LICENSE")
    return written


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
