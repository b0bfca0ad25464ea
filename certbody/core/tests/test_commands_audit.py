"""verify_audit_chain: OK on an intact chain; an edited or deleted event (middle or last) is reported."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from certbody.accounts.services import user_create
from certbody.core.models import AuditEvent

# Messages are asserted in English; the default language is Chinese.
pytestmark = pytest.mark.usefixtures("english")

TABLE = AuditEvent._meta.db_table


def _verify() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("verify_audit_chain", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _broken() -> tuple[str, int]:
    err = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("verify_audit_chain", stdout=StringIO(), stderr=err)
    return err.getvalue(), raised.value.returncode


def _sql(statement: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement.replace("{table}", connection.ops.quote_name(TABLE)), params)


def _plain_event_seqs() -> list[int]:
    """Events no status change points to (user.create): raw deletes of them hit no foreign key."""
    return list(AuditEvent.objects.filter(action="user.create").order_by("seq").values_list("seq", flat=True))


@pytest.mark.django_db
def test_verify_audit_chain_says_ok_on_an_intact_chain(cast):
    out, err = _verify()
    assert out.strip() == f"OK, {AuditEvent.objects.count()} events"
    assert err == ""


@pytest.mark.django_db
def test_verify_audit_chain_reports_an_edited_event(cast):
    seq = _plain_event_seqs()[2]
    _sql("UPDATE {table} SET reason = %s WHERE seq = %s", ["quietly changed", seq])
    err, code = _broken()
    assert code == 1
    assert f"seq {seq}: content does not match its hash (edited)" in err


@pytest.mark.django_db
def test_verify_audit_chain_reports_a_deleted_event_in_the_middle(cast):
    seq = _plain_event_seqs()[3]
    _sql("DELETE FROM {table} WHERE seq = %s", [seq])
    err, code = _broken()
    assert code == 1
    assert f"seq {seq}..{seq}: missing (deleted) events" in err
    assert f"seq {seq + 1}: does not follow the previous event" in err


@pytest.mark.django_db
def test_verify_audit_chain_reports_a_deleted_last_event(cast):
    user_create(username="late", password=None, roles=[], actor=None)
    last = AuditEvent.objects.order_by("-seq").first()
    assert last.action == "user.create"
    _sql("DELETE FROM {table} WHERE seq = %s", [last.seq])
    err, code = _broken()
    assert code == 1
    assert "tail deleted" in err
