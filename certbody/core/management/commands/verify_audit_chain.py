"""Recompute the audit chain and check it against the signed checkpoints and the status history.

Exit code 1 when any event was edited, deleted or inserted, a checkpoint does not match or is forged, or a
status-change row disagrees with its event.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from certbody.core.anchors import verify_anchors, verify_status_changes
from certbody.core.audit import verify_chain


class Command(BaseCommand):
    @property
    def help(self) -> str:  # translated when asked, not at import
        return _("Verify the hash chain of the audit trail; exit code 1 and the problems when it is broken.")

    def handle(self, *args, **options):
        report = verify_chain()
        anchors = verify_anchors()
        problems = [*report.problems, *anchors.problems, *verify_status_changes()]
        if options["verbosity"] > 1:  # how far the checkpoints reach (-v 2)
            for note in anchors.notes:
                self.stdout.write(note)
        if not problems:
            self.stdout.write(self.style.SUCCESS(_("OK, %(n)d events") % {"n": report.checked}))
            return
        for problem in problems:
            self.stderr.write(problem)
        raise CommandError(
            _("The audit chain is broken: %(problems)d problem(s) in %(n)d events.")
            % {"problems": len(problems), "n": report.checked},
            returncode=1,
        )
