"""Drive cases through the lifecycle with the real services: used by seed_demo and by tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.core.files.base import ContentFile
from django.utils import timezone

from certbody.accounts.services import user_create
from certbody.applications import services as app_svc
from certbody.applications.models import Application
from certbody.certification import services as cert_svc
from certbody.certification.models import Result, TechnicalReview
from certbody.clients.models import Manufacturer, Organisation, ProductionSite
from certbody.clients.services import manufacturer_create, organisation_create, production_site_create
from certbody.core.roles import Role
from certbody.labs.models import Lab
from certbody.labs.services import lab_create
from certbody.schemes.models import ProductCategory, Scheme

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@dataclass
class Cast:
    """One user per staff role, a client organisation with its user, and a lab with its user."""

    market: Any
    engineer: Any
    inspector: Any
    inspector2: Any
    reviewer: Any
    decider: Any
    quality: Any
    management: Any
    admin: Any
    regulator: Any
    hr: Any
    client: Any
    lab_user: Any
    organisation: Organisation
    manufacturer: Manufacturer
    site: ProductionSite
    lab: Lab


def make_cast(prefix: str = "", password: str | None = "demo-pass-2026") -> Cast:
    def staff(name: str, role: str, display: str, **kw):
        return user_create(
            username=f"{prefix}{name}", password=password, roles=[role], display_name=display, actor=None, **kw
        )

    organisation = organisation_create(
        actor=None,
        name=f"{prefix}重庆示例银行股份有限公司",
        name_en="Chongqing Example Bank Co., Ltd.",
        address="重庆市江北区永平门街6号",
        city="重庆",
        contact_name="王敏",
    )
    manufacturer = manufacturer_create(
        actor=None, organisation=organisation, name=organisation.name, address=organisation.address
    )
    site = production_site_create(
        actor=None, manufacturer=manufacturer, name="研发中心", address="重庆市渝北区星光大道"
    )
    lab = lab_create(
        actor=None,
        name=f"{prefix}国家金融科技测评中心实验室",
        accreditation_number="CNAS L0001",
        categories=list(ProductCategory.objects.all()),
    )
    cast = Cast(
        market=staff("market", Role.MARKET, "市场 李娜"),
        engineer=staff("engineer", Role.ENGINEER, "工程师 张伟"),
        inspector=staff("inspector", Role.INSPECTOR, "检查员 刘洋"),
        inspector2=staff("inspector2", Role.INSPECTOR, "检查员 陈静"),
        reviewer=staff("reviewer", Role.REVIEWER, "审定 赵磊"),
        decider=staff("decider", Role.DECIDER, "决定 孙丽"),
        quality=staff("quality", Role.QUALITY, "质量 周强"),
        management=staff("management", Role.MANAGEMENT, "总经理 吴刚"),
        admin=staff("admin", Role.ADMIN, "系统管理员", is_superuser=True),
        regulator=staff("regulator", Role.REGULATOR, "监管 郑洁"),
        hr=staff("hr", Role.HR, "人事 冯娟"),
        client=staff("client", Role.CLIENT, "客户 王敏", organisation=organisation),
        lab_user=staff("lab", Role.LAB, "实验室 何平", lab=lab),
        organisation=organisation,
        manufacturer=manufacturer,
        site=site,
        lab=lab,
    )
    for user in (cast.market, cast.engineer, cast.inspector, cast.inspector2, cast.reviewer, cast.decider,
                 cast.quality, cast.management, cast.hr):  # fmt: skip
        qualify_staff(user)
    return cast


def qualify_staff(user: Any, *, years: int = 5) -> Any:
    """Personnel records that make a staff user assignable in every part its roles imply (people rule engine):
    registrations and authorisations from `years` ago to `years` ahead, declarations signed for each year."""
    from certbody.people.staffing import qualify

    today = timezone.localdate()
    return qualify(
        user, since=today - relativedelta(years=years), until=today + relativedelta(years=years), evaluated_on=today
    )


def cover_scheme(lab: Lab, scheme: Scheme) -> None:
    """The lab tests the scheme's category (a transactional test's catalogue may load after the cast)."""
    lab.categories.add(scheme.category)


def submitted_application(
    cast: Cast,
    scheme: Scheme,
    *,
    title: str = "",
    kind=Application.Kind.INITIAL,
    certificate=None,
    product: str = "手机银行客户端",
    models: tuple[str, ...] = ("V6",),
    actor: Any = None,
) -> Application:
    actor = actor or cast.client
    application = app_svc.application_create(
        actor=actor,
        organisation=cast.organisation,
        scheme=scheme,
        title=title or f"{product} {scheme.name_zh}",
        kind=kind,
        certificate=certificate,
        change_description="" if kind == Application.Kind.INITIAL else "升级版本",
    )
    app_svc.unit_add(
        actor=actor,
        application=application,
        product_name=product,
        model_names=list(models),
        version="6.0.1",
        manufacturer=cast.manufacturer,
        production_site=cast.site,
        difference_statement="各型号仅外观不同" if len(models) > 1 else "",
    )
    return app_svc.application_submit(actor=actor, application=application)


_contract_no = [0]


def accepted(cast: Cast, application: Application) -> Application:
    _contract_no[0] += 1
    return app_svc.application_accept(
        actor=cast.market,
        application=application,
        contract_number=f"HT-{application.number}-{_contract_no[0]}",
        fee="38000.00",
        signed_on=timezone.localdate(),
        engineer=cast.engineer,
        evaluation_required=True,
    )


def evaluated(cast: Cast, application: Application, *, result: str = Result.PASS) -> Application:
    """Accepted → evaluation complete (type tests reported; initial inspection if the scheme needs it)."""
    today = timezone.localdate()
    cover_scheme(cast.lab, application.scheme)
    cert_svc.evaluation_start(actor=cast.engineer, application=application)
    for unit in application.units.all():
        order = cert_svc.test_order_create(actor=cast.engineer, case=application, lab=cast.lab, unit=unit)
        cert_svc.test_order_send_sample(actor=cast.engineer, order=order, sent_on=today)
        cert_svc.test_order_receive_sample(actor=cast.lab_user, order=order, received_on=today)
        cert_svc.test_order_report(
            actor=cast.lab_user,
            order=order,
            report_number=f"R-{order.number}",
            issued_on=today,
            result=result,
            report_file=ContentFile(MINIMAL_PDF, name="report.pdf"),
        )
    if application.scheme.initial_inspection and application.kind == Application.Kind.INITIAL:
        inspection = cert_svc.inspection_plan(
            actor=cast.engineer, case=application, planned_on=today, leader=cast.inspector, members=[cast.inspector2]
        )
        cert_svc.inspection_complete(
            actor=cast.inspector, inspection=inspection, conclusion=Result.PASS, completed_on=today
        )
    return cert_svc.evaluation_complete(actor=cast.engineer, application=application)


def reviewed(cast: Cast, application: Application) -> Application:
    cert_svc.reviewer_assign(actor=cast.engineer, application=application, reviewer=cast.reviewer)
    cert_svc.review_complete(
        actor=cast.reviewer, application=application, recommendation=TechnicalReview.Recommendation.GRANT
    )
    application.refresh_from_db()
    return application


def granted(cast: Cast, application: Application, issued_on: date | None = None):
    cert_svc.decision_make(actor=cast.decider, application=application, outcome="grant", issued_on=issued_on)
    application.refresh_from_db()
    from certbody.certificates.models import Certificate

    if application.kind == Application.Kind.INITIAL:
        return Certificate.objects.get(application=application)
    return Certificate.objects.get(pk=application.certificate_id)


def certified(cast: Cast, scheme: Scheme, **kw):
    """A whole initial certification: returns the certificate."""
    application = submitted_application(cast, scheme, **kw)
    return granted(cast, reviewed(cast, evaluated(cast, accepted(cast, application))))


def surveyed(cast: Cast, surveillance, *, outcome: str = "keep", reason: str = ""):
    today = timezone.localdate()
    cert_svc.surveillance_start(actor=cast.engineer, surveillance=surveillance)
    inspection = cert_svc.inspection_plan(
        actor=cast.engineer, case=surveillance, planned_on=today, leader=cast.inspector
    )
    cert_svc.inspection_complete(
        actor=cast.inspector, inspection=inspection, conclusion=Result.PASS, completed_on=today
    )
    return cert_svc.surveillance_complete(actor=cast.decider, surveillance=surveillance, outcome=outcome, reason=reason)


def days_ago(n: int) -> date:
    return timezone.localdate() - timedelta(days=n)
