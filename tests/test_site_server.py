"""The local server behaves like a static host: gzip, cached assets, 404 pages, a path, no listings."""

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


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # answer the redirect itself, as an HTTPError


OPENER = urllib.request.build_opener(NoRedirect)


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    try:
        with OPENER.open(request, timeout=10) as response:
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


@pytest.mark.parametrize("path", ["/en/missing/", "/en/guide/missing.html", "/missing/", "/assets/"])
def test_like_github_pages_a_missing_url_gets_the_root_404_page(site: Path, path: str) -> None:
    with serve_site(site, not_found="root") as base:
        status, _, body = fetch(base + path)
    assert status == 404
    assert gzip.decompress(body).decode() == "zh 404"


@pytest.mark.parametrize(("not_found", "expected"), [("nearest", "en 404"), ("root", "zh 404")])
def test_a_site_served_under_a_path(site: Path, not_found: str, expected: str) -> None:
    with serve_site(site, "/mp-lessons/", not_found=not_found) as base:  # type: ignore[arg-type]
        host = base.removesuffix("/mp-lessons")
        assert base == host + "/mp-lessons"
        status, headers, body = fetch(base + "/en/guide/")
        assert status == 200 and gzip.decompress(body).decode() == "guide"
        _, headers, _ = fetch(base + "/assets/app.js")
        assert "immutable" in headers["Cache-Control"]
        status, _, body = fetch(base + "/en/missing/")
        assert status == 404 and gzip.decompress(body).decode() == expected
        for outside in ("/", "/en/guide/", "/mp-lessonsX/", "/404.html"):
            status, headers, body = fetch(host + outside)
            assert status == 404, f"{outside} is outside the site"
            assert "Content-Encoding" not in headers and b"zh 404" not in body, "not the site's 404 page"
        status, headers, _ = fetch(host + "/mp-lessons")
        assert status == 301 and headers["Location"] == "/mp-lessons/"
        status, headers, _ = fetch(base + "/en/guide")
        assert status == 301 and headers["Location"] == "/mp-lessons/en/guide/"


def test_a_directory_without_slash_redirects(site: Path) -> None:
    with serve_site(site) as base:
        status, headers, _ = fetch(base + "/en/guide")
        assert status == 301 and headers["Location"] == "/en/guide/"
        with urllib.request.urlopen(base + "/en/guide", timeout=10) as response:  # following it
            assert response.status == 200 and response.read().decode() == "guide"


def test_a_prefix_and_a_mode_are_checked(site: Path) -> None:
    with pytest.raises(ValueError, match="prefix"), serve_site(site, "mp-lessons"):
        pass
    with pytest.raises(ValueError, match="not_found"), serve_site(site, not_found="github"):  # type: ignore[arg-type]
        pass
