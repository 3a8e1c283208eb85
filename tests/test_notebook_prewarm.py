"""A notebook converted in the background (serve) gives the very page mkdocs-jupyter would make itself.

The worker writes mkdocs-jupyter's own cache entry; mkdocs-jupyter then reads it
instead of converting. So the entry must hold exactly what mkdocs-jupyter's
inline conversion gives, under the key mkdocs-jupyter computes for those bytes.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbconvert.exporters.html as html_exporter
import pygments
import pytest
from bs4 import BeautifulSoup
from mkdocs_jupyter import convert
from mkdocs_jupyter.plugin import Plugin, _get_nb_toc_tokens
from nbconvert.exporters.templateexporter import TemplateExporter

from notebook_pages import cellwise_soup
from notebook_pages.prewarm import CONVERT_OPTIONS, ConversionSettings, NotebookPrewarm, cache_path, convert_to_cache
from verified_snippets.highlight_memo import HighlightMemo

from conftest import REPO


@pytest.fixture
def jupyter_config(tmp_path):
    """mkdocs-jupyter's config as the site sets it (mkdocs.yml), its cache in a temporary folder."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("", lambda loader, suffix, node: None)  # mkdocs.yml's !!python tags: not needed here
    plugins = yaml.load((REPO / "mkdocs.yml").read_text(), Loader=Loader)["plugins"]
    options = next(entry["mkdocs-jupyter"] for entry in plugins if isinstance(entry, dict) and "mkdocs-jupyter" in entry)
    plugin = Plugin()
    errors, warnings = plugin.load_config({**options, "cache_dir": str(tmp_path / "cache")})
    assert errors == []
    return plugin.config


@pytest.fixture
def notebook(tmp_path):
    """The site's smallest notebook, copied (its name kept: nbconvert uses it)."""
    smallest = min((REPO / "docs" / "notebooks").glob("*.ipynb"), key=lambda path: path.stat().st_size)
    copy = tmp_path / "notebooks" / smallest.name
    copy.parent.mkdir()
    shutil.copyfile(smallest, copy)
    return copy


def test_the_entry_is_what_mkdocs_jupyter_converts_itself_under_its_key(jupyter_config, notebook, monkeypatch):
    pygments_own = getattr(pygments.highlight, "original", pygments.highlight)
    monkeypatch.setattr(pygments, "highlight", pygments_own)  # put back after the test: the worker wraps it
    monkeypatch.setattr(html_exporter, "BeautifulSoup", BeautifulSoup)  # and replaces nbconvert's pass (cellwise_soup)
    monkeypatch.setattr(TemplateExporter, "_create_environment", TemplateExporter._create_environment)  # and keeps its templates
    settings = ConversionSettings.of(jupyter_config)
    assert settings is not None
    convert_to_cache(str(notebook), settings)
    assert isinstance(pygments.highlight, HighlightMemo) and pygments.highlight.misses > 0
    assert cellwise_soup.installed() is not None
    assert any((notebook.parent.parent / "nbconvert-templates").iterdir())  # compiled templates kept
    entry = convert_to_cache(str(notebook), settings)  # again, every cell's colours and templates from the memos
    assert pygments.highlight.hits > 0
    assert entry == str(cache_path(notebook, settings))  # the key of the bytes mkdocs-jupyter will hash
    stored = json.loads(Path(entry).read_text(encoding="utf-8"))
    monkeypatch.setattr(pygments, "highlight", pygments_own)  # the inline conversion with Pygments and nbconvert themselves
    monkeypatch.setattr(html_exporter, "BeautifulSoup", BeautifulSoup)
    inline = convert.nb2html(str(notebook), execute=False, **{key: jupyter_config[key] for key in CONVERT_OPTIONS})
    toc_tokens, title = _get_nb_toc_tokens(str(notebook), jupyter_config["toc_depth"])
    assert stored["content"] == inline
    assert (stored["toc_tokens"], stored["title"]) == (json.loads(json.dumps(toc_tokens)), title)
    assert 'class="jp-Notebook' in inline  # a real page, not an empty one


def test_a_changed_notebook_has_no_entry_until_converted_again(jupyter_config, notebook):
    settings = ConversionSettings.of(jupyter_config)
    convert_to_cache(str(notebook), settings)
    assert cache_path(notebook, settings).exists()
    notebook.write_text(notebook.read_text().replace('"nbformat_minor"', '"nbformat_minor" ', 1))
    assert not cache_path(notebook, settings).exists()  # never the old page for the new bytes


def test_the_worker_converts_what_is_missing_and_only_that(jupyter_config, notebook):
    settings = ConversionSettings.of(jupyter_config)
    prewarm = NotebookPrewarm()
    try:
        assert prewarm.start([notebook], settings) == [notebook]
        prewarm.wait(str(notebook))
        assert cache_path(notebook, settings).exists()
        assert prewarm.start([notebook], settings) == []  # its entry is there
        prewarm.wait(str(notebook))  # nothing pending: returns at once
    finally:
        prewarm.close()


def test_no_entry_is_prepared_where_mkdocs_jupyter_would_not_read_one(jupyter_config):
    assert ConversionSettings.of({**jupyter_config, "cache": False}) is None
    assert ConversionSettings.of({**jupyter_config, "execute": True}) is None
