from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from signaling.protocol_docs import render_protocol_doc


class Command(BaseCommand):
    help = "Write docs/protocol.md from signaling/protocol.py."

    def handle(self, *args: Any, **options: Any) -> None:
        target = Path(settings.BASE_DIR) / "docs" / "protocol.md"
        target.write_text(render_protocol_doc(), encoding="utf-8")
        self.stdout.write(f"wrote {target}")
