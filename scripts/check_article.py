#!/usr/bin/env python3
"""The checks that concern one article, fast: `make check ARTICLE=<slug>`.

    python scripts/check_article.py cross-entropy

1. its outputs, notebook and reference-check findings are current (nothing is run);
2. its tests: every bound value checked and passing (the mutation included), its
   notebook made of its snippets and their outputs, both editions in step;
3. a strict build of the whole site (in parallel with 2).

Use it while writing an article; run the full `make test` before asking for a merge
(it adds what takes a fresh interpreter per snippet, running each snippet and the
notebook as a reader does, the engine's own tests, the browser tests and every other
article).
Exit status 0 when all pass.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from verified_snippets import freshness, notebooks, reference_checks
from verified_snippets.page_index import PageIndex
from verified_snippets.settings import load_site

REPO = Path(__file__).resolve().parent.parent
# The parity tests of test_i18n that read only the sources (no build).
I18N_PARITY = ["test_every_english_page_has_a_chinese_twin", "test_twins_embed", "test_twins_bind", "test_chinese_text_in_formulas", "test_the_chinese_article_covers"]


def stale_parts(slug: str) -> tuple[list[str], list[str]]:
    """(what is stale, the snippet folders of the article)."""
    site = load_site(REPO)
    project = site.project
    outlines = [o for o in PageIndex(project).pages() if o.page.name in (f"{slug}.md", f"{slug}.zh.md")]
    shown = sorted({e.snippet for o in outlines for e in o.embeds} | {b.binding.snippet for o in outlines for b in o.bindings})
    folders = sorted({name.partition("/")[0] for name in shown})
    problems = [f"{s.snippet.display_path}: {s.reason}" for s in freshness.check_all([project.snippet(n) for n in shown if (project.snippets_dir / n).is_file()]) if s.reason]
    problems += [f"{project.display(path)}: {why}" for path, why in notebooks.stale_notebooks(project) if path.stem == slug]
    problems += [f"{project.display(path)}: {why}" for path, why in reference_checks.stale_results(project, project.checks_dir) if path.parent.parent.name in folders]
    return problems, folders


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("slug", help="the article's slug: docs/<slug>.md")
    args = parser.parse_args(argv)
    if not (REPO / "docs" / f"{args.slug}.md").is_file():
        print(f"error: docs/{args.slug}.md does not exist (the slug is the page's file name without .md)", file=sys.stderr)
        return 2
    started = time.perf_counter()
    stale, folders = stale_parts(args.slug)
    for problem in stale:
        print(f"stale   {problem}")
    with tempfile.TemporaryDirectory(prefix="check-article-") as site_dir:
        build = subprocess.Popen([str(Path(sys.executable).with_name("mkdocs")), "build", "--strict", "-q", "-d", site_dir], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
        # This article's parametrized tests (not the ones that need a build of their own), and the parity tests.
        own = " or ".join([args.slug, *folders])
        selection = f"(({own}) and not test_search and not real_site and not fresh) or " + " or ".join(I18N_PARITY)
        tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", selection,
                                "tests/test_reference_checks.py", "tests/test_notebooks.py", "tests/test_i18n.py"], cwd=REPO)
        log, _ = build.communicate()
    if build.returncode != 0:
        print(f"\nmkdocs build --strict failed:\n{log}", file=sys.stderr)
    ok = not stale and tests.returncode == 0 and build.returncode == 0
    print(f"\n{'passed' if ok else 'FAILED'}: {args.slug} in {time.perf_counter() - started:.0f} s"
          + ("" if not stale else " (stale outputs: run `make outputs`)"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
