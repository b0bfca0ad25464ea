"""Clients get the public view of their records everywhere: the API answers a client's user with each schema's
`CLIENT_FIELDS` only (per field: absent for the client, present for staff), and a console detail page of the client's
own record sends the client to the portal's view, which has no internal event.

The world is the permission matrix's (its client, its staff, its records with reviews, decisions, test orders,
inspections with findings, a surveillance, a nonconformity case and a two-person override with an internal reason).
"""

from __future__ import annotations

import types
import typing

import pytest
from django.test import Client
from django.urls import reverse

from certbody.api.common import ClientView
from certbody.applications.api import ApplicationDetailOut, ApplicationOut
from certbody.certificates.api import CertificateDetailOut, CertificateOut
from certbody.certification.api.schemas import (
    EvaluationOut,
    InspectionDetailOut,
    InspectionOut,
    LabOut,
    SurveillanceDetailOut,
    SurveillanceOut,
    TestOrderDetailOut,
    TestOrderOut,
)
from certbody.core.tests.test_permission_matrix import API_PREFIX, world  # noqa: F401

STAFF = "quality"  # sees every record of the world

# Every API read a client can call: path (from the world), response schema, how to pick the record in a list.
CLIENT_READS: dict[str, tuple[typing.Callable, type[ClientView], typing.Callable | None]] = {
    "GET /applications": (lambda w: "/applications", ApplicationOut, lambda w, i: i["id"] == w.app_granted.pk),
    "GET /applications/{application_id}": (lambda w: f"/applications/{w.app_granted.pk}", ApplicationDetailOut, None),
    "GET /applications/{application_id}/evaluation": (
        lambda w: f"/applications/{w.app_granted.pk}/evaluation",
        EvaluationOut,
        None,
    ),
    "GET /test-orders": (lambda w: "/test-orders", TestOrderOut, lambda w, i: i["id"] == w.order_done.pk),
    "GET /test-orders/{order_id}": (lambda w: f"/test-orders/{w.order_done.pk}", TestOrderDetailOut, None),
    "GET /inspections": (lambda w: "/inspections", InspectionOut, lambda w, i: i["id"] == w.insp_a.pk),
    "GET /inspections/{inspection_id}": (lambda w: f"/inspections/{w.insp_a.pk}", InspectionDetailOut, None),
    "GET /surveillances": (lambda w: "/surveillances", SurveillanceOut, lambda w, i: i["id"] == w.surv.pk),
    "GET /surveillances/{surveillance_id}": (lambda w: f"/surveillances/{w.surv.pk}", SurveillanceDetailOut, None),
    "GET /certificates": (lambda w: "/certificates", CertificateOut, lambda w, i: i["number"] == w.cert.number),
    "GET /certificates/{number}": (lambda w: f"/certificates/{w.cert.number}", CertificateDetailOut, None),
    "GET /labs": (lambda w: "/labs", LabOut, lambda w, i: True),
}
# The other reads, and why they need no client view.
OTHER_READS = {
    "GET /me": "the caller's own account",
    "GET /me/tasks": "the caller's own work queue",
    "GET /catalogue/categories": "the public catalogue",
    "GET /catalogue/schemes": "the public catalogue",
    "GET /catalogue/schemes/{code}": "the public catalogue",
    "GET /public/certificates": "the public registry",
    "GET /public/certificates/{number}": "the public registry",
    "GET /portal/applications/{application_id}/documents": "the portal: the client's own files",
    "GET /portal/applications/{application_id}/messages": "the portal: the client's conversation with the body",
    "GET /portal/documents/{document_id}/file": "the portal: the client's own file",
    "GET /portal/attachments/{attachment_id}/file": "the portal: the client's own attachment",
    "GET /test-orders/{order_id}/report-file": "the lab's report PDF on the client's own sample",
    "GET /people": "staff only (clients are refused)",
    "GET /people/alerts": "staff only (clients are refused)",
    "GET /people/headcount": "staff only (clients are refused)",
    "GET /people/{person_id}": "staff only (clients are refused)",
    "GET /people/{person_id}/qualification": "staff only (clients are refused)",
    "GET /people/overrides": "staff only (clients are refused)",
    "GET /assignments/check": "staff only (the people rule engine; clients are refused)",
    "GET /assignments/suggestions": "staff only (the people rule engine; clients are refused)",
    "GET /portal/notifications": "the caller's own notifications",
}


def _get(w, actor: str, path: str):
    response = Client().get(API_PREFIX + path, headers={"Authorization": f"Bearer {w.tokens[actor]}"})
    assert response.status_code == 200, (actor, path, response.status_code, response.content[:300])
    return response.json()


def _record(w, read: str, actor: str) -> dict:
    path, _schema, pick = CLIENT_READS[read]
    body = _get(w, actor, path(w))
    if pick is None:
        return body
    found = [item for item in body["items"] if pick(w, item)]
    assert found, f"{read} as {actor}: the world's record is not listed"
    return found[0]


