"""The OpenAPI schema: valid, complete (every route, the token scheme, the error answers), its
docs served without a CDN, usable by a client that knows nothing but the schema, and a
schemathesis run over every operation: no server error, answers as the schema says."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator

from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction

import jsonschema
import pytest
import schemathesis
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, settings
from rest_framework.test import APIClient
from schemathesis.checks import (
    content_type_conformance,
    ensure_resource_availability,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    use_after_free,
)
from schemathesis.config import SchemathesisConfig

from accounts.services import api_token_create
from accounts.tenancy import workspace_scope
from kpiapp.models import Account
from kpiapp.wsgi import application
from tests.conftest import membership_of

pytestmark = pytest.mark.django_db


@functools.cache
def _generated_schema() -> str:
    response = APIClient().get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    return response.content.decode()


def _schema() -> dict:
    """The served schema (generated once per test process: it depends on the code only)."""
    return json.loads(_generated_schema())


def test_the_schema_is_valid_and_names_every_route_auth_and_error(workspace):
    schema = _schema()
    validate_schema(schema)
    paths = set(schema["paths"])
    resources = (
        "accounts",
        "deals",
        "subscriptions",
        "leads",
        "channels",
        "campaigns",
        "spend",
        "traffic",
        "nps",
        "usage",
        "exchange-rates",
        "custom-kpis",
    )
    for resource in resources:
        assert f"/api/v1/workspaces/{{slug}}/{resource}/" in paths, resource
    assert "/api/v1/workspaces/{slug}/kpis/{key}/series/" in paths
    assert "/api/v1/workspaces/{slug}/deals/{id}/stage-history/" in paths
    for path in (
        "reports/",
        "reports/{id}/",
        "reports/{id}/content/",
        "reports/{id}/comments/",
        "reports/{id}/share-links/",
        "digests/",
        "digests/{id}/",
    ):
        assert f"/api/v1/workspaces/{{slug}}/{path}" in paths, path
    assert schema["components"]["securitySchemes"]["tokenAuth"]["name"] == "Authorization"
    create = schema["paths"]["/api/v1/workspaces/{slug}/deals/"]["post"]
    assert {"201", "400", "401", "403", "404", "429"} <= set(create["responses"])
    stages = schema["components"]["schemas"]["DealStageEnum"]["enum"]
    assert stages == ["lead", "qualified", "demo", "proposal", "negotiation", "won", "lost"]


def test_the_docs_are_served_from_our_own_static_files():
    html = APIClient().get("/api/v1/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    # every script, style and icon from our own server (the page also holds a random CSRF
    # token, so no substring test on the whole page)
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(a.startswith("/") and not a.startswith("//") for a in assets), assets
    assert "https://" not in html and "http://" not in html


def test_a_client_that_only_reads_the_schema_makes_a_round_trip(erik, workspace):
    """Build the request from the schema's request body, check the answers against the
    schema's response bodies: what a generated client does."""
    schema = _schema()
    with workspace_scope(workspace.id):
        key = api_token_create(membership=membership_of(erik, workspace), name="client").key
    client = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    accounts = schema["paths"]["/api/v1/workspaces/{slug}/accounts/"]
    body_schema = _resolve(schema, _json_body(accounts["post"]["requestBody"]))
    sample = {"name": "Schema GmbH", "external_id": "S-1", "country": "AT"}
    assert set(body_schema["required"]) <= set(sample) <= set(body_schema["properties"])
    path = "/api/v1/workspaces/{slug}/accounts/".format(slug="acme")
    created = client.post(path, sample, format="json")
    assert created.status_code == 201
    _validate(schema, created.json(), _json_body(accounts["post"]["responses"]["201"]))
    listed = client.get(path).json()
    _validate(schema, listed, _json_body(accounts["get"]["responses"]["200"]))
    assert listed["results"][0]["country"] == "AT"


