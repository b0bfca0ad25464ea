"""Generate the signed PDFs of current certificate versions, in batches through the job queue."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from certbody.certificates.documents.selectors import current_versions, versions_needing_documents
from certbody.certificates.documents.tasks import generate_documents_task
from config.celery import app


class Command(BaseCommand):
    help = "Generate certificate PDFs: --missing (new or changed status since the last document) or --all."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--all", action="store_true", help="a fresh document for every current version")
        group.add_argument("--missing", action="store_true", help="only where none reflects the current state")
        parser.add_argument("--batch", type=int, default=100, help="versions per job (default 100)")
        parser.add_argument("--wait", action="store_true", help="with a broker: wait for each job's result")

    def handle(self, *args, **opts):
        if opts["batch"] < 1:
            raise CommandError("--batch must be at least 1.")
        qs = current_versions() if opts["all"] else versions_needing_documents()
        ids = list(qs.values_list("pk", flat=True))
        total = len(ids)
        if not total:
            self.stdout.write("Nothing to generate.")
            return
        done = 0
        for start in range(0, total, opts["batch"]):
            batch = ids[start : start + opts["batch"]]
            result = app.tasks[generate_documents_task.name].delay(batch)
            if opts["wait"] or result.ready():
                result.get()
                done += len(batch)
                self.stdout.write(f"{done}/{total} generated")
            else:
                self.stdout.write(f"{start + len(batch)}/{total} queued")
        self.stdout.write(self.style.SUCCESS(f"Done: {total} versions."))
