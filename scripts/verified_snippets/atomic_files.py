"""Writing generated files so that a reader, or a run killed half-way, sees the old file or the new one.

Every generated file (output records, notebooks, caches) is written to a
temporary file beside it and renamed into place; a run that is killed leaves
the temporary file behind, and the next run removes it (while holding the run
lock, so it never removes another run's file in flight).
"""
from __future__ import annotations

import os
from pathlib import Path

TEMP_MARK = ".tmp-"


def write_text_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f"{path.name}{TEMP_MARK}{os.getpid()}")
    # No fsync: it would cost milliseconds per file and only guards against power loss.
    with open(temp, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(temp, path)


#: A file's version as the caches here see it: modification time (ns), size, inode. An atomic write
#: replaces the file, so its inode changes even when the time and size would not; None: no such file.
FileVersion = tuple[int, int, int] | None


def version_of(status: os.stat_result) -> tuple[int, int, int]:
    return (status.st_mtime_ns, status.st_size, status.st_ino)


def file_version(path: Path | str) -> FileVersion:
    try:
        return version_of(os.stat(path))
    except OSError:
        return None


def remove_leftover_temp_files(*folders: Path) -> list[Path]:
    """Temporary files of an interrupted run under `folders`; call only while holding the run lock."""
    leftovers = sorted(path for folder in folders if folder.is_dir() for path in folder.rglob(f"*{TEMP_MARK}*"))
    for leftover in leftovers:
        leftover.unlink(missing_ok=True)
    return leftovers