def test_actions_that_list_and_create_document_each_answer(alice, workspace):
    """The nested lists (comments, share links, a custom KPI's values) answer a page for GET
    and the one new item with 201 for POST, as the schema says for each method."""
    schema = _schema()
    with workspace_scope(workspace.id):
        key = api_token_create(membership=membership_of(alice, workspace), name="client").key
    api = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    base = "/api/v1/workspaces/acme/"
    report = api.post(base + "reports/", {"template": "monthly"}, format="json").json()
    made = api.post(
        base + "custom-kpis/",
        {"name": "Audit-Quote", "unit": "percent", "direction": "up", "aggregation": "mean"},
        format="json",
    )
    assert made.status_code == 201
    posts = {
        "/reports/{id}/comments/": (f"reports/{report['id']}/comments/", {"body": "Gut so"}),
        "/reports/{id}/share-links/": (f"reports/{report['id']}/share-links/", {"label": "VC"}),
        "/custom-kpis/{key}/values/": (
            "custom-kpis/custom_audit_quote/values/",
            {"month": "2025-03-01", "value": "97.5"},
        ),
    }
    for template, (path, body) in posts.items():
        operations = schema["paths"]["/api/v1/workspaces/{slug}" + template]
        created = api.post(base + path, body, format="json")
        assert created.status_code == 201, (path, created.content)
        _validate(schema, created.json(), _json_body(operations["post"]["responses"]["201"]))
        listed = api.get(base + path)
        _validate(schema, listed.json(), _json_body(operations["get"]["responses"]["200"]))
        assert listed.json()["count"] == 1


def _json_body(part: dict) -> dict:
    return part["content"]["application/json"]["schema"]


def _plain_json_schema(node: object) -> object:
    """OpenAPI 3.0's `nullable: true` as JSON Schema's `type: [..., "null"]`."""
    if isinstance(node, list):
        return [_plain_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: _plain_json_schema(v) for k, v in node.items()}
    if node.pop("nullable", False):
        if "type" in node:
            node["type"] = [node["type"], "null"]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


def _validate(schema: dict, instance: object, node: dict) -> None:
    jsonschema.validate(instance, _plain_json_schema({**node, "components": schema["components"]}))


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


# Fuzzing only: the coverage phase would add dozens of boundary cases per operation (minutes
# on PostgreSQL); four derandomised examples per operation keep the run short and repeatable.
FUZZING_ONLY = SchemathesisConfig.from_dict(
    {
        "phases": {
            "coverage": {"enabled": False},
            "examples": {"enabled": False},
            "stateful": {"enabled": False},
        }
    }
)
FUZZED = schemathesis.openapi.from_wsgi(
    "/api/v1/schema/?format=json", application, config=FUZZING_ONLY
)


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def same_connection() -> Iterator[None]:
    """schemathesis calls the real WSGI handler, which closes the database connection after
    each request; the test's transaction lives on it. Django's test client keeps it the same
    way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(alice, workspace, same_connection) -> str:
    with workspace_scope(workspace.id):
        Account.objects.create(external_id="A1", name="Erster Kunde")
        return api_token_create(membership=membership_of(alice, workspace), name="fuzz").key


@FUZZED.parametrize()
@settings(max_examples=4, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_the_schema_says(case, token):
    if "slug" in (case.path_parameters or {}):
        case.path_parameters["slug"] = "acme"  # the caller's workspace, so calls get through
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)


STATEFUL_CHECKS = [
    *CHECKS,
    response_headers_conformance,
    use_after_free,
    ensure_resource_availability,
]


@pytest.mark.slow
def test_chains_of_calls_answer_as_the_schema_says(token):
    """Stateful: schemathesis links the operations by the ids their answers carry (create a
    report, then comment on it, share it, duplicate it, delete it; create a record, change
    it, delete it, read it again) and checks each answer, and that a created resource can be
    read and a deleted one is gone."""
    # Without FUZZED's config, so that schemathesis infers the links between operations; loaded
    # here, not when every test process collects this module.
    linked = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)
    machine = linked.as_state_machine()

    class Chains(machine):
        # Each chain starts from the same data, so that a chain replays as it ran.
        def setup(self) -> None:
            self.savepoint = transaction.savepoint()

        def teardown(self) -> None:
            transaction.savepoint_rollback(self.savepoint)

        def get_call_kwargs(self, case):
            if "slug" in (case.path_parameters or {}):
                case.path_parameters["slug"] = "acme"
            return {"headers": {"Authorization": f"Token {token}"}}

        def validate_response(self, response, case, **kwargs):
            case.validate_response(response, checks=STATEFUL_CHECKS)

    Chains.run(
        settings=settings(
            max_examples=20,
            stateful_step_count=8,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
    )
