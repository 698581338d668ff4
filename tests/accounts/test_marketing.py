"""Marketing e-mail reaches only users with the marketing consent, checked at send
time in one place (accounts.marketing.consented_only, in the send tasks)."""

from django.core import mail
from django.core.mail import EmailMessage

from accounts.marketing import PURPOSE_HEADER, consented_only, marketing_mark
from accounts.models import ConsentPurpose
from accounts.services.consent import consent_set
from accounts.services.marketing import marketing_send
from accounts.tasks import send_email_task, send_emails_task
from tests.factories import UserFactory


def _payload(to, *, marketing=True):
    message = EmailMessage(subject="Spring offer", body="Half price", to=to)
    if marketing:
        marketing_mark(message)
    return {
        "subject": message.subject,
        "body": message.body,
        "from_email": message.from_email,
        "to": list(message.to),
        "headers": dict(message.extra_headers),
    }


def test_marketing_goes_only_to_those_who_opted_in(db, django_capture_on_commit_callbacks):
    yes, no, gone = UserFactory(), UserFactory(), UserFactory()
    for user in (yes, gone):
        consent_set(user=user, purpose=ConsentPurpose.MARKETING, granted=True)
    gone.is_active = False  # locked for deletion: nothing more to them
    gone.save()
    with django_capture_on_commit_callbacks(execute=True):
        queued = marketing_send(
            users=[yes, no, gone], subject=lambda u: "News", body=lambda u: "New courses"
        )
    assert queued == 1
    assert [m.to for m in mail.outbox] == [[yes.email]]
    sent = mail.outbox[0]
    assert sent.extra_headers[PURPOSE_HEADER] == "marketing"
    assert "/accounts/privacy/" in sent.body and "List-Unsubscribe" in sent.extra_headers


def test_consent_withdrawn_after_queueing_stops_the_message_at_send_time(db):
    user = UserFactory()
    consent_set(user=user, purpose=ConsentPurpose.MARKETING, granted=True)
    payload = _payload([user.email])  # queued while the consent was on
    consent_set(user=user, purpose=ConsentPurpose.MARKETING, granted=False)
    send_email_task(payload)
    assert send_emails_task([payload]) == 0
    assert mail.outbox == []


def test_recipients_without_consent_are_cut_and_other_mail_is_untouched(db):
    yes, no = UserFactory(), UserFactory()
    consent_set(user=yes, purpose=ConsentPurpose.MARKETING, granted=True)
    mixed = _payload([yes.email.upper(), no.email, "stranger@example.com"])
    receipt = _payload([no.email], marketing=False)
    assert [p["to"] for p in consented_only([mixed, receipt])] == [[yes.email.upper()], [no.email]]
    # The header's case and spacing do not let a message slip through.
    sneaky = {**_payload([no.email]), "headers": {PURPOSE_HEADER.lower(): " Marketing "}}
    assert consented_only([sneaky]) == []
    assert send_emails_task([mixed, receipt]) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([yes.email.upper(), no.email])
