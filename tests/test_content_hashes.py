"""atomic_files.ContentHashes: a file is read again whenever it may have changed, and only then."""
from __future__ import annotations

import hashlib
import os

from verified_snippets.atomic_files import ContentHashes


def age(path, seconds: float) -> None:
    """Give `path` a modification time `seconds` in the past (as a file saved earlier has)."""
    stamp = os.stat(path).st_mtime_ns - int(seconds * 1e9)
    os.utime(path, ns=(stamp, stamp))


def test_a_file_written_well_before_it_was_read_is_not_read_again_until_its_version_changes(tmp_path):
    path = tmp_path / "record.json"
    path.write_text("first")
    age(path, 60)
    hashes = ContentHashes()
    assert hashes.of(path) == hashlib.sha256(b"first").digest()
    assert hashes.of(path) == hashlib.sha256(b"first").digest() and hashes.reads == 1
    path.write_text("second, longer")
    assert hashes.of(path) == hashlib.sha256(b"second, longer").digest() and hashes.reads == 2


def test_a_rewrite_within_one_tick_of_the_clock_is_still_seen(tmp_path):
    """Same size, same inode, same time stamp (a coarse file system clock): only the content differs."""
    path = tmp_path / "helper.py"
    path.write_text("SCALE = 1\n")
    stamp = os.stat(path).st_mtime_ns
    hashes = ContentHashes()
    first = hashes.of(path)
    with open(path, "r+") as handle:  # in place, as an editor may save
        handle.write("SCALE = 2\n")
    os.utime(path, ns=(stamp, stamp))
    assert hashes.of(path) != first


def test_without_the_margin_that_rewrite_would_be_missed(tmp_path, monkeypatch):
    """The control: the test above can fail. With no margin, the version alone decides, and it is unchanged."""
    monkeypatch.setattr(ContentHashes, "RACY_NS", -10**18)
    path = tmp_path / "helper.py"
    path.write_text("SCALE = 1\n")
    stamp = os.stat(path).st_mtime_ns
    hashes = ContentHashes()
    first = hashes.of(path)
    with open(path, "r+") as handle:
        handle.write("SCALE = 2\n")
    os.utime(path, ns=(stamp, stamp))
    assert hashes.of(path) == first


def test_a_missing_file_has_its_own_digest_and_is_read_when_it_appears(tmp_path):
    path = tmp_path / "later.txt"
    hashes = ContentHashes()
    assert hashes.of(path) == b"\1unreadable"
    path.write_text("here")
    assert hashes.of(path) == hashlib.sha256(b"here").digest()
