import asyncio
import logging
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from signaling.media.relay_server import default_name, serve


class Command(BaseCommand):
    help = "Run one media relay process (booth presentations); one per core, never in Daphne."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", default="", help="unique name (default: host-pid)")
        parser.add_argument(
            "--max-viewers", type=int, default=0, help="default: MEDIA_RELAY_MAX_VIEWERS"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        asyncio.run(
            serve(
                name=options["name"] or default_name(),
                max_viewers=options["max_viewers"] or settings.MEDIA_RELAY_MAX_VIEWERS,
            )
        )
