"""The site server of Lighthouse and the browser tests: a client that leaves is not an error; anything else is printed."""
from __future__ import annotations

import contextlib
import socket
import struct
import time
import urllib.error
import urllib.request

from site_checks.local_site_server import QuietHandler, served


def stderr_after(capfd, seconds: float, until: str | None = None) -> str:
    """What the server's threads printed within `seconds` (sooner once `until` appears)."""
    printed, deadline = "", time.monotonic() + seconds
    while time.monotonic() < deadline and not (until and until in printed):
        time.sleep(0.1)
        printed += capfd.readouterr().err
    return printed


def test_a_client_that_leaves_mid_response_prints_no_traceback(tmp_path, capfd):
    (tmp_path / "large.bin").write_bytes(b"x" * 16_000_000)
    with served(tmp_path) as url:
        client = socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])))
        client.sendall(b"GET /large.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert client.recv(1024).startswith(b"HTTP/1.0 200")
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()  # a reset, with most of the file unsent
        printed = stderr_after(capfd, 2.0, until="Traceback")
    assert "Traceback" not in printed, printed


def test_any_other_fault_of_a_handler_is_still_printed(tmp_path, capfd):
    class Faulty(QuietHandler):
        def do_GET(self):
            raise ValueError("a fault of the handler")

    with served(tmp_path, handler_class=Faulty) as url:
        with contextlib.suppress(urllib.error.URLError, ConnectionError):  # the handler never answers
            urllib.request.urlopen(url + "/", timeout=10)
        printed = stderr_after(capfd, 5.0, until="a fault of the handler")
    assert "ValueError: a fault of the handler" in printed
