"""The discussion API, from the outside: status codes, messages, escaping, schema."""

import pytest
from rest_framework.test import APIClient

from discussions import services
from discussions.models import Reply, Thread
from tests.discussions.conftest import grant_course

pytestmark = pytest.mark.django_db


def client_for(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_thread_list_create_detail_reply_and_like(alice, bob, dora, free_course):
    url = f"/api/v1/discussions/course/{free_course.pk}/threads/"
    created = client_for(bob).post(url, {"title": "Help", "body": "<script>x</script>"})
    assert created.status_code == 201, created.content
    thread_id = created.json()["id"]
    assert created.json()["body"] == "<script>x</script>"  # JSON carries text, not HTML
    assert created["Content-Type"].startswith("application/json")

    listing = client_for().get(url)  # visitors read free discussions
    assert listing.status_code == 200
    assert [t["id"] for t in listing.json()["results"]] == [thread_id]

    reply = client_for(alice.user).post(
        f"/api/v1/discussions/threads/{thread_id}/replies/", {"body": "Answer"}
    )
    assert reply.status_code == 201
    nested = client_for(dora).post(
        f"/api/v1/discussions/threads/{thread_id}/replies/",
        {"body": "Thanks", "in_reply_to": reply.json()["id"]},
    )
    assert nested.json()["parent"] == reply.json()["id"]

    detail = client_for().get(f"/api/v1/discussions/threads/{thread_id}/").json()
    assert detail["replies"][0]["children"][0]["body"] == "Thanks"

    like_url = f"/api/v1/discussions/likes/reply/{reply.json()['id']}/"
    assert client_for(bob).post(like_url, {"liked": True}).json() == {
        "liked": True,
        "like_count": 1,
    }
    assert client_for(bob).post(like_url, {"liked": True}).json() == {
        "liked": True,
        "like_count": 1,
    }
    assert client_for(bob).post(like_url, {}).json() == {"liked": False, "like_count": 0}


def test_bad_input_gets_400_with_field_messages(bob, free_course):
    url = f"/api/v1/discussions/course/{free_course.pk}/threads/"
    response = client_for(bob).post(url, {"title": "", "body": "x" * 10_001})
    assert response.status_code == 400
    assert "title" in response.json() or "body" in response.json()
    assert Thread.objects.count() == 0
    assert client_for(bob).get(url + "?sort=random").status_code == 400


def test_writing_needs_login_and_access(bob, paid_course, free_course):
    url = f"/api/v1/discussions/course/{free_course.pk}/threads/"
    assert client_for().post(url, {"title": "T", "body": "B"}).status_code == 403
    paid_url = f"/api/v1/discussions/course/{paid_course.pk}/threads/"
    refused = client_for(bob).post(paid_url, {"title": "T", "body": "B"})
    assert refused.status_code == 403
    assert "access" in refused.json()["detail"]
    assert client_for(bob).get(paid_url).status_code == 403
    grant_course(bob, paid_course)
    assert client_for(bob).post(paid_url, {"title": "T", "body": "B"}).status_code == 201


def test_unknown_kinds_and_objects_are_404(bob):
    assert client_for(bob).get("/api/v1/discussions/planet/1/threads/").status_code == 404
    assert client_for(bob).get("/api/v1/discussions/course/999999/threads/").status_code == 404
    assert client_for(bob).post("/api/v1/discussions/likes/thread/999999/").status_code == 404
    assert client_for(bob).post("/api/v1/discussions/likes/answer/1/").status_code == 404


def test_someone_elses_posts_cannot_be_changed(bob, dora, alice, free_course):
    thread = services.thread_create(author=bob, target=free_course, title="T", body="B")
    reply = services.reply_create(author=bob, thread=thread, body="mine")
    api = client_for(dora)
    assert (
        api.patch(
            f"/api/v1/discussions/threads/{thread.pk}/", {"title": "X", "body": "Y"}
        ).status_code
        == 403
    )
    assert api.delete(f"/api/v1/discussions/threads/{thread.pk}/").status_code == 403
    assert api.patch(f"/api/v1/discussions/replies/{reply.pk}/", {"body": "Y"}).status_code == 403
    assert api.delete(f"/api/v1/discussions/replies/{reply.pk}/").status_code == 403
    assert (
        api.post(f"/api/v1/discussions/threads/{thread.pk}/pin/", {"on": True}).status_code == 403
    )
    thread.refresh_from_db()
    reply.refresh_from_db()
    assert (thread.title, thread.is_pinned, reply.body) == ("T", False, "mine")


def test_creator_locks_and_replies_are_refused_with_a_message(alice, bob, free_course):
    thread = services.thread_create(author=bob, target=free_course, title="T", body="B")
    locked = client_for(alice.user).post(
        f"/api/v1/discussions/threads/{thread.pk}/lock/", {"on": True}
    )
    assert locked.json()["is_locked"] is True
    refused = client_for(bob).post(
        f"/api/v1/discussions/threads/{thread.pk}/replies/", {"body": "hi"}
    )
    assert refused.status_code == 400
    assert "locked" in str(refused.json())
    assert Reply.objects.count() == 0


def test_schema_lists_the_discussion_endpoints(client):
    schema = client.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/discussions/{kind}/{id}/threads/",
        "/api/v1/discussions/threads/{id}/",
        "/api/v1/discussions/threads/{id}/replies/",
        "/api/v1/discussions/threads/{id}/pin/",
        "/api/v1/discussions/threads/{id}/lock/",
        "/api/v1/discussions/replies/{id}/",
        "/api/v1/discussions/likes/{kind}/{id}/",
    ):
        assert path in paths


def test_thread_list_query_count_does_not_grow_with_threads(bob, dora, free_course):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = f"/api/v1/discussions/course/{free_course.pk}/threads/"
    services.thread_create(author=bob, target=free_course, title="One", body="B")
    api = client_for()
    api.get(url)  # warms the content-type cache

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert api.get(url).status_code == 200
        return len(captured)

    few = queries()
    for n in range(5):
        services.thread_create(author=dora, target=free_course, title=f"T{n}", body=f"B{n}")
    # course slug, course with channel and creator, count, one page of threads with
    # authors and reply counts: the same number for one thread or six.
    assert queries() == few <= 5
