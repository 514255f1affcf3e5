"""Serve a built site on 127.0.0.1 the way a static host does, for browser tests and audits.

Like common static hosts it compresses text with gzip, lets browsers cache the
fingerprinted theme assets, and answers a missing URL with the nearest
``404.html`` up the tree, so ``/en/missing/`` gets the English 404 page.
"""

from __future__ import annotations

import functools
import gzip
import mimetypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

COMPRESSIBLE = ("text/", "application/javascript", "application/json", "application/xml", "image/svg+xml")
ASSET_CACHE = "public, max-age=31536000, immutable"
"""For files under /assets/: Material fingerprints its bundles, so they never change in place."""


class StaticSiteHandler(SimpleHTTPRequestHandler):
    """GET handler: index files, gzip for text, long cache for assets, per-directory 404 pages."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _file_for(self, url_path: str) -> Path | None:
        root = Path(self.directory).resolve()
        parts = [p for p in unquote(url_path).split("/") if p not in ("", ".", "..")]
        target = root.joinpath(*parts)
        if target.is_dir():
            if not url_path.endswith("/"):
                return None  # let the stdlib redirect /en to /en/
            target = target / "index.html"
        return target if target.is_file() else None

    def _nearest_404(self, url_path: str) -> Path | None:
        root = Path(self.directory).resolve()
        parts = [p for p in unquote(url_path).split("/") if p not in ("", ".", "..")]
        for depth in range(len(parts), -1, -1):
            page = root.joinpath(*parts[:depth], "404.html")
            if page.is_file():
                return page
        return None

    def _send(self, status: HTTPStatus, path: Path, cache: str | None) -> None:
        body = path.read_bytes()
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind.endswith(("javascript", "json", "xml")):
            kind += "; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        if kind.startswith(COMPRESSIBLE) and "gzip" in self.headers.get("Accept-Encoding", ""):
            body = gzip.compress(body, mtime=0)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        if cache:
            self.send_header("Cache-Control", cache)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        """Serve a file, or the nearest 404 page."""
        url_path = urlsplit(self.path).path
        found = self._file_for(url_path)
        if found is not None:
            self._send(HTTPStatus.OK, found, ASSET_CACHE if url_path.startswith("/assets/") else "no-cache")
            return
        directory = Path(
            self.directory, *[p for p in unquote(url_path).split("/") if p not in ("", ".", "..")]
        )
        if directory.is_dir() and not url_path.endswith("/"):
            super().do_GET()  # the stdlib redirects /en to /en/; it never lists a directory here
            return
        page = self._nearest_404(url_path)
        if page is None:
            self.send_error(HTTPStatus.NOT_FOUND)
        else:
            self._send(HTTPStatus.NOT_FOUND, page, "no-cache")


@contextmanager
def serve_site(directory: Path) -> Iterator[str]:
    """Serve *directory* on 127.0.0.1 on a free port, in a thread; yield the base URL."""
    handler = functools.partial(StaticSiteHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
