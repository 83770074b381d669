from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import services
from accounts.access import memberships_of
from accounts.models import User


class Command(BaseCommand):
    help = "Print a new API token for a member of a workspace (the token is the last word)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("email")
        parser.add_argument("--name", default="Command line")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email__iexact=options["email"]).first()
        membership = (
            memberships_of(user)
            .select_related("user", "workspace")
            .filter(workspace__slug=options["slug"])
            .first()
            if user
            else None
        )
        if membership is None:
            raise CommandError(
                f"{options['email']} is not a member of a workspace '{options['slug']}'."
            )
        created = services.api_token_create(membership=membership, name=options["name"])
        self.stdout.write(
            f"API token for {membership.user.email} in '{membership.workspace.slug}' "
            f"(role {membership.role}); it is shown only once: {created.key}"
        )
