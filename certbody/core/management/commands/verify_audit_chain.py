"""Recompute the audit chain; a non-zero exit code when any event was edited, deleted or inserted."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from certbody.core.audit import verify_chain


class Command(BaseCommand):
    @property
    def help(self) -> str:  # translated when asked, not at import
        return _("Verify the hash chain of the audit trail; exit code 1 and the problems when it is broken.")

    def handle(self, *args, **options):
        report = verify_chain()
        if report.ok:
            self.stdout.write(self.style.SUCCESS(_("OK, %(n)d events") % {"n": report.checked}))
            return
        for problem in report.problems:
            self.stderr.write(problem)
        raise CommandError(
            _("The audit chain is broken: %(problems)d problem(s) in %(n)d events.")
            % {"problems": len(report.problems), "n": report.checked},
            returncode=1,
        )
