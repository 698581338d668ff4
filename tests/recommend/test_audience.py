"""Private audience figures: small counts suppressed, breakdowns with Laplace noise
under a daily budget per creator."""

import statistics

import pytest
from django.urls import reverse
from django.utils import timezone

from core.privacy import laplace, noisy_histogram, open_domain_threshold, suppress
from core.visit import city_of_ip, device_of, referrer_of
from recommend.audience import BREAKDOWNS, audience_release, creator_audience
from recommend.models import AudienceRelease, Event
from tests.factories import UserFactory


def test_laplace_noise_has_the_scale_it_promises():
    draws = [laplace(2.0) for _ in range(20_000)]
    assert abs(statistics.fmean(draws)) < 0.1
    # E|X| = b for Laplace(0, b): 2.0 here, within a few standard errors.
    assert abs(statistics.fmean(abs(x) for x in draws) - 2.0) < 0.1


def test_small_counts_are_suppressed_and_noise_is_post_processed():
    assert suppress(4) is None and suppress(5) == 5
    released = noisy_histogram({"big": 1000, "tiny": 1}, epsilon=1.0)
    assert released["tiny"] is None or released["tiny"] >= 5
    assert 980 < released["big"] < 1020  # |noise| > 20 has probability e^-20
    with pytest.raises(ValueError):
        noisy_histogram({"x": 3}, epsilon=0)


def _viewers(n, channel, kind="view"):
    for _ in range(n):
        Event.objects.create(
            user=UserFactory(), kind=kind, item_kind="channel", item_id=channel.pk,
            created_at=timezone.now(),
        )  # fmt: skip


def test_a_handful_of_viewers_is_not_shown(client, alice, alice_channel):
    _viewers(3, alice_channel)
    client.force_login(alice.user)
    page = client.get(reverse("recommend:audience")).content.decode()
    assert 'data-testid="viewers">fewer than 5<' in page


def test_breakdowns_are_drawn_once_a_day_within_the_budget(client, alice, alice_channel, settings):
    settings.PRIVACY_EPSILON_PER_CREATOR_DAY = 5.0  # 1.0 per breakdown
    _viewers(40, alice_channel)
    report = creator_audience(creator=alice)
    assert report.viewers == 40  # headline counts: exact, big enough to show
    first = report.breakdowns["by_item"][alice_channel.title]
    assert first is not None and abs(first - 40) < 25
    assert report.epsilon_spent == pytest.approx(5.0)
    again = creator_audience(creator=alice)  # a reload: the same figures, nothing spent
    assert again.breakdowns == report.breakdowns and again.epsilon_spent == pytest.approx(5.0)
    assert AudienceRelease.objects.filter(creator=alice).count() == len(BREAKDOWNS)
    for release in AudienceRelease.objects.filter(creator=alice):
        assert release.epsilon == pytest.approx(5.0 / len(BREAKDOWNS))
    # Anything more today would overdraw the budget: refused.
    assert audience_release(creator=alice, query="by_hour", counts={"20h": 40}) is None


def test_only_creators_have_an_audience_page(client, bob):
    client.force_login(bob)
    assert client.get(reverse("recommend:audience")).status_code == 404


def test_fixed_cells_are_all_released_and_others_refused():
    released = noisy_histogram({"mobile": 300}, epsilon=1.0, domain=["mobile", "tablet", "desktop"])
    # A cell nobody is in is released too (noised, likely suppressed): its presence
    # tells nothing.
    assert set(released) == {"mobile", "tablet", "desktop"}
    assert 270 < released["mobile"] < 330
    with pytest.raises(ValueError):
        noisy_histogram({"fridge": 1}, epsilon=1.0, domain=["mobile"])


def test_a_city_of_one_viewer_never_shows_but_a_big_one_does():
    """Cities come from the data, so a city's mere presence could give one person
    away: it is released only past the (epsilon, delta) cut, which a count of 1
    passes with probability <= delta (1e-6 here: never in 300 draws)."""
    cut = open_domain_threshold(0.2, 1e-6)
    assert 60 < cut < 75  # 1 + ln(1/2e-6) / 0.2
    for _ in range(300):
        released = noisy_histogram({"Lhasa, CN": 1, "Shanghai, CN": 400}, epsilon=0.2, delta=1e-6)
        assert "Lhasa, CN" not in released
        assert released["Shanghai, CN"] is not None


