from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from payments.localstripe import register_localstripe_webhook


class Command(BaseCommand):
    help = "Point localstripe's webhooks at this site (development only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("url", help="e.g. http://127.0.0.1:8000/stripe/webhook/")

    def handle(self, url: str, **options: Any) -> None:
        register_localstripe_webhook(url)
        self.stdout.write(f"localstripe will deliver webhooks to {url}")
