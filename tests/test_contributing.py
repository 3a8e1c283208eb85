"""The contributor guide: one text in the repository's CONTRIBUTING.md and on the site, in both languages."""
from __future__ import annotations

import re

from conftest import REPO

# On the site the guide's example include is escaped (`;--8<--`), or pymdownx.snippets would include the file.
ESCAPED_INCLUDE = re.compile(r"^(\s*);--8<--", re.MULTILINE)


def test_contributing_md_is_the_english_page_of_the_site():
    page = ESCAPED_INCLUDE.sub(r"\1--8<--", (REPO / "docs" / "contributing.md").read_text(encoding="utf-8"))
    assert page == (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8"), (
        "CONTRIBUTING.md and docs/contributing.md differ: edit one, then copy it over the other "
        "(with `;--8<--` in the site's copy)"
    )


def test_the_sync_check_catches_an_edit_to_one_copy_only():
    page = ESCAPED_INCLUDE.sub(r"\1--8<--", (REPO / "docs" / "contributing.md").read_text(encoding="utf-8"))
    assert page + "\nOne more line.\n" != (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")


def test_the_chinese_guide_has_the_same_sections():
    def headings(name: str) -> int:
        return sum(1 for line in (REPO / "docs" / name).read_text(encoding="utf-8").splitlines() if line.startswith("## "))

    assert headings("contributing.zh.md") == headings("contributing.md") > 0
