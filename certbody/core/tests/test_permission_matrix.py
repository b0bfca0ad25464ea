"""The permission matrix: every role against every page and every API operation.

Security rule: a client sees only its own organisation's data; a role sees only its work and acts only on it.
The tables below are the policy (DOMAIN.md, "Who uses it"):
- clients act on their own organisation's applications only; market accepts, returns and rejects;
- the assigned engineer runs the evaluation; labs act only on their own lab's test orders;
- only members of the inspection team record findings (the leader completes the inspection);
- the assigned reviewer reviews, a decider decides, neither if involved in the evaluation (ISO/IEC 17065 7.5, 7.6);
- decision makers and quality suspend, restore and withdraw certificates; market, deciders and quality cancel them;
- regulators (and HR, and every other CB role) read the certificate register; HR has no lifecycle access at all.

A new page or endpoint fails the test until it has a row here. The world is built once for the module with the real
services (matrix_world.py); every request runs in a savepoint that is rolled back, so no cell sees another's effects.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from certbody.accounts.models import User
from certbody.applications.checklist import for_application
from certbody.applications.models import Application
from certbody.certificates.models import Certificate
from certbody.certification import models as evaluation
from certbody.core.models import AuditEvent
from certbody.core.tests.matrix_steps import actions_run, forms_on, handles_post, posted_names, step_key, url_views
from certbody.core.tests.matrix_world import ACTORS, World, build_world
from certbody.core.tests.pages import form_errors
from certbody.demo.scenarios import MINIMAL_PDF
from certbody.people.tests.matrix import people_steps
from certbody.portal.models import Invitation, Notification, OrganisationRejection
from certbody.portal.tests.helpers import RewindingUpload
from certbody.publicsite.tests.matrix import site_objects, site_steps

SIGNED_IN = frozenset(ACTORS) - {"anonymous"}
# They run or oversee the process: they see every case (acting on one is another matter).
OVERSIGHT = frozenset(
    {
        "market",
        "engineer",
        "other_engineer",
        "reviewer",
        "reviewer2",
        "decider",
        "decider_involved",
        "quality",
        "management",
        "admin",
    }
)
# The certificate register: every CB role and the regulators; not the labs.
REGISTER = SIGNED_IN - {"client", "other_client", "lab", "other_lab"}
STATUS_DECIDERS = frozenset({"decider", "decider_involved", "quality"})


def today():
    return timezone.localdate()


# === who sees which object ===========================================================================================
# The named objects of the world (matrix_world.py) by kind. "o_" objects belong to the other organisation.

APPS = frozenset(
    {
        "app_draft",
        "app_submitted",
        "app_accepted",
        "app_eval",
        "app_review",
        "app_decision",
        "app_granted",
        "app_granted2",
        "o_app_eval",
        "o_app_granted",
    }
)
ORDERS = frozenset({"order_sent", "order_done", "o_order", "o_order_done"})
INSPECTIONS = frozenset({"insp_a", "insp_done", "insp_follow", "o_insp"})
SURVEILLANCES = frozenset({"surv", "surv_planned", "o_surv"})
CERTIFICATES = frozenset({"cert", "cert2", "o_cert"})
LISTED = APPS | ORDERS | INSPECTIONS | SURVEILLANCES | CERTIFICATES
OTHER_ORG = frozenset(k for k in LISTED if k.startswith("o_"))
OWN_ORG = LISTED - OTHER_ORG
CASEWORK = APPS | ORDERS | INSPECTIONS | SURVEILLANCES
# The inspector leads insp_a (app_eval), the inspections of app_decision and app_granted, and insp_follow (surv).
INSPECTOR_WORK = frozenset({"app_eval", "app_decision", "app_granted", "insp_a", "insp_done", "insp_follow", "surv"})

# Objects an actor must never find in a list nor as a link on any page; everything else of LISTED it must find in
# the lists. Actors not named here see everything.
HIDDEN: dict[str, frozenset[str]] = {
    "client": OTHER_ORG,
    "other_client": OWN_ORG,
    "lab": LISTED - {"order_sent", "order_done"},
    "other_lab": LISTED - {"o_order", "o_order_done"},
    "inspector": CASEWORK - INSPECTOR_WORK,
    "inspector2": CASEWORK,
    "hr": CASEWORK,
    "regulator": CASEWORK,
}

DETAIL_PAGES = {
    Application: "applications:detail",
    Certificate: "certificates:detail",
    evaluation.TestOrder: "certification:test_order_detail",
    evaluation.Inspection: "certification:inspection_detail",
    evaluation.Surveillance: "certification:surveillance_detail",
}


def detail_links(w: World) -> dict[str, str]:
    """href of each listed object's page -> its key in the world."""
    return {reverse(DETAIL_PAGES[type(w.objects[k])], args=[w.objects[k].pk]): k for k in LISTED}


# === pages ============================================================================================================

OK = "200"
LOGIN = "302 to sign-in"
DENY = "403/404"
ONWARD = "302 onward"  # the sign-in page sends a signed-in user on to the dashboard
NO_GET = "405"


def row(allowed: frozenset[str] | set[str], *, anonymous: str = LOGIN, others: str = DENY, **cells: str):
    """One row of the table: `allowed` get the page, the others `others`, anonymous `anonymous`."""
    result = {a: OK if a in allowed else others for a in ACTORS}
    result["anonymous"] = anonymous
    result.update(cells)
    return result


EVERYONE = SIGNED_IN
PUBLIC_SITE_PAGES = ("home", "about", "services", "category", "library", "document", "download", "fees", "query")
PUBLIC_SITE_PAGES += ("labs", "complaint", "csr")


def _site_page(name: str) -> Callable[[World], str]:
    return lambda w: reverse(f"publicsite:{name}")


PAGES: dict[str, dict[str, str]] = {
    "accounts:login": row(set(), anonymous=OK, others=ONWARD),
    "accounts:logout": row(set(), anonymous=NO_GET, others=NO_GET),  # POST only
    "accounts:tokens": row(EVERYONE),  # one's own API tokens
    "accounts:two_factor": row(EVERYONE),  # one's own authenticator: enrol (no one in the world has a device yet)
    "accounts:verify": row(set(), others=ONWARD),  # the second sign-in step; without a device, on to enrolment
    "accounts:token_revoke": row(set(), others=NO_GET),  # POST only
    "applications:list": row(EVERYONE),  # filtered: see HIDDEN
    "applications:create": row({"client", "other_client", "market"}),
    "applications:organisation_search": row({"market"}),
    # A client gets the portal's view of its own record, never the console's staff view (302 to the portal).
    "applications:detail": row(OVERSIGHT | {"inspector"}, client=ONWARD),  # app_eval
    "certificates:list": row(EVERYONE),
    "certificates:detail": row(REGISTER | {"client"}),  # cert; the client's page is client-safe (no audit trail)
    "certificates:version": row(REGISTER | {"client"}),
    "documents:keys": row(EVERYONE, anonymous=OK),  # published public keys
    "documents:pdf": row(REGISTER | {"client"}),  # cert v1, signed PDF
    "certification:test_order_list": row(EVERYONE),
    "certification:test_order_detail": row(OVERSIGHT | {"lab"}, client=ONWARD),  # order_sent
    "certification:test_order_report": row(OVERSIGHT | {"client", "lab"}),  # order_done's report PDF
    "certification:inspection_list": row(EVERYONE),
    "certification:inspection_detail": row(OVERSIGHT | {"inspector"}, client=ONWARD),  # insp_a
    "certification:surveillance_list": row(EVERYONE),
    "certification:surveillance_detail": row(OVERSIGHT | {"inspector"}, client=ONWARD),  # surv
    "schemes:list": row(EVERYONE),
    "console:dashboard": row(EVERYONE),
    "console:audit": row({"quality", "management", "admin"}),
    "website:search": row(EVERYONE, anonymous=OK),  # the public registry
    "website:verify": row(EVERYONE, anonymous=OK),
    "website:check_document": row(EVERYONE, anonymous=OK),  # anyone may check a certificate PDF
    "regulator:imports": row({"quality", "management", "admin"}),
    "regulator:exports": row({"regulator", "quality", "management", "admin"}),
    # The public website: open to everyone; its staff pages by who keeps what (publicsite/permissions.py).
    **{f"publicsite:{n}": row(EVERYONE, anonymous=OK) for n in PUBLIC_SITE_PAGES},
    "publicsite:complaint_done": row(set(), anonymous=ONWARD, others=ONWARD),  # no complaint sent: to the form
    "publicsite:staff": row({"market", "quality", "management", "admin"}),
    "publicsite:staff_documents": row({"quality", "management", "admin"}),
    "publicsite:staff_document": row({"quality", "management", "admin"}),
    "publicsite:staff_fees": row({"market", "management", "admin"}),
    "publicsite:staff_complaints": row({"quality", "management", "admin"}),
    "publicsite:staff_complaint": row({"quality", "management", "admin"}),
    # The client portal: clients only, each on its own organisation's objects (p_app etc. are the own one's); the
    # application's files and messages also for the assigned staff (market for a draft); approvals for market/admin.
    "portal:home": row({"client", "other_client"}),
    "portal:register": row(set(), anonymous=OK, others=ONWARD),
    "portal:register_sent": row(EVERYONE, anonymous=OK),
    "portal:confirm": row(EVERYONE, anonymous=OK),  # shows a button; the POST confirms
    "portal:invitation": row(EVERYONE, anonymous=OK),  # whoever holds the link
    "portal:colleagues": row({"client", "other_client"}),
    "portal:notifications": row({"client", "other_client"}),
    "portal:certificates": row({"client", "other_client"}),
    "portal:apply": row({"client", "other_client"}),
    "portal:application": row({"client"}),
    "portal:units": row({"client"}),
    "portal:documents": row({"client"}),
    "portal:submit": row({"client"}),
    "portal:contract": row({"client"}),  # app_accepted's contract
    "portal:withdraw": row({"client"}),
    "portal:messages": row({"client", "market"}),
    "portal:changes": row({"client", "market"}),
    "portal:document": row({"client", "market"}),
    "portal:attachment": row({"client", "market"}),
    "portal:approvals": row({"market", "admin"}),
}

