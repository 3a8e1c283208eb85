"""Give Material's search dialog an accessible name.

Material renders `<div class="md-search" role="dialog">` without a name, which
screen readers announce as an unnamed dialog (Lighthouse: aria-dialog-name).
The dialog takes the label of its own search box ("Search", or "搜索" on the
Chinese pages), so it follows the page's language.
"""
from __future__ import annotations

import re

_DIALOG = re.compile(r'<div class="md-search"([^>]*)role="dialog"([^>]*)>')
_INPUT_LABEL = re.compile(r'<input[^>]*class="md-search__input"[^>]*aria-label="([^"]+)"')


def label_search_dialog(html: str) -> str:
    label = _INPUT_LABEL.search(html)
    if not label:
        return html

    def add_label(match: re.Match) -> str:
        if "aria-label=" in match.group(0):
            return match.group(0)
        return f'<div class="md-search"{match.group(1)}role="dialog" aria-label="{label.group(1)}"{match.group(2)}>'

    return _DIALOG.sub(add_label, html, count=1)

