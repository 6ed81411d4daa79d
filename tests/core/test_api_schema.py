"""The published OpenAPI document is the API the server runs: every schema under its own name, enums
listing what the server takes, every refusal documented, and a bounded schemathesis run against the
WSGI application finding no 5xx and no answer the document does not describe."""

from __future__ import annotations

import dataclasses
import enum
import re
import typing
from collections import defaultdict
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, settings
from pydantic import BaseModel, WithJsonSchema
from schemathesis import checks as st_checks
from schemathesis.specs.openapi import checks as openapi_checks

from tests.conftest import make_staff
from yimen.api import api
from yimen.cases import models as case_models
from yimen.disclosure import models as disclosure_models
from yimen.org import services
from yimen.org.models import ApiScope, Role
from yimen.wsgi import application

pytestmark = pytest.mark.django_db


def _published_types() -> dict[str, set[str]]:
    """Every model, dataclass and enum an operation publishes by name, as name → defining classes; an
    enum whose field carries its own schema (core.api_schema.choice_schema) is published inline."""
    seen: dict[str, set[str]] = defaultdict(set)

    def walk(t: Any, stack: tuple[str, ...] = ()) -> None:
        if isinstance(t, type) and (issubclass(t, BaseModel) or dataclasses.is_dataclass(t)):
            key = f"{t.__module__}.{t.__qualname__}"
            if key in stack:
                return
            seen[t.__name__].add(key)
            if issubclass(t, BaseModel):
                for field in t.model_fields.values():
                    if not any(isinstance(m, WithJsonSchema) for m in field.metadata):
                        walk(field.annotation, (*stack, key))
            else:
                hints = typing.get_type_hints(t)
                for f in dataclasses.fields(t):
                    walk(hints[f.name], (*stack, key))
        elif isinstance(t, type) and issubclass(t, enum.Enum):
            seen[t.__name__].add(f"{t.__module__}.{t.__qualname__}")
        else:
            for arg in typing.get_args(t):
                walk(arg, stack)

    for _prefix, router in api._routers:
        for view in router.path_operations.values():
            for operation in view.operations:
                for model in [*operation.models, *operation.response_models.values()]:
                    walk(model)
    return seen


def test_no_two_schemas_share_a_name() -> None:
    shared = {name: classes for name, classes in _published_types().items() if len(classes) > 1}
    assert not shared
    assert len(_published_types()) > 40  # the walk did find the API's schemas


