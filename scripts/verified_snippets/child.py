"""What runs inside the forked child: one snippet, isolated, section by section.

The child is a fresh fork of a worker that has only imported modules, so RNG
state, default dtype, print options, thread settings and imported modules all
start from the same pristine state for every snippet, and nothing the snippet
changes survives it.  This module sets up the child's sandbox (working folder,
captured stdout, output size limit, no network, no writes into the
repository), executes the statements and writes a JSON result file.
"""
from __future__ import annotations
import __future__

import ast
import builtins
import contextlib
import faulthandler
import io
import json
import os
import resource
import signal
import socket
import sys
import time
import traceback

from .figure_capture import FigureCapture, prepare_matplotlib
from .layout import IGNORED_FOLDERS
from .messages import ChildReport, ErrorKind, Job, RunError, to_line
from .parent_death import die_with_parent
from .source_plan import device_line


class NetworkBlocked(PermissionError):
    pass


class WriteBlocked(PermissionError):
    pass


def _is_inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _install_audit_hook(repo_root: str, workdir: str, reads: set[str]) -> None:
    """Block network connections and writes into the repository; record repo files read.

    Audit hooks cannot be removed, which is what we want in a throwaway child.
    """
    # Set-up and generated folders (.venv's bytecode caches, say) are not the project's files.
    ignored_roots = tuple(os.path.join(repo_root, name) + os.sep for name in IGNORED_FOLDERS)
    # The engine's own files are read too (e.g. a warning's stack lookup reads this module's
    # source); they are not the snippet's inputs.
    ignored_roots += (os.path.dirname(os.path.abspath(__file__)) + os.sep,)

    def hook(event: str, args: tuple) -> None:
        if event == "open":
            path, mode, flags = args
            if not isinstance(path, (str, bytes)):
                return
            path = os.path.abspath(os.fsdecode(path))
            if not _is_inside(path, repo_root) or path.startswith(ignored_roots) or _is_inside(path, workdir):
                return
            writing = (mode is not None and any(c in mode for c in "wax+")) or (
                mode is None and (flags & os.O_ACCMODE) != os.O_RDONLY
            )
            if writing:
                raise WriteBlocked(f"snippets may not write into the repository ({path}); write to the working folder instead")
            reads.add(path)
        elif event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
            sock = args[0]
            if getattr(sock, "family", None) in (socket.AF_INET, socket.AF_INET6):
                address = args[1] if len(args) > 1 else None
                raise NetworkBlocked(f"network access is blocked in snippets (tried {event.split('.')[1]} to {address!r})")

    sys.addaudithook(hook)


def _modules_added_since(count: int) -> list[str]:
    """Names of modules imported after sys.modules held `count` entries.

    sys.modules is a dict, so new modules come last; walking it backwards
    touches only them.
    """
    added = len(sys.modules) - count
    names: list[str] = []
    for name in reversed(sys.modules):
        if len(names) >= added:
            break
        names.append(name)
    return names


def _future_flags(tree: ast.Module) -> int:
    flags = 0
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            for alias in node.names:
                feature = getattr(__future__, alias.name, None)
                if feature is not None:
                    flags |= feature.compiler_flag
    return flags


def _jsonable_values(values: object) -> tuple[dict, str | None]:
    """Check VALUES holds only numbers, booleans, strings and lists of them."""

    def check(value: object, where: str) -> str | None:
        if isinstance(value, (bool, int, float, str)):
            return None
        if isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                problem = check(item, f"{where}[{i}]")
                if problem:
                    return problem
            return None
        kind = type(value).__module__ + "." + type(value).__qualname__
        return f"{where} is a {kind}; store plain numbers (use .item() or .tolist())"

    if not isinstance(values, dict):
        return {}, f"VALUES must be a dict, not {type(values).__name__}"
    for key, value in values.items():
        if not isinstance(key, str) or not key.isidentifier():
            return {}, f"VALUES key {key!r} must be an identifier"
        problem = check(value, f"VALUES[{key!r}]")
        if problem:
            return {}, problem
    return json.loads(json.dumps(values)), None


def _assignment_line(tree: ast.Module, name: str) -> int | None:
    """The line of the module-level `name = ...` (VALUES, FIGURES), for errors about it."""
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                return node.lineno
    return None


