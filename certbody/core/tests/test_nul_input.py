"""A NUL in a URL or query string is a clear 400 on every page and endpoint, never a 500 (PostgreSQL refuses it)."""

import pytest


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    ["/verify/?q=%00", "/verify/?holder=a%00b", "/certificates/?holder=%00", "/api/v1/public/certificates?q=%00"],
)
def test_nul_in_the_query_is_refused_clearly(client, cast, url):
    client.force_login(cast.market)
    response = client.get(url)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()
