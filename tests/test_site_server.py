"""The local server behaves like a static host: gzip, cached assets, nearest 404, no listings."""

from __future__ import annotations

import gzip
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from lessonkit.site.site_server import serve_site


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "en/guide").mkdir(parents=True)
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<p>首页</p>", encoding="utf-8")
    (tmp_path / "404.html").write_text("zh 404", encoding="utf-8")
    (tmp_path / "en/404.html").write_text("en 404", encoding="utf-8")
    (tmp_path / "en/guide/index.html").write_text("guide", encoding="utf-8")
    (tmp_path / "assets/app.js").write_text("console.log(1)", encoding="utf-8")
    return tmp_path


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_text_is_gzipped_and_assets_are_cached(site: Path) -> None:
    with serve_site(site) as base:
        status, headers, body = fetch(base + "/")
        assert status == 200 and headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(body).decode() == "<p>首页</p>"
        assert headers["Cache-Control"] == "no-cache"
        _, headers, _ = fetch(base + "/assets/app.js")
        assert "immutable" in headers["Cache-Control"]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/en/missing/", "en 404"),
        ("/en/guide/missing.html", "en 404"),
        ("/missing/", "zh 404"),
        ("/assets/", "zh 404"),
    ],
)
def test_a_missing_url_gets_the_nearest_404_page(site: Path, path: str, expected: str) -> None:
    with serve_site(site) as base:
        status, _, body = fetch(base + path)
    assert status == 404
    assert gzip.decompress(body).decode() == expected


def test_a_directory_without_slash_redirects(site: Path) -> None:
    with serve_site(site) as base:
        status, _, body = fetch(base + "/en/guide")
    assert status == 200 and gzip.decompress(body).decode() == "guide"
