"""Independent checks of the values that pages bind, and the record of what they found.

A site's checks live in one Python package (the verified-snippets plugin's
`reference_checks_dir`, `tests/reference_checks` here): one module per folder
of snippets, named after it (`cross_entropy.py` checks `snippets/cross_entropy/`),
each holding

    CHECKS = {"<snippet file>.py": {"<value name>": <check>, ...}, ...}

where a check is one of:

* `Input(stated, dtype="float32")`: an input the prose states; the stored value
  must equal it rounded to `dtype` (0.1 is stored as 0.100000001490116...).
* `Near(reference, dtype="float32", ulp=4)`: a floating-point result; every
  element must lie within `ulp` units in the last place of `dtype`, taken at
  the reference, of `reference()`: an mpmath value (or nested list) computed
  from the formula on the exact binary inputs. A float artefact (a value that
  rounds to exactly 1.0, an underflow to 0) is checked by modelling the
  rounding in the reference and asking for `ulp=0`.
* `Exact(expected, why)`: an integer, boolean or string (or a list of them),
  with an independent statement of why it must be so.
* `Bounded(low, high, why)`: a floating-point value no formula reproduces
  exactly (an error size over random draws, say), bounded with a reason.

`run-snippets` evaluates every check against the committed outputs and
records what each found in `<snippets>/<folder>/outputs/_reference_checks.json`;
the build shows those findings on the ledger page, and the test suite
evaluates them again. mpmath and NumPy are imported only to evaluate.
"""
from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import math
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from .atomic_files import write_text_atomically
from .layout import OUTPUTS_FOLDER, Project
from .output_records import CorruptRecord, read_record

PACKAGE = "reference_checks"  # the import name of a site's checks package
RESULTS_NAME = "_reference_checks.json"
RESULTS_FORMAT = 1

# Significant bits (the implicit one included) and the smallest normal exponent of each dtype.
DTYPES = {"float32": (24, -126), "float64": (53, -1022), "float16": (11, -14), "bfloat16": (8, -126)}
# Inputs may also be integers or flags, compared exactly.
EXACT_DTYPES = ("int64", "int32", "int16", "int8", "uint8", "bool")


class ReferenceCheckError(Exception):
    """A checks module that cannot be loaded or holds something that is not a check (names the file)."""


def _reason(why: str, kind: str) -> str:
    if not isinstance(why, str) or not why.strip():
        raise TypeError(f"{kind} needs a reason: {kind}(..., why='why it must be so')")
    return why


def _dtype(dtype: str) -> str:
    if dtype not in DTYPES:
        raise ValueError(f"unknown dtype {dtype!r}; use one of {', '.join(DTYPES)}")
    return dtype


@dataclass(frozen=True)
class Input:
    stated: Any
    dtype: str = "float32"

    def __post_init__(self) -> None:
        if self.dtype not in EXACT_DTYPES:
            _dtype(self.dtype)

    def spec(self) -> dict[str, Any]:
        return {"dtype": self.dtype}


@dataclass(frozen=True)
class Near:
    reference: Callable[[], Any]
    dtype: str = "float32"
    ulp: float = 4

    def __post_init__(self) -> None:
        _dtype(self.dtype)
        if not callable(self.reference):
            raise TypeError("Near needs a callable reference: Near(lambda: <mpmath expression>, ...)")

    def spec(self) -> dict[str, Any]:
        return {"dtype": self.dtype, "ulp": self.ulp}


@dataclass(frozen=True)
class Exact:
    expected: Any
    why: str = ""

    def __post_init__(self) -> None:
        _reason(self.why, "Exact")

    def spec(self) -> dict[str, Any]:
        return {"why": self.why}


@dataclass(frozen=True)
class Bounded:
    low: float
    high: float
    why: str = ""

    def __post_init__(self) -> None:
        _reason(self.why, "Bounded")
        if not self.low <= self.high:
            raise ValueError(f"Bounded({self.low!r}, {self.high!r}): low must not exceed high")

    def spec(self) -> dict[str, Any]:
        return {"low": self.low, "high": self.high, "why": self.why}


Check = Input | Near | Exact | Bounded
CHECK_KINDS = (Input, Near, Exact, Bounded)


