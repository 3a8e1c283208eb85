"""Code blocks highlighted once per content, not again on every save.

A save under `mkdocs serve` converts the pages it changed again, and on this
site a third of converting an article is Pygments colouring its code blocks
(pymdownx.highlight calls `pygments.highlight` for each one). A prose edit, or
a snippet edit that changes one output block, leaves the other blocks of the
page as they were.

`install()` wraps the `highlight` function that pymdownx.highlight imported
from Pygments, for the life of the process: a call whose code, lexer and
formatter (their classes and every option they were made with) were seen
before gets the same HTML back. Pygments' result depends on nothing else, and
its version cannot change while the process runs. A call that asks for a file
to be written, or whose lexer or formatter holds an option that has no stable
text form (an object shown by its address), goes to Pygments every time.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any

#: Highlighted blocks kept; the least recently used go first beyond this (the site has a few hundred).
LIMIT = 5000

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


class HighlightMemo:
    def __init__(self, highlight: Any, limit: int = LIMIT) -> None:
        self.original = highlight
        self.limit = limit
        self.kept: OrderedDict[tuple[str, str, str], str] = OrderedDict()
        self.hits = self.misses = 0

    def __call__(self, code: str, lexer: Any, formatter: Any, outfile: Any = None) -> Any:
        key = None if outfile is not None else _key(code, lexer, formatter)
        if key is None:
            return self.original(code, lexer, formatter, outfile)
        found = self.kept.get(key)
        if found is not None:
            self.kept.move_to_end(key)
            self.hits += 1
            return found
        self.misses += 1
        html = self.original(code, lexer, formatter)
        self.kept[key] = html
        while len(self.kept) > self.limit:
            self.kept.popitem(last=False)
        return html


def _described(thing: Any) -> str | None:
    """The class of a lexer or formatter and its options as text; None where an option has no stable text."""
    options = getattr(thing, "options", None)
    if not isinstance(options, dict):
        return None
    if getattr(thing, "filters", None):  # a lexer's token filters are objects: not worth describing
        return None
    text = repr((type(thing).__module__, type(thing).__qualname__, sorted(options.items(), key=lambda item: item[0])))
    return None if _ADDRESS.search(text) else text


def _key(code: str, lexer: Any, formatter: Any) -> tuple[str, str, str] | None:
    lexer_text, formatter_text = _described(lexer), _described(formatter)
    if lexer_text is None or formatter_text is None:
        return None
    return code, lexer_text, formatter_text


def install() -> HighlightMemo | None:
    """Wrap pymdownx.highlight's Pygments call (once per process); the memo, or None without Pygments."""
    try:
        import pymdownx.highlight as module  # type: ignore[import-untyped]  # pymdownx ships no types
    except ImportError:
        return None
    current = getattr(module, "highlight", None)
    if isinstance(current, HighlightMemo):
        return current
    if current is None:  # pymdownx without Pygments: nothing is highlighted in Python
        return None
    memo = HighlightMemo(current)
    module.highlight = memo
    return memo
