"""The notification centre: kinds, delivery preferences, one-click unsubscribe, the
badge's count for live updates, marking read."""

from django.core import mail
from django.core.mail import EmailMessage

from accounts.context_processors import unread_count
from accounts.models import Delivery, Notification, NotificationKind, NotificationPreference
from accounts.services import notification_send
from accounts.services.notify import (
    email_send_as,
    notify,
    preferences_for,
    unsubscribe_token,
    unsubscribe_url,
)
from tests.factories import UserFactory


def _email(user):
    return EmailMessage(subject="A reply", body="Somebody replied.", to=[user.email])


def test_each_kind_follows_the_users_delivery_choice(bob, django_capture_on_commit_callbacks):
    NotificationPreference.objects.create(user=bob, kind="reply", delivery=Delivery.IN_APP)
    NotificationPreference.objects.create(user=bob, kind="answer", delivery=Delivery.NONE)
    NotificationPreference.objects.create(user=bob, kind="payout", delivery=Delivery.EMAIL)
    with django_capture_on_commit_callbacks(execute=True):
        assert notify(user=bob, kind="reply", key="r1", text="reply", email=_email)
        assert not notify(user=bob, kind="answer", key="a1", text="answer", email=_email)
        assert notify(user=bob, kind="payout", key="p1", text="payout", email=_email)
        assert notify(user=bob, kind="go_live", key="g1", text="live", email=_email)  # default
    inbox = set(Notification.objects.filter(user=bob, in_app=True).values_list("key", flat=True))
    assert inbox == {"r1", "g1"}
    assert unread_count(bob) == 2  # the e-mail-only payout is not in the badge
    assert len(mail.outbox) == 2  # payout and go-live


def test_emails_carry_a_one_click_unsubscribe_for_their_kind(
    client, bob, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=bob, kind="reply", key="r1", text="reply", email=_email)
    message = mail.outbox[0]
    url = unsubscribe_url(user_id=bob.pk, kind="reply")
    assert message.extra_headers["List-Unsubscribe"] == f"<{url}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert url in message.body

    # A mail client's one-click POST: no cookie, no CSRF token.
    path = url[url.index("/accounts/") :]
    client.handler.enforce_csrf_checks = True
    response = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert preferences_for(bob)["reply"] == Delivery.IN_APP  # in-site notices stay
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=bob, kind="reply", key="r2", text="again", email=_email)
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(user=bob, key="r2", in_app=True).exists()


def test_the_unsubscribe_link_asks_before_it_acts_and_refuses_forgeries(client, bob):
    token = unsubscribe_token(user_id=bob.pk, kind="go_live")
    page = client.get(f"/accounts/notifications/unsubscribe/{token}/")
    assert page.status_code == 200 and 'data-testid="unsubscribe-confirm"' in page.content.decode()
    assert not NotificationPreference.objects.exists()  # a GET (a link scanner) changes nothing

    forged = token[:-3] + "abc"
    response = client.post(f"/accounts/notifications/unsubscribe/{forged}/")
    assert response.status_code == 404
    assert "not valid" in response.content.decode()
    other = unsubscribe_token(user_id=bob.pk, kind="other")  # not a kind one may stop
    assert client.post(f"/accounts/notifications/unsubscribe/{other}/").status_code == 404
    assert not NotificationPreference.objects.exists()


def test_email_only_kinds_stop_entirely_on_unsubscribe(client, bob):
    NotificationPreference.objects.create(user=bob, kind="reminder", delivery=Delivery.EMAIL)
    token = unsubscribe_token(user_id=bob.pk, kind="reminder")
    client.post(f"/accounts/notifications/unsubscribe/{token}/")
    assert preferences_for(bob)["reminder"] == Delivery.NONE
    assert not email_send_as(user=bob, kind="reminder", message=_email(bob))


def test_the_settings_page_saves_a_choice_per_kind(client, bob):
    client.force_login(bob)
    page = client.get("/accounts/notifications/settings/").content.decode()
    for kind in ("go_live", "reminder", "reply", "answer", "price_change", "payout"):
        assert f'data-testid="pref-{kind}"' in page
    assert 'data-testid="pref-other"' not in page
    choices = {
        "go_live": "email",
        "reminder": "both",
        "reply": "none",
        "answer": "in_app",
        "price_change": "none",
        "payout": "both",
    }
    response = client.post("/accounts/notifications/settings/", choices)
    assert response.status_code == 302
    assert preferences_for(bob) == choices


def test_a_bad_choice_is_a_form_error_and_changes_nothing(client, bob):
    client.force_login(bob)
    response = client.post("/accounts/notifications/settings/", {"go_live": "carrier-pigeon"})
    assert response.status_code == 400
    assert not NotificationPreference.objects.exists()


def test_the_badge_count_endpoint_follows_new_and_read_notifications(client, bob):
    assert client.get("/accounts/notifications/unread/").json() == {"unread": 0}  # visitor
    client.force_login(bob)
    assert client.get("/accounts/notifications/unread/").json() == {"unread": 0}
    notification_send(user=bob, key="k1", text="One")
    notify(user=bob, kind=NotificationKind.REPLY, key="k2", text="Two")
    response = client.get("/accounts/notifications/unread/")
    assert response.json() == {"unread": 2}
    assert "no-store" in response["Cache-Control"]
    assert client.post("/accounts/notifications/read/").status_code == 302
    assert client.get("/accounts/notifications/unread/").json() == {"unread": 0}


def test_someone_elses_notifications_stay_theirs(client, bob):
    other = UserFactory()
    notification_send(user=other, key="k1", text="Private to other")
    client.force_login(bob)
    assert "Private to other" not in client.get("/accounts/notifications/").content.decode()
    client.post("/accounts/notifications/read/")
    assert Notification.objects.get(user=other).read_at is None