@dataclass(frozen=True)
class Finding:
    """What one check found for one element of a stored value."""

    index: str  # "" for a scalar, "[1]" or "[0][2]" for an element
    passed: bool
    ulp: float | None = None  # Near: the distance from the reference, in ulp of the dtype
    problem: str = ""  # why it failed, naming the stored and the expected value


# ------------------------------------------------------------------ evaluation


def ulp(reference: Any, dtype: str) -> Any:
    """One unit in the last place of `dtype` at an exact (mpmath) reference value.

    For |reference| in [2**e, 2**(e + 1)) it is 2**(e - p + 1), with e no
    smaller than the dtype's smallest normal exponent (subnormals share the
    spacing of the smallest normals); taken at the reference, so a value just
    below a power of two is not judged by the coarser spacing above it.
    """
    import mpmath

    bits, emin = DTYPES[dtype]
    magnitude = abs(mpmath.mpf(reference))
    if magnitude == 0 or magnitude < mpmath.mpf(2) ** emin:
        return mpmath.mpf(2) ** (emin - bits + 1)
    exponent = int(mpmath.floor(mpmath.log(magnitude, 2)))
    if mpmath.mpf(2) ** exponent > magnitude:  # guard the floor against log2 landing a hair off
        exponent -= 1
    elif mpmath.mpf(2) ** (exponent + 1) <= magnitude:
        exponent += 1
    return mpmath.mpf(2) ** (max(exponent, emin) - bits + 1)


def round_to(value: float, dtype: str) -> float:
    """A Python float rounded to `dtype` (float32/float16 by NumPy; bfloat16 by mpmath, ties to even)."""
    import numpy as np

    if dtype == "float64":
        return float(value)
    if dtype == "bfloat16":
        import mpmath

        if not math.isfinite(value) or value == 0:
            return float(value)
        with mpmath.workprec(8):
            return float(+mpmath.mpf(value))
    return float(getattr(np, dtype)(value))


def evaluate(check: Check, stored: Any) -> list[Finding]:
    """Every element of `stored` judged by `check`; a shape mismatch is one failed finding."""
    if isinstance(check, Near):
        expected = check.reference()
    elif isinstance(check, Input):
        expected = check.stated
    elif isinstance(check, Exact):
        expected = check.expected
    else:
        expected = None
    findings = []
    for index, value, reference in _pairs(stored, expected, ""):
        if isinstance(value, _Mismatch):
            findings.append(Finding(index, False, problem=value.problem))
        else:
            findings.append(_judge(check, index, value, reference))
    return findings


@dataclass(frozen=True)
class _Mismatch:
    problem: str


def _pairs(stored: Any, expected: Any, index: str) -> Iterator[tuple[str, Any, Any]]:
    """(index, stored leaf, expected leaf) in order; `expected` None pairs every leaf with None."""
    if isinstance(expected, (list, tuple)):
        if not isinstance(stored, list):
            yield index, _Mismatch(f"stored {stored!r}, expected a list of {len(expected)}"), None
            return
        if len(stored) != len(expected):
            yield index, _Mismatch(f"stored {len(stored)} elements, expected {len(expected)}"), None
            return
        for i, (value, reference) in enumerate(zip(stored, expected)):
            yield from _pairs(value, reference, f"{index}[{i}]")
    elif expected is None and isinstance(stored, list):
        for i, value in enumerate(stored):
            yield from _pairs(value, None, f"{index}[{i}]")
    elif isinstance(stored, list):
        yield index, _Mismatch(f"stored a list of {len(stored)}, expected one value {expected!r}"), None
    else:
        yield index, stored, expected


def _judge(check: Check, index: str, value: Any, reference: Any) -> Finding:
    if isinstance(check, Exact):
        same = type(value) is type(reference) and (value == reference or _both_nan(value, reference))
        if isinstance(reference, float) and isinstance(value, int) and not isinstance(value, bool):
            same = float(value) == reference  # JSON stores 2.0 as 2.0, but a hand-written 2 is fine
        return Finding(index, same, problem="" if same else f"stored {value!r}, expected {reference!r}")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return Finding(index, False, problem=f"stored {value!r}, which is not a number")
    if isinstance(check, Bounded):
        inside = check.low <= value <= check.high
        return Finding(index, inside, problem="" if inside else f"stored {value!r}, allowed [{check.low!r}, {check.high!r}]")
    if isinstance(check, Input):
        if check.dtype in EXACT_DTYPES or isinstance(reference, (bool, str)) or (isinstance(reference, int) and isinstance(value, int)):
            same = value == reference and type(value) is type(reference)
            return Finding(index, same, problem="" if same else f"stored {value!r}, the text states {reference!r}")
        wanted = round_to(float(reference), check.dtype)
        same = float(value) == wanted or _both_nan(value, wanted)
        return Finding(index, same, problem="" if same else f"stored {value!r}, the text states {reference!r} ({wanted!r} in {check.dtype})")
    return _near(check, index, float(value), reference)


