"""List pages cost the same number of queries for 1 question as for 4 (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.qa.conftest import ask

pytestmark = pytest.mark.django_db


def _queries(client, url):
    client.get(url)  # warm: session, cached unread-notification count
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("page", ["qa:my_questions", "qa:queue"])
def test_list_pages_do_not_query_per_question(client, asker, expert, page):
    ask(asker, expert, text="Question number one")
    client.force_login(asker if page == "qa:my_questions" else expert)
    one = _queries(client, reverse(page))
    for i in range(3):
        ask(asker, expert, text=f"Another question {i}")
    assert _queries(client, reverse(page)) == one


def test_question_list_api_does_not_query_per_question(client, asker, expert):
    ask(asker, expert, text="Question number one")
    client.force_login(asker)
    one = _queries(client, "/api/v1/qa/questions/")
    for i in range(3):
        ask(asker, expert, text=f"Another question {i}")
    assert _queries(client, "/api/v1/qa/questions/") == one
