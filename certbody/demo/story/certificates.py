"""The certificate stories of the demo: one case per certificate outcome (expired, versions, recertified, ...)."""

from __future__ import annotations

from datetime import timedelta

from certbody.applications import services as app_svc
from certbody.applications.models import Application
from certbody.certificates import services as certificate_svc
from certbody.certificates.models import (
    CancellationReason,
    NonconformityCase,
    SuspensionReason,
)
from certbody.certification import services as cert_svc
from certbody.certification.models import Finding, Result, Surveillance

from ..steps import S, Step


class CertificateStories:
    """Mixin of DemoBuilder: each story is a generator of steps on the demo clock."""

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