def _view_with(client, channel, *, ip, agent, referer):
    client.get(
        reverse("marketplace:channel_detail", args=[channel.slug]),
        REMOTE_ADDR=ip,
        HTTP_USER_AGENT=agent,
        HTTP_REFERER=referer,
    )


IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 MicroMessenger/8.0"
IPAD = "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Safari/604.1"
DESKTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/130.0 Safari/537.36"


def test_a_page_view_keeps_coarse_origin_labels_and_never_the_address(
    client, bob, alice_channel, django_capture_on_commit_callbacks
):
    client.force_login(bob)
    with django_capture_on_commit_callbacks(execute=True):
        _view_with(
            client,
            alice_channel,
            ip="116.228.111.118",
            agent=IPHONE,
            referer="https://www.baidu.com/s?wd=python+lessons",
        )
    event = Event.objects.get(user=bob, kind="view")
    assert (event.city, event.device, event.referrer) == ("Shanghai, CN", "mobile", "search")
    # Nothing of the address, the search words or the browser is kept anywhere on it.
    stored = " ".join(str(v) for v in Event.objects.filter(user=bob).values().first().values())
    assert "116.228" not in stored and "python+lessons" not in stored and "iPhone" not in stored


def test_origin_labels():
    assert device_of(IPAD) == "tablet" and device_of(DESKTOP) == "desktop"
    assert device_of("Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile Safari/537.36") == "mobile"
    assert device_of("Mozilla/5.0 (Linux; Android 13; SM-X200) Safari/537.36") == "tablet"
    assert device_of("Googlebot/2.1 (+http://www.google.com/bot.html)") == ""
    assert device_of("") == ""
    assert referrer_of("", "zhiliao.example") == "direct"
    assert referrer_of("https://zhiliao.example/c/x/", "zhiliao.example:443") == "internal"
    assert referrer_of("https://m.weibo.cn/status/1", "zhiliao.example") == "social"
    assert referrer_of("https://notbaidu.com/", "zhiliao.example") == "other"
    assert referrer_of("not a url", "zhiliao.example") == "other"
    assert city_of_ip("202.96.134.133") == "Guangzhou, CN"
    assert city_of_ip("192.168.1.20") == "" and city_of_ip("127.0.0.1") == ""
    assert city_of_ip("999.1.1.1") == ""


def test_no_city_database_means_no_city(settings):
    settings.PRIVACY_GEOIP_CITY_DB = ""
    assert city_of_ip("202.96.134.133") == ""


def test_audience_breaks_viewers_down_by_city_device_and_referrer(
    client, alice, alice_channel, settings
):
    settings.PRIVACY_EPSILON_PER_CREATOR_DAY = 50.0  # little noise: the shape is checked
    origins = [("Shanghai, CN", "mobile", "social")] * 30 + [("", "desktop", "direct")] * 20
    for city, device, referrer in origins:
        user = UserFactory()
        for later, where in (
            (0, (city, device, referrer)),
            (1, ("Beijing, CN", "tablet", "other")),
        ):
            Event.objects.create(
                user=user, kind="view", item_kind="channel", item_id=alice_channel.pk,
                city=where[0], device=where[1], referrer=where[2],
                created_at=timezone.now() - timezone.timedelta(hours=2 - later),
            )  # fmt: skip
    report = creator_audience(creator=alice)
    by_device, by_referrer = report.breakdowns["by_device"], report.breakdowns["by_referrer"]
    # Each viewer counts once, by their first view: 30 phones, 20 computers, no tablet.
    assert abs(by_device["mobile"] - 30) <= 3 and abs(by_device["desktop"] - 20) <= 3
    assert by_device["tablet"] is None and set(by_device) == {
        "mobile",
        "tablet",
        "desktop",
        "unknown",
    }
    assert abs(by_referrer["social"] - 30) <= 3 and abs(by_referrer["direct"] - 20) <= 3
    # Cities: the first known one per viewer, the rest "unknown" only if none is known.
    assert abs(report.breakdowns["by_city"]["Shanghai, CN"] - 30) <= 3
    assert abs(report.breakdowns["by_city"]["Beijing, CN"] - 20) <= 3
    client.force_login(alice.user)
    page = client.get(reverse("recommend:audience")).content.decode()
    assert "Viewers by device" in page and "Phone" in page and "Shanghai, CN" in page
    assert "Social networks and messaging" in page and 'data-testid="city-note"' in page
