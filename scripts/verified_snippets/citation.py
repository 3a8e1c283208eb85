"""A "Cite this page" block under each article, naming the version of the outputs its numbers come from.

The outputs' version is a short hash of the records of the snippets the page
shows or binds (each committed record's own content hash, `record_sha256`): it changes
whenever any number on the page could have, and only then. The block also
names the PyTorch version and the date of the latest run among them, and the
page's canonical address, and gives the same as BibTeX. It is generated at
build time, so it cannot drift from the outputs, and kept out of the search
index (`data-search-exclude`).
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

from .output_records import OutputRecord

LABELS = {
    "en": {"summary": "Cite this page", "outputs": "outputs", "run": "PyTorch {torch}, run {date}"},
    "zh": {"summary": "引用本页", "outputs": "输出版本", "run": "PyTorch {torch}，运行于 {date}"},
}


def outputs_version(record_hashes: Mapping[str, str]) -> str:
    """12 hex digits that change exactly when one of the records does: `{snippet: its record_sha256}`."""
    hashes = sorted(f"{snippet}:{digest}" for snippet, digest in record_hashes.items())
    return hashlib.sha256("\n".join(hashes).encode("utf-8")).hexdigest()[:12]


def plain_title(title: str) -> str:
    """The page title without Markdown code marks."""
    return re.sub(r"`([^`]*)`", r"\1", title).strip()


def cite_block(title: str, site_name: str, url: str, records: list[OutputRecord], record_hashes: Mapping[str, str], language: str, key: str) -> str:
    """Markdown for the block (md_in_html and pymdownx.details); `key` names the BibTeX entry."""
    if not records:
        return ""
    labels = LABELS.get(language, LABELS["en"])
    title = plain_title(title)
    torch = ", ".join(sorted({record.environment.get("torch", "?").split("+")[0] for record in records}))
    date = max(record.generated[:10] for record in records)
    version = outputs_version(record_hashes)
    run = labels["run"].format(torch=torch, date=date)
    bibtex_title = title.replace("{", "\\{").replace("}", "\\}")
    return "\n".join([
        "",
        '<div class="cite-page" markdown data-search-exclude>',
        "",
        f'??? quote "{labels["summary"]}"',
        f"    {title}. *{site_name}*, {labels['outputs']} `{version}` ({run}). <{url}>",
        "",
        "    ```bibtex",
        f"    @misc{{{key},",
        f"      title = {{{bibtex_title}}},",
        f"      howpublished = {{\\url{{{url}}}}},",
        f"      note = {{{site_name}; {labels['outputs']} {version}; {run}}},",
        "    }",
        "    ```",
        "",
        "</div>",
        "",
    ])
