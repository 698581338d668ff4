"""Personal API tokens: made from a session (secret shown once), scope read or write,
last use stamped, revocation immediate; documented in the OpenAPI schema."""

import pytest
from rest_framework.test import APIClient

from accounts.models import ApiToken
from payments import services as payment_services


def _make(client, bob, scope):
    client.force_login(bob)
    response = client.post(
        "/api/v1/tokens/", {"name": f"my {scope} script", "scope": scope}, "application/json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def _bearer(raw):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return api


def test_a_token_is_shown_once_and_stored_as_a_digest(client, bob):
    made = _make(client, bob, "read")
    assert made["token"].startswith("zl_") and made["scope"] == "read"
    stored = ApiToken.objects.get(pk=made["id"])
    assert made["token"] not in (stored.digest, stored.prefix)
    listed = client.get("/api/v1/tokens/").json()
    assert [t["name"] for t in listed] == ["my read script"] and "token" not in listed[0]


def test_a_read_token_reads_and_cannot_write(client, bob, alice_channel):
    raw = _make(client, bob, "read")["token"]
    api = _bearer(raw)
    wallet = api.get("/api/v1/wallet/")
    assert wallet.status_code == 200 and "no-store" in wallet["Cache-Control"]
    assert ApiToken.objects.get().last_used_at is not None
    body = {"channel": alice_channel.slug, "amount": 500, "currency": "CNY", "client_key": "k"}
    assert api.post("/api/v1/tips/", body, format="json").status_code == 403


def test_a_write_token_writes(client, bob, alice_channel):
    payment_services.wallet_top_up_credit(
        user=bob, amount=5000, currency="CNY", payment_intent_id="p"
    )
    api = _bearer(_make(client, bob, "write")["token"])
    body = {"channel": alice_channel.slug, "amount": 500, "currency": "CNY", "client_key": "k"}
    assert api.post("/api/v1/tips/", body, format="json").status_code == 201


def test_a_revoked_or_wrong_token_is_refused(client, bob, charlie):
    made = _make(client, bob, "write")
    api = _bearer(made["token"])
    assert api.post("/api/v1/tokens/", {"name": "x", "scope": "write"}).status_code == 403
    client.force_login(charlie.user)  # someone else's token: 404, still alive
    assert client.delete(f"/api/v1/tokens/{made['id']}/").status_code == 404
    assert api.get("/api/v1/wallet/").status_code == 200
    client.force_login(bob)
    assert client.delete(f"/api/v1/tokens/{made['id']}/").status_code == 204
    revoked = api.get("/api/v1/wallet/")
    assert revoked.status_code == 401, revoked.content
    assert revoked["WWW-Authenticate"].startswith("Bearer ")


@pytest.mark.parametrize("header", ["Bearer zl_not-a-token", "Bearer", "Bearer a b"])
def test_an_invalid_token_is_a_401_with_a_bearer_challenge(db, header):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=header)
    for response in (api.get("/api/v1/wallet/"), api.get("/api/v1/catalogue/channels/")):
        assert response.status_code == 401, response.content
        assert 'error="invalid_token"' in response["WWW-Authenticate"]
        assert response.json()["detail"]


def test_no_token_at_all_is_still_refused_as_before(db):
    # Without credentials the answer stays what existing clients know: 403.
    assert APIClient().get("/api/v1/wallet/").status_code == 403


def test_bad_token_requests_change_nothing(client, bob):
    client.force_login(bob)
    assert client.post("/api/v1/tokens/", {"name": "", "scope": "read"}).status_code == 400
    assert client.post("/api/v1/tokens/", {"name": "x", "scope": "admin"}).status_code == 400
    assert client.post("/api/v1/tokens/", {"name": "a\x00b", "scope": "read"}).status_code == 400
    assert not ApiToken.objects.exists()


def test_tokens_are_in_the_openapi_schema(client, db):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    assert schema["components"]["securitySchemes"]["apiToken"]["scheme"] == "bearer"
    assert "/api/v1/tokens/" in schema["paths"]
