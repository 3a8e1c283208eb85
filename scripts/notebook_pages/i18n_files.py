"""Give mkdocs-jupyter its notebook pages back after mkdocs-static-i18n rebuilt the file list.

mkdocs-jupyter wraps each included `.ipynb` in a `NotebookFile` in its
`on_files` (priority 0) so MkDocs treats it as a page.  mkdocs-static-i18n runs
its `on_files` later (priority -100) and replaces every file with a plain
`File` copy for the language being built, dropping the wrapper: the notebook
then counts as an asset, is copied raw to `.../index.html`, and neither the
rendered page nor the downloadable source (`include_source`) appears.  Running
after i18n, we wrap those files again, keeping the per-language destination
that i18n computed, except that i18n treats the notebook as a shared asset and
leaves it at the default language's path: in another language's build the page
would overwrite the default one, so it goes under that language's folder.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any


def rewrap_notebooks(files: Any, should_include: Callable[[Any], bool], wrap: Callable[[Any], Any], site_dir: str, language_folder: str = "") -> list[str]:
    """Re-wrap notebook files that lost their page wrapper; returns their source paths.

    `language_folder`: "" in the default language's build, e.g. "zh" in the Chinese one.
    """
    rewrapped = []
    for file in list(files):
        if not str(file.src_uri).endswith(".ipynb") or file.is_documentation_page():
            continue
        if not should_include(file):
            continue
        page_file = wrap(file)
        dest_path, url = str(file.dest_path).replace("\\", "/"), file.url
        if language_folder and not dest_path.startswith(language_folder + "/"):
            dest_path, url = f"{language_folder}/{dest_path}", f"{language_folder}/{url}"
        page_file.dest_path = dest_path
        page_file.abs_dest_path = str(Path(site_dir) / dest_path)
        page_file.url = url
        files.remove(file)
        files.append(page_file)
        rewrapped.append(file.src_uri)
    return rewrapped
