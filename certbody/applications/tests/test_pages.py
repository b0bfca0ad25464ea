"""Application pages: creating, finding, acting, refusing, and who sees what."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from certbody.applications import services as app_svc
from certbody.applications.models import Application
from certbody.applications.views import ACTIONS
from certbody.clients.models import Organisation
from certbody.core.tests.pages import Pages, form_errors
from certbody.demo import scenarios as sc

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(client):
    return Pages(client)


@pytest.fixture
def other(db):
    """A second client organisation with its own users."""
    return sc.make_cast(prefix="other-")


def test_client_creates_an_application_for_its_own_organisation(pages, cast, software_scheme):
    pages.login(cast.client)
    page = pages.get(reverse("applications:create")).content.decode()
    assert cast.organisation.name in page
    assert 'name="organisation_query"' not in page
    response = pages.client.post(reverse("applications:create"), {"scheme": software_scheme.pk, "title": "手机银行"})
    application = Application.objects.get(title="手机银行")
    assert response.status_code == 302
    assert application.organisation == cast.organisation and application.created_by == cast.client


def test_market_finds_the_organisation_by_search_not_from_a_list_of_all(pages, cast, other, software_scheme):
    pages.login(cast.market)
    page = pages.get(reverse("applications:create")).content.decode()
    assert 'name="organisation_query"' in page
    assert 'name="organisation"' not in page and other.organisation.name not in page  # no <select> of every client
    # The autocomplete answers with the matching organisations only.
    found = pages.get(
        reverse("applications:organisation_search"), data={"organisation_query": "other-"}
    ).content.decode()
    assert other.organisation.name in found and f'value="{other.organisation.pk}"' in found
    assert f'value="{cast.organisation.pk}"' not in found
    # Two organisations match "重庆示例": the page asks to choose and keeps what was typed.
    data = {"organisation_query": "重庆示例", "scheme": software_scheme.pk, "title": "企业网银"}
    response = pages.client.post(reverse("applications:create"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Several organisations match" in page and 'value="企业网银"' in page
    assert f'value="{other.organisation.pk}"' in page
    # Choosing one creates the application for it.
    response = pages.client.post(reverse("applications:create"), {**data, "organisation": other.organisation.pk})
    assert response.status_code == 302
    assert Application.objects.get(title="企业网银").organisation == other.organisation


def test_market_search_without_javascript_lists_candidates(pages, cast, other, software_scheme):
    pages.login(cast.market)
    data = {"organisation_query": "other-", "scheme": software_scheme.pk, "title": "T", "search": "1"}
    response = pages.client.post(reverse("applications:create"), data)
    assert response.status_code == 200
    assert f'value="{other.organisation.pk}"' in response.content.decode()
    assert not Application.objects.exists()


def test_unknown_organisation_is_refused_with_a_message(pages, cast, software_scheme):
    pages.login(cast.market)
    response = pages.client.post(
        reverse("applications:create"), {"organisation_query": "不存在公司", "scheme": software_scheme.pk, "title": "X"}
    )
    assert response.status_code == 200
    assert "No client organisation matches" in form_errors(response)


def test_people_without_a_client_or_market_role_cannot_create(pages, cast):
    pages.login(cast.inspector)
    assert pages.get(reverse("applications:create")).status_code == 403


def test_refused_step_shows_the_service_message_and_keeps_the_input(pages, cast, software_scheme):
    first = sc.accepted(cast, sc.submitted_application(cast, software_scheme))
    second = sc.submitted_application(cast, software_scheme)
    used = first.contract.number
    pages.login(cast.market)
    url = reverse("applications:detail", args=[second.pk])
    response = pages.refused(
        url,
        "accept",
        contract_number=used,
        fee="12345.67",
        signed_on=timezone.localdate().isoformat(),
        engineer=cast.engineer.pk,
        evaluation_required="on",
        review_notes="我写的备注",
    )
    page = response.content.decode()
    assert f"Contract number {used} is already used." in form_errors(response)
    assert f'value="{used}"' in page and 'value="12345.67"' in page and "我写的备注" in page
    assert 'id="action-accept" open' in page
    second.refresh_from_db()
    assert second.status == Application.Status.SUBMITTED


def test_invalid_form_keeps_input_and_names_the_field(pages, cast, software_scheme):
    application = sc.submitted_application(cast, software_scheme)
    pages.login(cast.market)
    url = reverse("applications:detail", args=[application.pk])
    response = pages.refused(url, "accept", contract_number="HT-9", fee="-5", signed_on="")
    page = response.content.decode()
    assert 'value="HT-9"' in page
    assert "errorlist" in page


def test_htmx_refusal_answers_422(pages, cast, software_scheme):
    application = sc.submitted_application(cast, software_scheme)
    pages.login(cast.client)
    url = reverse("applications:detail", args=[application.pk])
    response = pages.refused(url, "submit", headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "Cannot submit" in form_errors(response)


def test_submit_without_units_shows_why(pages, cast, software_scheme):
    application = app_svc.application_create(
        actor=cast.client, organisation=cast.organisation, scheme=software_scheme, title="空申请"
    )
    pages.login(cast.client)
    response = pages.refused(reverse("applications:detail", args=[application.pk]), "submit")
    assert "Add at least one certification unit before submitting." in form_errors(response)


def test_unknown_action_is_a_bad_request(pages, cast, software_scheme):
    application = sc.submitted_application(cast, software_scheme)
    pages.login(cast.market)
    response = pages.client.post(reverse("applications:detail", args=[application.pk]), {"action": "explode"})
    assert response.status_code == 400


def test_actions_are_shown_only_to_who_may_take_them(pages, cast, software_scheme):
    application = sc.submitted_application(cast, software_scheme)
    url = reverse("applications:detail", args=[application.pk])
    pages.login(cast.client)
    # A client gets the portal's view of its application, not the console page; the steps are the same checks.
    assert pages.get(url)["Location"] == reverse("portal:application", args=[application.pk])
    offered = {a.name for a in ACTIONS if a.refusal(cast.client, application) is None}
    assert "accept" not in offered and "withdraw" in offered and "submit" not in offered
    pages.login(cast.market)
    page = pages.get(url).content.decode()
    for action in ("accept", "return", "reject", "withdraw"):
        assert f'name="action" value="{action}"' in page
    pages.login(cast.engineer)
    page = pages.get(url).content.decode()
    assert 'name="action"' not in page


def test_returned_application_can_be_completed_and_resubmitted(pages, cast, software_scheme):
    application = sc.submitted_application(cast, software_scheme)
    url = reverse("applications:detail", args=[application.pk])
    pages.login(cast.market)
    pages.act(url, "return", reason="缺少营业执照")
    pages.login(cast.client)
    page = pages.get(url, follow=True).content.decode()  # the portal's tracker tells the client why
    assert "缺少营业执照" in page
    unit = application.units.get()
    pages.act(url, "unit_remove", unit=unit.pk)
    assert not application.units.exists()
    pages.act(
        url,
        "unit_add",
        product_name="手机银行",
        model_names="V6, V6 HD",
        version="6.1",
        manufacturer=cast.manufacturer.pk,
        production_site=cast.site.pk,
        difference_statement="HD 为平板版本",
    )
    pages.act(url, "submit")
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert application.units.get().model_names == ["V6", "V6 HD"]


def test_withdrawal_by_the_client(pages, cast, software_scheme):
    application = sc.submitted_application(cast, software_scheme)
    pages.login(cast.client)
    pages.act(reverse("applications:detail", args=[application.pk]), "withdraw", reason="暂不认证")
    application.refresh_from_db()
    assert application.status == Application.Status.WITHDRAWN


def test_reviewer_who_inspected_is_not_offered_the_review(pages, cast, hardware_scheme):
    cast.inspector.role_grants.create(role="reviewer")
    application = sc.evaluated(cast, sc.accepted(cast, sc.submitted_application(cast, hardware_scheme)))
    url = reverse("applications:detail", args=[application.pk])
    inspector = type(cast.inspector).objects.get(pk=cast.inspector.pk)
    pages.login(inspector)
    assert 'value="review"' not in pages.get(url).content.decode()
    response = pages.refused(url, "review", recommendation="grant")
    assert "took part in the evaluation" in form_errors(response)


def test_client_cannot_see_another_organisations_application(pages, cast, other, software_scheme):
    theirs = sc.submitted_application(other, software_scheme)
    url = reverse("applications:detail", args=[theirs.pk])
    pages.login(cast.client)
    assert pages.get(url).status_code == 404
    assert pages.client.post(url, {"action": "withdraw"}).status_code == 404
    assert theirs.number not in pages.get(reverse("applications:list")).content.decode()
    theirs.refresh_from_db()
    assert theirs.status == Application.Status.SUBMITTED


def test_unknown_application_is_404(pages, cast):
    pages.login(cast.market)
    assert pages.get(reverse("applications:detail", args=[999999])).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, cast, software_scheme):
    application = sc.submitted_application(cast, software_scheme)
    for url in (reverse("applications:list"), reverse("applications:detail", args=[application.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_list_filters(pages, cast, other, software_scheme, hardware_scheme):
    draft = app_svc.application_create(
        actor=cast.client, organisation=cast.organisation, scheme=software_scheme, title="草稿申请"
    )
    submitted = sc.submitted_application(other, hardware_scheme, title="已提交申请")
    pages.login(cast.market)
    url = reverse("applications:list")
    page = pages.get(url, data={"status": "draft"}).content.decode()
    assert draft.number in page and submitted.number not in page
    page = pages.get(url, data={"scheme": hardware_scheme.pk}).content.decode()
    assert submitted.number in page and draft.number not in page
    page = pages.get(url, data={"q": "other-"}).content.decode()
    assert submitted.number in page and draft.number not in page
    page = pages.get(url, data={"q": draft.number}).content.decode()
    assert draft.number in page and submitted.number not in page
    # htmx asks for the results only.
    response = pages.get(url, data={"q": "草稿"}, headers={"HX-Request": "true", "HX-Target": "results"})
    assert draft.number in response.content.decode() and "<html" not in response.content.decode()


def test_application_list_query_count_does_not_grow_with_rows(
    pages, cast, software_scheme, django_assert_max_num_queries
):
    organisations = [Organisation.objects.create(name=f"客户{i}", address="重庆") for i in range(10)]
    for i in range(30):
        app_svc.application_create(
            actor=cast.market, organisation=organisations[i % 10], scheme=software_scheme, title=f"申请{i}"
        )
    pages.login(cast.market)
    with django_assert_max_num_queries(9):
        response = pages.get(reverse("applications:list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert len(re.findall(r'href="/applications/\d+/"', page)) == 25
    assert "Page 1 of 2" in page


def test_report_upload_is_checked_by_content(pages, cast, software_scheme):
    application = sc.accepted(cast, sc.submitted_application(cast, software_scheme))
    from certbody.certification import services as cert_svc

    cert_svc.evaluation_start(actor=cast.engineer, application=application)
    order = cert_svc.test_order_create(actor=cast.engineer, case=application, lab=cast.lab)
    cert_svc.test_order_receive_sample(actor=cast.lab_user, order=order, received_on=timezone.localdate())
    pages.login(cast.lab_user)
    fake = SimpleUploadedFile("report.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    url = reverse("certification:test_order_detail", args=[order.pk])
    response = pages.refused(
        url, "report", report_number="R-77", issued_on=timezone.localdate().isoformat(), result="pass", report_file=fake
    )
    assert "is not a PDF document" in form_errors(response)
    assert 'value="R-77"' in response.content.decode()
    order.refresh_from_db()
    assert order.status == "sample_received" and not order.report_file


def test_client_without_a_manufacturer_registers_one_and_its_site(pages, cast, software_scheme):
    from certbody.accounts.services import user_create
    from certbody.clients.models import Manufacturer, ProductionSite

    newcomer = Organisation.objects.create(name="新客户科技有限公司", address="成都市高新区")
    user = user_create(username="newcomer", password=None, roles=["client"], organisation=newcomer, actor=None)
    application = app_svc.application_create(actor=user, organisation=newcomer, scheme=software_scheme, title="新产品")
    url = reverse("applications:detail", args=[application.pk])
    pages.login(user)
    offered = {a.name for a in ACTIONS if a.refusal(user, application) is None}
    assert "manufacturer_add" in offered and "site_add" not in offered
    pages.act(url, "manufacturer_add", name="新客户科技有限公司", address="成都市高新区天府大道")
    manufacturer = Manufacturer.objects.get(organisation=newcomer)
    pages.act(url, "site_add", manufacturer=manufacturer.pk, name="成都研发中心", address="成都市高新区")
    site = ProductionSite.objects.get(manufacturer=manufacturer)
    pages.act(
        url,
        "unit_add",
        product_name="新产品",
        model_names="A1",
        version="1.0",
        manufacturer=manufacturer.pk,
        production_site=site.pk,
    )
    pages.act(url, "submit")
    # Another client's manufacturer cannot be slipped in.
    response = pages.client.post(
        url, {"action": "site_add", "manufacturer": cast.manufacturer.pk, "name": "x", "address": "y"}
    )
    assert response.status_code == 200 and "errorlist" in response.content.decode()
