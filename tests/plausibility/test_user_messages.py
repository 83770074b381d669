"""Every message a form, the API or a database constraint can show speaks to people: in
German in the Sie-form (Django's and the API library's own messages included, which our
catalogue overrides: "Bitte geben Sie eine gültige E-Mail-Adresse ein.", not "Gib eine gültige
E-Mail Adresse an."), and without a field or database name. A broken constraint says its
message on the field it is about, in forms and in the API."""

from __future__ import annotations

import functools
import importlib
import pkgutil
import re

from django import forms
from django.apps import apps
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils import translation

import pytest
from rest_framework import fields as drf_fields
from rest_framework import serializers
from rest_framework import validators as drf_validators

from accounts.constraint_errors import field_of
from accounts.tenancy import workspace_scope
from kpiapp.models import Account, Subscription

DU_FORM = re.compile(
    r"\b(du|dein\w*|dich|dir|gib|nutze|benutze|prüfe|stelle sicher|lade)\b", re.IGNORECASE
)
# A model attribute, a constraint name or Django's generic texts naming fields or a constraint.
TECHNICAL = re.compile(r"\b[a-z]+_[a-z_]+\b|\bpk\b|für das Feld|Bedingung|\bslug\b")


def _project_forms() -> list[type[forms.BaseForm]]:
    for package in ("accounts", "kpiapp.forms", "kpiapp.views"):
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(getattr(module, "__path__", []), f"{package}."):
            importlib.import_module(info.name)
    importlib.import_module("accounts.forms")
    found: list[type[forms.BaseForm]] = []
    stack: list[type] = [forms.Form, forms.ModelForm]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            stack.append(sub)
            if sub.__module__.startswith(("accounts.", "kpiapp.")):
                found.append(sub)
    return found


def _field_messages(field: forms.Field) -> list:
    messages = list(field.error_messages.values())
    for validator in field.validators:
        messages += [getattr(validator, "message", None)]
        messages += list(getattr(validator, "messages", {}).values())
    return [m for m in messages if m]


def _form_messages() -> list[tuple[str, object]]:
    found = []
    for form in _project_forms():
        for name, field in form.base_fields.items():
            found += [(f"{form.__name__}.{name}", m) for m in _field_messages(field)]
        for key, message in getattr(form, "error_messages", {}).items():
            found.append((f"{form.__name__}.{key}", message))
    for form in (auth_forms.AuthenticationForm, auth_forms.SetPasswordForm):
        found += [(f"{form.__name__}.{k}", m) for k, m in form.error_messages.items()]
    found += [
        ("PasswordChangeForm", auth_forms.PasswordChangeForm.error_messages["password_incorrect"])
    ]
    return found


# The API's field kinds (kpiapp/api), with every message they can answer.
API_FIELDS = (
    drf_fields.Field,
    serializers.CharField,
    serializers.ChoiceField,
    serializers.BooleanField,
    serializers.DecimalField,
    serializers.IntegerField,
    serializers.ListField,
    serializers.DictField,
    serializers.RegexField,
    serializers.EmailField,
    serializers.DateField,
    serializers.PrimaryKeyRelatedField,
    serializers.Serializer,
)
API_MESSAGE_SKIP = {("CharField", "invalid"), ("BooleanField", "invalid")}  # JSON types


def _api_messages() -> list[tuple[str, object]]:
    found = []
    for cls in API_FIELDS:
        for key, message in cls.default_error_messages.items():
            found.append((f"{cls.__name__}.{key}", message))
    found.append(("UniqueValidator", drf_validators.UniqueValidator.message))
    found.append(("UniqueTogetherValidator", drf_validators.UniqueTogetherValidator.message))
    return found


def _password_refusal(validator: object, password: str) -> str:
    """The validator's message for `password`, in the active language (it renders at once)."""
    from accounts.models import User

    try:
        user = User(email="lea.lead@example.com", name="Lea Lead")
        validator.validate(password, user)
    except ValidationError as error:
        return " ".join(error.messages)
    return ""


def _password_messages() -> list[tuple[str, object]]:
    found: list[tuple[str, object]] = []
    for validator in password_validation.get_default_password_validators():
        for password in ("a", "password", "12345678901234", "lea.lead@example.com"):
            if _password_refusal(validator, password):
                refusal = functools.partial(_password_refusal, validator, password)
                found.append((type(validator).__name__, refusal))
    return found


def _constraint_messages() -> list[tuple[str, object]]:
    return [
        (f"{model.__name__}.{c.name}", c.violation_error_message)
        for app in ("accounts", "kpiapp")
        for model in apps.get_app_config(app).get_models()
        for c in model._meta.constraints
    ]


class _Params(dict):
    """Any placeholder of a message, filled with a number (plurals choose by it)."""

    def __missing__(self, key: str) -> int:
        return 3


def _text(message: object) -> str:
    if callable(message) and isinstance(message, functools.partial):
        return message()
    if isinstance(message, tuple):
        text, params = message
        return str(text % params if params else text)
    try:
        return str(message % _Params())
    except (KeyError, TypeError, ValueError):
        return str(message)


PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]|\{\w+\}")


