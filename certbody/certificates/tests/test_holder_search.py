"""Holder search in the certificate list: any term length, Chinese or English, no match is cheap."""

import pytest

from certbody.certificates.models import Certificate
from certbody.certificates.selectors import holder_matches
from certbody.clients.services import organisation_create
from certbody.demo import scenarios as sc

pytestmark = pytest.mark.django_db


def test_one_and_two_character_terms_find_the_holder(cast, software_scheme):
    mine = sc.certified(cast, software_scheme)
    organisation_create(actor=None, name="成都云计算有限公司", name_en="Chengdu Cloud Ltd.", address="成都")
    everyone = Certificate.objects.all()
    for term in ["银", "银行", "重庆示例银行", "example bank"]:
        found, few = holder_matches(everyone, term)
        assert list(found) == [mine], term
        assert few
    assert not holder_matches(everyone, "成都")[0].exists()
    assert not holder_matches(everyone, "不存在的公司")[0].exists()