# People and impartiality: HR and quality manage, management reads; the assigning roles see suggestions and ask for
# overrides (quality and management decide them); whoever has a personnel record signs his own declaration.
PEOPLE_READERS = frozenset({"hr", "quality", "management"})
ASSIGNERS = frozenset({"engineer", "other_engineer", "market", "quality", "management"})
PERSONS = frozenset(
    {"market", "engineer", "other_engineer", "inspector", "inspector2", "reviewer", "reviewer2", "decider"}
    | {"decider_involved", "quality", "hr", "management"}
)
PAGES.update(
    {
        "people:list": row(PEOPLE_READERS),
        "people:detail": row(PEOPLE_READERS),
        "people:alerts": row(PEOPLE_READERS),
        "people:headcount": row(PEOPLE_READERS),
        "people:consultancy": row(PEOPLE_READERS),
        "people:committee": row(PEOPLE_READERS),
        "people:risks": row(PEOPLE_READERS),
        "people:suggestions": row(ASSIGNERS),
        "people:overrides": row(ASSIGNERS),
        "people:declaration": row(PERSONS),
    }
)

PAGE_URLS: dict[str, Callable[[World], str]] = {
    "people:list": lambda w: reverse("people:list"),
    "people:detail": lambda w: reverse("people:detail", args=[w.person.pk]),
    "people:alerts": lambda w: reverse("people:alerts"),
    "people:headcount": lambda w: reverse("people:headcount"),
    "people:consultancy": lambda w: reverse("people:consultancy"),
    "people:committee": lambda w: reverse("people:committee"),
    "people:risks": lambda w: reverse("people:risks"),
    "people:suggestions": lambda w: (
        reverse("people:suggestions") + f"?role=team_leader&application={w.app_eval.number}"
    ),
    "people:overrides": lambda w: reverse("people:overrides"),
    "people:declaration": lambda w: reverse("people:declaration"),
    "accounts:login": lambda w: reverse("accounts:login"),
    "accounts:logout": lambda w: reverse("accounts:logout"),
    "accounts:tokens": lambda w: reverse("accounts:tokens"),
    "accounts:two_factor": lambda w: reverse("accounts:two_factor"),
    "accounts:verify": lambda w: reverse("accounts:verify"),
    "accounts:token_revoke": lambda w: reverse("accounts:token_revoke", args=[w.client_token.pk]),
    "applications:list": lambda w: reverse("applications:list"),
    "applications:create": lambda w: reverse("applications:create"),
    "applications:organisation_search": lambda w: (
        reverse("applications:organisation_search") + "?organisation_query=%E9%87%8D%E5%BA%86"
    ),
    "applications:detail": lambda w: reverse("applications:detail", args=[w.app_eval.pk]),
    "certificates:list": lambda w: reverse("certificates:list"),
    "certificates:detail": lambda w: reverse("certificates:detail", args=[w.cert.pk]),
    "certificates:version": lambda w: reverse("certificates:version", args=[w.cert.pk, 1]),
    "documents:keys": lambda w: reverse("documents:keys"),
    "documents:pdf": lambda w: reverse("documents:pdf", args=[w.cert.pk, 1]),
    "certification:test_order_list": lambda w: reverse("certification:test_order_list"),
    "certification:test_order_detail": lambda w: reverse("certification:test_order_detail", args=[w.order_sent.pk]),
    "certification:test_order_report": lambda w: reverse("certification:test_order_report", args=[w.order_done.pk]),
    "certification:inspection_list": lambda w: reverse("certification:inspection_list"),
    "certification:inspection_detail": lambda w: reverse("certification:inspection_detail", args=[w.insp_a.pk]),
    "certification:surveillance_list": lambda w: reverse("certification:surveillance_list"),
    "certification:surveillance_detail": lambda w: reverse("certification:surveillance_detail", args=[w.surv.pk]),
    "schemes:list": lambda w: reverse("schemes:list"),
    "console:dashboard": lambda w: reverse("console:dashboard"),
    "console:audit": lambda w: reverse("console:audit"),
    "website:search": lambda w: reverse("website:search") + "?q=%E9%93%B6",
    "website:verify": lambda w: reverse("website:verify", args=[w.cert.number]),
    "website:check_document": lambda w: reverse("website:check_document"),
    "regulator:imports": lambda w: reverse("regulator:imports"),
    "regulator:exports": lambda w: reverse("regulator:exports"),
    **{f"publicsite:{n}": _site_page(n) for n in PUBLIC_SITE_PAGES},
    "publicsite:category": lambda w: reverse("publicsite:category", args=["FT01"]),
    "publicsite:document": lambda w: reverse("publicsite:document", args=[site_objects(w)["doc"].pk]),
    "publicsite:download": lambda w: reverse(
        "publicsite:download", args=[site_objects(w)["doc"].pk, site_objects(w)["version"].pk]
    ),
    "publicsite:complaint_done": lambda w: reverse("publicsite:complaint_done"),
    "publicsite:staff": lambda w: reverse("publicsite:staff"),
    "publicsite:staff_documents": lambda w: reverse("publicsite:staff_documents"),
    "publicsite:staff_document": lambda w: reverse("publicsite:staff_document", args=[site_objects(w)["doc"].pk]),
    "publicsite:staff_fees": lambda w: reverse("publicsite:staff_fees"),
    "publicsite:staff_complaints": lambda w: reverse("publicsite:staff_complaints"),
    "publicsite:staff_complaint": lambda w: reverse(
        "publicsite:staff_complaint", args=[site_objects(w)["complaint"].pk]
    ),
    "portal:home": lambda w: reverse("portal:home"),
    "portal:register": lambda w: reverse("portal:register"),
    "portal:register_sent": lambda w: reverse("portal:register_sent"),
    "portal:confirm": lambda w: reverse("portal:confirm", args=["not-a-token"]),
    "portal:invitation": lambda w: reverse("portal:invitation", args=[w.p_invitation_token]),
    "portal:colleagues": lambda w: reverse("portal:colleagues"),
    "portal:notifications": lambda w: reverse("portal:notifications"),
    "portal:certificates": lambda w: reverse("portal:certificates"),
    "portal:apply": lambda w: reverse("portal:apply"),
    "portal:application": lambda w: reverse("portal:application", args=[w.p_app.pk]),
    "portal:units": lambda w: reverse("portal:units", args=[w.p_app.pk]),
    "portal:documents": lambda w: reverse("portal:documents", args=[w.p_app.pk]),
    "portal:submit": lambda w: reverse("portal:submit", args=[w.p_app.pk]),
    "portal:contract": lambda w: reverse("portal:contract", args=[w.app_accepted.pk]),
    "portal:withdraw": lambda w: reverse("portal:withdraw", args=[w.p_app.pk]),
    "portal:messages": lambda w: reverse("portal:messages", args=[w.p_app.pk]),
    "portal:changes": lambda w: reverse("portal:changes", args=[w.p_app.pk]),
    "portal:document": lambda w: reverse("portal:document", args=[w.p_doc.pk]),
    "portal:attachment": lambda w: reverse("portal:attachment", args=[w.p_att.pk]),
    "portal:approvals": lambda w: reverse("portal:approvals"),
}

