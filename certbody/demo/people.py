"""The demo's people: the seed's centre keeps 40 staff in eight departments, 22 full-time certification staff holding
23 CCAA registrations (one holds two), an impartiality committee and a risk register (风险信息源库).

Built through the people services on the demo clock: personnel records at the start, declarations signed by each
person every January, yearly competence evaluations, registration renewals when they fall due, a consultancy
engagement, conflicts and the committee's meetings.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from certbody.people import services as people_svc
from certbody.people.models import (
    AssignmentRole,
    CommitteeMember,
    Conflict,
    Course,
    Department,
    Evaluation,
    Person,
    Registration,
    Risk,
    Training,
)
from certbody.people.staffing import sign_declarations
from certbody.schemes.models import ProductCategory

from .steps import Step

F, L = Registration.Family, Registration.Level

# username -> (department, registrations [(family, level, specialties)], authorisation roles)
STAFF_PEOPLE: dict[str, tuple[str, list[tuple[str, str, tuple[str, ...]]], tuple[str, ...]]] = {
    "market": ("market", [], ()),
    "engineer": ("cert1", [], ()),
    "engineer2": ("cert2", [], ()),
    "inspector": ("cert1", [(F.PRODUCT, L.FULL, ("FT01", "FT02", "FT03", "FT04"))], ("team_leader", "inspector")),
    "inspector2": ("cert1", [(F.PRODUCT, L.FULL, ("FT05", "FT06", "FT09"))], ("team_leader", "inspector")),
    "inspector3": ("cert2", [(F.PRODUCT, L.FULL, ("FT06", "FT07", "FT08"))], ("team_leader", "inspector")),
    "reviewer": ("cert2", [(F.SERVICE, L.SENIOR, ("FT11", "FT12", "FT13"))], ("reviewer",)),
    "decider": ("cert1", [(F.SERVICE, L.FULL, ()), (F.PRODUCT, L.INTERN, ("FT14",))], ("decision_maker",)),
    "quality": ("quality", [], ("lab_assessor", "appeal_handler")),
    "management": ("admin", [], ()),
    "hr": ("admin", [], ()),
}
# People without a login: 17 intern inspectors (full-time) and the rest of the 40.
INTERNS = [
    "黄磊", "吴婷", "徐浩", "孙悦", "马超", "朱琳", "胡杰", "郭静", "何勇", "高敏",
    "林峰", "罗丹", "梁宇", "宋佳", "谢涛", "韩雪", "唐亮",
]  # fmt: skip
OTHERS = [
    ("testing", "曹建"), ("testing", "彭程"), ("testing", "邓琪"), ("standards", "许诺"), ("standards", "傅蓉"),
    ("standards", "沈阳"), ("market", "曾毅"), ("market", "吕欣"), ("finance", "苏敏"), ("finance", "蒋红"),
    ("admin", "蔡伟"), ("quality", "余洁"),
]  # fmt: skip
COURSES = [
    ("合格评定-服务认证基础与资源", Course.Kind.EXTERNAL, "CCAA", "16"),
    ("服务认证中的服务特性测评应用和示例", Course.Kind.EXTERNAL, "CCAA", "8"),
    ("服务认证方案制定与实施的风险管理及应用", Course.Kind.EXTERNAL, "CCAA", "8"),
    ("产品认证工厂检查案例解析", Course.Kind.EXTERNAL, "CCAA", "8"),
    ("审核实践基础系列课程：文件审查", Course.Kind.EXTERNAL, "CCAA", "6"),
    ("审核实践基础系列课程：信息的收集和验证", Course.Kind.EXTERNAL, "CCAA", "6"),
    ("中华人民共和国网络安全法解读", Course.Kind.EXTERNAL, "CCAA", "4"),
    ("金融科技产品认证相关标准及管理体系", Course.Kind.INTERNAL, "质量风控部", "12"),
    ("合格评定与审核概论", Course.Kind.INTERNAL, "认证一部", "16"),
]


# The impartiality committee, set up with the shareholder 北京国金认证中心 (seed: 维护公正性委员会).
COMMITTEE = [
    ("吴刚", CommitteeMember.Group.CB, "重庆国家金融科技认证中心"),
    ("钱立", CommitteeMember.Group.CB, "北京国金认证中心"),
    ("王敏", CommitteeMember.Group.CLIENTS, "重庆银行股份有限公司"),
    ("周晓", CommitteeMember.Group.REGULATORS, "重庆市市场监督管理局（特邀）"),
    ("陈教授", CommitteeMember.Group.EXPERTS, "重庆大学"),
    ("刘芳", CommitteeMember.Group.CONSUMERS, "重庆市消费者权益保护委员会"),
    ("杜明", CommitteeMember.Group.INDUSTRY, "重庆市金融科技协会"),
]

RISKS = [
    (
        "认证收入依赖少数大客户，影响认证决定的独立性",
        Risk.Threat.FINANCIAL,
        3,
        4,
        "认证收费与认证结论脱钩；认证决定由未参与评价的人员作出；维护公正性委员会每年审查收入结构。",
    ),
    (
        "同一检查员长期检查同一客户",
        Risk.Threat.FAMILIARITY,
        3,
        3,
        "检查员轮换：同一客户连续检查不超过3次；派员建议按轮换排序。",
    ),
    (
        "咨询与认证由同一人员承担",
        Risk.Threat.CONSULTANCY,
        2,
        5,
        "咨询业务登记在咨询台账；参与咨询的人员2年内不得参与该客户的认证活动（系统强制）。",
    ),
    (
        "评价人员参与本案评审或决定",
        Risk.Threat.SELF_REVIEW,
        2,
        5,
        "系统拒绝参与评价的人员担任评审或决定人员。",
    ),
    (
        "客户施压要求按期发证",
        Risk.Threat.INTIMIDATION,
        2,
        3,
        "认证人员可向质量风控部报告压力；认证决定不受合同时限约束。",
    ),
    (
        "认证人员持有客户股份",
        Risk.Threat.SELF_INTEREST,
        1,
        4,
        "每年签署公正性与保密声明并申报利益；申报的利益登记为利益冲突。",
    ),
]


class PeopleSteps:
    """The people story of the demo; mixed into the demo builder (needs `self.staff`, `self.clients`, `self.ago`)."""

    staff: dict[str, Any]
    clients: dict[str, Any]
    today: date | None

    def story_people(self) -> Step:
        from django.utils import timezone

        start = timezone.localdate()
        hr, quality = self.staff["hr"], self.staff["quality"]
        departments = {d.code: d for d in Department.objects.all()}
        first_until = start + timedelta(days=3 * 365)
        persons = self._staff_persons(start, departments, first_until)
        interns = self._interns(start, departments, first_until)
        for department, name in OTHERS:
            employment = Person.Employment.PART_TIME if department == "standards" else Person.Employment.FULL_TIME
            people_svc.person_create(
                actor=hr, name=name, department=departments.get(department), employment=employment, joined_on=start
            )
        people_svc.person_create(actor=hr, name="李教授", employment=Person.Employment.EXTERNAL, joined_on=start)
        self._sign_year(start.year)
        courses = [Course.objects.create(title=t, kind=k, provider=p, hours=Decimal(h)) for t, k, p, h in COURSES]
        members = [
            people_svc.committee_member_add(
                actor=quality, name=name, group=group, joined_on=start, organisation_name=organisation
            )
            for name, group, organisation in COMMITTEE
        ]
        self._risks()
        yield 20
        self._train(courses, persons, interns)
        self._first_committee_meeting(members)
        yield 60
        self._consultancy_and_conflict(interns)
        yield from self._yearly(persons, interns)

    def _staff_persons(self, start: date, departments: dict[str, Any], first_until: date) -> dict[str, Person]:
        """The staff with a login: their person record, registrations and authorisations."""
        hr = self.staff["hr"]
        categories = {c.code: c for c in ProductCategory.objects.all()}
        persons: dict[str, Person] = {}
        for username, (department, registrations, roles) in STAFF_PEOPLE.items():
            user = self.staff[username]
            person = people_svc.person_create(
                actor=hr,
                name=str(user),
                user=user,
                department=departments.get(department),
                single_cb_declared_on=start,
                joined_on=start,
            )
            persons[username] = person
            for n, (family, level, specialties) in enumerate(registrations):
                people_svc.registration_add(
                    actor=hr,
                    person=person,
                    family=family,
                    level=level,
                    number=f"2021-N{family[0].upper()}{level[0].upper()}-{user.pk:03d}{n}",
                    valid_from=start,
                    valid_until=first_until,
                    specialties=[categories[c] for c in specialties if c in categories],
                )
            for role in roles:
                people_svc.authorisation_grant(
                    actor=hr,
                    person=person,
                    role=role,
                    valid_from=start,
                    valid_until=first_until,
                    all_categories=True,
                )
        return persons

    def _interns(self, start: date, departments: dict[str, Any], first_until: date) -> list[Person]:
        """The intern inspectors, registered and declared."""
        hr = self.staff["hr"]
        interns = []
        for n, name in enumerate(INTERNS):
            person = people_svc.person_create(
                actor=hr,
                name=name,
                department=departments.get("cert1" if n % 2 else "cert2"),
                single_cb_declared_on=start,
                joined_on=start,
            )
            interns.append(person)
            people_svc.registration_add(
                actor=hr,
                person=person,
                family=F.PRODUCT,
                level=L.INTERN,
                number=f"2021-NPI-9{n:03d}",
                valid_from=start,
                valid_until=first_until,
            )
            sign_declarations(person, start.year, start.year)
        return interns

    def _risks(self) -> None:
        """The impartiality risks with their controls (seed: 风险信息源库)."""
        quality = self.staff["quality"]
        for title, threat, likelihood, impact, controls in RISKS:
            people_svc.risk_create(
                actor=quality,
                title=title,
                threat=threat,
                likelihood=likelihood,
                impact=impact,
                controls=controls,
                owner=quality,
                review_on=self.clock.real_today() + timedelta(days=75),  # the next yearly review
            )

    def _first_committee_meeting(self, members: list[Any]) -> None:
        from django.utils import timezone

        quality = self.staff["quality"]
        people_svc.committee_meeting_record(
            actor=quality,
            held_on=timezone.localdate(),
            title="维护公正性委员会第一次会议",
            minutes="审议《公正性管理程序》与《风险信息源库》；听取认证业务开展情况汇报。",
            attendees=members,
            decisions=[
                {
                    "text": "同意《风险信息源库》首批6项风险及其控制措施。",
                    "follow_up": "质量风控部每年对控制措施的有效性进行检查。",
                    "owner": "质量风控部",
                    "due_on": timezone.localdate() + timedelta(days=365),
                }
            ],
        )

    def _consultancy_and_conflict(self, interns: list[Person]) -> None:
        """The centre also sells consultancy: one engagement for a client, by an intern inspector; one conflict."""
        from django.utils import timezone

        hr, quality = self.staff["hr"], self.staff["quality"]
        client = self.clients["liangjiang"].organisation
        today = timezone.localdate()
        people_svc.consultancy_record(
            actor=quality,
            organisation=client,
            description="支付终端生产质量管理体系咨询",
            started_on=today - timedelta(days=30),
            ended_on=today,
            consultants=[interns[0]],
        )
        people_svc.conflict_record(
            actor=hr,
            person=interns[1],
            organisation=self.clients["cqbank"].organisation,
            kind=Conflict.Kind.EMPLOYMENT,
            description="曾任该行软件开发中心测试工程师",
            started_on=today - timedelta(days=900),
            ended_on=today - timedelta(days=40),
        )

    def _yearly(self, persons: dict[str, Person], interns: list[Person]) -> Step:
        """Every January each person signs the year's declaration; in February the competence evaluations."""
        from django.utils import timezone

        quality = self.staff["quality"]
        year = timezone.localdate().year
        while True:
            january = date(year + 1, 1, 5)
            if january > self.clock.real_today():
                break
            yield january
            year += 1
            self._sign_year(year)
            february = date(year, 2, 20)
            if february > self.clock.real_today():
                break
            yield february
            self._evaluate(persons, interns, skip=("inspector3",) if year == self.clock.real_today().year else ())
            for risk in Risk.objects.filter(owner__isnull=False):
                people_svc.risk_check_record(
                    actor=quality,
                    risk=risk,
                    checked_on=timezone.localdate(),
                    effective=True,
                    notes="年度有效性检查：控制措施已执行，未发现失效。",
                )

    def _sign_year(self, year: int) -> None:
        for username in STAFF_PEOPLE:
            if username == "market" and year == self.clock.real_today().year:
                continue  # one overdue declaration for the alerts page
            user = self.staff[username]
            if not user.person.declarations.filter(year=year).exists():
                people_svc.declaration_sign(actor=user, year=year)

    def _train(self, courses: list[Course], persons: dict[str, Person], interns: list[Person]) -> None:
        from django.utils import timezone

        hr = self.staff["hr"]
        day = timezone.localdate()
        for person in interns:
            people_svc.training_record(
                actor=hr, person=person, course=courses[8], attended_on=day, exam=Training.Exam.PASSED, score=82
            )
        for username in ("inspector", "inspector2", "inspector3", "reviewer"):
            for course in courses[:4]:
                people_svc.training_record(actor=hr, person=persons[username], course=course, attended_on=day)
        for person in [*persons.values(), *interns]:
            people_svc.training_record(actor=hr, person=person, course=courses[7], attended_on=day)

    def _evaluate(self, persons: dict[str, Person], interns: list[Person], skip: tuple[str, ...] = ()) -> None:
        from django.utils import timezone

        hr = self.staff["hr"]
        day = timezone.localdate()
        for username, person in persons.items():
            if username in skip or not STAFF_PEOPLE[username][2]:
                continue
            people_svc.evaluation_record(
                actor=hr,
                person=person,
                kind=Evaluation.Kind.COMPETENCE,
                evaluated_on=day,
                outcome=Evaluation.Outcome.COMPETENT,
                evidence="年度人员能力评价：检查记录、评审记录抽查，培训与考试合格。",
            )
            people_svc.evaluation_record(
                actor=hr,
                person=person,
                kind=Evaluation.Kind.PERFORMANCE,
                evaluated_on=day,
                outcome=Evaluation.Outcome.COMPETENT,
                evidence="年度绩效考核：按时完成所派任务，无投诉。",
            )
        people_svc.evaluation_record(
            actor=hr,
            person=interns[2],
            kind=Evaluation.Kind.WITNESSED,
            evaluated_on=day,
            outcome=Evaluation.Outcome.IMPROVE,
            evidence="见证检查：抽样过程规范，不符合项描述需更具体。",
        )

    def story_renewals(self) -> Step:
        """Registrations and authorisations run three years: renewed before they lapse, with the evidence. One intern's
        renewal and one authorisation run out within the alert window, so HR has them on the list."""
        from django.utils import timezone

        hr = self.staff["hr"]
        today = timezone.localdate()
        new_until = today + timedelta(days=3 * 365)
        soon = self.clock.real_today() + timedelta(days=40)
        people = list(Person.objects.filter(registrations__isnull=False).distinct().order_by("pk"))
        for n, person in enumerate(people):
            for registration in list(person.registrations.filter(valid_until__lt=new_until)):
                people_svc.registration_add(
                    actor=hr,
                    person=person,
                    family=registration.family,
                    level=registration.level,
                    number=registration.number + "-R",
                    valid_from=registration.valid_until + timedelta(days=1),
                    valid_until=soon if n == len(people) - 1 else new_until,
                    specialties=list(registration.specialties.all()),
                    renewal_evidence="有效期内完成检查5次，继续教育学时合格。",
                    inspections_in_period=5,
                )
        for person in Person.objects.filter(authorisations__isnull=False).distinct().order_by("pk"):
            for authorisation in list(person.authorisations.filter(valid_until__lt=new_until)):
                short = authorisation.role == AssignmentRole.LAB_ASSESSOR
                people_svc.authorisation_grant(
                    actor=hr,
                    person=person,
                    role=authorisation.role,
                    valid_from=authorisation.valid_until + timedelta(days=1),
                    valid_until=soon - timedelta(days=10) if short else new_until,
                    all_categories=True,
                )
        return
        yield  # a generator: the timeline starts it
