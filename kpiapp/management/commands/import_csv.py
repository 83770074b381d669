import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Workspace
from kpiapp.data_kinds import DATA_KINDS
from kpiapp.imports.mapping import parse_options
from kpiapp.imports.presets import PRESETS
from kpiapp.imports.reading import ImportFileError
from kpiapp.services.imports import ImportRequestError, data_import


class Command(BaseCommand):
    help = "Import a CSV file into a workspace: every row or, on any invalid row, none."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--workspace", required=True, help="Workspace address (slug)")
        parser.add_argument("--kind", required=True, choices=list(DATA_KINDS))
        parser.add_argument("--preset", choices=list(PRESETS))
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="SRC=DEST",
            help="Read column SRC as field DEST; DEST '-' ignores SRC",
        )
        parser.add_argument(
            "--value",
            action="append",
            default=[],
            metavar="FIELD:SRC=DEST",
            help="Read value SRC of FIELD as DEST, e.g. stage:Engaging=demo",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Validate and count, write nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        workspace = Workspace.objects.filter(slug=options["workspace"]).first()
        if workspace is None:
            raise CommandError(f"No workspace with the address '{options['workspace']}'.")
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}") from None
        try:
            mapping = parse_options(options["map"], options["value"])
        except ImportFileError as error:
            raise CommandError(str(error)) from None
        started = time.monotonic()
        try:
            result = data_import(
                workspace=workspace,
                kind=options["kind"],
                data=data,
                preset=options["preset"],
                mapping=mapping,
                dry_run=options["dry_run"],
                progress=self._progress,
            )
        except ImportRequestError as error:
            raise CommandError(str(error)) from None
        seconds = time.monotonic() - started
        if not result.ok:
            for problem in result.errors:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{len(result.errors)} error(s) in {path.name}; nothing was imported."
            )
        verb = "Would import" if result.dry_run else "Imported"
        self.stdout.write(
            f"{verb} {result.rows} {result.kind} rows into '{workspace.slug}' in {seconds:.1f} s: "
            f"{result.created} new, {result.updated} changed, {result.unchanged} unchanged."
        )
        for note in result.notes:
            self.stdout.write(f"Note: {note}")

    def _progress(self, phase: str, done: int, total: int) -> None:
        if (total >= 10_000 and sys.stderr.isatty()) or total >= 50_000:
            self.stderr.write(f"{phase}: {min(done, total)}/{total}")
