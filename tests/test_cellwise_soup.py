"""nbconvert's BeautifulSoup pass, cell by cell (notebook_pages.cellwise_soup), prints what nbconvert prints.

Each comparison is against nbconvert's own method or the pass on the whole
page, never against the module's own output.
"""
from __future__ import annotations

import logging

import nbconvert.exporters.html as html_exporter
import pytest
from bs4 import BeautifulSoup
from mkdocs_jupyter import convert

from notebook_pages import cellwise_soup
from notebook_pages.cellwise_soup import CellwiseSoup, soup_pass, split
from notebook_pages.prewarm import CONVERT_OPTIONS

from conftest import REPO

OPTIONS = {"kernel_name": "", "theme": "light", "allow_errors": False, "show_input": True, "no_input": False, "no_prompt": False,
           "remove_tag_config": {}, "highlight_extra_classes": "", "include_requirejs": False, "custom_mathjax_url": ""}
CELL = ('<div class="jp-Cell jp-CodeCell" id="cell-{n}"><div class="jp-Cell-inputWrapper"><pre>x = {n} &lt; 2 &amp;&#32;y</pre></div>'
        '<div class="jp-OutputArea"><div class="jp-OutputArea-output">{output}</div></div></div>\n')


def page(*outputs: str, outside: str = "") -> str:
    cells = "".join(CELL.format(n=n, output=output) for n, output in enumerate(outputs))
    return f'<script>if (a < b) {{ x = "</div>"; }}</script>{outside}\n<div class="jupyter-wrapper">\n<div class="jp-Notebook" data-x=1>\n{cells}</div>\n</div>\n'


def test_the_method_restated_is_nbconvert_s_as_installed():
    assert set(OPTIONS) == set(CONVERT_OPTIONS)
    assert cellwise_soup.checked_source_sha256() == cellwise_soup.CHECKED_SOURCE_SHA256, (
        "nbconvert's HTMLExporter.from_notebook_node changed: read it, bring soup_pass in line, and set "
        "CHECKED_SOURCE_SHA256 in scripts/notebook_pages/cellwise_soup.py to the new hash")


@pytest.mark.parametrize("notebook", sorted((REPO / "docs" / "notebooks").glob("*.ipynb")), ids=lambda path: path.stem)
def test_every_notebook_of_the_site_gets_the_page_nbconvert_makes(notebook, monkeypatch):
    templated: list[str] = []

    def recording(html, features):
        templated.append(html)
        return BeautifulSoup(html, features=features)

    monkeypatch.setattr(html_exporter, "BeautifulSoup", recording)
    own = convert.nb2html(str(notebook), execute=False, **OPTIONS)  # nbconvert's own pass
    monkeypatch.setattr(html_exporter, "BeautifulSoup", BeautifulSoup)
    assert len(templated) == 1
    memo = CellwiseSoup()
    assert cellwise_soup.install(memo)
    cold = convert.nb2html(str(notebook), execute=False, **OPTIONS)
    passes = memo.passes
    assert cold == own
    assert memo.run(templated[0]) == soup_pass(templated[0], wrapped=False)  # again, from kept cells only
    parts = split(templated[0])
    assert parts is not None and len(parts[1]) > 10  # it was cut into cells, not passed whole
    assert passes == len(parts[1]) + 1 and memo.passes == passes


@pytest.mark.parametrize(("name", "html"), [
    ("images without alt, inside and outside the notebook", page("<img src=a.png>", '<img src="b.png" alt="b">', outside='<p><img src="c.png"/></p>')),
    ("a notebook inside an output", page('<div class="jp-Notebook"><div class="jp-Cell-inputWrapper">in</div></div>')),
    ("void tags written both ways, a comment and entities", page("a<br>b<br/>c<hr /><!-- </div> -->&amp;&lt;&#x41;&nbsp;")),
    ("a stray end tag", page("</div>text", "ok")),
    ("an end tag of a void element", page("a</br>b")),
    ("a tag left open", page("<span>open", "ok")),
    ("no notebook at all", "<p>just a page <img src=x.png></p>"),
    ("the splitter's own marker in an output", page(cellwise_soup.MARK, "ok")),
])
def test_each_kind_of_markup_prints_as_the_whole_page_pass_prints_it(name, html):
    memo = CellwiseSoup()
    assert memo.run(html) == soup_pass(html, wrapped=False), name
    assert memo.run(html) == soup_pass(html, wrapped=False), name  # from what was kept


def test_markup_a_parser_must_guess_about_is_passed_whole():
    assert split(page("</div>text")) is None
    assert split(page("a</br>b")) is None
    assert split(page("<span>open")) is None
    assert split("<p>no notebook</p>") is None
    assert split(page("fine", "fine")) is not None


def test_a_cell_passed_without_its_notebook_around_it_would_be_caught():
    html = page("out")
    before, children, after = split(html)
    bare = "".join(str(BeautifulSoup(child, features="html.parser")) for child in children)
    outline = soup_pass(before + cellwise_soup.MARK + after, wrapped=False).html.partition(cellwise_soup.MARK)
    wrong = outline[0] + bare + outline[2]
    assert wrong != soup_pass(html, wrapped=False).html  # no tabindex on cells outside a .jp-Notebook
    assert 'tabindex="0"' in soup_pass(html, wrapped=False).html


def test_an_edited_cell_is_the_only_one_passed_again():
    memo = CellwiseSoup()
    memo.run(page("one", "two", "three"))
    before = memo.passes
    edited = page("one", "two, edited", "three")
    assert memo.run(edited) == soup_pass(edited, wrapped=False)
    assert memo.passes == before + 1


def test_kept_cells_stay_within_the_budget():
    memo = CellwiseSoup(budget=2000)
    for n in range(20):
        memo.run(page(f"output {n}"))
        assert memo.size <= 2000 or len(memo.kept) == 1
    assert memo.size == sum(len(key) + len(passed.html) for key, passed in memo.kept.items())


def test_images_without_alt_are_still_counted_in_nbconvert_s_warning(monkeypatch):
    monkeypatch.setattr(html_exporter, "BeautifulSoup", BeautifulSoup)  # put back after the test
    assert cellwise_soup.install(CellwiseSoup())
    soup = html_exporter.BeautifulSoup(page("<img src=a.png>", "<img src=b.png>"), features="html.parser")
    found = soup.select("img:not([alt])")
    assert len(found) == 2 and soup.select(".jp-Notebook div.jp-Cell-inputWrapper") == []
    assert 'alt="No description has been provided for this image"' in str(soup)


def test_another_nbconvert_is_left_as_it_is(monkeypatch, caplog):
    monkeypatch.setattr(html_exporter, "BeautifulSoup", BeautifulSoup)
    monkeypatch.setattr(cellwise_soup, "CHECKED_SOURCE_SHA256", "0" * 64)
    with caplog.at_level(logging.DEBUG, logger="mkdocs.plugins.notebook_pages"):
        assert not cellwise_soup.install(CellwiseSoup())
    assert html_exporter.BeautifulSoup is BeautifulSoup
    assert "not the one cellwise_soup was checked against" in caplog.text