def _body(path: str) -> dict[str, Any]:
    schema = api.get_openapi_schema()
    body = schema["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    name = body["$ref"].rsplit("/", 1)[1]
    return dict(schema["components"]["schemas"][name]["properties"])


def test_published_enums_are_the_values_the_server_takes() -> None:
    deliver = _body("/api/v1/cases/{number}/deliver")["method"]
    assert deliver["enum"] == ["pickup", "courier", "electronic"] == case_models.DeliveryMethod.values
    request = _body("/api/v1/disclosure-requests")["delivery_method"]
    assert request["enum"] == disclosure_models.DeliveryMethod.values
    item = api.get_openapi_schema()["paths"]["/api/v1/items/{code}"]["get"]["responses"][200]
    detail = api.get_openapi_schema()["components"]["schemas"][
        item["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    ]
    steps = detail["properties"]["steps"]["items"]["$ref"].rsplit("/", 1)[1]
    assert steps == "ItemStepOut"


def test_every_operation_documents_its_refusals() -> None:
    schema = api.get_openapi_schema()
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            codes = set(operation["responses"])
            if operation.get("security"):
                assert {401, 403} <= codes, (method, path)
            if method == "post":
                assert {400, 403, 415, 422} <= codes, (method, path)
            if "{" in path:
                assert 404 in codes, (method, path)
    accept = schema["paths"]["/api/v1/cases/{number}/accept"]["post"]["responses"]
    assert {409, 429} <= set(accept) and accept[409]["description"].startswith("对象已被他人更新")
    assert 429 in schema["paths"]["/api/v1/cases"]["post"]["responses"]


def test_the_schema_refuses_what_the_server_refuses() -> None:
    """Dates counted on the working-day calendar carry its years; required text is not empty."""
    schema = api.get_openapi_schema()
    add = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/calendar/add"]["get"]["parameters"]}
    pattern = re.compile(add["start"]["pattern"])
    assert pattern.match("1990-01-01") and pattern.match("2100-12-31")
    assert not pattern.match("1989-12-31") and not pattern.match("2195-11-12")
    client = Client()
    refused = client.get("/api/v1/calendar/add", {"start": "2195-11-12", "days": 1})
    assert refused.status_code == 422
    assert refused.json()["fields"]["start"] == ["起始日期超出日历范围（1990–2100 年）"]
    application = _body("/api/v1/cases")
    assert application["name"]["minLength"] == application["phone"]["minLength"] == 1
    empty = client.post(
        "/api/v1/cases",
        {"item": "X", "name": "", "phone": "13812345678"},
        content_type="application/json",
    )
    assert empty.status_code == 422 and "name" in empty.json()["fields"]


def test_a_wrong_method_or_an_unknown_path_answers_json() -> None:
    wrong = Client().post("/api/v1/calendar/add", "{}", content_type="application/json")
    assert wrong.status_code == 405 and wrong["Allow"] == "GET"
    assert wrong.json()["message"] == "该接口不支持 POST 方法（可用：GET）"
    unknown = Client().get("/api/v1/publications/a%0Ab/nothing")
    assert unknown.status_code == 404 and unknown.json() == {"message": "没有该接口", "fields": {}}


PUBLIC_OPERATIONS = {
    ("get", "/api/v1/calendar/add"),
    ("get", "/api/v1/calendar/between"),
    ("get", "/api/v1/identity/check"),
    ("get", "/api/v1/items"),
    ("get", "/api/v1/items/{code}"),
    ("get", "/api/v1/items/{code}/versions"),
    ("post", "/api/v1/cases"),
    ("get", "/api/v1/cases/{number}"),
    ("get", "/api/v1/publications"),
    ("get", "/api/v1/publications/{index_number}"),
    ("post", "/api/v1/disclosure-requests"),
    ("get", "/api/v1/disclosure-requests/{number}"),
    ("get", "/api/v1/disclosure-requests/{number}/letter.{fmt}"),
    ("get", "/api/v1/reports/annual/{org}/{year}"),
    ("get", "/api/v1/certificates/{identifier}"),
    ("post", "/api/v1/certificates/verify"),
}


def test_every_api_operation_is_public_on_purpose_or_refuses_an_anonymous_caller() -> None:
    """GB/T 22239-2019 8.1.4.2 a: an operation without OpenAPI security is on this list; every other one
    refuses a caller with neither a session nor a key."""
    operations = [
        (method, path, operation)
        for path, methods in api.get_openapi_schema()["paths"].items()
        for method, operation in methods.items()
    ]
    assert {(m, p) for m, p, o in operations if not o.get("security")} == PUBLIC_OPERATIONS
    for method, path, operation in operations:
        if operation.get("security"):
            url = re.sub(r"\{[^}]+\}", "1", path)
            answer = Client().generic(method.upper(), url, "{}", content_type="application/json")
            assert answer.status_code in (401, 403), (method, path, answer.status_code)


# --- the document against the server ------------------------------------------------------------------

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def machine_key(cast) -> str:
    security = make_staff("security", "吴安全", cast.centre, (Role.SECURITY_ADMIN, cast.government))
    _, plain = services.issue_api_key(
        name="省一体化政务服务平台",
        staff=cast.clerk,
        organisations=[cast.government],
        scopes=list(ApiScope.values),
        per_minute=6000,
        expires_at=timezone.now() + timedelta(days=1),
        by=security,
    )
    return plain


@pytest.fixture
def connection_kept() -> Iterator[None]:
    """schemathesis calls the WSGI application itself, whose start and end of a request close a database
    connection found inside a transaction — the test's own, on PostgreSQL; Django's test client keeps it the
    same way."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_server_answers_as_its_openapi_document_says(
    case: Any, machine_key: str, connection_kept: None
) -> None:
    case.call_and_validate(
        headers={"X-API-Key": machine_key},
        checks=[
            st_checks.not_a_server_error,
            openapi_checks.status_code_conformance,
            openapi_checks.content_type_conformance,
            openapi_checks.response_schema_conformance,
        ],
    )