# List pages and the kind of object they list (checked against HIDDEN both ways).
LIST_PAGES = {
    "applications:list": APPS,
    "certificates:list": CERTIFICATES,
    "certification:test_order_list": ORDERS,
    "certification:inspection_list": INSPECTIONS,
    "certification:surveillance_list": SURVEILLANCES,  # open ones by default: all three are open
}

SKIPPED_PREFIXES = ("admin/", "i18n/", "jsi18n/", "api/v1/")


def page_names() -> set[str]:
    """Every URL pattern of the project by its namespaced name, but the admin, i18n and the API."""
    names: set[str] = set()

    def walk(resolver, prefix: str, namespace: str) -> None:
        for pattern in resolver.url_patterns:
            route = prefix + str(pattern.pattern)
            if route.startswith(SKIPPED_PREFIXES):
                continue
            if isinstance(pattern, URLResolver):
                walk(pattern, route, ":".join(filter(None, [namespace, pattern.namespace])))
            else:
                name = pattern.name or f"<unnamed {route}>"
                names.add(f"{namespace}:{name}" if namespace else name)

    walk(get_resolver(), "", "")
    return names


# === POST steps on pages ==============================================================================================


@dataclass(frozen=True)
class Step:
    """One representative POST on a page, by everyone: `allowed` succeed, the others are refused and change nothing."""

    page: str
    url: Callable[[World], str]
    allowed: frozenset[str]
    data: Callable[[World], dict[str, Any]]
    state: Callable[[World], Any]  # what the step changes (besides the audit trail)
    success: int = 302
    check: Callable[[World, str], Any] | None = None  # after a success by the actor: must hold
    anyone: bool = False  # a link's holder acts, signed in or not (and may be sent to sign in afterwards)


def _status(key: str) -> Callable[[World], Any]:
    return lambda w: w.fresh(key).status


def _detail(key: str) -> Callable[[World], str]:
    return lambda w: reverse(DETAIL_PAGES[type(w.objects[key])], args=[w.objects[key].pk])


def _created_for_own_organisation(w: World, actor: str) -> bool:
    newest = Application.objects.latest("pk")
    expected = w.users[actor].organisation_id or w.cast.organisation.pk  # market applied for the own organisation
    return newest.organisation_id == expected


STEPS = [
    Step(
        "applications:create",
        lambda w: reverse("applications:create"),
        # other_client names the own organisation in the form: the application must still be its own.
        frozenset({"client", "other_client", "market"}),
        lambda w: {
            "organisation": w.cast.organisation.pk,
            "organisation_query": w.cast.organisation.name,
            "scheme": w.software.pk,
            "title": "矩阵 新申请",
        },
        lambda w: Application.objects.count(),
        check=_created_for_own_organisation,
    ),
    Step(
        "applications:detail",
        _detail("app_draft"),
        frozenset({"client", "market"}),
        lambda w: {"action": "submit"},
        _status("app_draft"),
    ),
    Step(
        "applications:detail",
        _detail("app_draft"),
        # The client's own users and market; the administrator keeps the client register (as in the Django admin).
        frozenset({"client", "market", "admin"}),
        lambda w: {"action": "manufacturer_add", "name": "矩阵电子有限公司", "name_en": "", "address": "重庆市"},
        lambda w: w.cast.organisation.manufacturers.count(),
    ),
    Step(
        "applications:detail",
        _detail("app_submitted"),
        frozenset({"market"}),
        lambda w: {
            "action": "accept",
            "contract_number": "HT-MATRIX-1",
            "fee": "1000.00",
            "signed_on": today().isoformat(),
            "engineer": w.cast.engineer.pk,
            "evaluation_required": "on",
        },
        _status("app_submitted"),
    ),
    Step(
        "applications:detail",
        _detail("app_eval"),
        frozenset({"engineer"}),  # the assigned engineer, not any engineer
        lambda w: {
            "action": "test_order",
            "lab": w.cast.lab.pk,
            "purpose": evaluation.TestOrder.Purpose.TYPE_TEST,
            "unit": w.app_eval.units.get().pk,
            "sample_description": "样机两台",
        },
        lambda w: w.app_eval.test_orders.count(),
    ),
    Step(
        "applications:detail",
        _detail("app_review"),
        frozenset({"reviewer"}),
        lambda w: {"action": "review", "recommendation": "grant", "comments": ""},
        _status("app_review"),
    ),
    Step(
        "applications:detail",
        _detail("app_review"),
        frozenset({"reviewer"}),  # sending back is part of the review: its reviewer's
        lambda w: {"action": "reopen_evaluation", "reason": "检查报告缺页"},
        _status("app_review"),
    ),
    Step(
        "applications:detail",
        _detail("app_decision"),
        frozenset({"decider"}),  # at the decision stage, an independent decider's (not the reviewer's any more)
        lambda w: {"action": "reopen_evaluation", "reason": "缺少工厂检查记录"},
        _status("app_decision"),
    ),
    Step(
        "applications:detail",
        _detail("app_decision"),
        frozenset({"decider"}),  # not decider_involved: on the inspection team
        lambda w: {"action": "decide", "outcome": "grant", "reason": "", "issued_on": ""},
        _status("app_decision"),
    ),
    Step(
        "certification:test_order_detail",
        _detail("order_sent"),
        frozenset({"lab"}),  # the lab's step; the case engineer has its own on-behalf step (below)
        lambda w: {"action": "receive_sample", "received_on": today().isoformat()},
        _status("order_sent"),
    ),
    Step(
        "certification:test_order_detail",
        _detail("order_sent"),
        frozenset({"engineer"}),  # the case engineer, on the lab's behalf, with the reason and the lab's document
        lambda w: {
            "action": "receive_sample_for_lab",
            "received_on": today().isoformat(),
            "reason": "实验室系统故障",
            "document": RewindingUpload("receipt.pdf", MINIMAL_PDF),
        },
        _status("order_sent"),
    ),
    Step(
        "certification:inspection_detail",
        _detail("insp_a"),
        frozenset({"inspector"}),
        lambda w: {"action": "finding_add", "severity": "minor", "clause": "5.1", "description": "标识不清"},
        lambda w: evaluation.Finding.objects.filter(inspection=w.insp_a).count(),
    ),
    Step(
        "certification:surveillance_detail",
        _detail("surv"),
        frozenset({"decider", "decider_involved"}),  # decider_involved took no part in this surveillance
        lambda w: {"action": "decide", "outcome": "keep", "reason": ""},
        _status("surv"),
    ),
    Step(
        "certificates:detail",
        _detail("cert"),
        STATUS_DECIDERS,
        lambda w: {
            "action": "suspend",
            "reason_code": "nonconformity",
            "reason": "未按期整改",
            "until": (today() + timedelta(days=30)).isoformat(),
            "case": w.nc.pk,
        },
        _status("cert"),
    ),
    Step(
        "certificates:detail",
        _detail("cert"),
        STATUS_DECIDERS | {"market"},
        lambda w: {"action": "cancel", "reason_code": "client_request", "reason": "持证人申请注销"},
        _status("cert"),
    ),
    Step(
        "certificates:detail",
        _detail("cert"),
        frozenset({"client", "market"}),  # a change application for the holder
        lambda w: {
            "action": "new_application",
            "kind": "change",
            "title": "变更 POS终端",
            "change_description": "更换主板",
        },
        lambda w: Application.objects.count(),
    ),
    Step(
        "portal:documents",
        lambda w: reverse("portal:documents", args=[w.p_app.pk]),
        frozenset({"client"}),
        lambda w: {"action": "upload", "file_manual": RewindingUpload("manual-v2.pdf", MINIMAL_PDF)},
        lambda w: w.p_app.documents.count(),
    ),
    Step(
        "portal:submit",
        lambda w: reverse("portal:submit", args=[w.p_app.pk]),
        frozenset({"client"}),
        lambda w: {"answer": ""},
        _status("p_app"),
    ),
    Step(
        "portal:messages",
        lambda w: reverse("portal:messages", args=[w.p_app.pk]),
        frozenset({"client", "market"}),
        lambda w: {"body": "矩阵 留言"},
        lambda w: w.p_app.messages.count(),
    ),
    Step(
        "portal:contract",
        lambda w: reverse("portal:contract", args=[w.app_accepted.pk]),
        frozenset({"client"}),
        lambda w: {"terms_version": w.app_accepted.contract.terms_version, "agree": "on"},
        lambda w: Application.objects.get(pk=w.app_accepted.pk).contract.client_accepted_at,
    ),
    Step(
        "portal:withdraw",
        lambda w: reverse("portal:withdraw", args=[w.p_app.pk]),
        frozenset({"client"}),
        lambda w: {"reason": "矩阵 撤回"},
        _status("p_app"),
    ),
    Step(
        "portal:approvals",
        lambda w: reverse("portal:approvals"),
        frozenset({"market", "admin"}),
        lambda w: {"organisation": w.p_pending_org.pk},
        lambda w: w.fresh("p_pending_org").is_approved,
    ),
    Step(
        "portal:approvals",
        lambda w: reverse("portal:approvals"),
        frozenset({"market", "admin"}),
        lambda w: {"organisation": w.p_pending_org.pk, "action": "reject", "reason": "资料不全"},
        lambda w: OrganisationRejection.objects.filter(organisation=w.p_pending_org).exists(),
    ),
    Step(
        "portal:apply",
        lambda w: reverse("portal:apply"),
        frozenset({"client", "other_client"}),
        lambda w: {"scheme": w.p_app.scheme_id, "title": "矩阵 新申请", "outsourcing": ""},
        lambda w: Application.objects.count(),
        check=_created_for_own_organisation,
    ),
    Step(
        "portal:units",
        lambda w: reverse("portal:units", args=[w.p_app.pk]),
        frozenset({"client"}),
        lambda w: {
            "action": "add",
            "product_name": "矩阵 产品",
            "model_names": "M1",
            "version": "1.0",
            "manufacturer_name": w.cast.manufacturer.name,
            "manufacturer_address": w.cast.manufacturer.address,
            "site_name": w.cast.site.name,
            "site_address": w.cast.site.address,
        },
        lambda w: w.p_app.units.count(),
    ),
    Step(
        "portal:units",
        lambda w: reverse("portal:units", args=[w.p_app.pk]),
        frozenset({"client"}),
        lambda w: {"action": "remove", "unit": w.p_app.units.first().pk},
        lambda w: w.p_app.units.count(),
    ),
    Step(
        "portal:colleagues",
        lambda w: reverse("portal:colleagues"),
        frozenset({"client", "other_client"}),  # each for its own organisation
        lambda w: {"email": "matrix-colleague@example.cn"},
        lambda w: Invitation.objects.count(),
    ),
    Step(
        "portal:colleagues",
        lambda w: reverse("portal:colleagues"),
        frozenset({"client"}),  # the own organisation's invitation only
        lambda w: {"action": "revoke", "invitation": w.p_invitation.pk},
        lambda w: w.fresh("p_invitation").revoked_at,
    ),
    Step(
        "portal:notifications",
        lambda w: reverse("portal:notifications"),
        frozenset({"client", "other_client"}),  # each marks its own as read
        lambda w: {},
        lambda w: Notification.objects.filter(read_at__isnull=True).count(),
    ),
    Step(
        "portal:confirm",
        lambda w: reverse("portal:confirm", args=[w.p_confirm_token]),
        frozenset(),
        lambda w: {},
        lambda w: User.objects.get(username="p_waiting").is_active,
        anyone=True,  # whoever holds the link (it was sent to the address it confirms)
    ),
    Step(
        "portal:invitation",
        lambda w: reverse("portal:invitation", args=[w.p_invitation_token]),
        frozenset(),
        lambda w: {"display_name": "矩阵 同事", "username": "matrix_colleague", "password": "a-Strong-pass-2026"},
        lambda w: (cache.clear(), User.objects.filter(username="matrix_colleague").exists())[1],  # no sign-up limit
        anyone=True,
    ),
    Step(
        "console:audit",
        lambda w: reverse("console:audit"),
        frozenset({"quality", "management", "admin"}),
        lambda w: {},  # verifies the chain; changes nothing
        lambda w: None,
        success=200,
    ),
    Step(
        "accounts:token_revoke",
        lambda w: reverse("accounts:token_revoke", args=[w.client_token.pk]),
        frozenset({"client"}),  # one's own tokens only
        lambda w: {},
        lambda w: w.fresh("client_token").revoked_at,
    ),
]


