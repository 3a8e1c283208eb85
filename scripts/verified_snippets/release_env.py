"""A virtual environment with another PyTorch release, made on demand and kept under .cache/.

    .cache/verified_snippets/environments/torch-2.14.1/         the virtual environment
    .cache/verified_snippets/environments/torch-2.14.1/made.json  what was installed, how long it took, its size

It is made from the interpreter that runs this (same Python version, so the
records differ only by torch), with the same NumPy as the site's environment
and the release of torch from the package index pip is configured for. Every
other package a snippet may import (SciPy, matplotlib, ...) comes from the
site's own environment, at its exact version: a `.pth` file puts the site's
site-packages on the path after the release's own, so only torch and what it
brings differ. PyPI's
Linux wheels of torch are CUDA builds: with their `nvidia-*` dependencies they
take several GB, so this is a maintainer's command and never part of the tests.
pip's own cache is bypassed, so the download is not kept twice.
"""
from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from .atomic_files import write_text_atomically
from .layout import Project

STAMP = "made.json"
SHARED = "zz_site_packages_of_the_site.pth"  # read last: the release's own packages come first


class ReleaseEnvironmentError(Exception):
    pass


@dataclass(frozen=True)
class Made:
    torch: str
    numpy: str
    seconds: float  # creating the environment and installing into it
    bytes: int  # its size on disk
    packages: list[str]  # `pip freeze`


def folder(project: Project, version: str) -> Path:
    return project.cache_dir / "environments" / f"torch-{version}"


def python_of(venv: Path) -> Path:
    return venv / "bin" / "python"


def read_made(project: Project, version: str) -> Made | None:
    try:
        return Made(**json.loads((folder(project, version) / STAMP).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def disk_usage(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += (Path(root) / name).lstat().st_size
            except OSError:
                continue
    return total


def _numpy_version() -> str | None:
    from importlib import metadata

    try:
        return metadata.version("numpy")
    except metadata.PackageNotFoundError:
        return None


def ensure(project: Project, version: str, say: Callable[[str], None]) -> tuple[Path, Made]:
    """The interpreter of torch `version`'s environment, made first if it is not there yet."""
    venv = folder(project, version)
    made = read_made(project, version)
    if made is not None and python_of(venv).exists():
        _share_site_packages(venv)
        return python_of(venv), made
    started = time.perf_counter()
    say(f"making {project.display(venv)}: torch {version} from the package index (several GB the first time)")
    _run([sys.executable, "-m", "venv", "--clear", str(venv)], "cannot make the virtual environment")
    numpy = _numpy_version()
    wanted = [f"torch=={version}"] + ([f"numpy=={numpy}"] if numpy else [])
    _run([str(python_of(venv)), "-m", "pip", "install", "--no-cache-dir", "--disable-pip-version-check", *wanted], f"cannot install {' '.join(wanted)}")
    _share_site_packages(venv)
    freeze = subprocess.run([str(python_of(venv)), "-m", "pip", "freeze"], capture_output=True, text=True, check=True).stdout.split()
    made = Made(version, numpy or "", round(time.perf_counter() - started, 1), disk_usage(venv), freeze)
    write_text_atomically(venv / STAMP, json.dumps(asdict(made), indent=1) + "\n")
    say(f"made {project.display(venv)} in {made.seconds:.0f} s, {made.bytes / 1e9:.2f} GB")
    return python_of(venv), made


def _share_site_packages(venv: Path) -> None:
    """Let the release's interpreter import the site's other packages, after its own."""
    own = subprocess.run([str(python_of(venv)), "-c", "import site; print(site.getsitepackages()[0])"], capture_output=True, text=True, check=True).stdout.strip()
    shared = "\n".join(site.getsitepackages()) + "\n"
    path = Path(own) / SHARED
    if not path.is_file() or path.read_text(encoding="utf-8") != shared:
        write_text_atomically(path, shared)


def _run(command: list[str], failure: str) -> None:
    result = subprocess.run(command, stdout=sys.stderr, stderr=sys.stderr)  # pip's progress is the maintainer's
    if result.returncode != 0:
        raise ReleaseEnvironmentError(f"{failure} (`{' '.join(command)}` exited with status {result.returncode})")
