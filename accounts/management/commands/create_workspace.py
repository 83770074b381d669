from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts import services
from accounts.models import User, Workspace


class Command(BaseCommand):
    help = "Create a workspace with an owner (the owner's login is created if new)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--owner", required=True, help="Email address of the owner")
        parser.add_argument("--password", help="Password for a new owner login")
        parser.add_argument("--currency", default="EUR")
        parser.add_argument("--language", default="de")
        parser.add_argument("--timezone", default="Europe/Berlin")
        parser.add_argument("--gross-margin", default="0.80")

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["slug"]
        if Workspace.objects.filter(slug=slug).exists():
            raise CommandError(f"A workspace with the address '{slug}' exists already.")
        try:
            margin = Decimal(options["gross_margin"])
        except InvalidOperation:
            raise CommandError("--gross-margin must be a number from 0 to 1, e.g. 0.80") from None
        try:
            with transaction.atomic():
                owner, created = get_or_create_user(options["owner"], options["password"])
                workspace = services.workspace_create(
                    owner=owner,
                    slug=slug,
                    settings_=services.WorkspaceSettings(
                        name=options["name"],
                        currency=options["currency"].upper(),
                        time_zone=options["timezone"],
                        gross_margin=margin,
                        language=options["language"],
                    ),
                )
        except ValidationError as error:
            raise CommandError(format_errors(error)) from None
        self.stdout.write(
            f"Created workspace '{workspace.slug}' ({workspace.name}) with owner {owner.email}"
            + (" (new user)" if created else "")
        )


def get_or_create_user(email: str, password: str | None) -> tuple[User, bool]:
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is not None:
        return user, False
    if not password:
        # A login without a password can still be claimed through "forgot password".
        return User.objects.create_user(email=email.strip()), True
    return services.user_signup(email=email, password=password), True


def format_errors(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in error.message_dict.items())
    return " ".join(error.messages)
