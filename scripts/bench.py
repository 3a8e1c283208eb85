#!/usr/bin/env python3
"""Measure the engine's speed against baselines taken in the same run, and print ratios.

    python scripts/bench.py            # everything
    python scripts/bench.py cold warm  # only some parts

Parts:
  cold       A cold run of all snippets (`run_snippets.py --force`) against one
             `python snippet.py` process per snippet and one `python -c "import torch"`.
  warm       A warm `mkdocs build` (all outputs fresh) against the same build with
             the engine's plugin removed.
  katex      A warm build with and without build-time KaTeX.
  notebooks  A warm build with and without the notebook pages.
  matrix     One environment of the matrix (cpu-default, every snippet) against a
             cold `run_snippets.py --force` of the same snippets, and a warm one.
  figures    The article's snippets that draw figures: a cold engine run against
             `python -c "import torch, matplotlib.pyplot"` and against running
             them as scripts; and a warm build with and without their figures.
  scale      A synthetic site of 50 and 500 small torch snippets: cold runs at
             --jobs 1 and 2 (outputs deleted first; at 500 also with
             OMP_NUM_THREADS=1 at both), warm check, one snippet changed,
             `mkdocs build`, peak memory, and how each grows.
  serve      The edit loop: from saving a file under `mkdocs serve` to the
             reloaded page being ready in Chromium (its load event, the edit on
             it), for a prose edit, a snippet edit and an edit of a Chinese page,
             on a copy of the real site and on the 500-snippet synthetic site;
             against the same prose edit under plain Material serving the same
             Markdown (no plugin of this project, no i18n, no notebooks).

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
import threading
import time
from pathlib import Path

from verified_snippets.layout import Project
from verified_snippets.output_records import read_record, write_record

REPO = Path(__file__).resolve().parent.parent

PYTHON = sys.executable
MKDOCS = str(Path(sys.executable).with_name("mkdocs"))
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


def timed(command: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env={**ENV, **(env or {})})
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"benchmark command failed: {' '.join(command)}\n{result.stderr[-3000:]}")
    return elapsed, result


def best_of(runs: int, command: list[str], cwd: Path | None = None) -> float:
    return min(timed(command, cwd)[0] for _ in range(runs))


def copy_project(destination: Path) -> Path:
    for folder in ("docs", "snippets", "tests/reference_checks"):
        shutil.copytree(REPO / folder, destination / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "mkdocs.yml", destination / "mkdocs.yml")
    if (REPO / "node_modules").exists():
        (destination / "node_modules").symlink_to(REPO / "node_modules")
    return destination


def write_config(project: Path, name: str, drop_plugins: tuple[str, ...] = (), drop_nav: str | None = None) -> Path:
    """A copy of mkdocs.yml, minus what is dropped.

    `drop_plugins` removes those plugins' blocks from `plugins:`; `drop_nav`
    removes nav and nav-translation lines that mention the text.
    """
    lines, skipping = [], False
    for line in (REPO / "mkdocs.yml").read_text().splitlines():
        stripped = line.strip()
        if skipping:
            if line.startswith("  - ") or (line and not line.startswith(" ")):
                skipping = False
            else:
                continue
        if line.startswith("  - ") and stripped.rstrip(":") in {f"- {plugin}" for plugin in drop_plugins}:
            skipping = True
            continue
        if drop_nav and drop_nav in line and not stripped.startswith("#"):
            continue
        lines.append(line)
    path = project / name
    path.write_text("\n".join(lines) + "\n")
    return path


def compare_builds(title: str, runs: int, variants: dict[str, dict]) -> dict[str, float]:
    """Median warm build time of each config variant, measured interleaved."""
    with tempfile.TemporaryDirectory() as temp:
        project = copy_project(Path(temp) / "project")
        configs = {label: write_config(project, f"mkdocs.{i}.yml", **options) for i, (label, options) in enumerate(variants.items())}
        build = lambda config: [MKDOCS, "build", "-q", "-f", str(config), "-d", str(Path(temp) / "site")]
        times: dict[str, list[float]] = {label: [] for label in configs}
        executed = 0
        for config in configs.values():
            timed(build(config), cwd=project)  # warm caches (OS, __pycache__, mkdocs-jupyter)
        for _ in range(runs):
            for label, config in configs.items():
                elapsed, result = timed(build(config), cwd=project)
                times[label].append(elapsed)
                executed += len(re.findall(r"running snippets/", result.stderr))
        medians = {label: statistics.median(values) for label, values in times.items()}
    print(f"\n== {title} ==")
    print(f"snippets executed by these warm builds: {executed}")
    for label, value in medians.items():
        print(f"{label:40s} {value:6.3f} s (median of {runs})")
    return medians


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
    m = compare_builds("B. Warm mkdocs build (all outputs fresh), with and without the engine plugin", runs, {
        "with the engine plugin": {},
        "without the engine plugin": {"drop_plugins": ("verified-snippets",)},
    })
    a, b = m["with the engine plugin"], m["without the engine plugin"]
    print(f"ratio: {a / b:.3f}x (target <= 1.10)")


def bench_katex(runs: int) -> None:
    m = compare_builds("D. KaTeX at build time: warm build with and without the plugin", runs, {
        "with the KaTeX plugin": {},
        "without the KaTeX plugin": {"drop_plugins": ("katex-prerender",)},
    })
    a, b = m["with the KaTeX plugin"], m["without the KaTeX plugin"]
    allowed = max(1.0, 0.2 * b)
    print(f"the plugin adds {a - b:+.3f} s ({(a / b - 1) * 100:+.0f}%); target: at most {allowed:.2f} s (1 s or 20%, whichever is larger)")


def bench_notebooks(runs: int) -> None:
    m = compare_builds("E. Notebook pages: warm build with and without them", runs, {
        "with notebook pages": {},
        "without (no mkdocs-jupyter, no notebook-pages)": {"drop_plugins": ("notebook-pages", "mkdocs-jupyter"), "drop_nav": "notebooks/"},
    })
    a, b = m["with notebook pages"], m["without (no mkdocs-jupyter, no notebook-pages)"]
    plugin_import = best_of(1, [PYTHON, "-c", "import mkdocs_jupyter.plugin"]) - best_of(1, [PYTHON, "-c", "pass"])
    print(f"notebook pages add {a - b:+.3f} s to a warm build (target < 0.5 s where the plugin allows it)")
    print(f"of which importing mkdocs-jupyter (jupytext, nbconvert) costs about {plugin_import:.3f} s; converted pages come from its cache")


def without_figures(project: Path) -> None:
    """Every record of `project` rewritten as if its snippet had drawn nothing (pages then show no figure)."""
    for snippet in Project.at(project).snippets():
        record = read_record(snippet.output_path)
        if record.figures:
            record.figures = []
            write_record(snippet.output_path, record)
    for svg in (project / "snippets").glob("*/outputs/*.svg"):
        svg.unlink()


def bench_figures(runs: int) -> None:
    print("\n== F. Figures ==")
    with tempfile.TemporaryDirectory() as temp:
        project = copy_project(Path(temp) / "project")
        snippets = [s for s in Project.at(project).snippets() if read_record(s.output_path).figures]
        figures = sum(len(read_record(s.output_path).figures) for s in snippets)
        imports = best_of(runs, [PYTHON, "-c", "import torch, matplotlib.pyplot"])
        standalone = min(sum(timed([PYTHON, str(s.path)], cwd=project, env={"MPLBACKEND": "agg"})[0] for s in snippets) for _ in range(runs))
        engine = best_of(runs, [PYTHON, str(REPO / "scripts" / "run_snippets.py"), "--root", str(project), "--force", "--jobs", "1", *[str(s.path) for s in snippets]])
        own = sum(read_record(s.output_path).seconds for s in snippets)  # statements, drawing and SVG included
        print(f"snippets with figures: {len(snippets)}, figures: {figures}")
        print(f"python -c 'import torch, matplotlib.pyplot': {imports:7.3f} s")
        print(f"their statements, drawing and SVG (sum):      {own:7.3f} s")
        print(f"as scripts (python snippet.py, Agg, no SVG):  {standalone:7.3f} s")
        print(f"run_snippets.py --force --jobs 1:             {engine:7.3f} s   ({engine / imports:5.2f}x the imports, {standalone / engine:5.2f}x faster than as scripts)")

        bare = copy_project(Path(temp) / "bare")
        without_figures(bare)
        build = lambda root: [MKDOCS, "build", "-q", "-d", str(root / "site")]
        for root in (project, bare):
            timed(build(root), cwd=root)  # warm caches
        times: dict[Path, list[float]] = {project: [], bare: []}
        for _ in range(runs):
            for root in (project, bare):
                times[root].append(timed(build(root), cwd=root)[0])
        with_figures, without = statistics.median(times[project]), statistics.median(times[bare])
        print(f"warm build with the figures:    {with_figures:6.3f} s (median of {runs})")
        print(f"warm build without them:        {without:6.3f} s")
        print(f"the figures add {with_figures - without:+.3f} s ({(with_figures / without - 1) * 100:+.1f}%) to a warm build of both languages")


# Two kinds of synthetic snippet. "article" does what the real snippets do (a loss
# forward and backward, both ways, a comparison); its compute, a few ms, is close to
# the median real snippet's (about 10 ms; two real ones take 0.3-0.8 s). "tiny" is
# the smallest useful torch computation, so that the engine's own cost dominates.
SYNTHETIC_SNIPPETS = {
    "article": """\
