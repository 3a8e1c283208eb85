"""The worker protocol, typed: what the runner asks of a worker, and what comes back.

runner -> worker: one `Job` per line on the worker's stdin, as JSON.
worker -> runner: one `WorkerHello` when the worker is ready, then one
`JobResult` per job, each a JSON line on the worker's protocol stream.
child -> worker: one `ChildReport`, written to a file in the job's folder
(the child's stdout is the snippet's own output).

Standard library only: the worker and the child import this before torch.
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class ErrorKind(StrEnum):
    EXCEPTION = "exception"  # the snippet raised (or called sys.exit with an error)
    TIMEOUT = "timeout"
    OUTPUT_LIMIT = "output_limit"
    CRASH = "crash"  # the interpreter or the engine's worker died
    BAD_VALUES = "bad_values"  # VALUES holds something that is not plain data


@dataclass(frozen=True)
class RunError:
    kind: ErrorKind
    line: int | None  # in the snippet, when known
    message: str
    traceback: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunError:
        return cls(ErrorKind(data["kind"]), data.get("line"), data["message"], data.get("traceback", ""))


@dataclass(frozen=True)
class Job:
    id: str
    path: str  # the snippet's absolute path
    display_path: str  # the path a reader types, e.g. snippets/article/name.py
    repo_root: str
    source: str  # the bytes the runner hashed, decoded: what runs is what is recorded
    timeout_s: float
    output_limit_bytes: int
    device: str | None = None  # a device leg of the environment matrix: the value DEVICE gets ("cuda")


@dataclass(frozen=True)
class ChildReport:
    error: RunError | None
    seconds: float  # the snippet's own run time, statements only
    pieces: list[tuple[int, int]]  # byte range of stdout that each top-level statement printed
    values: dict[str, Any]
    reads: list[str]  # repository files the snippet imported or opened
    imported: list[str]  # modules the snippet imported beyond what the worker had
    device: str
    torch: str | None
    cpu_capability: str | None = None  # the ATen kernels' instruction set ("AVX512", "DEFAULT"), where torch was imported
    figures: list[dict[str, Any]] = field(default_factory=list)  # figure_capture.CapturedFigure.to_json(), in order

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChildReport:
        error = RunError.from_dict(data["error"]) if data.get("error") else None
        pieces = [(start, end) for start, end in data["pieces"]]
        return cls(error, data["seconds"], pieces, data["values"], data["reads"], data["imported"], data["device"], data.get("torch"), data.get("cpu_capability"), data.get("figures", []))


@dataclass
class JobResult:
    id: str
    wall_seconds: float = 0.0  # fork to exit, as the worker saw it
    stderr: str = ""
    error: RunError | None = None
    stdout: str = ""
    statement_stdout: list[str] = field(default_factory=list)  # what each top-level statement printed
    values: dict[str, Any] = field(default_factory=dict)
    reads: list[str] = field(default_factory=list)
    imported: list[str] = field(default_factory=list)
    device: str = "CPU"
    torch: str | None = None
    seconds: float = 0.0
    cpu_capability: str | None = None
    figures: list[dict[str, Any]] = field(default_factory=list)  # SVG and alt texts of each figure left open

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JobResult:
        error = RunError.from_dict(data["error"]) if data.get("error") else None
        return cls(**{**data, "error": error})

    @classmethod
    def failed(cls, job_id: str, error: RunError, wall_seconds: float = 0.0, stderr: str = "") -> JobResult:
        return cls(job_id, wall_seconds, stderr, error)


@dataclass(frozen=True)
class WorkerHello:
    pid: int
    folder: str  # the worker's job folder, removed when the worker stops
    preloaded: list[str]
    seconds: float  # how long the imports took
    threads: int


def to_line(message: Job | ChildReport | JobResult | WorkerHello) -> str:
    """One JSON line (NaN and infinities allowed: a snippet's VALUES may hold them)."""
    return json.dumps(dataclasses.asdict(message), allow_nan=True) + "\n"


def job_from_line(line: str | bytes) -> Job:
    return Job(**json.loads(line))


def result_from_line(line: str | bytes) -> JobResult:
    return JobResult.from_dict(json.loads(line))


def hello_from_line(line: str | bytes) -> WorkerHello:
    return WorkerHello(**json.loads(line))
