from functools import wraps

from django.urls import path

from .api import api
from .errors import json_method_not_allowed, json_not_found


def _json_errors(view):
    """ninja answers a wrong method with a bare 405 page; give it the API's error shape."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith("application/json"):
            return json_method_not_allowed(request, response)
        return response

    return wrapper


# (no module-level `app_name` here: include() would take it as this module's namespace)
_patterns, _app, _namespace = api.urls
for _pattern in _patterns:
    _pattern.callback = _json_errors(_pattern.callback)

urlpatterns = [
    path("", (_patterns, _app, _namespace)),
    # Anything else under /api/v1/ answers in the API's error shape rather than with an HTML page.
    path("<path:rest>", json_not_found),
]
