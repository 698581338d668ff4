"""The studio's edit pages are the author's alone: another logged-in user gets a 404
(never a form) and their POST changes nothing."""

import pytest
from django.urls import reverse

from content.models import Article, Lesson
from livestream.models import LiveSession
from marketplace.models import Channel, Course, SubscriptionTier


def _studio_urls(course, tier, session, lesson, article, alice_channel):
    return [
        reverse("marketplace:channel_edit", args=[alice_channel.slug]),
        reverse("marketplace:tier_create", args=[alice_channel.slug]),
        reverse("marketplace:tier_edit", args=[tier.pk]),
        reverse("marketplace:course_edit", args=[course.slug]),
        reverse("livestream:session_create", args=[alice_channel.slug]),
        reverse("livestream:session_edit", args=[session.pk]),
        reverse("content:item_edit", args=["lesson", lesson.pk]),
        reverse("content:item_edit", args=["article", article.pk]),
        reverse("content:revisions", args=["lesson", lesson.pk]),
        reverse("content:learner_view", args=["lesson", lesson.pk]),
        reverse("content:publish", args=["article", article.pk]),
        reverse("content:unpublish", args=["article", article.pk]),
        reverse("content:upload", args=["lesson", lesson.pk]),
        reverse("livestream:session_start", args=[session.pk]),
        reverse("livestream:session_cancel", args=[session.pk]),
        reverse("livestream:session_replay", args=[session.pk]),
        reverse("content:section_create", args=[course.slug]),
    ]


@pytest.mark.parametrize("persona", ["charlie", "bob"])
def test_studio_edit_pages_are_404_for_a_non_author(
    client, request, persona, course, tier, session, lesson, article, alice_channel
):
    user = request.getfixturevalue(persona)
    client.force_login(getattr(user, "user", user))
    urls = _studio_urls(course, tier, session, lesson, article, alice_channel)
    for url in urls:
        # A learner who is no creator is sent to "become a creator"; a creator gets 404.
        allowed = (302, 403, 404) if persona == "bob" else (403, 404)
        response = client.get(url)  # 405 for the POST-only actions
        assert response.status_code in (*allowed, 405), url
        assert b'name="title"' not in response.content, url
        response = client.post(url, {"title": "Hijacked", "name": "Hijacked"})
        assert response.status_code in allowed, url
    assert not Channel.objects.filter(title="Hijacked").exists()
    assert not Course.objects.filter(title="Hijacked").exists()
    assert not SubscriptionTier.objects.filter(name="Hijacked").exists()
    assert not LiveSession.objects.filter(title="Hijacked").exists()
    assert not Lesson.objects.filter(title="Hijacked").exists()
    assert not Article.objects.filter(title="Hijacked").exists()
    session.refresh_from_db()
    assert session.status == LiveSession.Status.SCHEDULED
    assert not Article.objects.filter(pk=article.pk, status="published").exists()
