"""Moderators get exactly what they need in the admin, and nothing of money."""

import pytest
from django.contrib.auth.models import Group

from moderation.permissions import MODERATOR_PERMISSIONS, MODERATORS_GROUP


def test_the_group_holds_exactly_the_listed_permissions(db):
    group = Group.objects.get(name=MODERATORS_GROUP)
    held = set(group.permissions.values_list("content_type__app_label", "codename"))
    assert held == set(MODERATOR_PERMISSIONS)
    assert not any(app in ("payments", "djstripe") for app, _ in held)


@pytest.mark.parametrize(
    "path",
    ["/admin/moderation/blockedterm/", "/admin/moderation/blockedterm/add/",
     "/admin/livestream/roomevent/", "/admin/livestream/roomquestion/",
     "/admin/livestream/roomsanction/", "/admin/marketplace/channel/",
     "/admin/moderation/reviewitem/", "/admin/moderation/report/",
     "/admin/moderation/sanction/", "/admin/moderation/sanction/add/",
     "/admin/moderation/expertverification/", "/admin/moderation/moderationaction/",
     "/admin/accounts/user/"],
)  # fmt: skip
def test_moderators_open_the_moderation_pages(client, moderator, path):
    client.force_login(moderator)
    assert client.get(path).status_code == 200


@pytest.mark.parametrize(
    "path",
    ["/admin/payments/purchase/", "/admin/payments/payout/", "/admin/payments/topup/",
     "/admin/payments/ledgeraccount/", "/admin/djstripe/customer/",
     "/admin/accounts/user/add/", "/admin/moderation/moderationaction/add/",
     "/admin/moderation/reviewitem/add/"],
)  # fmt: skip
def test_moderators_cannot_see_payment_data_or_add_users_or_forge_audit(client, moderator, path):
    client.force_login(moderator)
    assert client.get(path).status_code == 403


def test_a_learner_cannot_open_the_admin(client, bob):
    client.force_login(bob)
    response = client.get("/admin/moderation/blockedterm/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_the_audit_trail_is_read_only_for_moderators(client, moderator):
    from moderation.models import ModerationAction

    action = ModerationAction.objects.create(kind="approve", actor=moderator, reason="ok")
    client.force_login(moderator)
    url = f"/admin/moderation/moderationaction/{action.pk}/change/"
    assert client.get(url).status_code == 200  # view only
    assert client.post(url, {"kind": "reject", "reason": "forged"}).status_code == 403
    assert client.post(f"/admin/moderation/moderationaction/{action.pk}/delete/").status_code == 403
    action.refresh_from_db()
    assert action.reason == "ok"


def test_a_learner_cannot_open_the_review_queue(client, bob):
    client.force_login(bob)
    response = client.get("/admin/moderation/reviewitem/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