def _reseed_like_a_fresh_interpreter() -> None:
    """A fork inherits the worker's random state; a reader's fresh `python` does not.

    Without this every child would draw the same "random" numbers, and an
    unseeded snippet would look deterministic here but not on a reader's machine.
    """
    import random

    random.seed()
    numpy_random = sys.modules.get("numpy.random")  # seeded on import, so only if already imported
    if numpy_random is not None:
        numpy_random.seed()
    torch = sys.modules.get("torch")
    if torch is not None:
        # The CPU generator only: torch.seed() would also import and seed every
        # accelerator backend (tens of ms). CUDA is never initialised in the
        # worker, so a child that uses it seeds it afresh anyway.
        torch.default_generator.seed()


def _point_device_at(tree: ast.Module, device: str) -> int | None:
    """Run the snippet's top-level `DEVICE = "cpu"` line as `DEVICE = "<device>"`: the one
    convention by which a device leg of the environment matrix moves a snippet's tensors.
    Returns the line; None when there is no such line (the snippet then runs as written)."""
    line = device_line(tree)
    for node in tree.body:
        if isinstance(node, ast.Assign) and node.lineno == line:
            node.value = ast.copy_location(ast.Constant(device), node.value)
    return line


def _cpu_capability(torch: object) -> str | None:
    """The instruction set ATen's CPU kernels dispatch to, e.g. "AVX512" or "DEFAULT"."""
    try:
        return str(torch.backends.cpu.get_cpu_capability()) if torch is not None else None  # type: ignore[attr-defined]
    except Exception:  # an old torch without torch.backends.cpu
        return None


def _error_from_exception(error: BaseException, snippet_path: str, display_path: str) -> RunError:
    tb = error.__traceback__
    # Drop this module's own frames: the reader's traceback starts in their snippet.
    while tb is not None and tb.tb_frame.f_code.co_filename != snippet_path:
        tb = tb.tb_next
    line = None
    walker = tb
    while walker is not None:
        if walker.tb_frame.f_code.co_filename == snippet_path:
            line = walker.tb_lineno
        walker = walker.tb_next
    if isinstance(error, SyntaxError) and error.filename == snippet_path:
        line = error.lineno
    text = "".join(traceback.format_exception(type(error), error, tb))
    text = text.replace(snippet_path, display_path)
    message = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return RunError(ErrorKind.EXCEPTION, line, message, text)


def run(job: Job, files: dict[str, str], close_fds: list[int], worker_pid: int) -> None:
    """Entry point in the child; never returns (ends with os._exit).

    `close_fds`: the worker's protocol stream, which the snippet must not inherit.
    """
    status = 0
    try:
        _run(job, files, close_fds, worker_pid)
    except BaseException:  # the result file could not be written; the worker reports a crash
        traceback.print_exc()
        status = 70
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(status)


