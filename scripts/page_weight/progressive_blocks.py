"""The article's blocks laid out a few at a time after the page loads, not all in one long task.

A phone lays out the longest article (about 8,000 elements) in one piece:
Chromium's trace (4x CPU throttling) shows Material's script, which reads the
scroll position as it starts, forcing a style and layout of everything parsed
so far, about 450 ms of main thread in one task, and Lighthouse's phone preset
counts most of it as Total Blocking Time. Here every top-level block of the
article except headings and lists starts as `content-visibility: auto`, so
the browser lays out only what is on the screen; once the page has loaded,
`progressive-blocks.js` marks the blocks as shown a few at a time, each batch
laid out in a task of about 10 ms, until the whole article is laid out
(`data-blocks-rendered` on `<html>` then says so).

Why it is undone rather than left on: Chromium leaves content skipped by
`content-visibility` out of its accessibility tree, so a screen reader would
not reach most bound values and their origin (what made the project take
content-visibility out before, README "Page budget"). Undone a batch at a time,
the whole article is in the tree about a second after load on a phone, and
headings, which are never skipped, can be navigated at once. Lists stay as
they are (Lighthouse's contrast check misread a formula in a skipped list).
A page opened at an anchor is scrolled to it again when the last batch is
laid out, unless the reader has moved since (Safari keeps no scroll anchor
while the blocks above grow). Without JavaScript nothing is skipped: the rule
follows a class that an inline script in the head sets.
"""
from __future__ import annotations

from pathlib import Path

from .site_files import write_asset

SCRIPT_NAME = "assets/page-weight/progressive-blocks.js"
SCRIPT_SOURCE = Path(__file__).with_name("progressive-blocks.js")
ROOT_CLASS = "pw-progressive"
SHOWN_CLASS = "pw-shown"
SKIPPED_BLOCKS = f".{ROOT_CLASS} .md-content__inner > :not(h1, h2, h3, h4, h5, h6, ul, ol, .{SHOWN_CLASS})"
HEAD_MARKUP = (
    f'<script>document.documentElement.classList.add("{ROOT_CLASS}")</script>'
    f"<style>{SKIPPED_BLOCKS} {{ content-visibility: auto; contain-intrinsic-size: auto 8em }}</style>"
)


def declare(html: str) -> str:
    """`html` with the class and the rule at the end of its head (unchanged without an article or with them already)."""
    end = html.find("</head>")
    if end < 0 or 'class="md-content__inner' not in html or HEAD_MARKUP in html[:end]:
        return html
    return html[:end] + HEAD_MARKUP + html[end:]


def write_script(site_dir: Path) -> Path:
    return write_asset(site_dir, SCRIPT_NAME, SCRIPT_SOURCE)

