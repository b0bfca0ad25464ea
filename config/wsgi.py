import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
application = get_wsgi_application()

# The public registry's hot route (certificate by number) is answered before Django's stack;
# it uses the same selector, rate limit and counters as the API endpoint.
from certbody.website.fastpath import public_fast_path  # noqa: E402

application = public_fast_path(application)
