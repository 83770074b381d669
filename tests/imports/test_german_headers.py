"""Headers and countries as German and English files write them: the mapping step suggests
the field for common synonyms of each kind, and a country is accepted by its code or its name
in either language, stored as its ISO code."""

from __future__ import annotations

from datetime import date

from django.utils import translation

import pytest

from kpiapp.countries import country_code
from kpiapp.imports import kinds as csv_kinds
from kpiapp.imports.kinds import ACCOUNTS, DEALS, SUBSCRIPTIONS
from kpiapp.imports.mapping import normalise, suggest
from kpiapp.imports.synonyms import BY_KIND, COMMON
from kpiapp.models import Account, Subscription

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kind", "header", "field"),
    [
        (ACCOUNTS, "Firma", "name"),
        (ACCOUNTS, "Kundennummer", "external_id"),
        (ACCOUNTS, "Kunden-Nr.", "external_id"),
        (ACCOUNTS, "Mitarbeiter", "employees"),
        (ACCOUNTS, "Angelegt am", "created_at"),
        (ACCOUNTS, "ANGELEGT_AM", "created_at"),
        (ACCOUNTS, "Land", "country"),
        (ACCOUNTS, "Company", "name"),
        (ACCOUNTS, "Employees", "employees"),
        (DEALS, "Kundennummer", "account"),
        (DEALS, "Firma", "account"),
        (DEALS, "Betrag", "amount"),
        (DEALS, "Währung", "currency"),
        (DEALS, "Wahrung", "currency"),
        (DEALS, "Abschlussdatum", "closed_at"),
        (DEALS, "Phase", "stage"),
        (SUBSCRIPTIONS, "Kunde", "account"),
        (SUBSCRIPTIONS, "Vertragsbeginn", "started_at"),
        (SUBSCRIPTIONS, "Beginn", "started_at"),
        (SUBSCRIPTIONS, "Menge", "quantity"),
        (SUBSCRIPTIONS, "Start date", "started_at"),
        # A field's own label, in either language, is a synonym too.
        (SUBSCRIPTIONS, "Intervalle je Rechnung", "interval_count"),
        (SUBSCRIPTIONS, "Intervals per bill", "interval_count"),
        # The field name itself always wins.
        (ACCOUNTS, "external_id", "external_id"),
    ],
)
def test_common_headers_suggest_their_field(kind, header, field):
    assert suggest(header, kind) == field


def test_a_header_without_a_field_in_the_kind_is_not_suggested():
    assert suggest("Verlustgrund", SUBSCRIPTIONS) is None  # a deal's column
    assert suggest("Lieblingsfarbe", ACCOUNTS) is None


def test_every_synonym_names_a_field_of_some_kind():
    KINDS = {k.name: k for k in vars(csv_kinds).values() if isinstance(k, csv_kinds.Kind)}
    assert len(KINDS) >= 11
    fields = {f.name for kind in KINDS.values() for f in kind.fields}
    assert set(COMMON.values()) <= fields
    for kind_name, table in BY_KIND.items():
        assert kind_name in KINDS
        assert set(table.values()) <= set(KINDS[kind_name].names), kind_name


def test_suggestions_do_not_depend_on_the_language_of_the_request():
    with translation.override("de"):
        german = suggest("Angelegt am", ACCOUNTS)
    with translation.override("en"):
        english = suggest("Angelegt am", ACCOUNTS)
    assert german == english == "created_at"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Deutschland", "DE"),
        ("deutschland", "DE"),
        ("Germany", "DE"),
        ("Bundesrepublik Deutschland", "DE"),
        ("DE", "DE"),
        ("deu", "DE"),
        ("Österreich", "AT"),
        ("Oesterreich", None),  # not a spelling we invent
        ("Schweiz", "CH"),
        ("Switzerland", "CH"),
        ("Vereinigtes Königreich", "GB"),
        ("UK", "GB"),
        ("Frankreich", "FR"),
        ("Niederlande", "NL"),
        ("Türkei", "TR"),
        ("USA", "US"),
        ("Atlantis", None),
        ("", None),
    ],
)
def test_countries_by_code_or_name_in_german_or_english(text, code):
    assert country_code(text) == code


def test_every_iso_country_is_found_by_its_german_and_english_name():
    import gettext

    import pycountry

    german = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["de"])
    for country in pycountry.countries:
        assert country_code(country.alpha_2) == country.alpha_2
        assert country_code(country.name) == country.alpha_2, country.name
        assert country_code(german.gettext(country.name)) == country.alpha_2, country.name


def test_an_accounts_file_with_german_headers_and_country_names_imports(run_import, scoped):
    content = (
        "Kundennummer;Firma;Land;Mitarbeiter;Angelegt am\r\n"
        "K-1;Alpha GmbH;Deutschland;1200;15.03.2024\r\n"
        "K-2;Beta AG;Schweiz;40;01.02.2025\r\n"
        "K-3;Gamma Ltd;United Kingdom;7;02.01.2025\r\n"
    )
    result = run_import("accounts", content)
    assert result.ok, result.errors
    stored = {
        a.external_id: (a.name, a.country, a.employees, a.created_at) for a in Account.objects.all()
    }
    assert stored == {
        "K-1": ("Alpha GmbH", "DE", 1200, date(2024, 3, 15)),
        "K-2": ("Beta AG", "CH", 40, date(2025, 2, 1)),
        "K-3": ("Gamma Ltd", "GB", 7, date(2025, 1, 2)),
    }


def test_a_subscriptions_file_with_german_headers_imports(run_import, scoped):
    run_import("accounts", "external_id,name\nK-1,Alpha\n")
    content = (
        "Vertragsnummer;Kundennummer;Betrag;Währung;Intervall;Menge;Beginn\r\n"
        "V-1;K-1;99,50;EUR;month;3;01.04.2025\r\n"
    )
    result = run_import("subscriptions", content)
    assert result.ok, result.errors
    sub = Subscription.objects.get()
    assert (sub.external_id, sub.account.external_id, sub.amount_cents, sub.quantity) == (
        "V-1",
        "K-1",
        9950,
        3,
    )
    assert sub.started_at == date(2025, 4, 1)


def test_an_unknown_country_name_is_refused_on_its_cell(run_import, scoped):
    result = run_import("accounts", "Kundennummer,Firma,Land\nK-1,Alpha,Atlantis\n")
    assert not result.ok
    assert [(e.line, e.column) for e in result.errors] == [(2, "Land")]
    assert not Account.objects.exists()


def test_normalising_folds_case_space_punctuation_and_umlauts():
    assert normalise("Währung") == normalise("WAHRUNG") == normalise("wäh-rung ")
