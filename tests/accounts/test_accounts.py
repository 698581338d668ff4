"""Sign-up, log-in, password reset and profile: allauth wired the way we promise."""

import re

import pytest
from django.core import mail

from accounts.models import User
from tests.factories import PASSWORD

SIGNUP = "/accounts/signup/"
LOGIN = "/accounts/login/"
RESET = "/accounts/password/reset/"


# Emails leave on commit (through Celery, eager in tests): tests that read the outbox
# let requests commit.
sends_email = pytest.mark.django_db(transaction=True)


def sign_up(client, email, password="a-long-unusual-pass-42"):
    return client.post(SIGNUP, {"email": email, "password1": password, "password2": password})


@sends_email
def test_sign_up_sends_a_confirmation_and_confirming_logs_in(client, db):
    response = sign_up(client, "dora@example.com")
    assert response.status_code == 302
    assert response.url == "/accounts/confirm-email/"
    assert User.objects.filter(email="dora@example.com").exists()
    link = re.search(r"http://\S+/accounts/confirm-email/\S+/", mail.outbox[0].body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    confirm = client.post(f"/{path}")
    assert confirm.status_code == 302
    assert client.get("/accounts/profile/").status_code == 200


@sends_email
def test_unconfirmed_user_cannot_log_in_yet(client, db):
    sign_up(client, "erin@example.com")
    client.logout()
    response = client.post(
        LOGIN, {"login": "erin@example.com", "password": "a-long-unusual-pass-42"}
    )
    assert response.status_code == 302
    assert response.url == "/accounts/confirm-email/"
    assert client.get("/accounts/profile/").status_code == 302


@sends_email
def test_signing_up_with_a_taken_email_reveals_nothing(client, bob):
    fresh = sign_up(client, "someone-new@example.com")
    client.logout()
    mail.outbox.clear()
    taken = sign_up(client, "BOB@example.com")
    # Same answer as for a new address; the owner is told by email instead.
    assert (taken.status_code, taken.url) == (fresh.status_code, fresh.url)
    assert User.objects.filter(email__iexact="bob@example.com").count() == 1
    assert mail.outbox[0].to == ["bob@example.com"]
    assert "already" in mail.outbox[0].body.lower()


@sends_email
def test_password_reset_answers_the_same_for_unknown_emails(client, bob):
    known = client.post(RESET, {"email": "bob@example.com"})
    unknown = client.post(RESET, {"email": "nobody@example.com"})
    assert (known.status_code, known.url) == (unknown.status_code, unknown.url)
    assert [m.to for m in mail.outbox] == [["bob@example.com"], ["nobody@example.com"]]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
    assert "/accounts/password/reset/key/" not in mail.outbox[1].body


def test_wrong_password_message_does_not_say_which_part_was_wrong(client, bob):
    wrong_password = client.post(LOGIN, {"login": "bob@example.com", "password": "nope"})
    unknown_user = client.post(LOGIN, {"login": "nobody@example.com", "password": "nope"})
    assert wrong_password.status_code == unknown_user.status_code == 200
    assert (
        wrong_password.context["form"].non_field_errors()
        == unknown_user.context["form"].non_field_errors()
    )


def test_repeated_failed_logins_are_throttled(client, bob):
    def attempt(password):
        response = client.post(LOGIN, {"login": "bob@example.com", "password": password})
        return " ".join(response.context["form"].non_field_errors()) if response.context else ""

    for i in range(5):
        assert "not correct" in attempt(f"wrong{i}")
    assert "Too many failed login attempts" in attempt("wrong6")
    # Even the right password is refused while the limit holds.
    assert "Too many failed login attempts" in attempt(PASSWORD)
    assert client.get("/accounts/profile/").status_code == 302


def test_verified_user_logs_in_with_email(client, bob):
    response = client.post(LOGIN, {"login": "bob@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/accounts/profile/").status_code == 200


def test_profile_edits_display_name(client, bob):
    client.force_login(bob)
    response = client.post(
        "/accounts/profile/", {"display_name": "Bobby", "bio": "", "preferred_language": "zh-hans"}
    )
    assert response.status_code == 302
    bob.refresh_from_db()
    assert (bob.display_name, bob.preferred_language) == ("Bobby", "zh-hans")


def test_profile_rejects_over_long_name(client, bob):
    client.force_login(bob)
    response = client.post("/accounts/profile/", {"display_name": "x" * 61})
    assert response.status_code == 400
    assert "display_name" in response.context["form"].errors


def test_email_uniqueness_ignores_case(db):
    User.objects.create_user(email="Case@Example.com", password="x")
    with pytest.raises(Exception):  # noqa: B017 - IntegrityError, wrapped differently per DB
        User.objects.create_user(email="case@example.com", password="x")


def test_preferred_language_is_served_until_the_switcher_overrides_it(client, bob):
    bob.preferred_language = "zh-hans"
    bob.save()
    client.force_login(bob)
    assert '<html lang="zh-hans">' in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert '<html lang="en">' in client.get("/").content.decode()
