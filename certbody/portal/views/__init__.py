"""Portal pages. They parse, check who may see what (permissions.py), call a service and render.

`account` (registration, invitations, the home), `wizard` (a new application), `tracker` (following a case,
its files and messages, staff approvals); `common` holds what they share. Every page is re-exported here for
urls.py.
"""

from .account import (
    certificates,
    colleagues,
    confirm,
    home,
    invitation,
    notifications,
    register,
    register_sent,
)
from .common import (
    EDITABLE,
    S,
    client_required,
)
from .tracker import (
    CHANGE_FIELDS,
    PUBLIC_ACTIONS,
    PUBLIC_REASONS,
    application,
    approvals,
    attachment_download,
    changes,
    contract,
    document_download,
    expected_now,
    public_timeline,
    thread,
    withdraw,
)
from .wizard import (
    apply,
    documents,
    submit,
    units,
)

__all__ = [
    "CHANGE_FIELDS",
    "EDITABLE",
    "PUBLIC_ACTIONS",
    "PUBLIC_REASONS",
    "S",
    "application",
    "apply",
    "approvals",
    "attachment_download",
    "certificates",
    "changes",
    "client_required",
    "colleagues",
    "confirm",
    "contract",
    "document_download",
    "documents",
    "expected_now",
    "home",
    "invitation",
    "notifications",
    "public_timeline",
    "register",
    "register_sent",
    "submit",
    "thread",
    "units",
    "withdraw",
]
