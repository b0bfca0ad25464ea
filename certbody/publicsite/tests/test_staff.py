"""Staff pages of the website: bad ids are not found, forms send once, each step refused to the wrong role, audit."""

from datetime import date

import pytest
from django.urls import reverse

from certbody.core.errors import NotAllowed
from certbody.core.models import AuditEvent
from certbody.core.tests.pages import Pages
from certbody.publicsite import services
from certbody.publicsite.models import DocumentKind, FeeItem, PublishedDocument

from .conftest import pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def fee(cast, catalogue):
    return services.fee_create(actor=cast.market, item_zh="申请费", amount=1000, sort_order=1)


@pytest.mark.parametrize("bad", ["abc", "", "-1", "0", "1.5", "99999999999999999999", "1 OR 1=1"])
def test_a_fee_id_that_is_not_a_number_is_not_found(cast, client, fee, bad):
    Pages(client).login(cast.market)
    response = client.post(reverse("publicsite:staff_fees"), {"action": "hide", "fee": bad})
    assert response.status_code == 404
    assert FeeItem.objects.get(pk=fee.pk).is_active


def test_staff_forms_that_create_are_sent_once(cast, client, library):
    doc, _ = library
    Pages(client).login(cast.admin)
    script = "publicsite/site.js"
    fees = client.get(reverse("publicsite:staff_fees")).content.decode()
    create = fees[fees.index('id="new-fee"') :]
    assert script in fees and "data-once" in create[: create.index("</form>")]
    documents = client.get(reverse("publicsite:staff_documents")).content.decode()
    create = documents[documents.index('id="new-document"') :]
    assert script in documents and "data-once" in create[: create.index("</form>")]
    page = client.get(reverse("publicsite:staff_document", args=[doc.pk])).content.decode()
    panel = page[page.index("data-once") :]
    assert script in page and 'id="action-publish"' in panel[: panel.index("</aside>")]


def test_fee_steps_are_refused_to_other_roles_and_change_nothing(cast, fee):
    for actor in (cast.quality, cast.engineer, cast.client):
        with pytest.raises(NotAllowed):
            services.fee_create(actor=actor, item_zh="检测费", amount=10)
        with pytest.raises(NotAllowed):
            services.fee_set_shown(actor=actor, fee=fee, shown=False)
    assert FeeItem.objects.count() == 1 and FeeItem.objects.get().is_active
    assert not AuditEvent.objects.filter(action="publicsite.fee.hide").exists()


def test_fee_changes_are_audited(cast, fee):
    created = AuditEvent.objects.get(action="publicsite.fee.create", object_id=str(fee.pk))
    assert created.after["item_zh"] == "申请费" and created.actor_id == cast.market.pk
    services.fee_set_shown(actor=cast.market, fee=fee, shown=False)
    services.fee_set_shown(actor=cast.management, fee=fee, shown=True)
    hide = AuditEvent.objects.get(action="publicsite.fee.hide", object_id=str(fee.pk))
    show = AuditEvent.objects.get(action="publicsite.fee.show", object_id=str(fee.pk))
    assert hide.before["is_active"] is True and hide.after["is_active"] is False
    assert show.after["is_active"] is True and show.actor_id == cast.management.pk
    services.fee_set_shown(actor=cast.market, fee=fee, shown=True)  # no change: no event
    assert AuditEvent.objects.filter(action__startswith="publicsite.fee.", object_id=str(fee.pk)).count() == 3


def test_withdraw_and_restore_are_refused_to_other_roles(cast, library):
    doc, _ = library
    for actor in (cast.market, cast.engineer, cast.client):
        with pytest.raises(NotAllowed):
            services.document_withdraw(actor=actor, document=doc, reason="不是我的职责")
    assert PublishedDocument.objects.get(pk=doc.pk).status == PublishedDocument.Status.PUBLISHED
    services.document_withdraw(actor=cast.quality, document=doc, reason="规则废止")
    for actor in (cast.market, cast.engineer, cast.client):
        with pytest.raises(NotAllowed):
            services.document_restore(actor=actor, document=doc)
    assert PublishedDocument.objects.get(pk=doc.pk).status == PublishedDocument.Status.WITHDRAWN
    assert not AuditEvent.objects.filter(action="publicsite.document.restore").exists()


def test_document_create_is_refused_to_other_roles(cast, catalogue):
    for actor in (cast.market, cast.engineer):
        with pytest.raises(NotAllowed):
            services.document_create(actor=actor, kind=DocumentKind.FORM, title_zh="表格")
        with pytest.raises(NotAllowed):
            services.version_publish(
                actor=actor,
                document=PublishedDocument(pk=0, kind=DocumentKind.FORM),
                version="V1",
                effective_from=date(2024, 1, 1),
                file=pdf(),
            )
    assert not PublishedDocument.objects.exists()


@pytest.mark.parametrize(
    "query", ["after=abc", "before=x_y", "after=99999999999999999999", "status=nonsense", "kind=../../etc"]
)
def test_list_pages_answer_bad_query_values_without_an_error(cast, client, query):
    Pages(client).login(cast.admin)
    assert client.get(reverse("publicsite:staff_complaints") + "?" + query).status_code == 200
    assert client.get(reverse("publicsite:library") + "?" + query).status_code == 200