STEPS.append(
    Step(
        "people:detail",
        lambda w: reverse("people:detail", args=[w.person.pk]),
        frozenset({"hr", "quality"}),  # management reads only
        lambda w: {
            "action": "authorisation_change",
            "authorisation": w.person.authorisations.get(role="team_leader").pk,
            "step": "suspend",
            "reason": "投诉调查期间暂停",
        },
        lambda w: w.person.authorisations.get(role="team_leader").status,
    )
)

STEPS.extend(site_steps(Step))  # the public website's staff pages (publicsite/tests/matrix.py)
STEPS.extend(people_steps(Step))  # the people pages (people/tests/matrix.py)


def _prepared(key: str, make: Callable[[World], Any]) -> Callable[[World], Any]:
    """An object made on first use inside the module's world (and made again if a test's savepoint took it)."""

    def get(w: World) -> Any:
        cached = w.objects.get(key)
        if cached is None or not type(cached).objects.filter(pk=cached.pk).exists():
            w.objects[key] = make(w)
        return w.objects[key]

    return get


def _make_ready_for_completion(w: World) -> Application:
    """An application in evaluation whose every test is reported: the engineer may complete the evaluation."""
    from certbody.certification import services as cert_svc
    from certbody.core.tests import matrix_world
    from certbody.demo import scenarios as sc

    c = w.cast
    application = sc.accepted(c, sc.submitted_application(c, w.software, title="矩阵 待完成评价"))
    cert_svc.evaluation_start(actor=c.engineer, application=application)
    for unit in application.units.all():
        order = cert_svc.test_order_create(actor=c.engineer, case=application, lab=c.lab, unit=unit)
        cert_svc.test_order_send_sample(actor=c.engineer, order=order, sent_on=today())
        matrix_world._report(c, order)
    return Application.objects.get(pk=application.pk)


def _make_new_order(w: World) -> evaluation.TestOrder:
    """A test order of app_eval whose sample is not sent yet."""
    from certbody.certification import services as cert_svc

    return cert_svc.test_order_create(
        actor=w.cast.engineer, case=w.app_eval, lab=w.cast.lab, unit=w.app_eval.units.get()
    )


def _make_received_order(w: World) -> evaluation.TestOrder:
    """A test order of app_eval whose sample the lab has received: its report is due."""
    from certbody.certification import services as cert_svc

    order = _make_new_order(w)
    cert_svc.test_order_send_sample(actor=w.cast.engineer, order=order, sent_on=today())
    return cert_svc.test_order_receive_sample(actor=w.cast.lab_user, order=order, received_on=today())


app_ready = _prepared("app_ready", _make_ready_for_completion)
order_new = _prepared("order_new", _make_new_order)
order_received = _prepared("order_received", _make_received_order)


def _on(page: str, key: Callable[[World], Any]) -> Callable[[World], str]:
    return lambda w: reverse(page, args=[key(w).pk])


def _in_world(key: str) -> Callable[[World], Any]:
    return lambda w: w.objects[key]


def _count(queryset: Callable[[World], Any]) -> Callable[[World], int]:
    return lambda w: queryset(w).count()


TWO_FACTOR_FIRST = frozenset({"reviewer", "reviewer2", "decider", "decider_involved", "quality", "management", "admin"})

STEPS.extend(
    [
        Step(
            "accounts:tokens",
            lambda w: reverse("accounts:tokens"),
            # One's own token; the deciding and administering roles only from a session that gave the second factor.
            SIGNED_IN - TWO_FACTOR_FIRST,
            lambda w: {"name": "矩阵"},
            lambda w: type(w.client_token).objects.count(),
            success=200,  # the new key is shown once, on the page itself
        ),
        Step(
            "portal:documents",
            lambda w: reverse("portal:documents", args=[w.p_app.pk]),
            frozenset({"client"}),
            lambda w: {"action": "outsourcing", "outsourcing": "on"},
            lambda w: getattr(getattr(w.fresh("p_app"), "dossier", None), "outsourcing", None),
        ),
    ]
)

# Declared steps that have no row yet: each needs what the matrix world lacks (a password to sign in with, an
# enrolled authenticator, an upload the checks accept, a rate limit reset). The list only shrinks: a step named here
# that gets a row, or is no longer declared, fails test_every_page_step_is_in_the_matrix.
NOT_YET_IN_THE_MATRIX = frozenset(
    {
        "accounts:login",
        "accounts:logout",
        "accounts:two_factor",
        "accounts:two_factor remove",
        "accounts:verify",
        "portal:register",
        "publicsite:complaint",
        "regulator:exports",
        "regulator:imports",
        "website:check_document",
    }
)

