"""The paywall on the page, the API and file downloads: entitled learners get the
whole body and files; others the preview, a buy/subscribe prompt, and a 403 on files."""

import pytest
from django.urls import reverse

from content import services
from content.models import Access, Asset
from tests.content.conftest import pdf_upload
from tests.content.helpers import give_subscription, give_ticket

SECRET = "The secret paid paragraph."


def _page(client, item):
    response = client.get(item.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_visitor_sees_the_preview_and_a_prompt_only(client, paid_lesson):
    html = _page(client, paid_lesson)
    assert "Free intro paragraph." in html
    assert SECRET not in html
    assert 'data-testid="paywall"' in html


def test_ticket_holder_reads_everything(client, paid_lesson, bob):
    give_ticket(bob, paid_lesson.course)
    client.force_login(bob)
    html = _page(client, paid_lesson)
    assert SECRET in html and 'data-testid="paywall"' not in html


def test_learner_without_ticket_gets_the_preview(client, paid_lesson, dave):
    client.force_login(dave)
    html = _page(client, paid_lesson)
    assert SECRET not in html and "Free intro paragraph." in html


def test_meta_and_opengraph_come_from_the_preview(client, paid_lesson):
    html = _page(client, paid_lesson)
    head = html.split("</head>")[0]
    assert 'property="og:description" content="Free intro paragraph."' in head
    assert '<link rel="canonical" href="http://' in head
    assert "secret" not in head.lower()


def test_subscribers_of_the_tier_or_dearer_read_subscriber_articles(
    client, alice, alice_channel, tier, bob, dave
):
    from tests.factories import TierFactory

    cheap = TierFactory(channel=alice_channel, name="Bronze", price_amount=1000)
    dear = TierFactory(channel=alice_channel, name="Platinum", price_amount=9000)
    article = services.article_create(
        user=alice.user,
        channel=alice_channel,
        title="Members only",
        body=f"Teaser.\n\n---paywall---\n\n{SECRET}",
        access=Access.SUBSCRIBERS,
        required_tier=tier,
    )
    services.item_publish(user=alice.user, item=article)
    give_subscription(bob, dear, ref="bob")
    give_subscription(dave, cheap, ref="dave")
    client.force_login(bob)
    assert SECRET in _page(client, article)
    client.force_login(dave)
    html = _page(client, article)
    assert SECRET not in html and "Teaser." in html
    assert 'data-testid="paywall-subscribe"' in html
    assert 'data-testid="report-link"' in html  # readers may report it
    client.force_login(alice.user)
    assert 'data-testid="report-link"' not in _page(client, article)  # not its author


def test_api_gives_the_preview_without_access_and_all_with_it(client, paid_lesson, bob):
    url = reverse("api_content_lesson", args=[paid_lesson.pk])
    data = client.get(url).json()
    assert data["body"]["is_full"] is False and data["body"]["has_more"] is True
    assert SECRET not in data["body"]["html"]
    assert SECRET not in str(client.get(reverse("api_content_lessons")).json())

    give_ticket(bob, paid_lesson.course)
    client.force_login(bob)
    data = client.get(url).json()
    assert data["body"]["is_full"] is True and SECRET in data["body"]["html"]


def test_paid_file_downloads_only_with_access(client, alice, paid_lesson, bob, dave, tmp_path):
    asset = services.asset_upload(
        user=alice.user, item=paid_lesson, upload=pdf_upload(), kind=Asset.Kind.ATTACHMENT
    )
    url = asset.get_absolute_url()
    assert asset.key in url and asset.file.name not in url
    # Stored outside the public media folder, under a random name.
    assert not list((tmp_path / "public").rglob("*.pdf"))
    assert "notes" not in asset.file.name

    assert client.get(url).status_code == 403
    client.force_login(dave)
    assert client.get(url).status_code == 403
    assert "notes.pdf" not in _page(client, paid_lesson).split('data-testid="attachment-locked"')[0]

    give_ticket(bob, paid_lesson.course)
    client.force_login(bob)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/pdf"


def test_unknown_file_key_is_a_404(client, db):
    assert client.get("/content/files/nope/").status_code == 404


def test_draft_lesson_is_hidden_from_everyone_but_its_creator(client, alice, course, charlie):
    lesson = services.lesson_create(user=alice.user, course=course, title="WIP", body="x")
    assert client.get(lesson.get_absolute_url()).status_code == 404
    assert client.get(reverse("api_content_lesson", args=[lesson.pk])).status_code == 404
    client.force_login(charlie.user)
    assert client.get(lesson.get_absolute_url()).status_code == 404
    client.force_login(alice.user)
    assert client.get(lesson.get_absolute_url()).status_code == 200


def test_sitemap_lists_public_pages_only(client, alice, paid_lesson, course):
    draft = services.lesson_create(user=alice.user, course=course, title="Hidden draft")
    xml = client.get("/sitemap.xml").content.decode()
    assert paid_lesson.get_absolute_url() in xml
    assert course.get_absolute_url() in xml
    assert draft.get_absolute_url() not in xml
    assert "secret" not in xml.lower()


@pytest.mark.parametrize("hide", ["course", "channel"])
def test_content_hidden_by_moderation_leaves_the_sitemap_and_the_api(
    client, paid_lesson, course, hide
):
    target = course if hide == "course" else course.channel
    target.hidden_by_moderation = True
    target.save()
    xml = client.get("/sitemap.xml").content.decode()
    assert paid_lesson.get_absolute_url() not in xml
    assert course.get_absolute_url() not in xml
    ids = [row["id"] for row in client.get(reverse("api_content_lessons")).json()]
    assert paid_lesson.pk not in ids


@pytest.mark.parametrize("access", [Access.FREE])
def test_free_lesson_is_whole_for_visitors(client, alice, course, access):
    lesson = services.lesson_create(
        user=alice.user, course=course, title="Open", body=f"a\n\n<!-- more -->\n\n{SECRET}"
    )
    services.item_publish(user=alice.user, item=lesson)
    assert SECRET in _page(client, lesson)


def test_rendered_html_is_cached_per_revision(
    client, alice, paid_lesson, django_assert_max_num_queries
):
    from django.core.cache import cache

    _page(client, paid_lesson)
    key = f"content:html:v1:lesson:{paid_lesson.revision_id}:3"
    assert cache.get(key) is not None
    lesson = services.item_update(user=alice.user, item=paid_lesson, body="new body")
    assert lesson.revision_id != paid_lesson.revision_id
    assert "new body" in _page(client, lesson)
