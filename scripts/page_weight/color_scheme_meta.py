"""The page's colour scheme declared in its HTML, so that Material's script need not declare it while the page loads.

Material's palette script adds a `<meta name="color-scheme">` to the head as the
page loads, then sets its content to the header's computed `color-scheme`.
Chromium restyles every element of the page on each change to that element,
whatever the value: on the longest article, two restyles of 13,700 elements,
about 0.9 s of a phone's main thread (Chromium's trace, 4x CPU throttling).

Here every page declares, in its head, the scheme of the site's first palette
(the one its `<body>` is rendered with), and two edits to Material's bundle
make its script take that element instead of adding a second, and set its
content only when the value differs. A reader whose palette is another (a
saved choice, or a dark system setting) gets Material's update as before,
and so does a reader who toggles the palette.
"""
from __future__ import annotations

import re
from pathlib import Path

from .site_files import BundleCodeNotFound, edit_bundles

# Material's schemes and the `color-scheme` its stylesheets give each
# (tests/test_page_weight.py checks these against the installed Material).
COLOR_SCHEMES = {"default": "light", "slate": "dark"}
META_NAME = "color-scheme"

# Material's minified palette code, with its one-letter names as groups. The
# element is made and appended at once:
_CREATED = re.compile(r'let (\w+)=(\w+)\("meta",\{name:"color-scheme"\}\);document\.head\.appendChild\(\1\);')
# ... and its content set from the header's computed style on every palette
# (`<element>.content=<style>.colorScheme,`, matched with the element's name).
_REUSED = "document.querySelector('meta[name=\"color-scheme\"]')||"


def first_palette_scheme(palette: object) -> str | None:
    """The `color-scheme` of the theme's first palette (Material renders `<body>` with it); None if unknown."""
    entries = palette if isinstance(palette, list) else [palette] if isinstance(palette, dict) else []
    if not entries or not isinstance(entries[0], dict):
        return None
    return COLOR_SCHEMES.get(entries[0].get("scheme", "default"))


def declare(html: str, color_scheme: str) -> str:
    """`html` with `<meta name="color-scheme">` first in its head (unchanged if its head has one)."""
    head = re.search(r"<head>\s*(?:<meta charset=[^>]*>)?", html, flags=re.IGNORECASE)
    if head is None or f'<meta name="{META_NAME}"' in html[: html.find("</head>")]:
        return html
    return f'{html[:head.end()]}<meta name="{META_NAME}" content="{color_scheme}">{html[head.end():]}'


def reuse_declared_scheme(bundle: str, name: str) -> str:
    """Material's bundle taking the page's declared element, and setting it only on a change."""
    if _REUSED in bundle:
        return bundle  # edited by an earlier build into the same site folder
    created = _CREATED.findall(bundle)
    if len(created) != 1:
        raise BundleCodeNotFound(f"{name}: Material's code that adds <meta name=\"color-scheme\"> was found {len(created)} times, not once")
    element, make = created[0]
    assigned = re.compile(rf"(?<![\w.!=]){element}\.content=(\w+)\.colorScheme,")
    edited, count = assigned.subn(rf"{element}.content!==\1.colorScheme&&({element}.content=\1.colorScheme),", bundle)
    if count != 1:
        raise BundleCodeNotFound(f"{name}: Material's code that sets the color-scheme element's content was found {count} times, not once")
    return _CREATED.sub(f'let {element}={_REUSED}document.head.appendChild({make}("meta",{{name:"color-scheme"}}));', edited)


def rewrite_site(site_dir: Path) -> list[Path]:
    """Edit the site's copy of Material's bundle; returns the files edited."""
    return edit_bundles(site_dir, reuse_declared_scheme)
