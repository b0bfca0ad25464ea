"""The demo history: four years of a fintech certification centre, replayed through the real services.

Every record is made by the service a person would use (so the audit chain, status
history and numbers are real), on a demo clock that runs from the past to today
(see `clock.py`). Each case is a story (see `steps.py`); the timeline interleaves the
stories in date order and runs the daily job on every day it visits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import transaction

from certbody.accounts.models import User
from certbody.accounts.services import user_create
from certbody.applications import services as app_svc
from certbody.applications.models import Application
from certbody.certificates import services as certificate_svc
from certbody.certificates.models import (
    CancellationReason,
    Certificate,
    NonconformityCase,
    SuspensionReason,
)
from certbody.certification import services as cert_svc
from certbody.certification.models import Finding, Result, Surveillance
from certbody.clients.models import Manufacturer, Organisation, ProductionSite
from certbody.clients.services import manufacturer_create, organisation_create, production_site_create
from certbody.core.roles import Role
from certbody.demo import scenarios as sc
from certbody.labs.models import Lab
from certbody.labs.services import lab_create
from certbody.schemes.models import ProductCategory, Scheme

from . import publicsite as publicsite_demo
from .clock import DemoClock
from .data import CLIENTS, DEMO_USERNAMES, LABS, STAFF, demo_usccs, make_uscc
from .people import PeopleSteps
from .steps import CaseSteps, S, Step, Timeline


def demo_logins(password: str) -> list[tuple[str, str, str]]:
    """(username, role, password) of every demo user."""
    logins = [(m.username, str(Role(m.role).label), password) for m in STAFF]
    logins += [(c.user, str(Role.CLIENT.label) + f" · {c.name}", password) for c in CLIENTS]
    logins += [(lab.user, str(Role.LAB.label) + f" · {lab.name}", password) for lab in LABS]
    return logins


def demo_present() -> bool:
    """True when any demo user or demo client already exists: the demo is never built twice."""
    return (
        User.objects.filter(username__in=DEMO_USERNAMES).exists()
        or Organisation.objects.filter(uscc__in=demo_usccs()).exists()
    )


@dataclass
class ClientKit:
    organisation: Organisation
    user: User
    makers: list[tuple[Manufacturer, ProductionSite]] = field(default_factory=list)


@dataclass
class DemoResult:
    applications: dict[str, int]
    application_kinds: dict[str, int]
    certificates: dict[str, int]
    logins: list[tuple[str, str, str]]


class DemoBuilder(PeopleSteps, CaseSteps):
    """Builds the demo. `build()` must run inside a transaction (the command wraps it in one)."""

    def __init__(self, *, password: str) -> None:
        self.password = password
        self.staff: dict[str, User] = {}
        self.clients: dict[str, ClientKit] = {}
        self.labs: dict[str, tuple[Lab, User]] = {}
        # One active scheme per catalogue category (the default catalogue has exactly one each).
        self.schemes: dict[str, Scheme] = {}
        for scheme in Scheme.objects.filter(is_active=True).select_related("category").order_by("code"):
            self.schemes.setdefault(scheme.category.code, scheme)
        self.today: date | None = None
        self.made: dict[str, Any] = {}

    # --- helpers --------------------------------------------------------------------------------

    def ago(self, days: int) -> date:
        return self.today - timedelta(days=days)

    def cast(
        self,
        client: str,
        *,
        category: str,
        maker: int = 0,
        engineer: str = "engineer",
        inspectors: tuple[str, str] = ("inspector", "inspector2"),
    ) -> sc.Cast:
        """The scenario cast for one client's case: the staff, that client, and the lab for the category."""
        kit = self.clients[client]
        manufacturer, site = kit.makers[maker]
        lab, lab_user = next(v for k, v in self.labs.items() if category in self._lab_categories[k])
        s = self.staff
        return sc.Cast(
            market=s["market"],
            engineer=s[engineer],
            inspector=s[inspectors[0]],
            inspector2=s[inspectors[1]],
            reviewer=s["reviewer"],
            decider=s["decider"],
            quality=s["quality"],
            management=s["management"],
            admin=s["admin"],
            regulator=s["regulator"],
            hr=s["hr"],
            client=kit.user,
            lab_user=lab_user,
            organisation=kit.organisation,
            manufacturer=manufacturer,
            site=site,
            lab=lab,
        )

    # --- the centre, its clients and labs ---------------------------------------------------------

    def setup(self) -> Step:
        admin_spec = next(m for m in STAFF if m.superuser)
        admin = user_create(
            username=admin_spec.username,
            password=self.password,
            roles=[admin_spec.role],
            display_name=admin_spec.name,
            is_superuser=True,
            actor=None,
        )
        self.staff[admin.username] = admin
        for member in STAFF:
            if member.superuser:
                continue
            self.staff[member.username] = user_create(
                username=member.username,
                password=self.password,
                roles=[member.role],
                display_name=member.name,
                email=f"{member.username}@nfcc.example.cn",
                actor=admin,
            )
        self._lab_categories: dict[str, tuple[str, ...]] = {}
        categories = {c.code: c for c in ProductCategory.objects.all()}
        for spec in LABS:
            lab = lab_create(
                actor=admin,
                name=spec.name,
                name_en=spec.name_en,
                accreditation_number=spec.accreditation,
                address=spec.address,
                categories=[categories[c] for c in spec.categories if c in categories],
            )
            user = user_create(
                username=spec.user,
                password=self.password,
                roles=[Role.LAB],
                display_name=spec.user_name,
                lab=lab,
                actor=admin,
            )
            self.labs[spec.key] = (lab, user)
            self._lab_categories[spec.key] = spec.categories
        for spec in CLIENTS:
            organisation = organisation_create(
                actor=self.staff["market"],
                name=spec.name,
                name_en=spec.name_en,
                uscc=make_uscc(spec.region, spec.serial),
                address=spec.address,
                address_en=spec.address_en,
                city=spec.city,
                contact_name=spec.contact,
                contact_phone=spec.phone,
            )
            makers = []
            for site_spec in spec.sites:
                manufacturer = manufacturer_create(
                    actor=self.staff["market"],
                    organisation=organisation,
                    name=site_spec.manufacturer,
                    name_en=site_spec.manufacturer_en,
                    address=site_spec.manufacturer_address,
                )
                site = production_site_create(
                    actor=self.staff["market"],
                    manufacturer=manufacturer,
                    name=site_spec.site,
                    address=site_spec.site_address,
                )
                makers.append((manufacturer, site))
            user = user_create(
                username=spec.user,
                password=self.password,
                roles=[Role.CLIENT],
                display_name=spec.user_name,
                organisation=organisation,
                actor=self.staff["market"],
            )
            self.clients[spec.key] = ClientKit(organisation, user, makers)
        return
        yield  # a generator: the timeline starts it

    # --- the stories --------------------------------------------------------------------------------

    def story_expired(self) -> Step:
        """A security chip certified three years ago, surveyed twice, not renewed: the daily job expires it."""
        c = self.cast("yuxin", category="FT02")
        _, certificate = yield from self.case(
            c,
            "FT02",
            product="金融安全芯片",
            product_en="Financial security chip",
            models=("YX-SE100",),
            version="V1.0",
            trademark="渝芯",
        )
        yield from self.survey_when_due(c, certificate)
        yield from self.survey_when_due(c, certificate)
        yield certificate.expires_on + timedelta(days=1)
        self.made["expired"] = certificate

    def story_versions(self) -> Step:
        """A mobile banking app: initial grant, a change (version 2) and an extension (version 3)."""
        c = self.cast("cqbank", category="FT01")
        _, certificate = yield from self.case(
            c,
            "FT01",
            product="渝银手机银行客户端",
            product_en="Bank of Chongqing mobile banking app",
            models=("Android", "iOS"),
            version="V5.0.0",
            trademark="重庆银行",
        )
        yield from self.survey_when_due(c, certificate)
        yield 10
        yield from self.case(
            c,
            "FT01",
            product="渝银手机银行客户端",
            models=("Android", "iOS"),
            version="V6.0.0",
            kind=Application.Kind.CHANGE,
            certificate=certificate,
            change="新增刷脸登录功能；更换安全键盘组件供应商。",
        )
        yield from self.survey_when_due(c, certificate)
        yield 20
        yield from self.case(
            c,
            "FT01",
            product="渝银企业手机银行客户端",
            models=("Android", "iOS"),
            version="V2.1.0",
            kind=Application.Kind.EXTENSION,
            certificate=certificate,
            change="扩大认证范围：增加企业手机银行客户端。",
        )
        self.made["versions"] = certificate

    def story_recertified(self) -> Step:
        """A bank app certified three years ago, surveyed each year and recertified before it expired."""
        c = self.cast("cqrcb", category="FT01", engineer="engineer2")
        _, certificate = yield from self.case(
            c,
            "FT01",
            product="渝农商手机银行客户端",
            models=("Android", "iOS", "HarmonyOS"),
            version="V4.2.0",
            trademark="重庆农商行",
        )
        yield from self.survey_when_due(c, certificate)
        yield from self.survey_when_due(c, certificate)
        yield certificate.expires_on - timedelta(days=86)
        yield from self.case(
            c,
            "FT01",
            product="渝农商手机银行客户端",
            models=("Android", "iOS", "HarmonyOS"),
            version="V5.0.0",
            kind=Application.Kind.RECERTIFICATION,
            certificate=certificate,
            change="证书有效期届满前申请再认证；产品升级至V5.0.0。",
        )
        self.made["recertified"] = certificate

    def story_overdue(self) -> Step:
        """A POS terminal whose first surveillance is overdue, and a change application awaiting decision."""
        c = self.cast("liangjiang", category="FT06", inspectors=("inspector3", "inspector"))
        _, certificate = yield from self.case(
            c,
            "FT06",
            product="智能POS终端",
            product_en="Smart POS terminal",
            models=("LJ-P8", "LJ-P8S"),
            version="V3.1",
            trademark="两江支付",
        )
        self.made["overdue"] = certificate
        yield self.ago(40)
        yield from self.case(
            c,
            "FT06",
            product="智能POS终端",
            models=("LJ-P8", "LJ-P8S"),
            version="V3.2",
            kind=Application.Kind.CHANGE,
            certificate=certificate,
            change="更换主控芯片供应商，安全模块不变。",
            until=S.DECISION,
        )

    def story_suspended(self) -> Step:
        """A barcode terminal made by an OEM: a complaint confirms a nonconformity, suspended within 5 days."""
        c = self.cast("liangjiang", category="FT09", maker=1, inspectors=("inspector2", "inspector3"))
        _, certificate = yield from self.case(
            c, "FT09", product="条码支付受理终端", models=("LJ-Q3",), version="V2.0", trademark="两江支付"
        )
        yield from self.survey_when_due(c, certificate)
        yield self.ago(14)
        case = certificate_svc.nonconformity_confirm(
            actor=c.quality,
            certificate=certificate,
            source=NonconformityCase.Source.COMPLAINT,
            description="商户投诉经核实：在售LJ-Q3终端固件版本与获证版本不一致，未按规定申请变更。",
            confirmed_on=self.clock.today(),
        )
        yield 3
        certificate_svc.certificate_suspend(
            actor=c.quality,
            certificate=certificate,
            reason_code=SuspensionReason.NONCONFORMITY,
            reason="获证产品与型式试验样品不一致，暂停证书，限期整改。",
            until=self.clock.today() + timedelta(days=90),
            case=case,
        )
        self.made["suspended"] = certificate

    def story_withdrawn(self) -> Step:
        """An IC card: surveillance fails, the certificate is suspended and, never corrected, withdrawn."""
        c = self.cast("yuxin", category="FT03", maker=1, inspectors=("inspector", "inspector3"))
        _, certificate = yield from self.case(
            c, "FT03", product="金融IC卡", models=("YX-Card",), version="V2.3", trademark="渝芯"
        )
        surveillance = self._next_surveillance(certificate)
        yield surveillance.due_on
        cert_svc.surveillance_start(actor=c.engineer, surveillance=surveillance)
        inspection = cert_svc.inspection_plan(
            actor=c.engineer,
            case=surveillance,
            planned_on=self.clock.today(),
            leader=c.inspector,
            members=[c.inspector2],
        )
        cert_svc.finding_add(
            actor=c.inspector,
            inspection=inspection,
            severity=Finding.Severity.MAJOR,
            clause="工厂质量保证能力要求 4.6 一致性控制",
            description="生产现场抽取的卡片芯片掩膜版本与获证样品不一致，且无变更记录。",
        )
        cert_svc.inspection_complete(
            actor=c.inspector,
            inspection=inspection,
            conclusion=Result.FAIL,
            completed_on=self.clock.today(),
            summary="产品一致性不符合，存在严重不符合项。",
        )
        yield 3
        cert_svc.surveillance_complete(
            actor=c.decider,
            surveillance=surveillance,
            outcome=Surveillance.Outcome.SUSPEND,
            reason="跟踪检查发现严重不符合（产品一致性），暂停证书，限期整改。",
        )
        certificate.refresh_from_db()
        # Never corrected: the daily job withdraws it the day after the suspension ends.
        yield certificate.suspended_until + timedelta(days=1)
        self.made["withdrawn"] = certificate

    def story_cancelled(self) -> Step:
        """A cloud platform cancelled at the holder's request after the platform was retired."""
        c = self.cast("shuyun", category="FT11", engineer="engineer2")
        _, certificate = yield from self.case(
            c,
            "FT11",
            product="数云金融云平台",
            product_en="Shuyun financial cloud platform",
            models=("SY-FinCloud",),
            version="V3.0",
        )
        yield from self.survey_when_due(c, certificate)
        yield self.ago(120)
        certificate_svc.certificate_cancel(
            actor=c.market,
            certificate=certificate,
            reason_code=CancellationReason.DISCONTINUED,
            reason="持证人申请注销：该平台已整体迁移至新一代架构，原版本停止对外服务。",
        )
        self.made["cancelled"] = certificate

    def story_open_nonconformity(self) -> Step:
        """A voiceprint system: a nonconformity confirmed two days ago, the 5-day suspension clock running."""
        c = self.cast("shengwen", category="FT10")
        _, certificate = yield from self.case(
            c, "FT10", product="声纹识别身份认证系统", models=("VoiceID-Server",), version="V2.1"
        )
        yield self.ago(2)
        certificate_svc.nonconformity_confirm(
            actor=c.quality,
            certificate=certificate,
            source=NonconformityCase.Source.COMPLAINT,
            description="用户投诉经核实：新上线版本在噪声环境下的错误接受率高于获证时的检测结果。",
            confirmed_on=self.clock.today(),
        )
        self.made["nonconformity"] = certificate

    def story_valid(
        self, client: str, category: str, product: str, models: tuple[str, ...], version: str, **cast_kw
    ) -> Step:
        """A certification that went smoothly: the certificate is valid today."""
        c = self.cast(client, category=category, **cast_kw)
        yield from self.case(c, category, product=product, models=models, version=version)

    def story_open(
        self,
        client: str,
        category: str,
        until: str,
        product: str,
        models: tuple[str, ...],
        version: str,
        note: str = "",
        test_result: str = Result.PASS,
        **cast_kw,
    ) -> Step:
        """An application that stops at `until` (still open, or ended without a certificate)."""
        c = self.cast(client, category=category, **cast_kw)
        if until == S.WITHDRAWN:
            # The client withdraws while the samples are in the lab: the engineer cancels the test orders first.
            application, _ = yield from self.case(
                c, category, product=product, models=models, version=version, until=S.EVALUATION
            )
            yield 5
            for order in application.test_orders.all():
                cert_svc.test_order_cancel(actor=c.engineer, order=order, reason=note)
            app_svc.application_withdraw(actor=c.client, application=application, reason=note)
            return
        yield from self.case(
            c,
            category,
            product=product,
            models=models,
            version=version,
            until=until,
            note=note,
            test_result=test_result,
        )

    # --- the whole history ---------------------------------------------------------------------------

    def build(self) -> DemoResult:
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("DemoBuilder.build() must run inside a transaction")
        with DemoClock() as clock:
            self.clock = clock
            self.today = clock.real_today()
            timeline = Timeline(clock, daily=lambda: certificate_svc.run_daily())
            timeline.add(self.ago(1260), self.setup())
            timeline.add(self.ago(1260), self.story_people())
            timeline.add(self.ago(185), self.story_renewals())
            timeline.add(self.ago(1200), self.story_expired())
            timeline.add(self.ago(1120), self.story_recertified())
            timeline.add(self.ago(950), self.story_versions())
            timeline.add(self.ago(930), self.story_withdrawn())
            timeline.add(self.ago(780), self.story_cancelled())
            timeline.add(self.ago(600), self.story_suspended())
            timeline.add(self.ago(520), self.story_overdue())
            timeline.add(self.ago(330), self.story_open_nonconformity())
            valid = [
                (260, "cqbank", "FT13", "渝银开放银行API平台", ("OpenAPI-GW",), "V1.5", {}),
                (180, "cqrcb", "FT13", "渝农商开放平台API网关", ("CQRCB-API",), "V2.0", {"engineer": "engineer2"}),
                (150, "shengwen", "FT07", "声纹安全可信执行环境", ("SW-TEE",), "V1.2", {"engineer": "engineer2"}),
                (110, "shuyun", "FT14", "数云多方安全计算平台", ("SY-MPC",), "V1.0", {}),
                (70, "yuxin", "FT04", "YX-COS金融IC卡嵌入式应用", ("YX-COS",), "V3.0", {}),
            ]
            for start, client, category, product, models, version, kw in valid:
                timeline.add(self.ago(start), self.story_valid(client, category, product, models, version, **kw))
            # Applications that stop on the way: together with the above, one in every state.
            stopped = [
                (
                    430,
                    "shuyun",
                    "FT12",
                    S.REFUSED,
                    "数云BaaS平台",
                    ("SY-BaaS",),
                    "V1.0",
                    "型式试验报告结论为不合格（共识节点身份鉴别不满足JR/T 0184要求），不予认证。",
                    {"test_result": Result.FAIL},
                ),
                (
                    240,
                    "liangjiang",
                    "FT09",
                    S.REJECTED,
                    "聚合支付收款台",
                    ("LJ-Q5",),
                    "V1.0",
                    "申请人未能提供该型号生产者的营业执照，且逾期未补正，申请不予受理。",
                    {"maker": 1},
                ),
                (
                    200,
                    "yuxin",
                    "FT03",
                    S.WITHDRAWN,
                    "金融IC卡",
                    ("YX-Card Mini",),
                    "V1.0",
                    "客户决定推迟该产品上市，撤回认证申请。",
                    {"maker": 1},
                ),
                (40, "cqbank", "FT04", S.REVIEW, "渝银金融IC卡嵌入式应用", ("CQB-EMV",), "V1.1", "", {}),
                (30, "yuxin", "FT02", S.EVALUATION, "金融安全芯片", ("YX-SE200",), "V1.0", "", {}),
                (
                    21,
                    "liangjiang",
                    "FT05",
                    S.RETURNED,
                    "智能柜员机",
                    ("LJ-A6",),
                    "V1.0",
                    "请补充生产场所（两江支付终端生产基地）的营业执照副本及质量体系文件。",
                    {},
                ),
                (
                    9,
                    "cqrcb",
                    "FT12",
                    S.ACCEPTED,
                    "渝农商供应链金融区块链平台",
                    ("CQRCB-Chain",),
                    "V1.0",
                    "",
                    {"engineer": "engineer2"},
                ),
                (4, "shengwen", "FT08", S.SUBMITTED, "声纹支付可信应用", ("SW-TA",), "V1.0", "", {}),
                (1, "shuyun", "FT12", S.DRAFT, "数云区块链服务平台", ("SY-Chain",), "V2.0", "", {}),
            ]
            for start, client, category, until, product, models, version, note, kw in stopped:
                timeline.add(
                    self.ago(start),
                    self.story_open(client, category, until, product, models, version, note=note, **kw),
                )
            timeline.add(self.today, self._finish())
            timeline.run()
            publicsite_demo.seed(self.staff["admin"])  # the website's documents, fees and CSR report
        return self.result()

    def _finish(self) -> Step:
        return
        yield

    def result(self) -> DemoResult:
        from django.db.models import Count

        apps = dict(Application.objects.values_list("status").annotate(n=Count("id")).order_by())
        kinds = dict(Application.objects.values_list("kind").annotate(n=Count("id")).order_by())
        certs = dict(Certificate.objects.values_list("status").annotate(n=Count("id")).order_by())
        return DemoResult(
            applications=apps, application_kinds=kinds, certificates=certs, logins=demo_logins(self.password)
        )
