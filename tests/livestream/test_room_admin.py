"""Moderators act on rooms from the admin; the changes go through the room services."""

from livestream import services
from livestream.models import RoomEvent, RoomSanction
from tests.factories import LiveSessionFactory


def test_deleting_a_chat_message_in_the_admin_hides_it_in_the_room(
    admin_client, alice_channel, bob
):
    session = services.session_start(
        session=LiveSessionFactory(channel=alice_channel), user=alice_channel.creator.user
    )
    event = services.chat_post(session=session, user=bob, text="spam spam")
    response = admin_client.post(
        "/admin/livestream/roomevent/",
        {"action": "delete_messages", "_selected_action": [event.pk]},
        follow=True,
    )
    assert "1 done." in response.content.decode()
    event.refresh_from_db()
    assert event.deleted_at is not None
    announced = RoomEvent.objects.get(session=session, kind=RoomEvent.Kind.MESSAGE_DELETED)
    assert announced.payload == {"target": event.seq}


def test_lifting_a_mute_in_the_admin(admin_client, alice_channel, bob):
    session = LiveSessionFactory(channel=alice_channel)
    sanction = services.user_mute(
        session=session, by=alice_channel.creator.user, user_id=bob.pk, minutes=30
    )
    admin_client.post(
        "/admin/livestream/roomsanction/",
        {"action": "lift", "_selected_action": [sanction.pk]},
    )
    sanction.refresh_from_db()
    assert sanction.lifted_at is not None
    assert RoomSanction.objects.filter(lifted_at__isnull=True).count() == 0


def test_room_history_cannot_be_edited_in_the_admin(admin_client, alice_channel, bob):
    session = LiveSessionFactory(channel=alice_channel)
    event = services.chat_post(session=session, user=bob, text="hello")
    page = admin_client.get(f"/admin/livestream/roomevent/{event.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
