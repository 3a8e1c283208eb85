"""The runner's side of the fork servers: start workers, send jobs, survive their death."""
from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import subprocess
import sys
import threading
import time
from queue import Queue

from .messages import ErrorKind, Job, JobResult, RunError, WorkerHello, hello_from_line, result_from_line, to_line

# Slack on top of a snippet's own timeout before the worker itself is presumed hung.
WORKER_GRACE_S = 30.0
STARTUP_TIMEOUT_S = 120.0


class WorkerDied(Exception):
    pass


class WorkerProcess:
    def __init__(self, preload: list[str], threads_per_child: int | None = None, python: str = sys.executable, variables: dict[str, str] | None = None):
        """`python`: the interpreter (another virtual environment's, for another torch);
        `variables`: set as if the reader had set them (e.g. ATEN_CPU_CAPABILITY), seen by the snippet too."""
        self.process = subprocess.Popen(
            [python, "-m", "verified_snippets.worker", json.dumps(preload)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=self.environment_for(variables, threads_per_child),
        )
        self.hello: WorkerHello | None = None
        self._stderr_tail: list[bytes] = []
        threading.Thread(target=self._drain_stderr, daemon=True).start()

    @staticmethod
    def environment_for(variables: dict[str, str] | None, threads_per_child: int | None = None) -> dict[str, str]:
        """A worker's environment variables: the reader's, `variables`, and the engine's own (which the child undoes)."""
        reader_env = dict(os.environ, **(variables or {}))
        engine_env = {
            "PYTHONIOENCODING": "utf-8",
            # OpenMP threads that finish a parallel region spin for a while before sleeping.
            # With children running side by side they spin on each other's cores: measured
            # here, 200 small forward+backward snippets took 6.0 s at --jobs 2 with spinning
            # and 3.4 s without. Scheduling only: results are the same.
            "OMP_WAIT_POLICY": reader_env.get("OMP_WAIT_POLICY", "PASSIVE"),
            # Back the heap with transparent huge pages where the kernel allows it (THP
            # "madvise" or "always"): importing torch leaves ~85 MB of heap, and fork()
            # then copies one page-table entry per 2 MB instead of one per 4 KB, and the
            # child's exit frees fewer. Measured here: 9 % less time at --jobs 1 and at 2.
            "GLIBC_TUNABLES": ":".join(filter(None, [reader_env.get("GLIBC_TUNABLES"), "glibc.malloc.hugetlb=1"])),
        }
        # The worker imports this very engine (standard library only): another interpreter's
        # environment lacks it, and an editable install may point at another checkout.
        engine_path = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        engine_env["PYTHONPATH"] = os.pathsep.join(filter(None, [engine_path, reader_env.get("PYTHONPATH")]))
        if threads_per_child is not None:
            # Several snippets side by side: each gets its share of the cores for
            # torch's intra-op threads, as torchrun does for its processes, instead
            # of every child starting a thread per core. Read by OpenMP and MKL when
            # the worker imports torch; a reader's own setting wins.
            engine_env["OMP_NUM_THREADS"] = reader_env.get("OMP_NUM_THREADS", str(threads_per_child))
        env = dict(reader_env, **engine_env)
        # The child puts these back as they were, so a snippet sees the reader's environment.
        env["SNIPPET_ENGINE_RESTORE_ENV"] = json.dumps({name: reader_env.get(name) for name in engine_env})
        return env

    def _drain_stderr(self) -> None:
        # Import warnings and the like; kept only to explain a worker's death.
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self._stderr_tail = (self._stderr_tail + [line])[-20:]

    def _read_line(self, timeout_s: float) -> bytes:
        deadline = time.monotonic() + timeout_s
        stream = self.process.stdout
        assert stream is not None
        buffer = b""
        while not buffer.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.kill()
                raise WorkerDied(f"worker did not answer within {timeout_s:.0f} s")
            ready, _, _ = select.select([stream], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(stream.fileno(), 1 << 20)
            if not chunk:
                self.process.wait()
                tail = b"".join(self._stderr_tail).decode("utf-8", "replace").strip()
                raise WorkerDied(f"worker exited with status {self.process.returncode}" + (f": {tail}" if tail else ""))
            buffer += chunk
        return buffer

    def wait_ready(self) -> WorkerHello:
        if self.hello is None:
            self.hello = hello_from_line(self._read_line(STARTUP_TIMEOUT_S))
        return self.hello

    def run(self, job: Job) -> JobResult:
        self.wait_ready()
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(to_line(job).encode())
            self.process.stdin.flush()
        except BrokenPipeError:
            raise WorkerDied("worker is gone") from None
        return result_from_line(self._read_line(job.timeout_s + WORKER_GRACE_S))

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        if self.alive():
            self.process.kill()
        self.process.wait()
        # Its jobs' folder. (One whose runner was killed too goes when the next worker starts.)
        if self.hello is not None:
            shutil.rmtree(self.hello.folder, ignore_errors=True)

    def close(self) -> None:
        # A worker keeps nothing worth a clean exit, and tearing down an interpreter
        # with torch loaded costs ~0.15 s of CPU: stop it outright. (Its child, if a
        # run was interrupted, dies with it: see parent_death.die_with_parent.)
        with contextlib.suppress(OSError, AttributeError):  # AttributeError: no stdin pipe
            self.process.stdin.close()  # type: ignore[union-attr]
        self.kill()


class WorkerPool:
    """A fixed number of fork servers, started together (their torch imports overlap)."""

    def __init__(self, size: int, preload: list[str], threads_per_child: int | None = None, python: str = sys.executable, variables: dict[str, str] | None = None):
        self.preload = preload
        self.threads_per_child = threads_per_child
        self.python, self.variables = python, variables
        self.idle: Queue[WorkerProcess] = Queue()
        self.workers: list[WorkerProcess] = []
        self.grow_to(max(1, size))

    def grow_to(self, size: int) -> None:
        while len(self.workers) < size:
            worker = WorkerProcess(self.preload, self.threads_per_child, self.python, self.variables)
            self.workers.append(worker)
            self.idle.put(worker)

    def run(self, job: Job) -> JobResult:
        worker = self.idle.get()
        try:
            return worker.run(job)
        except WorkerDied as death:
            worker.kill()
            replacement = WorkerProcess(self.preload, self.threads_per_child, self.python, self.variables)
            self.workers[self.workers.index(worker)] = replacement
            worker = replacement
            return JobResult.failed(job.id, RunError(ErrorKind.CRASH, None, f"the engine's worker died: {death}"))
        finally:
            self.idle.put(worker)

    def close(self) -> None:
        for worker in self.workers:
            worker.close()
