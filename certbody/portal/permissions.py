"""Who the portal serves: a client's users and their applications. Who may see an application's files is a rule of
the applications (certbody.applications.permissions.can_see_files)."""

from __future__ import annotations

from typing import Any

from certbody.applications.permissions import own_applications as own_applications  # the one definition
from certbody.core.permissions import client_organisation_id


def is_client(user: Any) -> bool:
    return client_organisation_id(user) is not None
