"""A plausibility message that refers to another field names it in words, as the person sees
it labelled, in both languages; never by its attribute (`started_at`)."""

from __future__ import annotations

from datetime import date

from django.utils import translation

import pytest

from kpiapp import models as m
from kpiapp import plausibility

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 1)
LATE, EARLY = date(2025, 3, 1), date(2025, 2, 1)

# Every rule that compares two fields, with values that break it.
ORDER_RULES = [
    (
        m.Subscription,
        {"started_at": LATE, "ended_at": EARLY},
        "ended_at",
        "The end lies before the start.",
        "Das Ende liegt vor dem Beginn.",
    ),
    (
        m.Subscription,
        {"started_at": LATE, "trial_ends_at": EARLY},
        "trial_ends_at",
        "The trial ends before the subscription starts.",
        "Die Testphase endet, bevor das Abonnement beginnt.",
    ),
    (
        m.Deal,
        {"stage": "won", "created_at": LATE, "closed_at": EARLY},
        "closed_at",
        "The deal was closed before it was created.",
        "Der Deal wurde abgeschlossen, bevor er angelegt wurde.",
    ),
    (
        m.Lead,
        {"created_at": LATE, "qualified_at": EARLY},
        "qualified_at",
        "Is before the day the lead was created.",
        "Liegt vor dem Tag, an dem der Lead angelegt wurde.",
    ),
    (
        m.Lead,
        {"created_at": EARLY, "qualified_at": LATE, "opportunity_at": EARLY},
        "opportunity_at",
        "Is before the qualification (SQL).",
        "Liegt vor der Qualifizierung (SQL).",
    ),
    (
        m.Lead,
        {"created_at": EARLY, "opportunity_at": LATE, "converted_at": EARLY},
        "converted_at",
        "Is before the opportunity.",
        "Liegt vor der Verkaufschance.",
    ),
]


@pytest.mark.parametrize(("model", "values", "attr", "english", "german"), ORDER_RULES)
def test_a_rule_between_two_fields_names_the_other_in_words(model, values, attr, english, german):
    attnames = [f.attname for f in model._meta.concrete_fields]
    for language, expected in (("en", english), ("de", german)):
        with translation.override(language):
            found = [(a, str(msg)) for a, msg in plausibility.problems(model, values, TODAY)]
        assert found == [(attr, expected)]
        assert not [name for name in attnames if name in expected]


def test_the_german_import_names_the_start_not_started_at(run_import, scoped):
    assert run_import("accounts", "external_id,name\nA1,Alpha\n").ok
    with translation.override("de"):
        result = run_import(
            "subscriptions",
            "external_id,account,amount,interval,started_at,ended_at,trial_ends_at\n"
            "S1,A1,10,month,2025-03-01,2025-02-01,2025-01-01\n",
        )
        messages = [(e.column, e.message) for e in result.errors]
    assert messages == [
        ("ended_at", "Das Ende liegt vor dem Beginn."),
        ("trial_ends_at", "Die Testphase endet, bevor das Abonnement beginnt."),
    ]


def test_the_german_lead_import_names_the_previous_step(run_import, scoped):
    with translation.override("de"):
        result = run_import(
            "leads", "external_id,created_at,qualified_at\nL1,2025-03-10,2025-03-01\n"
        )
        assert [e.message for e in result.errors] == [
            "Liegt vor dem Tag, an dem der Lead angelegt wurde."
        ]
