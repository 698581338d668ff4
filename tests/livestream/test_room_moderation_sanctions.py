"""Moderators' sanctions (moderation.Sanction) reach the live rooms.

A site-wide or channel mute refuses posting; a ban refuses joining and watching,
and ends the sockets the user already has open.
"""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from livestream import services
from moderation import services as moderation_services
from tests.factories import ChannelFactory, LiveSessionFactory, UserFactory
from tests.livestream.room import db, join, refused


@pytest.fixture
def room(alice_channel):
    session = LiveSessionFactory(channel=alice_channel, title="Options basics")
    return services.session_start(session=session, user=alice_channel.creator.user)


@pytest.fixture
def moderator(db):
    return UserFactory(email="mod@example.com", is_staff=True, is_superuser=True)


def sanction(user, kind, moderator, **extra):
    return moderation_services.sanction_impose(
        user=user, kind=kind, reason="Spam in several rooms", moderator=moderator, **extra
    )


@pytest.mark.django_db
def test_a_site_wide_mute_refuses_chat_questions_and_tips_in_every_room(room, bob, moderator):
    sanction(bob, "mute", moderator, duration=timedelta(hours=1))
    with pytest.raises(ValidationError, match="muted"):
        services.chat_post(session=room, user=bob, text="hello")
    with pytest.raises(ValidationError, match="muted"):
        services.question_ask(session=room, user=bob, text="a question")
    assert services.room_role(session=room, user=bob).can_watch  # may still watch


@pytest.mark.django_db
def test_a_channel_ban_shuts_that_channels_rooms_and_video_only(room, alice, bob, moderator):
    other = services.session_start(
        session=LiveSessionFactory(channel=ChannelFactory(creator=alice)), user=alice.user
    )
    sanction(bob, "ban", moderator, channel=room.channel)
    assert services.room_role(session=room, user=bob).banned
    assert not services.viewer_may_watch(session=room, user=bob)
    assert services.room_role(session=other, user=bob).can_watch
    assert services.viewer_may_watch(session=other, user=bob)


@pytest.mark.django_db
def test_an_expired_or_lifted_sanction_no_longer_applies(room, bob, moderator):
    muted = sanction(bob, "mute", moderator, duration=timedelta(hours=1))
    moderation_services.sanction_lift(sanction=muted, moderator=moderator)
    assert services.chat_post(session=room, user=bob, text="back again").seq > 0


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_ban_from_moderators_ends_the_open_socket_at_once(room, bob, moderator):
    ws = await join(bob, room.pk)
    await db(sanction)(bob, "ban", moderator)
    assert await ws.close_code(timeout=3) == 4430
    # Site-wide bans also end the login, so a new socket has no user at all.
    assert (await refused(bob, room.pk))[0] in (4401, 4430)
