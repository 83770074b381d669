from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts import services
from accounts.access import memberships_of
from accounts.management.commands.create_workspace import get_or_create_user
from accounts.models import Workspace
from accounts.roles import Role


class Command(BaseCommand):
    help = "Add a member to a workspace with a role, or change an existing member's role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("email")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--password", help="Password for a new login")

    def handle(self, *args: Any, **options: Any) -> None:
        workspace = Workspace.objects.filter(slug=options["slug"]).first()
        if workspace is None:
            raise CommandError(f"No workspace with the address '{options['slug']}'.")
        role = options["role"]
        with transaction.atomic():
            user, created = get_or_create_user(options["email"], options["password"])
            membership = memberships_of(user).filter(workspace=workspace).first()
            if membership is None:
                services.membership_add(workspace=workspace, user=user, role=role, actor=None)
                self.stdout.write(
                    f"Added {user.email} to '{workspace.slug}' as {role}"
                    + (" (new user)" if created else "")
                )
                return
            try:
                old = services.membership_set_role(membership=membership, role=role, actor=None)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"Changed role of {user.email} in '{workspace.slug}': {old} -> {role}")
