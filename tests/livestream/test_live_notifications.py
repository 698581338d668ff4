"""Going live tells everyone who may watch: an in-app notification and an email."""

from django.core import mail
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import Notification
from livestream import services
from marketplace import entitlements as marketplace_entitlements
from marketplace.models import Entitlement
from tests.factories import LiveSessionFactory, TierFactory, UserFactory


def test_subscribers_and_ticket_holders_are_notified_once_when_a_session_goes_live(
    alice_channel, bob, django_capture_on_commit_callbacks
):
    host = alice_channel.creator.user
    tier = TierFactory(channel=alice_channel)
    session = LiveSessionFactory(channel=alice_channel, access="subscribers", required_tier=tier)
    subscriber = UserFactory(email="sub@example.com", preferred_language="zh-hans")
    reminded_subscriber = UserFactory(email="both@example.com")
    reminded_outsider = UserFactory(email="outsider@example.com")
    for user, ref in ((subscriber, "sub_1"), (reminded_subscriber, "sub_2")):
        marketplace_entitlements.entitlement_grant(
            user=user, source=Entitlement.Source.SUBSCRIPTION, source_ref=ref, tier=tier
        )
    services.reminder_set(session=session, user=reminded_subscriber, on=True)
    services.reminder_set(session=session, user=reminded_outsider, on=True)

    with django_capture_on_commit_callbacks(execute=True):
        services.session_start(session=session, user=host)

    notified = set(Notification.objects.values_list("user__email", flat=True))
    assert notified == {"sub@example.com", "both@example.com"}  # not bob, not the outsider
    in_chinese = Notification.objects.get(user=subscriber)
    with translation.override("zh-hans"):
        assert in_chinese.text == _("“%(title)s” is live now.") % {"title": session.title}
    assert in_chinese.text != f"“{session.title}” is live now."
    assert in_chinese.url == f"/live/{session.pk}/"
    recipients = sorted(r for m in mail.outbox for r in m.to)
    # The subscriber gets the live email; the reminded subscriber gets the reminder
    # email only; the reminded outsider still gets the reminder they asked for.
    assert recipients == ["both@example.com", "outsider@example.com", "sub@example.com"]

    # Running it again notifies nobody twice.
    assert services.session_audience_notify(session_id=session.pk) == 0
    assert Notification.objects.count() == 2


def test_the_inbox_lists_notifications_and_marks_them_read(client, bob, alice_channel):
    from accounts.services import notification_send

    notification_send(user=bob, key="live:1", text="Something is live", url="/live/1/")
    client.force_login(bob)
    page = client.get("/accounts/notifications/").content.decode()
    assert "Something is live" in page
    assert Notification.objects.get(user=bob).read_at is not None