# The other steps of the detail pages, with the API's policy for the same service (the API table below).
STEPS.extend(
    [
        Step(
            "applications:detail",
            _detail("app_draft"),
            frozenset({"client", "market"}),
            lambda w: {
                "action": "unit_add",
                "product_name": "矩阵 客户端",
                "model_names": "V8",
                "version": "8.0.0",
                "manufacturer": w.cast.manufacturer.pk,
                "production_site": w.cast.site.pk,
            },
            _count(lambda w: w.app_draft.units),
        ),
        Step(
            "applications:detail",
            _detail("app_draft"),
            frozenset({"client", "market"}),
            lambda w: {"action": "unit_remove", "unit": w.unit_draft.pk},
            _count(lambda w: w.app_draft.units),
        ),
        Step(
            "applications:detail",
            _detail("app_draft"),
            frozenset({"client", "market", "admin"}),  # as manufacturer_add: the administrator keeps the register
            lambda w: {
                "action": "site_add",
                "manufacturer": w.cast.manufacturer.pk,
                "name": "矩阵 二厂",
                "address": "重庆",
            },
            _count(lambda w: type(w.cast.site).objects),
        ),
        Step(
            "applications:detail",
            _detail("app_submitted"),
            frozenset({"market"}),
            lambda w: {"action": "return", "reason": "缺少产品说明书"},
            _status("app_submitted"),
        ),
        Step(
            "applications:detail",
            _detail("app_submitted"),
            frozenset({"market"}),
            lambda w: {"action": "reject", "reason": "不属于认证范围"},
            _status("app_submitted"),
        ),
        Step(
            "applications:detail",
            _detail("app_submitted"),
            frozenset({"client", "market"}),
            lambda w: {"action": "withdraw", "reason": ""},
            _status("app_submitted"),
        ),
        Step(
            "applications:detail",
            _detail("app_accepted"),
            frozenset({"engineer", "market"}),  # the assigned engineer, or market (who may assign another)
            lambda w: {"action": "start_evaluation"},
            _status("app_accepted"),
        ),
        Step(
            "applications:detail",
            _detail("app_eval"),
            frozenset({"engineer"}),
            lambda w: {"action": "plan_inspection", "planned_on": today().isoformat(), "leader": w.cast.inspector.pk},
            _count(lambda w: w.app_eval.inspections),
        ),
        Step(
            "applications:detail",
            _on("applications:detail", app_ready),
            frozenset({"engineer"}),
            lambda w: {"action": "complete_evaluation"},
            lambda w: app_ready(w).status,
        ),
        Step(
            "applications:detail",
            _detail("app_eval"),
            frozenset({"engineer", "management", "quality"}),
            lambda w: {"action": "assign_reviewer", "reviewer": w.cast.reviewer.pk},
            lambda w: w.fresh("app_eval").reviewer_id,
        ),
        Step(
            "certificates:detail",
            _detail("cert"),
            STATUS_DECIDERS | {"engineer", "other_engineer"},
            lambda w: {
                "action": "nonconformity_confirm",
                "source": "complaint",
                "description": "矩阵 投诉",
                "confirmed_on": today().isoformat(),
            },
            _count(lambda w: w.cert.nonconformity_cases),
        ),
        Step(
            "certificates:detail",
            _detail("cert"),
            STATUS_DECIDERS,
            lambda w: {"action": "resolve_case", "case": w.nc.pk, "resolution": "已整改"},
            _status("nc"),
        ),
        Step(
            "certificates:detail",
            _detail("cert2"),
            STATUS_DECIDERS,
            lambda w: {"action": "restore", "reason": "已整改"},
            _status("cert2"),
        ),
        Step(
            "certificates:detail",
            _detail("cert"),
            STATUS_DECIDERS,
            lambda w: {"action": "withdraw", "reason_code": "fraud", "reason": "提供虚假材料"},
            _status("cert"),
        ),
        Step(
            "certification:inspection_detail",
            _detail("insp_a"),
            frozenset({"inspector", "engineer"}),  # the team leader or the case engineer
            lambda w: {"action": "finding_close", "finding": w.finding_a.pk, "corrective_action": "已补充记录"},
            _status("finding_a"),
        ),
        Step(
            "certification:inspection_detail",
            _detail("insp_a"),
            frozenset({"inspector"}),  # the team leader
            lambda w: {"action": "complete", "conclusion": "pass", "completed_on": today().isoformat()},
            _status("insp_a"),
        ),
        Step(
            "certification:inspection_detail",
            _detail("insp_a"),
            frozenset({"engineer"}),
            lambda w: {"action": "cancel", "reason": "改期"},
            _status("insp_a"),
        ),
        Step(
            "certification:surveillance_detail",
            _detail("surv_planned"),
            frozenset({"engineer", "other_engineer", "market"}),
            lambda w: {"action": "start", "engineer": w.cast.engineer.pk},
            _status("surv_planned"),
        ),
        Step(
            "certification:surveillance_detail",
            _detail("surv"),
            frozenset({"engineer"}),
            lambda w: {"action": "plan_inspection", "planned_on": today().isoformat(), "leader": w.cast.inspector.pk},
            _count(lambda w: w.surv.inspections),
        ),
        Step(
            "certification:surveillance_detail",
            _detail("surv"),
            frozenset({"engineer"}),
            lambda w: {
                "action": "test_order",
                "lab": w.cast.lab.pk,
                "purpose": "factory_sampling",
                "sample_description": "",
            },
            _count(lambda w: evaluation.TestOrder.objects),
        ),
        Step(
            "certification:test_order_detail",
            _on("certification:test_order_detail", order_new),
            frozenset({"engineer"}),
            lambda w: {"action": "send_sample", "sent_on": today().isoformat()},
            lambda w: order_new(w).status,
        ),
        Step(
            "certification:test_order_detail",
            _on("certification:test_order_detail", order_received),
            frozenset({"lab"}),  # the lab's step; the case engineer has its own on-behalf step (below)
            lambda w: {
                "action": "report",
                "report_number": "R-MATRIX-PAGE",
                "issued_on": today().isoformat(),
                "result": "pass",
                "report_file": RewindingUpload("report.pdf", MINIMAL_PDF),
            },
            lambda w: order_received(w).status,
        ),
        Step(
            "certification:test_order_detail",
            _on("certification:test_order_detail", order_received),
            frozenset({"engineer"}),  # the case engineer, on the lab's behalf, with the reason
            lambda w: {
                "action": "report_for_lab",
                "report_number": "R-MATRIX-PAGE",
                "issued_on": today().isoformat(),
                "result": "pass",
                "report_file": RewindingUpload("report.pdf", MINIMAL_PDF),
                "reason": "实验室系统故障",
            },
            lambda w: order_received(w).status,
        ),
        Step(
            "certification:test_order_detail",
            _detail("order_sent"),
            frozenset({"engineer"}),
            lambda w: {"action": "cancel", "reason": "撤单"},
            _status("order_sent"),
        ),
    ]
)

# === the Django admin ===============================================================================================
# Reference data is edited there by administrators (staff accounts with the administrator role, and superusers);
# lifecycle records are read-only there (their state only changes through the services). No other role reaches it.
# Every registered model has a row: its changelist and add page are asked of a representative set of actors.

EDIT = "edit"  # the administrator lists and adds
READ = "read"  # the administrator lists; adding is refused (403)
ADMIN_MODELS: dict[str, str] = {
    "accounts.ApiToken": READ,
    "accounts.LoginThrottle": READ,
    "accounts.TotpDevice": READ,
    "accounts.User": EDIT,
    "applications.Application": READ,
    "applications.Contract": READ,
    "applications.Document": READ,
    "applications.Submission": READ,
    "auth.Group": EDIT,
    "certificates.Certificate": READ,
    "certificates.CertificateVersion": READ,
    "certificates.NonconformityCase": READ,
    "certification.Decision": READ,
    "certification.Finding": READ,
    "certification.Inspection": READ,
    "certification.Involvement": READ,
    "certification.Surveillance": READ,
    "certification.TechnicalReview": READ,
    "certification.TestOrder": READ,
    "clients.Manufacturer": EDIT,
    "clients.Organisation": EDIT,
    "clients.ProductionSite": EDIT,
    "core.AuditEvent": READ,
    "core.NumberSequence": READ,
    "core.StatusChange": READ,
    "core.SystemSetting": EDIT,
    "labs.Lab": EDIT,
    "people.AssignmentOverride": READ,
    "people.Authorisation": READ,
    "people.CommitteeMeeting": READ,
    "people.CommitteeMember": READ,
    "people.Conflict": READ,
    "people.ConsultancyEngagement": READ,
    "people.Course": EDIT,
    "people.Declaration": READ,
    "people.Department": EDIT,
    "people.Person": READ,
    "people.Registration": READ,
    "people.Risk": READ,
    "portal.Invitation": READ,
    "portal.OutboxMail": READ,
    "publicsite.ComplaintIntake": READ,  # kept on the website staff pages
    "publicsite.DocumentVersion": READ,  # kept on the website staff pages
    "publicsite.FeeItem": READ,  # kept on the website staff pages
    "publicsite.PublishedDocument": READ,  # kept on the website staff pages
    "schemes.ProductCategory": EDIT,
    "schemes.Scheme": EDIT,
    "schemes.Standard": EDIT,
}
ADMINISTRATORS = frozenset({"admin"})
ADMIN_ACTORS = ("anonymous", "client", "lab", "regulator", "hr", "quality", "admin")


