from django.core.management.base import BaseCommand

from certbody.portal.notify import send_due


class Command(BaseCommand):
    help = "Send the queued e-mails that are due (retries failed ones with back-off)."

    def handle(self, *args, **options):
        sent = send_due()
        self.stdout.write(f"sent {sent}")
