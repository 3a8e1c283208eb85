"""The edit loop's caches: unchanged work is reused by content, and a change is always seen.

* search index entries of unchanged pages (search_dialog_label.entry_cache), so
  that jieba never loads its dictionary when no Chinese text changed, and no
  scan for `data-search-*` attributes of a page without any (attribute_scan);
* KaTeX's formulas on disk (katex_prerender.renderer), so that Node never starts
  when every formula is known;
* Material's templates, compiled and listed once (verified_snippets.build_caches).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from katex_prerender import KatexRenderer
from search_dialog_label import attribute_scan
from search_dialog_label.entry_cache import EntryCache

from conftest import REPO, environment_with, mkdocs_build

NODE_MODULES = REPO / "node_modules"


class FakeIndex:
    def __init__(self):
        self.entries: list[dict] = []


def page(content: str, url: str = "a/") -> SimpleNamespace:
    return SimpleNamespace(url=url, title="A", toc=[], meta={}, content=content)


def test_search_entries_of_an_unchanged_page_are_reused_and_a_change_is_seen(tmp_path):
    made = []

    def make(index, page):
        made.append(page.content)
        index.entries.append({"location": page.url, "text": page.content.upper()})

    cache = EntryCache(tmp_path / "entries.json", {"lang": ["en", "zh"]})
    first, second = FakeIndex(), FakeIndex()
    cache.add(first, page("<p>one</p>"), make)
    cache.add(second, page("<p>one</p>"), make)
    assert made == ["<p>one</p>"] and first.entries == second.entries
    cache.add(FakeIndex(), page("<p>two</p>"), make)
    assert made == ["<p>one</p>", "<p>two</p>"]
    cache.save()

    reloaded = EntryCache(tmp_path / "entries.json", {"lang": ["en", "zh"]})
    index = FakeIndex()
    reloaded.add(index, page("<p>two</p>"), make)
    assert made == ["<p>one</p>", "<p>two</p>"] and index.entries == [{"location": "a/", "text": "<P>TWO</P>"}]
    other_options = EntryCache(tmp_path / "entries.json", {"lang": ["en"]})
    other_options.add(FakeIndex(), page("<p>two</p>"), make)
    assert made[-1] == "<p>two</p>" and len(made) == 3, "entries made under other search options must not be reused"


def test_reused_entries_are_copies_and_an_unchanged_cache_is_not_written_again(tmp_path):
    def make(index, page):
        index.entries.append({"location": page.url, "text": page.content, "tags": ["t"]})

    path = tmp_path / "entries.json"
    cache = EntryCache(path, {})
    cache.add(FakeIndex(), page("<p>one</p>"), make)
    reused = FakeIndex()
    cache.add(reused, page("<p>one</p>"), make)
    reused.entries[0]["text"] = "changed by the index"
    reused.entries[0]["tags"].append("added")
    again = FakeIndex()
    cache.add(again, page("<p>one</p>"), make)
    assert again.entries == [{"location": "a/", "text": "<p>one</p>", "tags": ["t"]}]
    cache.save()
    written = path.read_text()
    path.write_text("left alone")
    cache.used = set()
    cache.add(FakeIndex(), page("<p>one</p>"), make)
    cache.save()
    assert path.read_text() == "left alone"  # every entry came from the cache, and the same pages were built
    cache.used = set()
    cache.save()
    assert path.read_text() != "left alone" and json.loads(path.read_text())["pages"] == {}  # a page gone: written
    assert json.loads(written)["pages"]


def test_a_corrupt_entry_cache_is_ignored(tmp_path):
    (tmp_path / "entries.json").write_text("{not json")
    cache = EntryCache(tmp_path / "entries.json", {})
    assert cache.entries == {}


WARM_BUILD = """
import sys
from mkdocs.commands.build import build
from mkdocs.config import load_config
config = load_config(sys.argv[1], site_dir=sys.argv[2])
config.plugins.on_startup(command="build", dirty=False)
build(config)
config.plugins.on_shutdown()
import jieba
print("jieba dictionary loaded:", jieba.dt.initialized)
"""


class RecordingIndex:
    def __init__(self):
        self.indexed: list[str] = []

    def add_entry_from_context(self, page):
        self.indexed.append(page.content)


def search_plugin(enabled: bool = True) -> SimpleNamespace:
    return SimpleNamespace(config=SimpleNamespace(enabled=enabled), search_index=RecordingIndex())


def test_materials_search_method_is_the_one_whose_scan_is_skipped():
    """An upgrade that changes Material's on_page_context fails here: review attribute_scan, then its hash."""
    from material.plugins.search.plugin import SearchPlugin

    assert attribute_scan.install()
    assert attribute_scan.source_sha256(SearchPlugin.on_page_context.material) == attribute_scan.KNOWN_SOURCE_SHA256


