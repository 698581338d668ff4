"""The catalogue is cached per query and language, and never shows stale content."""

from marketplace import services
from marketplace.models import PublicationStatus
from tests.factories import CategoryFactory, ChannelFactory, TierFactory


def main(response) -> str:
    """The page's main content (the header differs per request: CSRF token)."""
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def test_repeated_catalogue_request_runs_no_queries(
    client, alice_channel, django_assert_num_queries
):
    first = client.get("/catalogue/", {"q": "Python"})
    # Served from the cache: no query at all.
    with django_assert_num_queries(0):
        second = client.get("/catalogue/", {"q": "Python"})
    assert main(second) == main(first)
    assert "Alice&#x27;s Python Lab" in main(second)


def test_new_channel_shows_up_at_once(client, alice, django_capture_on_commit_callbacks):
    assert client.get("/catalogue/").context["page"].paginator.count == 0
    with django_capture_on_commit_callbacks(execute=True):
        services.channel_create(
            creator=alice,
            title="Fresh Channel",
            category=CategoryFactory.get(),
            status=PublicationStatus.PUBLISHED,
        )
    assert "Fresh Channel" in client.get("/catalogue/").content.decode()


def test_price_change_made_outside_services_shows_up(client, alice_channel):
    """Admin edits bypass services; model signals still move the version."""
    tier = TierFactory(channel=alice_channel, price_amount=3000)
    assert "¥30.00" in client.get("/catalogue/").content.decode()
    tier.price_amount = 4500
    tier.save()
    page = client.get("/catalogue/").content.decode()
    assert "¥45.00" in page and "¥30.00" not in page


def test_unpublished_channel_disappears_from_page_and_api(client, alice_channel):
    assert client.get("/api/v1/catalogue/channels/").json()["count"] == 1
    assert client.get("/catalogue/").context["page"].paginator.count == 1
    alice_channel.status = PublicationStatus.DRAFT
    alice_channel.save()
    assert client.get("/api/v1/catalogue/channels/").json()["count"] == 0
    assert client.get("/catalogue/").context["page"].paginator.count == 0


def test_languages_are_cached_apart(client, db):
    ChannelFactory(title="Bilingual")
    english = client.get("/catalogue/").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    chinese = client.get("/catalogue/").content.decode()
    assert "Technology" in english
    assert "科技" in chinese


def test_api_repeated_request_runs_no_queries(client, alice_channel, django_assert_num_queries):
    first = client.get("/api/v1/catalogue/channels/").json()
    with django_assert_num_queries(0):
        second = client.get("/api/v1/catalogue/channels/").json()
    assert first == second


def test_invalid_api_query_is_not_cached_as_success(client, db):
    assert client.get("/api/v1/catalogue/channels/", {"price": "bogus"}).status_code == 400
    assert client.get("/api/v1/catalogue/channels/", {"price": "bogus"}).status_code == 400
