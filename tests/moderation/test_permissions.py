"""Moderators get exactly what they need in the admin, and nothing of money."""

import pytest
from django.contrib.auth.models import Group

from moderation.permissions import MODERATOR_PERMISSIONS, MODERATORS_GROUP
from tests.factories import UserFactory


@pytest.fixture
def moderator(db):
    user = UserFactory(email="mod@example.com", is_staff=True)
    user.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    return user


def test_the_group_holds_exactly_the_listed_permissions(db):
    group = Group.objects.get(name=MODERATORS_GROUP)
    held = set(group.permissions.values_list("content_type__app_label", "codename"))
    assert held == set(MODERATOR_PERMISSIONS)
    assert not any(app in ("payments", "djstripe") for app, _ in held)


@pytest.mark.parametrize(
    "path",
    ["/admin/moderation/blockedterm/", "/admin/moderation/blockedterm/add/",
     "/admin/livestream/roomevent/", "/admin/livestream/question/",
     "/admin/livestream/roomsanction/", "/admin/marketplace/channel/"],
)  # fmt: skip
def test_moderators_open_the_moderation_pages(client, moderator, path):
    client.force_login(moderator)
    assert client.get(path).status_code == 200


@pytest.mark.parametrize(
    "path",
    ["/admin/payments/purchase/", "/admin/payments/payout/", "/admin/payments/topup/",
     "/admin/payments/ledgeraccount/", "/admin/djstripe/customer/",
     "/admin/accounts/user/"],
)  # fmt: skip
def test_moderators_cannot_see_payment_data_or_accounts(client, moderator, path):
    client.force_login(moderator)
    assert client.get(path).status_code == 403


def test_a_learner_cannot_open_the_admin(client, bob):
    client.force_login(bob)
    response = client.get("/admin/moderation/blockedterm/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
