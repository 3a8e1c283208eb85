"""Pages converted once per content under `mkdocs serve` (verified_snippets.render_memo).

Each test converts real pages of a small site with MkDocs' own `Page.render`,
through the memo, as two rebuilds of `mkdocs serve` would: each "build" loads
the config and lists the files again, so nothing but the memo carries over.
"""
from __future__ import annotations

import logging
import textwrap
from pathlib import Path
from typing import Any

import pytest
from mkdocs.config import load_config
from mkdocs.structure.files import get_files
from mkdocs.structure.pages import Page

from verified_snippets.render_memo import RenderMemo

PAGE = """\
# Home

Intro text. See [the other page](other.md#details) and [a page that is not there](missing.md).

## Included

```python
--8<-- "shown.py"
```
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "docs").mkdir()
    (tmp_path / "snips").mkdir()
    (tmp_path / "mkdocs.yml").write_text(
        textwrap.dedent(
            """\
            site_name: Memo test
            markdown_extensions:
              - toc
              - pymdownx.superfences
              - pymdownx.snippets:
                  base_path: !relative $config_dir/snips
                  check_paths: true
            validation:
              links:
                not_found: warn
                anchors: warn
            """
        )
    )
    (tmp_path / "docs" / "index.md").write_text(PAGE)
    (tmp_path / "docs" / "other.md").write_text("# Other\n\n## Details\n\nText.\n")
    (tmp_path / "snips" / "shown.py").write_text("print('first version')\n")
    return tmp_path


def build_page(site: Path, memo: RenderMemo, name: str = "index.md", config_file: Any = None) -> Page:
    """One rebuild's conversion of one page: a fresh config, file list and Page, as serve makes them."""
    config = load_config(config_file or str(site / "mkdocs.yml"))
    files = get_files(config)
    page = Page(None, files.get_file_from_path(name), config)
    page.read_source(config)
    memo.install(page)
    page.render(config, files)
    return page


def test_an_unchanged_page_is_converted_once_and_reused_whole(site):
    memo = RenderMemo()
    first = build_page(site, memo)
    again = build_page(site, memo)
    assert (memo.misses, memo.hits) == (1, 1)
    assert again.content == first.content and "first version" in again.content
    assert [item.title for item in again.toc] == [item.title for item in first.toc] == ["Home"]
    assert [child.id for child in list(again.toc)[0].children] == ["included"]
    assert again.title == first.title == "Home"
    assert again.present_anchor_ids == first.present_anchor_ids and "included" in again.present_anchor_ids


def test_an_edit_of_the_page_converts_it_again(site):
    memo = RenderMemo()
    build_page(site, memo)
    page = site / "docs" / "index.md"
    page.write_text(page.read_text().replace("Intro text.", "Edited intro."))
    again = build_page(site, memo)
    assert (memo.misses, memo.hits) == (2, 0)
    assert "Edited intro." in again.content


def test_an_edit_of_an_included_file_converts_the_page_again(site):
    """The include is not in the page's Markdown: only the recorded include says the page depends on it."""
    memo = RenderMemo()
    build_page(site, memo)
    (site / "snips" / "shown.py").write_text("print('second version')\n")
    again = build_page(site, memo)
    assert "second version" in again.content
    assert memo.misses == 2


def test_a_page_without_the_include_is_reused_when_the_include_changes(site):
    memo = RenderMemo()
    build_page(site, memo, "other.md")
    (site / "snips" / "shown.py").write_text("print('second version')\n")
    build_page(site, memo, "other.md")
    assert (memo.misses, memo.hits) == (1, 1)


def test_a_reused_page_logs_its_conversion_warnings_again(site, caplog):
    memo = RenderMemo()
    with caplog.at_level(logging.INFO, logger="mkdocs"):
        build_page(site, memo)
        first = [r.getMessage() for r in caplog.records if "missing.md" in r.getMessage()]
        caplog.clear()
        build_page(site, memo)
        again = [r.getMessage() for r in caplog.records if "missing.md" in r.getMessage()]
    assert memo.hits == 1
    assert first and again == first


def test_anchor_links_point_at_the_new_builds_files(site):
    """MkDocs checks `other.md#details` after conversion, against the File objects of the build in progress."""
    memo = RenderMemo()
    build_page(site, memo)
    config = load_config(str(site / "mkdocs.yml"))
    files = get_files(config)
    page = Page(None, files.get_file_from_path("index.md"), config)
    page.read_source(config)
    memo.install(page)
    page.render(config, files)
    assert memo.hits == 1
    assert page.links_to_anchors is not None
    [(linked, anchors)] = page.links_to_anchors.items()
    assert linked is files.get_file_from_path("other.md")
    assert anchors == {"details": "other.md#details"}


def test_a_change_to_the_markdown_settings_converts_again(site):
    memo = RenderMemo()
    build_page(site, memo)
    config = site / "mkdocs.yml"
    config.write_text(config.read_text().replace("  - toc\n", "  - toc:\n      permalink: true\n"))
    again = build_page(site, memo)
    assert memo.misses == 2 and "headerlink" in again.content


def test_the_same_config_by_a_relative_path_reuses_the_conversions(site, monkeypatch):
    """`mkdocs serve -f mkdocs.yml` loads its first build's config by that relative path and later ones by the absolute path."""
    memo = RenderMemo()
    monkeypatch.chdir(site)
    with open("mkdocs.yml", "rb") as opened:  # as click opens `-f mkdocs.yml`: MkDocs keeps the relative name
        assert build_page(site, memo, config_file=opened) is not None
    build_page(site, memo)
    assert (memo.misses, memo.hits) == (1, 1)
    copy = site.parent / "copy"
    copy.mkdir()
    for name in ("docs", "snips"):
        (copy / name).symlink_to(site / name)
    (copy / "mkdocs.yml").write_text((site / "mkdocs.yml").read_text())
    build_page(copy, memo)
    assert memo.misses == 2, "a project in another folder must not take this one's conversions"


def test_the_memo_keeps_at_most_its_limit(site):
    memo = RenderMemo(limit=1)
    build_page(site, memo, "index.md")
    build_page(site, memo, "other.md")
    build_page(site, memo, "index.md")
    assert len(memo.kept) == 1 and memo.misses == 3


def test_a_saved_memo_is_reused_by_the_next_build_with_its_warnings(site, caplog):
    """The next `mkdocs build` is another process: only the file carries the conversions over."""
    path = site / ".cache" / "converted_pages.pickle"
    first = RenderMemo(path)
    first.start_build()
    build_page(site, first)
    first.save()
    nxt = RenderMemo(path)
    nxt.start_build()
    with caplog.at_level(logging.INFO, logger="mkdocs"):
        page = build_page(site, nxt)
    assert (nxt.misses, nxt.hits) == (0, 1)
    assert "first version" in page.content
    assert any("missing.md" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)


def test_a_build_keeps_only_the_conversions_it_used(site):
    path = site / ".cache" / "converted_pages.pickle"
    memo = RenderMemo(path)
    memo.start_build()
    build_page(site, memo, "index.md")
    build_page(site, memo, "other.md")
    memo.save()
    memo = RenderMemo(path)
    memo.start_build()
    build_page(site, memo, "other.md")  # index.md left the site
    memo.save()
    assert len(RenderMemo(path).kept) == 1


def test_an_unreadable_memo_file_is_a_cold_start(site):
    path = site / ".cache" / "converted_pages.pickle"
    path.parent.mkdir()
    path.write_bytes(b"not a pickle")
    memo = RenderMemo(path)
    assert memo.kept == {}
    build_page(site, memo)
    assert memo.misses == 1
