"""Shared fixtures: the real repository, and throwaway copies of a project to break."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

PYTHON = sys.executable
MKDOCS = str(Path(sys.executable).with_name("mkdocs"))


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


def run_script(root: Path, *args: str, timeout: float = 300, env: dict | None = None) -> subprocess.CompletedProcess:
    """`scripts/run_snippets.py` of this checkout, pointed at another project root.

    `env` adds variables to this process's environment; a None value removes one.
    """
    merged = {**os.environ, **(env or {})}
    return subprocess.run(
        [PYTHON, str(REPO / "scripts" / "run_snippets.py"), "--root", str(root), *args],
        capture_output=True, text=True, timeout=timeout, env={name: value for name, value in merged.items() if value is not None},
    )


def mkdocs_build(config_dir: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run([MKDOCS, "build", "--strict", *args], cwd=config_dir, capture_output=True, text=True, timeout=timeout, env=env)


class ScratchProject:
    """A temporary project folder with `snippets/` and `docs/`, never the real ones."""

    def __init__(self, root: Path):
        self.root = root
        (root / "snippets").mkdir(parents=True, exist_ok=True)
        (root / "docs").mkdir(exist_ok=True)

    def snippet(self, name: str, source: str) -> Path:
        path = self.root / "snippets" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
        return path

    def output(self, name: str) -> Path:
        article, _, filename = name.rpartition("/")
        return self.root / "snippets" / article / "outputs" / (filename[:-3] + ".json")

    def run(self, *args: str, timeout: float = 300, env: dict | None = None) -> subprocess.CompletedProcess:
        return run_script(self.root, *args, timeout=timeout, env=env)

    def outputs_snapshot(self) -> dict[str, bytes]:
        return {str(p.relative_to(self.root)): p.read_bytes() for p in sorted((self.root / "snippets").rglob("*.json"))}

    def tree_snapshot(self) -> dict[str, bytes]:
        return {str(p.relative_to(self.root)): p.read_bytes() for p in sorted(self.root.rglob("*")) if p.is_file() and ".cache" not in p.parts}


@pytest.fixture
def scratch(tmp_path: Path) -> ScratchProject:
    return ScratchProject(tmp_path / "project")


@pytest.fixture
def scratch_site(tmp_path: Path, repo: Path) -> ScratchProject:
    """A scratch project with the real mkdocs.yml, hooks pointing at this checkout's scripts."""
    project = ScratchProject(tmp_path / "site-project")
    config = (repo / "mkdocs.yml").read_text()
    config = config.replace("- scripts/", f"- {repo}/scripts/")
    (project.root / "mkdocs.yml").write_text(config)
    if (repo / "node_modules").exists():
        (project.root / "node_modules").symlink_to(repo / "node_modules")
    shutil.copytree(repo / "docs", project.root / "docs", dirs_exist_ok=True)
    shutil.copytree(repo / "snippets", project.root / "snippets", dirs_exist_ok=True)
    return project


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", help="rewrite the golden files' expected outputs")
