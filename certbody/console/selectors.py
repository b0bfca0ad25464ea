"""The work queue: what each person has to do now, overdue first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from certbody.applications.models import Application
from certbody.certificates.models import Certificate, NonconformityCase
from certbody.certification.models import Inspection, Surveillance, TestOrder
from certbody.core.config import get_setting
from certbody.core.permissions import has_role
from certbody.core.roles import Role

LIMIT = 200  # per kind; the queue is a to-do list, not a report


@dataclass(frozen=True)
class Task:
    kind: str
    title: str
    subject: str
    url: str
    due: date | None
    status: str

    @property
    def overdue(self) -> bool:
        return self.due is not None and self.due < timezone.localdate()

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "title": self.title,
            "subject": self.subject,
            "url": self.url,
            "due": self.due,
            "overdue": self.overdue,
            "status": self.status,
        }


def _app_task(app: Application, title: str) -> Task:
    return Task(
        kind="application",
        title=title,
        subject=f"{app.number} · {app.organisation.name} · {app.title}",
        url=reverse("applications:detail", args=[app.pk]),
        due=app.stage_due,
        status=app.get_status_display(),
    )


def work_queue(user: Any) -> list[Task]:
    """Tasks for every role the user holds; overdue first, then by due date."""
    tasks: list[Task] = []
    if has_role(user, Role.CLIENT) and user.organisation_id:
        tasks += _client_tasks(user)
    if has_role(user, Role.MARKET):
        tasks += _market_tasks()
    if has_role(user, Role.ENGINEER):
        tasks += _engineer_tasks(user)
    if has_role(user, Role.INSPECTOR):
        tasks += _inspector_tasks(user)
    if has_role(user, Role.LAB) and user.lab_id:
        tasks += _lab_tasks(user)
    if has_role(user, Role.REVIEWER):
        tasks += _reviewer_tasks(user)
    if has_role(user, Role.DECIDER):
        tasks += _decider_tasks()
    if has_role(user, Role.DECIDER, Role.QUALITY):
        tasks += _certificate_tasks()
    from certbody.people.selectors import people_tasks

    tasks.extend(people_tasks(user, Task))  # people alerts (HR), overrides to decide, one's own declaration
    far = date.max
    tasks.sort(key=lambda t: (not t.overdue, t.due or far, t.subject))
    return tasks


def _apps() -> Any:
    return Application.objects.select_related("organisation")


def _client_tasks(user: Any) -> list[Task]:
    S = Application.Status  # noqa: N806 - reads as the enum it is
    tasks = []
    for app in _apps().filter(organisation_id=user.organisation_id, status__in=[S.DRAFT, S.RETURNED])[:LIMIT]:
        title = _("Complete and submit") if app.status == S.DRAFT else _("Complete what is missing and resubmit")
        tasks.append(_app_task(app, title))
    return tasks


def _market_tasks() -> list[Task]:
    return [
        _app_task(app, _("Review the application and contract"))
        for app in _apps().filter(status=Application.Status.SUBMITTED)[:LIMIT]
    ]


def _surveillance_task(s: Surveillance, title: str) -> Task:
    return Task(
        kind="surveillance",
        title=title,
        subject=f"{s.certificate.number} · {s.certificate.holder_name}",
        url=reverse("certification:surveillance_detail", args=[s.pk]),
        due=s.due_on,
        status=s.get_status_display(),
    )


def _engineer_tasks(user: Any) -> list[Task]:
    S = Application.Status  # noqa: N806 - reads as the enum it is
    tasks = []
    mine = Q(engineer=user) | Q(engineer__isnull=True)
    for app in _apps().filter(mine, status=S.ACCEPTED)[:LIMIT]:
        tasks.append(_app_task(app, _("Plan the evaluation")))
    for app in _apps().filter(engineer=user, status=S.EVALUATION)[:LIMIT]:
        tasks.append(_app_task(app, _("Run the evaluation")))
    horizon = timezone.localdate() + timedelta(days=int(get_setting("surveillance_notice_days")))
    surveillances = Surveillance.objects.select_related("certificate").filter(
        Q(status=Surveillance.Status.PLANNED, due_on__lte=horizon)
        | Q(status=Surveillance.Status.IN_PROGRESS, engineer=user)
    )
    for s in surveillances[:LIMIT]:
        tasks.append(_surveillance_task(s, _("Carry out surveillance")))
    return tasks


def _inspector_tasks(user: Any) -> list[Task]:
    return [
        Task(
            kind="inspection",
            title=_("Inspect"),
            subject=str(insp.case),
            url=reverse("certification:inspection_detail", args=[insp.pk]),
            due=insp.planned_on,
            status=insp.get_status_display(),
        )
        for insp in Inspection.objects.filter(status=Inspection.Status.PLANNED, members__user=user).distinct()[:LIMIT]
    ]


def _lab_tasks(user: Any) -> list[Task]:
    open_orders = TestOrder.objects.filter(
        lab_id=user.lab_id,
        status__in=[TestOrder.Status.ORDERED, TestOrder.Status.SAMPLE_SENT, TestOrder.Status.SAMPLE_RECEIVED],
    )
    days = int(get_setting("test_report_days"))
    tasks = []
    for order in open_orders[:LIMIT]:
        due = order.sample_received_on + timedelta(days=days) if order.sample_received_on else None
        tasks.append(
            Task(
                kind="test_order",
                title=_("Test and report") if order.sample_received_on else _("Receive the sample"),
                subject=f"{order.number} · {order.sample_description}",
                url=reverse("certification:test_order_detail", args=[order.pk]),
                due=due,
                status=order.get_status_display(),
            )
        )
    return tasks


def _reviewer_tasks(user: Any) -> list[Task]:
    return [
        _app_task(app, _("Technical review"))
        for app in _apps().filter(Q(reviewer=user) | Q(reviewer__isnull=True), status=Application.Status.REVIEW)[:LIMIT]
    ]


def _decider_tasks() -> list[Task]:
    tasks = [
        _app_task(app, _("Certification decision"))
        for app in _apps().filter(status=Application.Status.DECISION)[:LIMIT]
    ]
    in_progress = Surveillance.objects.select_related("certificate").filter(status=Surveillance.Status.IN_PROGRESS)
    for s in in_progress[:LIMIT]:
        tasks.append(_surveillance_task(s, _("Decide the surveillance outcome")))
    return tasks


def _certificate_tasks() -> list[Task]:
    """Confirmed nonconformities to act on and suspensions that are ending."""
    tasks = []
    for case in NonconformityCase.objects.select_related("certificate").filter(status=NonconformityCase.Status.OPEN)[
        :LIMIT
    ]:
        tasks.append(
            Task(
                kind="nonconformity",
                title=_("Suspend or resolve (confirmed nonconformity)"),
                subject=f"{case.certificate.number} · {case.description[:60]}",
                url=reverse("certificates:detail", args=[case.certificate_id]),
                due=case.suspend_by,
                status=case.get_status_display(),
            )
        )
    suspended = Certificate.objects.filter(status=Certificate.Status.SUSPENDED).order_by("suspended_until")
    for cert in suspended[:LIMIT]:
        tasks.append(
            Task(
                kind="suspension",
                title=_("Restore or withdraw (suspension ends)"),
                subject=f"{cert.number} · {cert.holder_name}",
                url=reverse("certificates:detail", args=[cert.pk]),
                due=cert.suspended_until,
                status=cert.get_status_display(),
            )
        )
    return tasks
