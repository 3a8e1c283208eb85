"""Fewer elements and fewer whole-page restyles on a Material page, for phones.

* :mod:`.code_tokens` -- highlighted code without the spans of plain names,
  which Material colours like the code around them;
* :mod:`.palette_switching` -- Material's "no transitions while the palette
  switches" rule, applied when a reader switches it rather than at every load;
* :mod:`.color_scheme_meta` -- the page's colour scheme declared in its HTML,
  so that Material's script does not restyle the page declaring it;
* :mod:`.table_wrappers` -- tables in Material's scrolling wrapper from the
  build, so that its script does not move them (and restyle the article);
* :mod:`.site_files` -- the in-place rewrite of the site's copies of Material's assets;
* :mod:`.plugin` -- the ``page-weight`` MkDocs plugin over them, configured by
  :mod:`.config`.
"""
