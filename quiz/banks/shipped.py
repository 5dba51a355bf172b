"""The question banks shipped in ``question_banks/`` (listed in its banks.toml)."""
from __future__ import annotations

import tomllib
from datetime import datetime

from quiz.banks import services
from quiz.config import ROOT

FOLDER = ROOT / "question_banks"


def manifest() -> list[dict]:
    return tomllib.loads((FOLDER / "banks.toml").read_text(encoding="utf-8"))["bank"]


def load(now: datetime) -> list[tuple[str, int]]:
    """Import every shipped bank not yet present; returns (name, questions imported)."""
    loaded = []
    for entry in manifest():
        if services.bank_by_name(entry["name"]) is not None:
            continue
        topic = services.topic(entry["year"], entry["title"], entry["issuer"])
        bank = services.create_bank(entry["name"], topic)
        path = FOLDER / entry["file"]
        summary = services.import_file(bank, path.name, path.read_bytes(), now=now)
        loaded.append((entry["name"], summary.imported))
    return loaded