def _near(check: Near, index: str, value: float, reference: Any) -> Finding:
    import mpmath

    reference = mpmath.mpf(reference) if not isinstance(reference, mpmath.mpf) else reference
    if not mpmath.isfinite(reference):
        same = (mpmath.isnan(reference) and math.isnan(value)) or (not mpmath.isnan(reference) and value == float(reference))
        return Finding(index, same, 0.0 if same else None, "" if same else f"stored {value!r}, reference {mpmath.nstr(reference, 20)}")
    if not math.isfinite(value):
        return Finding(index, False, problem=f"stored {value!r}, reference {mpmath.nstr(reference, 20)}")
    distance = float(abs(mpmath.mpf(value) - reference) / ulp(reference, check.dtype))
    passed = distance <= check.ulp
    problem = "" if passed else f"stored {value!r}, reference {mpmath.nstr(reference, 20)}, {distance:.3g} {check.dtype} ulp apart (allowed {check.ulp:g})"
    return Finding(index, passed, float(f"{distance:.3g}"), problem)


def _both_nan(a: Any, b: Any) -> bool:
    return isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)


# ------------------------------------------------------------------ the checks package


def load_package(checks_dir: Path) -> ModuleType:
    """The site's checks package, imported from `checks_dir` under the name `reference_checks`.

    The test suite imports the same package by name (pytest puts tests/ on its
    path); here it is imported from the configured folder without touching
    sys.path, and reused when it is already the one imported.
    """
    checks_dir = checks_dir.resolve()
    sources = checks_digest(checks_dir)
    loaded = sys.modules.get(PACKAGE)
    if (
        loaded is not None
        and [str(Path(p).resolve()) for p in getattr(loaded, "__path__", [])] == [str(checks_dir)]
        and _loaded_sources.get(str(checks_dir)) in (sources, None)
    ):
        _loaded_sources[str(checks_dir)] = sources  # None: imported by name (the test suite), as it is now
        return loaded
    init = checks_dir / "__init__.py"
    if not init.is_file():
        raise ReferenceCheckError(f"{init}: missing; the reference checks folder must be a package")
    spec = importlib.util.spec_from_file_location(PACKAGE, init, submodule_search_locations=[str(checks_dir)])
    assert spec is not None and spec.loader is not None
    for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
        del sys.modules[name]  # another site's package of the same name
    package = importlib.util.module_from_spec(spec)
    sys.modules[PACKAGE] = package
    with _no_bytecode_written():
        spec.loader.exec_module(package)
    _loaded_sources[str(checks_dir)] = sources
    return package


@contextmanager
def _no_bytecode_written() -> Iterator[None]:
    """Import without writing `__pycache__` into the checks folder: `mkdocs serve` watches that folder, and
    each written file would start another rebuild."""
    before, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        yield
    finally:
        sys.dont_write_bytecode = before


# The package's sources when it was imported, by folder. `mkdocs serve` is one long process: an edit of
# a checks module must import the package again, or its findings would come from the code as it was
# (they did: the findings file then carried the new key over the old code's findings).
_loaded_sources: dict[str, str] = {}


def load_checks(checks_dir: Path, folder: str) -> dict[str, dict[str, Check]] | None:
    """CHECKS of `<checks_dir>/<folder>.py`, validated; None when there is no such module."""
    path = checks_dir / f"{folder}.py"
    if not path.is_file():
        return None
    load_package(checks_dir)
    try:
        with _no_bytecode_written():
            module = importlib.import_module(f"{PACKAGE}.{folder}")
    except Exception as error:  # the module is the site's code: report any failure, naming it
        raise ReferenceCheckError(f"{path}: cannot be imported: {type(error).__name__}: {error}") from error
    checks = getattr(module, "CHECKS", None)
    if not isinstance(checks, dict):
        raise ReferenceCheckError(f"{path}: has no CHECKS dict ({{'<snippet>.py': {{'<value>': Near(...), ...}}}})")
    for snippet, values in checks.items():
        if not isinstance(values, dict):
            raise ReferenceCheckError(f"{path}: CHECKS[{snippet!r}] must be a dict of value name -> check")
        for name, check in values.items():
            if not isinstance(check, CHECK_KINDS):
                raise ReferenceCheckError(f"{path}: CHECKS[{snippet!r}][{name!r}] is {check!r}, not Input, Near, Exact or Bounded")
    return checks


