"""REST endpoints about the caller: who they are and what they have to do now."""

from __future__ import annotations

from datetime import date

from ninja import Query, Router, Schema

from certbody.api.common import Page, PageIn, paginate
from certbody.api.errors import ERRORS

from .selectors import work_queue

router = Router(tags=["me"])


class SiteOut(Schema):
    id: int
    name: str
    address: str


class ManufacturerOut(Schema):
    id: int
    name: str
    address: str
    sites: list[SiteOut]


class OrganisationOut(Schema):
    id: int
    name: str
    name_en: str
    address: str
    manufacturers: list[ManufacturerOut]

    @staticmethod
    def resolve_manufacturers(obj) -> list:
        return list(obj.manufacturers.prefetch_related("sites"))


class MeOut(Schema):
    username: str
    name: str
    roles: list[str]
    organisation: OrganisationOut | None
    lab_id: int | None

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj)

    @staticmethod
    def resolve_roles(obj) -> list[str]:
        return sorted(obj.role_set)


class TaskOut(Schema):
    kind: str
    title: str
    subject: str
    url: str
    due: date | None
    overdue: bool
    status: str


@router.get("", response={200: MeOut, **ERRORS}, summary="The caller: roles, organisation, manufacturers and sites")
def me(request):
    return request.auth


@router.get("/tasks", response={200: Page[TaskOut], **ERRORS}, summary="My tasks (the work queue), overdue first")
def my_tasks(request, page: Query[PageIn]):
    return paginate([task.as_dict() for task in work_queue(request.auth)], page)
