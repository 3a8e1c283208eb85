"""Material's palette-switching rule, applied when a reader switches the palette, not at every load.

Material sets `data-md-color-switching` on `<body>` around each palette change
so that colours change at once instead of fading: its palette stylesheet turns
every transition off under that attribute (`[data-md-color-switching] *`). It
also does this for the palette it applies while the page loads, and because
the rule matches every element, setting the attribute and removing it again
restyles the whole page twice: on the longest article, two restyles of 15,100
elements, about 1.1 s of a phone's main thread (Chromium's trace, 4x CPU
throttling).

Here the rule is rewritten to follow `data-md-palette-toggled` instead, and
`palette-toggled.js` sets that attribute only when a reader switches the
palette (a `change` of Material's palette input), for two frames, as Material
did. Loading the page sets nothing, so nothing is restyled.
"""
from __future__ import annotations

from pathlib import Path

from .site_files import rewrite_each, write_asset

MATERIAL_ATTRIBUTE = "[data-md-color-switching]"
TOGGLE_ATTRIBUTE = "[data-md-palette-toggled]"
SCRIPT_NAME = "assets/page-weight/palette-toggled.js"
SCRIPT_SOURCE = Path(__file__).with_name("palette-toggled.js")


class PaletteRuleNotFound(Exception):
    """Material's palette stylesheet no longer has the rule (an upgrade changed it)."""


def palette_stylesheets(site_dir: Path) -> list[Path]:
    return sorted((site_dir / "assets" / "stylesheets").glob("palette.*.css"))


def scope_to_toggles(css: str, name: str) -> str:
    """Material's palette CSS with its switching rule following the reader's toggle only."""
    if MATERIAL_ATTRIBUTE not in css:
        if TOGGLE_ATTRIBUTE in css:
            return css  # rewritten by an earlier build into the same site folder
        raise PaletteRuleNotFound(f"{name} has no {MATERIAL_ATTRIBUTE} rule")
    return css.replace(MATERIAL_ATTRIBUTE, TOGGLE_ATTRIBUTE)


def rewrite_site(site_dir: Path) -> list[Path]:
    """Rewrite the site's palette stylesheets and write the toggle script; returns the stylesheets."""
    sheets = palette_stylesheets(site_dir)
    if not sheets:
        raise PaletteRuleNotFound(f"{site_dir}/assets/stylesheets has no palette stylesheet")
    rewrite_each(sheets, scope_to_toggles)
    write_asset(site_dir, SCRIPT_NAME, SCRIPT_SOURCE)
    return sheets
