"""The committed, machine-generated result of one snippet run.

A record is JSON with a hash of its own content, so that an edit by hand or a
truncated file is detected rather than published.  Records are written
atomically (atomic_files): a reader, or a run killed half-way, only ever sees
the old or the new file, never a partial one.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .atomic_files import write_text_atomically

FORMAT_VERSION = 1


class CorruptRecord(Exception):
    pass


def sections_of(chunks: list[dict[str, Any]]) -> dict[str, str]:
    """What each named section printed, from a run's chunks (as a record keeps it)."""
    return {chunk["section"]: chunk["stdout"] for chunk in chunks if chunk["section"] is not None}


@dataclass
class OutputRecord:
    snippet: str
    source_sha256: str
    stdout: str
    sections: dict[str, str]
    values: dict[str, Any]
    dependencies: dict[str, str]  # repo-relative path -> sha256 of the content it ran against
    environment: dict[str, str]  # torch, python, platform, device
    generated: str  # UTC date and time of the run
    seconds: float
    # Source regions in order (section bodies and the code between them) with what each printed;
    # notebook cells are made from these, so the notebook shows what the page shows.
    chunks: list[dict[str, Any]] = field(default_factory=list)
    # Problems found in the source that ran, as (line, message): a print label that types a number.
    lint: list[list[Any]] = field(default_factory=list)
    # Figures the run drew (figure_files.FigureEntry as JSON): each one's SVG is a file beside the record.
    figures: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        body = {
            "format": FORMAT_VERSION,
            "snippet": self.snippet,
            "source_sha256": self.source_sha256,
            "dependencies": dict(sorted(self.dependencies.items())),
            "environment": self.environment,
            "generated": self.generated,
            "seconds": round(self.seconds, 4),
            "values": self.values,
            "sections": self.sections,
            "chunks": self.chunks,
            "lint": self.lint,
            "stdout": self.stdout,
        }
        if self.figures:  # absent when there are none, so records of snippets without figures keep their bytes
            body["figures"] = self.figures
        body["record_sha256"] = content_hash(body)
        return body

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OutputRecord:
        return cls(
            snippet=data["snippet"],
            source_sha256=data["source_sha256"],
            stdout=data["stdout"],
            sections=data["sections"],
            values=data["values"],
            dependencies=data["dependencies"],
            environment=data["environment"],
            generated=data["generated"],
            seconds=data["seconds"],
            chunks=data["chunks"],
            lint=data.get("lint", []),
            figures=data.get("figures", []),
        )


def content_hash(body: dict[str, Any]) -> str:
    without = {k: v for k, v in body.items() if k != "record_sha256"}
    canonical = json.dumps(without, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def read_hashed(path: Path, format_version: int, kind: str, kinds: str) -> dict[str, Any]:
    """The JSON object of a generated file whose `record_sha256` covers the rest of it.

    Raises FileNotFoundError, or CorruptRecord naming `kind` ("an output record") and
    `kinds` ("output files") when the file is not one, or was edited or truncated.
    """
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise CorruptRecord(f"not valid JSON (line {error.lineno}: {error.msg}); was it truncated?") from None
    if not isinstance(data, dict) or data.get("format") != format_version:
        raise CorruptRecord(f"not {kind} of format {format_version}")
    if data.get("record_sha256") != content_hash(data):
        raise CorruptRecord(f"content does not match its recorded hash; {kinds} are generated, never edited by hand")
    return data


def read_record(path: Path) -> OutputRecord:
    """Load and verify a record; raises FileNotFoundError or CorruptRecord."""
    data = read_hashed(path, FORMAT_VERSION, "an output record", "output files")
    try:
        return OutputRecord.from_json(data)
    except (KeyError, TypeError) as error:
        raise CorruptRecord(f"missing field {error}") from None


def write_record(path: Path, record: OutputRecord) -> None:
    write_text_atomically(path, json.dumps(record.to_json(), indent=1, ensure_ascii=False) + "\n")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str | None:
    try:
        return sha256_bytes(path.read_bytes())
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        return None


def recorded_hash(path: Path) -> str:
    """The `record_sha256` a committed record carries ("" if the file cannot be read): the version of that output."""
    try:
        return str(json.loads(path.read_text(encoding="utf-8")).get("record_sha256", ""))
    except (OSError, ValueError, AttributeError):
        return ""