def _all() -> list[tuple[str, object]]:
    return _form_messages() + _api_messages() + _password_messages() + _constraint_messages()


@pytest.fixture(autouse=True)
def _language_restored():
    """A request in German leaves German active in this thread; the next module's tests read
    English."""
    language = translation.get_language()
    yield
    if language:
        translation.activate(language)
    else:
        translation.deactivate()


def test_there_are_messages_to_check():
    sources = {where.split(".")[0] for where, _m in _all()}
    assert {"AccountForm", "SubscriptionForm", "WorkspaceSettingsForm", "EmailField"} <= sources
    assert len(_all()) > 300


def _test_id(value: object) -> str:
    """Names that are the same in every process (xdist compares them): a password check by its
    password, not by the address of its function."""
    if isinstance(value, functools.partial):
        return f"password {value.args[1]!r}"
    return str(value)[:60]


@pytest.mark.django_db
@pytest.mark.parametrize(("where", "message"), _all(), ids=_test_id)
def test_every_message_speaks_german_in_the_sie_form_without_field_names(where, message):
    with translation.override("de"):
        german = _text(message)
    with translation.override("en"):
        english = _text(message)
    assert german, where
    assert not DU_FORM.search(german), f"{where}: {german}"
    assert not german.startswith("Bitte") or " Sie " in german, f"{where}: {german}"
    # A custom KPI's key is shown as an example of its form ("custom_audit_pass_rate").
    words = PLACEHOLDER.sub("", german).replace("custom_audit_pass_rate", "")
    assert not TECHNICAL.search(words), f"{where}: {german}"
    assert german != english or not re.search(r"[a-z]{4}", english), f"{where}: untranslated"


def test_a_constraint_over_several_fields_is_said_on_the_field_it_is_about():
    by_name = {
        c.name: c
        for model in apps.get_app_config("kpiapp").get_models()
        for c in model._meta.constraints
    }
    assert field_of(by_name["subscription_unique_key"]) == "external_id"
    assert field_of(by_name["subscription_end_after_start"]) == "ended_at"
    assert field_of(by_name["deal_created_unless_lead"]) == "created_at"
    assert field_of(by_name["alert_threshold_needs_value"]) == "threshold"
    assert field_of(by_name["team_benchmark_band"]) == "high"
    assert field_of(by_name["nps_unique_ext"]) == "external_id"


def test_every_constraint_names_a_field_of_its_model_or_none():
    for app in ("accounts", "kpiapp"):
        for model in apps.get_app_config(app).get_models():
            for constraint in model._meta.constraints:
                field = field_of(constraint)
                if field is not None:
                    model._meta.get_field(field)  # raises for a name that is no field


@pytest.fixture
def customer(workspace):
    with workspace_scope(workspace.id):
        return Account.objects.create(external_id="K-1", name="Kunde")


def _subscription(customer, **changes) -> dict[str, str]:
    return {
        "external_id": "S-1",
        "account": str(customer.pk),
        "amount": "100",
        "currency": "EUR",
        "interval": "month",
        "interval_count": "1",
        "quantity": "1",
        "discount_percent": "0",
        "started_at": "2025-01-01",
        **changes,
    }


@pytest.mark.django_db
def test_a_doubled_key_is_refused_on_the_field_in_german_in_the_form(
    client_as, erik, workspace, customer
):
    erik.language = "de"
    erik.save(update_fields=["language"])
    client = client_as(erik)
    url = f"/w/{workspace.slug}/data/subscriptions/new/"
    assert client.post(url, _subscription(customer)).status_code == 302
    response = client.post(url, _subscription(customer))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == ["external_id"]
    message = errors["external_id"][0]
    assert message == "Ein Abonnement mit dieser externen ID beginnt bereits an diesem Tag."
    page = response.content.decode()
    assert "für das Feld" not in page and "subscription_unique_key" not in page
    with workspace_scope(workspace.id):
        assert Subscription.objects.count() == 1


@pytest.mark.django_db
def test_the_api_says_a_doubled_key_and_a_broken_check_on_their_fields(erik, workspace, customer):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(erik)
    url = f"/api/v1/workspaces/{workspace.slug}/subscriptions/"
    assert api.post(url, _subscription(customer), format="json").status_code == 201
    doubled = api.post(url, _subscription(customer), format="json")
    assert doubled.status_code == 400
    assert doubled.json() == {
        "external_id": ["A subscription with this external ID already starts on this day."]
    }
    refused = api.post(
        f"/api/v1/workspaces/{workspace.slug}/accounts/",
        {"external_id": "K-1", "name": "Zweiter"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert refused.status_code == 400
    assert list(refused.json()) == ["external_id"]
    with workspace_scope(workspace.id):
        assert Subscription.objects.count() == 1
        assert Account.objects.count() == 1


@pytest.mark.django_db
def test_django_and_api_messages_read_in_the_sie_form(client_as, erik, workspace):
    with translation.override("de"):
        email = forms.EmailField()
        with pytest.raises(ValidationError) as caught:
            email.clean("keine-adresse")
        assert caught.value.messages == ["Bitte geben Sie eine gültige E-Mail-Adresse ein."]
        assert str(forms.Field().error_messages["required"]) == "Bitte füllen Sie dieses Feld aus."
