"""The API honours its OpenAPI schema: Schemathesis, against the live server, over
every operation, with all its checks, as a visitor, a learner, a creator and staff.
With positive_data_acceptance among them, a schema-valid body must not be refused as
bad input: the schema states every rule a body must meet (not blank, the amounts'
limits, the choices, exactly one of two fields), and what the state refuses is a
declared 409 or 422.

A fixed seed and a bounded number of examples per operation keep the run repeatable
and within a minute or two on two cores. A failure prints Schemathesis's report with
a curl line that reproduces each case.
"""

import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from accounts.api_tokens import api_token_create
from content import services as content_services
from content.models import Access
from discussions import services as discussion_services
from payments import services as payment_services
from payments.models import Tip, TopUp
from tests.factories import CourseFactory, LiveSessionFactory, TierFactory, UserFactory

SEED = "2026"
MAX_EXAMPLES = "3"
SCHEMATHESIS = str(Path(sys.executable).parent / "st")


@pytest.fixture
def site(alice, alice_channel, bob):
    """Something of every kind, so that reads find objects and writes have targets."""
    TierFactory(channel=alice_channel, name="Gold", price_amount=5000)
    course = CourseFactory(channel=alice_channel, title="Pandas basics", slug="pandas-basics")
    session = LiveSessionFactory(channel=alice_channel, status="scheduled")
    content_services.lesson_create(
        user=alice.user, course=course, title="Frames", summary="", body="Body",
        access=Access.FREE,
    )  # fmt: skip
    content_services.article_create(
        user=alice.user, channel=alice_channel, title="Notes", summary="", body="Body",
        access=Access.FREE,
    )  # fmt: skip
    discussion_services.thread_create(author=bob, target=session, title="Hello", body="Hi all")
    payment_services.wallet_top_up_credit(
        user=bob, amount=100_000, currency="CNY", payment_intent_id="pi_contract"
    )


def _token(user) -> str:
    return api_token_create(user=user, name="contract", scope="write")[1]


@pytest.mark.timeout(900)
@pytest.mark.parametrize("role", ["visitor", "learner", "creator", "staff"])
def test_the_api_honours_its_schema(live_server, site, alice, bob, role, tmp_path):
    users = {"learner": bob, "creator": alice.user, "staff": UserFactory(is_staff=True)}
    # The token goes through the schema's own `apiToken` scheme, so that Schemathesis
    # knows which credentials it leaves out or spoils when it checks that they matter.
    token = "" if role == "visitor" else _token(users[role])
    config = tmp_path / "schemathesis.toml"
    config.write_text(
        # A 422 here is only ever a rule's refusal of a well-formed request (bad input
        # is a 400: core.refusals, core.api_errors), declared on every write: it
        # answers schema-valid data as rightly as a 409 does; so does a 402, a card
        # that declined to pay (declared where a card pays).
        "[checks.positive_data_acceptance]\n"
        'expected-statuses = ["2xx", "3xx", "401", "402", "403", "404", "409", "422", "429", '
        '"5xx"]\n' + ('[auth.openapi.apiToken]\nbearer = "${ST_TOKEN}"\n' if token else "")
    )
    # The schema as the live server serves it, read once without Schemathesis's
    # 10-second limit (building it takes a few seconds on a busy machine).
    schema = tmp_path / "schema.json"
    with urllib.request.urlopen(f"{live_server.url}/api/schema/?format=json", timeout=120) as r:
        schema.write_bytes(r.read())
    command = [
        SCHEMATHESIS, "--config-file", str(config), "run",
        str(schema), "--url", live_server.url,
        "--checks", "all", "--seed", SEED, "--max-examples", MAX_EXAMPLES,
        # The coverage phase sends thousands of cases: fuzzing with a bounded number
        # of examples per operation keeps the run within a couple of minutes.
        "--phases", "examples,fuzzing", "--workers", "2",
        "--generation-database", "none", "--no-color", "--request-timeout", "30",
        # Generating strings under the no-control-character pattern is slow for
        # Hypothesis's taste on a busy machine; it is not a finding about the API.
        "--suppress-health-check", "too_slow",
        # Speed is the benchmarks' business (tests/benchmarks), not the contract's: a
        # loaded CI machine must not turn a slow answer into a failure.
        "--max-response-time", "120",
    ]  # fmt: skip
    environment = {**os.environ, "ST_TOKEN": token}
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=840, env=environment
        )
    except subprocess.TimeoutExpired as stopped:
        pytest.fail(f"Schemathesis did not finish in time:\n{str(stopped.output)[-20000:]}")
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]


# --- what Schemathesis found before, pinned one by one -------------------------------


@pytest.fixture
def api_client_for(db):
    def make(user):
        api = APIClient()
        api.force_authenticate(user)
        return api

    return make


@pytest.fixture
def schema(client, db):
    return client.get("/api/schema/", {"format": "json"}).json()


def test_wallet_and_earnings_declare_the_page_wrapper_they_answer(schema):
    for path in ("/api/v1/wallet/", "/api/v1/earnings/"):
        get = schema["paths"][path]["get"]
        ref = get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        declared = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
        assert {"count", "next", "previous", "results"} <= set(declared["properties"])
        assert [p["name"] for p in get["parameters"]] == ["page"]


def test_public_reads_are_declared_callable_without_credentials(schema):
    for path in ("/api/v1/catalogue/channels/", "/api/v1/categories/", "/api/v1/qa/similar/"):
        assert {} in schema["paths"][path]["get"]["security"], path
    assert {} not in schema["paths"]["/api/v1/wallet/"]["get"]["security"]


