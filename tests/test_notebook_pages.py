"""Unit tests of the notebook-page helpers behind the notebook-pages plugin."""
from __future__ import annotations

import base64

from notebook_pages.i18n_files import rewrap_notebooks
from notebook_pages.page_html import cleaned_notebook_page, inline_svg_figures, insert_after_title, notebook_links, strip_remote_scripts

NBCONVERT_HEAD = """<div>
<!-- Load mathjax -->
    <script src="https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.7/latest.js?config=TeX-AMS_CHTML-full,Safe"> </script>
    <script type="text/x-mathjax-config">init_mathjax = function() {};</script>
    <!-- End of mathjax configuration -->
<script type="module">
  document.addEventListener("DOMContentLoaded", async () => {
    const { default: mermaid } = await import("https://cdnjs.cloudflare.com/ajax/libs/mermaid/10.7.0/mermaid.esm.min.mjs");
  });
</script>
<script src="../assets/local.js"></script>
<p>cell</p>
</div>"""


def test_remote_scripts_are_removed_and_local_ones_kept():
    cleaned, removed = strip_remote_scripts(NBCONVERT_HEAD)
    assert removed == 2
    assert "https://" not in cleaned
    assert '<script src="../assets/local.js"></script>' in cleaned and "<p>cell</p>" in cleaned


def test_links_are_relative_to_the_page_in_each_language():
    en = notebook_links("en", "cross-entropy/", "notebooks/cross-entropy/", "notebooks/cross-entropy/cross-entropy.ipynb")
    assert 'href="../notebooks/cross-entropy/cross-entropy.ipynb" download' in en
    assert 'href="../notebooks/cross-entropy/"' in en and "Download the notebook" in en
    zh = notebook_links("zh", "zh/cross-entropy/", "zh/notebooks/cross-entropy/", "zh/notebooks/cross-entropy/cross-entropy.ipynb")
    assert 'href="../notebooks/cross-entropy/cross-entropy.ipynb" download' in zh and "下载 Notebook" in zh
    flat = notebook_links("en", "cross-entropy.html", "notebooks/cross-entropy.html", "notebooks/cross-entropy.ipynb")
    assert 'href="notebooks/cross-entropy.ipynb"' in flat


def test_links_go_right_under_the_title():
    assert insert_after_title("intro\n# Title\ntext\n", "LINKS") == "intro\n# Title\n\nLINKS\n\ntext\n"
    assert insert_after_title("no title\n", "LINKS") == "LINKS\n\nno title\n"


class FakeFile:
    def __init__(self, src_uri, dest_path, url, page=False):
        self.src_uri, self.dest_path, self.abs_dest_path, self.url, self.page = src_uri, dest_path, "/site/" + dest_path, url, page

    def is_documentation_page(self):
        return self.page


class Wrapped(FakeFile):
    def __init__(self, inner):
        super().__init__(inner.src_uri, "computed/index.html", "computed/", page=True)


def test_notebooks_are_rewrapped_as_pages_under_the_language_folder():
    notebook = FakeFile("notebooks/a.ipynb", "notebooks/a/index.html", "notebooks/a/")
    other = FakeFile("assets/x.css", "assets/x.css", "assets/x.css")
    files = [notebook, other]
    assert rewrap_notebooks(files, lambda f: True, Wrapped, "/site", "zh") == ["notebooks/a.ipynb"]
    page = files[-1]
    assert page.is_documentation_page() and other in files and notebook not in files
    assert (page.dest_path, page.url, page.abs_dest_path) == ("zh/notebooks/a/index.html", "zh/notebooks/a/", "/site/zh/notebooks/a/index.html")


def test_default_language_keeps_its_path_and_excluded_files_are_left_alone():
    notebook = FakeFile("notebooks/a.ipynb", "notebooks/a/index.html", "notebooks/a/")
    files = [notebook]
    assert rewrap_notebooks(files, lambda f: False, Wrapped, "/site") == []
    assert files == [notebook]
    assert rewrap_notebooks(files, lambda f: True, Wrapped, "/site") == ["notebooks/a.ipynb"]
    assert (files[0].dest_path, files[0].url) == ("notebooks/a/index.html", "notebooks/a/")



def svg_output(svg: str) -> str:
    """An SVG output as nbconvert's lab template writes it."""
    data = base64.b64encode(svg.encode()).decode()
    return f'<div class="jp-RenderedSVG jp-OutputArea-output" data-mime-type="image/svg+xml" tabindex="0">\n<img alt="No description has been provided for this image" src="data:image/svg+xml;base64,{data}">\n</div>'


def test_svg_figures_are_inlined_with_their_accessible_name():
    figure = '<svg role="img" aria-label="Loss against the gap" viewBox="0 0 1 1"><text>损失</text></svg>'
    page, count = inline_svg_figures(f"<p>before</p>{svg_output(figure)}<p>after</p>")
    assert count == 1 and "No description" not in page and "base64" not in page
    assert f'<div class="snippet-figure">{figure}</div>' in page and page.startswith("<p>before</p>") and page.endswith("<p>after</p>")


def test_an_svg_with_anything_active_stays_an_image():
    for active in ('<svg><script>alert(1)</script></svg>', '<svg onload="alert(1)"></svg>', '<svg><a href="javascript:x()"/></svg>', "not svg"):
        page, count = inline_svg_figures(svg_output(active))
        assert count == 0 and page == svg_output(active), active


def test_a_notebook_page_is_cleaned_of_both_and_the_same_page_is_cleaned_once():
    figure = '<svg role="img" aria-label="A figure" viewBox="0 0 1 1"></svg>'
    page = NBCONVERT_HEAD + svg_output(figure)
    cleaned_notebook_page.cache_clear()
    cleaned = cleaned_notebook_page(page)
    assert "https://" not in cleaned and f'<div class="snippet-figure">{figure}</div>' in cleaned and "base64" not in cleaned
    assert cleaned_notebook_page(page) == cleaned and cleaned_notebook_page.cache_info().hits == 1
    assert cleaned_notebook_page(page + "<p>changed</p>").endswith("<p>changed</p>")  # another page is cleaned anew
