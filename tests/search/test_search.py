"""Site-wide search: one box finds courses, sessions, channels, creators, lessons,
articles and answered questions, in English and in Chinese; what pages hide stays
hidden, and paid text is never searched nor shown."""

import pytest
from django.db import connection
from django.urls import reverse

from content import services as content_services
from content.models import Access
from discussions import services as discussion_services
from discussions.models import Thread
from livestream.models import LiveSession
from marketplace.models import PublicationStatus
from qa import services as qa_services
from search.selectors import KINDS, _matching, query_terms, search
from tests.factories import ChannelFactory, CourseFactory, CreatorFactory, LiveSessionFactory
from tests.qa.conftest import ask

pytestmark = pytest.mark.django_db


def titles(found, kind):
    return [hit.title for hit in found["hits"].get(kind, [])]


@pytest.fixture
def catalogue(alice, alice_channel):
    """Alice's Python Lab with a course, a session, a lesson with a paid body, an
    article; a Chinese course on machine learning in another channel."""
    course = CourseFactory(
        channel=alice_channel, title="Python Deep Dive", summary="Generators and asyncio"
    )
    LiveSessionFactory(channel=alice_channel, title="Live: python packaging Q&A")
    lesson = content_services.lesson_create(
        user=alice.user, course=course, title="Generators", summary="yield explained",
        body="Free part.\n\n<!-- more -->\n\nThe secret walrus trick.", access=Access.TICKET,
    )  # fmt: skip
    content_services.item_publish(user=alice.user, item=lesson)
    zhang = CreatorFactory(display_name="张老师", headline="机器学习研究员")
    channel = ChannelFactory(
        creator=zhang, title="张老师的AI课堂", description="深度学习与机器学习"
    )
    CourseFactory(channel=channel, title="机器学习入门", summary="从零开始学习机器学习")
    return {"course": course, "lesson": lesson, "zh_channel": channel}


def test_one_query_finds_every_kind_with_title_hits_first(catalogue, alice):
    found = search(query="python")
    assert titles(found, "channels") == ["Alice's Python Lab"]
    assert titles(found, "courses") == ["Python Deep Dive"]
    assert titles(found, "sessions") == ["Live: python packaging Q&A"]
    assert found["counts"]["courses"] == 1
    # Both words must appear; a title hit outranks a summary hit.
    assert titles(search(query="generators"), "lessons") == ["Generators"]
    assert titles(search(query="generators"), "courses") == ["Python Deep Dive"]
    assert search(query="python cooking")["hits"] == {k: [] for k in found["hits"]}


def test_chinese_queries_are_cut_into_words_by_jieba(catalogue):
    assert query_terms("机器学习入门") == ["机器", "学习", "入门"]
    found = search(query="机器学习入门")
    assert titles(found, "courses") == ["机器学习入门"]
    # Words found in another order and in other fields: the channel's description.
    assert titles(search(query="学习 深度"), "channels") == ["张老师的AI课堂"]
    assert titles(search(query="机器学习"), "creators") == ["张老师"]


def test_hidden_draft_held_and_cancelled_things_never_show(catalogue, alice_channel):
    course = catalogue["course"]
    course.hidden_by_moderation = True
    course.save(update_fields=["hidden_by_moderation"])
    LiveSession.objects.filter(channel=alice_channel).update(status=LiveSession.Status.CANCELLED)
    channel = catalogue["zh_channel"]
    channel.status = PublicationStatus.DRAFT
    channel.save(update_fields=["status"])

    assert titles(search(query="python"), "courses") == []
    assert titles(search(query="python"), "sessions") == []
    # A draft channel hides itself, its courses and its creator (who has no other).
    found = search(query="机器学习")
    assert titles(found, "channels") == titles(found, "courses") == titles(found, "creators") == []


def test_paid_text_is_neither_searched_nor_shown(catalogue, client):
    assert titles(search(query="walrus"), "lessons") == []
    page = client.get(reverse("search:search"), {"q": "generators"}).content.decode()
    assert "yield explained" in page and "walrus" not in page


def test_answered_public_questions_are_found_but_never_their_answer(asker, expert, client):
    question = ask(asker, expert, text="How do I profile a slow Django view?")
    qa_services.answer_submit(
        expert=expert, question_id=question.pk, text="Use django-silk and EXPLAIN ANALYZE."
    )
    private = ask(
        asker, expert, text="Is my Django view slow for private reasons?", is_public=False
    )
    qa_services.answer_submit(expert=expert, question_id=private.pk, text="Yes.")

    found = search(query="slow django view")
    assert titles(found, "answers") == ["How do I profile a slow Django view?"]
    page = client.get(reverse("search:search"), {"q": "slow django"}).content.decode()
    assert question.get_absolute_url() in page
    assert "django-silk" not in page and "private reasons" not in page
    assert titles(search(query="silk"), "answers") == []


