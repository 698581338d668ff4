import pytest
from django.contrib.auth.models import Group

from moderation.permissions import MODERATORS_GROUP
from tests.factories import UserFactory
from tests.moderation.screening_fixture import active_model, screening_data_dir  # noqa: F401


@pytest.fixture
def moderator(db):
    user = UserFactory(email="mod@example.com", display_name="Mod", is_staff=True)
    user.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    return user


@pytest.fixture
def second_moderator(db):
    user = UserFactory(email="mod2@example.com", display_name="Mod Two", is_staff=True)
    user.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    return user


@pytest.fixture
def review_unverified(settings):
    """Creator rules on, as in production."""
    settings.MODERATION_REVIEW_UNVERIFIED_CREATORS = True
