"""What every portal page shares: the client-only decorator, own-case look-ups, posted ids."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from certbody.applications import checklist as cl
from certbody.applications.models import Application, Document
from certbody.applications.permissions import case_files_for
from certbody.core.web import parse_id

from ..permissions import is_client, own_applications

S = Application.Status
EDITABLE = (S.DRAFT, S.RETURNED)


def client_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_client(request.user):
            raise PermissionDenied(_("The portal is for the users of client organisations."))
        return view(request, *args, **kwargs)

    return wrapper


def _own(request: HttpRequest, pk: int) -> Application:
    qs = own_applications(request.user).select_related("organisation", "scheme__category", "rule_version")
    return get_object_or_404(qs, pk=pk)


def _files_case(request: HttpRequest, pk: int) -> Application:
    application = case_files_for(request.user, pk)
    if application is None:
        raise Http404
    return application


def _posted_id(request: HttpRequest, name: str) -> int:
    """An id posted by a form; anything but a positive number is a 404 (a hand-made request), never a 500."""
    return parse_id(request.POST.get(name))


def _client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _checklist_rows(app: Application) -> list[dict[str, Any]]:
    versions: dict[str, list[Document]] = {}
    for document in Document.objects.filter(application=app).select_related("uploaded_by"):
        versions.setdefault(document.item, []).append(document)
    asked = set(app.return_items or []) if app.status == S.RETURNED else set()
    return [
        {"item": i, "versions": versions.get(i.code, []), "asked": i.code in asked} for i in cl.for_application(app)
    ]
