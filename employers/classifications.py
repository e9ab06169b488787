"""NACE / ATECO sections shipped as data (employers/data/sector_sections.json)."""

import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data" / "sector_sections.json"


def load_sector_sections(model: Any) -> int:
    """Create or refresh every section row; `model` may be a migration's historical model."""
    rows = json.loads(DATA.read_text(encoding="utf-8"))["sections"]
    for row in rows:
        model.objects.update_or_create(
            classification=row["classification"], code=row["code"], defaults=row
        )
    return len(rows)
