"""The engine's settings, and how `run-snippets` reads them from mkdocs.yml.

The options are declared once, by the plugin's `Config` class (config.py), and
validated by MkDocs. Importing MkDocs' configuration machinery costs ~0.2 s,
as much as a whole warm run, so `run-snippets` keeps the validated result in
`.cache/verified_snippets/settings.json`, keyed by the bytes of mkdocs.yml,
and only validates again when the file changed.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from .atomic_files import write_text_atomically
from .layout import Project

SETTINGS_CACHE_VERSION = 5
PLUGIN_NAME = "verified-snippets"


@dataclass(frozen=True)
class MatrixSettings:
    """The environment matrix: its columns, its page, where upgrade reports go, the default tolerance."""

    environments: tuple[str, ...] = ()  # none: the matrix is off
    page: str = ""  # under docs_dir
    reports_folder: str = "reports"  # relative to the project root
    ulp: float = 4.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "environments", tuple(self.environments))  # a list when read back from JSON


@dataclass(frozen=True)
class EngineSettings:
    timeout_s: float = 60.0
    output_limit_bytes: int = 1_000_000
    serve_jobs: int = 0  # 0: the CPUs this process may use
    regenerate_command: str = "make outputs"
    notebooks_folder: str = "notebooks"
    checks_folder: str = ""  # the reference checks package (absolute); "": bound values need no checks
    allowed_numbers: tuple[float, ...] = ()  # constants that pages and print labels may type
    require_descriptions: bool = False  # a published article without `description:` front matter is a warning
    matrix: MatrixSettings = MatrixSettings()

    def __post_init__(self) -> None:
        if isinstance(self.matrix, dict):  # read back from the JSON cache
            object.__setattr__(self, "matrix", MatrixSettings(**self.matrix))


@dataclass(frozen=True)
class Site:
    """What a run needs to know about a site: where things are, and the settings."""

    project: Project
    settings: EngineSettings


class SettingsError(Exception):
    """mkdocs.yml cannot be read, or an option of the plugin is invalid (the message names it)."""


def load_site(root: Path, config_file: Path | None = None) -> Site:
    """The site at `root`, configured by `config_file` (default: `root/mkdocs.yml` where there is one)."""
    root = root.resolve()
    config_file = config_file or root / "mkdocs.yml"
    if not config_file.is_file():
        return Site(Project.at(root), EngineSettings())
    raw = config_file.read_bytes()
    key = hashlib.sha256(str(config_file.resolve()).encode() + b"\0" + raw).hexdigest()
    cache = root / ".cache" / "verified_snippets" / "settings.json"
    cached = _read_cache(cache, key)
    if cached is None:
        cached = _validate(config_file)
        if b"INHERIT" not in raw:  # the key would not cover the inherited file
            _write_cache(cache, key, cached)
    settings = EngineSettings(**{**cached["settings"], "allowed_numbers": tuple(cached["settings"]["allowed_numbers"])})
    project = Project(root, Path(cached["snippets_dir"]), Path(cached["docs_dir"]), settings.notebooks_folder, settings.checks_folder)
    return Site(project, settings)


def _read_cache(cache: Path, key: str) -> dict | None:
    try:
        data = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("version") != SETTINGS_CACHE_VERSION or data.get("key") != key:
        return None
    return data


def _write_cache(cache: Path, key: str, data: dict) -> None:
    write_text_atomically(cache, json.dumps({"version": SETTINGS_CACHE_VERSION, "key": key, **data}))


def _validate(config_file: Path) -> dict:
    """Read mkdocs.yml as MkDocs does and validate this plugin's options with its Config class."""
    from mkdocs import exceptions
    from mkdocs.utils import yaml as mkdocs_yaml

    from .config import VerifiedSnippetsConfig

    class _ConfigFile:  # what mkdocs.yml's `!relative` tags need to know
        config_file_path = str(config_file)

    try:
        with open(config_file, encoding="utf-8") as handle:
            raw = mkdocs_yaml.yaml_load(handle, mkdocs_yaml.get_yaml_loader(config=_ConfigFile())) or {}  # type: ignore[arg-type]  # needs only config_file_path
    except (OSError, exceptions.ConfigurationError) as error:
        raise SettingsError(f"{config_file}: cannot be read: {error}") from None
    options = plugin_options(raw.get("plugins") or [])
    config = VerifiedSnippetsConfig(config_file_path=str(config_file))
    config.load_dict({} if options is None else options)
    errors, _warnings = config.validate()
    if errors:
        raise SettingsError("\n".join(f"{config_file}: plugin '{PLUGIN_NAME}' option '{key}': {error}" for key, error in errors))
    docs_dir = config_file.parent / str(raw.get("docs_dir") or "docs")
    return {
        "snippets_dir": str(Path(config.snippets_dir).resolve()),
        "docs_dir": str(docs_dir.resolve()),
        "settings": dataclasses.asdict(config.settings()),
    }


def plugin_options(plugins: list | dict) -> dict | None:
    """The options given to this plugin in mkdocs.yml's `plugins:` (a list or a mapping); None if it is not listed."""
    entries = plugins.items() if isinstance(plugins, dict) else ((next(iter(p.items())) if isinstance(p, dict) else (p, {})) for p in plugins)
    for name, options in entries:
        if name == PLUGIN_NAME:
            return dict(options or {})
    return None
