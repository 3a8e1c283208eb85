#!/usr/bin/env python3
"""Scaffold a new article from its slug: `make article NAME=<slug>` (or `python scripts/new_article.py <slug>`).

One naming rule for everything an article owns, from its slug (lower-case
words joined by hyphens, e.g. `label-smoothing`):

    docs/<slug>.md, docs/<slug>.zh.md        the article, English and Chinese
    snippets/<slug with _>/                  its snippets (`label_smoothing/`: a Python-friendly name)
    tests/reference_checks/<slug with _>.py  the independent checks of its bound values
    docs/notebooks/<slug>.ipynb              its notebook (written by `make outputs`)

It writes those with the article standard's skeleton and a starter snippet
that runs, adds the nav and nav_translations entries to mkdocs.yml and a row
to both home pages, then runs the starter snippet so that its output, notebook
and findings exist. The pages start as drafts (`status: draft`): their TODO
markers are shown, and the strict build accepts them until the status line
is removed.
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SLUG = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")


class ScaffoldError(Exception):
    pass


@dataclass(frozen=True)
class NewArticle:
    slug: str

    @property
    def folder(self) -> str:
        return self.slug.replace("-", "_")

    @property
    def title(self) -> str:
        return self.slug.replace("-", " ").capitalize()

    def paths(self, root: Path) -> dict[str, Path]:
        return {
            "page": root / "docs" / f"{self.slug}.md",
            "page_zh": root / "docs" / f"{self.slug}.zh.md",
            "snippet": root / "snippets" / self.folder / "first_look.py",
            "checks": root / "tests" / "reference_checks" / f"{self.folder}.py",
        }


def scaffold(root: Path, slug: str, run: bool = True) -> list[Path]:
    """Write the article's files and entries under `root`; returns the files written."""
    if not SLUG.match(slug):
        raise ScaffoldError(f"'{slug}' is not a slug: use lower-case letters and digits, words joined by hyphens (e.g. label-smoothing)")
    article = NewArticle(slug)
    paths = article.paths(root)
    taken = [p for p in (*paths.values(), root / "snippets" / article.folder) if p.exists()]
    if taken:
        raise ScaffoldError(f"'{slug}' exists already: {', '.join(str(p.relative_to(root)) for p in taken)}")
    paths["snippet"].parent.mkdir(parents=True)
    paths["snippet"].write_text(SNIPPET.format(title=article.title), encoding="utf-8")
    paths["checks"].write_text(CHECKS.format(slug=slug, folder=article.folder), encoding="utf-8")
    paths["page"].write_text(PAGE_EN.format(title=article.title, folder=article.folder), encoding="utf-8")
    paths["page_zh"].write_text(PAGE_ZH.format(title=article.title, folder=article.folder), encoding="utf-8")
    add_to_nav(root / "mkdocs.yml", article)
    add_home_rows(root / "docs", article)
    written = list(paths.values()) + [root / "mkdocs.yml", root / "docs" / "index.md", root / "docs" / "index.zh.md"]
    if run:
        result = subprocess.run([sys.executable, str(REPO / "scripts" / "run_snippets.py"), "--root", str(root)], capture_output=True, text=True)
        if result.returncode != 0:
            raise ScaffoldError(f"the starter snippet did not run:\n{result.stdout}{result.stderr}")
    return written


def add_to_nav(config: Path, article: NewArticle) -> None:
    """The article and its notebook at the end of `Articles:`, and their Chinese titles (text edits keep comments)."""
    lines = config.read_text(encoding="utf-8").split("\n")
    try:
        start = lines.index("  - Articles:")
    except ValueError:
        raise ScaffoldError(f"{config}: no `  - Articles:` section under nav; add the entries by hand") from None
    end = start + 1
    while end < len(lines) and lines[end].startswith("      "):
        end += 1
    entries = [f'      - "{article.title}": {article.slug}.md', f'      - "Notebook: {article.title}": notebooks/{article.slug}.ipynb']
    lines[end:end] = entries
    try:
        translations = next(i for i, line in enumerate(lines) if line.strip() == "nav_translations:")
    except StopIteration:
        raise ScaffoldError(f"{config}: no nav_translations under the zh language; add the Chinese titles by hand") from None
    indent = " " * (len(lines[translations]) - len(lines[translations].lstrip()) + 2)
    lines[translations + 1:translations + 1] = [f'{indent}"{article.title}": "{article.title}（草稿）"', f'{indent}"Notebook: {article.title}": "Notebook：{article.title}"']
    config.write_text("\n".join(lines), encoding="utf-8")


def add_home_rows(docs: Path, article: NewArticle) -> None:
    rows = {
        "index.md": f"| [{article.title}]({article.slug}.md) | **TODO:** what this article shows, in one sentence. |",
        "index.zh.md": f"| [{article.title}]({article.slug}.md) | **TODO：**用一句话说明本文讲什么。 |",
    }
    for name, row in rows.items():
        page = docs / name
        lines = page.read_text(encoding="utf-8").split("\n")
        table = [i for i, line in enumerate(lines) if line.startswith("| [")]
        if not table:
            raise ScaffoldError(f"{page}: no article table (rows starting with '| ['); add the row by hand")
        lines.insert(table[-1] + 1, row)
        page.write_text("\n".join(lines), encoding="utf-8")


