"""The API's 400 answers: a message list per field (PRODUCT.md, REST API: errors)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _

from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


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


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus the errors Django raises beneath it: a body over
    DATA_UPLOAD_MAX_MEMORY_SIZE is a JSON 413 (not Django's HTML 400), and a service's
    ValidationError is a 400 with messages per field."""
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge(
            _("The request body is too large. Send at most 1,000 records per request.")
        )
    elif isinstance(exc, DjangoValidationError):
        exc = service_errors(exc)
    response = exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError):
        response.data = _flat_messages(response.data)
    return response


def _messages_of(value: Any, prefix: str = "") -> list[str]:
    """Every message under `value`, with the item number and field of a nested list's error
    ("2. kpi: …"), as DRF nests them for lists of objects."""
    if isinstance(value, dict):
        return [
            message
            for key, inner in value.items()
            for message in _messages_of(
                inner, f"{prefix}{int(key) + 1}. " if str(key).isdigit() else f"{prefix}{key}: "
            )
        ]
    if isinstance(value, list):
        if all(not isinstance(v, (dict, list)) for v in value):
            return [f"{prefix}{v}" for v in value]
        return [
            message
            for index, inner in enumerate(value)
            for message in _messages_of(inner, f"{prefix}{index + 1}. ")
        ]
    return [f"{prefix}{value}"]


def _flat_messages(data: Any) -> Any:
    """A 400's body as the schema documents it: a list of messages per field."""
    if not isinstance(data, dict):
        return {"non_field_errors": _messages_of(data)}
    return {field: _messages_of(value) for field, value in data.items()}
