"""Build the demo: a certification centre's last four years, made through the real services.

manage.py seed_demo                      # the demo (staff, clients, labs, cases in every state)
manage.py seed_demo --certificates 1000000   # and a million more certificates, loaded in bulk
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from certbody.demo.bulk import bulk_certificates
from certbody.demo.story import DemoBuilder, demo_logins, demo_present


class Command(BaseCommand):
    @property
    def help(self) -> str:  # translated when asked, not at import
        return _("Create demo data through the real services; optionally bulk-load many certificates.")

    def add_arguments(self, parser):
        parser.add_argument(
            "--certificates",
            type=int,
            default=0,
            metavar="N",
            help=_("Also add N demo certificates in bulk (each with its first version)."),
        )
        parser.add_argument("--batch-size", type=int, default=20_000, help=_("Rows per insert batch in the bulk load."))
        parser.add_argument(
            "--skip-demo", action="store_true", help=_("Only the bulk load; do not build the demo cases.")
        )

    def handle(self, *args, certificates: int, batch_size: int, skip_demo: bool, **options):
        if certificates < 0:
            raise CommandError(_("--certificates must be zero or more."))
        if batch_size < 1:
            raise CommandError(_("--batch-size must be at least 1."))
        password = settings.DEMO_PASSWORD
        if not skip_demo:
            self._demo(password)
        if certificates:
            self._bulk(certificates, batch_size)

    def _demo(self, password: str) -> None:
        if demo_present():
            self.stdout.write(_("The demo is already present (its users exist); nothing to do for it."))
            self._print_logins(demo_logins(password))
            return
        self.stdout.write(_("Building the demo: four years of cases replayed through the services…"))
        started = time.monotonic()
        with transaction.atomic():
            result = DemoBuilder(password=password).build()
        self.stdout.write(
            self.style.SUCCESS(_("Demo built in %(seconds).1f s.") % {"seconds": time.monotonic() - started})
        )
        self.stdout.write(_("Applications by status: %(counts)s") % {"counts": _fmt(result.applications)})
        self.stdout.write(_("Applications by kind: %(counts)s") % {"counts": _fmt(result.application_kinds)})
        self.stdout.write(_("Certificates by status: %(counts)s") % {"counts": _fmt(result.certificates)})
        self._print_logins(result.logins)

    def _print_logins(self, logins: list[tuple[str, str, str]]) -> None:
        self.stdout.write("")
        self.stdout.write(_("Demo logins:"))
        width = max(len(username) for username, _r, _p in logins)
        header = f"  {_('username'):<{width}}  {_('password'):<16}  {_('role')}"
        self.stdout.write(header)
        for username, role, pw in logins:
            self.stdout.write(f"  {username:<{width}}  {pw:<16}  {role}")

    def _bulk(self, n: int, batch_size: int) -> None:
        self.stdout.write(_("Loading %(n)s certificates in bulk…") % {"n": f"{n:,}"})

        def progress(done: int, total: int, seconds: float) -> None:
            self.stdout.write(
                _("  certificates %(done)s / %(total)s (%(pct)d%%), %(seconds).1f s")
                % {"done": f"{done:,}", "total": f"{total:,}", "pct": done * 100 // total, "seconds": seconds}
            )

        result = bulk_certificates(n, batch_size=batch_size, progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                _("Loaded %(n)s certificates (ids %(first)s–%(last)s) in %(seconds).1f s; %(orgs)d new holders.")
                % {
                    "n": f"{result.count:,}",
                    "first": result.first_id,
                    "last": result.last_id,
                    "seconds": result.seconds,
                    "orgs": result.organisations_created,
                }
            )
        )
        self.stdout.write(_("By status: %(counts)s") % {"counts": _fmt(result.statuses)})


def _fmt(counts: dict[str, int]) -> str:
    return ", ".join(f"{key} {value:,}" for key, value in sorted(counts.items()))
