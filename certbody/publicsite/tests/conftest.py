import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from certbody.demo.scenarios import MINIMAL_PDF


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """The complaint rate limit lives in the cache: each test starts with a clean window."""
    cache.clear()
    yield
    cache.clear()


def pdf(name: str = "rules.pdf", content: bytes = MINIMAL_PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def library(cast, catalogue):
    """A published rules document with two versions and a CSR report; returns (rules document, report)."""
    from datetime import date

    from certbody.publicsite import services
    from certbody.publicsite.models import DocumentKind
    from certbody.schemes.models import Scheme

    scheme = Scheme.objects.get(code="NFCC-PC-B06")
    doc = services.document_create(
        actor=cast.quality,
        kind=DocumentKind.RULES,
        code="NFCC-IR-B06-01",
        title_zh="POS终端金融科技产品认证实施规则",
        title_en="Implementation rules: POS terminal",
        scheme=scheme,
    )
    services.version_publish(
        actor=cast.quality, document=doc, version="V1.0/0", effective_from=date(2020, 10, 10), file=pdf("v1.pdf")
    )
    services.version_publish(
        actor=cast.quality,
        document=doc,
        version="V1.1/0",
        effective_from=date(2023, 1, 1),
        change_note="更新标准版本",
        file=pdf("v2.pdf", MINIMAL_PDF + b"% second\n"),
    )
    report = services.document_create(
        actor=cast.quality,
        kind=DocumentKind.CSR_REPORT,
        code="CSR-2021",
        title_zh="2021年度企业社会责任报告",
        title_en="CSR report 2021",
        year=2021,
    )
    services.version_publish(
        actor=cast.quality, document=report, version="2021", effective_from=date(2022, 3, 31), file=pdf("csr.pdf")
    )
    return doc, report