@pytest.mark.parametrize("content", [
    '<h1 id="a">A</h1>\n<p>x = 1</p>',
    '<h1 id="a">A</h1>\n<div data-search-exclude="yes">hidden</div><p data-search-boost="2">b</p>',
])
@pytest.mark.parametrize("enabled", [True, False])
def test_pages_come_out_of_the_wrapped_method_as_out_of_materials_own(content, enabled):
    from material.plugins.search.plugin import SearchPlugin

    assert attribute_scan.install()
    wrapped, own = search_plugin(enabled), search_plugin(enabled)
    page_wrapped, page_own = page(content), page(content)
    SearchPlugin.on_page_context(wrapped, {}, page=page_wrapped, config=None, nav=None)
    SearchPlugin.on_page_context.material(own, {}, page=page_own, config=None, nav=None)
    assert page_wrapped.content == page_own.content
    assert wrapped.search_index.indexed == own.search_index.indexed == ([content] if enabled else [])
    if enabled and "data-search" in content:
        assert "data-search" not in page_wrapped.content  # the attributes are still removed (the test can fail)


def test_a_warm_build_makes_the_same_search_index_without_loading_jieba(scratch_site, tmp_path):
    first = mkdocs_build(scratch_site.root, "--site-dir", str(tmp_path / "first"))
    assert first.returncode == 0, first.stderr[-2000:]
    warm = subprocess.run([sys.executable, "-c", WARM_BUILD, str(scratch_site.root / "mkdocs.yml"), str(tmp_path / "second")],
                          cwd=scratch_site.root, capture_output=True, text=True, timeout=600, env=environment_with({"NO_MKDOCS_2_WARNING": "1"}))
    assert warm.returncode == 0, warm.stderr[-2000:]
    assert "jieba dictionary loaded: False" in warm.stdout
    index = lambda site: json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert index(tmp_path / "first") == index(tmp_path / "second")
    # A Chinese edit is cut into words again: the index has the new text, segmented.
    page = scratch_site.root / "docs" / "glossary.zh.md"
    page.write_text(page.read_text(encoding="utf-8") + "\n交叉熵损失函数的新段落。\n", encoding="utf-8")
    edited = subprocess.run([sys.executable, "-c", WARM_BUILD, str(scratch_site.root / "mkdocs.yml"), str(tmp_path / "third")],
                            cwd=scratch_site.root, capture_output=True, text=True, timeout=600, env=environment_with({"NO_MKDOCS_2_WARNING": "1"}))
    assert "jieba dictionary loaded: True" in edited.stdout
    texts = " ".join(doc["text"] for doc in index(tmp_path / "third")["docs"])
    assert "交叉\u200b熵" in texts or "交叉熵\u200b损失" in texts, "the new Chinese text is not in the index, cut into words"


@pytest.fixture(scope="module")
def katex_installed() -> Path:
    if not (NODE_MODULES / "katex" / "package.json").is_file():
        pytest.fail(f"{NODE_MODULES}/katex is missing: run `npm ci` (or `make`)", pytrace=False)
    return NODE_MODULES


def test_known_formulas_come_from_disk_without_starting_node(katex_installed, tmp_path):
    cache = tmp_path / "formulas.json"
    with KatexRenderer(katex_installed, cache_file=cache) as first:
        rendered = first.render(r"\frac{a}{b}", display=True)
        with pytest.raises(ValueError):
            first.render(r"\frac{a}{", display=True)
        first.save_cache()
    assert first.starts == 1
    with KatexRenderer(katex_installed, cache_file=cache) as second:
        assert second.render(r"\frac{a}{b}", display=True) == rendered
        assert second.starts == 0, "Node started for a formula on disk"
        with pytest.raises(ValueError):  # errors are not kept: KaTeX is asked again
            second.render(r"\frac{a}{", display=True)
        assert second.starts == 1


def test_formulas_saved_by_another_katex_or_renderer_are_not_used(katex_installed, tmp_path):
    cache = tmp_path / "formulas.json"
    cache.write_text(json.dumps({"salt": "another KaTeX", "formulas": {"D|x": "<span>stale</span>"}}))
    with KatexRenderer(katex_installed, cache_file=cache) as renderer:
        assert "stale" not in renderer.render("x", display=True)
        assert renderer.starts == 1


def test_the_theme_listing_leaves_out_what_mkdocs_drops_and_sees_the_projects_own_templates(tmp_path):
    from mkdocs.config import load_config

    from verified_snippets import build_caches

    config = load_config(str(REPO / "mkdocs.yml"))
    plain = config.theme.get_env().list_templates()
    build_caches.install(config.theme, REPO)
    cached = config.theme.get_env().list_templates()
    assert sorted(cached) == sorted(name for name in plain if not name.startswith("."))
    assert any(name.startswith(".icons/") for name in plain), "Material's icons were expected in the plain listing"
    assert "main.html" in cached and "robots.txt" in cached  # docs/templates/, the project's own
