"""Output blocks converted apart from their page give the page's own conversion (verified_snippets.output_slots).

The comparison is with MkDocs' `Page.render` of the whole page, never with
the slots' code: every page of the real site is converted both ways, and
each refusal of `fill` is shown to be needed, by what the whole conversion
does where it applies.
"""
from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from mkdocs.config import load_config
from mkdocs.structure.files import Files, get_files
from mkdocs.structure.pages import Page

from verified_snippets import output_slots
from verified_snippets.output_slots import OutputSlot, fill, inline, make_slot, slot_lines
from verified_snippets.page_markup import find_embeds
from verified_snippets.render_memo import RenderMemo
from verified_snippets.settings import load_site
from verified_snippets.site_state import PageContext, SiteState


def convert(markdown: str, src: str, config, files: Files, memo: RenderMemo | None = None, slots: tuple[OutputSlot, ...] = ()) -> Page:
    page = Page(None, files.get_file_from_path(src), config)
    page.markdown = markdown
    if memo is not None:
        memo.install(page)
        assert memo.takes_slots(page, config)
        memo.give_slots(page, slots)
    page.render(config, files)
    return page


@pytest.fixture(scope="module")
def real_pages(tmp_path_factory, repo):
    """Every Markdown page of the real site, rendered whole and with slots, and the site's Markdown settings."""
    import shutil

    root = tmp_path_factory.mktemp("slots") / "site"
    for name in ("docs", "snippets"):
        shutil.copytree(repo / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(repo / "tests" / "reference_checks", root / "tests" / "reference_checks", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(repo / "mkdocs.yml", root / "mkdocs.yml")
    state = SiteState(load_site(root), runs_snippets=False)
    state.prepare()
    config = load_config(str(root / "mkdocs.yml"))
    files = get_files(config)
    pages = []
    for path in sorted((root / "docs").rglob("*.md")):
        src = path.relative_to(root / "docs").as_posix()
        context = PageContext(src, "zh" if ".zh." in path.name else "en")
        markdown = path.read_text(encoding="utf-8")
        cite = state.cite_block(markdown, context, "Site", f"https://example.org/{src}")  # as the plugin appends it
        whole, _ = state.render_page(markdown, context)
        outline, _ = state.render_page(markdown, context, slotted=True)
        outline, slots = output_slots.append_block(outline, state.output_slots.pop(src, ()), cite)
        pages.append((src, whole + cite, outline, slots))
    return config, files, pages, root


def test_every_page_of_the_site_converts_apart_as_it_does_whole(real_pages):
    config, files, pages, _ = real_pages
    memo = RenderMemo()
    slotted_pages = 0
    for src, whole_markdown, outline, slots in pages:
        whole = convert(whole_markdown, src, config, files)
        apart = convert(outline, src, config, files, memo, slots)
        assert inline(outline, slots) == whole_markdown, src
        assert apart.markdown == whole_markdown, src
        assert apart.content == whole.content, src
        assert [(item.id, item.title, [child.id for child in item.children]) for item in apart.toc] == [(item.id, item.title, [child.id for child in item.children]) for item in whole.toc], src
        assert apart.title == whole.title, src
        assert apart.present_anchor_ids == whole.present_anchor_ids, src
        slotted_pages += bool(slots)
    # Every article in both languages shows outputs; a page with none has no slots.
    articles = [src for src, whole, _, _ in pages if any(e.snippet.endswith(".py") for e in find_embeds(whole)[0])]
    assert len(articles) >= 8 and slotted_pages == len(articles)


def test_a_new_output_converts_only_its_block(real_pages):
    config, files, pages, _ = real_pages
    src, whole_markdown, outline, slots = next(page for page in pages if page[0] == "cross-entropy.md")
    memo = RenderMemo()
    convert(outline, src, config, files, memo, slots)
    misses = memo.misses
    printed = re.sub(r'(title="Output"[^\n]*\n)', r"\1A new line\n", slots[0].markdown, count=1)  # a first line of output
    assert printed != slots[0].markdown
    changed = (OutputSlot(slots[0].token, slots[0].indent, printed),) + slots[1:]
    apart = convert(outline, src, config, files, memo, changed)
    assert memo.misses == misses + 1  # the outline and the other blocks came back
    whole = convert(inline(outline, changed), src, config, files)
    assert "A new line" in apart.content and apart.content == whole.content


def test_a_snippet_edit_converts_only_the_blocks_that_show_it(real_pages):
    """An embed's fence moves into its slot with the output: the outline no longer includes the snippet."""
    config, files, pages, root = real_pages
    src, _, outline, slots = next(page for page in pages if page[0] == "cross-entropy.md")
    assert all(slot.markdown.startswith("```") and "--8<--" in slot.markdown for slot in slots[:-1])
    assert 'class="cite-page"' in slots[-1].markdown  # the last: it names the outputs' version
    assert "--8<--" not in outline.replace('--8<-- "', "")  # only includes that are not embeds stay
    snippet, _, section = re.search(r'--8<-- "([^"]+)"', slots[0].markdown).group(1).partition(":")  # type: ignore[union-attr]  # every slot has one
    showing = sum(f'"{snippet}' in slot.markdown for slot in slots)
    memo = RenderMemo()
    convert(outline, src, config, files, memo, slots)
    path = root / "snippets" / snippet
    original = path.read_text(encoding="utf-8")
    try:
        end = f"# --8<-- [end:{section}]"
        path.write_text(original.replace(end, f"edited_line_of_code = 1\n{end}") if section else original + "\nedited_line_of_code = 1\n", encoding="utf-8")
        misses = memo.misses
        apart = convert(outline, src, config, files, memo, slots)
        assert memo.misses == misses + showing  # the outline and the other blocks came back
        assert "edited_line_of_code" in apart.content
        assert apart.content == convert(inline(outline, slots), src, config, files).content
    finally:
        path.write_text(original, encoding="utf-8")


def test_a_wrong_block_would_show(real_pages):
    """What a block converts to is what the page shows: the comparison above catches a wrong one."""
    config, files, pages, _ = real_pages
    src, whole_markdown, outline, slots = next(page for page in pages if page[0] == "cross-entropy.md")
    memo = RenderMemo()
    convert(outline, src, config, files, memo, slots)
    key = next(key for key, kept in memo.kept.items() if "snippet-output" in kept.content and "snippet-output-slot" not in kept.content)
    memo.kept[key] = type(memo.kept[key])(**{**memo.kept[key].__dict__, "content": "<p>wrong</p>"})
    apart = convert(outline, src, config, files, memo, slots)
    assert "<p>wrong</p>" in apart.content
    assert apart.content != convert(whole_markdown, src, config, files).content


# ---------------------------------------------------------------------------- small pages: what is refused, and why

SETTINGS = """\
site_name: Slots
markdown_extensions:
  - toc:
      permalink: true
  - attr_list
  - admonition
  - pymdownx.superfences
  - pymdownx.highlight{highlight}
"""


def small_site(tmp_path: Path, page: str, highlight: str = "") -> tuple:
    (tmp_path / "docs").mkdir(exist_ok=True)
    (tmp_path / "mkdocs.yml").write_text(SETTINGS.format(highlight=highlight))
    (tmp_path / "docs" / "index.md").write_text(page)
    config = load_config(str(tmp_path / "mkdocs.yml"))
    return config, get_files(config)


BLOCK = ["", '``` { .text title="Output" #output-a }', "1.5", "```", "", "`snippets/a.py` · generated", "{ .snippet-provenance }", ""]


def slotted(before: str, after: str, block: list[str] = BLOCK, indent: str = "") -> tuple[str, str, tuple[OutputSlot, ...]]:
    """A page with one output block under `before`, whole and with its slot."""
    slot = make_slot(1, indent, [indent + row if row else row for row in block])
    whole = before + "\n".join(indent + row if row else row for row in block) + "\n" + after
    outline = before + "\n".join(slot_lines(slot)) + "\n" + after
    assert inline(outline, (slot,)) == whole
    return whole, outline, (slot,)


def test_a_block_inside_an_admonition_converts_apart_as_whole(tmp_path):
    whole, outline, slots = slotted('# T\n\n!!! note "Run"\n\n    ```python\n    x = 1\n    ```\n', "\nAfter.\n", indent="    ")
    config, files = small_site(tmp_path, whole)
    apart = convert(outline, "index.md", config, files, RenderMemo(), slots)
    assert apart.content == convert(whole, "index.md", config, files).content
    assert 'class="admonition note"' in apart.content and "1.5" in apart.content


def test_a_heading_with_a_blocks_id_is_refused(tmp_path):
    """Whole, the toc gives the heading another id, since the block has it; apart it could not know."""
    block = ["", "`snippets/a.py` · generated", "{ .snippet-provenance #output-a }", ""]  # a block that printed nothing
    whole, outline, slots = slotted("# T\n\n## Output a\n\n```python\nx = 1\n```\n", "", block)
    config, files = small_site(tmp_path, whole)
    whole_page = convert(whole, "index.md", config, files)
    assert 'id="output-a_1"' in whole_page.content  # what the refusal protects
    apart = convert(outline, "index.md", config, files, RenderMemo(), slots)
    assert apart.content == whole_page.content


def test_a_slot_that_is_not_a_paragraph_of_its_own_is_refused():
    """A tight list item writes no paragraph: the slot's text would be left on the page."""
    blocks = {"snippet-output-slot-1": "<pre>x</pre>"}
    assert fill("<ul><li>snippet-output-slot-1</li></ul>", blocks) is None
    assert fill("<p>See snippet-output-slot-1 here.</p>", blocks) is None
    assert fill("<p>snippet-output-slot-1</p>", blocks) == "<pre>x</pre>"


def test_a_slot_is_found_by_its_whole_number():
    html = "<p>snippet-output-slot-1</p><p>snippet-output-slot-10</p>"
    assert fill(html, {"snippet-output-slot-1": "<b>one</b>", "snippet-output-slot-10": "<b>ten</b>"}) == "<b>one</b><b>ten</b>"
    assert fill(html + "<p>snippet-output-slot-1</p>", {"snippet-output-slot-1": "<b>one</b>"}) is None


def test_numbered_code_lines_turn_slots_off(tmp_path):
    """With line anchors, pymdownx.highlight numbers a page's code blocks: without the output blocks, later ones would change."""
    page = "# T\n\n```python\nx = 1\n```\n" + "\n".join(BLOCK) + "\n```python\ny = 2\n```\n"
    config, files = small_site(tmp_path, page, ":\n      anchor_linenums: true\n      linenums: true")
    assert not output_slots.can_use(config.mdx_configs)
    assert "__codelineno-2-" in convert(page, "index.md", config, files).content  # the third block is numbered 2
    config, _ = small_site(tmp_path, page)
    assert output_slots.can_use(config.mdx_configs)


def test_a_page_that_holds_a_tokens_text_gets_no_slots():
    assert output_slots.may_slot("Plain text.\n")
    assert not output_slots.may_slot(textwrap.dedent("Here: snippet-output-slot-1\n"))
