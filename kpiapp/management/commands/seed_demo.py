from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse
from django.utils import timezone

from kpiapp.demo.seed import DemoWorkspaceHasData, demo_seed


class Command(BaseCommand):
    help = "Create the demo workspace with 36 months of data and print how to log in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workspace", default="demo", help="Workspace address (slug)")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--as-of",
            type=date.fromisoformat,
            default=None,
            help="Last day of the demo data, YYYY-MM-DD (default: today)",
        )
        parser.add_argument(
            "--reset", action="store_true", help="Delete and rebuild the workspace if it has data"
        )
        parser.add_argument(
            "--keep-existing",
            action="store_true",
            help="If the workspace has data, leave it as it is and print the login",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = options["as_of"] or timezone.localdate()
        try:
            result = demo_seed(
                slug=options["workspace"],
                seed=options["seed"],
                as_of=as_of,
                reset=options["reset"],
                keep_existing=options["keep_existing"],
            )
        except DemoWorkspaceHasData:
            raise CommandError(
                f"The workspace '{options['workspace']}' has data already. "
                "Run again with --reset to rebuild it."
            ) from None
        if result.rows:
            summary = ", ".join(f"{n} {name}" for name, n in result.rows.items())
            state = f"with data up to {as_of}: {summary}"
        else:
            state = "(its data was kept)"
        verb = "Created" if result.created else "Updated"
        url = settings.SITE_URL + reverse("kpiapp:dashboard", args=[result.workspace.slug])
        self.stdout.write(
            f"{verb} demo workspace '{result.workspace.slug}' ({result.workspace.name}) {state}.\n"
            f"Log in at {settings.SITE_URL}{reverse('accounts:login')}\n"
            f"  email:    {result.owner_email}\n"
            f"  password: {result.password}\n"
            f"Dashboard: {url}"
        )
