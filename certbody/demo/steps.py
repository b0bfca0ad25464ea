"""Steps of the demo: the timeline that interleaves stories by date, and one case driven step by step.

A story is a generator: it does one step through the services, then yields how many days
later (an int) or on which date it continues. `Timeline` runs the stories in date order on
the demo clock and runs the daily job on every day it visits, as the scheduler would.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Generator
from datetime import date, timedelta
from typing import Any

from django.core.files.base import ContentFile

from certbody.applications import services as app_svc
from certbody.applications.models import Application
from certbody.certificates.models import Certificate
from certbody.certification import services as cert_svc
from certbody.certification.models import Finding, Result, Surveillance, TechnicalReview
from certbody.demo import scenarios as sc

from .clock import DemoClock

Step = Generator[int | date, None, Any]
S = Application.Status


class Timeline:
    """Runs stories in date order on the demo clock; the daily job runs on each new day at 01:00."""

    def __init__(self, clock: DemoClock, daily: Callable[[], Any]) -> None:
        self.clock = clock
        self.daily = daily
        self.day: date | None = None
        self._heap: list[tuple[date, int, Step]] = []
        self._order = itertools.count()

    def add(self, start: date, story: Step) -> None:
        heapq.heappush(self._heap, (start, next(self._order), story))

    def _enter(self, day: date) -> None:
        if self.day is not None and day <= self.day:
            return
        self.day = day
        self.clock.travel(day, hour=1)
        self.daily()
        self.clock.travel(day, hour=9)

    def run(self) -> None:
        while self._heap:
            day, _, story = heapq.heappop(self._heap)
            self._enter(day)
            try:
                step = next(story)
            except StopIteration:
                continue
            following = day + timedelta(days=step) if isinstance(step, int) else step
            if following < day or following > self.clock.real_today():
                raise RuntimeError(f"demo story {story.__name__} asked for {following} on {day}")
            heapq.heappush(self._heap, (following, next(self._order), story))


class CaseSteps:
    """Drives applications and surveillances through the services; needs `self.clock` and `self.schemes`."""

    clock: DemoClock
    schemes: dict[str, Any]

    # --- one application, step by step --------------------------------------------------------------

    def case(
        self,
        c: sc.Cast,
        category: str,
        *,
        product: str,
        models: tuple[str, ...],
        version: str,
        product_en: str = "",
        trademark: str = "",
        kind: str = Application.Kind.INITIAL,
        certificate: Certificate | None = None,
        change: str = "",
        until: str = S.GRANTED,
        test_result: str = Result.PASS,
        note: str = "",
    ) -> Step:
        """Drive one application to `until`; returns (application, certificate or None)."""
        scheme = self.schemes[category]
        application = self._case_draft(
            c,
            scheme,
            product=product,
            models=models,
            version=version,
            product_en=product_en,
            trademark=trademark,
            kind=kind,
            certificate=certificate,
            change=change,
        )
        if until == S.DRAFT:
            return application, None
        yield 1
        application, stop = yield from self._case_intake(c, application, until=until, note=note)
        if stop:
            return application, None
        yield 3
        if (yield from self._case_tests(c, application, until=until, test_result=test_result)):
            return application, None
        if scheme.initial_inspection and kind == Application.Kind.INITIAL:
            yield from self._case_inspection(c, application)
        yield 3
        cert_svc.evaluation_complete(actor=c.engineer, application=application)
        if until == S.REVIEW:
            return application, None
        yield 3
        return (yield from self._case_decision(c, application, until=until, test_result=test_result, note=note))

    def _case_draft(
        self,
        c: sc.Cast,
        scheme: Any,
        *,
        product: str,
        models: tuple[str, ...],
        version: str,
        product_en: str,
        trademark: str,
        kind: str,
        certificate: Certificate | None,
        change: str,
    ) -> Application:
        """The client's draft application with its one unit."""
        application = app_svc.application_create(
            actor=c.client,
            organisation=c.organisation,
            scheme=scheme,
            title=f"{product} {version}",
            kind=kind,
            certificate=certificate,
            change_description=change,
        )
        app_svc.unit_add(
            actor=c.client,
            application=application,
            product_name=product,
            product_name_en=product_en,
            trademark=trademark,
            model_names=list(models),
            version=version,
            manufacturer=c.manufacturer,
            production_site=c.site,
            difference_statement="各型号软硬件安全设计相同，仅外观、运行平台或内存配置不同" if len(models) > 1 else "",
        )
        return application

    def _case_intake(self, c: sc.Cast, application: Application, *, until: str, note: str) -> Step:
        """Submission and the market team's intake; returns (application, whether the case stops here)."""
        application = app_svc.application_submit(actor=c.client, application=application)
        if until == S.SUBMITTED:
            return application, True
        yield 2
        if until == S.RETURNED:
            app_svc.application_return(actor=c.market, application=application, reason=note)
            return application, True
        if until == S.REJECTED:
            app_svc.application_reject(actor=c.market, application=application, reason=note)
            return application, True
        application = sc.accepted(c, application)
        return application, until == S.ACCEPTED

    def _case_tests(self, c: sc.Cast, application: Application, *, until: str, test_result: str) -> Step:
        """Evaluation start, samples to the lab and its reports; returns whether the case stops in evaluation."""
        cert_svc.evaluation_start(actor=c.engineer, application=application)
        orders = [
            cert_svc.test_order_create(
                actor=c.engineer,
                case=application,
                lab=c.lab,
                unit=unit,
                sample_description=f"{unit.product_name} {'/'.join(unit.model_names)} {unit.version}",
            )
            for unit in application.units.all()
        ]
        for order in orders:
            cert_svc.test_order_send_sample(actor=c.engineer, order=order, sent_on=self.clock.today())
        yield 2
        for order in orders:
            cert_svc.test_order_receive_sample(actor=c.lab_user, order=order, received_on=self.clock.today())
        if until == S.EVALUATION:
            return True
        yield 18
        for order in orders:
            cert_svc.test_order_report(
                actor=c.lab_user,
                order=order,
                report_number=f"R-{order.number}",
                issued_on=self.clock.today(),
                result=test_result,
                report_file=ContentFile(sc.MINIMAL_PDF, name="report.pdf"),
            )
        return False

    def _case_inspection(self, c: sc.Cast, application: Application) -> Step:
        """The initial factory inspection, with one observation."""
        yield 2
        inspection = cert_svc.inspection_plan(
            actor=c.engineer,
            case=application,
            planned_on=self.clock.today() + timedelta(days=5),
            leader=c.inspector,
            members=[c.inspector2],
            site=c.site,
        )
        yield 5
        cert_svc.finding_add(
            actor=c.inspector,
            inspection=inspection,
            severity=Finding.Severity.OBSERVATION,
            clause="工厂质量保证能力要求 4.3",
            description="关键元器件进货检验记录保存完整，建议增加供应商年度评价记录。",
        )
        cert_svc.inspection_complete(
            actor=c.inspector,
            inspection=inspection,
            conclusion=Result.PASS,
            completed_on=self.clock.today(),
            summary="工厂质量保证能力满足认证实施规则要求，产品一致性检查符合。",
        )

    def _case_decision(self, c: sc.Cast, application: Application, *, until: str, test_result: str, note: str) -> Step:
        """Technical review and the decision; returns (application, certificate or None)."""
        if test_result == Result.FAIL:
            cert_svc.reviewer_assign(actor=c.engineer, application=application, reviewer=c.reviewer)
            cert_svc.review_complete(
                actor=c.reviewer,
                application=application,
                recommendation=TechnicalReview.Recommendation.REFUSE,
                comments=note,
            )
            application.refresh_from_db()
        else:
            application = sc.reviewed(c, application)
        if until == S.DECISION:
            return application, None
        yield 4
        if until == S.REFUSED:
            cert_svc.decision_make(actor=c.decider, application=application, outcome="refuse", reason=note)
            return application, None
        certificate = sc.granted(c, application)
        return application, certificate

    def survey_when_due(self, c: sc.Cast, certificate: Certificate) -> Step:
        """Wait for the next planned surveillance and carry it out (maintain the certificate)."""
        surveillance = self._next_surveillance(certificate)
        yield surveillance.due_on
        sc.surveyed(c, surveillance)
        certificate.refresh_from_db()

    def _next_surveillance(self, certificate: Certificate) -> Surveillance:
        return certificate.surveillances.filter(status=Surveillance.Status.PLANNED).order_by("sequence_no").first()
