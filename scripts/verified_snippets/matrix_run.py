"""Run the snippets in one environment of the matrix and write its cells (never the recorded outputs).

A run first asks the environment's interpreter what it is (`probe`): the torch
build, the instruction set ATen dispatches to, the GPU. An environment this
machine cannot provide (no GPU; a capability the CPU lacks) is skipped with
that reason, and nothing is written. Then every snippet that applies runs
through the engine's usual runner (fork servers, sandbox, timeouts), with the
environment's interpreter, variables and DEVICE; each result becomes a cell
beside the recorded output. Like `run-snippets`, a run only redoes the cells
that are stale, unless forced.
"""
from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .environments import Environment
from .layout import Project, Snippet
from .matrix_records import Cell, CellStatus, cell_path, orphaned_cells, read_cell, write_cell
from .matrix_state import applies, snippet_info, staleness
from .messages import Job, JobResult
from .output_records import CorruptRecord, sha256_file
from .processor import maker_name, maker_of, this_vendor
from .runner import OutcomeStatus, PreparedSnippet, SnippetRunner
from .settings import EngineSettings

# Asked of the environment's own interpreter: what it is, as a reader would report it.
PROBE = r"""
import json, platform, shutil, subprocess
import torch
info = {
    "torch": torch.__version__,
    "python": platform.python_version(),
    "platform": f"{platform.system()}-{platform.machine()}",
    "cpu_capability": str(torch.backends.cpu.get_cpu_capability()),
    "torch_cuda": torch.version.cuda or "",
    "cuda_available": bool(torch.cuda.is_available()),
}
if info["cuda_available"]:
    info["gpu"] = torch.cuda.get_device_name(0)
    smi = shutil.which("nvidia-smi")
    if smi:
        out = subprocess.run([smi, "--query-gpu=driver_version", "--format=csv,noheader"], capture_output=True, text=True)
        info["driver"] = out.stdout.strip().splitlines()[0] if out.returncode == 0 and out.stdout.strip() else ""
print(json.dumps(info))
"""


def gpu_present() -> bool:
    """Whether this machine has an NVIDIA GPU, asked without torch (nvidia-smi lists it)."""
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return False
    try:
        listed = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return listed.returncode == 0 and "GPU" in listed.stdout


class EnvironmentUnavailable(Exception):
    """This machine cannot provide the environment (the message says why)."""


@dataclass(frozen=True)
class Probe:
    python: str  # the interpreter that runs the snippets
    facts: dict  # what PROBE printed

    def provenance(self) -> dict[str, str]:
        """The environment's description in each cell (the result adds the device a snippet used)."""
        keys = ("torch", "python", "platform", "processor", "cpu_capability", "torch_cuda", "gpu", "driver")
        return {key: str(self.facts[key]) for key in keys if self.facts.get(key)}


def probe(environment: Environment, python: str = sys.executable) -> Probe:
    """What the environment's interpreter is; raises EnvironmentUnavailable when it is not what was asked."""
    from .worker_pool import WorkerProcess  # the same variables as the workers get

    env = WorkerProcess.environment_for(environment.variables)
    result = subprocess.run([python, "-c", PROBE], capture_output=True, text=True, env=env, timeout=300)
    if result.returncode != 0:
        raise EnvironmentUnavailable(f"{python} cannot import torch: {result.stderr.strip()[-2000:]}")
    facts = {**json.loads(result.stdout.strip().splitlines()[-1]), "processor": this_vendor() or ""}
    refusal = why_unavailable(environment, facts, python)
    if refusal:
        raise EnvironmentUnavailable(refusal)
    return Probe(python, facts)


def why_unavailable(environment: Environment, facts: dict, python: str = sys.executable) -> str | None:
    """Why what the probe found is not the environment asked for; None when it is."""
    if environment.capability and facts["cpu_capability"].lower() != environment.capability.lower():
        return f"this CPU cannot run ATen's {environment.capability} kernels (with ATEN_CPU_CAPABILITY={environment.capability}, torch reports {facts['cpu_capability']})"
    if environment.device == "cuda" and not facts["cuda_available"]:
        build = f"a CUDA {facts['torch_cuda']} build" if facts["torch_cuda"] else "a CPU-only build"
        return f"no CUDA device here: torch {facts['torch']} ({build}) reports torch.cuda.is_available() = False"
    if environment.torch and facts["torch"].split("+")[0] != environment.torch:
        return f"{python} has torch {facts['torch']}, not {environment.torch}"
    if environment.processor and maker_of(facts.get("processor") or None) != environment.processor:
        here = facts.get("processor") or "a processor that names no maker"
        return f"{environment.name} needs a processor made by {maker_name(environment.processor)}; this machine's is {here}"
    return None


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class LegRunner(SnippetRunner):
    """The engine's runner, pointed at one environment: its interpreter, variables and DEVICE; results become cells."""

    def __init__(self, project: Project, settings: EngineSettings, environment: Environment, found: Probe, jobs: int = 1, progress: Callable[[str], None] | None = None):
        super().__init__(project, settings, jobs=jobs, progress=progress)
        self.environment, self.found = environment, found
        self.worker_options = {"python": found.python, "variables": environment.variables}

    def _job(self, item: PreparedSnippet) -> Job:
        job = super()._job(item)
        return dataclasses.replace(job, device=self.environment.device) if self.environment.device else job

    def _store(self, item: PreparedSnippet, result: JobResult) -> None:
        record = self._record(item, result)
        provenance = {**self.found.provenance(), "torch": str(result.torch), "device": result.device}
        if result.cpu_capability:
            provenance["cpu_capability"] = result.cpu_capability
        cell = Cell(
            environment=self.environment.name,
            snippet=record.snippet,
            status=CellStatus.RAN,
            source_sha256=record.source_sha256,
            provenance=provenance,
            generated=record.generated,
            seconds=record.seconds,
            dependencies=record.dependencies,
            stdout=record.stdout,
            chunks=record.chunks,
            values=record.values,
        )
        write_cell(cell_path(item.snippet, self.environment.name), cell)