def admin_registry() -> dict[str, Any]:
    from django.contrib import admin

    return {model._meta.label: model for model in admin.site._registry}


def admin_outcome(response) -> str:
    if response.status_code == 302:
        location = response["Location"]
        signin = location.startswith((reverse("admin:login"), reverse("accounts:login")))
        return LOGIN if signin else ONWARD
    return str(response.status_code)


# === API ==============================================================================================================


@dataclass(frozen=True)
class Op:
    """One API operation: who may (anything but 401/403/404 and a schema error), the objects in its path, its body."""

    allowed: frozenset[str]
    on: dict[str, str] = field(default_factory=dict)  # path parameter -> world key
    body: Callable[[World], dict[str, Any]] | None = None
    multipart: bool = False
    exact: dict[str, int] = field(default_factory=dict)  # actor -> the status the policy spells out
    lists: frozenset[str] | None = None  # a list of these objects: checked against HIDDEN


def op(allowed, on=None, body=None, *, multipart=False, lists=None, **exact: int) -> Op:
    return Op(frozenset(allowed), on or {}, body, multipart, exact, lists)


APP_READERS = OVERSIGHT | {"client", "inspector"}
ORDER_READERS = OVERSIGHT | {"client", "lab"}
INSPECTION_READERS = OVERSIGHT | {"client", "inspector"}
SURVEILLANCE_READERS = OVERSIGHT | {"client", "inspector"}
# Who cannot see app_eval: naming it in a request body is refused as an unknown reference (422, as if it did not
# exist), the API's rule for objects named in a body rather than in the path.
NOT_APP_EVAL = {a: 422 for a in SIGNED_IN - APP_READERS}


def _today_iso() -> str:
    return today().isoformat()


API: dict[str, Op] = {
    "GET /me": op(SIGNED_IN),
    "GET /public/certificates": op(SIGNED_IN, anonymous=200),  # the public registry: no sign-in
    "GET /public/certificates/{number}": op(SIGNED_IN, {"number": "cert"}, anonymous=200),
    "GET /me/tasks": op(SIGNED_IN, lists=LISTED),
    "GET /catalogue/categories": op(SIGNED_IN),
    "GET /catalogue/schemes": op(SIGNED_IN),
    "GET /catalogue/schemes/{code}": op(SIGNED_IN, {"code": "software"}),
    "GET /applications": op(SIGNED_IN, lists=APPS),
    # A client applies for its own organisation: naming another is an unknown organisation (422).
    "POST /applications": op(
        {"client", "market"},
        body=lambda w: {"title": "矩阵", "scheme": w.software.code, "organisation_id": w.cast.organisation.pk},
        other_client=422,
    ),
    "GET /applications/{application_id}": op(APP_READERS, {"application_id": "app_eval"}),
    "POST /applications/{application_id}/units": op(
        {"client", "market"},
        {"application_id": "app_draft"},
        lambda w: {
            "product_name": "手机银行客户端",
            "model_names": ["V8"],
            "version": "8.0",
            "manufacturer_id": w.cast.manufacturer.pk,
            "production_site_id": w.cast.site.pk,
        },
    ),
    "POST /applications/{application_id}/units/{unit_id}/remove": op(
        {"client", "market"}, {"application_id": "app_draft", "unit_id": "unit_draft"}
    ),
    "POST /applications/{application_id}/submit": op({"client", "market"}, {"application_id": "app_draft"}),
    "POST /applications/{application_id}/paper-documents": op(
        {"market"},
        {"application_id": "app_draft"},
        lambda w: {"items": [item.code for item in for_application(w.app_draft) if item.required][:1]},
    ),
    "POST /applications/{application_id}/return": op(
        {"market"}, {"application_id": "app_submitted"}, lambda w: {"reason": "缺少营业执照"}
    ),
    "POST /applications/{application_id}/reject": op(
        {"market"}, {"application_id": "app_submitted"}, lambda w: {"reason": "不在认证范围"}
    ),
    "POST /applications/{application_id}/accept": op(
        {"market"},
        {"application_id": "app_submitted"},
        lambda w: {
            "contract_number": "HT-MATRIX-2",
            "fee": "1000.00",
            "signed_on": _today_iso(),
            "engineer": w.cast.engineer.username,
        },
    ),
    "POST /applications/{application_id}/withdraw": op(
        {"client", "market"}, {"application_id": "app_submitted"}, lambda w: {"reason": "暂缓"}
    ),
    "GET /applications/{application_id}/evaluation": op(APP_READERS, {"application_id": "app_eval"}),
    # The engineer assigned at acceptance (or market, who may assign another); not any engineer.
    "POST /applications/{application_id}/start-evaluation": op(
        {"engineer", "market"}, {"application_id": "app_accepted"}, lambda w: {}
    ),
    "POST /applications/{application_id}/complete-evaluation": op({"engineer"}, {"application_id": "app_eval"}),
    "POST /applications/{application_id}/assign-reviewer": op(
        {"engineer", "management", "quality"},
        {"application_id": "app_eval"},
        lambda w: {"reviewer": w.cast.reviewer.username},
    ),
    "POST /applications/{application_id}/review": op(
        {"reviewer"}, {"application_id": "app_review"}, lambda w: {"recommendation": "grant"}
    ),
    # In review, sending the file back is the assigned reviewer's step; at the decision stage, an independent decider's.
    "POST /applications/{application_id}/reopen": op(
        {"reviewer"}, {"application_id": "app_review"}, lambda w: {"reason": "检查报告缺页"}
    ),
    "POST /applications/{application_id}/reopen @decision": op(
        {"decider"}, {"application_id": "app_decision"}, lambda w: {"reason": "缺少工厂检查记录"}, decider_involved=409
    ),
    # A decider who took part in the evaluation is refused as not independent (409).
    "POST /applications/{application_id}/decide": op(
        {"decider"}, {"application_id": "app_decision"}, lambda w: {"outcome": "grant"}, decider_involved=409
    ),
    "GET /labs": op(SIGNED_IN),
    "GET /test-orders": op(SIGNED_IN, lists=ORDERS),
    "POST /test-orders": op(
        {"engineer"},
        body=lambda w: {"application_id": w.app_eval.pk, "lab_id": w.cast.lab.pk, "purpose": "type_test"},
        **NOT_APP_EVAL,
    ),
    "GET /test-orders/{order_id}": op(ORDER_READERS, {"order_id": "order_sent"}),
    "POST /test-orders/{order_id}/send-sample": op(
        {"engineer"}, {"order_id": "order_sent"}, lambda w: {"sent_on": _today_iso()}
    ),
    # The lab's work is the lab's: the case engineer records it only by the *-for-lab steps (reason and document).
    "POST /test-orders/{order_id}/receive-sample": op(
        {"lab"}, {"order_id": "order_sent"}, lambda w: {"received_on": _today_iso()}
    ),
    "POST /test-orders/{order_id}/receive-sample-for-lab": op(
        {"engineer"},
        {"order_id": "order_sent"},
        lambda w: {
            "received_on": _today_iso(),
            "reason": "实验室系统故障，收样单传真",
            "file": SimpleUploadedFile("receipt.pdf", MINIMAL_PDF, content_type="application/pdf"),
        },
        multipart=True,
    ),
    "POST /test-orders/{order_id}/report": op(
        {"lab"},
        {"order_id": "order_sent"},
        lambda w: {
            "report_number": "R-MATRIX",
            "issued_on": _today_iso(),
            "result": "pass",
            "file": SimpleUploadedFile("report.pdf", MINIMAL_PDF, content_type="application/pdf"),
        },
        multipart=True,
    ),
    "POST /test-orders/{order_id}/report-for-lab": op(
        {"engineer"},
        {"order_id": "order_sent"},
        lambda w: {
            "report_number": "R-MATRIX",
            "issued_on": _today_iso(),
            "result": "pass",
            "reason": "实验室系统故障，报告邮寄",
            "file": SimpleUploadedFile("report.pdf", MINIMAL_PDF, content_type="application/pdf"),
        },
        multipart=True,
    ),
    "GET /test-orders/{order_id}/report-file": op(ORDER_READERS, {"order_id": "order_done"}),
    "POST /test-orders/{order_id}/cancel": op({"engineer"}, {"order_id": "order_sent"}, lambda w: {"reason": "撤单"}),
    "GET /inspections": op(SIGNED_IN, lists=INSPECTIONS),
    "POST /inspections": op(
        {"engineer"},
        body=lambda w: {
            "application_id": w.app_eval.pk,
            "planned_on": _today_iso(),
            "leader": w.cast.inspector.username,
        },
        **NOT_APP_EVAL,
    ),
    "GET /inspections/{inspection_id}": op(INSPECTION_READERS, {"inspection_id": "insp_a"}),
    "POST /inspections/{inspection_id}/findings": op(
        {"inspector"}, {"inspection_id": "insp_a"}, lambda w: {"severity": "minor", "description": "标识不清"}
    ),
    "POST /inspections/{inspection_id}/findings/{finding_id}/close": op(
        {"inspector", "engineer"},  # the team leader or the case engineer
        {"inspection_id": "insp_a", "finding_id": "finding_a"},
        lambda w: {"corrective_action": "已补充记录"},
    ),
    "POST /inspections/{inspection_id}/complete": op(
        {"inspector"},  # the team leader
        {"inspection_id": "insp_a"},
        lambda w: {"conclusion": "pass", "completed_on": _today_iso()},
    ),
    "POST /inspections/{inspection_id}/cancel": op(
        {"engineer"}, {"inspection_id": "insp_a"}, lambda w: {"reason": "改期"}
    ),
    "GET /surveillances": op(SIGNED_IN, lists=SURVEILLANCES),
    "GET /surveillances/{surveillance_id}": op(SURVEILLANCE_READERS, {"surveillance_id": "surv"}),
    # Any engineer takes a planned surveillance for himself; market may assign one.
    "POST /surveillances/{surveillance_id}/start": op(
        {"engineer", "other_engineer", "market"}, {"surveillance_id": "surv_planned"}, lambda w: {}
    ),
    "POST /surveillances/{surveillance_id}/complete": op(
        {"decider", "decider_involved"}, {"surveillance_id": "surv"}, lambda w: {"outcome": "keep"}
    ),
    "GET /certificates": op(SIGNED_IN, lists=CERTIFICATES),
    "GET /certificates/{number}": op(REGISTER | {"client"}, {"number": "cert"}),
    # Engineers find nonconformities in surveillance; deciders and quality act on them.
    "POST /certificates/{number}/nonconformities": op(
        STATUS_DECIDERS | {"engineer", "other_engineer"},
        {"number": "cert"},
        lambda w: {"source": "complaint", "description": "投诉", "confirmed_on": _today_iso()},
    ),
    "POST /certificates/{number}/nonconformities/{case_id}/resolve": op(
        STATUS_DECIDERS, {"number": "cert", "case_id": "nc"}, lambda w: {"resolution": "已整改"}
    ),
    "POST /certificates/{number}/suspend": op(
        STATUS_DECIDERS,
        {"number": "cert"},
        lambda w: {
            "reason_code": "nonconformity",
            "reason": "未按期整改",
            "until": (today() + timedelta(days=30)).isoformat(),
            "case_id": w.nc.pk,
        },
    ),
    "POST /certificates/{number}/restore": op(STATUS_DECIDERS, {"number": "cert2"}, lambda w: {"reason": "已整改"}),
    "POST /certificates/{number}/withdraw": op(
        STATUS_DECIDERS, {"number": "cert"}, lambda w: {"reason_code": "fraud", "reason": "提供虚假材料"}
    ),
    "POST /certificates/{number}/cancel": op(
        STATUS_DECIDERS | {"market"}, {"number": "cert"}, lambda w: {"reason_code": "discontinued", "reason": "停产"}
    ),
    # The client portal: files and messages of p_app (a draft of the own organisation) for its users and the staff
    # on the case (market for a draft); uploads by the organisation's users only; notifications are one's own.
    "GET /portal/applications/{application_id}/documents": op({"client", "market"}, {"application_id": "p_app"}),
    "POST /portal/applications/{application_id}/documents": op(
        {"client"},
        {"application_id": "p_app"},
        lambda w: {"item": "manual", "file": RewindingUpload("manual.pdf", MINIMAL_PDF)},
        multipart=True,
        market=403,
    ),
    "GET /portal/documents/{document_id}/file": op({"client", "market"}, {"document_id": "p_doc"}),
    "GET /portal/applications/{application_id}/messages": op({"client", "market"}, {"application_id": "p_app"}),
    "POST /portal/applications/{application_id}/messages": op(
        {"client", "market"}, {"application_id": "p_app"}, lambda w: {"body": "矩阵 留言"}
    ),
    "GET /portal/notifications": op(SIGNED_IN),
}

