"""Room history over HTTP: chat, events after a seq, the question board."""

import pytest
from django.contrib.contenttypes.models import ContentType

from livestream import services
from livestream.models import LiveSession
from tests.factories import LiveSessionFactory, UserFactory


@pytest.fixture
def room(alice_channel):
    session = LiveSessionFactory(channel=alice_channel)
    return services.session_start(session=session, user=alice_channel.creator.user)


def test_chat_history_lists_the_latest_messages_oldest_first(
    client, room, bob, django_assert_num_queries
):
    for i in range(3):
        services.chat_post(session=room, user=bob, text=f"message {i}")
    client.force_login(bob)
    ContentType.objects.get_for_model(room)  # cached per process in real life
    # session + user (auth), the session with its channel and creator, whether
    # moderation holds it (its review item), the user's and their groups'
    # permissions (moderators), the user's room sanctions and moderators' sanctions
    # (a free session needs no entitlement query), the events.
    with django_assert_num_queries(9):
        body = client.get(f"/api/v1/live/{room.pk}/chat/?limit=2").json()
    assert body["last_seq"] == 4
    assert [e["text"] for e in body["events"]] == ["message 1", "message 2"]
    older = client.get(f"/api/v1/live/{room.pk}/chat/?before=3").json()["events"]
    assert [e.get("text", e.get("event")) for e in older] == ["session.started", "message 0"]


def test_events_after_a_seq_are_what_a_reconnecting_socket_gets(client, room, bob):
    for i in range(3):
        services.chat_post(session=room, user=bob, text=f"m{i}")
    client.force_login(bob)
    body = client.get(f"/api/v1/live/{room.pk}/events/?after=2").json()
    assert [(e["seq"], e["text"]) for e in body["events"]] == [(3, "m1"), (4, "m2")]


def test_question_board_over_http_in_board_order(client, room, bob, django_assert_num_queries):
    dora = UserFactory()
    first = services.question_ask(session=room, user=bob, text="First?")
    second = services.question_ask(session=room, user=dora, text="Second?")
    services.question_upvote(session=room, user=bob, question_id=second.pk)
    services.question_moderate(
        session=room, user=room.channel.creator.user, question_id=first.pk, action="answer"
    )
    client.force_login(bob)
    ContentType.objects.get_for_model(room)  # cached per process in real life
    # session + user (auth), the session, its review item (held by moderation?),
    # permissions (user, groups), room and moderators' sanctions, the board with
    # authors.
    with django_assert_num_queries(9):
        questions = client.get(f"/api/v1/live/{room.pk}/questions/").json()["questions"]
    assert [(q["text"], q["votes"], q["status"]) for q in questions] == [
        ("Second?", 1, "open"),
        ("First?", 0, "answered"),
    ]


@pytest.mark.parametrize("path", ["chat", "events", "questions"])
def test_history_needs_access(client, alice_channel, charlie, path):
    session = LiveSessionFactory(
        channel=alice_channel,
        access=LiveSession.Access.TICKET,
        ticket_price_amount=500,
        ticket_currency="CNY",
    )
    assert client.get(f"/api/v1/live/{session.pk}/{path}/").status_code == 403
    client.force_login(charlie.user)
    response = client.get(f"/api/v1/live/{session.pk}/{path}/")
    assert response.status_code == 403
    assert response.json()["detail"] == "You have no access to this session."
    assert client.get(f"/api/v1/live/999999/{path}/").status_code == 404


@pytest.mark.parametrize("query", ["limit=0", "limit=500", "limit=x", "before=-1", "limit=²"])
def test_bad_paging_parameters_are_explained(client, room, bob, query):
    client.force_login(bob)
    response = client.get(f"/api/v1/live/{room.pk}/chat/?{query}")
    assert response.status_code == 400
    assert "Give a whole number" in str(response.json())
