"""The helpers every app's pages share (the console's own pages are in certbody.console.views).

Pages only parse input, check visibility, call a service and render. A service refuses with a
`DomainError`; `action_page()` shows its message next to the form that caused it, keeping
what the user typed, and never lets it become a 500.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .errors import DomainError
from .keyset import KeysetPage, walk
from .permissions import Refusal, has_role
from .roles import Role

# --- forms -------------------------------------------------------------------------------------


class DateInput(forms.DateInput):
    """A native date picker; ISO format is what <input type=date> sends and expects."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def apply_service_errors(form: forms.Form, exc: DomainError) -> None:
    """Put a service's refusal next to the fields it names (details["fields"]), the rest on top; the input stays."""
    fields = (exc.details or {}).get("fields") or {}
    placed = False
    for name, text in fields.items():
        if text in ("invalid", "required"):  # a bare code, not a sentence: the summary on top says it
            continue
        form.add_error(name if name in form.fields else None, text)
        placed = placed or name in form.fields
    if not placed:
        form.add_error(None, exc.message)


def date_field(label: Any, *, required: bool = True, initial: Any = None, help_text: Any = "") -> forms.DateField:
    return forms.DateField(label=label, required=required, initial=initial, widget=DateInput(), help_text=help_text)


def text_area(label: Any, *, required: bool = True, rows: int = 3, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label, required=required, help_text=help_text, widget=forms.Textarea(attrs={"rows": rows})
    )


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj} ({obj.username})" if str(obj) != obj.username else obj.username


class UserMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj} ({obj.username})" if str(obj) != obj.username else obj.username


def users_with_role(role: str) -> QuerySet:
    """Active users holding a role: staff lists are short, so a <select> of them is fine."""
    return (
        get_user_model()
        .objects.filter(is_active=True, role_grants__role=role)
        .order_by("display_name", "username")
        .distinct()
    )


class ActionForm(forms.Form):
    """A form that runs one service step on one object. `setup()` narrows choices to the object."""

    required_css_class = "required"

    def __init__(self, *args, obj: Any = None, user: Any = None, **kwargs):
        self.obj = obj
        self.user = user
        super().__init__(*args, **kwargs)
        self.setup()
        for choice in self.fields.values():
            # Django's "---------" says nothing; say what the empty choice means.
            if isinstance(choice, forms.ModelChoiceField) and choice.empty_label == "---------":
                choice.empty_label = _("Choose…") if choice.required else _("None")

    def setup(self) -> None:
        pass


class EmptyForm(ActionForm):
    """A step that needs nothing but the button press."""


class ReasonForm(ActionForm):
    reason = text_area(gettext_lazy("Reason"))


class OptionalReasonForm(ActionForm):
    reason = text_area(gettext_lazy("Reason"), required=False)


# --- actions on a detail page ------------------------------------------------------------------


@dataclass
class Action:
    """One POST step on a detail page: who sees it (`check`) and what it calls (`run`).

    `run(request, obj, data)` calls a service and may return a URL to go to next.
    `check(user, obj) -> Refusal | None` is the step's domain check (`can_<verb>` in the app's permissions.py),
    the same function the service runs first: the form is shown when it returns None. A refusal with
    `role_ok` (the user's role could take the step, e.g. he took part in the evaluation) is shown as the reason
    the step is unavailable; other refusals stay silent.
    `inline` actions are drawn next to an item (a unit, a finding) by the page template.
    """

    name: str
    label: Any
    run: Callable[[HttpRequest, Any, dict[str, Any]], Any]
    check: Callable[[Any, Any], Refusal | None]
    form_class: type[ActionForm] = EmptyForm
    style: str = "primary"
    help: Any = ""
    success: Any = None
    inline: bool = False
    confirm: Any = ""
    button: Any = None
    expand: Callable[[Any, Any], bool] | None = None

    def refusal(self, user: Any, obj: Any) -> Refusal | None:
        """The step's refusal for this user and object; None when the form may be shown."""
        return self.check(user, obj)

    def form(self, request: HttpRequest, obj: Any, *, bound: bool = False) -> ActionForm:
        kwargs: dict[str, Any] = {"obj": obj, "user": request.user, "auto_id": f"id_{self.name}_%s"}
        if bound:
            form = self.form_class(request.POST, request.FILES, **kwargs)
        else:
            form = self.form_class(**kwargs)
        form.action = self  # type: ignore[attr-defined]
        form.expanded = False  # type: ignore[attr-defined]
        return form


