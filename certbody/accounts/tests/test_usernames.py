"""A user name is one name whatever its case: the service says so, and the database holds it under a race."""

import pytest
from django.db import IntegrityError, transaction

from certbody.accounts.models import User
from certbody.accounts.services import user_create
from certbody.core.errors import InvalidInput
from certbody.core.roles import Role

pytestmark = pytest.mark.django_db


def test_a_name_differing_only_in_case_is_refused_with_a_message():
    user_create(username="alice", password=None, roles=[Role.ENGINEER], actor=None)
    with pytest.raises(InvalidInput) as refused:
        user_create(username="ALICE", password=None, roles=[Role.ENGINEER], actor=None)
    assert refused.value.code == "username_taken"
    assert User.objects.filter(username__iexact="alice").count() == 1


def test_the_database_refuses_it_when_the_check_is_raced_past():
    User.objects.create(username="bob")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="Bob")  # what a second request inserting at the same moment would do


def test_forms_that_validate_the_model_say_it_in_words():
    """The admin's user form validates the model's constraints: a renamed user gets the message, not an error page."""
    from django.core.exceptions import ValidationError
    from django.utils import translation

    user_create(username="carol", password=None, roles=[Role.ENGINEER], actor=None)
    renamed = user_create(username="dave", password=None, roles=[Role.ENGINEER], actor=None)
    renamed.username = "Carol"
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        renamed.validate_constraints()
    assert "This user name is taken" in str(refused.value)


def test_the_migration_names_existing_clashes_instead_of_failing_on_the_index():
    """An installation that already holds "Eve" and "eve" is told which names to rename (inside this test's
    transaction the index is dropped to make such data, then restored by the rollback)."""
    from importlib import import_module

    from django.apps import apps
    from django.db import connection

    migration = import_module("certbody.accounts.migrations.0002_username_unique_ignoring_case")
    migration.refuse_clashing_names(apps, None)  # no clash: passes
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX accounts_user_username_ci_uniq")
    User.objects.create(username="Eve")
    User.objects.create(username="eve")
    with pytest.raises(RuntimeError, match="Eve, eve"):
        migration.refuse_clashing_names(apps, None)


def test_the_check_compares_names_as_the_index_does():
    user_create(username="İstanbul", password=None, roles=[Role.ENGINEER], actor=None)
    from certbody.accounts.services import username_taken

    assert username_taken("İSTANBUL") and username_taken("İstanbul") and not username_taken("istanbul-2")
