"""A schema walker in the spirit of schemathesis: every endpoint of openapi.json, fed malformed input,
answers in the error shape and never with a 500 — on SQLite and on PostgreSQL (NUL, overflow, length)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from certbody.accounts.services import api_token_create, user_create
from certbody.certificates.services import nonconformity_confirm
from certbody.certification import services as svc
from certbody.core.roles import Role
from certbody.demo import scenarios as sc

from .conftest import BASE

RAW_BODIES = ["", "{", "null", "[]", '"text"', "123", "true", '{"a": ', "\x00", '{"__proto__": {}}']
BAD_VALUES: list[Any] = [
    None,
    10**30,
    -(10**30),
    -1,
    0,
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "x" * 20_000,
    [],
    ["\x00"],
    [10**30],
    ["inspector2", "inspector2", "inspector2"],
    {},
    True,
    1.5,
    "2026-02-30",
    "9999-12-31",
    "0001-01-01",
    "NaN",
    "1e400",
]
BAD_PATH_VALUES = ["0", "-1", str(2**64), "1e3", "%00", "x" * 300, "%F0%9F%98%80", "%ED%A0%80"]
BAD_QUERY_VALUES = ["-1", "0", str(2**64), "x" * 300, "%00", "2026-13-45", "true", "%ED%A0%80"]


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].split("/")[-1]]
    if "anyOf" in node:
        options = [o for o in node["anyOf"] if o.get("type") != "null"]
        return _resolve(schema, options[0]) if options else node
    return node


def _plausible(schema: dict, name: str, node: dict, ids: dict[str, Any]) -> Any:
    node = _resolve(schema, node)
    if name in ids:
        return ids[name]
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "integer":
        return 1
    if kind == "number":
        return "1.00"
    if kind == "boolean":
        return True
    if kind == "array":
        return ["inspector"]
    if node.get("format") == "date":
        return timezone.localdate().isoformat()
    return "x"


def _bodies(schema: dict, body_schema: dict, ids: dict[str, Any]):
    node = _resolve(schema, body_schema)
    properties = node.get("properties", {})
    base = {name: _plausible(schema, name, prop, ids) for name, prop in properties.items()}
    yield json.dumps({})
    yield json.dumps(base)
    for name in properties:
        for bad in BAD_VALUES:
            yield json.dumps({**base, name: bad})
    yield json.dumps({**base, "unexpected": "field"})


def _check(response, where: str) -> None:
    assert response.status_code < 500, (where, response.status_code, response.content[:500])
    if response.status_code >= 400 and response.status_code != 405:
        body = response.json()
        assert set(body) == {"code", "message", "details"}, (where, body)
        assert isinstance(body["message"], str) and body["message"], (where, body)


@pytest.fixture
def world(cast, hardware_scheme):
    """Objects of every kind, for the path parameters, and one person who holds every role."""
    today = timezone.localdate()
    certificate = sc.certified(cast, hardware_scheme)
    surveillance = certificate.surveillances.get()
    svc.surveillance_start(actor=cast.engineer, surveillance=surveillance)
    inspection = svc.inspection_plan(actor=cast.engineer, case=surveillance, planned_on=today, leader=cast.inspector)
    finding = svc.finding_add(actor=cast.inspector, inspection=inspection, severity="minor", description="x")
    application = sc.accepted(cast, sc.submitted_application(cast, hardware_scheme, title="in evaluation"))
    svc.evaluation_start(actor=cast.engineer, application=application)
    order = svc.test_order_create(actor=cast.engineer, case=application, lab=cast.lab)
    case = nonconformity_confirm(
        actor=cast.quality, certificate=certificate, source="other", description="x", confirmed_on=today
    )
    everyone = user_create(
        username="everyone",
        password=None,
        roles=[r for r in Role.values if r != Role.CLIENT],
        actor=None,
        lab=cast.lab,
    )
    _, key = api_token_create(user=everyone, name="fuzz", actor=None)
    ids = {
        "application_id": application.pk,
        "unit_id": application.units.first().pk,
        "order_id": order.pk,
        "inspection_id": inspection.pk,
        "finding_id": finding.pk,
        "surveillance_id": surveillance.pk,
        "case_id": case.pk,
        "number": certificate.number,
        "code": hardware_scheme.code,
        "lab_id": cast.lab.pk,
        "site_id": cast.site.pk,
        "manufacturer_id": cast.manufacturer.pk,
        "production_site_id": cast.site.pk,
        "organisation_id": cast.organisation.pk,
        "leader": "inspector",
        "engineer": "engineer",
        "reviewer": "reviewer",
        "certificate": certificate.number,
        "scheme": hardware_scheme.code,
    }
    return {"key": key, "ids": ids}


def _operations(schema: dict):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


def _fill(path: str, ids: dict[str, Any], override: dict[str, str] | None = None) -> str:
    for name, value in ids.items():
        path = path.replace("{" + name + "}", str((override or {}).get(name, value)))
    return path


@pytest.mark.django_db
def test_every_post_endpoint_survives_malformed_bodies(world):
    client = Client()
    headers = {"Authorization": f"Bearer {world['key']}"}
    schema = client.get(f"{BASE}/openapi.json").json()
    ids = world["ids"]
    posts = 0
    for path, method, operation in _operations(schema):
        if method != "post":
            continue
        posts += 1
        url = _fill(path, ids)
        content = operation.get("requestBody", {}).get("content", {})
        if "multipart/form-data" in content:
            form = content["multipart/form-data"]["schema"]
            for name in _resolve(schema, form).get("properties", {}):
                for bad in ("", "\x00", "x" * 20_000, "2026-02-30", str(10**30)):
                    data = {"report_number": "R", "issued_on": timezone.localdate().isoformat(), "result": "pass"}
                    data[name] = bad
                    data["file"] = SimpleUploadedFile("r.pdf", b"not a pdf", content_type="application/pdf")
                    _check(client.post(url, data, headers=headers), f"{path} form {name}={bad!r:.40}")
            _check(client.post(url, {}, headers=headers), f"{path} empty form")
            continue
        for raw in RAW_BODIES:
            _check(client.post(url, raw, content_type="application/json", headers=headers), f"{path} raw {raw!r}")
        if "application/json" in content:
            for body in _bodies(schema, content["application/json"]["schema"], ids):
                _check(client.post(url, body, content_type="application/json", headers=headers), f"{path} {body:.80}")
    assert posts >= 30


@pytest.mark.django_db
def test_every_endpoint_survives_bad_path_and_query_values(world):
    client = Client()
    headers = {"Authorization": f"Bearer {world['key']}"}
    schema = client.get(f"{BASE}/openapi.json").json()
    ids = world["ids"]
    for path, method, operation in _operations(schema):
        call = client.get if method == "get" else client.post
        parameters = operation.get("parameters", [])
        for parameter in (p for p in parameters if p["in"] == "path"):
            for bad in BAD_PATH_VALUES:
                url = _fill(path, ids, {parameter["name"]: bad})
                _check(call(url, headers=headers), f"{method} {url[:120]}")
        if method == "get":
            for parameter in (p for p in parameters if p["in"] == "query"):
                for bad in BAD_QUERY_VALUES:
                    url = f"{_fill(path, ids)}?{parameter['name']}={bad}"
                    _check(client.get(url, headers=headers), f"get {url[:120]}")
            _check(client.get(_fill(path, ids), headers=headers), f"get {path}")
