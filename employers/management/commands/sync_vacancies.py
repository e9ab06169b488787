from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from employers.connectors.base import Connector
from employers.connectors.cpi import CpiConnector
from employers.connectors.files import FILE_SOURCES, XmlFileConnector
from employers.models import SyncRun, Vacancy
from employers.vacancy_sync import vacancies_sync
from fairplatform.errors import DomainError


class Command(BaseCommand):
    help = (
        "Import vacancies: from the CPI database (incrementally or in full), or from a "
        "ClicLavoro or EURES HR-Open XML file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--source", choices=[Vacancy.Source.CPI, *FILE_SOURCES], required=True)
        parser.add_argument("--file", type=Path, help="The XML file (ClicLavoro and EURES).")
        parser.add_argument(
            "--full",
            action="store_true",
            help="Read every row and withdraw local vacancies the source no longer lists.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Do everything, then roll it back."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        run = vacancies_sync(
            connector=self._connector(options), full=options["full"], dry_run=options["dry_run"]
        )
        self.stdout.write(
            f"{'Dry run: ' if options['dry_run'] else ''}{run.source} {run.mode} {run.status}: "
            f"read {run.read}, created {run.created}, updated {run.updated}, "
            f"unchanged {run.unchanged}, closed {run.closed}, expired {run.expired}, "
            f"rejected {run.rejected}; watermark {run.watermark_from} → {run.watermark_to}"
        )
        for rejection in run.rejections.all():
            self.stdout.write(
                f"  rejected {rejection.source_ref} ({rejection.reason}): {rejection.message}"
            )
        if run.status == SyncRun.Status.FAILED:
            raise CommandError(run.error)

    def _connector(self, options: dict[str, Any]) -> Connector:
        source, path = options["source"], options["file"]
        if source == Vacancy.Source.CPI:
            if path is not None:
                raise CommandError("--file is for the ClicLavoro and EURES sources.")
            try:
                return CpiConnector()
            except DomainError as exc:
                raise CommandError(exc.message) from exc
        if path is None or options["full"]:
            raise CommandError(f"--source {source} needs --file, and a file cannot be --full.")
        return XmlFileConnector(source=source, content=path.read_bytes())
