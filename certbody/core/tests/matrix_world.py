"""The world of the permission matrix: two client organisations with their labs, cases in every useful state, and
one person per role (plus a few who hold a role but are not on the case), all made with the real services.

Own organisation (make_cast()):
  app_draft       draft with one unit (unit_draft)                       - unit add/remove, submit
  app_submitted   submitted                                              - accept / return / reject / withdraw
  app_accepted    accepted, engineer assigned                            - start the evaluation
  app_eval        in evaluation (hardware): order_sent (sample sent to the own lab), insp_a planned (inspector leads,
                  alone), finding_a open                                 - the evaluation steps
  app_review      in technical review, reviewer assigned                 - review, send back
  app_decision    waiting for the decision; decider_involved was on its inspection team
  app_granted     granted -> cert (valid): order_done (report file), insp_done, nc (open nonconformity case),
                  surv in progress (engineer) with insp_follow completed (inspector leads) - ready for its outcome
  app_granted2    granted -> cert2, suspended; surv_planned (planned)   - restore, start a surveillance
Other organisation (make_cast(prefix="other_")), run by its own staff:
  o_app_eval      in evaluation: o_order (its lab), o_insp, o_finding
  o_app_granted   granted -> o_cert with o_surv (planned), o_order_done, o_nc
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from certbody.accounts.services import api_token_create, user_create
from certbody.applications import services as app_svc
from certbody.certificates import services as certificate_svc
from certbody.certificates.models import Certificate, NonconformityCase, SuspensionReason
from certbody.certification import services as cert_svc
from certbody.certification.models import Finding, Result, Surveillance
from certbody.core.roles import Role
from certbody.demo import scenarios as sc
from certbody.schemes.models import Scheme

SOFTWARE = "NFCC-PC-B01"  # type testing only
HARDWARE = "NFCC-PC-B06"  # type testing and an initial factory inspection

# Everyone the matrix asks, in the order the tables list them.
ACTORS = (
    "anonymous",
    "client",  # of the own organisation
    "other_client",  # of the other organisation
    "market",
    "engineer",  # assigned to the own cases
    "other_engineer",  # an engineer assigned to nothing
    "inspector",  # leads the own inspections
    "inspector2",  # an inspector on no team
    "lab",  # of the own lab (every own test order goes there)
    "other_lab",  # of the other organisation's lab
    "reviewer",  # assigned to app_review
    "reviewer2",  # a reviewer assigned to nothing
    "decider",
    "decider_involved",  # decider and inspector, member of app_decision's inspection team
    "quality",
    "hr",
    "management",
    "regulator",
    "admin",
)


@dataclass
class World:
    cast: sc.Cast
    other: sc.Cast
    software: Scheme
    hardware: Scheme
    users: dict[str, Any]
    objects: dict[str, Any]
    tokens: dict[str, str] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        objects = self.__dict__.get("objects") or {}
        if name in objects:
            return objects[name]
        raise AttributeError(name)

    def fresh(self, key: str) -> Any:
        obj = self.objects[key]
        return type(obj).objects.get(pk=obj.pk)


def _today():
    return timezone.localdate()


def _report(cast: sc.Cast, order) -> None:
    cert_svc.test_order_receive_sample(actor=cast.lab_user, order=order, received_on=_today())
    cert_svc.test_order_report(
        actor=cast.lab_user,
        order=order,
        report_number=f"R-{order.number}",
        issued_on=_today(),
        result=Result.PASS,
        report_file=ContentFile(sc.MINIMAL_PDF, name="report.pdf"),
    )


def _evaluated(cast: sc.Cast, application, *, members=()):
    """Accepted -> evaluation complete, the inspection team being the cast's inspector plus `members`."""
    cert_svc.evaluation_start(actor=cast.engineer, application=application)
    for unit in application.units.all():
        order = cert_svc.test_order_create(actor=cast.engineer, case=application, lab=cast.lab, unit=unit)
        cert_svc.test_order_send_sample(actor=cast.engineer, order=order, sent_on=_today())
        _report(cast, order)
    if application.scheme.initial_inspection:
        inspection = cert_svc.inspection_plan(
            actor=cast.engineer, case=application, planned_on=_today(), leader=cast.inspector, members=list(members)
        )
        cert_svc.inspection_complete(
            actor=cast.inspector, inspection=inspection, conclusion=Result.PASS, completed_on=_today()
        )
    return cert_svc.evaluation_complete(actor=cast.engineer, application=application)


