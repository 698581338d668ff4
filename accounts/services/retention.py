"""Retention windows of accounts' data (docs/privacy.md), run daily by a beat job."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import LoginSession, Notification
from accounts.services.exports import data_exports_expire


@transaction.atomic
def login_ips_clear(*, older_than_days: int | None = None) -> int:
    """Forget where logins came from after PRIVACY_IP_RETENTION_DAYS."""
    days = older_than_days or settings.PRIVACY_IP_RETENTION_DAYS
    cutoff = timezone.now() - timedelta(days=days)
    return LoginSession.objects.filter(created_at__lt=cutoff).exclude(ip="").update(ip="")


@transaction.atomic
def notifications_prune(*, older_than_days: int | None = None) -> int:
    days = older_than_days or settings.PRIVACY_NOTIFICATION_RETENTION_DAYS
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _by_model = Notification.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def retention_run() -> dict[str, int]:
    """Every accounts retention window at once (safe to run twice)."""
    return {
        "login_ips_cleared": login_ips_clear(),
        "notifications_deleted": notifications_prune(),
        "exports_expired": data_exports_expire(),
    }