def _nested(annotation) -> type[ClientView] | None:
    """The ClientView schema inside `X`, `X | None` or `list[X]`."""
    if isinstance(annotation, type) and issubclass(annotation, ClientView):
        return annotation
    if typing.get_origin(annotation) in (list, typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _nested(arg)
            if found is not None:
                return found
    return None


def _compare(schema: type[ClientView], field: str, staff: dict, client: dict, where: str) -> list[str]:
    """The field is in the staff's answer; in the client's iff the schema allows it; nested schemas likewise."""
    problems = []
    if field not in staff:
        problems.append(f"{where}.{field}: missing for staff")
    allowed = field in schema.CLIENT_FIELDS
    if (field in client) != allowed:
        problems.append(f"{where}.{field}: {'absent' if allowed else 'present'} for the client")
    inner = _nested(schema.model_fields[field].annotation)
    if inner is not None and allowed and field in staff and field in client:
        s_value, c_value = staff[field], client[field]
        if isinstance(s_value, list):
            assert len(s_value) == len(c_value), f"{where}.{field}: the client gets other rows"
        pairs = list(zip(s_value, c_value, strict=True)) if isinstance(s_value, list) else [(s_value, c_value)]
        for s_item, c_item in pairs:
            if s_item is None or c_item is None:
                continue
            for name in inner.model_fields:
                problems += _compare(inner, name, s_item, c_item, f"{where}.{field}")
    return problems


def _cases():
    for read, (_path, schema, _pick) in CLIENT_READS.items():
        for field in schema.model_fields:
            yield pytest.param(read, field, id=f"{read} {field}")


@pytest.mark.django_db
@pytest.mark.parametrize("read, field", list(_cases()))
def test_a_client_reads_only_the_allowed_fields(world, read, field):  # noqa: F811
    schema = CLIENT_READS[read][1]
    staff, client = _record(world, read, STAFF), _record(world, read, "client")
    problems = _compare(schema, field, staff, client, read)
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_the_client_view_holds_no_internal_person_or_reason(world):  # noqa: F811
    """What the issue names: no reviewer identity, no review comment, no internal reason, no staff account."""
    evaluation = _record(world, "GET /applications/{application_id}/evaluation", "client")
    assert "reviews" not in evaluation and "decider" not in (evaluation["decision"] or {})
    detail = _record(world, "GET /applications/{application_id}", "client")
    assert "reviewer" not in detail and "engineer" not in detail
    assert all("actor" not in row for row in detail["history"])
    staff_names = {world.users[a].username for a in ("engineer", "reviewer", "decider", "market", "inspector")}
    for read in CLIENT_READS:
        text = str(_record(world, read, "client"))
        assert not {name for name in staff_names if f"'{name}'" in text}, read


def test_every_api_read_is_classified():
    """A new read operation must say what a client sees of it (CLIENT_READS) or why it needs no client view."""
    from certbody.api.api import api

    paths = api.get_openapi_schema()["paths"]
    reads = {
        f"GET {path.removeprefix(API_PREFIX)}"
        for path, methods in paths.items()
        for method in methods
        if method == "get"
    }
    assert reads - set(CLIENT_READS) - set(OTHER_READS) == set()


def test_every_client_schema_names_only_its_own_fields():
    for _path, schema, _pick in CLIENT_READS.values():
        stack = [schema]
        while stack:
            current = stack.pop()
            assert not current.CLIENT_FIELDS - set(current.model_fields), current
            stack += [s for f in current.model_fields.values() if (s := _nested(f.annotation)) is not None]


# --- console pages ------------------------------------------------------------------------------------------------

# Words of internal records that must never reach a client's page.
INTERNAL = ("override", "testorder.", "inspection.", "review.", "assignment", "唯一具备该型号测试条件的实验室")

CONSOLE_DETAILS = {
    "application in evaluation": (
        lambda w: reverse("applications:detail", args=[w.app_eval.pk]),
        lambda w: reverse("portal:application", args=[w.app_eval.pk]),
    ),
    "granted application": (
        lambda w: reverse("applications:detail", args=[w.app_granted.pk]),
        lambda w: reverse("portal:application", args=[w.app_granted.pk]),
    ),
    "test order": (
        lambda w: reverse("certification:test_order_detail", args=[w.order_sent.pk]),
        lambda w: reverse("portal:application", args=[w.order_sent.application_id]),
    ),
    "inspection": (
        lambda w: reverse("certification:inspection_detail", args=[w.insp_a.pk]),
        lambda w: reverse("portal:application", args=[w.insp_a.application_id]),
    ),
    "surveillance": (
        lambda w: reverse("certification:surveillance_detail", args=[w.surv.pk]),
        lambda w: reverse("portal:certificates"),
    ),
    # The portal has no certificate page: the console's is client-safe (no audit trail, no staff, no internal reason).
    "certificate": (lambda w: reverse("certificates:detail", args=[w.cert.pk]), None),
    "certificate version": (lambda w: reverse("certificates:version", args=[w.cert.pk, 1]), None),
}


@pytest.mark.django_db
@pytest.mark.parametrize("record", list(CONSOLE_DETAILS))
def test_a_client_on_a_console_detail_page_gets_the_portals_view(world, record):  # noqa: F811
    console, portal = CONSOLE_DETAILS[record]
    browser = Client()
    browser.force_login(world.users["client"])
    response = browser.get(console(world))
    if portal is None:
        assert response.status_code == 200
        page = response.content.decode()
        assert 'class="timeline"' not in page
    else:
        assert response.status_code == 302 and response["Location"] == portal(world)
        page = browser.get(portal(world)).content.decode()
    assert not [word for word in INTERNAL if word in page]
    for actor in ("reviewer", "decider"):  # the reviewer and the decider stay anonymous (7.5, 7.6)
        user = world.users[actor]
        assert str(user) not in page and user.username not in page


@pytest.mark.django_db
def test_staff_still_get_the_console_page(world):  # noqa: F811
    browser = Client()
    browser.force_login(world.users["engineer"])
    response = browser.get(reverse("applications:detail", args=[world.app_eval.pk]))
    assert response.status_code == 200 and "testorder.create" in response.content.decode()
