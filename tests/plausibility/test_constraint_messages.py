"""No database constraint's name reaches a person: every CheckConstraint and UniqueConstraint
of the project's models carries its own message, in English and in German. A constraint
added later without one fails here."""

from __future__ import annotations

from django.apps import apps
from django.db import models
from django.utils import translation

import pytest

PROJECT_APPS = ("accounts", "kpiapp")


def _constraints() -> list[tuple[str, models.BaseConstraint]]:
    found = []
    for app in PROJECT_APPS:
        for model in apps.get_app_config(app).get_models():
            found += [(f"{model.__name__}.{c.name}", c) for c in model._meta.constraints]
    return found


def test_there_are_constraints_to_check():
    assert len(_constraints()) > 40


@pytest.mark.parametrize(("where", "constraint"), _constraints(), ids=lambda v: str(v))
def test_every_constraint_speaks_to_people_in_both_languages(where, constraint):
    message = constraint.violation_error_message
    assert message != constraint.default_violation_error_message, where
    with translation.override("en"):
        english = str(constraint.get_violation_error_message())
    with translation.override("de"):
        german = str(constraint.get_violation_error_message())
    assert constraint.name not in english and constraint.name not in german, where
    assert ("_" not in english and "_" not in german) or "custom_" in english, where
    assert german != english, f"{where}: no German message"


@pytest.mark.django_db
def test_a_form_shows_the_rule_not_the_constraint(client_as, erik, workspace):
    from accounts.tenancy import workspace_scope
    from kpiapp.models import Account

    with workspace_scope(workspace.id):
        Account.objects.create(external_id="K-1", name="Kunde")
    erik.language = "de"
    erik.save(update_fields=["language"])
    response = client_as(erik).post(
        f"/w/{workspace.slug}/data/accounts/new/", {"name": "Zweiter", "external_id": "K-1"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Es gibt bereits einen Kunden mit dieser externen ID." in page
    assert "account_unique_ext" not in page and "Bedingung" not in page
