"""The demo history: four years of a fintech certification centre, replayed through the real services.

Every record is made by the service a person would use (so the audit chain, status
history and numbers are real), on a demo clock that runs from the past to today
(see `clock.py`). Each case is a story (see `steps.py`); the timeline interleaves the
stories in date order and runs the daily job on every day it visits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction

from certbody.accounts.models import User
from certbody.applications.models import Application
from certbody.certificates import services as certificate_svc
from certbody.certificates.models import Certificate
from certbody.certification.models import Result
from certbody.clients.models import Organisation
from certbody.core.roles import Role
from certbody.demo import scenarios as sc
from certbody.labs.models import Lab
from certbody.schemes.models import Scheme

from .. import publicsite as publicsite_demo
from ..clock import DemoClock
from ..data import CLIENTS, DEMO_USERNAMES, LABS, STAFF, demo_usccs
from ..people import PeopleSteps
from ..steps import CaseSteps, S, Step, Timeline
from .centre import CentreSetup, ClientKit
from .certificates import CertificateStories


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
class DemoResult:
    applications: dict[str, int]
    application_kinds: dict[str, int]
    certificates: dict[str, int]
    logins: list[tuple[str, str, str]]


# (days ago it starts, client, category, product, models, version, cast options): cases that end certified.
VALID_CASES = [
    (260, "cqbank", "FT13", "渝银开放银行API平台", ("OpenAPI-GW",), "V1.5", {}),
    (180, "cqrcb", "FT13", "渝农商开放平台API网关", ("CQRCB-API",), "V2.0", {"engineer": "engineer2"}),
    (150, "shengwen", "FT07", "声纹安全可信执行环境", ("SW-TEE",), "V1.2", {"engineer": "engineer2"}),
    (110, "shuyun", "FT14", "数云多方安全计算平台", ("SY-MPC",), "V1.0", {}),
    (70, "yuxin", "FT04", "YX-COS金融IC卡嵌入式应用", ("YX-COS",), "V3.0", {}),
]

# Applications that stop on the way: together with the above, one in every state.
STOPPED_CASES = [
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


class DemoBuilder(CentreSetup, CertificateStories, PeopleSteps, CaseSteps):
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
            for start, client, category, product, models, version, kw in VALID_CASES:
                timeline.add(self.ago(start), self.story_valid(client, category, product, models, version, **kw))
            for start, client, category, until, product, models, version, note, kw in STOPPED_CASES:
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


__all__ = ["STOPPED_CASES", "VALID_CASES", "ClientKit", "DemoBuilder", "DemoResult", "demo_logins", "demo_present"]
