"""Browser-facing protections: control characters, the socket's Origin, caching and
security headers, secure defaults."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from core.origins import origin_allowed
from livestream import services as room_services
from livestream.models import RoomEvent, RoomQuestion
from payments import services as payment_services
from payments.models import Tip

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = ["nul\x00byte", "bell\x07", "esc\x1b[31mred", "c1\x85next", "del\x7f"]


# --- control characters --------------------------------------------------------------


@pytest.fixture
def api(bob):
    payment_services.wallet_top_up_credit(
        user=bob, amount=10_000, currency="CNY", payment_intent_id="pi"
    )
    client = APIClient()
    client.force_authenticate(bob)
    return client


@pytest.mark.parametrize("text", HOSTILE)
def test_api_refuses_control_characters_in_any_field(api, alice_channel, text):
    body = {"channel": alice_channel.slug, "amount": 500, "currency": "CNY"}
    response = api.post("/api/v1/tips/", {**body, "client_key": "k", "message": text}, "json")
    assert response.status_code == 400
    assert response.json() == {"message": [response.json()["message"][0]]}
    assert "control characters" in response.json()["message"][0]
    response = api.post("/api/v1/tips/", {**body, "client_key": text}, format="multipart")
    assert response.status_code == 400 and "client_key" in response.json()
    assert not Tip.objects.exists()


def test_api_refuses_control_characters_nested_and_in_keys(api):
    response = api.post(
        "/api/v1/moderation/reports/", {"reason": {"deep": ["ok", "x\x01"]}}, format="json"
    )
    assert response.status_code == 400 and "reason.deep[1]" in response.json()
    response = api.post("/api/v1/moderation/reports/", {"re\x00ason": "x"}, format="json")
    assert response.status_code == 400


def test_api_keeps_newlines_and_tabs(api, alice_channel):
    body = {"channel": alice_channel.slug, "amount": 500, "currency": "CNY", "client_key": "k"}
    response = api.post("/api/v1/tips/", {**body, "message": "thanks\n\tfor this"}, "json")
    assert response.status_code == 201, response.content


def test_query_parameters_with_control_characters_are_refused(client, db):
    response = client.get("/api/v1/catalogue/courses/", {"q": "py\x00thon"})
    assert response.status_code == 400 and "q" in response.json()
    assert client.get("/catalogue/", {"q": "a\x1bb"}).status_code == 400
    assert client.get("/api/v1/catalogue/courses/", {"q": "python"}).status_code == 200


@pytest.mark.parametrize("text", HOSTILE)
def test_forms_refuse_control_characters(client, bob, text):
    client.force_login(bob)
    response = client.post("/accounts/profile/", {"display_name": text, "bio": "fine"})
    assert response.status_code == 400  # the form again, with the error
    assert "control characters" in response.content.decode()
    bob.refresh_from_db()
    assert bob.display_name == "Bob"


def test_forms_keep_newlines_in_multiline_fields(client, bob):
    client.force_login(bob)
    client.post("/accounts/profile/", {"display_name": "Bob", "bio": "line one\r\nline\ttwo"})
    bob.refresh_from_db()
    assert bob.bio.startswith("line one")


@pytest.mark.parametrize("text", HOSTILE)
def test_room_chat_and_questions_refuse_control_characters(bob, alice_channel, text):
    from tests.factories import LiveSessionFactory

    session = LiveSessionFactory(channel=alice_channel, status="live")
    with pytest.raises(ValidationError, match="control characters"):
        room_services.chat_post(session=session, user=bob, text=text)
    with pytest.raises(ValidationError, match="control characters"):
        room_services.question_ask(session=session, user=bob, text=f"question {text}")
    assert not RoomEvent.objects.filter(kind=RoomEvent.Kind.CHAT).exists()
    assert not RoomQuestion.objects.exists()


# --- the room socket's Origin ----------------------------------------------------------


@pytest.mark.parametrize(
    "origin, allowed",
    [
        ("http://127.0.0.1:8000", True),
        ("http://127.0.0.1:8000/", True),
        ("HTTP://127.0.0.1:8000", True),
        ("http://127.0.0.1:9999", False),
        ("https://127.0.0.1", False),
        ("http://127.0.0.1", False),
        ("https://127.0.0.1:8000", False),
        ("http://localhost:8000", False),
        ("http://127.0.0.1:8000.evil.example", False),
        ("http://127.0.0.1:8000@evil.example", False),
        ("null", False),
        ("", False),
    ],
)
def test_socket_origin_must_match_scheme_host_and_port(settings, origin, allowed):
    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.CSRF_TRUSTED_ORIGINS = []
    settings.WEBSOCKET_ALLOWED_ORIGINS = []
    assert origin_allowed(origin) is allowed


def test_configured_origins_are_allowed_too(settings):
    settings.SITE_URL = "https://zhiliao.example"
    settings.CSRF_TRUSTED_ORIGINS = ["https://www.zhiliao.example"]
    assert origin_allowed("https://zhiliao.example:443")
    assert origin_allowed("https://www.zhiliao.example")
    assert not origin_allowed("http://zhiliao.example")


@pytest.mark.django_db
@pytest.mark.parametrize("origin", [b"http://127.0.0.1:9999", b"https://127.0.0.1", None])
def test_socket_handshake_from_another_origin_is_refused(settings, origin):
    from config.asgi import application

    settings.SITE_URL = "http://127.0.0.1:8000"
    headers = [(b"origin", origin)] if origin else []
    communicator = WebsocketCommunicator(application, "/ws/live/1/", headers=headers)
    connected, _ = async_to_sync(communicator.connect)()
    assert not connected


# --- caching and headers ---------------------------------------------------------------


@pytest.mark.parametrize("url", ["/wallet/", "/earnings/", "/accounts/profile/"])
def test_personal_pages_are_private_no_store(client, alice, url):
    client.force_login(alice.user)
    response = client.get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_room_page_is_private_no_store(client, bob, alice_channel):
    from tests.factories import LiveSessionFactory

    session = LiveSessionFactory(channel=alice_channel)
    client.force_login(bob)
    response = client.get(f"/live/{session.pk}/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("url", ["/api/v1/wallet/", "/api/v1/earnings/", "/api/v1/purchases/"])
def test_authenticated_api_answers_are_private_no_store(api, url):
    response = api.get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_anonymous_public_pages_stay_cacheable(client, db):
    response = client.get("/api/v1/catalogue/courses/")
    assert "no-store" not in response.get("Cache-Control", "")


def test_security_headers_on_every_page(client, db):
    response = client.get("/")
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


# --- secure by default -------------------------------------------------------------------


def _settings_seen(**env_extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "PLAIN_HTTP"))}
    env.pop("SESSION_COOKIE_SECURE", None)
    env.pop("CSRF_COOKIE_SECURE", None)
    code = (
        "import json; from django.conf import settings as s; print(json.dumps(["
        "s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SECURE_HSTS_SECONDS > 0]))"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT, env={**env, **env_extra}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_debug_off_is_secure_unless_plain_http_is_said():
    assert _settings_seen(DEBUG="0") == [True, True, True, True]
    assert _settings_seen(DEBUG="0", PLAIN_HTTP="1") == [False, False, False, False]
