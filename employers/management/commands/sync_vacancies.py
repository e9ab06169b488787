from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from employers.connectors.cpi import CpiConnector
from employers.models import SyncRun
from employers.vacancy_sync import vacancies_sync
from fairplatform.errors import DomainError


class Command(BaseCommand):
    help = "Import vacancies from a source (the CPI database), incrementally or in full."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--source", choices=["cpi"], required=True)
        parser.add_argument(
            "--full",
            action="store_true",
            help="Read every row and withdraw local vacancies the source no longer lists.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Do everything, then roll it back."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            connector = CpiConnector()
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        run = vacancies_sync(connector=connector, full=options["full"], dry_run=options["dry_run"])
        self.stdout.write(
            f"{'Dry run: ' if options['dry_run'] else ''}{run.source} {run.mode} {run.status}: "
            f"read {run.read}, created {run.created}, updated {run.updated}, "
            f"unchanged {run.unchanged}, closed {run.closed}, expired {run.expired}, "
            f"rejected {run.rejected}; watermark {run.watermark_from} → {run.watermark_to}"
        )
        if run.status == SyncRun.Status.FAILED:
            raise CommandError(run.error)
