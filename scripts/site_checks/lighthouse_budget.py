#!/usr/bin/env python3
"""Lighthouse budget for the longest article: scores and transfer size against targets, on a phone and a desktop.

    .venv/bin/python scripts/lighthouse_budget.py                 # build the site (strict) into a temp folder
    .venv/bin/python scripts/lighthouse_budget.py --site site     # or use a built one
    .venv/bin/python scripts/lighthouse_budget.py --preset mobile --report /tmp/lh.json

The page is the longest article (the largest page of the default language,
notebooks aside) unless --page names another. The site is served on
127.0.0.1 by a threaded http.server that gzips text (HTML, CSS, JS, JSON,
SVG), as every static host does, so "transfer size" is what a reader
downloads. Lighthouse (node_modules/.bin/lighthouse, 12.2.3) drives Debian's
Chromium (/usr/bin/chromium) headless with its default simulated throttling.

Both presets by default: mobile (Lighthouse's phone emulation: slow 4G, 4x CPU
slowdown) and desktop, each against its own targets (TARGETS). A preset runs
up to --runs times and stops at the first run that meets every target; when
none does, the run with the best performance score is reported, because a
busy machine only ever lowers it. Each run's benchmarkIndex (Lighthouse's
measure of the machine's speed at that moment) is printed beside its score,
as the yardstick that says whether the machine was busy.

Prints the four category scores (0-100) and the total transfer size in KB
(the `total-byte-weight` audit), compares them with the targets, lists the
audits that cost points in a category under target, and exits 1 if a target
is missed (2 if Lighthouse or the build could not run).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from site_checks.headless_chromium import CHROMIUM
from site_checks.headless_chromium import CHROMIUM_ARGS as CHROME_FLAGS
from site_checks.local_site_server import served

REPO = Path(__file__).resolve().parents[2]  # scripts/site_checks/ -> the repository
LIGHTHOUSE = REPO / "node_modules" / ".bin" / "lighthouse"

#: Folders at the top of a built site that hold no article.
NOT_ARTICLES = {"assets", "search", "notebooks", "zh", "ledger", "glossary", "contributing"}

#: preset -> category id -> minimum score (0-100)
TARGETS = {
    "mobile": {"performance": 90, "accessibility": 100, "best-practices": 100},
    "desktop": {"performance": 100, "accessibility": 100, "best-practices": 100},
}
#: categories printed without a target
REPORTED_ONLY = ("seo",)
MAX_TRANSFER_KB = 600

def die(message: str) -> None:
    """Stop with exit status 2: the measurement itself could not be made."""
    print(f"lighthouse_budget.py: {message}", file=sys.stderr)
    sys.exit(2)


def build_site(into: Path) -> None:
    mkdocs = Path(sys.executable).with_name("mkdocs")
    result = subprocess.run(
        [str(mkdocs), "build", "--strict", "--site-dir", str(into)],
        cwd=REPO, capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    if result.returncode != 0:
        die(f"mkdocs build --strict failed:\n{result.stderr[-3000:]}")


def run_lighthouse(url: str, preset: str, report: Path, unjudged: frozenset[str] = frozenset()) -> dict:
    if not LIGHTHOUSE.exists():
        die(f"{LIGHTHOUSE} is missing: run `npm ci` (or `make setup`).")
    if not os.access(CHROMIUM, os.X_OK):
        die(f"{CHROMIUM} is missing: run scripts/install_chromium.sh.")
    command = [
        str(LIGHTHOUSE), url,
        "--output=json", f"--output-path={report}",
        f"--chrome-flags={' '.join(CHROME_FLAGS)}",
        "--quiet",
    ]
    if "performance" in unjudged:
        # Not judged, so not measured: the throttled simulation behind the score is most of a run's
        # time (`make test`). The transfer size is a performance audit, asked for on its own.
        command += ["--only-categories=accessibility,best-practices,seo", "--only-audits=total-byte-weight"]
    else:
        command.append("--only-categories=performance,accessibility,best-practices,seo")
    if preset == "desktop":
        command.append("--preset=desktop")
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, env=env, timeout=300)
    if result.returncode != 0 or not report.exists():
        die(f"lighthouse failed (exit {result.returncode}):\n{(result.stdout + result.stderr)[-3000:]}")
    lhr = json.loads(report.read_text(encoding="utf-8"))
    if lhr.get("runtimeError"):
        die(f"Lighthouse runtime error: {lhr['runtimeError']}")
    return lhr


def longest_article(site: Path) -> str:
    """URL path of the largest page of the default language that is an article (by its HTML's size)."""
    pages = [p for p in site.glob("*/index.html") if p.parent.name not in NOT_ARTICLES]
    if not pages:
        die(f"{site}: no article page found")
    return "/" + max(pages, key=lambda p: p.stat().st_size).parent.name + "/"


def missed_targets(lhr: dict, preset: str, unjudged: frozenset[str] = frozenset()) -> list[str]:
    """The categories (and "transfer") of a run that miss their target; `unjudged` categories are only printed."""
    missed = []
    for category, target in TARGETS[preset].items():
        if category in unjudged:
            continue
        raw = lhr["categories"].get(category, {}).get("score")
        if raw is None or round(raw * 100) < target:
            missed.append(category)
    if lhr["audits"]["total-byte-weight"]["numericValue"] / 1024 > MAX_TRANSFER_KB:
        missed.append("transfer")
    return missed


def best_run(runs: list[tuple[dict, Path]]) -> tuple[dict, Path]:
    """The run with the highest performance score.

    Other work on the machine only ever adds main-thread time (Total Blocking
    Time is most of the desktop score), so the best of a few runs is the
    closest to the page's own cost; a real regression lowers every run.
    The other categories and the byte weight do not vary between runs.
    """
    return max(runs, key=lambda run: performance_score(run[0]))


def performance_score(lhr: dict) -> float:
    """0-1; 0 where the run did not measure performance."""
    return lhr["categories"].get("performance", {}).get("score") or 0


def costly_audits(lhr: dict, category: str, limit: int = 12) -> list[str]:
    """The audits of ``category`` that did not get full marks, weightiest first, with a few of their items."""
    audits = lhr["audits"]
    lines = []
    refs = sorted(lhr["categories"][category]["auditRefs"], key=lambda r: -r.get("weight", 0))
    for ref in refs:
        audit = audits.get(ref["id"], {})
        score, mode = audit.get("score"), audit.get("scoreDisplayMode")
        if score is None or score >= 1 or mode in ("notApplicable", "manual", "informative"):
            continue
        shown = audit.get("displayValue") or ""
        lines.append(f"    - {ref['id']} (weight {ref.get('weight', 0)}, score {score}): {audit.get('title', '')} {shown}".rstrip())
        for item in ((audit.get("details") or {}).get("items") or [])[:4]:
            if not isinstance(item, dict):
                continue
            node = item.get("node") or {}
            where = node.get("snippet") or item.get("url") or node.get("selector")
            if where:
                lines.append(f"        {str(where)[:160]}")
        if len(lines) > limit * 5:
            break
    return lines


def measure(base: str, page: str, preset: str, runs: int, work: Path, unjudged: frozenset[str] = frozenset()) -> tuple[dict, Path, list[dict]]:
    """Up to `runs` Lighthouse runs, stopping at the first that meets every target; the best one, and all."""
    done: list[tuple[dict, Path]] = []
    for n in range(runs):
        report = work / f"report-{preset}-{n}.json"
        done.append((run_lighthouse(base + page, preset, report, unjudged), report))
        if not missed_targets(done[-1][0], preset, unjudged):
            return (*done[-1], [lhr for lhr, _ in done])
    return (*best_run(done), [lhr for lhr, _ in done])


def report_preset(lhr: dict, preset: str, tried: list[dict], compressed: bool, unjudged: frozenset[str] = frozenset()) -> list[str]:
    """Print one preset's result; returns what it missed."""
    print(f"\nLighthouse {lhr.get('lighthouseVersion')} · {preset} preset · {lhr.get('finalDisplayedUrl', '')}"
          f" · served {'gzipped' if compressed else 'uncompressed'}")
    load, cpus = os.getloadavg()[0], os.cpu_count() or 1
    if load > cpus:  # Lighthouse and its Chromium alone keep about one CPU busy
        print(f"  note: load average {load:.1f} on {cpus} CPU(s): other work competes with the page, so"
              " Total Blocking Time and the performance score come out low; rerun on an idle machine")
    if "performance" in lhr["categories"]:
        runs = ", ".join(f"{round(performance_score(run) * 100)} (benchmarkIndex {run['environment']['benchmarkIndex']:.0f})" for run in tried)
        print(f"  {len(tried)} run(s), performance {runs}: {'the first to meet every target' if not missed_targets(lhr, preset, unjudged) else 'the best'} is reported")
    else:
        print(f"  {len(tried)} run(s), performance not measured (unjudged; `make lighthouse` measures it)")
    targets = TARGETS[preset]
    for category in (*targets, *REPORTED_ONLY):
        if category not in lhr["categories"]:
            continue
        raw = lhr["categories"][category]["score"]
        score = None if raw is None else round(raw * 100)
        target = None if category in unjudged else targets.get(category)
        ok = target is None or (score is not None and score >= target)
        verdict = "" if target is None else (f"  (target >= {target}) " + ("ok" if ok else "MISSED"))
        print(f"  {category:<15} {score if score is not None else 'n/a':>4}{verdict}")
    weight = lhr["audits"]["total-byte-weight"]
    kb = weight["numericValue"] / 1024
    print(f"  {'transfer':<15} {kb:>7.1f} KB  (target <= {MAX_TRANSFER_KB} KB) {'ok' if kb <= MAX_TRANSFER_KB else 'MISSED'}")
    missed = missed_targets(lhr, preset, unjudged)
    for category in missed:
        if category == "transfer":
            print("\n  largest transfers:")
            for item in weight.get("details", {}).get("items", [])[:10]:
                print(f"    {item['totalBytes'] / 1024:8.1f} KB  {item['url']}")
        else:
            print(f"\n  {category}: audits that cost points")
            print("\n".join(costly_audits(lhr, category)) or "    (none listed)")
    return [f"{preset} {category}" for category in missed]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, help="a built site folder (default: build one with mkdocs build --strict)")
    parser.add_argument("--preset", choices=("mobile", "desktop", "both"), default="both")
    parser.add_argument("--page", help="URL path to audit (default: the longest article)")
    parser.add_argument("--report", type=Path, help="also keep Lighthouse's JSON report here (of the last preset)")
    parser.add_argument("--runs", type=int, default=3, help="most Lighthouse runs per preset; the first to meet every target ends it (default 3)")
    parser.add_argument("--no-gzip", action="store_true", help="serve without compression")
    parser.add_argument("--unjudged", action="append", default=[], choices=sorted({c for t in TARGETS.values() for c in t}),
                        help="a category to print without judging it (make test leaves performance to make lighthouse)")
    args = parser.parse_args(argv)
    unjudged = frozenset(args.unjudged)
    presets = ["mobile", "desktop"] if args.preset == "both" else [args.preset]

    work = Path(tempfile.mkdtemp(prefix="lighthouse-"))
    missed: list[str] = []
    try:
        site = args.site
        if site is None:
            site = work / "site"
            build_site(site)
        page = args.page or longest_article(site)
        if not (site / page.strip("/") / "index.html").is_file():
            die(f"{site}: no page at {page}")
        with served(site.resolve(), compress=not args.no_gzip) as base:
            for preset in presets:
                lhr, report, tried = measure(base, page, preset, args.runs, work, unjudged)
                missed += report_preset(lhr, preset, tried, not args.no_gzip, unjudged)
                if args.report:
                    shutil.copy(report, args.report)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("\nall targets met" if not missed else f"\ntargets missed: {', '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
