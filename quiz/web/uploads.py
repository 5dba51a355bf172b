"""Uploaded files kept on the server between their preview and the confirm, as what the
preview read from them: the confirm writes what the preview showed and never reads the file
again (so a file is parsed once, and a hostile one costs one parse, refused)."""
from __future__ import annotations

import json
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from flask import current_app


@dataclass
class Upload:
    """What a preview read from an uploaded file, claimed by its confirm."""

    token: str
    scope: str
    user_id: int
    filename: str
    format: str
    value: object  # what ``load`` made of the stored text


class UploadStore:
    """Files under ``instance/uploads``: ``<token>`` holds what the preview read (text the
    caller made, e.g. ``banks.formats.dump``), ``<token>.json`` its scope (``bank:7``,
    ``roster:3``), the uploader, the file name and format. A file older than ``TTL`` is gone."""

    TTL = 2 * 3600
    TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")

    def __init__(self, folder: Path):
        self.folder = folder

    @classmethod
    def current(cls) -> UploadStore:
        return cls(Path(current_app.instance_path) / "uploads")

    def save(self, scope: str, user_id: int, filename: str, fmt: str, payload: str) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.purge()
        token = secrets.token_urlsafe(24)
        meta = {"scope": scope, "user_id": user_id, "filename": filename[:255], "format": fmt}
        (self.folder / f"{token}.json").write_text(json.dumps(meta), encoding="utf-8")
        (self.folder / token).write_text(payload, encoding="utf-8")
        return token

    def claim(self, token: str, scope: str, user_id: int, load: Callable[[str], object]) -> Upload | None:
        """Take the upload out of the store (one confirm wins if two race), or None when the
        token is unknown, expired, or belongs to another scope or person."""
        if not self.TOKEN.fullmatch(token or ""):
            return None
        data_path, meta_path = self.folder / token, self.folder / f"{token}.json"
        claimed = self.folder / f"{token}.claimed-{secrets.token_hex(4)}"
        try:
            if time.time() - data_path.stat().st_mtime > self.TTL:
                self.discard(token)
                return None
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            if meta.get("scope") != scope or meta["user_id"] != user_id:
                return None
            os.rename(data_path, claimed)
        except (OSError, ValueError, KeyError):
            return None
        try:
            return Upload(token, scope, user_id, meta["filename"], meta["format"],
                          load(claimed.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):  # written by an older version, or damaged
            return None
        finally:
            claimed.unlink(missing_ok=True)
            meta_path.unlink(missing_ok=True)

    def discard(self, token: str) -> None:
        for path in (self.folder / token, self.folder / f"{token}.json"):
            path.unlink(missing_ok=True)

    def purge(self) -> None:
        """Remove every upload past its time (nobody confirmed it)."""
        limit = time.time() - self.TTL
        for path in self.folder.iterdir():
            try:
                if path.stat().st_mtime < limit:
                    path.unlink(missing_ok=True)
            except OSError:
                pass
