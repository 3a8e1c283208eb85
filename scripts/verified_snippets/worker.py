"""The fork server: imports torch once, then forks one child per snippet.

Run as `python -m verified_snippets.worker '<json list of modules to preload>'`.
Protocol: one JSON job per line on stdin, one JSON result per line on the
private protocol stream (the original stdout; fd 1 is pointed at stderr so a
stray print from an import cannot corrupt it).

The parent only imports.  It never runs a torch operation: once a process has
used OpenMP's thread pool, children forked from it hang at their first
parallel op.
"""
from __future__ import annotations

import contextlib
import fcntl
import gc
import importlib
import json
import os
import select
import shutil
import signal
import sys
import tempfile
import threading
import time

from .messages import ChildReport, ErrorKind, Job, JobResult, RunError, WorkerHello, job_from_line, to_line
from .parent_death import die_with_parent

BASE_PRELOAD = ["torch", "torch.nn", "torch.nn.functional", "numpy", "numpy.random"]


def preload(modules: list[str]) -> list[str]:
    loaded = []
    for name in dict.fromkeys(BASE_PRELOAD + modules):
        try:
            importlib.import_module(name)
            loaded.append(name)
        except Exception:  # a module that fails to import will fail in the snippet, with its own error
            continue
    return loaded


def _describe_status(status: int) -> str:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        return f"killed by {name}"
    return f"exited with status {os.WEXITSTATUS(status)}"


def _job_folder_root() -> str | None:
    """Where each job's files and working folder go: memory-backed where possible.

    Every snippet creates, writes, reads and removes a handful of small files. On a
    disk file system two workers doing that side by side queue on its journal
    (measured here: 7 % longer at --jobs 2 with /tmp on ext4 than on tmpfs).
    """
    shm = "/dev/shm"
    if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK):
        return shm
    return None  # the system's temporary folder


JOB_FOLDER_ROOT = _job_folder_root()
WORKER_FOLDER_PREFIX = "snippet-engine-"
LOCK_NAME = "in-use.lock"


def make_worker_folder() -> tuple[str, int]:
    """This worker's folder for its jobs, locked for as long as the worker (or a child) lives.

    The lock (flock) goes when the last process holding it dies, however it dies,
    and it means the same in every PID namespace that shares the folder. The folder
    is made under another name and renamed once locked, so no other worker ever
    sees it unlocked.
    """
    making = tempfile.mkdtemp(prefix=f".making-{WORKER_FOLDER_PREFIX}", dir=JOB_FOLDER_ROOT)
    lock_fd = os.open(os.path.join(making, LOCK_NAME), os.O_CREAT | os.O_RDWR, 0o600)
    fcntl.flock(lock_fd, fcntl.LOCK_EX)
    folder = os.path.join(os.path.dirname(making), os.path.basename(making)[len(".making-"):])
    os.rename(making, folder)
    return folder, lock_fd


def remove_abandoned_worker_folders() -> None:
    """Folders of workers that were killed (a SIGKILLed run, say), with their jobs' files."""
    root = JOB_FOLDER_ROOT or tempfile.gettempdir()
    try:
        names = [name for name in os.listdir(root) if name.startswith(WORKER_FOLDER_PREFIX)]
    except OSError:
        return
    for name in names:
        folder = os.path.join(root, name)
        try:
            lock_fd = os.open(os.path.join(folder, LOCK_NAME), os.O_RDWR)
        except OSError:
            continue  # not one of ours, or not finished being made
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            continue  # still in use
        finally:
            os.close(lock_fd)
        shutil.rmtree(folder, ignore_errors=True)


