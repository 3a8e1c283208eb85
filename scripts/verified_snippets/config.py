"""The verified-snippets plugin's options in mkdocs.yml, with their defaults.

    plugins:
      - verified-snippets:
          snippets_dir: snippets        # beside mkdocs.yml; pymdownx.snippets' base_path must name it too
          notebooks_dir: notebooks      # under docs_dir: one generated notebook per article
          timeout: 60                   # seconds a snippet may run (a snippet's own header can raise it)
          output_limit: 1000000         # bytes a snippet may print
          serve_jobs: 0                 # snippets `mkdocs serve` re-runs side by side (0: the usable CPUs)
          regenerate_command: make outputs   # what messages tell a contributor to run
          reference_checks_dir: tests/reference_checks   # the checks of every bound value (default: none required)
          allowed_numbers: []           # constants an article or a print label may type (e.g. 2.718)
          matrix:                       # the environment matrix (see environments.py); off when empty
            environments: [cpu-native, cpu-default, cuda, torch-2.14.1]   # its columns, in order
            page: where-numbers-hold.md   # under docs_dir: the page whose `{{ environment-matrix }}` line becomes the tables
            reports_dir: reports          # beside mkdocs.yml: upgrade reports of release environments
            ulp: 4                        # default tolerance for values; a snippet's `ulp=...; why` overrides it

`run-snippets` (scripts/run_snippets.py) reads the same options from
mkdocs.yml, so a build and a run never disagree.
"""
from __future__ import annotations

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.base import ValidationError

from .environments import EnvironmentNameError, parse
from .settings import EngineSettings, MatrixSettings

_DEFAULTS = EngineSettings()


class _Number(c.BaseConfigOption[float]):
    """A number above `minimum` (or at least it, with `inclusive`); an int where `integer`."""

    def __init__(self, default: float, minimum: float = 0, inclusive: bool = False, integer: bool = False):
        super().__init__()
        self.default = default
        self.minimum, self.inclusive, self.integer = minimum, inclusive, integer

    def run_validation(self, value: object) -> float:
        kind = int if self.integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, kind):
            raise ValidationError(f"expected {'a whole number' if self.integer else 'a number'}, got {value!r}")
        if value < self.minimum or (value == self.minimum and not self.inclusive):
            bound = "at least" if self.inclusive else "more than"
            raise ValidationError(f"must be {bound} {self.minimum:g}, got {value!r}")
        return value


class _EnvironmentName(c.BaseConfigOption[str]):
    def run_validation(self, value: object) -> str:
        if not isinstance(value, str):
            raise ValidationError(f"expected an environment name, got {value!r}")
        try:
            return parse(value).name
        except EnvironmentNameError as error:
            raise ValidationError(str(error)) from None


class _EnvironmentNames(c.ListOfItems[str]):
    def __init__(self) -> None:
        super().__init__(_EnvironmentName(), default=[])

    def run_validation(self, value: object) -> list[str]:
        names = super().run_validation(value)
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValidationError(f"listed twice: {', '.join(twice)}")
        return names


class MatrixConfig(base.Config):
    environments = _EnvironmentNames()
    page = c.Type(str, default="")
    reports_dir = c.Type(str, default=MatrixSettings().reports_folder)
    ulp = _Number(default=MatrixSettings().ulp, inclusive=True)

    def settings(self) -> MatrixSettings:
        return MatrixSettings(tuple(self.environments), self.page.strip("/"), self.reports_dir.strip("/"), float(self.ulp))


class VerifiedSnippetsConfig(base.Config):
    snippets_dir = c.Dir(exists=True, default="snippets")
    notebooks_dir = c.Type(str, default=_DEFAULTS.notebooks_folder)
    timeout = _Number(default=_DEFAULTS.timeout_s)
    output_limit = _Number(default=_DEFAULTS.output_limit_bytes, integer=True)
    serve_jobs = _Number(default=_DEFAULTS.serve_jobs, inclusive=True, integer=True)
    regenerate_command = c.Type(str, default=_DEFAULTS.regenerate_command)
    reference_checks_dir = c.Optional(c.Dir(exists=True))
    allowed_numbers = c.ListOfItems(c.Type((int, float)), default=[])
    require_descriptions = c.Type(bool, default=False)
    matrix = c.SubConfig(MatrixConfig)

    def settings(self) -> EngineSettings:
        return EngineSettings(
            timeout_s=float(self.timeout),
            output_limit_bytes=int(self.output_limit),
            serve_jobs=int(self.serve_jobs),
            regenerate_command=self.regenerate_command,
            notebooks_folder=self.notebooks_dir.strip("/"),
            checks_folder=self.reference_checks_dir or "",
            allowed_numbers=tuple(float(n) for n in self.allowed_numbers),
            require_descriptions=bool(self.require_descriptions),
            matrix=self.matrix.settings(),
        )
