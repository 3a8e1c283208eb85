"""`python -m verified_snippets.matrix`: the environment matrix, one command (`make matrix`).

    matrix run                       the environments mkdocs.yml lists that this machine can run
                                     without a download (a release whose environment exists counts)
    matrix run torch-2.14.1          one environment (a release: its environment is made first)
    matrix run cpu-default --shard 2/3 --shard-dir out/   a deterministic share, exported for a merge
    matrix check                     list stale cells and upgrade reports; run nothing (exit 1 if any)
    matrix summary [ENV ...]         the closing figures of each environment
    matrix report torch-2.14.1       write the upgrade report again from the committed cells

A run writes cells beside the recorded outputs (`snippets/<article>/outputs/<env>/`),
never the outputs themselves. After a release's run, its upgrade report
(`<reports_dir>/upgrade-torch-X.Y.Z.md`) lists every value and line that would
change if the site moved to it. Exit status: 0, 1 when a snippet failed, the
check found something stale or an environment could not run, 2 on bad arguments.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import release_env, shards, upgrade_report
from .environment import torch_version
from .environments import Environment, EnvironmentNameError, parse
from .matrix_run import LegSummary, gpu_present, run_leg
from .matrix_state import load_matrix
from .settings import SettingsError, Site, load_site
from .usable_cpus import usable_cpus


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m verified_snippets.matrix", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--root", default=".", help="the project's folder (default: the current one)")
    parser.add_argument("--config-file", "-f", default=None, help="the site's mkdocs.yml (default: ROOT/mkdocs.yml)")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run environments and write their cells")
    run.add_argument("environments", nargs="*", help="environment names (default: what mkdocs.yml lists and needs no download)")
    run.add_argument("--force", action="store_true", help="run even the snippets whose cells are current")
    run.add_argument("--jobs", "-j", type=int, default=None, help="snippets run in parallel (default: the CPUs this process may use)")
    shards.add_arguments(run)
    commands.add_parser("check", help="list stale cells and reports; run nothing")
    summary = commands.add_parser("summary", help="print each environment's figures")
    summary.add_argument("environments", nargs="*")
    report = commands.add_parser("report", help="write a release's upgrade report from the committed cells")
    report.add_argument("environment")
    return parser.parse_args(argv)


def default_environments(site: Site) -> list[Environment]:
    """What `make matrix` runs: the listed environments, but a release only once its environment exists."""
    chosen = []
    for environment in (parse(name) for name in site.settings.matrix.environments):
        if environment.torch is not None and release_env.read_made(site.project, environment.torch) is None:
            print(f"{environment.name}: not run by default (it downloads PyTorch {environment.torch}); run `{environment.command}`", file=sys.stderr)
            continue
        chosen.append(environment)
    return chosen


def interpreter_for(site: Site, environment: Environment) -> str:
    """The Python that runs an environment: this one, or a virtual environment made for it.

    A release gets its own. So does the CUDA leg on a machine with a GPU when the
    site's torch is a CPU-only build (`+cpu`): the same release, from the package
    index, whose Linux wheels are CUDA builds.
    """
    version = environment.torch
    site_torch = torch_version() or ""
    if environment.device == "cuda" and site_torch.endswith("+cpu") and gpu_present():
        version = site_torch.split("+")[0]
    if version is None:
        return sys.executable
    path, made = release_env.ensure(site.project, version, lambda m: print(m, file=sys.stderr))
    print(f"{environment.name}: environment {site.project.display(path.parent.parent)} ({made.bytes / 1e9:.2f} GB, made in {made.seconds:.0f} s)")
    return str(path)


def run(site: Site, args: argparse.Namespace) -> int:
    try:
        environments = [parse(name) for name in args.environments] if args.environments else default_environments(site)
        share = shards.parse_share(args.shard) if args.shard else None
    except (EnvironmentNameError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    status = 0
    for environment in environments:
        try:
            python = interpreter_for(site, environment)
        except release_env.ReleaseEnvironmentError as error:
            print(f"error: {environment.name}: {error}", file=sys.stderr)
            status = 1
            continue
        selection = shards.select(site.project, share) if share else None
        summary = run_leg(site.project, site.settings, environment, python, selection, force=args.force, jobs=args.jobs or usable_cpus())
        status = max(status, report_leg(summary, named=bool(args.environments)))
        if share and args.shard_dir and not summary.skipped:
            shards.export(site.project, share, [s.name for s in selection or []], Path(args.shard_dir), environment.name)
        if environment.torch is not None and not summary.skipped and not share:
            written = upgrade_report.write(site, environment.name)
            print(f"wrote   {site.project.display(written)}")
    return status


def report_leg(summary: LegSummary, named: bool) -> int:
    """Print a run's outcome; 1 when a snippet failed, or an environment asked for by name could not run."""
    for error in summary.failed:
        print(error, file=sys.stderr)
    for removed in summary.removed:
        print(f"removed {removed}: its snippet no longer exists")
    print(summary.line())
    return 1 if summary.failed or (summary.skipped and named) else 0


def check(site: Site) -> int:
    matrix = load_matrix(site.project, site.settings.matrix.environments, site.settings.matrix.ulp)
    problems = matrix.outdated() + upgrade_report.stale_reports(site)
    for problem in problems:
        print(problem)
    if not problems:
        print(f"the matrix is current ({len(matrix.environments)} environments, {len(matrix.snippets)} snippets)")
    return 1 if problems else 0


def summary(site: Site, names: list[str]) -> int:
    matrix = load_matrix(site.project, names or site.settings.matrix.environments, site.settings.matrix.ulp)
    for environment in matrix.environments:
        print(upgrade_report.figures_line(matrix, environment.name))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        site = load_site(Path(args.root), Path(args.config_file) if args.config_file else None)
        if args.command == "run":
            return run(site, args)
        if args.command == "check":
            return check(site)
        if args.command == "summary":
            return summary(site, args.environments)
        written = upgrade_report.write(site, parse(args.environment).name)
        print(f"wrote   {site.project.display(written)}")
        return 0
    except (SettingsError, EnvironmentNameError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
