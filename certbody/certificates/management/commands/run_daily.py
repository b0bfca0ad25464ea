"""Run the daily certificate job by hand: expire certificates past their date, withdraw run-out suspensions."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from certbody.certificates.services import run_daily


class Command(BaseCommand):
    @property
    def help(self) -> str:  # translated when asked, not at import
        return _("Expire certificates past their expiry date and withdraw those whose suspension ended unresolved.")

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            metavar="YYYY-MM-DD",
            help=_("Run as if today were this date (default: today in the local time zone)."),
        )

    def handle(self, *args, date: str | None = None, **options):
        today = _parse(date) if date else timezone.localdate()
        counts = run_daily(today=today)
        self.stdout.write(
            _("Daily job for %(date)s: %(expired)d expired, %(withdrawn)d withdrawn.")
            % {"date": today.isoformat(), "expired": counts["expired"], "withdrawn": counts["withdrawn"]}
        )


def _parse(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(_("--date must be a date written YYYY-MM-DD, not %(value)r.") % {"value": value})
