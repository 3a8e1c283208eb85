"""Run the snippets whose outputs are stale, in parallel fork servers, and store the results."""
from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

from . import environment, figure_files, freshness
from .atomic_files import remove_leftover_temp_files, write_text_atomically
from .layout import Project, Snippet
from .output_records import OutputRecord, sections_of, sha256_bytes, sha256_file, write_record
from .page_checks import label_numbers
from .record_writer import BurstWriter
from .run_lock import run_lock
from .settings import EngineSettings
from .source_plan import SnippetSourceError, SourcePlan, plan
from .usable_cpus import usable_cpus

if TYPE_CHECKING:
    # Imported where a snippet is about to run: a run with nothing stale (the
    # warm check) never starts a worker, and these were a tenth of its start-up.
    from .messages import Job, JobResult, RunError
    from .worker_pool import WorkerPool


class OutcomeStatus(Enum):
    RAN = "ran"
    REUSED = "reused"
    FAILED = "failed"


@dataclass
class Outcome:
    snippet: Snippet
    status: OutcomeStatus
    reason: str  # why it ran (or why it was reused)
    error: str | None = None  # the full report for a failure, starting with `path:line: `
    seconds: float = 0.0


@dataclass
class Summary:
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, status: OutcomeStatus) -> int:
        return sum(1 for o in self.outcomes if o.status is status)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status is OutcomeStatus.FAILED]

    def line(self) -> str:
        counts = ", ".join(f"{status.value} {self.count(status)}" for status in OutcomeStatus)
        return f"{counts} in {self.seconds:.2f} s"


@dataclass(frozen=True)
class PreparedSnippet:
    """A stale snippet, read and planned, ready to be sent to a worker."""

    snippet: Snippet
    reason: str
    source: bytes
    text: str
    plan: SourcePlan