import torch
import torch.nn.functional as F

torch.manual_seed({seed})
# --8<-- [start:main]
logits = torch.randn(64, 10, requires_grad=True)
target = torch.randint(0, 10, (64,))
loss = F.cross_entropy(logits, target)
two_step = F.nll_loss(F.log_softmax(logits, dim=1), target)
loss.backward()
print("loss", round(loss.item(), 4), "same", torch.equal(loss, two_step))
print("grad norm", round(logits.grad.norm().item(), 4))
# --8<-- [end:main]
VALUES = {{"loss": loss.item()}}
""",
    "tiny": """\
import torch

torch.manual_seed({seed})
# --8<-- [start:main]
x = torch.randn(8, 5)
target = torch.randint(0, 5, (8,))
loss = torch.nn.functional.cross_entropy(x, target)
print("loss", round(loss.item(), 4))
# --8<-- [end:main]
VALUES = {{"loss": loss.item()}}
""",
}


def write_synthetic_checks(checks_dir: Path, article: str, per_page: int) -> None:
    """A reference check per bound value, as the real site has: each loss bounded (its inputs are random)."""
    checks_dir.mkdir(parents=True, exist_ok=True)
    (checks_dir / "__init__.py").write_text("from verified_snippets.reference_checks import Bounded, Exact, Input, Near\n")
    entries = "".join(f'    "step_{k:02d}.py": {{"loss": Bounded(0.0, 20.0, why="cross-entropy of random logits over 10 classes")}},\n' for k in range(per_page))
    (checks_dir / f"{article}.py").write_text(f"from reference_checks import Bounded\n\nCHECKS = {{\n{entries}}}\n")


def make_synthetic_site(root: Path, pages: int, per_page: int, kind: str = "article") -> Path:
    """`pages` articles of `per_page` snippets each, every one a small torch computation."""
    (root / "docs").mkdir(parents=True)
    nav = []
    for p in range(pages):
        article = f"article_{p:03d}"
        folder = root / "snippets" / article
        folder.mkdir(parents=True)
        body = [f"# Article {p}", ""]
        for k in range(per_page):
            (folder / f"step_{k:02d}.py").write_text(SYNTHETIC_SNIPPETS[kind].format(seed=p * 1000 + k))
            body += [f"## Step {k}", "", "```python", f'--8<-- "{article}/step_{k:02d}.py:main"', "```", "",
                     f"The loss is {{{{ run: {article}/step_{k:02d}.py loss | .4f }}}}, and $\\ell = {{{{ run: {article}/step_{k:02d}.py loss | .3f }}}}$.", ""]
        (root / "docs" / f"{article}.md").write_text("\n".join(body))
        nav.append(f"  - {article}.md")
        write_synthetic_checks(root / "tests" / "reference_checks", article, per_page)
    (root / "docs" / "index.md").write_text("# Synthetic\n")
    shutil.copytree(REPO / "docs" / "templates", root / "docs" / "templates")
    shutil.copytree(REPO / "docs" / "assets", root / "docs" / "assets")
    text = (REPO / "mkdocs.yml").read_text()
    text = re.sub(r"\nnav:\n(?:  .*\n|    .*\n)+", "\nnav:\n  - index.md\n" + "\n".join(nav) + "\n", text)
    (root / "mkdocs.yml").write_text(text)
    if (REPO / "node_modules").exists():
        (root / "node_modules").symlink_to(REPO / "node_modules")
    return root


def peak_memory_of(command: list[str]) -> tuple[float, float, subprocess.CompletedProcess]:
    """Run a command; return (seconds, peak PSS in MiB of its whole process tree, result).

    PSS (proportional set size) counts pages shared by forked children once,
    so the figure is what the run really occupies, not RSS summed over children.
    """
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV, start_new_session=True)
    peak = 0
    output: dict[str, str] = {}

    def drain():
        output["stdout"], output["stderr"] = process.communicate()

    reader = threading.Thread(target=drain)
    reader.start()
    while reader.is_alive():
        total = 0
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
                if int(fields[3]) != process.pid:  # session id
                    continue
                with open(f"/proc/{entry}/smaps_rollup") as smaps:
                    for line in smaps:
                        if line.startswith("Pss:"):
                            total += int(line.split()[1])
                            break
            except (OSError, IndexError, ValueError):
                continue
        peak = max(peak, total)
        reader.join(0.05)
    elapsed = time.perf_counter() - started
    result = subprocess.CompletedProcess(command, process.returncode, output.get("stdout", ""), output.get("stderr", ""))
    if result.returncode != 0:
        raise SystemExit(f"benchmark command failed: {' '.join(command)}\n{result.stderr[-3000:]}")
    return elapsed, peak / 1024, result


def remove_outputs(root: Path) -> None:
    for folder in (root / "snippets").glob("*/outputs"):
        shutil.rmtree(folder)


def cold_runs(root: Path, runs: int, expected: int, env: dict[str, str] | None = None) -> dict[int, list[float]]:
    """Truly cold runs (every output deleted first) at --jobs 1 and 2, interleaved.

    Interleaving (1, 2, 2, 1, ...) keeps a slow spell of a shared machine from
    landing on one side of the comparison only.
    """
    script = [PYTHON, str(REPO / "scripts" / "run_snippets.py"), "--root", str(root)]
    times: dict[int, list[float]] = {1: [], 2: []}
    for number in range(runs):
        for jobs in ((1, 2) if number % 2 == 0 else (2, 1)):
            remove_outputs(root)
            # Write back the previous run's files now, so the kernel's flusher does
            # not do it (on these CPUs) in the middle of the next timed run.
            os.sync()
            seconds, result = timed(script + ["--jobs", str(jobs)], env=env)
            assert f"ran {expected}, reused 0, failed 0" in result.stdout, result.stdout[-500:]
            times[jobs].append(seconds)
    return times


def bench_scale(runs: int) -> None:
    print("\n== C. Scale: a synthetic site of small torch snippets (50 pages x 10 = 500) ==")
    import_torch = best_of(runs, [PYTHON, "-c", "import torch"])
    # What a worker pays before its first snippet: the same imports, with the garbage
    # collector off as the worker has it. Every run pays this once, whatever --jobs is.
    worker_import = best_of(runs, [PYTHON, "-c", "import gc; gc.disable(); import torch, torch.nn.functional, numpy.random"])
    print(f"python -c 'import torch': {import_torch:.3f} s; a worker's imports (gc off, numpy too): {worker_import:.3f} s")
    rows = {}
    for pages in (5, 50):
        n = pages * 10
        with tempfile.TemporaryDirectory() as temp:
            root = make_synthetic_site(Path(temp) / "site", pages, 10)
            script = [PYTHON, str(REPO / "scripts" / "run_snippets.py"), "--root", str(root)]
            # Memory is sampled in separate runs: reading /proc while timing would slow the run.
            _, peak_jobs1, result = peak_memory_of(script + ["--force", "--jobs", "1"])
            assert f"ran {n}," in result.stdout, result.stdout[-500:]
            _, peak_jobs2, _ = peak_memory_of(script + ["--force", "--jobs", "2"])
            cold_times = cold_runs(root, runs, n)
            cold = {jobs: min(times) for jobs, times in cold_times.items()}
            pair_ratios = [a / b for a, b in zip(cold_times[1], cold_times[2])]
            compute = sum(json.loads(s.output_path.read_text())["seconds"] for s in Project.at(root).snippets())
            # Best of `runs`, as every other figure here: one run alone moved by 0.2 s with the machine's load.
            warm_runs = [timed(script) for _ in range(runs)]
            warm_seconds, warm = min(warm_runs, key=lambda pair: pair[0])
            assert all(f"ran 0, reused {n}," in w.stdout for _, w in warm_runs), warm.stdout[-500:]
            one = Project.at(root).snippets()[n // 2]
            one.path.write_text(one.path.read_text() + "print('changed')\n")
            changed_seconds, changed = timed(script)
            executed_one = changed.stdout.count("\nran     ") + changed.stdout.startswith("ran     ")
            build = [MKDOCS, "build", "-q", "-f", str(root / "mkdocs.yml"), "-d", str(Path(temp) / "out")]
            timed(build)
            build_seconds = min(timed(build)[0] for _ in range(runs))
            rows[n] = dict(cold1=cold[1], cold2=cold[2], compute=compute, warm=warm_seconds, changed=changed_seconds, build=build_seconds, peak1=peak_jobs1, peak2=peak_jobs2)
            # Charged against the worker's own import, the smaller baseline, so the overhead is not understated.
            overhead = (cold[1] - worker_import - compute) / n
            print(f"\n{n} snippets ({pages} pages x 10):")
            print(f"  cold --jobs 1: {cold[1]:7.2f} s   cold --jobs 2: {cold[2]:7.2f} s   speed-up {cold[1] / cold[2]:.2f}x (target >= 1.7x)")
            print(f"    best of {runs} runs each, outputs deleted before each, interleaved; per-pair speed-ups {' '.join(f'{r:.2f}' for r in pair_ratios)} (median {statistics.median(pair_ratios):.2f}x)")
            # Amdahl: each run imports torch once before any snippet can start, whatever --jobs is.
            print(f"    without the one-off import ({worker_import:.2f} s, serial in both): {(cold[1] - worker_import) / (cold[2] - worker_import):.2f}x")
            if n == 500:
                # At --jobs 2 each child gets one intra-op thread; at --jobs 1 torch's default
                # (a thread per core), as `python snippet.py` would. The same comparison with
                # one thread at both, set the way a reader would set it:
                single = {jobs: min(times) for jobs, times in cold_runs(root, runs, n, env={"OMP_NUM_THREADS": "1"}).items()}
                print(f"    with OMP_NUM_THREADS=1 at both: --jobs 1 {single[1]:.2f} s, --jobs 2 {single[2]:.2f} s, speed-up {single[1] / single[2]:.2f}x")
            print(f"  snippets' own compute: {compute:.2f} s; overhead per snippet beyond import+compute: {overhead * 1000:.1f} ms (target <= 50 ms)")
            print(f"  warm, nothing changed: {warm_seconds:.3f} s, executed 0 (target: <= 0.5 s, no torch import)")
            print(f"  one snippet changed:   {changed_seconds:.3f} s, executed {executed_one} (target: exactly 1)")
            print(f"  mkdocs build, warm:    {build_seconds:.3f} s")
            print(f"  peak memory (PSS of the whole run): --jobs 1 {peak_jobs1:.0f} MiB, --jobs 2 {peak_jobs2:.0f} MiB (target < 2048 MiB)")
    with tempfile.TemporaryDirectory() as temp:
        root = make_synthetic_site(Path(temp) / "site", 50, 10, kind="tiny")
        tiny = {jobs: min(times) for jobs, times in cold_runs(root, 1, 500).items()}
        compute = sum(json.loads(s.output_path.read_text())["seconds"] for s in Project.at(root).snippets())
        print("\n500 tiny snippets (8x5 logits, no backward), where the engine's own cost dominates:")
        print(f"  cold --jobs 1: {tiny[1]:7.2f} s   cold --jobs 2: {tiny[2]:7.2f} s   speed-up {tiny[1] / tiny[2]:.2f}x")
        print(f"  snippets' own compute: {compute:.2f} s; overhead per snippet: {(tiny[1] - worker_import - compute) / 500 * 1000:.1f} ms")
    small, large = rows[50], rows[500]
    print("\ngrowth from 50 to 500 snippets (10x more; 10.0 is linear):")
    for key, label in (("cold1", "cold --jobs 1"), ("cold2", "cold --jobs 2"), ("warm", "warm check"), ("changed", "one changed"), ("build", "mkdocs build"), ("peak2", "peak memory")):
        print(f"  {label:14s} {small[key]:8.3f} -> {large[key]:8.3f}  x{large[key] / small[key]:.2f}")


class ServedSite:
    """`mkdocs serve` of a project on a free port, with a Chromium page on it, until closed."""

    def __init__(self, root: Path, config: str = "mkdocs.yml"):
        import socket

        from playwright.sync_api import sync_playwright

        from site_checks.headless_chromium import CHROMIUM, CHROMIUM_ARGS

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.log = root / "serve.log"
        with open(self.log, "w") as log:
            self.process = subprocess.Popen([MKDOCS, "serve", "-f", config, "--dev-addr", f"127.0.0.1:{self.port}"], cwd=root, stdout=log, stderr=subprocess.STDOUT, env=ENV, start_new_session=True)
        self.playwright = sync_playwright().start()
        self.browser = self.playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        self.page = self.browser.new_page()
        self.page.set_default_timeout(300_000)
        self._wait_until_up()

    def _wait_until_up(self, timeout: float = 600) -> None:
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"mkdocs serve stopped:\n{self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=2):
                    return
            except OSError:
                time.sleep(0.3)
        raise SystemExit("mkdocs serve did not come up")

    def open(self, path: str) -> None:
        self.page.goto(f"http://127.0.0.1:{self.port}{path}", wait_until="load")

    def edit_to_ready(self, file: Path, change, token: str) -> float:
        """Seconds from writing `change(text)` into `file` to the page's reload with `token` on it."""
        from playwright.sync_api import Error

        self.settle()
        text = file.read_text(encoding="utf-8")
        started = time.perf_counter()
        file.write_text(change(text), encoding="utf-8")
        while True:
            self.page.wait_for_event("load")
            try:
                if self.page.evaluate("token => document.body.textContent.includes(token)", token):
                    return time.perf_counter() - started
            except Error:  # reloaded again while reading: wait for that load
                continue

    def settle(self, quiet: float = 3.0) -> None:
        """Wait until the page has not reloaded for `quiet` seconds (a snippet's run writes outputs, which serve sees too)."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        while True:
            try:
                self.page.wait_for_event("load", timeout=quiet * 1000)
            except PlaywrightTimeout:
                return

    def close(self) -> None:
        self.browser.close()
        self.playwright.stop()
        os.killpg(self.process.pid, 2)  # Ctrl-C: the plugins stop their snippet workers
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)


def _token(kind: str, n: int) -> str:
    """Words only (a number typed in prose is a build warning): a different marker for every edit."""
    letters = "abcdefghij"
    return f"bench{kind}{''.join(letters[int(d)] for d in str(time.time_ns())[-8:])}{letters[n % 10]}"


def _print_in(source: str, target: str, token: str) -> str:
    """`source` with a print of `token` where the page shows it: at the end of the embedded section, or of the file."""
    section = target.partition(":")[2]
    end = f"# --8<-- [end:{section}]"
    if section and end in source:
        indent = source[: source.index(end)].rsplit("\n", 1)[-1]
        return source.replace(end, f"print('{token}')\n{indent}{end}", 1)
    return source + f"\nprint('{token}')\n"


def serve_edits(root: Path, runs: int, article: str, snippet: str | None, chinese: bool, config: str = "mkdocs.yml") -> dict[str, list[float]]:
    """Each kind of edit `runs` times under one `mkdocs serve`; seconds from save to reloaded page."""
    times: dict[str, list[float]] = {"prose": [], "snippet": [], "chinese": []}
    site = ServedSite(root, config)
    try:
        for n in range(runs):
            site.open(f"/{article}/")
            token = _token("prose", n)
            times["prose"].append(site.edit_to_ready(root / "docs" / f"{article}.md", lambda text, t=token: text + f"\nA saved edit: {t}.\n", token))
            if snippet:
                token = _token("snippet", n)
                times["snippet"].append(site.edit_to_ready(root / "snippets" / snippet.partition(":")[0], lambda text, t=token: _print_in(text, snippet, t), token))
            if chinese:
                site.open(f"/zh/{article}/")
                token = _token("zh", n)
                times["chinese"].append(site.edit_to_ready(root / "docs" / f"{article}.zh.md", lambda text, t=token: text + f"\n一次保存：{t}。\n", token))
    finally:
        site.close()
    return times


def plain_material_config(root: Path) -> str:
    """The same Markdown under plain Material: its theme and search, none of this project's plugins, no i18n."""
    (root / "mkdocs.plain.yml").write_text(
        "site_name: Plain\ndocs_dir: docs\nexclude_docs: |\n  *.zh.md\n  notebooks/\n  templates/\n"
        "theme:\n  name: material\n  font: false\nmarkdown_extensions:\n  - admonition\n  - attr_list\n  - md_in_html\n"
        "  - pymdownx.arithmatex:\n      generic: true\n  - pymdownx.highlight\n  - pymdownx.superfences\n  - pymdownx.details\n"
        "  - pymdownx.tabbed:\n      alternate_style: true\nplugins:\n  - search\nvalidation:\n  links:\n    not_found: ignore\n    anchors: ignore\n"
    )
    return "mkdocs.plain.yml"


