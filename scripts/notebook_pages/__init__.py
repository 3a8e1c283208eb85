"""Notebook pages: mkdocs-jupyter's pages made to work beside mkdocs-static-i18n, offline.

Plain functions; the MkDocs hook `scripts/mkdocs_hooks/notebook_pages.py` calls them.
"""
