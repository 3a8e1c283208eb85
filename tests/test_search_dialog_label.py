"""The hook that names Material's search dialog for screen readers."""
from __future__ import annotations


def test_search_dialog_gets_the_label_of_its_search_box():
    import importlib.util

    from conftest import REPO

    spec = importlib.util.spec_from_file_location("search_dialog_label", REPO / "scripts" / "mkdocs_hooks" / "search_dialog_label.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    page = '<div class="md-search" data-md-component="search" role="dialog"><input type="text" class="md-search__input" aria-label="搜索"></div>'
    assert 'role="dialog" aria-label="搜索"' in module.label_search_dialog(page)
    assert module.label_search_dialog("<p>no search</p>") == "<p>no search</p>"
