"""Light pages on slow links: fingerprinted static files cached for a year, gzipped once at
start, and large HTML/JSON answers gzipped on the fly.

- ``url_for('static', filename='css/site.css')`` gives ``/static/css/site.<hash>.css``, the
  hash being the first 12 hex digits of the file's SHA-256: its content decides its name, so
  ``Cache-Control: public, max-age=31536000, immutable`` is safe (a changed file is a new URL).
  Templates stay as they are. A name that is not fingerprinted is still served by Flask's
  own static route (no year-long caching: it revalidates), e.g. a file a CSS ``url()`` names.
- At start, the app copies each static file under its fingerprinted name into
  ``instance/static/`` and writes a gzip (level 9) beside it when that is smaller, as nginx's
  ``gzip_static`` wants them; workers starting together write each file atomically, and a file
  already there is kept (a name is its content). Old builds stay, so a page cached before a
  deploy still finds its files. Without them (a read-only instance folder, deleted files) the
  app serves the original file, uncompressed.
- An answer of at least ``MIN_GZIP_BYTES`` of HTML, JSON or plain text, to a client that accepts
  gzip, is compressed (level 6) with ``Vary: Accept-Encoding``. Never compressed: streamed
  answers (CSV exports), files sent as they are (``.xlsx`` downloads, static files), answers
  already encoded, partial or empty answers.

gzip only, not brotli: every browser and nginx's stock ``gzip_static`` take it with nothing
to install, and on these files brotli would save about 1 KB once a year per phone.
"""
from __future__ import annotations

import gzip
import hashlib
import logging
import mimetypes
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, request, send_file, session

log = logging.getLogger(__name__)

YEAR = 31_536_000
IMMUTABLE = f"public, max-age={YEAR}, immutable"
MIN_GZIP_BYTES = 2048
COMPRESSIBLE = {"text/html", "application/json", "text/plain"}
#: Static files worth precompressing (images other than SVG and fonts are compressed already).
PRECOMPRESS = {".css", ".js", ".mjs", ".svg", ".json", ".txt", ".html", ".xml", ".map", ".ico"}


@dataclass(frozen=True)
class Asset:
    name: str          # as the templates say it: css/site.css
    fingerprinted: str  # css/site.0123456789ab.css
    digest: str
    source: Path       # the file in static/
    built: Path        # its copy under the fingerprinted name in instance/static/
    mimetype: str

    @property
    def gzipped(self) -> Path:
        return self.built.with_name(self.built.name + ".gz")


def fingerprint(name: str, digest: str) -> str:
    path = Path(name)
    return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))


def scan(static: Path, build: Path) -> dict[str, Asset]:
    """Every file under ``static`` (but hidden ones), by its name."""
    assets = {}
    for path in sorted(static.rglob("*")):
        name = path.relative_to(static).as_posix()
        if not path.is_file() or any(part.startswith(".") for part in name.split("/")):
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        printed = fingerprint(name, digest)
        assets[name] = Asset(name, printed, digest, path, build / printed,
                             mimetypes.guess_type(name)[0] or "application/octet-stream")
    return assets


def _write_once(path: Path, data: bytes) -> None:
    """Write ``path`` whole (a reader never sees half a file) unless it is already there."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def build(assets: dict[str, Asset]) -> None:
    """Each file under its fingerprinted name, and its gzip where that is smaller."""
    for asset in assets.values():
        data = asset.source.read_bytes()
        _write_once(asset.built, data)
        if asset.source.suffix.lower() in PRECOMPRESS and not asset.gzipped.exists():
            packed = gzip.compress(data, compresslevel=9, mtime=0)
            if len(packed) < len(data):
                _write_once(asset.gzipped, packed)


def _accepts_gzip() -> bool:
    return request.accept_encodings.quality("gzip") > 0


def register(app: Flask) -> None:
    static = Path(app.static_folder)
    assets = scan(static, Path(app.instance_path) / "static")
    try:
        build(assets)
    except OSError as error:  # the app still works: it serves the originals, uncompressed
        log.warning("Không ghi được tệp tĩnh đã nén vào %s: %s", app.instance_path, error)
    by_print = {asset.fingerprinted: asset for asset in assets.values()}
    app.extensions["assets"] = assets

    @app.url_defaults
    def fingerprinted_static(endpoint: str, values: dict) -> None:
        # In debug mode (``flask run --debug``) a file edited while the app runs is seen at once.
        if endpoint == "static" and values.get("filename") in assets and not app.debug:
            values["filename"] = assets[values["filename"]].fingerprinted

    def serve_static(filename: str):
        asset = by_print.get(filename)
        if asset is None:
            return app.send_static_file(filename)  # Flask's own: revalidated, not immutable
        if _accepts_gzip() and asset.gzipped.is_file():
            path, etag, encoding = asset.gzipped, f"{asset.digest}-gz", "gzip"
        else:
            path, etag, encoding = (asset.built if asset.built.is_file() else asset.source), asset.digest, None
        response = send_file(path, mimetype=asset.mimetype, etag=etag, max_age=YEAR, conditional=True)
        del response.headers["Content-Disposition"]  # not "site.….css.gz" for "save as"
        if encoding:
            response.headers["Content-Encoding"] = encoding
        response.headers["Cache-Control"] = IMMUTABLE
        response.vary.add("Accept-Encoding")
        return response

    app.view_functions["static"] = serve_static

    def static_is_the_same_for_everyone(response):
        """Flask-Login looks into the session after every request, so Flask would add ``Vary:
        Cookie``, and a browser would fetch an immutable file again whenever the session cookie
        changed. Runs last (the list runs backwards), after Flask-Login's hook."""
        if request.endpoint == "static":
            current = session._get_current_object()
            if not current.modified:
                current.accessed = False
        return response

    app.after_request_funcs.setdefault(None, []).insert(0, static_is_the_same_for_everyone)

    @app.after_request
    def gzip_answer(response):
        if (response.direct_passthrough or response.is_streamed or not 200 <= response.status_code < 300
                or response.status_code in (204, 206) or response.mimetype not in COMPRESSIBLE
                or "Content-Encoding" in response.headers or "no-transform" in response.cache_control):
            return response
        data = response.get_data()
        if len(data) < MIN_GZIP_BYTES:
            return response
        response.vary.add("Accept-Encoding")  # from here on the answer depends on the header
        if not _accepts_gzip():
            return response
        response.set_data(gzip.compress(data, compresslevel=6, mtime=0))
        response.headers["Content-Encoding"] = "gzip"
        etag, weak = response.get_etag()
        if etag:
            response.set_etag(f"{etag}-gz", weak)
        return response
