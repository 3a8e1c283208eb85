#!/usr/bin/env python3
"""Measure the engine's speed against baselines taken in the same run, and print ratios.

    python scripts/bench.py            # everything
    python scripts/bench.py cold warm  # only some parts

Parts:
  cold   A cold run of all snippets (`run_snippets.py --force`) against one
         `python snippet.py` process per snippet and one `python -c "import torch"`.
  warm   A warm `mkdocs build` (all outputs fresh) against the same build with
         the engine's hook removed.

Nothing here is a test: timings depend on the machine, so they are printed,
never asserted.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))

from snippet_engine.layout import Project  # noqa: E402

PYTHON = sys.executable
MKDOCS = str(Path(sys.executable).with_name("mkdocs"))
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


def timed(command: list[str], cwd: Path | None = None) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=ENV)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"benchmark command failed: {' '.join(command)}\n{result.stderr[-3000:]}")
    return elapsed, result


def best_of(runs: int, command: list[str], cwd: Path | None = None) -> float:
    return min(timed(command, cwd)[0] for _ in range(runs))


def copy_project(destination: Path) -> Path:
    for folder in ("docs", "snippets"):
        shutil.copytree(REPO / folder, destination / folder)
    shutil.copy(REPO / "mkdocs.yml", destination / "mkdocs.yml")
    if (REPO / "node_modules").exists():
        (destination / "node_modules").symlink_to(REPO / "node_modules")
    return destination


def write_config(project: Path, name: str, drop_hooks: tuple[str, ...] = ()) -> Path:
    """A copy of mkdocs.yml with hooks pointing at this checkout, minus `drop_hooks`."""
    lines = []
    for line in (REPO / "mkdocs.yml").read_text().splitlines():
        if line.strip().startswith("- scripts/mkdocs_hooks/"):
            if any(hook in line for hook in drop_hooks):
                continue
            line = line.replace("- scripts/", f"- {REPO}/scripts/")
        lines.append(line)
    path = project / name
    path.write_text("\n".join(lines) + "\n")
    return path


def bench_cold(runs: int) -> None:
    print("\n== A. Cold run of all snippets ==")
    with tempfile.TemporaryDirectory() as temp:
        project = copy_project(Path(temp) / "project")
        snippets = Project.at(project).snippets()
        n = len(snippets)
        import_torch = best_of(runs, [PYTHON, "-c", "import torch"])
        standalone = min(
            sum(timed([PYTHON, str(s.path)], cwd=project)[0] for s in snippets) for _ in range(runs)
        )
        engine = {}
        for jobs in (1, 2):
            engine[jobs] = best_of(runs, [PYTHON, str(REPO / "scripts" / "run_snippets.py"), "--root", str(project), "--force", "--jobs", str(jobs)])
        compute = sum(json.loads(s.output_path.read_text())["seconds"] for s in Project.at(project).snippets())
        budget = import_torch + compute + 0.050 * n
        overhead = (engine[1] - import_torch - compute) / n
        print(f"snippets: {n}")
        print(f"python -c 'import torch':                  {import_torch:7.3f} s")
        print(f"snippets' own compute (sum):               {compute:7.3f} s")
        print(f"one `python snippet.py` per snippet:        {standalone:7.3f} s   ({standalone / import_torch:5.2f}x import torch)")
        print(f"run_snippets.py --force --jobs 1:           {engine[1]:7.3f} s   ({engine[1] / import_torch:5.2f}x import torch, {standalone / engine[1]:5.2f}x faster than one process per snippet)")
        print(f"run_snippets.py --force --jobs 2:           {engine[2]:7.3f} s   ({engine[2] / import_torch:5.2f}x import torch)")
        print(f"overhead per snippet beyond import+compute: {overhead * 1000:7.1f} ms  (target <= 50 ms)")
        print(f"target: cold run <= import + compute + 50 ms/snippet = {budget:.3f} s -> {'met' if engine[1] <= budget else 'MISSED'} (ratio {engine[1] / budget:.2f})")


def bench_warm(runs: int) -> None:
    print("\n== B. Warm mkdocs build (all outputs fresh) ==")
    with tempfile.TemporaryDirectory() as temp:
        project = copy_project(Path(temp) / "project")
        full = write_config(project, "mkdocs.bench.yml")
        bare = write_config(project, "mkdocs.bench-no-engine.yml", drop_hooks=("snippet_outputs",))
        build = lambda config: [MKDOCS, "build", "-q", "-f", str(config), "-d", str(Path(temp) / "site")]
        timed(build(full))  # warm the OS file cache and __pycache__
        with_engine, without = [], []
        for _ in range(runs):
            elapsed, result = timed(build(full))
            with_engine.append(elapsed)
            executed = len(re.findall(r"running snippets/", result.stderr))
            without.append(timed(build(bare))[0])
        a, b = statistics.median(with_engine), statistics.median(without)
        print(f"snippets executed by the warm build: {executed}")
        print(f"mkdocs build with the engine hook:    {a:6.3f} s (median of {runs})")
        print(f"mkdocs build without the engine hook: {b:6.3f} s")
        print(f"ratio: {a / b:.3f}x (target <= 1.10)")


PARTS = {"cold": bench_cold, "warm": bench_warm}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("parts", nargs="*", help=f"parts to run (default: all): {', '.join(PARTS)}")
    parser.add_argument("--runs", type=int, default=3, help="repetitions per measurement (best or median is kept)")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    unknown = [p for p in args.parts if p not in PARTS]
    if unknown:
        parser.error(f"unknown part(s) {unknown}; choose from {list(PARTS)}")
    for part in args.parts or PARTS:
        PARTS[part](args.runs)


if __name__ == "__main__":
    main()
