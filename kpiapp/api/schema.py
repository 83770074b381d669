"""The error answers of every operation in the OpenAPI schema (PRODUCT.md, REST API: errors),
added once here instead of on each view."""

from __future__ import annotations

from typing import Any

ERROR = {"$ref": "#/components/schemas/Error"}
FIELD_ERRORS = {"$ref": "#/components/schemas/FieldErrors"}
ANSWERS = {
    "401": ("No or bad credentials (send `Authorization: Token <key>`).", ERROR),
    "403": ("A member without the role this needs.", ERROR),
    "404": ("Not found, or outside the caller's workspaces.", ERROR),
    "429": ("Too many requests; the `Retry-After` header says when to try again.", ERROR),
}
BAD_INPUT = ("Bad input: the messages per field (`rows` for a list of records).", FIELD_ERRORS)


def add_error_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = {
        "type": "object",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    }
    schemas["FieldErrors"] = {
        "type": "object",
        "description": "{field: [message, …]}; `non_field_errors` for the whole record; "
        "`detail` when the body is not JSON at all. A list field's items answer by position, "
        'e.g. {"sections": {"2": {"note": [message]}}}.',
        "properties": {"detail": {"type": "string"}},
        "additionalProperties": {
            "anyOf": [{"type": "array", "items": {}}, {"type": "object"}],
        },
    }
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            answers = dict(ANSWERS)
            if method in ("post", "put", "patch") or operation.get("parameters"):
                answers["400"] = BAD_INPUT
            if not path.startswith("/api/v1/workspaces/{slug}/"):
                answers.pop("403")
            for code, (description, schema) in answers.items():
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": schema}},
                    },
                )
            if "429" in responses:
                responses["429"]["headers"] = {"Retry-After": {"schema": {"type": "integer"}}}
    return result