def run_job(job: Job, protocol_fds: list[int], worker_folder: str) -> JobResult:
    from . import child  # imported before the fork, once

    jobdir = tempfile.mkdtemp(prefix="job-", dir=worker_folder)
    files = {name: os.path.join(jobdir, name) for name in ("stdout", "stderr", "result", "line")}
    files["workdir"] = os.path.join(jobdir, "cwd")
    os.mkdir(files["workdir"])
    sys.stdout.flush()
    sys.stderr.flush()
    worker_pid = os.getpid()  # taken before the fork: the child checks that its parent is still this one
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        child.run(job, files, protocol_fds, worker_pid)  # never returns
    timed_out = False
    try:
        pidfd = os.pidfd_open(pid)
        ready, _, _ = select.select([pidfd], [], [], job.timeout_s)
        os.close(pidfd)
        timed_out = not ready
    except (AttributeError, OSError):  # no pidfd: poll
        deadline = started + job.timeout_s
        while os.waitpid(pid, os.WNOHANG) == (0, 0):
            if time.perf_counter() > deadline:
                timed_out = True
                break
            time.sleep(0.005)
    if timed_out:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        status = 0
    with contextlib.suppress(ProcessLookupError, PermissionError):  # whatever the snippet started and left behind goes with it
        os.killpg(pid, signal.SIGKILL)
    wall = time.perf_counter() - started

    def read(name: str, limit: int | None = None) -> bytes:
        try:
            with open(files[name], "rb") as handle:
                return handle.read(limit) if limit else handle.read()
        except FileNotFoundError:
            return b""

    cap = job.output_limit_bytes
    stdout = read("stdout", cap + 1)
    stderr = read("stderr", 64 * 1024).decode("utf-8", "replace")
    raw_result = read("result")
    line_text = read("line").decode().strip()
    current_line = int(line_text) if line_text.isdigit() else None
    shutil.rmtree(jobdir, ignore_errors=True)

    if timed_out:
        error = RunError(ErrorKind.TIMEOUT, current_line, f"timed out after {job.timeout_s:g} s (raise it with '# snippet-engine: timeout=SECONDS')")
    elif len(stdout) > cap:
        error = RunError(ErrorKind.OUTPUT_LIMIT, current_line, f"printed more than the limit of {cap:,} bytes; print less (a summary, a slice or a shape instead of a whole tensor)")
    elif not raw_result:
        error = RunError(ErrorKind.CRASH, current_line, f"the interpreter died: {_describe_status(status)}", stderr[-4000:])
    else:
        report = ChildReport.from_dict(json.loads(raw_result))
        return JobResult(
            id=job.id,
            wall_seconds=wall,
            stderr=stderr,
            error=report.error,
            stdout=stdout.decode("utf-8", "backslashreplace"),
            # What each top-level statement printed, in order: sections and notebook cells are built from it.
            statement_stdout=[stdout[start:end].decode("utf-8", "backslashreplace") for start, end in report.pieces],
            values=report.values,
            reads=report.reads,
            imported=report.imported,
            device=report.device,
            torch=report.torch,
            seconds=report.seconds,
            cpu_capability=report.cpu_capability,
            figures=report.figures,
        )
    return JobResult.failed(job.id, error, wall, stderr)


def main() -> None:
    die_with_parent()  # a killed runner takes this worker, and so its children, down too
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    requested = json.loads(sys.argv[1]) if len(sys.argv) > 1 else []
    remove_abandoned_worker_folders()
    worker_folder, _lock_fd = make_worker_folder()  # the lock lasts as long as this process
    started = time.perf_counter()
    # No garbage collection while importing: torch's import makes ~250,000 objects and
    # none of them is garbage, so each collection is wasted work (~0.1 s of the import).
    gc.disable()
    loaded = preload(requested)
    from . import child  # noqa: F401  (import before the first fork)

    # Move everything imported so far out of the garbage collector's reach: a
    # collection in a child would otherwise touch every object header and
    # force copy-on-write of most of the parent's memory, for every snippet.
    # (No gc.collect() first: it costs ~50 ms with torch loaded, and the little
    # garbage an import leaves is harmless once frozen.)
    gc.freeze()
    gc.enable()  # a snippet's child collects as usual

    hello = WorkerHello(pid=os.getpid(), folder=worker_folder, preloaded=loaded, seconds=time.perf_counter() - started, threads=threading.active_count())
    protocol.write(to_line(hello))
    protocol.flush()
    protocol_fds = [protocol.fileno()]
    for line in sys.stdin:
        if not line.strip():
            continue
        job = job_from_line(line)
        try:
            result = run_job(job, protocol_fds, worker_folder)
        except Exception as error:  # the worker itself must keep serving
            result = JobResult.failed(job.id, RunError(ErrorKind.CRASH, None, f"engine error: {error!r}"))
        protocol.write(to_line(result))
        protocol.flush()


if __name__ == "__main__":
    main()