@dataclass
class ActionState:
    forms: list[ActionForm] = field(default_factory=list)
    can: dict[str, bool] = field(default_factory=dict)
    # Why steps the user's role could take are refused here and now (each reason once).
    refused: list[str] = field(default_factory=list)
    failed: ActionForm | None = None
    status: int = 200


def run_actions(request: HttpRequest, obj: Any, actions: Sequence[Action]) -> ActionState | HttpResponse:
    """Handle a POST for one of `actions` and collect the forms to show.

    Returns a redirect after a successful step (POST/redirect/GET), otherwise the state to render:
    the failed form is bound (keeps the input) and carries the service's message.
    """
    by_name = {a.name: a for a in actions}
    state = ActionState()
    if request.method == "POST":
        action = by_name.get(request.POST.get("action", ""))
        if action is None:
            return HttpResponseBadRequest(_("Unknown action."))
        form = action.form(request, obj, bound=True)
        if form.is_valid():
            try:
                target = action.run(request, obj, form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, action.success or _("Done: %(step)s.") % {"step": action.label})
                return redirect(target if isinstance(target, str) else request.get_full_path())
        state.failed = form
        state.status = 422 if getattr(request, "htmx", False) else 200
    user = request.user
    for action in actions:
        refusal = action.refusal(user, obj)
        allowed = refusal is None
        state.can[action.name] = allowed
        if refusal is not None and refusal.role_ok and refusal.message not in state.refused:
            state.refused.append(refusal.message)
        if state.failed is not None and state.failed.action is action:  # type: ignore[attr-defined]
            state.forms.append(state.failed)
        elif allowed and not action.inline:
            form = action.form(request, obj)
            form.expanded = bool(action.expand and action.expand(user, obj))  # type: ignore[attr-defined]
            state.forms.append(form)
    # When one step with fields is plainly the next thing to do, show its form open.
    main = [f for f in state.forms if f.fields and f.action.style == "primary"]  # type: ignore[attr-defined]
    if state.failed is None and len(main) == 1:
        main[0].expanded = True  # type: ignore[attr-defined]
    return state


def client_view(request: HttpRequest, state: ActionState, portal_url: str) -> HttpResponse:
    """A console detail page as a client gets it: never the staff view. A GET (and a step done) goes to the portal's
    view of the same record; a refused step answers with its message and the form only."""
    if request.method == "POST" and state.failed is not None:
        context = {"form": state.failed, "portal_url": portal_url}
        return render(request, "core/client_step.html", context, status=state.status)
    return redirect(portal_url)


# --- lists -------------------------------------------------------------------------------------


def keyset_page(
    request: HttpRequest,
    qs: QuerySet,
    *,
    keys: Sequence[str],
    parsers: Sequence[Callable[[str], Any]],
    descending: bool = True,
    per_page: int = 25,
    sort_matches: bool = False,
) -> KeysetPage:
    """`?after=<cursor>` gives the next page, `?before=<cursor>` the previous one (core.keyset.walk)."""

    def parse(raw: str | None) -> list[Any] | None:
        if not raw:
            return None
        parts = raw.split("_")
        if len(parts) != len(keys):
            return None
        try:
            return [p(v) for p, v in zip(parsers, parts, strict=True)]
        except (TypeError, ValueError):
            return None

    after = parse(request.GET.get("after"))
    before = parse(request.GET.get("before")) if after is None else None
    return walk(
        qs, keys=keys, after=after, before=before, descending=descending, per_page=per_page, sort_matches=sort_matches
    )


def start_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def end_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.max))


def list_template(request: HttpRequest, full: str, partial: str) -> str:
    """htmx filter requests get only the results block; everything works without JS too."""
    if getattr(request, "htmx", False) and request.htmx.target == "results":
        return partial
    return full


def render_list(request: HttpRequest, full: str, partial: str, context: dict[str, Any]) -> HttpResponse:
    """Render a list page, or only its results for htmx; caches must keep the two apart."""
    response = render(request, list_template(request, full, partial), context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


def require_roles(user: Any, *roles: str) -> None:
    if not has_role(user, *roles):
        raise PermissionDenied(
            _("This page is for: %(roles)s.") % {"roles": "、".join(str(Role(r).label) for r in roles)}
        )