API.update(
    {
        "GET /people": op(PEOPLE_READERS),
        "GET /people/alerts": op(PEOPLE_READERS),
        "GET /people/headcount": op(PEOPLE_READERS),
        "GET /people/{person_id}": op(PEOPLE_READERS, {"person_id": "person"}),
        # Everyone with a personnel record may sign; the world's people signed every year already (422).
        "POST /people/declarations": op(PERSONS, body=lambda w: {"interests": ""}),
        # No role in the query: the assigners get the service's 422, the others 403 first.
        "GET /assignments/check": op(ASSIGNERS),
        "GET /assignments/suggestions": op(ASSIGNERS),
        "POST /assignments/overrides": op(
            ASSIGNERS,
            body=lambda w: {
                "role": "lab",
                "lab_id": w.scope_lab.pk,
                "application_id": w.app_eval.pk,
                "reason": "矩阵",
            },
        ),
        # A second person: quality or management (the engineer asked for it).
        "POST /assignments/overrides/{override_id}/decide": op(
            {"quality", "management"}, {"override_id": "override"}, lambda w: {"approve": True, "reason": "同意"}
        ),
    }
)

API_PREFIX = "/api/v1"


def api_path(w: World, template: str, on: dict[str, str]) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        if name == "code":
            return w.software.code
        obj = w.objects[on[name]]
        return str(obj.number if name == "number" else obj.pk)

    return API_PREFIX + re.sub(r"\{(\w+)\}", value, template)


# === running it =======================================================================================================


@contextmanager
def rolled_back():
    """Whatever the request does is undone: every cell starts from the same world."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module in a transaction rolled back at its end. The tests still carry django_db (so that
    pytest-django sets the test database up); their own savepoints nest inside this transaction."""
    with django_db_blocker.unblock(), transaction.atomic():
        w = build_world()
        yield w
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def browsers(world):
    """A signed-in browser per actor (English pages)."""
    result = {}
    for actor, user in world.users.items():
        client = Client()
        if user is not None:
            client.force_login(user)
        client.cookies["django_language"] = "en"
        result[actor] = client
    return result


def drain(response) -> None:
    """Read a streamed answer (a PDF) to its end: the test client then closes the file without closing the
    database connection (response.close() itself would fire request_finished and drop the open transaction)."""
    if response.streaming:
        b"".join(response.streaming_content)


def page_outcome(response) -> str:
    if response.status_code == 302:
        return LOGIN if response["Location"].startswith(reverse("accounts:login")) else ONWARD
    if response.status_code in (403, 404):
        return DENY
    return str(response.status_code)


def links_on(response, links: dict[str, str]) -> set[str]:
    if not response.get("Content-Type", "").startswith("text/html"):
        return set()
    text = response.content.decode()
    return {key for href, key in links.items() if f'href="{href}"' in text}


def report(title: str, mismatches: list[str], cells: int) -> str:
    return f"{title}: {len(mismatches)} of {cells} cells differ from the policy:\n  " + "\n  ".join(mismatches)


def test_every_page_is_in_the_matrix():
    names = page_names()
    assert names == set(PAGES), (
        f"pages without a matrix row: {sorted(names - set(PAGES))}; rows without a page: {sorted(set(PAGES) - names)}"
    )
    assert set(PAGE_URLS) == set(PAGES)


@pytest.mark.django_db
def test_each_role_gets_each_page_as_the_policy_says(world, browsers):
    links = detail_links(world)
    mismatches: list[str] = []
    cells = 0
    for name, expected_row in PAGES.items():
        url = PAGE_URLS[name](world)
        for actor in ACTORS:
            cells += 1
            with rolled_back():
                response = browsers[actor].get(url)
                got = page_outcome(response)
                shown = links_on(response, links) if got == OK else set()
                drain(response)
            if got != expected_row[actor]:
                mismatches.append(f"GET {name} as {actor}: {got}, expected {expected_row[actor]}")
            leaked = shown & HIDDEN.get(actor, frozenset())
            if leaked:
                mismatches.append(f"GET {name} as {actor}: links to {sorted(leaked)}, which it must not see")
            if name in LIST_PAGES and got == OK:
                missing = LIST_PAGES[name] - HIDDEN.get(actor, frozenset()) - shown
                if missing:
                    mismatches.append(f"GET {name} as {actor}: does not list {sorted(missing)}")
    assert not mismatches, report("pages", mismatches, cells)


