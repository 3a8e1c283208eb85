"""Serve a built site on 127.0.0.1, as a static host would: for Lighthouse and the browser tests.

Nothing here listens anywhere but the loopback address, on a port the system picks.
"""
from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import io
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

COMPRESSIBLE = (".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".map", ".mjs")


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


class GzipHandler(QuietHandler):
    """Static files; text gzipped when the client accepts it (like GitHub Pages, Netlify, nginx)."""

    def send_head(self):
        if "gzip" not in self.headers.get("Accept-Encoding", ""):
            return super().send_head()
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?", 1)[0].split("#", 1)[0].endswith("/"):
                return super().send_head()  # the redirect to the URL with a slash
            path = path / "index.html"
        if not path.is_file() or path.suffix not in COMPRESSIBLE:
            return super().send_head()  # 404s and binary files (fonts, images) as they are
        body = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Last-Modified", self.date_time_string(int(path.stat().st_mtime)))
        self.end_headers()
        return io.BytesIO(body)


class LoopbackServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # A client that leaves mid-response (Lighthouse closes Chromium as soon as it has its audits,
        # while the search worker may still be fetching) is not a fault of the site: no traceback.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def serve(site_dir: Path, compress: bool, handler_class: type[QuietHandler] | None = None) -> tuple[LoopbackServer, str]:
    """Serve `site_dir` with `handler_class` (a QuietHandler subclass), or the quiet or gzip handler."""
    handler_class = handler_class or (GzipHandler if compress else QuietHandler)
    server = LoopbackServer(("127.0.0.1", 0), functools.partial(handler_class, directory=str(site_dir)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@contextlib.contextmanager
def served(site_dir: Path, compress: bool = False, handler_class: type[QuietHandler] | None = None) -> Iterator[str]:
    """The site's base URL while the block runs; the server is shut and its socket closed after."""
    server, url = serve(site_dir, compress, handler_class)
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()