def test_error_answers_are_declared_with_their_shape(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert {"400", "401", "403", "404"} <= set(responses), (method, path)
            assert "WWW-Authenticate" in responses["401"]["headers"]
    assert "429" in schema["paths"]["/api/v1/assistant/ask/"]["post"]["responses"]


def test_strings_a_client_sends_are_declared_free_of_control_characters(schema):
    thread_in = schema["components"]["schemas"]["ThreadInRequest"]["properties"]
    assert "\\u0000" in thread_in["body"]["pattern"]


def test_a_new_thread_counts_its_replies_as_a_number(api_client_for, bob, alice_channel):
    session = LiveSessionFactory(channel=alice_channel)
    response = api_client_for(bob).post(
        f"/api/v1/discussions/session/{session.pk}/threads/",
        {"title": "Hello", "body": "First!"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["reply_count"] == 0


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/recommendations/?limit=0",
        "/api/v1/recommendations/?limit=1.0",
        "/api/v1/qa/similar/",
        "/api/v1/qa/similar/?q=",
        "/api/v1/wallet/?page=zero",
        "/api/v1/qa/questions/?role=judge",
    ],
)
def test_invalid_query_values_are_a_400_naming_the_parameter(api_client_for, bob, url):
    response = api_client_for(bob).get(url)
    assert response.status_code == 400, response.content
    name = url.split("?")[1].split("=")[0] if "?" in url else "q"
    assert name in response.json()


def test_rule_refusals_of_well_formed_writes_are_declared_409_and_422(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            declared = set(operation["responses"])
            if method in ("post", "put", "patch", "delete"):
                assert {"409", "422"} <= declared, (method, path)
            else:
                assert not {"409", "422"} & declared, (method, path)


def test_tipping_yourself_is_a_422_and_changes_nothing(api_client_for, alice, alice_channel):
    tip = {"channel": alice_channel.slug, "amount": 500, "currency": "CNY", "client_key": "k"}
    response = api_client_for(alice.user).post("/api/v1/tips/", tip, format="json")
    assert response.status_code == 422, response.content
    assert "yourself" in response.json()["non_field_errors"][0]
    assert not Tip.objects.exists()


# --- the rules a body must meet, stated in the schema (positive_data_acceptance) --------


def test_texts_that_may_not_be_blank_are_declared_so(schema):
    title = schema["components"]["schemas"]["ThreadInRequest"]["properties"]["title"]
    for text in ("Hello", "  a  ", "你好"):
        assert re.match(title["pattern"], text), text
    for text in ("", "   ", "\n\t", "\u3000\u00a0", "a\x00"):
        assert not re.match(title["pattern"], text), text
    assert title["maxLength"] == 200


def test_amounts_declare_the_limits_the_services_apply(schema, settings):
    components = schema["components"]["schemas"]
    for component, minimum in (
        ("TopUpInputRequest", settings.PAYMENTS_MIN_TOP_UP),
        ("PayoutInputRequest", settings.PAYMENTS_MIN_PAYOUT),
        ("TipInputRequest", settings.PAYMENTS_MIN_TIP),
    ):
        assert components[component]["properties"]["amount"]["minimum"] == minimum
    vote = components["VoteInputRequest"]["properties"]["value"]["$ref"].rsplit("/", 1)[1]
    assert sorted(components[vote]["enum"]) == [-1, 1]
    rating = components["RateInputRequest"]["properties"]["rating"]
    assert (rating["minimum"], rating["maximum"]) == (1, 5)


def test_a_purchase_is_declared_as_exactly_one_of_course_or_live_session(schema):
    one_of = schema["components"]["schemas"]["PurchaseInputRequest"]["oneOf"]
    assert [branch["required"] for branch in one_of] == [["course"], ["live_session"]]
    assert [branch["not"] for branch in one_of] == [
        {"required": ["live_session"]},
        {"required": ["course"]},
    ]


def test_request_bodies_are_declared_to_take_no_other_field(schema):
    thread_in = schema["components"]["schemas"]["ThreadInRequest"]
    assert thread_in["additionalProperties"] is False


def test_a_field_the_body_does_not_take_is_a_400_naming_it_and_changes_nothing(
    api_client_for, bob, alice_channel
):
    tip = {"channel": alice_channel.slug, "amount": 500, "currency": "CNY", "client_key": "k"}
    for extra in ({"ammount": 500}, {"id": 7}, {"na\u0000me": "x"}):
        response = api_client_for(bob).post("/api/v1/tips/", {**tip, **extra}, format="json")
        assert response.status_code == 400, response.content
        assert list(response.json()) == list(extra)
    assert not Tip.objects.exists()


def test_a_body_that_names_nothing_there_is_a_422_naming_the_field(api_client_for, bob):
    tip = {"channel": "no-such-channel", "amount": 500, "currency": "CNY", "client_key": "k"}
    response = api_client_for(bob).post("/api/v1/tips/", tip, format="json")
    assert response.status_code == 422, response.content
    assert list(response.json()) == ["channel"]
    assert not Tip.objects.exists()
    # Bad input beside it is still a 400.
    response = api_client_for(bob).post("/api/v1/tips/", {**tip, "amount": 0}, format="json")
    assert response.status_code == 400 and "amount" in response.json()


def test_amounts_under_the_minimum_are_400s_and_change_nothing(api_client_for, bob, settings):
    response = api_client_for(bob).post(
        "/api/v1/wallet/top-ups/",
        {"amount": settings.PAYMENTS_MIN_TOP_UP - 1, "currency": "CNY"},
        format="json",
    )
    assert response.status_code == 400 and "amount" in response.json()
    assert not TopUp.objects.exists()