def declared_steps(w: World, browsers: dict[str, Client]) -> tuple[dict[str, str], set[str]]:
    """Every step the pages declare (matrix_steps.py) -> how it was found. Each page that handles POST is shown to
    every actor who may see it: the Actions it runs and the POST forms it shows name its steps; a POST page (or a
    form) that names none is one step by itself. Also returns the pages that handle POST."""
    views = url_views(SKIPPED_PREFIXES)
    post_pages = {name for name, view in views.items() if handles_post(view)}
    found: dict[str, str] = {}
    for page in sorted(post_pages & set(PAGES)):  # a page without a row fails test_every_page_is_in_the_matrix
        url = PAGE_URLS[page](w)
        for actor in ACTORS:
            if PAGES[page][actor] != OK:
                continue
            with rolled_back(), actions_run() as actions:
                response = browsers[actor].get(url)
                html = response.content.decode() if response.get("Content-Type", "").startswith("text/html") else ""
                drain(response)
            for name in actions:
                found.setdefault(f"{page} {name}", "an Action")
            for target, which in forms_on(url, html):
                if target in views:
                    for name in which or {""}:
                        found.setdefault(f"{target} {name}".rstrip(), f"a form on {page}")
    for page in post_pages:
        for name in posted_names(views[page]):
            found.setdefault(f"{page} {name}", "its view reads it from the POST")
    named = {key.split(" ")[0] for key in found if " " in key}
    for page in post_pages - named:
        found.setdefault(page, "its view handles POST")
    return found, post_pages


@pytest.mark.django_db
def test_every_page_step_is_in_the_matrix(world, browsers):
    declared, post_pages = declared_steps(world, browsers)
    with rolled_back():
        rows = {step_key(s.page, s.data(world)) for s in STEPS}
    missing = [f"{key} ({how})" for key, how in sorted(declared.items()) if key not in rows | NOT_YET_IN_THE_MATRIX]
    assert not missing, f"page steps without a matrix row (STEPS): {missing}"
    # A plain POST page's default branch (no action named) may have a row without a form shown in the world's state.
    unknown = sorted(rows - set(declared) - post_pages)
    assert not unknown, f"STEPS rows for no declared step: {unknown}"
    stale = sorted(NOT_YET_IN_THE_MATRIX & rows | NOT_YET_IN_THE_MATRIX - set(declared))
    assert not stale, f"NOT_YET_IN_THE_MATRIX names steps with a row or no longer declared: {stale}"


@pytest.mark.django_db
def test_each_role_may_take_only_its_own_steps_on_pages(world, browsers):
    mismatches: list[str] = []
    cells = 0
    for step in STEPS:
        url = step.url(world)
        data = step.data(world)
        label = f"POST {step.page} {data.get('action', '')}".rstrip()
        for actor in ACTORS:
            cells += 1
            with rolled_back():
                before = (AuditEvent.objects.count(), step.state(world))
                response = browsers[actor].post(url, data)
                after = (AuditEvent.objects.count(), step.state(world))
                got = page_outcome(response)
                errors = form_errors(response) if response.status_code in (200, 422) else ""
                verified = step.check(world, actor) if step.check and actor in step.allowed else True
            if actor == "anonymous" and not step.anyone:
                ok = got == LOGIN and after == before
                expected = "302 to sign-in, nothing changed"
            elif actor in step.allowed or step.anyone:
                ok = response.status_code == step.success and (got != LOGIN or step.anyone) and not errors and verified
                ok = ok and (after != before or step.success == 200)
                expected = f"{step.success} and done"
            else:
                refused = got == DENY or (response.status_code in (200, 422) and bool(errors))
                ok = refused and after == before
                expected = "403/404 or the page's refusal, nothing changed"
            if not ok:
                detail = f"{response.status_code} {got}" + (f" [{errors[:120]}]" if errors else "")
                if after != before:
                    detail += f", state {before} -> {after}"
                if not verified:
                    detail += ", check failed"
                mismatches.append(f"{label} as {actor}: {detail}; expected {expected}")
    assert not mismatches, report("page steps", mismatches, cells)


@pytest.mark.django_db
def test_every_api_operation_is_in_the_matrix(world, browsers):
    response = browsers["anonymous"].get(f"{API_PREFIX}/openapi.json")
    assert response.status_code == 200
    operations = {
        f"{method.upper()} {path.removeprefix(API_PREFIX)}"
        for path, methods in response.json()["paths"].items()
        for method in methods
    }
    rows = {key.split(" @")[0] for key in API}  # "... @label": the same operation on another object
    assert operations == rows, (
        f"operations without a matrix row: {sorted(operations - rows)}; "
        f"rows without an operation: {sorted(rows - operations)}"
    )


def _api_call(w: World, actor: str, key: str, spec: Op):
    method, template = key.split(" @")[0].split(" ", 1)
    path = api_path(w, template, spec.on)
    headers = {"Authorization": f"Bearer {w.tokens[actor]}"} if actor in w.tokens else {}
    api = Client()
    if method == "GET":
        return api.get(path, headers=headers)
    body = spec.body(w) if spec.body else {}
    if spec.multipart:
        return api.post(path, body, headers=headers)
    return api.post(path, json.dumps(body), content_type="application/json", headers=headers)


def _listed(w: World, key: str, payload: dict) -> set[str]:
    """The world's objects in a list answer (items by id, certificates by number, tasks by their page)."""
    items = payload.get("items", [])
    if key == "GET /me/tasks":
        links = detail_links(w)
        return {links[t["url"]] for t in items if t["url"] in links}
    if key == "GET /certificates":
        numbers = {w.objects[k].number: k for k in CERTIFICATES}
        return {numbers[i["number"]] for i in items if i["number"] in numbers}
    kind = API[key].lists
    ids = {w.objects[k].pk: k for k in kind}
    return {ids[i["id"]] for i in items if i["id"] in ids}


@pytest.mark.django_db
def test_each_role_may_call_only_its_own_api_operations(world):
    mismatches: list[str] = []
    cells = 0
    for key, spec in API.items():
        for actor in ACTORS:
            cells += 1
            with rolled_back():
                response = _api_call(world, actor, key, spec)
                status = response.status_code
                is_json = response.get("Content-Type", "").startswith("application/json")
                payload = response.json() if is_json else {}
                drain(response)
            code = payload.get("code", "") if isinstance(payload, dict) else ""
            if actor == "anonymous" and actor not in spec.exact:
                ok, expected = status == 401, "401"
            elif actor in spec.exact:
                ok, expected = status == spec.exact[actor], str(spec.exact[actor])
            elif actor in spec.allowed:
                ok = status not in (401, 403, 404) and status < 500 and code != "validation_error"
                expected = "let through (not 401/403/404, no schema error)"
            else:
                ok, expected = status in (403, 404), "403/404"
            if not ok:
                mismatches.append(f"{key} as {actor}: {status} {code}; expected {expected}")
            if spec.lists is not None and status == 200:
                listed = _listed(world, key, payload)
                hidden = HIDDEN.get(actor, frozenset())
                if listed & hidden:
                    mismatches.append(f"{key} as {actor}: lists {sorted(listed & hidden)}, which it must not see")
                missing = (spec.lists - hidden - listed) if key != "GET /me/tasks" else set()
                if missing:
                    mismatches.append(f"{key} as {actor}: does not list {sorted(missing)}")
    assert not mismatches, report("API", mismatches, cells)


def test_every_admin_model_is_in_the_matrix():
    registered = set(admin_registry())
    assert registered == set(ADMIN_MODELS), (
        f"admin models without a matrix row: {sorted(registered - set(ADMIN_MODELS))}; "
        f"rows without an admin model: {sorted(set(ADMIN_MODELS) - registered)}"
    )


@pytest.mark.django_db
def test_only_administrators_reach_the_admin(world, browsers):
    mismatches: list[str] = []
    cells = 0
    pages = [("index", reverse("admin:index"), OK)]
    for label, model in sorted(admin_registry().items()):
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages.append((f"{label} list", reverse(f"{info}_changelist"), OK))
        pages.append((f"{label} add", reverse(f"{info}_add"), OK if ADMIN_MODELS.get(label) == EDIT else "403"))
    for name, url, for_administrators in pages:
        for actor in ADMIN_ACTORS:
            cells += 1
            expected = for_administrators if actor in ADMINISTRATORS else LOGIN
            with rolled_back():
                got = admin_outcome(browsers[actor].get(url))
            if got != expected:
                mismatches.append(f"GET admin {name} as {actor}: {got}, expected {expected}")
    assert not mismatches, report("admin", mismatches, cells)
