"""Static files as production apps serve them: fingerprinted URLs cached for a year, gzip and
Brotli, served by WhiteNoise before the request reaches Flask.

At start-up every file under ``static/`` is hashed (SHA-256 of its content, 12 hex digits) and
copied, under its own name and under a hashed one (``css/app.css`` → ``css/app.3f2a9c1b7d0e.css``),
with ``.gz`` and ``.br`` beside each where compression pays, into
``instance/static-cache/<digest of the whole set>/files/``. A set already built is reused (it is named by
its content), and a set is built in a temporary folder and renamed into place, so gunicorn's
workers starting together never see half a set. This works the same on a laptop and on Heroku,
whose slug is writable (but not kept between dynos: each dyno builds its set at start, a few
hundred milliseconds). ``url_for('static', filename=...)`` then gives the hashed URL, served with
``Cache-Control: public, max-age=31536000, immutable``; the plain URL still works, cached for a
minute. In debug mode (``flask run --debug``) none of this is done: Flask serves ``static/`` as
it is, so an edited stylesheet shows on the next reload.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import uuid
from pathlib import Path

from flask import Flask
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

log = logging.getLogger(__name__)

HASH_LENGTH = 12
HASHED_URL = re.compile(r"\.[0-9a-f]{" + str(HASH_LENGTH) + r"}\.[A-Za-z0-9]+$")
IMMUTABLE = "public, max-age=31536000, immutable"
PLAIN_MAX_AGE = 60
"""Seconds a browser may keep a file fetched by its plain (unhashed) URL."""
MANIFEST = "manifest.json"


def hashed_name(relative: str, digest: str) -> str:
    """``css/app.css`` with digest ``3f2a…`` → ``css/app.3f2a….css`` (no suffix: appended)."""
    head, _, name = relative.rpartition("/")
    stem, dot, suffix = name.rpartition(".")
    hashed = f"{stem}.{digest}.{suffix}" if dot and stem else f"{name}.{digest}"
    return f"{head}/{hashed}" if head else hashed


def source_files(source: Path) -> dict[str, Path]:
    """Every file under ``source`` by its path relative to it (``/``-separated); dot files and
    compressed variants left out."""
    files = {}
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source).as_posix()
        if path.is_file() and not any(part.startswith(".") for part in relative.split("/")):
            if not relative.endswith((".gz", ".br")):
                files[relative] = path
    return files


def build(source: Path, cache_root: Path) -> tuple[Path, dict[str, str]]:
    """The served copy of ``source`` (plain and hashed names, compressed variants) under
    ``cache_root``, built if missing; returns the folder to serve and the manifest (plain →
    hashed), which is kept beside that folder, not in it."""
    files = source_files(source)
    manifest = {}
    for relative, path in files.items():
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:HASH_LENGTH]
        manifest[relative] = hashed_name(relative, digest)
    set_digest = hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()
    target = cache_root / set_digest[:HASH_LENGTH]
    if (target / MANIFEST).is_file():
        return target / "files", manifest
    cache_root.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=".building-", dir=cache_root))
    try:
        compressor = Compressor(quiet=True)
        for relative, path in files.items():
            plain = building / "files" / relative
            plain.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, plain)
            made = compressor.compress(str(plain)) if compressor.should_compress(relative) else []
            hashed = building / "files" / manifest[relative]
            shutil.copyfile(plain, hashed)
            for variant in made:
                shutil.copyfile(variant, str(hashed) + variant[len(str(plain)) :])
        (building / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
        try:
            os.rename(building, target)
        except OSError:  # another process (a sibling gunicorn worker) put the same set in place
            if not (target / MANIFEST).is_file():
                raise
    finally:
        if building.exists():
            shutil.rmtree(building, ignore_errors=True)
    return target / "files", manifest


def _headers(headers, path: str, url: str) -> None:
    """WhiteNoise's headers for a file, plus the year-long cache for hashed URLs and the same
    security headers as the app's responses."""
    from .web import CSP

    if HASHED_URL.search(url):
        headers["Cache-Control"] = IMMUTABLE
    headers["Content-Security-Policy"] = CSP
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    headers["X-Frame-Options"] = "DENY"


def init_app(app: Flask) -> None:
    """Serve ``static/`` through WhiteNoise with hashed URLs (not in debug mode, nor with
    ``STATIC_FINGERPRINTS`` False). If no cache folder can be written, the files are served as
    they are by Flask, and a warning says so."""
    if app.debug or not app.config.get("STATIC_FINGERPRINTS", True):
        return
    source = Path(app.static_folder or "static")
    cache_root = Path(app.config.get("STATIC_CACHE_DIR") or Path(app.instance_path) / "static-cache")
    try:
        root, manifest = build(source, cache_root)
    except OSError as exc:
        fallback = Path(tempfile.gettempdir()) / f"coachapp-static-{uuid.getnode():x}"
        log.warning("static files: cannot build in %s (%s); using %s", cache_root, exc, fallback)
        try:
            root, manifest = build(source, fallback)
        except OSError as again:
            log.warning("static files served unhashed and uncompressed: %s", again)
            return
    app.extensions["static_manifest"] = manifest
    app.wsgi_app = WhiteNoise(
        app.wsgi_app,
        root=str(root),
        prefix=(app.static_url_path or "/static").strip("/") + "/",
        max_age=PLAIN_MAX_AGE,
        allow_all_origins=False,
        add_headers_function=_headers,
        immutable_file_test=lambda path, url: bool(HASHED_URL.search(url)),
    )

    @app.url_defaults
    def hashed_static_url(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values:
            values["filename"] = manifest.get(values["filename"], values["filename"])


__all__ = ["HASHED_URL", "IMMUTABLE", "build", "hashed_name", "init_app"]
