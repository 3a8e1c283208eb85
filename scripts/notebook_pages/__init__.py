"""Notebook pages: mkdocs-jupyter's pages made to work beside mkdocs-static-i18n, offline.

* :mod:`.i18n_files` -- wraps notebooks as pages again after i18n rebuilt the file list;
* :mod:`.page_html` -- strips nbconvert's CDN scripts, and writes the article's notebook links;
* :mod:`.prewarm` -- under ``mkdocs serve``, converts a changed notebook in a worker process;
* :mod:`.cellwise_soup` -- in that worker, nbconvert's BeautifulSoup pass done and kept cell by cell;
* :mod:`.sitemap` -- the notebook pages' sitemap entries;
* :mod:`.plugin` -- the ``notebook-pages`` MkDocs plugin over them.
"""
