"""Every API step applies exactly the rules of the console step: for each actor and object, the API lets the step
through iff the page offers it (both run the same `can_<verb>` check; see certbody.core.permissions).

The pairs are derived from the declared page Actions (applications, certification, certificates, people, the public
website's staff pages) and the API operations of applications, certification, certificates, people, assignments and
the portal: a new Action or a new POST operation fails `test_every_step_is_paired` until it is paired here (or
named, with the reason, as having no counterpart). Steps whose pages are plain forms rather than Actions (people's
lists, the portal) are paired with their check in CHECKED: the page offers the form when the check passes. The world
and the API calls are the permission matrix's.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from certbody.applications import views as application_pages
from certbody.certificates import views as certificate_pages
from certbody.certification import views as evaluation_pages
from certbody.core.tests.matrix_world import ACTORS
from certbody.core.tests.test_permission_matrix import API, API_PREFIX, api_path, rolled_back, world  # noqa: F401
from certbody.people import permissions as people_perms
from certbody.people import views as people_pages
from certbody.portal import permissions as portal_perms
from certbody.publicsite import views as site_pages

PAGES = {
    "application": application_pages.ACTIONS,
    "test_order": evaluation_pages.TEST_ORDER_ACTIONS,
    "inspection": evaluation_pages.INSPECTION_ACTIONS,
    "surveillance": evaluation_pages.SURVEILLANCE_ACTIONS,
    "certificate": certificate_pages.ACTIONS,
    "person": people_pages._person_actions(),
    "document": site_pages.DOCUMENT_ACTIONS,
    "complaint": site_pages.COMPLAINT_ACTIONS,
}
STEP_PREFIXES = ("/applications", "/test-orders", "/inspections", "/surveillances", "/certificates")
CHECKED_PREFIXES = ("/people", "/assignments", "/portal")

# API operation -> (the step's check, the world object it is asked about; None for a step on no object). The page is
# a plain form shown when the same check passes (people's overrides and declaration pages, the portal's thread).
CHECKED: dict[str, tuple[Callable[[Any, Any], Any], str | None]] = {
    "POST /people/declarations": (people_perms.can_sign_declaration, None),
    "POST /assignments/overrides": (people_perms.can_request_override, None),
    "POST /assignments/overrides/{override_id}/decide": (people_perms.can_decide_override, "override"),
    "POST /portal/applications/{application_id}/messages": (portal_perms.can_post_message, "p_app"),
}

# API operation (as the matrix names it) -> (page, Action name, the world object the page shows it on).
PAIRS: dict[str, tuple[str, str, str]] = {
    "POST /applications/{application_id}/units": ("application", "unit_add", "app_draft"),
    "POST /applications/{application_id}/units/{unit_id}/remove": ("application", "unit_remove", "app_draft"),
    "POST /applications/{application_id}/submit": ("application", "submit", "app_draft"),
    "POST /applications/{application_id}/return": ("application", "return", "app_submitted"),
    "POST /applications/{application_id}/reject": ("application", "reject", "app_submitted"),
    "POST /applications/{application_id}/accept": ("application", "accept", "app_submitted"),
    "POST /applications/{application_id}/withdraw": ("application", "withdraw", "app_submitted"),
    "POST /applications/{application_id}/start-evaluation": ("application", "start_evaluation", "app_accepted"),
    "POST /applications/{application_id}/start-evaluation @self": ("application", "start_evaluation", "app_accepted"),
    "POST /applications/{application_id}/complete-evaluation": ("application", "complete_evaluation", "app_eval"),
    "POST /applications/{application_id}/assign-reviewer": ("application", "assign_reviewer", "app_eval"),
    "POST /applications/{application_id}/review": ("application", "review", "app_review"),
    "POST /applications/{application_id}/reopen": ("application", "reopen_evaluation", "app_review"),
    "POST /applications/{application_id}/reopen @decision": ("application", "reopen_evaluation", "app_decision"),
    "POST /applications/{application_id}/decide": ("application", "decide", "app_decision"),
    "POST /test-orders": ("application", "test_order", "app_eval"),
    "POST /test-orders/{order_id}/send-sample": ("test_order", "send_sample", "order_sent"),
    "POST /test-orders/{order_id}/receive-sample": ("test_order", "receive_sample", "order_sent"),
    "POST /test-orders/{order_id}/report": ("test_order", "report", "order_sent"),
    "POST /test-orders/{order_id}/receive-sample-for-lab": ("test_order", "receive_sample_for_lab", "order_sent"),
    "POST /test-orders/{order_id}/report-for-lab": ("test_order", "report_for_lab", "order_sent"),
    "POST /test-orders/{order_id}/cancel": ("test_order", "cancel", "order_sent"),
    "POST /inspections": ("application", "plan_inspection", "app_eval"),
    "POST /inspections/{inspection_id}/findings": ("inspection", "finding_add", "insp_a"),
    "POST /inspections/{inspection_id}/findings/{finding_id}/close": ("inspection", "finding_close", "insp_a"),
    "POST /inspections/{inspection_id}/complete": ("inspection", "complete", "insp_a"),
    "POST /inspections/{inspection_id}/cancel": ("inspection", "cancel", "insp_a"),
    "POST /surveillances/{surveillance_id}/start": ("surveillance", "start", "surv_planned"),
    "POST /surveillances/{surveillance_id}/complete": ("surveillance", "decide", "surv"),
    "POST /certificates/{number}/nonconformities": ("certificate", "nonconformity_confirm", "cert"),
    "POST /certificates/{number}/nonconformities/{case_id}/resolve": ("certificate", "resolve_case", "cert"),
    "POST /certificates/{number}/suspend": ("certificate", "suspend", "cert"),
    "POST /certificates/{number}/restore": ("certificate", "restore", "cert2"),
    "POST /certificates/{number}/withdraw": ("certificate", "withdraw", "cert"),
    "POST /certificates/{number}/cancel": ("certificate", "cancel", "cert"),
}
# Variants of a matrix operation with another body: the engineer who is not assigned names himself (a takeover).
VARIANTS = {
    "POST /applications/{application_id}/start-evaluation @self": (
        "POST /applications/{application_id}/start-evaluation",
        lambda w, user: {"engineer": user.username},
    ),
}
# Steps on one side only, and why.
API_ONLY = {
    "POST /applications": "creating an application is a page of its own, not a step on a detail page",
    "POST /portal/applications/{application_id}/documents": "a dossier upload: the applications' dossier rules "
    "(require_member, require_editable), the same on the portal's dossier page",
    "POST /applications/{application_id}/paper-documents": "paper received for an application made by API; "
    "no page action yet (to add on the application page: the same service, dossier.paper_documents_record)",
}
PAGE_ONLY = {
    ("application", "manufacturer_add"): "the clients app's step (its API is the clients')",
    ("application", "site_add"): "the clients app's step (its API is the clients')",
    ("certificate", "new_application"): "POST /applications with the certificate (application_create's check)",
    ("surveillance", "plan_inspection"): "POST /inspections: the same check (can_plan_inspection) as on applications",
    ("surveillance", "test_order"): "POST /test-orders: the same check (can_order_test) as on applications",
    **{
        ("person", name): "personnel records are kept on the console's person page; the API only reads them"
        for name in (
            "authorisation_grant",
            "authorisation_change",
            "registration_add",
            "training_record",
            "evaluation_record",
            "conflict_record",
        )
    },
    **{
        ("document", name): "the website's library is kept on its staff pages only"
        for name in ("publish", "withdraw", "restore")
    },
    **{
        ("complaint", name): "complaints received online are handled on the staff pages only"
        for name in ("forward", "close")
    },
}


# The codes of a refused step (the check's refusals); any other 409/422 is about the request's content.
REFUSALS = {"forbidden", "not_independent", "assignment_refused", "illegal_transition"}


def test_every_step_is_paired():
    prefixes = STEP_PREFIXES + CHECKED_PREFIXES
    operations = {
        key.split(" @")[0] for key in API if key.startswith("POST ") and key.split(" ", 1)[1].startswith(prefixes)
    }
    paired = {key.split(" @")[0] for key in PAIRS} | set(CHECKED)
    assert operations - paired == set(API_ONLY), f"API steps with no page pair: {sorted(operations - paired)}"
    actions = {(page, action.name) for page, actions in PAGES.items() for action in actions}
    on_pages = {(page, name) for page, name, _obj in PAIRS.values()}
    assert actions - on_pages == set(PAGE_ONLY), f"page steps with no API pair: {sorted(actions - on_pages)}"


def _call(w, actor: str, key: str):
    base, body = VARIANTS.get(key, (key, None))
    spec = API[base]
    _method, template = base.split(" @")[0].split(" ", 1)
    path = api_path(w, template, spec.on)
    headers = {"Authorization": f"Bearer {w.tokens[actor]}"}
    data = body(w, w.users[actor]) if body else (spec.body(w) if spec.body else {})
    if spec.multipart:
        return Client().post(path, data, headers=headers)
    return Client().post(path, json.dumps(data), content_type="application/json", headers=headers)


@pytest.mark.django_db
@pytest.mark.parametrize("key", sorted(PAIRS))
def test_the_api_lets_a_step_through_iff_the_page_offers_it(world, key):  # noqa: F811
    page, name, obj_key = PAIRS[key]
    action = next(a for a in PAGES[page] if a.name == name)
    mismatches = []
    for actor in ACTORS:
        if actor not in world.tokens:
            continue
        with rolled_back():
            user = type(world.users[actor]).objects.get(pk=world.users[actor].pk)
            obj = world.objects[obj_key]
            obj = type(obj).objects.get(pk=obj.pk)
            shown = action.refusal(user, obj) is None
            response = _call(world, actor, key)
            code = response.json().get("code", "") if response.status_code >= 400 else ""
            # Through the step's gate: done, or refused only for what the body says (an incomplete evaluation...).
            through = response.status_code < 300 or (response.status_code in (409, 422) and code not in REFUSALS)
            # A case the actor may not see, named in the body, is refused as unknown (422): the matrix's policy.
            base = VARIANTS.get(key, (key,))[0]
            through = through and response.status_code != API[base].exact.get(actor)
        if shown != through:
            mismatches.append(f"{actor}: page {'offers' if shown else 'hides'} it, API {response.status_code} {code}")
    assert not mismatches, f"{key} / {page}:{name}\n  " + "\n  ".join(mismatches)


@pytest.mark.django_db
@pytest.mark.parametrize("key", sorted(CHECKED))
def test_the_api_lets_a_step_through_iff_its_check_allows_it(world, key):  # noqa: F811
    check, obj_key = CHECKED[key]
    mismatches = []
    for actor in ACTORS:
        if actor not in world.tokens:
            continue
        with rolled_back():
            user = type(world.users[actor]).objects.get(pk=world.users[actor].pk)
            obj = world.objects[obj_key] if obj_key else None
            if obj is not None:
                obj = type(obj).objects.get(pk=obj.pk)
            shown = check(user, obj) is None
            response = _call(world, actor, key)
            code = response.json().get("code", "") if response.status_code >= 400 else ""
            through = response.status_code < 300 or (response.status_code in (409, 422) and code not in REFUSALS)
            through = through and response.status_code != API[key].exact.get(actor)
        if shown != through:
            mismatches.append(
                f"{actor}: the check {'allows' if shown else 'refuses'}, API {response.status_code} {code}"
            )
    assert not mismatches, f"{key}\n  " + "\n  ".join(mismatches)
