"""The highlight memo: a code block coloured once gives the same HTML as Pygments, and a changed block is coloured again."""
from __future__ import annotations

import markdown
import pygments
import pymdownx.highlight
import pytest

from verified_snippets import highlight_memo

#: Pygments' own function (the notebook worker's memo wraps `pygments.highlight` where it runs in this process).
PYGMENTS_OWN = getattr(pygments.highlight, "original", pygments.highlight)

EXTENSIONS = ["pymdownx.highlight", "pymdownx.superfences", "pymdownx.inlinehilite"]

PAGE = """\
# Blocks

```python
import torch
loss = torch.nn.CrossEntropyLoss()
```

```python hl_lines="2" title="pieces.py"
import torch
loss = torch.nn.CrossEntropyLoss()
```

```text
tensor(0.4170)
```

Inline `#!python torch.exp(x)` code.
"""


@pytest.fixture
def memo(monkeypatch):
    """A fresh memo over Pygments' own function, undone after the test."""
    monkeypatch.setattr(pymdownx.highlight, "highlight", PYGMENTS_OWN)
    installed = highlight_memo.install()
    assert installed is not None and pymdownx.highlight.highlight is installed
    return installed


def convert(text: str) -> str:
    return markdown.markdown(text, extensions=EXTENSIONS)


def test_same_html_as_pygments_and_reused(memo, monkeypatch):
    first = convert(PAGE)
    assert memo.misses == 4 and memo.hits == 0  # three blocks and one inline span
    again = convert(PAGE)
    assert memo.hits == 4 and again == first
    monkeypatch.setattr(pymdownx.highlight, "highlight", PYGMENTS_OWN)
    assert convert(PAGE) == first  # what Pygments itself gives


def test_block_options_are_part_of_the_key(memo):
    """The second block has the first one's code with highlighted lines and a title: it must not get the first one's HTML."""
    html = convert(PAGE)
    assert memo.misses == 4
    assert 'class="hll"' in html and "pieces.py" in html


def test_changed_code_is_coloured_again(memo):
    convert(PAGE)
    changed = convert(PAGE.replace("tensor(0.4170)", "tensor(0.4171)"))
    assert "tensor(0.4171)" in changed and "tensor(0.4170)" not in changed
    assert memo.misses == 5  # only the changed block


def test_a_stale_kept_result_would_show(memo):
    """The memo is what the page shows: a wrong kept result is caught by comparing with Pygments (as the first test does)."""
    convert(PAGE)
    for key in memo.kept:
        memo.kept[key] = "<pre>wrong</pre>"
    assert "wrong" in convert(PAGE)


def test_options_without_a_stable_text_are_not_kept(memo):
    class Marker:  # its repr shows an address
        pass

    lexer = pygments.lexers.get_lexer_by_name("python")
    formatter = pygments.formatters.HtmlFormatter(marker=Marker())
    html = memo("x = 1\n", lexer, formatter)
    assert html == PYGMENTS_OWN("x = 1\n", lexer, formatter)
    assert not memo.kept and memo.misses == 0


def test_install_twice_keeps_one_memo(memo):
    assert highlight_memo.install() is memo


def test_the_oldest_go_first_beyond_the_limit(memo):
    memo.limit = 2
    lexer = pygments.lexers.get_lexer_by_name("text")
    formatter = pygments.formatters.HtmlFormatter()
    for code in ("a\n", "b\n", "c\n"):
        memo(code, lexer, formatter)
    assert [key[0] for key in memo.kept] == ["b\n", "c\n"]
