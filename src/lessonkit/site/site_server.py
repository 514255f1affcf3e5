"""Serve a built site on 127.0.0.1 the way a static host does, for browser tests and audits.

Like common static hosts it compresses text with gzip, lets browsers cache the
fingerprinted theme assets, and may serve the site under a path (``/mp-lessons/``,
as GitHub Pages serves a project site). A missing URL gets one of two answers:

- ``not_found="nearest"`` (the default, as Netlify and most hosts do): the nearest
  ``404.html`` up the tree, so ``/en/missing/`` gets the English 404 page;
- ``not_found="root"`` (as GitHub Pages does): the site's root ``404.html`` for every
  missing URL, so ``/en/missing/`` gets the default language's 404 page.
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
from typing import Literal
from urllib.parse import unquote, urlsplit

COMPRESSIBLE = ("text/", "application/javascript", "application/json", "application/xml", "image/svg+xml")
ASSET_CACHE = "public, max-age=31536000, immutable"
"""For files under /assets/: Material fingerprints its bundles, so they never change in place."""

NotFound = Literal["nearest", "root"]


class StaticSiteHandler(SimpleHTTPRequestHandler):
    """GET handler: index files, gzip for text, long cache for assets, 404 pages as the host has them."""

    def __init__(self, *args: object, prefix: str, not_found: NotFound, **kwargs: object) -> None:
        self.prefix = prefix
        self.not_found = not_found
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]  # handles the request

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _parts(self, site_path: str) -> list[str]:
        return [p for p in unquote(site_path).split("/") if p not in ("", ".", "..")]

    def _file_for(self, site_path: str) -> Path | None:
        target = Path(self.directory).resolve().joinpath(*self._parts(site_path))
        if target.is_dir():
            target = target / "index.html"
        return target if target.is_file() else None

    def _404_page(self, site_path: str) -> Path | None:
        root = Path(self.directory).resolve()
        parts = self._parts(site_path) if self.not_found == "nearest" else []
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

    def _redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.MOVED_PERMANENTLY)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        """Serve a file, redirect a directory to its slash, or answer with a 404 page."""
        url_path = urlsplit(self.path).path
        if url_path + "/" == self.prefix:
            self._redirect(self.prefix)  # /mp-lessons to /mp-lessons/
            return
        if not url_path.startswith(self.prefix):
            self.send_error(HTTPStatus.NOT_FOUND)  # outside the site: another site's URL
            return
        site_path = "/" + url_path.removeprefix(self.prefix)
        directory = Path(self.directory).resolve().joinpath(*self._parts(site_path))
        if directory.is_dir() and not url_path.endswith("/"):
            self._redirect(url_path + "/")  # /en to /en/, as hosts do; never a listing
            return
        found = self._file_for(site_path)
        if found is not None:
            self._send(HTTPStatus.OK, found, ASSET_CACHE if site_path.startswith("/assets/") else "no-cache")
            return
        page = self._404_page(site_path)
        if page is None:
            self.send_error(HTTPStatus.NOT_FOUND)
        else:
            self._send(HTTPStatus.NOT_FOUND, page, "no-cache")


def url_prefix(site_url: str) -> str:
    """The path a site is served under, from its ``site_url``: ``/mp-lessons/`` or ``/``."""
    path = urlsplit(site_url).path.strip("/")
    return f"/{path}/" if path else "/"


@contextmanager
def serve_site(directory: Path, prefix: str = "/", *, not_found: NotFound = "nearest") -> Iterator[str]:
    """Serve *directory* under *prefix* on 127.0.0.1 on a free port, in a thread.

    Yields the site's base URL without its final slash (``http://127.0.0.1:PORT`` or
    ``http://127.0.0.1:PORT/mp-lessons``), so ``base + "/en/"`` is the English home page.
    """
    if not (prefix.startswith("/") and prefix.endswith("/")):
        raise ValueError(f"the prefix must start and end with '/': {prefix!r}")
    if not_found not in ("nearest", "root"):
        raise ValueError(f"not_found must be 'nearest' or 'root': {not_found!r}")
    handler = functools.partial(
        StaticSiteHandler, directory=str(directory), prefix=prefix, not_found=not_found
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix.removesuffix('/')}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
