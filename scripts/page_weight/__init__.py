"""Fewer elements and fewer whole-page restyles on a Material page, for phones.

* :mod:`.code_tokens` -- highlighted code without the spans of plain names,
  which Material colours like the code around them;
* :mod:`.palette_switching` -- Material's "no transitions while the palette
  switches" rule, applied when a reader switches it rather than at every load;
* :mod:`.plugin` -- the ``page-weight`` MkDocs plugin over both, configured by
  :mod:`.config`.
"""
