"""The plugin that names Material's search dialog for screen readers."""
from __future__ import annotations

from search_dialog_label.dialog_html import label_search_dialog


def test_search_dialog_gets_the_label_of_its_search_box():
    page = '<div class="md-search" data-md-component="search" role="dialog"><input type="text" class="md-search__input" aria-label="搜索"></div>'
    assert 'role="dialog" aria-label="搜索"' in label_search_dialog(page)
    assert label_search_dialog("<p>no search</p>") == "<p>no search</p>"