def _in_evaluation(cast: sc.Cast, scheme: Scheme, title: str):
    """An application in evaluation with a test order whose sample is sent, and a planned inspection with a finding."""
    application = sc.accepted(cast, sc.submitted_application(cast, scheme, title=title))
    cert_svc.evaluation_start(actor=cast.engineer, application=application)
    order = cert_svc.test_order_create(
        actor=cast.engineer, case=application, lab=cast.lab, unit=application.units.first()
    )
    order = cert_svc.test_order_send_sample(actor=cast.engineer, order=order, sent_on=_today())
    inspection = cert_svc.inspection_plan(
        actor=cast.engineer, case=application, planned_on=_today(), leader=cast.inspector
    )
    finding = cert_svc.finding_add(
        actor=cast.inspector,
        inspection=inspection,
        severity=Finding.Severity.MINOR,
        description="出厂检验记录不完整",
        clause="7.4",
    )
    application.refresh_from_db()
    return application, order, inspection, finding


def _granted(cast: sc.Cast, scheme: Scheme, title: str, *, members=()):
    application = sc.accepted(cast, sc.submitted_application(cast, scheme, title=title))
    certificate = sc.granted(cast, sc.reviewed(cast, _evaluated(cast, application, members=members)))
    application.refresh_from_db()
    return application, certificate


def build_world() -> World:
    software = Scheme.objects.get(code=SOFTWARE)
    hardware = Scheme.objects.get(code=HARDWARE)
    c = sc.make_cast(password=None)
    o = sc.make_cast(prefix="other_", password=None)
    other_engineer = user_create(
        username="engineer_unassigned", password=None, roles=[Role.ENGINEER], actor=None, display_name="工程师 闲"
    )
    reviewer2 = user_create(
        username="reviewer_unassigned", password=None, roles=[Role.REVIEWER], actor=None, display_name="审定 闲"
    )
    decider_involved = user_create(
        username="decider_inspector",
        password=None,
        roles=[Role.DECIDER, Role.INSPECTOR],
        actor=None,
        display_name="决定兼检查员",
    )
    for extra in (other_engineer, reviewer2, decider_involved):
        sc.qualify_staff(extra)  # personnel records the people rule engine asks for
    users = {
        "anonymous": None,
        "client": c.client,
        "other_client": o.client,
        "market": c.market,
        "engineer": c.engineer,
        "other_engineer": other_engineer,
        "inspector": c.inspector,
        "inspector2": c.inspector2,
        "lab": c.lab_user,
        "other_lab": o.lab_user,
        "reviewer": c.reviewer,
        "reviewer2": reviewer2,
        "decider": c.decider,
        "decider_involved": decider_involved,
        "quality": c.quality,
        "hr": c.hr,
        "management": c.management,
        "regulator": c.regulator,
        "admin": c.admin,
    }
    assert tuple(users) == ACTORS
    objects: dict[str, Any] = {}

    # --- own organisation ---------------------------------------------------------------------------------------
    draft = app_svc.application_create(
        actor=c.client, organisation=c.organisation, scheme=software, title="草稿 手机银行客户端"
    )
    objects["unit_draft"] = app_svc.unit_add(
        actor=c.client,
        application=draft,
        product_name="手机银行客户端",
        model_names=["V7"],
        version="7.0.0",
        manufacturer=c.manufacturer,
        production_site=c.site,
    )
    objects["app_draft"] = draft
    objects["app_submitted"] = sc.submitted_application(c, software, title="已提交 网上银行客户端")
    objects["app_accepted"] = sc.accepted(c, sc.submitted_application(c, software, title="已受理 企业网银客户端"))

    app_eval, order_sent, insp_a, finding_a = _in_evaluation(c, hardware, "评价中 POS终端")
    objects.update(app_eval=app_eval, order_sent=order_sent, insp_a=insp_a, finding_a=finding_a)

    app_review = _evaluated(c, sc.accepted(c, sc.submitted_application(c, software, title="审定中 客户端")))
    cert_svc.reviewer_assign(actor=c.engineer, application=app_review, reviewer=c.reviewer)
    app_review.refresh_from_db()
    objects["app_review"] = app_review

    app_decision = sc.accepted(c, sc.submitted_application(c, hardware, title="待决定 POS终端"))
    app_decision = sc.reviewed(c, _evaluated(c, app_decision, members=[decider_involved]))
    objects["app_decision"] = app_decision

    app_granted, cert = _granted(c, hardware, "已发证 POS终端")
    objects.update(
        app_granted=app_granted,
        cert=cert,
        order_done=app_granted.test_orders.get(),
        insp_done=app_granted.inspections.get(),
    )
    objects["nc"] = certificate_svc.nonconformity_confirm(
        actor=c.quality,
        certificate=cert,
        source=NonconformityCase.Source.COMPLAINT,
        description="用户投诉交易异常",
        confirmed_on=_today(),
    )
    surv = cert.surveillances.get(status=Surveillance.Status.PLANNED)
    cert_svc.surveillance_start(actor=c.engineer, surveillance=surv)
    insp_follow = cert_svc.inspection_plan(actor=c.engineer, case=surv, planned_on=_today(), leader=c.inspector)
    cert_svc.inspection_complete(
        actor=c.inspector, inspection=insp_follow, conclusion=Result.PASS, completed_on=_today()
    )
    surv.refresh_from_db()
    objects.update(surv=surv, insp_follow=insp_follow)

    app_granted2, cert2 = _granted(c, software, "已发证 客户端")
    certificate_svc.certificate_suspend(
        actor=c.quality,
        certificate=cert2,
        reason_code=SuspensionReason.CLIENT_REQUEST,
        reason="持证人申请暂停",
        until=_today() + timedelta(days=30),
    )
    cert2.refresh_from_db()
    objects.update(
        app_granted2=app_granted2, cert2=cert2, surv_planned=cert2.surveillances.get(status=Surveillance.Status.PLANNED)
    )

    # --- the other organisation, run by its own staff --------------------------------------------------------------
    o_app_eval, o_order, o_insp, o_finding = _in_evaluation(o, hardware, "其他 评价中 POS终端")
    objects.update(o_app_eval=o_app_eval, o_order=o_order, o_insp=o_insp, o_finding=o_finding)
    o_app_granted, o_cert = _granted(o, software, "其他 已发证 客户端")
    objects.update(
        o_app_granted=o_app_granted,
        o_cert=o_cert,
        o_order_done=o_app_granted.test_orders.get(),
        o_surv=o_cert.surveillances.get(status=Surveillance.Status.PLANNED),
    )
    objects["o_nc"] = certificate_svc.nonconformity_confirm(
        actor=o.quality,
        certificate=o_cert,
        source=NonconformityCase.Source.SURVEILLANCE,
        description="抽样不合格",
        confirmed_on=_today(),
    )

    # --- people and impartiality: a personnel record, and an override asked for a lab outside its scope ------------
    from certbody.labs.models import Lab
    from certbody.people import services as people_svc

    objects["person"] = c.inspector.person
    scope_lab = Lab.objects.create(name="矩阵 范围外实验室")
    scope_lab.categories.add(software.category)  # app_eval is hardware
    objects["scope_lab"] = scope_lab
    objects["override"] = people_svc.override_request(
        actor=c.engineer, subject=scope_lab, role="lab", case=app_eval, reason="唯一具备该型号测试条件的实验室"
    )

    # --- the client portal (certbody/portal/tests/helpers.py): p_app, p_doc, p_att, p_invitation_token ---------------
    from certbody.portal.tests.helpers import portal_world

    objects.update(portal_world(c, software))
    from certbody.portal.models import Notification

    Notification.objects.create(user=o.client, kind="message", params={"number": "X", "author": "矩阵"})

    world = World(cast=c, other=o, software=software, hardware=hardware, users=users, objects=objects)
    for name, user in users.items():
        if user is not None:
            world.tokens[name] = api_token_create(user=user, name="matrix", actor=user)[1]
    objects["client_token"] = api_token_create(user=c.client, name="to revoke", actor=c.client)[0]
    _check(world)
    return world