SNIPPET = '''"""{title}: a first look. TODO: say what this snippet shows."""

import torch
import torch.nn.functional as F

# The inputs the article states: one sample, three classes, class 1 is the target.
logits = torch.tensor([[1.0, 2.0, 0.5]])
target = torch.tensor([1])

# --8<-- [start:first_look]
loss = F.cross_entropy(logits, target)
print(f"loss = {{loss.item():.4f}}")
# --8<-- [end:first_look]

VALUES = {{
    "logits": logits.tolist(),
    "target": target.tolist(),
    "loss": loss.item(),
}}
'''

CHECKS = '''"""Independent checks of every value that docs/{slug}.md binds (snippets/{folder}/).

No torch, no outputs read: the inputs are stated again, rounded to float32
exactly, and every float is recomputed from its formula with mpmath at 200 bits.
"""
from __future__ import annotations

import mpmath
import numpy as np

from reference_checks import Exact, Input, Near
from reference_checks import formulas as ref

LOGITS = [[1.0, 2.0, 0.5]]
TARGETS = [1]
F32 = 4  # ulp: log_softmax and nll chain about six float32 operations, each within an ulp


def _loss() -> mpmath.mpf:
    return ref.cross_entropy_batch(ref.f32_matrix(LOGITS), TARGETS, "mean")


CHECKS = {{
    "first_look.py": {{
        "logits": Input(LOGITS),
        "target": Exact(TARGETS, why="the target class the article states"),
        "loss": Near(_loss, ulp=F32),
    }},
}}


def _self_check() -> None:
    """The reference can fail: the right float32 value passes, one 1e-4 relative off does not."""
    from reference_checks import evaluate

    right = float(np.float32(float(_loss())))
    assert evaluate(CHECKS["first_look.py"]["loss"], right)[0].passed
    assert not evaluate(CHECKS["first_look.py"]["loss"], float(np.float32(right * (1 + 1e-4))))[0].passed
'''

PAGE_EN = """---
status: draft
description: "TODO: one sentence on what the article shows, for search results and link previews."
---
# {title}

**TODO:** open with the question this article answers, and answer it here, in
the first screen, in two or three sentences. Link to the articles it builds on,
e.g. [CrossEntropyLoss = LogSoftmax + NLLLoss](cross-entropy.md).

## Derivation

**TODO:** derive the result step by step, in the site's notation (see the
[glossary](glossary.md)).

## Verification

**TODO:** check the derivation with a run. Every number in the text comes from
a snippet: the loss below is {{{{ run: {folder}/first_look.py loss | .4f }}}}.

```python
--8<-- "{folder}/first_look.py:first_look"
```

## What PyTorch runs

**TODO:** what PyTorch computes, with links to its source pinned to the tag the
outputs come from (`https://github.com/pytorch/pytorch/blob/v2.13.0/...`).
Heavy machinery goes in a collapsible block:

??? note "Inside PyTorch"
    **TODO:** profiler traces, dispatch, C++ call chains.

## When to use which

**TODO:** guidance for the reader.

## Common mistakes

**TODO:** each mistake shown failing, with its exact error message, next to the
right way.
"""

PAGE_ZH = """---
status: draft
description: "TODO：用一句话说明本文讲什么，供搜索结果和链接预览使用。"
---
# {title}

**TODO：**开头提出本文要回答的问题，并在第一屏用两三句话回答它。链接到本文所依据的文章，例如 [CrossEntropyLoss 即 LogSoftmax + NLLLoss](cross-entropy.md)。

## 推导

**TODO：**用本站统一的记号（见[术语表](glossary.md)）一步一步推导结论。

## 验证

**TODO：**用一次运行检验推导。正文中的每个数字都来自代码片段：下面的损失是 {{{{ run: {folder}/first_look.py loss | .4f }}}}。

```python
--8<-- "{folder}/first_look.py:first_look"
```

## PyTorch 实际执行的是什么

**TODO：**PyTorch 计算了什么，附上固定到产生输出的版本标签的源码链接（`https://github.com/pytorch/pytorch/blob/v2.13.0/...`）。繁重的细节放进可折叠的块：

??? note "PyTorch 内部"
    **TODO：**profiler 调用树、分发机制、C++ 调用链。

## 何时用哪一个

**TODO：**给读者的建议。

## 常见错误

**TODO：**每个错误都实际运行一遍，给出确切的报错信息，并与正确写法并列。
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("slug", help="the article's slug, e.g. label-smoothing")
    parser.add_argument("--root", default=str(REPO), help="the project's folder (default: this checkout)")
    args = parser.parse_args(argv)
    try:
        written = scaffold(Path(args.root).resolve(), args.slug)
    except ScaffoldError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    root = Path(args.root).resolve()
    for path in written:
        print(f"wrote   {path.relative_to(root)}")
    article = NewArticle(args.slug)
    print(f"\nNext: write docs/{args.slug}.md and its Chinese twin, snippets in snippets/{article.folder}/, "
          f"a check per bound value in tests/reference_checks/{article.folder}.py; `make serve` shows it, "
          f"`make check ARTICLE={args.slug}` checks it. Remove `status: draft` to publish.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
