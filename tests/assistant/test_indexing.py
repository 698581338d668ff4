"""The knowledge index follows the sources on commit: answers, replay chapters."""

from datetime import timedelta

import pytest
from django.utils import timezone

from assistant.models import KnowledgeItem
from assistant.services import indexing
from livestream.models import LiveSession, Recording, RoomQuestion
from livestream.video import replay_set_hidden
from qa import services as qa
from qa.models import Answer
from tests.factories import LiveSessionFactory
from tests.qa.conftest import ask, fund


@pytest.mark.django_db
def test_an_answer_enters_the_index_and_leaves_it_when_moderation_hides_it(
    alice, bob, expert, committed
):
    fund(bob, 10_000)
    question = committed(ask, bob, expert, text="How do I profile a slow Django view?")
    committed(
        qa.answer_submit,
        expert=expert,
        question_id=question.pk,
        text="Use django-debug-toolbar and look at the SQL panel first.",
    )
    item = KnowledgeItem.objects.get(kind="answer", source_id=question.pk)
    assert item.paid is True  # the answer is quoted only to its readers
    assert "debug-toolbar" in item.text
    committed(qa.answer_set_visible, Answer.objects.get(question=question), False)
    assert not KnowledgeItem.objects.filter(kind="answer", source_id=question.pk).exists()


@pytest.mark.django_db
def test_replay_chapters_link_to_the_moment_and_go_when_the_replay_is_hidden(
    alice, alice_channel, bob, committed
):
    session = LiveSessionFactory(channel=alice_channel, status=LiveSession.Status.ENDED)
    started = timezone.now() - timedelta(hours=2)
    Recording.objects.create(session=session, started_at=started, key="rec/1.flv", duration=1800)
    RoomQuestion.objects.create(
        session=session,
        author=bob,
        text="What is a closure?",
        status=RoomQuestion.Status.ANSWERED,
        answered_at=started + timedelta(minutes=5),
    )
    LiveSession.objects.filter(pk=session.pk).update(replay_status=LiveSession.Replay.READY)
    committed(indexing.chapters_sync, session_id=session.pk)
    chapter = KnowledgeItem.objects.get(kind="chapter")
    assert chapter.url == f"/live/{session.pk}/?t=300"
    committed(replay_set_hidden, session=session, user=alice.user, hidden=True)
    assert not KnowledgeItem.objects.filter(kind="chapter").exists()
