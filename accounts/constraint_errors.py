"""A broken database constraint is said on the field it is about, not above the form.

Django puts the message of a constraint over several fields (a unique key with the workspace,
a check comparing two dates) among the form's non-field errors and the API's
`non_field_errors`. `field_of` names the one field a person corrects: a unique key's first
field after the workspace (the external ID of "external ID and start"), a check's first
compared field ("end after start": the end). `validate_constraints` is Model's, with the
errors keyed by that field; WorkspaceOwned uses it, so every data form and API resource does.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, router
from django.db.models.constants import LOOKUP_SEP
from django.db.models.expressions import F


def _leaves(condition: Any, negated: bool = False) -> list[tuple[str, str, bool]]:
    """(field, lookup, negated) of every test in a check's condition, in order."""
    negated ^= bool(getattr(condition, "negated", False))
    found: list[tuple[str, str, bool]] = []
    for child in getattr(condition, "children", []):
        if isinstance(child, tuple):
            lookup, _value = child
            parts = lookup.split(LOOKUP_SEP)
            found.append((parts[0], parts[-1] if len(parts) > 1 else "exact", negated))
        else:
            found += _leaves(child, negated)
    return found


def _checked(condition: Any) -> str | None:
    """The field a check is about: the first one it tests in a way that can fail, not one
    that only says when the check applies (`~Q(kind="change") | Q(change__gt=0)`: change;
    `Q(created_at__isnull=False) | Q(stage="lead")`: created_at)."""
    leaves = _leaves(condition)
    for candidates in (
        [f for f, lookup, neg in leaves if not neg and lookup not in ("exact", "in")],
        [f for f, _lookup, neg in leaves if not neg],
        [f for f, _lookup, _neg in leaves],
    ):
        if candidates:
            return candidates[0]
    return None


def _unique_fields(constraint: models.UniqueConstraint) -> list[str]:
    names = list(constraint.fields) or [e.name for e in constraint.expressions if isinstance(e, F)]
    return [n for n in names if n != "workspace"]


def field_of(constraint: models.BaseConstraint) -> str | None:
    """The field a person corrects when `constraint` is broken, or None (the whole record)."""
    if isinstance(constraint, models.UniqueConstraint):
        names = _unique_fields(constraint)
        return names[0] if names else None
    if isinstance(constraint, models.CheckConstraint):
        return _checked(constraint.condition)
    return None


def validate_constraints(instance: models.Model, exclude: set[str] | None = None) -> None:
    using = router.db_for_write(type(instance), instance=instance)
    errors: dict[str, list[ValidationError]] = {}
    for model_class, constraints in instance.get_constraints():
        for constraint in constraints:
            try:
                # Every constraint Django ships (Check, Unique) validates; the stubs' base does not.
                constraint.validate(model_class, instance, exclude=exclude, using=using)  # type: ignore[attr-defined]
            except ValidationError as error:
                field = field_of(constraint)
                if field is not None:
                    field = model_class._meta.get_field(field).name
                errors.setdefault(field or NON_FIELD_ERRORS, []).append(error)
    if errors:
        raise ValidationError(errors)
