"""The NinjaAPI: routers of the apps, authentication, error shape and self-hosted docs."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from ninja import NinjaAPI
from ninja.openapi.docs import DocsBase

from certbody.applications.api import router as applications_router
from certbody.certificates.api import router as certificates_router
from certbody.certification.api import router as certification_router
from certbody.console.api import router as console_router
from certbody.people.api import router as people_router
from certbody.portal.api import router as portal_router
from certbody.schemes.api import router as schemes_router
from certbody.website.api import router as public_router

from . import errors
from .auth import AUTH


class SelfHostedSwagger(DocsBase):
    """Swagger UI from our own static files (certbody/static/vendor/swagger-ui): nothing from a CDN.

    The settings travel as a JSON data block read by api/swagger-init.js, so the page has no inline script.
    """

    settings: dict[str, Any] = {
        "layout": "BaseLayout",
        "deepLinking": True,
        "validatorUrl": None,  # the default posts the schema to validator.swagger.io
        "persistAuthorization": False,
    }

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        context = {
            "api": api,
            "swagger_settings": {**self.settings, "url": self.get_openapi_url(api, kwargs)},
            # The session's CSRF token, for "Try it out" from a signed-in browser (also sets the cookie).
            "csrf_token": get_token(request),
        }
        # Rendered without the request: the console's context processors have no business here.
        return HttpResponse(render_to_string("api/swagger.html", context))


api = NinjaAPI(
    title="certbody API",
    version="1",
    # Developer documentation, in English like the summaries; messages to callers are translated.
    description=(
        "REST API of certbody. Authenticate with `Authorization: Bearer <token>` (tokens are created on the "
        "console's API tokens page, /accounts/tokens/) or with the signed-in session, which sends X-CSRFToken "
        "on POST. Every action is a POST. Errors are JSON `{code, message, details}` with the HTTP status of "
        "the refusal: 401 unauthenticated, 403 forbidden, 404 not found (or not yours), 409 illegal transition "
        "or not independent, 422 invalid input. Lists take `limit` (at most 200); certificates page with "
        "`cursor`/`next_cursor`."
    ),
    urls_namespace="api",
    auth=AUTH,
    docs=SelfHostedSwagger(),
    docs_url="/docs",
    openapi_url="/openapi.json",
    parser=errors.LimitedParser(),
)
errors.install(api)

api.add_router("/me", console_router)
api.add_router("/catalogue", schemes_router)
api.add_router("/applications", applications_router)
api.add_router("", certification_router)
api.add_router("/certificates", certificates_router)
api.add_router("", people_router)
api.add_router("/public", public_router)
api.add_router("/portal", portal_router)
