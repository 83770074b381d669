"""kpi_series: a KPI's values as JSON, the same as the API's series endpoint."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Workspace
from accounts.tenancy import workspace_scope
from kpiapp.selectors.series import SeriesRequestError, kpi_series


class Command(BaseCommand):
    help = "Print a KPI's series (the API's JSON) for a range of periods."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workspace", required=True, metavar="SLUG")
        parser.add_argument("--kpi", required=True, metavar="KEY")
        parser.add_argument("--start", required=True, metavar="PERIOD")
        parser.add_argument("--end", required=True, metavar="PERIOD")
        parser.add_argument("--grain", default="month", choices=["month", "quarter", "year"])
        parser.add_argument("--dimension", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        workspace = Workspace.objects.filter(slug=options["workspace"]).first()
        if workspace is None:
            raise CommandError(f"No workspace with the address {options['workspace']!r}.")
        with workspace_scope(workspace.id):
            try:
                series = kpi_series(
                    workspace=workspace,
                    key=options["kpi"],
                    start=options["start"],
                    end=options["end"],
                    grain=options["grain"],
                    dimension=options["dimension"],
                )
            except SeriesRequestError as error:
                raise CommandError(f"--{error.field}: {error.message}") from None
        self.stdout.write(json.dumps(series, ensure_ascii=False, indent=2))
