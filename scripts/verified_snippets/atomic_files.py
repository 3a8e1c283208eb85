"""Writing generated files so that a reader, or a run killed half-way, sees the old file or the new one.

Every generated file (output records, notebooks, caches) is written to a
temporary file beside it and renamed into place; a run that is killed leaves
the temporary file behind, and the next run removes it (while holding the run
lock, so it never removes another run's file in flight).
"""
from __future__ import annotations

import hashlib
import os
import time
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


#: What ContentHashes.of gives for a file it cannot read (no sha256 digest is this short).
UNREADABLE = b"\1unreadable"


class ContentHashes:
    """Files' sha256, each read again only when the file may have changed since it was read.

    That is: its version (above) is another, or it was written so shortly
    before it was read that a second write within the same tick of the file
    system's clock could have left its version as it was (git's "racily clean"
    entries). A file last written well before it was read keeps its hash until
    its version changes, so a digest of a large folder costs a stat a file.
    """

    #: Far above any file system's timestamp granularity (Linux stamps files from a coarse clock).
    RACY_NS = 2_000_000_000

    def __init__(self) -> None:
        self.kept: dict[Path, tuple[tuple[int, int, int], bytes, int]] = {}  # version, hash, when read (ns)
        self.reads = 0  # the tests count them

    def of(self, path: Path) -> bytes:
        """`path`'s sha256 digest; UNREADABLE when it cannot be read."""
        started = time.time_ns()
        version = file_version(path)
        kept = self.kept.get(path)
        if kept is not None and kept[0] == version and version is not None and version[0] < kept[2] - self.RACY_NS:
            return kept[1]
        try:
            data = path.read_bytes()
        except OSError:
            self.kept.pop(path, None)
            return UNREADABLE
        self.reads += 1
        found = hashlib.sha256(data).digest()
        if version is not None:
            self.kept[path] = (version, found, started)
        return found


def remove_leftover_temp_files(*folders: Path) -> list[Path]:
    """Temporary files of an interrupted run under `folders`; call only while holding the run lock."""
    leftovers = sorted(path for folder in folders if folder.is_dir() for path in folder.rglob(f"*{TEMP_MARK}*"))
    for leftover in leftovers:
        leftover.unlink(missing_ok=True)
    return leftovers
