"""The real components the suite runs on: PostgreSQL, Redis, localstripe, settings."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import stripe
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def test_suite_runs_on_postgresql_and_redis(db):
    assert connection.vendor == "postgresql"
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == "channels_redis.core.RedisChannelLayer"


def test_health_endpoint_checks_database_and_cache(client, db):
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "ok", "status": "ok"}


def test_channel_layer_delivers_group_messages():
    layer = get_channel_layer()

    async def round_trip():
        channel = await layer.new_channel()
        await layer.group_add("infra-test", channel)
        await layer.group_send("infra-test", {"type": "ping", "n": 1})
        message = await layer.receive(channel)
        await layer.group_discard("infra-test", channel)
        return message

    assert async_to_sync(round_trip)() == {"type": "ping", "n": 1}


def test_stripe_sdk_talks_to_localstripe():
    """scripts/test.sh starts localstripe; the SDK is pointed at it by settings."""
    client = stripe.StripeClient(
        settings.STRIPE_SECRET_KEY, base_addresses={"api": settings.STRIPE_API_BASE}
    )
    customer = client.v1.customers.create(params={"email": "infra@example.com"})
    assert customer.id.startswith("cus_")
    assert client.v1.customers.retrieve(customer.id).email == "infra@example.com"


def _manage(*args, env_extra):
    env = {**os.environ, **env_extra}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_extra={
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "zhiliao.example",
            # Nothing else: HTTPS redirect, secure cookies and HSTS are the defaults.
            "PLAIN_HTTP": "0",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_openapi_schema_is_valid_without_warnings():
    result = _manage("spectacular", "--validate", "--fail-on-warn", env_extra={})
    assert result.returncode == 0, result.stderr
    assert "/api/v1/catalogue/channels/" in result.stdout