def checks_module_path(checks_dir: Path, folder: str) -> Path:
    return checks_dir / f"{folder}.py"


# ------------------------------------------------------------------ the recorded findings


@dataclass(frozen=True)
class ValueFindings:
    kind: str  # "input", "near", "exact", "bounded"
    spec: dict[str, Any]  # the check's parameters: dtype, ulp, low, high, why
    findings: list[Finding]

    @property
    def passed(self) -> bool:
        return all(f.passed for f in self.findings)

    def under(self, index: str) -> list[Finding]:
        """The findings of the element at `index` ("" for the whole value), or of every element below it."""
        return [f for f in self.findings if f.index == index or f.index.startswith(index + "[") or not index]


@dataclass
class CheckResults:
    """What every check of one folder found, and the inputs it was computed from (for freshness)."""

    folder: str
    key: str
    values: dict[str, dict[str, ValueFindings]] = field(default_factory=dict)  # snippet file -> value -> findings
    errors: list[str] = field(default_factory=list)  # checks that could not be evaluated

    def to_json(self) -> dict:
        return {
            "format": RESULTS_FORMAT,
            "folder": self.folder,
            "key": self.key,
            "errors": self.errors,
            "values": {
                s: {n: {"kind": v.kind, "spec": v.spec, "findings": [[f.index, f.passed, f.ulp, f.problem] for f in v.findings]} for n, v in sorted(names.items())}
                for s, names in sorted(self.values.items())
            },
        }

    def to_text(self) -> str:
        """JSON with one line per checked value, so that a diff shows which values changed."""
        data = self.to_json()
        values = data.pop("values")
        head = json.dumps(data, indent=1, ensure_ascii=False)[:-2]
        rows = []
        for snippet, names in values.items():
            lines = [f"  {json.dumps(name)}: {json.dumps(v, ensure_ascii=False)}" for name, v in names.items()]
            rows.append(f" {json.dumps(snippet)}: {{\n" + ",\n".join(lines) + "\n }")
        return head + ',\n "values": {\n' + ",\n".join(rows) + "\n }\n}\n"

    @classmethod
    def from_json(cls, data: dict) -> CheckResults:
        values = {
            s: {n: ValueFindings(v["kind"], dict(v["spec"]), [Finding(*f) for f in v["findings"]]) for n, v in names.items()}
            for s, names in data["values"].items()
        }
        return cls(data["folder"], data["key"], values, list(data.get("errors", [])))

    def failures(self) -> list[str]:
        return self.errors + [f"{s} {n}{f.index}: {f.problem}" for s, names in self.values.items() for n, v in names.items() for f in v.findings if not f.passed]


def results_path(project: Project, folder: str) -> Path:
    return project.snippets_dir / folder / OUTPUTS_FOLDER / RESULTS_NAME


def folders_with_checks(project: Project, checks_dir: Path | None) -> list[str]:
    """Snippet folders that have a checks module (none where the site has no checks package)."""
    if checks_dir is None or not checks_dir.is_dir():
        return []
    return sorted(p.stem for p in checks_dir.glob("*.py") if not p.name.startswith("_") and (project.snippets_dir / p.stem).is_dir())