def test_the_page_highlights_matches_keeps_the_query_in_tabs_and_suggests_when_empty(
    catalogue, client, django_assert_max_num_queries
):
    # A visitor: per kind (8) its rows, and its count only when the first page is
    # full; the discussed kinds' content type (cached after the first); nothing else
    # (no session, no badge).
    with django_assert_max_num_queries(17):
        response = client.get(reverse("search:search"), {"q": "python"})
    page = response.content.decode()
    assert "<mark>Python</mark> Deep Dive" in page
    assert 'href="?q=python&amp;kind=courses"' in page
    assert 'value="python"' in page  # the header's box keeps the query too

    one_kind = client.get(reverse("search:search"), {"q": "python", "kind": "courses"})
    assert one_kind.context["hits"][0].title == "Python Deep Dive"
    assert one_kind.context["count"] == 1

    empty = client.get(reverse("search:search"), {"q": "quantum knitting"}).content.decode()
    assert 'data-testid="search-empty"' in empty
    assert reverse("marketplace:catalogue") in empty
    # Markup typed into the box comes back as text.
    typed = client.get(reverse("search:search"), {"q": "<b>x</b>"}).content.decode()
    assert "<b>x</b>" not in typed and "&lt;b&gt;x&lt;/b&gt;" in typed


def test_the_api_answers_in_json_and_refuses_a_bad_kind(catalogue, client):
    response = client.get("/api/v1/search/", {"q": "机器学习", "kind": "courses"})
    assert response.status_code == 200
    body = response.json()
    assert body["terms"] == ["机器", "学习"]
    assert [r["title"] for r in body["results"]] == ["机器学习入门"]
    assert body["results"][0]["url"].startswith("/")
    assert body["counts"] == {"courses": 1}

    bad = client.get("/api/v1/search/", {"q": "x", "kind": "spaceships"})
    assert bad.status_code == 400 and "kind" in bad.json()
    assert client.get("/api/v1/search/").status_code == 400


def test_highlighting_marks_words_never_markup():
    from search.templatetags.search_tags import highlight

    assert highlight("机器学习入门", ["机器", "学习"]) == "<mark>机器学习</mark>入门"
    # A term never matches inside the escaped text's entities, and typed markup stays text.
    assert highlight("R&D <b>amp</b>", ["amp", "d"]) == (
        "R&amp;<mark>D</mark> &lt;b&gt;<mark>amp</mark>&lt;/b&gt;"
    )


def test_public_discussion_threads_are_found_and_paid_ones_never(alice, alice_channel, bob, client):
    free = LiveSessionFactory(channel=alice_channel, access=LiveSession.Access.FREE)
    paid = LiveSessionFactory(
        channel=alice_channel, access=LiveSession.Access.TICKET, ticket_price_amount=990
    )
    open_thread = discussion_services.thread_create(
        author=bob, target=free, title="Async generators in practice", body="Who uses trio?"
    )
    discussion_services.thread_create(
        author=alice.user, target=paid, title="Async generators for ticket holders", body="Secret"
    )
    held = discussion_services.thread_create(
        author=bob, target=free, title="Async generators, held", body="Waiting"
    )
    Thread.objects.filter(pk=held.pk).update(is_visible=False)

    assert titles(search(query="async generators"), "threads") == ["Async generators in practice"]
    assert titles(search(query="trio"), "threads") == ["Async generators in practice"]
    page = client.get(reverse("search:search"), {"q": "generators trio"}).content.decode()
    assert open_thread.get_absolute_url() in page and "Secret" not in page
    assert titles(search(query="secret"), "threads") == []


@pytest.mark.parametrize("query", ["python", "packaging", "lab python"])
def test_every_kind_can_be_answered_from_indexes_without_a_table_scan(catalogue, query):
    """The planner, told not to scan (the test tables are too small to prefer indexes
    by themselves), still answers every kind's search without a sequential scan of a
    searched table, own columns and joined ones alike, and every searched column is
    matched through its trigram index (search's migration)."""
    terms = query_terms(query)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for key, kind in KINDS.items():
            matching = _matching(kind, terms)
            sql, params = matching.query.sql_with_params()
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            for table in _searched_tables(kind):
                scans = [line for line in plan.splitlines() if f"Seq Scan on {table} " in line]
                assert not scans, f"{key} scans {table}:\n{plan}"
            # Each searched column alone is matched through its own trigram index.
            for model, field in _searched_columns(kind):
                column = model._default_manager.filter(**{f"{field}__icontains": terms[0]})
                sql, params = column.order_by().values("pk").query.sql_with_params()
                cursor.execute(f"EXPLAIN {sql}", params)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                assert "Index Scan on search_trgm_" in plan, f"{key} {field}:\n{plan}"


def _searched_columns(kind):
    """(model, field) of every column the kind matches, joined ones included."""
    model = kind.rows().model
    for field in (kind.title, *kind.fields):
        if "__" in field:
            fk, field = field.split("__", 1)
            yield model._meta.get_field(fk).related_model, field
        else:
            yield model, field


def _searched_tables(kind):
    return {model._meta.db_table for model, _field in _searched_columns(kind)}
