"""The API's 400 answers: a message list per field (PRODUCT.md, REST API: errors)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError

from rest_framework import exceptions


def field_messages(errors: dict) -> dict[str, list[str]]:
    """{field: [message, ...]}; "non_field_errors" for the whole record (a form's "__all__")."""
    return {
        ("non_field_errors" if field == "__all__" else field): [str(m) for m in messages]
        for field, messages in errors.items()
    }


def service_errors(error: DjangoValidationError) -> exceptions.ValidationError:
    """A service's ValidationError as the API's 400."""
    messages = getattr(error, "message_dict", None) or {"non_field_errors": error.messages}
    return exceptions.ValidationError(field_messages(messages))
