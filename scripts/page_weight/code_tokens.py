"""Highlighted code without the spans of plain names.

Pygments wraps every name in code (`x`, `torch`, `F`) in `<span class="n">`.
Material colours those with `--md-code-hl-name-color`, which it sets to the
colour of the code itself (`--md-code-fg-color`), so the span changes nothing
a reader sees; on the longest article it was 1,650 of 16,000 elements, each
one restyled and laid out whenever the page is. Unwrapped, the name is plain
text in its line, with the same colour and the same text for copy and search.
A site that gives names their own colour turns this off (`unwrap_name_tokens`).
"""
from __future__ import annotations

import functools
import re

# Pygments escapes the token's text, so a name span holds no markup.
NAME_SPAN = re.compile(r'<span class="n">([^<]*)</span>')


def unwrap_name_tokens(html: str) -> str:
    if '<span class="n">' not in html:
        return html
    return _unwrapped(html)


@functools.lru_cache(maxsize=64)  # a page per language and a few edited versions; each up to a few hundred KB
def _unwrapped(html: str) -> str:
    """Kept by the page's HTML: under `mkdocs serve` every save passes every page through here again."""
    return NAME_SPAN.sub(r"\1", html)
