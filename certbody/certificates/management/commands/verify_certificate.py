"""Is a certificate PDF genuine, altered or unknown? Exit code 0, 1 or 2."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from certbody.certificates.documents.verify import verify_pdf


class Command(BaseCommand):
    help = "Verify a certificate PDF against the published keys and the registry: 0 genuine, 1 altered, 2 unknown."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the PDF to check")

    def handle(self, *args, **opts):
        path = Path(opts["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}") from exc
        verdict = verify_pdf(data)
        style = {"genuine": self.style.SUCCESS, "altered": self.style.ERROR}.get(verdict.result, self.style.WARNING)
        self.stdout.write(style(f"{verdict.result.upper()}: {verdict.message}"))
        for note in verdict.notes:
            self.stdout.write(f"  {note}")
        sys.exit(verdict.exit_code)
