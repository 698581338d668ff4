"""Expert matching and similar questions on a small Chinese and English fixture."""

import pytest

from qa import selectors, services
from tests.factories import CreatorFactory, TagFactory, UserFactory
from tests.qa.conftest import fund

pytestmark = pytest.mark.django_db


def _expert(name, *, topics, bio, base_price=1000):
    profile = CreatorFactory(display_name=name, bio=bio, headline="")
    profile.topics.set([TagFactory(name=t, slug=f"t-{abs(hash(t))}") for t in topics])
    services.expert_settings_update(
        user=profile.user, enabled=True, base_price=base_price, currency="CNY", answer_hours=48
    )
    return profile.user


@pytest.fixture
def experts(db):
    return {
        "django": _expert(
            "Dana", topics=["Django", "PostgreSQL"], bio="Web backends, ORM performance."
        ),
        "ml": _expert("Ming", topics=["机器学习", "深度学习"], bio="我做推荐系统和神经网络训练。"),
        "cook": _expert(
            "Carla", topics=["烹饪", "baking"], bio="Sourdough bread and 川菜 recipes."
        ),
    }


def _answered(asker, expert, text, answer="An answer.", public=True):
    quote = services.quote_create(
        asker=asker, expert=expert, text=text, difficulty="standard", is_public=public
    )
    question = services.question_ask(asker=asker, quote_id=quote.pk)
    services.answer_submit(expert=expert, question_id=question.pk, text=answer)
    return question


def _names(matches):
    return [terms.user.creator_profile.display_name for terms, _score in matches]


def test_an_english_question_finds_the_django_expert_first(experts):
    matches = selectors.experts_search(text="Why is my Django ORM query slow on PostgreSQL?")
    assert _names(matches)[0] == "Dana"
    assert "Carla" not in _names(matches)


def test_a_chinese_question_finds_the_machine_learning_expert(experts):
    matches = selectors.experts_search(text="深度学习模型训练太慢怎么办？")
    assert _names(matches) == ["Ming"]


def test_mixed_text_matches_on_both_scripts(experts):
    assert _names(selectors.experts_search(text="川菜 recipes for beginners"))[0] == "Carla"


def test_nothing_in_common_finds_nobody(experts):
    assert selectors.experts_search(text="quantum chromodynamics") == []
    assert selectors.experts_search(text="   ") == []


def test_past_answers_and_rating_raise_an_expert(experts):
    rival = _expert("Django Two", topics=["Django"], bio="Django consultant.")
    asker = UserFactory()
    fund(asker, 50_000)
    q = _answered(asker, rival, "How do I write a Django migration for a big table?")
    services.question_rate(asker=asker, question_id=q.pk, rating=5)
    matches = selectors.experts_search(text="Django migration on a big table")
    assert _names(matches)[0] == "Django Two"


def test_the_asker_is_not_offered_to_themselves(experts):
    matches = selectors.experts_search(text="Django ORM", exclude=experts["django"])
    assert "Dana" not in _names(matches)


def test_similar_questions_are_answered_public_ones_only(experts):
    asker = UserFactory()
    fund(asker, 50_000)
    public = _answered(asker, experts["ml"], "推荐系统的冷启动问题怎么解决？")
    _answered(asker, experts["ml"], "推荐系统的召回层如何设计？", public=False)
    english = _answered(asker, experts["django"], "How to cache a Django view per user?")
    services.quote_create(  # quoted, never paid: not an answered question
        asker=asker,
        expert=experts["ml"],
        text="推荐系统 冷启动 新用户",
        difficulty="quick",
        is_public=True,
    )
    assert [q.pk for q in selectors.questions_similar(text="新用户的冷启动推荐")] == [public.pk]
    assert [q.pk for q in selectors.questions_similar(text="per-user cache for a Django view")] == [
        english.pk
    ]
    assert selectors.questions_similar(text="sourdough") == []


def test_the_index_is_rebuilt_when_an_answer_arrives(experts, django_capture_on_commit_callbacks):
    asker = UserFactory()
    fund(asker, 50_000)
    assert selectors.questions_similar(text="烤面包的温度") == []
    with django_capture_on_commit_callbacks(execute=True):  # the version bump, on commit
        question = _answered(asker, experts["cook"], "烤面包的温度应该是多少？")
    assert [q.pk for q in selectors.questions_similar(text="烤面包的温度")] == [question.pk]


@pytest.mark.django_db(transaction=True)
def test_a_stale_index_keeps_answering_while_a_background_thread_rebuilds_it(experts, settings):
    import threading

    settings.QA_INDEX_REBUILD_IN_BACKGROUND = True
    asker = UserFactory()
    fund(asker, 50_000)
    assert selectors.questions_similar(text="烤面包的温度") == []  # cold: built in the request
    question = _answered(asker, experts["cook"], "烤面包的温度应该是多少？")  # bumps the version
    assert selectors.questions_similar(text="烤面包的温度") == []  # stale answer, no waiting
    for thread in threading.enumerate():
        if thread.name.startswith("qa-index-"):
            thread.join(30)
    assert [q.pk for q in selectors.questions_similar(text="烤面包的温度")] == [question.pk]


@pytest.mark.django_db(transaction=True)
def test_warm_up_builds_the_indexes_before_the_first_search(experts):
    from qa import matching

    matching.index_reset()
    matching.warm_up().join(60)
    assert set(matching._indexes) == {"experts", "questions"}
    built = matching._indexes["experts"]
    assert _names(selectors.experts_search(text="Django ORM 性能"))[0] == "Dana"
    assert matching._indexes["experts"] is built  # the search used the warm index