def _restore_environment() -> None:
    """Undo the variables the engine set for its worker (they act at start-up, long past)."""
    saved = json.loads(os.environ.pop("SNIPPET_ENGINE_RESTORE_ENV", "{}"))
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def _run(job: Job, files: dict[str, str], close_fds: list[int], worker_pid: int) -> None:
    os.setsid()  # own process group, so a timeout kills whatever the snippet started too
    die_with_parent(worker_pid)  # an interrupted run stops its worker, and so this child
    _restore_environment()
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    out = os.open(files["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    err = os.open(files["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(out, 1)
    os.dup2(err, 2)
    for fd in close_fds:
        with contextlib.suppress(OSError):
            os.close(fd)
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8")
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8", errors="backslashreplace")
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8", errors="backslashreplace", line_buffering=True)
    faulthandler.enable(file=sys.stderr, all_threads=False)

    # The cap applies to every file the child writes; past it a write fails instead of filling the disk.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    cap = job.output_limit_bytes
    hard_limit = resource.getrlimit(resource.RLIMIT_FSIZE)[1]
    resource.setrlimit(resource.RLIMIT_FSIZE, (cap + 1, hard_limit))

    snippet_path = job.path
    display_path = job.display_path
    repo_root = job.repo_root
    workdir = files["workdir"]
    os.chdir(workdir)
    sys.argv = [snippet_path]
    sys.path[0] = os.path.dirname(snippet_path)
    line_fd = os.open(files["line"], os.O_WRONLY | os.O_CREAT, 0o600)

    _reseed_like_a_fresh_interpreter()
    prepare_matplotlib()
    reads: set[str] = set()
    # Only a count: building a set of every module name would touch thousands of
    # objects shared with the worker and force copy-on-write of their pages.
    modules_before = len(sys.modules)
    _install_audit_hook(repo_root, workdir, reads)

    source = job.source
    tree = ast.parse(source, filename=snippet_path)
    flags = _future_flags(tree)
    device_at = _point_device_at(tree, job.device) if job.device else None
    namespace = {"__name__": "__main__", "__file__": snippet_path, "__builtins__": builtins, "__doc__": ast.get_docstring(tree, clean=False), "__package__": None, "__spec__": None, "__loader__": None, "__cached__": None}
    pieces: list[tuple[int, int]] = []  # (start, end) offset in stdout of each statement's output
    error: RunError | None = None
    figures = FigureCapture(job.id, source, display_path, job.output_limit_bytes)
    started = time.perf_counter()
    for node in tree.body:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        code = compile(ast.Module(body=[node], type_ignores=[]), snippet_path, "exec", flags=flags, dont_inherit=True)
        os.pwrite(line_fd, f"{first:>10}".encode(), 0)
        sys.stdout.flush()
        start = os.lseek(1, 0, os.SEEK_CUR)
        try:
            exec(code, namespace)
        except BaseException as exc:  # SystemExit and KeyboardInterrupt are the snippet's errors too
            if isinstance(exc, SystemExit) and exc.code in (None, 0):
                error = None
            else:
                error = _error_from_exception(exc, snippet_path, display_path)
            with contextlib.suppress(OSError):
                sys.stdout.flush()
            pieces.append((start, os.lseek(1, 0, os.SEEK_CUR)))
            break
        sys.stdout.flush()
        pieces.append((start, os.lseek(1, 0, os.SEEK_CUR)))
        error = figures.after_statement(first)  # at the end of a region, its open figures as SVG
        if error is not None:
            break
    seconds = time.perf_counter() - started

    values: dict = {}
    if error is None and "VALUES" in namespace:
        values, problem = _jsonable_values(namespace["VALUES"])
        if problem:
            error = RunError(ErrorKind.BAD_VALUES, _assignment_line(tree, "VALUES"), problem)
    captured: list[dict] = []
    if error is None:
        captured, error = figures.finish(namespace, _assignment_line(tree, "FIGURES"))

    imported = []
    engine = os.path.dirname(os.path.abspath(__file__))  # its own modules (the figure backend) are not the snippet's inputs
    for name in _modules_added_since(modules_before):
        module = sys.modules.get(name)
        path = getattr(module, "__file__", None)
        if path and _is_inside(os.path.abspath(path), repo_root) and not _is_inside(os.path.abspath(path), engine):
            reads.add(os.path.abspath(path))
        elif not name.startswith("_"):
            imported.append(name)
    reads.discard(snippet_path)

    device = "CPU"
    torch = sys.modules.get("torch")
    if torch is not None and hasattr(torch, "cuda") and torch.cuda.is_initialized():
        device = "CUDA: " + torch.cuda.get_device_name()
    if job.device == "cuda" and error is None and not device.startswith("CUDA"):
        # A snippet that ignores DEVICE would "pass" the CUDA leg without touching the GPU.
        error = RunError(ErrorKind.EXCEPTION, device_at, "ran with DEVICE = 'cuda' but never used the GPU; put the snippet's tensors on DEVICE")

    report = ChildReport(
        error=error,
        seconds=seconds,
        pieces=pieces,
        values=values,
        reads=sorted(reads),
        imported=sorted(imported),
        device=device,
        torch=getattr(torch, "__version__", None) if torch is not None else None,
        cpu_capability=_cpu_capability(torch),
        figures=captured,
    )
    text = to_line(report)
    # The engine's own result file is not the snippet's output: lift the cap for it.
    resource.setrlimit(resource.RLIMIT_FSIZE, (hard_limit, hard_limit))
    with open(files["result"], "w", encoding="utf-8") as handle:
        handle.write(text)
