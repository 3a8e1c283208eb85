#!/usr/bin/env python3
"""The phone candidates of issue 16, measured: which change gets the longest article to Lighthouse mobile >= 90.

    .venv/bin/python scripts/phone_candidates.py                       # every variant, 3 rounds
    .venv/bin/python scripts/phone_candidates.py --site site --rounds 5 as-built cv-blocks

Every variant is a transformation of one build of the site, so all of them
carry the same content; only the longest article's page changes:

  as-built     the site as `mkdocs build` makes it (what is shipped; since the choice,
               it has cv-blocks in the site's stylesheet: measure against
               `git stash`-ed CSS, or add `no-cv` to take it off)
  no-cv        the site's own `content-visibility` rule switched off
  cv-blocks    `content-visibility: auto` on each top-level block of the article
  cv-sections  the article's `##` sections wrapped in <section>, `content-visibility: auto` on each
  mathml       KaTeX's HTML removed and its MathML shown: what KaTeX's `output: 'mathml'` gives
               (the site has been built that way since this was measured: katex-prerender's
               `output: mathml`; on such a build this variant changes nothing)
  half         the article cut after half of its sections: what each page of a split in two weighs
  no-katex-css KaTeX's stylesheet and fonts not loaded (with mathml: what MathML alone costs)

and `a+b` combines them. Lighthouse (mobile preset, Debian's Chromium) runs on
each variant in turn, `--rounds` times (interleaved, so a slow spell of a
shared machine hits every variant); the best performance score of each is
kept, with its Total Blocking Time, LCP, DOM size, and Lighthouse's
benchmarkIndex of that run: the machine's speed when the run was made, the
yardstick that says whether two figures can be compared.
"""
from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from site_checks import lighthouse_budget
from site_checks.local_site_server import served

ARTICLE_BODY = re.compile(r'(<article class="md-content__inner md-typeset">)(.*?)(</article>)', re.DOTALL)


def _style(page: str, css: str) -> str:
    return page.replace("</head>", f"<style>{css}</style></head>", 1)


def _article(page: str, change: Callable[[str], str]) -> str:
    return ARTICLE_BODY.sub(lambda m: m.group(1) + change(m.group(2)) + m.group(3), page, count=1)


def cv_blocks(page: str) -> str:
    return _style(page, ".md-content__inner > :not(h1, h2, h3, h4) { content-visibility: auto; contain-intrinsic-size: auto 8em; }")


def cv_sections(page: str) -> str:
    def wrap(body: str) -> str:
        head, *sections = re.split(r"(?=<h2[\s>])", body)
        return head + "".join(f'<section class="cv">{section}</section>' for section in sections)

    return _style(_article(page, wrap), ".cv { content-visibility: auto; contain-intrinsic-size: auto 1200px; }")


def mathml(page: str) -> str:
    from bs4 import BeautifulSoup

    def strip(body: str) -> str:
        soup = BeautifulSoup(body, "html.parser")
        for visual in soup.select(".katex-html"):
            visual.decompose()
        for wrapper in soup.select(".katex-mathml"):
            wrapper.unwrap()
        return str(soup)

    return _article(page, strip)


def half(page: str) -> str:
    def cut(body: str) -> str:
        parts = re.split(r"(?=<h2[\s>])", body)
        return "".join(parts[: 1 + (len(parts) - 1) // 2])

    return _article(page, cut)


def no_cv(page: str) -> str:
    return _style(page, ".md-content__inner > :not(section) { content-visibility: visible !important; contain-intrinsic-size: none !important; }")


def no_katex_css(page: str) -> str:
    return re.sub(r'<link rel="stylesheet" href="[^"]*katex\.min\.css">', "", page)


VARIANTS: dict[str, Callable[[str], str]] = {
    "as-built": lambda page: page, "cv-blocks": cv_blocks, "cv-sections": cv_sections,
    "mathml": mathml, "half": half, "no-katex-css": no_katex_css, "no-cv": no_cv,
}
DEFAULT = ["no-cv", "cv-blocks", "no-cv+cv-sections", "no-cv+mathml", "mathml+cv-blocks", "no-cv+half", "half+cv-blocks"]


def make_variant(site: Path, into: Path, name: str, article: str) -> Path:
    shutil.copytree(site, into)
    page = into / article.strip("/") / "index.html"
    html = page.read_text(encoding="utf-8")
    for part in name.split("+"):
        html = VARIANTS[part](html)
    page.write_text(html, encoding="utf-8")
    return into


def summary(lhr: dict) -> dict:
    audits = lhr["audits"]
    score = lhr["categories"]["performance"]["score"]
    return {
        "performance": None if score is None else round(score * 100),
        "tbt": audits["total-blocking-time"].get("numericValue"),
        "lcp": audits["largest-contentful-paint"].get("numericValue"),
        "dom": audits["dom-size"].get("numericValue"),
        "benchmark": lhr["environment"]["benchmarkIndex"],
        "error": None if score is not None else audits["first-contentful-paint"].get("errorMessage", "no score"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("variants", nargs="*", default=DEFAULT, help=f"variants (default: {' '.join(DEFAULT)})")
    parser.add_argument("--site", type=Path, help="a built site (default: build one)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--preset", choices=("mobile", "desktop"), default="mobile")
    args = parser.parse_args(argv)
    unknown = [part for name in args.variants for part in name.split("+") if part not in VARIANTS]
    if unknown:
        parser.error(f"unknown variant(s) {unknown}; choose from {list(VARIANTS)}")

    work = Path(tempfile.mkdtemp(prefix="phone-candidates-"))
    try:
        site = args.site or work / "site"
        if args.site is None:
            lighthouse_budget.build_site(site)
        article = lighthouse_budget.longest_article(site)
        print(f"the longest article: {article}")
        folders = {name: make_variant(site, work / f"variant-{i}", name, article) for i, name in enumerate(args.variants)}
        results: dict[str, list[dict]] = {name: [] for name in folders}
        for round_number in range(args.rounds):
            for name, folder in folders.items():
                with served(folder, compress=True) as base:
                    lhr = lighthouse_budget.run_lighthouse(base + article, args.preset, work / "report.json")
                row = summary(lhr)
                results[name].append(row)
                shown = row["error"] or f"performance {row['performance']:3d}  TBT {row['tbt']:6.0f} ms  LCP {row['lcp']:6.0f} ms"
                print(f"round {round_number + 1}  {name:22s} {shown}  DOM {row['dom']:.0f}  benchmarkIndex {row['benchmark']:.0f}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"\nbest of {args.rounds} ({args.preset} preset), with the benchmarkIndex of that run:")
    for name, rows in results.items():
        scored = [row for row in rows if row["performance"] is not None]
        if not scored:
            print(f"  {name:22s} no score in any run: {rows[0]['error']}")
            continue
        best = max(scored, key=lambda row: row["performance"])
        all_scores = [row["performance"] if row["performance"] is not None else "-" for row in rows]
        print(f"  {name:22s} {best['performance']:3d}  (runs {all_scores})  TBT {best['tbt']:.0f} ms  LCP {best['lcp']:.0f} ms  DOM {best['dom']:.0f}  benchmarkIndex {best['benchmark']:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
