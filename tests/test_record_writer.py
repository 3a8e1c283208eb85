"""The burst writer: records are written late, together, in order, and none is lost."""
from __future__ import annotations

import threading
import time

import pytest

from verified_snippets.record_writer import BurstWriter


class Log:
    def __init__(self):
        self.entries: list[tuple[str, float, str]] = []
        self._lock = threading.Lock()

    def write(self, name: str) -> None:
        with self._lock:
            self.entries.append((name, time.monotonic(), threading.current_thread().name))

    @property
    def names(self) -> list[str]:
        return [name for name, _, _ in self.entries]


def test_records_handed_over_together_are_written_together_after_the_delay():
    log = Log()
    # Delays far above the checks' own timing, so a busy CI machine cannot reorder them.
    with BurstWriter(max_delay_s=0.6) as writer:
        handed_over = time.monotonic()
        futures = [writer.submit(log.write, f"r{i}") for i in range(20)]
        time.sleep(0.1)
        assert log.names == []  # not one by one as they arrive
        for future in futures:
            future.result(timeout=5)
    assert log.names == [f"r{i}" for i in range(20)]
    times = [at for _, at, _ in log.entries]
    assert min(times) - handed_over >= 0.59
    assert max(times) - min(times) < 0.1  # one burst
    assert {thread for _, _, thread in log.entries} == {"record-writer"}


def test_a_later_record_starts_a_new_burst():
    log = Log()
    with BurstWriter(max_delay_s=0.5) as writer:
        writer.submit(log.write, "first").result(timeout=5)
        second = writer.submit(log.write, "second")
        assert log.names == ["first"]
        second.result(timeout=5)
    assert log.names == ["first", "second"]


def test_close_writes_what_is_pending_at_once():
    log = Log()
    writer = BurstWriter(max_delay_s=60)
    writer.submit(log.write, "pending")
    started = time.monotonic()
    writer.close()
    assert log.names == ["pending"]
    assert time.monotonic() - started < 5


def test_a_failing_write_is_reported_on_its_future_and_the_others_are_written():
    log = Log()

    def fail(name: str) -> None:
        raise OSError(f"disk full writing {name}")

    with BurstWriter(max_delay_s=0.05) as writer:
        before = writer.submit(log.write, "before")
        broken = writer.submit(fail, "broken")
        after = writer.submit(log.write, "after")
    assert before.exception() is None and after.exception() is None
    assert "disk full writing broken" in str(broken.exception())
    assert log.names == ["before", "after"]


def test_nothing_is_accepted_after_close():
    writer = BurstWriter()
    writer.close()
    with pytest.raises(RuntimeError, match="closed"):
        writer.submit(print, "late")