@dataclass
class LegSummary:
    environment: Environment
    skipped: str = ""  # why the environment could not run here
    ran: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # the errors, `path:line: message`
    not_applicable: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def line(self) -> str:
        if self.skipped:
            return f"{self.environment.name}: skipped: {self.skipped}"
        return (f"{self.environment.name}: ran {len(self.ran)}, reused {len(self.reused)}, failed {len(self.failed)}, "
                f"not applicable {len(self.not_applicable)} in {self.seconds:.2f} s")


def _fresh_cell(project: Project, snippet: Snippet, environment: Environment) -> Cell | None:
    try:
        cell = read_cell(cell_path(snippet, environment.name))
    except (FileNotFoundError, CorruptRecord):
        return None
    return cell if staleness(project, snippet_info(snippet), environment, cell) is None else None


def _not_applicable(snippet: Snippet, environment: Environment, reason: str, source_sha256: str) -> Cell:
    return Cell(environment.name, snippet.name, CellStatus.NOT_APPLICABLE, source_sha256, {}, now(), reason=reason)


def run_leg(
    project: Project,
    settings: EngineSettings,
    environment: Environment,
    python: str = sys.executable,
    snippets: list[Snippet] | None = None,
    force: bool = False,
    jobs: int = 1,
    progress: Callable[[str], None] | None = None,
    found: Probe | None = None,
) -> LegSummary:
    """Run `snippets` (default: all, and then cells of removed snippets go) in `environment`.

    `found`: what the environment is, when the caller knows (the tests' stand-in for a GPU);
    otherwise the environment's interpreter is asked.
    """
    summary = LegSummary(environment)
    say = progress or (lambda message: print(message, file=sys.stderr, flush=True))
    to_run, not_applicable = [], []
    for snippet in snippets if snippets is not None else project.snippets():
        info = snippet_info(snippet)
        runs_here, why_not = applies(info.options, environment)
        if not runs_here:
            current = _fresh_cell(project, snippet, environment)
            if info.options.devices is not None and info.source_sha256 is not None and (current is None or current.reason != why_not):
                not_applicable.append(_not_applicable(snippet, environment, why_not, info.source_sha256))
            summary.not_applicable.append(snippet.name)
        elif not force and _fresh_cell(project, snippet, environment) is not None:
            summary.reused.append(snippet.name)
        else:
            to_run.append(snippet)
    if to_run or not_applicable:  # asking the interpreter imports torch: only when there is work
        try:
            found = found or probe(environment, python)
        except EnvironmentUnavailable as error:
            summary.skipped = str(error)  # nothing is written for an environment this machine lacks
            return summary
    for cell in not_applicable:
        write_cell(cell_path(project.snippet(cell.snippet), environment.name), cell)
    if to_run:
        assert found is not None
        runner = LegRunner(project, settings, environment, found, jobs=min(jobs, len(to_run)), progress=say)
        try:
            outcomes = runner.run(to_run, force=True)
        finally:
            runner.close()
        summary.seconds = outcomes.seconds
        for outcome in outcomes.outcomes:
            if outcome.status is OutcomeStatus.RAN:
                summary.ran.append(outcome.snippet.name)
            elif outcome.status is OutcomeStatus.FAILED:
                summary.failed.append(outcome.error or "failed")
                _store_failure(project, outcome.snippet, environment, found, outcome.error or "failed")
    if snippets is None:
        for orphan in orphaned_cells(project, environment.name):
            orphan.unlink()
            summary.removed.append(project.display(orphan))
    return summary


def _store_failure(project: Project, snippet: Snippet, environment: Environment, found: Probe, error: str) -> None:
    """A snippet that failed in this environment: the cell keeps the error (the recorded output is untouched)."""
    source_sha256 = sha256_file(snippet.path) or ""
    cell = Cell(environment.name, snippet.name, CellStatus.FAILED, source_sha256, found.provenance(), now(), reason=error)
    write_cell(cell_path(snippet, environment.name), cell)

