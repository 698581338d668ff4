from smtplib import SMTPException

from celery import shared_task
from django.core.mail import EmailMultiAlternatives, get_connection

from accounts.marketing import consented_only


@shared_task(
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=8,
)
def send_email_task(message: dict) -> None:
    """Send one rendered email; SMTP hiccups are retried with backoff. Marketing is
    checked against the recipients' consent now (accounts.marketing)."""
    for allowed in consented_only([message]):
        _email(allowed).send()


@shared_task(
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=8,
)
def send_emails_task(messages: list[dict]) -> int:
    """Send a batch of rendered emails over one SMTP connection (a fan-out's batch).
    A retry after a failure part-way may send the first ones again: at most one
    duplicate per person, never a lost notice. Marketing: as send_email_task."""
    allowed = consented_only(messages)
    if not allowed:
        return 0
    return get_connection().send_messages([_email(message) for message in allowed]) or 0


def _email(message: dict) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=message["subject"],
        body=message["body"],
        from_email=message["from_email"],
        to=message["to"],
        headers=message.get("headers") or {},
    )
    for content, mimetype in message.get("alternatives", []):
        email.attach_alternative(content, mimetype)
    return email


# The privacy jobs load the services when they run: accounts.services imports this
# module (send_email_task), so importing them at the top would be a circle.


@shared_task(autoretry_for=(Exception,), retry_backoff=60, max_retries=2)
def data_export_build_task(export_id: int) -> int | None:
    """Build one data export (a dead or failed one is picked up again)."""
    from accounts.services.exports import data_export_build  # see the note above

    export = data_export_build(export_id=export_id)
    return export.pk if export is not None else None


@shared_task
def data_exports_resume_task() -> list[int]:
    from accounts.services.exports import data_exports_resume  # see the note above

    return data_exports_resume()


@shared_task
def account_deletions_run_task() -> list[int]:
    from accounts.services.deletion import account_deletions_run  # see the note above

    return account_deletions_run()


@shared_task
def retention_run_task() -> dict[str, int]:
    from accounts.services.retention import retention_run  # see the note above

    return retention_run()
