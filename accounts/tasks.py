from smtplib import SMTPException

from celery import shared_task
from django.core.mail import EmailMultiAlternatives


@shared_task(
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=8,
)
def send_email_task(message: dict) -> None:
    """Send one rendered email; SMTP hiccups are retried with backoff."""
    email = EmailMultiAlternatives(
        subject=message["subject"],
        body=message["body"],
        from_email=message["from_email"],
        to=message["to"],
        headers=message.get("headers") or {},
    )
    for content, mimetype in message.get("alternatives", []):
        email.attach_alternative(content, mimetype)
    email.send()
