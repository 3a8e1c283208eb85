#!/usr/bin/env python3
"""Run the site's snippets against PyTorch and regenerate the outputs the pages show.

    python scripts/run_snippets.py            # run what is stale, reuse the rest
    python scripts/run_snippets.py --force    # run everything
    python scripts/run_snippets.py --check    # run nothing; list stale or missing outputs
    python scripts/run_snippets.py snippets/cross_entropy/worked_example.py

Exit status: 0 when every output is current, 1 when a snippet failed (its
previous output is kept) or, with --check, when any output is stale.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from snippet_engine import freshness, notebooks  # noqa: E402
from snippet_engine.layout import Project  # noqa: E402
from snippet_engine.usable_cpus import usable_cpus  # noqa: E402


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("snippets", nargs="*", help="only these snippets (default: all)")
    parser.add_argument("--force", action="store_true", help="run even the snippets whose outputs are current")
    parser.add_argument("--check", action="store_true", help="run nothing; exit 1 if any output is stale or missing")
    parser.add_argument("--jobs", "-j", type=int, default=None, help="snippets run in parallel (default, or 0: the CPUs this process may use)")
    parser.add_argument("--repeat", type=int, default=1, help="run each snippet N times and fail if the outputs differ")
    parser.add_argument("--root", default=str(Path(__file__).resolve().parent.parent), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def check(project: Project, selection) -> int:
    snippets = selection if selection is not None else project.snippets()
    stale = [state for state in freshness.check_all(snippets) if not state.is_fresh]
    orphans = project.orphaned_outputs() if selection is None else []
    stale_notebooks = notebooks.stale_notebooks(project) if selection is None else []
    for state in stale:
        print(f"{state.snippet.display_path}: stale output ({state.reason})")
    for orphan in orphans:
        print(f"{orphan.relative_to(project.root)}: output of a snippet that no longer exists")
    for path, reason in stale_notebooks:
        print(f"{path.relative_to(project.root)}: stale notebook ({reason})")
    problems = len(stale) + len(orphans) + len(stale_notebooks)
    if problems:
        print(f"{problems} generated file(s) need `make outputs`", file=sys.stderr)
        return 1
    print(f"all {len(snippets)} outputs are current")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    project = Project.at(args.root)
    try:
        selection = [project.resolve_snippet(name) for name in args.snippets] if args.snippets else None
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.check:
        return check(project, selection)

    from snippet_engine.runner import SnippetRunner

    runner = SnippetRunner(project, jobs=args.jobs or usable_cpus(), repeat=args.repeat)
    try:
        summary = runner.run(selection, force=args.force)
    finally:
        runner.close()
    for outcome in summary.outcomes:
        if outcome.status == "ran":
            print(f"ran     {outcome.snippet.display_path} ({outcome.reason}, {outcome.seconds:.2f} s)")
    written, notebook_errors = notebooks.write_notebooks(project)
    for path in written:
        print(f"wrote   {path.relative_to(project.root)}")
    failed = summary.failed
    if failed:
        print(f"\n{len(failed)} snippet(s) failed; their previous outputs were kept:", file=sys.stderr)
        for outcome in failed:
            print(outcome.error, file=sys.stderr)
    for error in notebook_errors:
        print(error, file=sys.stderr)
    print(summary.line())
    return 1 if failed or notebook_errors else 0


if __name__ == "__main__":
    sys.exit(main())