def _check(w: World) -> None:
    """The states the matrix relies on; a change in the scenarios shows here rather than as odd matrix cells."""
    from certbody.applications.models import Application
    from certbody.certification.models import Inspection, TestOrder

    S = Application.Status  # noqa: N806
    expected = {
        "app_draft": S.DRAFT,
        "app_submitted": S.SUBMITTED,
        "app_accepted": S.ACCEPTED,
        "app_eval": S.EVALUATION,
        "app_review": S.REVIEW,
        "app_decision": S.DECISION,
        "app_granted": S.GRANTED,
        "app_granted2": S.GRANTED,
        "o_app_eval": S.EVALUATION,
        "o_app_granted": S.GRANTED,
        "order_sent": TestOrder.Status.SAMPLE_SENT,
        "order_done": TestOrder.Status.REPORTED,
        "o_order": TestOrder.Status.SAMPLE_SENT,
        "insp_a": Inspection.Status.PLANNED,
        "insp_follow": Inspection.Status.COMPLETED,
        "cert": Certificate.Status.VALID,
        "cert2": Certificate.Status.SUSPENDED,
        "o_cert": Certificate.Status.VALID,
        "surv": Surveillance.Status.IN_PROGRESS,
        "surv_planned": Surveillance.Status.PLANNED,
        "o_surv": Surveillance.Status.PLANNED,
        "nc": NonconformityCase.Status.OPEN,
    }
    actual = {key: w.fresh(key).status for key in expected}
    assert actual == expected, {k: (actual[k], v) for k, v in expected.items() if actual[k] != v}
    assert w.fresh("app_review").reviewer_id == w.cast.reviewer.pk
    assert w.fresh("app_accepted").engineer_id == w.cast.engineer.pk
    assert list(w.insp_a.members.values_list("user__username", flat=True)) == [w.cast.inspector.username]