class ProgressWatch:
    """Reports snippets that run long: every `every_s` seconds, each one running longer, with its time.

    One thread for the whole run (not one per snippet: a run of 500 small
    snippets would pay for 500 threads to report nothing).
    """

    def __init__(self, say: Callable[[str], None], every_s: float = 5.0):
        self.say, self.every_s = say, every_s
        self.running: dict[str, float] = {}
        self.reported: dict[str, int] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="progress-watch", daemon=True)

    def __enter__(self) -> ProgressWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def started(self, name: str) -> None:
        with self._lock:
            self.running[name] = time.monotonic()

    def finished(self, name: str) -> None:
        with self._lock:
            self.running.pop(name, None)
            self.reported.pop(name, None)

    def _watch(self) -> None:
        while not self._stop.wait(min(1.0, self.every_s)):
            now = time.monotonic()
            with self._lock:
                due = [(name, now - since) for name, since in self.running.items() if int((now - since) // self.every_s) > self.reported.get(name, 0)]
                for name, elapsed in due:
                    self.reported[name] = int(elapsed // self.every_s)
            for name, elapsed in due:
                self.say(f"  ... still running {name} ({elapsed:.0f} s)")


def format_error(snippet: Snippet, error: RunError) -> str:
    where = f"{snippet.display_path}:{error.line}" if error.line else snippet.display_path
    text = f"{where}: {error.message}"
    if error.traceback:
        text += "\n" + "\n".join("    " + row for row in error.traceback.rstrip().splitlines())
    return text


def first_difference(a: str, b: str) -> tuple[int, str, str]:
    left, right = a.splitlines(), b.splitlines()
    for number, (x, y) in enumerate(zip(left, right), start=1):
        if x != y:
            return number, x, y
    number = min(len(left), len(right)) + 1
    return number, (left[number - 1] if number <= len(left) else "<end of output>"), (right[number - 1] if number <= len(right) else "<end of output>")


class SnippetRunner:
    def __init__(self, project: Project, settings: EngineSettings | None = None, jobs: int = 1, repeat: int = 1, progress: Callable[[str], None] | None = None):
        self.project = project
        self.settings = settings or EngineSettings()
        self.jobs = max(1, jobs)
        self.repeat = max(1, repeat)
        self.progress = progress or (lambda message: print(message, file=sys.stderr, flush=True))
        self.pool: WorkerPool | None = None
        self.worker_options: dict = {}  # WorkerPool's python= and variables= (an environment of the matrix)
        self._print_lock = threading.Lock()
        self._watch = ProgressWatch(self._say)

    # -- preloading: what several snippets import is imported once per worker next time.
    # A module that only one snippet uses (torch.profiler, say) is left to that child:
    # every worker would pay for it at start-up, for one snippet's benefit.
    PRELOAD_MIN_SNIPPETS = 2

    @property
    def _preload_cache(self) -> Path:
        return self.project.cache_dir / "preload.json"

    def _import_counts(self) -> dict[str, dict[str, bool]]:
        """module -> {snippet: True} for the snippets whose last run imported it."""
        try:
            data = json.loads(self._preload_cache.read_text())
            return data if isinstance(data, dict) else {}
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    def _learned_preload(self) -> list[str]:
        counts = self._import_counts()
        return sorted(name for name, users in counts.items() if len(users) >= self.PRELOAD_MIN_SNIPPETS)

    def _learn_preload(self, imported_by: dict[str, set[str]]) -> None:
        """`imported_by`: snippet -> modules its child imported (beyond what the worker had)."""
        if not imported_by:
            return
        counts = self._import_counts()
        for users in counts.values():
            for snippet in imported_by:
                users.pop(snippet, None)  # a re-run snippet's imports replace its old ones
        for snippet, modules in imported_by.items():
            for name in modules:
                counts.setdefault(name, {})[snippet] = True
        counts = {name: users for name, users in counts.items() if users}
        self.project.cache_dir.mkdir(parents=True, exist_ok=True)
        self._preload_cache.write_text(json.dumps(counts, sort_keys=True))

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool = None

    def _say(self, message: str) -> None:
        with self._print_lock:
            self.progress(message)

    def run(self, selection: list[Snippet] | None = None, force: bool = False) -> Summary:
        started = time.perf_counter()
        summary = Summary()
        with run_lock(self.project.cache_dir, self._say), ProgressWatch(self._say) as self._watch:
            remove_leftover_temp_files(self.project.snippets_dir, self.project.notebooks_dir)
            if selection is None:
                for orphan in self.project.orphaned_outputs():
                    orphan.unlink()
                    self._say(f"removed {self.project.display(orphan)}: its snippet no longer exists")
            snippets = selection if selection is not None else self.project.snippets()
            to_run: list[tuple[Snippet, str]] = []
            for state in freshness.check_each(snippets):
                if force:
                    to_run.append((state.snippet, "forced" if state.is_fresh else f"forced; {state.reason}"))
                elif state.reason is None:
                    summary.outcomes.append(Outcome(state.snippet, OutcomeStatus.REUSED, "up to date"))
                else:
                    to_run.append((state.snippet, state.reason))
                if to_run and len(to_run) <= self.jobs:
                    # Start a worker as soon as there is a snippet for it: importing torch
                    # (~1 s) then overlaps with checking the rest. A run that finds
                    # nothing stale never starts one.
                    self._start_workers(len(to_run))
            if to_run:
                summary.outcomes.extend(self._run_all(to_run))
            self._remember_failures(summary.outcomes)
        order = {s.name: i for i, s in enumerate(snippets)}
        summary.outcomes.sort(key=lambda o: order.get(o.snippet.name, 0))
        summary.seconds = time.perf_counter() - started
        return summary

    def start_worker(self) -> None:
        """Start one worker before any snippet is stale (`mkdocs serve`, after its first build)."""
        self._start_workers(1)

    def _start_workers(self, count: int) -> WorkerPool:
        if self.pool is None:
            from .worker_pool import WorkerPool

            self.pool = WorkerPool(count, self._learned_preload(), self._threads_per_child(), **self.worker_options)
        else:
            self.pool.grow_to(count)
        return self.pool

    def _threads_per_child(self) -> int | None:
        """torch's intra-op threads per snippet: None (torch's default, a thread per core) at --jobs 1."""
        if self.jobs == 1:
            return None
        return max(1, usable_cpus() // self.jobs)

    def _prepare(self, snippet: Snippet, reason: str) -> PreparedSnippet | Outcome:
        """The snippet read and planned, or the failure that stops it before it runs."""
        source = snippet.path.read_bytes()
        try:
            text = source.decode("utf-8")
            return PreparedSnippet(snippet, reason, source, text, plan(text, snippet.display_path))
        except UnicodeDecodeError as error:
            return Outcome(snippet, OutcomeStatus.FAILED, reason, f"{snippet.display_path}: not UTF-8 text ({error.reason})")
        except SnippetSourceError as error:
            return Outcome(snippet, OutcomeStatus.FAILED, reason, str(error))

    def _job(self, item: PreparedSnippet) -> Job:
        from .messages import Job

        return Job(
            id=item.snippet.name,
            path=str(item.snippet.path),
            display_path=item.snippet.display_path,
            repo_root=str(self.project.root),
            source=item.text,
            timeout_s=item.plan.timeout_s or self.settings.timeout_s,
            output_limit_bytes=self.settings.output_limit_bytes,
        )

    def _run_all(self, to_run: list[tuple[Snippet, str]]) -> list[Outcome]:
        pool = self._start_workers(min(self.jobs, len(to_run)))
        prepared: list[PreparedSnippet] = []
        outcomes: list[Outcome] = []
        for snippet, reason in to_run:
            item = self._prepare(snippet, reason)
            if isinstance(item, Outcome):
                self._say(f"FAILED {item.error}")
                outcomes.append(item)
            else:
                prepared.append(item)
        if not prepared:
            return outcomes
        total = len(prepared)
        counter = iter(range(1, total + 1))
        imported_by: dict[str, set[str]] = {}

        # Results are written on a thread of their own, in bursts (see record_writer),
        # so a worker gets its next snippet without waiting for an output file.
        writer = BurstWriter()

        def one(item: PreparedSnippet) -> tuple[Outcome, Future | None]:
            snippet, reason = item.snippet, item.reason
            self._say(f"[{next(counter)}/{total}] running {snippet.display_path} ({reason})")
            job = self._job(item)
            self._watch.started(snippet.display_path)
            try:
                results = [pool.run(job) for _ in range(self.repeat)]
            finally:
                self._watch.finished(snippet.display_path)
            first = results[0]
            imported_by[snippet.name] = set(first.imported)
            for result in results:
                if result.error is not None:
                    outcome = Outcome(snippet, OutcomeStatus.FAILED, reason, format_error(snippet, result.error), result.wall_seconds)
                    self._say(f"FAILED {outcome.error}\n    (previous output kept)")
                    return outcome, None
            for number, other in enumerate(results[1:], start=2):
                if other.stdout != first.stdout or other.values != first.values or other.figures != first.figures:
                    line, a, b = first_difference(first.stdout, other.stdout)
                    detail = f"line {line} of the output differs between run 1 and run {number}: {a!r} vs {b!r}" if first.stdout != other.stdout else "VALUES differ between runs" if first.values != other.values else "a figure's SVG differs between runs"
                    error = f"{snippet.display_path}: non-deterministic output; {detail}. Seed the random number generators (torch.manual_seed) or avoid printing what changes."
                    self._say(f"FAILED {error}\n    (previous output kept)")
                    return Outcome(snippet, OutcomeStatus.FAILED, reason, error), None
            written = writer.submit(self._store, item, first)
            return Outcome(snippet, OutcomeStatus.RAN, reason, None, first.wall_seconds), written

        # A lane thread that is handed a result must get the GIL at once, or its worker
        # idles: the default 5 ms switch interval is longer than a small snippet's run.
        switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(0.0002)
        try:
            with writer, ThreadPoolExecutor(max_workers=min(self.jobs, len(prepared))) as executor:
                finished = list(executor.map(one, prepared))
        finally:
            sys.setswitchinterval(switch_interval)
        for outcome, written in finished:
            error = written.exception() if written is not None else None
            if error is not None:
                outcome.status, outcome.error = OutcomeStatus.FAILED, f"{outcome.snippet.display_path}: its output could not be written: {error}"
                self._say(f"FAILED {outcome.error}")
            outcomes.append(outcome)
        self._learn_preload(imported_by)
        return outcomes

    def _store(self, item: PreparedSnippet, result: JobResult) -> None:
        figures = figure_files.write_figures(item.snippet, result.figures)  # before the record that names them
        write_record(item.snippet.output_path, self._record(item, result, figures))
        figure_files.remove_other_figures(item.snippet, figures)

    def _record(self, item: PreparedSnippet, result: JobResult, figures: list | None = None) -> OutputRecord:
        """The record of a run; `figures`: the entries of figures already written (a matrix cell writes none)."""
        root = self.project.root
        dependencies = {}
        for path in result.reads:
            if self.project.is_repo_file(path):
                digest = sha256_file(Path(path))
                if digest is not None:
                    dependencies[Path(path).resolve().relative_to(root).as_posix()] = digest
        if figures is None:
            figures = figure_files.describe_figures(item.snippet, result.figures)
        chunks = item.plan.chunks(item.text, result.statement_stdout)
        sections = sections_of(chunks)
        record = OutputRecord(
            snippet=item.snippet.name,
            # The hash of the bytes that actually ran, even if the file changed meanwhile.
            source_sha256=sha256_bytes(item.source),
            stdout=result.stdout,
            sections=sections,
            chunks=chunks,
            values=result.values,
            dependencies=dependencies,
            environment={
                "torch": environment.torch_version() or str(result.torch),  # cached: read once per process
                "python": environment.python_version(),
                "platform": environment.platform_name(),
                "device": result.device,
            },
            generated=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            seconds=result.seconds,
            lint=[[p.line, p.message] for p in label_numbers(item.text, item.snippet.display_path, self.settings.allowed_numbers)],
            figures=figures,
        )
        return record

    # -- the last failed run of each snippet, so that the build can say why its output is stale.

    def _remember_failures(self, outcomes: list[Outcome]) -> None:
        failures = read_failures(self.project)
        before = dict(failures)
        for outcome in outcomes:
            if outcome.status is OutcomeStatus.FAILED and outcome.error:
                failures[outcome.snippet.name] = {"source_sha256": sha256_file(outcome.snippet.path) or "", "error": outcome.error}
            else:
                failures.pop(outcome.snippet.name, None)
        if failures != before:
            write_text_atomically(self.project.cache_dir / FAILURES_FILE, json.dumps(failures, indent=1, ensure_ascii=False))


FAILURES_FILE = "failures.json"


def read_failures(project: Project) -> dict[str, dict[str, str]]:
    """snippet -> {"source_sha256", "error"} of its last run, where that run failed."""
    try:
        data = json.loads((project.cache_dir / FAILURES_FILE).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}
