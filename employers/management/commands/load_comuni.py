from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from employers.comuni import ComuniFileError, comuni_load


class Command(BaseCommand):
    help = (
        "Load ISTAT's list of Italian comuni (“Elenco comuni italiani”, the CSV an operator "
        "downloads from ISTAT) into the comuni table: codes, names, province, region and NUTS 3. "
        "Run it again with each new file: comuni are matched by ISTAT code."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="Elenco-comuni-italiani.csv as downloaded.")
        parser.add_argument(
            "--encoding",
            default="auto",
            help="The file's encoding; by default Windows-1252 as ISTAT publishes it, or UTF-8 "
            "when the file is valid UTF-8.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
        try:
            report = comuni_load(content, encoding=options["encoding"])
        except ComuniFileError as error:
            raise CommandError(f"{path}: {error}") from error
        for line in report.errors:
            self.stderr.write(f"  {line}")
        self.stdout.write(
            f"Comuni: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {report.retired} no longer listed, "
            f"{len(report.errors)} lines with errors; "
            f"vacancies given their place: {report.vacancies_filled}."
        )
