"""Shared body of export_cnca / export_iaf: request an export as the system and generate it here, now."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from certbody.core.workflow import record_creation
from certbody.regulator.models import ExportRun
from certbody.regulator.services import export_generate


class ExportCommand(BaseCommand):
    kind = ""

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", help="start of the range, YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", help="end of the range, YYYY-MM-DD")
        parser.add_argument("--changes", action="store_true", help="changes since the last export of this kind")
        parser.add_argument("--output", "-o", help="copy the file(s) here (a directory or a file name)")

    def handle(self, *args, **opts):
        try:
            date_from = date.fromisoformat(opts["date_from"]) if opts["date_from"] else None
            date_to = date.fromisoformat(opts["date_to"]) if opts["date_to"] else None
        except ValueError as exc:
            raise CommandError(f"Dates are YYYY-MM-DD: {exc}") from None
        if not opts["changes"] and not (date_from and date_to):
            raise CommandError("Give --from and --to, or --changes.")
        if date_from and date_to and date_from > date_to:
            raise CommandError("--from is after --to.")
        with transaction.atomic():
            # The regulator workflow runs as the system (no person), so it does not go through export_request's
            # role check; it is audited the same way.
            run = ExportRun.objects.create(
                kind=self.kind,
                date_from=None if opts["changes"] else date_from,
                date_to=None if opts["changes"] else date_to,
                changes_only=opts["changes"],
            )
            record_creation(
                run,
                actor=None,
                transition="request",
                after={"kind": self.kind, "date_from": date_from, "date_to": date_to, "changes_only": opts["changes"]},
            )
        run = export_generate(run_id=run.pk)
        if run.status != ExportRun.Status.DONE:
            raise CommandError(f"Export failed: {run.error}")
        self.stdout.write(f"{run.row_count} certificates -> {run.file.path}")
        if run.json_file:
            self.stdout.write(f"JSON body -> {run.json_file.path}")
        if opts["output"]:
            target = Path(opts["output"])
            parts = [p for p in (run.file, run.json_file) if p]
            if len(parts) > 1 or target.is_dir():
                target.mkdir(parents=True, exist_ok=True)
            for part in parts:
                dest = target / Path(part.name).name if target.is_dir() else target
                shutil.copyfile(part.path, dest)
                self.stdout.write(f"copied to {dest}")
