"""Material's search, made accessible and quick to rebuild.

* :mod:`.dialog_html` -- an accessible name for the search dialog (a Lighthouse accessibility finding);
* :mod:`.entry_cache` -- the index entries of unchanged pages, reused by content hash;
* :mod:`.plugin` -- the ``search-dialog-label`` MkDocs plugin over both (no options).
"""
