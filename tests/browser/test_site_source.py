"""The browser tests' own reading of the Markdown: formulas, embeds, page-to-source mapping (no browser)."""
from __future__ import annotations

import json

from .site_source import (
    bindings_in_markdown,
    committed_output,
    discover_pages,
    embeds_in_markdown,
    formulas_in_markdown,
    page_markdown,
    source_for,
    tex_pattern,
)


def tex_of(markdown: str) -> list[tuple[str, bool]]:
    return [(f.tex, f.display) for f in formulas_in_markdown(markdown)]


def test_inline_and_display_formulas_are_counted_with_their_lines():
    md = "Intro $a$ and $b_1$.\n\n$$\nx = \\frac{1}{2}\n$$\n\nEnd $$y$$ here.\n"
    found = formulas_in_markdown(md)
    assert [(f.tex, f.display, f.line) for f in found] == [
        ("a", False, 1), ("b_1", False, 1), ("x = \\frac{1}{2}", True, 3), ("y", True, 7),
    ]


def test_code_is_not_math():
    md = (
        "Cost `$5` and ``a $b$ c`` here; $x$.\n\n"
        "```python\nprint('$y$')\n```\n\n"
        "* item\n\n    ```sh\n    echo $HOME $PATH\n    ```\n\n"
        "~~~~\n$$ z $$\n~~~~\n"
    )
    assert tex_of(md) == [("x", False)]


def test_value_bindings_are_text_inside_and_outside_math():
    md = "Loss ${{ run: a/b.py loss | .4f }}$, shown as {{ run: a/b.py flag }}; $\\ell = {{ run: a/b.py x[0] }}$."
    assert tex_of(md) == [
        ("{{ run: a/b.py loss | .4f }}", False),
        ("\\ell = {{ run: a/b.py x[0] }}", False),
    ]


def test_escaped_and_unclosed_dollars_comments_and_front_matter_are_not_math():
    md = (
        "---\ntitle: $not math$\n---\n"
        "Price \\$5 and \\$6; a lone $ sign.\n\n"
        "Next paragraph $q$ <!-- $hidden$ -->.\n"
        "Opened $ here\n\nclosed $ there.\n"
    )
    assert tex_of(md) == [("q", False)]
    assert formulas_in_markdown(md)[0].line == 6


def test_display_math_in_an_admonition_and_a_list():
    md = '!!! note "N"\n    Inline $a$.\n\n    $$\n    b\n    $$\n\n* **Item.** Text:\n\n    $$\n    c = 1\n    $$\n'
    assert tex_of(md) == [("a", False), ("b", True), ("c = 1", True)]


def test_tex_pattern_matches_the_rendered_tex_of_a_bound_formula():
    source = "\\mathcal{L} \\approx {{ run: a/b.py loss | .4f }} ."
    assert tex_pattern(source).fullmatch("\\mathcal{L} \\approx 0.4170 .")
    assert tex_pattern(source).fullmatch("\\mathcal{L}\n  \\approx -1000.0 .")
    assert not tex_pattern(source).fullmatch("\\mathcal{L} = 0.4170 .")


def test_embeds_are_fences_that_only_include_a_snippet():
    md = (
        '```python\n--8<-- "art/a.py:one"\n```\n\n'
        '!!! note\n    ```python\n    --8<-- "art/b.py"\n    ```\n\n'
        '```python\nx = 1\n--8<-- "art/c.py"\n```\n'
        '````markdown\n```python\n--8<-- "art/d.py"\n```\n````\n'
    )
    assert embeds_in_markdown(md) == ["art/a.py:one", "art/b.py"]


def test_committed_output_reads_the_section_or_the_whole_stdout(tmp_path):
    outputs = tmp_path / "art" / "outputs"
    outputs.mkdir(parents=True)
    (outputs / "a.json").write_text(json.dumps({"stdout": "all\n", "sections": {"one": "first\n"}}))
    assert committed_output(tmp_path, "art/a.py") == "all\n"
    assert committed_output(tmp_path, "art/a.py:one") == "first\n"


def test_pages_map_to_their_markdown_in_both_i18n_layouts(tmp_path):
    docs = tmp_path / "docs"
    (docs / "guide").mkdir(parents=True)
    for name in ["index.md", "index.zh.md", "article.md", "article.zh.md", "only-en.md", "guide/index.md"]:
        (docs / name).write_text("# x\n")
    langs = {"zh"}
    assert source_for("index.html", docs, langs) == docs / "index.md"
    assert source_for("zh/index.html", docs, langs) == docs / "index.zh.md"
    assert source_for("article/index.html", docs, langs) == docs / "article.md"
    assert source_for("zh/article/index.html", docs, langs) == docs / "article.zh.md"
    assert source_for("zh/only-en/index.html", docs, langs) == docs / "only-en.md"  # fallback copy
    assert source_for("guide/index.html", docs, langs) == docs / "guide" / "index.md"
    assert source_for("article.html", docs, langs) == docs / "article.md"  # use_directory_urls: false
    assert source_for("missing/index.html", docs, langs) is None

    site = tmp_path / "site"
    for rel, lang in [("index.html", "en"), ("zh/article/index.html", "zh"), ("404.html", "en"),
                      ("zh/404.html", "zh"), ("assets/x.html", "en")]:
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text(f'<!doctype html><html lang="{lang}" class="no-js"><head><meta name="generator" content="mkdocs-1.6.1"></head></html>')
    pages = discover_pages(site, docs)
    assert [(p.url_path, p.lang, p.source_name) for p in pages] == [
        ("/", "en", "index.md"), ("/zh/article/", "zh", "article.md"),
    ]


def test_notebook_pages_map_to_the_notebook_and_count_its_markdown_cells(tmp_path):
    docs = tmp_path / "docs"
    (docs / "notebooks").mkdir(parents=True)
    notebook = docs / "notebooks" / "nb.ipynb"
    notebook.write_text(json.dumps({"cells": [
        {"cell_type": "markdown", "source": ["# Title\n", "Loss $\\ell$."]},
        {"cell_type": "code", "source": ["print('$not math$')"], "outputs": []},
        {"cell_type": "markdown", "source": "$$\nx\n$$"},
    ]}))
    assert source_for("notebooks/nb/index.html", docs, {"zh"}) == notebook
    assert source_for("zh/notebooks/nb/index.html", docs, {"zh"}) == notebook
    assert tex_of(page_markdown(notebook)) == [("\\ell", False), ("x", True)]


def test_bindings_are_read_outside_code_in_order():
    md = (
        "Loss {{ run: a/b.py loss | .4f }} and $q = {{ run: a/b.py probs[1][0] }}$.\n\n"
        "In code `{{ run: a/b.py hidden }}` and\n\n```text\n{{ run: a/b.py fenced }}\n```\n\n"
        "!!! note\n    {{ run: c/d.py n }}\n"
    )
    assert bindings_in_markdown(md) == [("a/b.py", "loss"), ("a/b.py", "probs[1][0]"), ("c/d.py", "n")]


def test_a_marked_value_matches_its_source_formula():
    pattern = tex_pattern("x = {{ run: a/b.py v[0] | .4f }} + 1")
    assert pattern.fullmatch("x = \\htmlData{snippet=a/b.py,value=v[0]}{0.4170} + 1")
    assert pattern.fullmatch("x = 0.4170 + 1")
    assert not pattern.fullmatch("x = \\htmlData{snippet=a/b.py,value=v[0]}{0.4170} + 2")