def _median_line(label: str, values: list[float], baseline: float | None = None) -> str:
    if not values:
        return f"  {label:34s} (not measured)"
    best, median = min(values), statistics.median(values)
    ratio = f"  {median / baseline:4.2f}x plain Material" if baseline else ""
    return f"  {label:34s} median {median:5.2f} s  best {best:5.2f} s  (runs {' '.join(f'{v:.2f}' for v in values)}){ratio}"


def bench_serve(runs: int) -> None:
    from verified_snippets.page_markup import find_embeds

    print("\n== F. The edit loop under mkdocs serve: save -> reloaded page ready ==")
    with tempfile.TemporaryDirectory() as temp:
        project = copy_project(Path(temp) / "project")
        shown = {page: [e.snippet + (f":{e.section}" if e.section else "") for e in find_embeds(page.read_text(encoding="utf-8"))[0] if e.snippet.endswith(".py")]
                 for page in (project / "docs").glob("*.md") if page.name.count(".") == 1 and page.stem != "index"}
        articles = [page for page, snippets in shown.items() if snippets]
        longest = max(articles, key=lambda page: page.stat().st_size)
        article, snippet = longest.stem, shown[longest][0]
        plain = serve_edits(project, runs, article, None, False, plain_material_config(project))["prose"]
        real = serve_edits(project, runs, article, snippet, True)
        seconds = json.loads(Project.at(project).snippet(snippet.partition(":")[0]).output_path.read_text())["seconds"]
    baseline = statistics.median(plain)
    print(f"real site, the longest article ({article}.md; {len(articles)} article(s)), {runs} edit(s) of each kind:")
    print(_median_line("plain Material, the same prose edit", plain))
    print(_median_line("prose edit", real["prose"], baseline) + "   (target <= 1.5 s)")
    print(_median_line(f"snippet edit ({snippet})", real["snippet"], baseline) + f"   (its own run: {seconds:.2f} s)")
    print(_median_line("edit of the Chinese page", real["chinese"], baseline))
    with tempfile.TemporaryDirectory() as temp:
        root = make_synthetic_site(Path(temp) / "site", 50, 10)
        timed([PYTHON, str(REPO / "scripts" / "run_snippets.py"), "--root", str(root)])
        synthetic = serve_edits(root, runs, "article_000", "article_000/step_00.py:main", False)
    print("synthetic site, 500 snippets (50 pages x 10), no Chinese pages:")
    print(_median_line("prose edit", synthetic["prose"]))
    print(_median_line("snippet edit", synthetic["snippet"]))


def bench_matrix(runs: int) -> None:
    print("\n== E. The environment matrix: one environment of every snippet ==")
    with tempfile.TemporaryDirectory() as temp:
        project = copy_project(Path(temp) / "project")
        matrix = [PYTHON, "-m", "verified_snippets.matrix", "--root", str(project), "run", "cpu-default"]
        recorded = best_of(runs, [PYTHON, str(REPO / "scripts" / "run_snippets.py"), "--root", str(project), "--force"])
        leg = best_of(runs, [*matrix, "--force"])
        warm = best_of(runs, matrix)
        print(f"run_snippets.py --force (the recorded environment): {recorded:7.3f} s")
        print(f"matrix run cpu-default --force:                      {leg:7.3f} s   ({leg / recorded:5.2f}x; it first asks the environment's interpreter what it is: one more torch import)")
        print(f"matrix run cpu-default, nothing stale:               {warm:7.3f} s   ({warm / recorded:5.2f}x)")


PARTS = {"cold": bench_cold, "warm": bench_warm, "katex": bench_katex, "notebooks": bench_notebooks, "figures": bench_figures, "matrix": bench_matrix, "scale": bench_scale, "serve": bench_serve}


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
