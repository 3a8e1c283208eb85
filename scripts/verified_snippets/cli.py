"""`run-snippets`: run the site's snippets against PyTorch and regenerate what the pages show.

    run-snippets                 # run what is stale, reuse the rest
    run-snippets --force         # run everything
    run-snippets --check         # run nothing; list stale or missing outputs
    run-snippets snippets/cross_entropy/worked_example.py

The folders and settings come from mkdocs.yml (the verified-snippets plugin's
options). Exit status: 0 when every output is current, 1 when a snippet failed
(its previous output is kept) or, with --check, when any output is stale, 2 on
bad arguments or configuration.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import freshness, notebooks, reference_checks, shards
from .settings import SettingsError, Site, load_site
from .usable_cpus import usable_cpus


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="run-snippets", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("snippets", nargs="*", help="only these snippets (default: all)")
    parser.add_argument("--force", action="store_true", help="run even the snippets whose outputs are current")
    parser.add_argument("--check", action="store_true", help="run nothing; exit 1 if any output is stale or missing")
    parser.add_argument("--jobs", "-j", type=int, default=None, help="snippets run in parallel (default, or 0: the CPUs this process may use)")
    parser.add_argument("--repeat", type=int, default=1, help="run each snippet N times and fail if the outputs differ")
    parser.add_argument("--root", default=".", help="the project's folder (default: the current one)")
    parser.add_argument("--config-file", "-f", default=None, help="the site's mkdocs.yml (default: ROOT/mkdocs.yml)")
    shards.add_arguments(parser)
    return parser.parse_args(argv)


def check(site: Site, selection) -> int:
    project, regenerate = site.project, site.settings.regenerate_command
    snippets = selection if selection is not None else project.snippets()
    stale = [state for state in freshness.check_all(snippets) if not state.is_fresh]
    orphans = project.orphaned_outputs() if selection is None else []
    stale_notebooks = notebooks.stale_notebooks(project) if selection is None else []
    stale_findings = reference_checks.stale_results(project, project.checks_dir) if selection is None else []
    for state in stale:
        print(f"{state.snippet.display_path}: stale output ({state.reason})")
    for orphan in orphans:
        print(f"{project.display(orphan)}: output of a snippet that no longer exists")
    for path, reason in stale_notebooks:
        print(f"{project.display(path)}: stale notebook ({reason})")
    for path, reason in stale_findings:
        print(f"{project.display(path)}: stale reference-check findings ({reason})")
    problems = len(stale) + len(orphans) + len(stale_notebooks) + len(stale_findings)
    if problems:
        print(f"{problems} generated file(s) need `{regenerate}`", file=sys.stderr)
        return 1
    print(f"all {len(snippets)} outputs are current")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        site = load_site(Path(args.root), Path(args.config_file) if args.config_file else None)
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    project = site.project
    try:
        selection = [project.resolve_snippet(name) for name in args.snippets] if args.snippets else None
        share = shards.parse_share(args.shard) if args.shard else None
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if share is not None:
        selection = shards.select(project, share, selection)
    if args.check:
        return check(site, selection)

    from .runner import OutcomeStatus, SnippetRunner

    runner = SnippetRunner(project, site.settings, jobs=args.jobs or usable_cpus(), repeat=args.repeat)
    try:
        summary = runner.run(selection, force=args.force)
    finally:
        runner.close()
    for outcome in summary.outcomes:
        if outcome.status is OutcomeStatus.RAN:
            print(f"ran     {outcome.snippet.display_path} ({outcome.reason}, {outcome.seconds:.2f} s)")
    if share is not None:  # the merge writes the notebooks and findings from every shard's records
        return finish_shard(site, share, [s.name for s in selection or []], args.shard_dir, summary)
    written, notebook_errors = notebooks.write_notebooks(project)
    for path in written:
        print(f"wrote   {project.display(path)}")
    findings_written, check_failures = reference_checks.update_results(project, project.checks_dir)
    for path in findings_written:
        print(f"checked {project.display(path)}")
    failed = summary.failed
    if failed:
        print(f"\n{len(failed)} snippet(s) failed; their previous outputs were kept:", file=sys.stderr)
        for outcome in failed:
            print(outcome.error, file=sys.stderr)
    for notebook_error in notebook_errors:
        print(notebook_error, file=sys.stderr)
    if check_failures:
        print(f"\n{len(check_failures)} reference check(s) failed (the ledger page shows them):", file=sys.stderr)
        for failure in check_failures:
            print(failure, file=sys.stderr)
    print(summary.line())
    return 1 if failed or notebook_errors or check_failures else 0


def finish_shard(site: Site, share: shards.Share, names: list[str], shard_dir: str | None, summary) -> int:
    failed = [outcome.error or "failed" for outcome in summary.failed]
    for error in failed:
        print(error, file=sys.stderr)
    if shard_dir:
        manifest = shards.export(site.project, share, names, Path(shard_dir), failed=failed)
        print(f"shard {share}: wrote {manifest}")
    print(summary.line())
    return 1 if failed else 0
