"""An accessible name for Material's search dialog (a Lighthouse accessibility finding).

* :mod:`.dialog_html` -- the HTML rewrite;
* :mod:`.plugin` -- the ``search-dialog-label`` MkDocs plugin over it (no options).
"""