def checks_digest(checks_dir: Path) -> str:
    """How checks are judged (this module) and every module of the checks package.

    Computed once per pass over the folders: every folder's findings depend on
    all of it, and hashing it again per folder made a warm check quadratic in
    the number of folders.
    """
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for path in sorted(checks_dir.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def results_key(project: Project, checks_dir: Path, folder: str, package_digest: str | None = None) -> str:
    """What the findings depend on: the checks (`checks_digest`, passed in where
    several folders are keyed in one pass) and the folder's output records."""
    digest = hashlib.sha256((package_digest or checks_digest(checks_dir)).encode())
    for path in sorted((project.snippets_dir / folder / OUTPUTS_FOLDER).glob("*.json")):
        if path.name != RESULTS_NAME:
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


# Each findings file as last parsed, by its file's identity, size and time: a build reads
# each one three times and every `mkdocs serve` rebuild again (0.06 s of a rebuild, cProfile).
# The engine writes these files by rename (a new identity); an edit in place is seen by
# its time, unless it keeps the size and lands in the same tick of the file system's clock.
_parsed_results: dict[str, tuple[tuple[int, int, int], Any]] = {}


def _parsed_json(path: Path) -> Any:
    found = path.stat()
    signature = (found.st_ino, found.st_size, found.st_mtime_ns)
    kept = _parsed_results.get(str(path))
    if kept is not None and kept[0] == signature:
        return kept[1]
    data = json.loads(path.read_text(encoding="utf-8"))
    _parsed_results[str(path)] = (signature, data)
    return data


def _recorded_key(project: Project, folder: str) -> str | None:
    """The key a folder's findings file was computed with (None: missing or unusable), without building its findings."""
    try:
        data = _parsed_json(results_path(project, folder))
        return data["key"] if data.get("format") == RESULTS_FORMAT and isinstance(data.get("key"), str) else None
    except (OSError, ValueError, AttributeError):
        return None


def read_results(project: Project, folder: str) -> CheckResults | None:
    try:
        data = _parsed_json(results_path(project, folder))
        if data.get("format") != RESULTS_FORMAT:
            return None
        return CheckResults.from_json(data)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def evaluate_folder(project: Project, checks_dir: Path, folder: str, package_digest: str | None = None) -> CheckResults:
    """Evaluate every check of one folder against its committed outputs."""
    results = CheckResults(folder, results_key(project, checks_dir, folder, package_digest))
    module = checks_module_path(checks_dir, folder)
    try:
        checks = load_checks(checks_dir, folder) or {}
    except ReferenceCheckError as error:
        results.errors.append(str(error))
        return results
    for snippet, names in sorted(checks.items()):
        try:
            values = read_record(project.snippet(f"{folder}/{snippet}").output_path).values
        except (FileNotFoundError, CorruptRecord) as error:
            results.errors.append(f"{project.display(module)}: CHECKS[{snippet!r}]: no usable output for {folder}/{snippet} ({error})")
            continue
        for name, check in sorted(names.items()):
            if name not in values:
                results.errors.append(f"{project.display(module)}: CHECKS[{snippet!r}][{name!r}]: {folder}/{snippet} exports no value '{name}'")
                continue
            try:
                findings = evaluate(check, values[name])
            except Exception as error:  # a reference is the site's code: report, naming it
                results.errors.append(f"{project.display(module)}: CHECKS[{snippet!r}][{name!r}]: the check raised {type(error).__name__}: {error}")
                continue
            results.values.setdefault(snippet, {})[name] = ValueFindings(type(check).__name__.lower(), check.spec(), findings)
    return results


def update_results(project: Project, checks_dir: Path | None) -> tuple[list[Path], list[str]]:
    """Re-evaluate the folders whose checks or outputs changed; returns (files written, failures)."""
    written, failures = [], []
    folders = folders_with_checks(project, checks_dir)
    package_digest = checks_digest(checks_dir) if checks_dir is not None and folders else ""
    for folder in folders:
        assert checks_dir is not None  # there are folders only where there is a package
        current = read_results(project, folder)
        key = results_key(project, checks_dir, folder, package_digest)
        if current is None or current.key != key:
            current = evaluate_folder(project, checks_dir, folder, package_digest)
            path = results_path(project, folder)
            write_text_atomically(path, current.to_text())
            written.append(path)
        failures += [f"{project.display(checks_module_path(checks_dir, folder))}: {failure}" for failure in current.failures()]
    return written, failures


def stale_results(project: Project, checks_dir: Path | None) -> list[tuple[Path, str]]:
    """Findings files that are missing or were computed from other checks or outputs."""
    stale = []
    folders = folders_with_checks(project, checks_dir)
    package_digest = checks_digest(checks_dir) if checks_dir is not None and folders else ""
    for folder in folders:
        assert checks_dir is not None
        current = _recorded_key(project, folder)
        if current is None:
            stale.append((results_path(project, folder), "missing"))
        elif current != results_key(project, checks_dir, folder, package_digest):
            stale.append((results_path(project, folder), "the checks or the outputs changed since they were evaluated"))
    return stale
