"""The catalogue page."""

import pytest
from django.urls import reverse

from certbody.core.tests.pages import Pages
from certbody.schemes.models import ProductCategory, Scheme

pytestmark = pytest.mark.django_db


def test_catalogue_shows_every_category_and_scheme(client, cast, django_assert_max_num_queries):
    pages = Pages(client)
    pages.login(cast.client)
    with django_assert_max_num_queries(10):
        response = pages.get(reverse("schemes:list"))
    page = response.content.decode()
    for scheme in Scheme.objects.all():
        assert scheme.code in page and scheme.number_template in page
    assert ProductCategory.objects.count() == 14
    assert "JR/T 0092-2019" in page and "Type testing" in page
    assert "Edit in administration" not in page


def test_catalogue_links_admins_to_the_admin(client, cast):
    pages = Pages(client)
    pages.login(cast.admin)
    assert "Edit in administration" in pages.get(reverse("schemes:list")).content.decode()
