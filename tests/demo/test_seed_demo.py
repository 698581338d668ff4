from django.core.management import call_command

from accounts.models import User
from content.models import Article, Lesson
from livestream.models import LiveSession
from marketplace.models import Channel, CreatorProfile, PublicationStatus
from qa.models import ExpertSettings


def test_seed_demo_fills_an_empty_site_once(db):
    call_command("seed_demo", "--if-empty")
    assert CreatorProfile.objects.count() == 12
    assert Channel.objects.filter(status=PublicationStatus.PUBLISHED).count() == 12
    assert {c.language for c in Channel.objects.all()} == {"en", "zh-hans"}
    assert set(Channel.objects.values_list("category__slug", flat=True)) >= {
        "technology", "finance", "health", "education", "business",
    }  # fmt: skip
    assert LiveSession.objects.filter(status=LiveSession.Status.SCHEDULED).exists()
    assert LiveSession.objects.filter(access=LiveSession.Access.TICKET).count() == 12
    assert User.objects.get(email="moderator@demo.zhiliao").is_staff
    # Every demo expert is verified, takes paid questions and has written something.
    assert not CreatorProfile.objects.filter(is_verified=False).exists()
    assert ExpertSettings.objects.filter(enabled=True).count() == 12
    assert Article.objects.filter(status="published").count() == 12
    assert Lesson.objects.filter(status="published").count() >= 24

    call_command("seed_demo", "--if-empty")
    call_command("seed_demo")
    assert CreatorProfile.objects.count() == 12
    assert Channel.objects.count() == 12


def test_demo_logins_work(client, db):
    call_command("seed_demo")
    response = client.post(
        "/accounts/login/", {"login": "learner@demo.zhiliao", "password": "demo-pass-2026"}
    )
    assert response.status_code == 302
