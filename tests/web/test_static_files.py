"""Static files as production apps serve them: pages link fingerprinted URLs, which are cached
for a year and sent gzip- or Brotli-compressed when the browser accepts it; the plain URLs still
work (cached briefly); the CSP lets the pages load them."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import brotli

from coachapp import static_files
from coachapp.web import CSP

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "static"
HASHED = re.compile(r"/static/(?P<name>.+)\.(?P<hash>[0-9a-f]{12})\.(?P<ext>[a-z]+)$")


def _asset_urls(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/static/[^"]+)"', html)


def _source(url: str) -> bytes:
    found = HASHED.match(url)
    assert found, url
    return (STATIC / f"{found['name']}.{found['ext']}").read_bytes()


def test_pages_link_hashed_urls_that_are_cached_for_a_year_and_compressed(client):
    page = client.get("/login")
    assert page.status_code == 200
    urls = _asset_urls(page.get_data(as_text=True))
    assert any(u.startswith("/static/css/app.") for u in urls)
    assert any(u.startswith("/static/vendor/htmx-2.0.11.min.") for u in urls)
    for url in urls:
        assert HASHED.match(url), f"{url} is not fingerprinted"
        source = _source(url)

        plain = client.get(url)
        assert plain.status_code == 200
        assert plain.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert "Content-Encoding" not in plain.headers
        assert plain.get_data() == source
        assert plain.headers["X-Content-Type-Options"] == "nosniff"

        if len(source) < 1000:
            continue  # too small to be worth compressing (the favicon)
        br = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
        assert br.headers["Content-Encoding"] == "br"
        assert br.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert "Accept-Encoding" in br.headers["Vary"]
        assert brotli.decompress(br.get_data()) == source
        assert len(br.get_data()) < len(source)

        gz = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert gz.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(gz.get_data()) == source


def test_the_plain_url_still_works_with_a_short_cache(client):
    response = client.get("/static/css/app.css", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "max-age=60, public"
    assert gzip.decompress(response.get_data()) == (STATIC / "css/app.css").read_bytes()
    assert client.get("/static/css/nothing-here.css").status_code == 404


def test_the_csp_lets_the_pages_load_their_assets(client):
    page = client.get("/login")
    policy = page.headers["Content-Security-Policy"]
    assert policy == CSP
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    for url in _asset_urls(page.get_data(as_text=True)):
        assert url.startswith("/static/"), "same origin, so 'self' covers it"


def test_templates_link_every_asset_through_url_for():
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        for found in re.finditer(r'(?:src|href)="([^"{]+\.(?:css|js|svg|png|ico))"', text):
            raise AssertionError(f"{template.name} links {found[1]} without url_for")
        assert "/static/" not in text, template.name


def test_a_changed_file_gets_a_new_url_and_a_set_is_built_once(tmp_path):
    source = tmp_path / "static"
    (source / "css").mkdir(parents=True)
    (source / "css" / "app.css").write_text("body { color: black; }\n" * 100)
    (source / "robots").write_text("no suffix")
    cache = tmp_path / "cache"

    served, manifest = static_files.build(source, cache)
    assert re.fullmatch(r"css/app\.[0-9a-f]{12}\.css", manifest["css/app.css"])
    assert re.fullmatch(r"robots\.[0-9a-f]{12}", manifest["robots"])
    hashed = served / manifest["css/app.css"]
    assert hashed.read_bytes() == (source / "css" / "app.css").read_bytes()
    assert (served / (manifest["css/app.css"] + ".br")).is_file()
    assert (served / (manifest["css/app.css"] + ".gz")).is_file()
    assert (served / "css" / "app.css.gz").is_file()
    built_at = hashed.stat().st_mtime_ns

    again, same = static_files.build(source, cache)
    assert (again, same) == (served, manifest)
    assert hashed.stat().st_mtime_ns == built_at, "an existing set is reused, not rebuilt"

    (source / "css" / "app.css").write_text("body { color: red; }\n" * 100)
    _, changed = static_files.build(source, cache)
    assert changed["css/app.css"] != manifest["css/app.css"]
    assert not list(cache.glob(".building-*")), "no half-built set is left behind"
