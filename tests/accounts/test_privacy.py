"""Privacy and data rights: export, deletion, consent, retention, staff access.

dora is a learner who has one of every kind of record (and applied to be a verified
expert, so she uploaded a document); alice is the creator she pays.
"""

import io
import json
import zipfile
from datetime import timedelta

import pytest
import stripe
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.db.models import Sum
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts import personal_data
from accounts.models import AccountDeletion, ConsentRecord, DataExport, LoginSession
from accounts.selectors import consents_for
from accounts.services import login_session_record, notification_send
from accounts.services.consent import consent_set
from accounts.services.deletion import (
    account_deletion_execute,
    account_deletion_request,
    account_deletions_run,
    deletion_blockers,
)
from accounts.services.exports import data_export_request, data_exports_resume
from accounts.services.notify import notification_preferences_save
from community.services import follow_set
from core.fields import EncryptedTextField
from discussions import services as discussions
from discussions.models import Thread
from livestream import services as live
from livestream.models import LiveSession, RoomEvent
from marketplace import purchases
from moderation import services as moderation
from payments import gateway
from payments import selectors as money
from payments import services as payments
from payments.models import LedgerAccount, LedgerEntry, StripeCustomer, StripeEvent
from qa import services as qa
from qa.models import Question
from recommend import services as recommend
from recommend.models import Event
from tests.factories import CreatorFactory, LiveSessionFactory, TierFactory
from tests.payments.test_card_payments import card

IP = "203.0.113.77"
NAME = "Dorabella Quintessa"
EMAIL = "dora.quintessa@example.org"
PDF = b"%PDF-1.4\n% dora's diploma\n"


def fund(user, amount, key):
    payments.wallet_top_up_credit(user=user, amount=amount, currency="CNY", payment_intent_id=key)


@pytest.fixture
def session(alice_channel):
    return LiveSessionFactory(
        channel=alice_channel,
        access=LiveSession.Access.TICKET,
        ticket_price_amount=990,
        ticket_currency="CNY",
    )


@pytest.fixture
def dora(alice, alice_channel, session, django_capture_on_commit_callbacks):
    """One of each: profile, login (with IP), ticket, tip, subscription, chat message,
    room question, paid questions (one answered, one still open in escrow), comment,
    notification, notification preference, follow, behaviour event, consent, uploaded
    verification document."""
    creator = CreatorFactory(user__email=EMAIL, display_name=NAME)
    user = creator.user
    user.display_name = NAME
    user.save()
    request = RequestFactory().get("/", REMOTE_ADDR=IP)
    from django.contrib.sessions.backends.db import SessionStore

    request.session = SessionStore()
    login_session_record(None, request, user)
    fund(user, 20_000, "pi_dora")
    payments.top_up_start(user=user, amount=5000, currency="CNY")
    with django_capture_on_commit_callbacks(execute=True):
        purchases.purchase_with_wallet(buyer=user, live_session=session)
        payments.tip_send(
            tipper=user, creator=alice.user, amount=500, currency="CNY", client_key="t1",
            message="thanks!", live_session=session,
        )  # fmt: skip
        live.chat_post(session=session, user=user, text="Hello from the back row", ip=IP)
        live.question_ask(session=session, user=user, text="Will the slides be shared?")
        qa.expert_settings_update(
            user=alice.user, enabled=True, base_price=1000, currency="CNY", answer_hours=48
        )
        for text in ("How do I profile a slow Django view?", "Is Celery right for cron jobs?"):
            quote = qa.quote_create(
                asker=user, expert=alice.user, text=text, difficulty="standard", is_public=True
            )
            question = qa.question_ask(asker=user, quote_id=quote.pk)
        qa.answer_submit(
            expert=alice.user,
            question_id=Question.objects.filter(asker=user).order_by("pk").first().pk,
            text="Use the Django debug toolbar and django-silk to find the slow queries.",
        )
        discussions.thread_create(
            author=user, target=session, title="Recording?", body="Will there be a replay?"
        )
        notification_send(user=user, key="hello", text="Welcome to Zhiliao")
        notification_preferences_save(user=user, choices={"reply": "in_app"})
        follow_set(user=user, target=alice_channel, on=True)
        recommend.event_record(user=user, kind="view", item=alice_channel)
        consent_set(user=user, purpose="marketing", granted=True)
        moderation.verification_apply(
            user=user,
            credentials=f"{NAME}, PhD in computer science",
            documents=[SimpleUploadedFile("dora-diploma.pdf", PDF)],
        )
    gold = TierFactory(channel=alice_channel, name="Gold", price_amount=3000, currency="CNY")
    purchases.subscription_start(user=user, tier=gold, payment_method=card("4242424242424242"))
    # A webhook as Stripe sends it: the customer's address is in the stored payload.
    StripeEvent.objects.create(
        event_id="evt_dora", type="customer.updated",
        payload={"data": {"object": {"object": "customer", "email": EMAIL}}},
    )  # fmt: skip
    assert question.status == Question.Status.OPEN  # the second one waits in escrow
    return user


def _spend_wallet(user, alice):
    """Deletion waits until the wallet is empty: dora tips alice what is left."""
    left = money.wallet_balance(user=user, currency="CNY")
    if left:
        payments.tip_send(
            tipper=user, creator=alice.user, amount=left, currency="CNY", client_key="rest"
        )


# --- export ---------------------------------------------------------------------------

EXPECTED_KINDS = {
    "profile", "purchases", "tickets", "ledger_lines", "subscriptions", "tips", "top_ups",
    "chat_messages", "room_questions", "paid_questions", "paid_answers", "comments",
    "notifications", "notification_preferences", "behaviour_events", "consents",
    "login_sessions", "expert_verification", "entitlements", "follows",
}  # fmt: skip


def _export_zip(export):
    from accounts.services.exports import export_storage

    with export_storage.open(export.file) as handle:
        return zipfile.ZipFile(io.BytesIO(handle.read()))


def test_export_holds_every_kind_of_record_and_the_uploaded_files(
    dora, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        export = data_export_request(user=dora)
    export.refresh_from_db()
    assert export.status == DataExport.Status.READY and export.progress == 100
    archive = _export_zip(export)
    names = set(archive.namelist())
    for kind in EXPECTED_KINDS:
        rows = json.loads(archive.read(f"{kind}.json"))
        assert rows, f"{kind}.json is empty"
    assert json.loads(archive.read("profile.json"))[0]["email"] == EMAIL
    chat = json.loads(archive.read("chat_messages.json"))
    assert chat[0]["text"] == "Hello from the back row" and chat[0]["ip"] == IP
    statuses = {row["status"] for row in json.loads(archive.read("paid_questions.json"))}
    assert statuses == {"answered", "open"}
    documents = [name for name in names if name.startswith("files/expert_verification/")]
    assert len(documents) == 1 and archive.read(documents[0]) == PDF  # decrypted
    assert any(EMAIL in message.to for message in mailoutbox)


def test_export_asked_twice_is_one_job_and_a_dead_job_is_restarted(
    dora, django_capture_on_commit_callbacks
):
    first = DataExport.objects.create(user=dora, status=DataExport.Status.RUNNING)
    assert data_export_request(user=dora).pk == first.pk  # still running: the same one
    assert DataExport.objects.filter(user=dora).count() == 1
    # The worker died an hour ago: its heartbeat is silent, the beat job restarts it.
    DataExport.objects.filter(pk=first.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    assert data_exports_resume() == [first.pk]
    first.refresh_from_db()
    assert first.status == DataExport.Status.READY and first.attempts == 1


def test_export_download_is_for_its_owner_only_and_for_seven_days(
    client, dora, charlie, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        export = data_export_request(user=dora)
    url = reverse("accounts:export_download", args=[export.pk])
    client.force_login(charlie.user)
    assert client.get(url).status_code == 404
    client.force_login(dora)
    response = client.get(url)
    assert response.status_code == 200
    assert zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).testzip() is None
    DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now())
    assert client.get(url).status_code == 404


def test_privacy_page_shows_progress_and_starts_an_export(client, bob):
    client.force_login(bob)
    DataExport.objects.create(user=bob, status=DataExport.Status.RUNNING, progress=40)
    page = client.get(reverse("accounts:privacy")).content.decode()
    assert "40%" in page
    response = client.post(reverse("accounts:export_request"))
    assert response.status_code == 302
    assert DataExport.objects.filter(user=bob).count() == 1


# --- deletion -------------------------------------------------------------------------


def _text_fields(model):
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField | models.JSONField)
    ]


def _leaks(needles):
    """Every (table, column) whose text holds one of `needles` (case-insensitive):
    plain columns searched by the database, encrypted ones decrypted here."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in _text_fields(model):
            if isinstance(field, EncryptedTextField):
                values = model._default_manager.values_list(field.name, flat=True)
                hit = any(n.lower() in (v or "").lower() for v in values for n in needles)
            else:
                query = models.Q()
                for needle in needles:
                    query |= models.Q(**{f"{field.name}__icontains": needle})
                hit = model._default_manager.filter(query).exists()
            if hit:
                found.append(f"{model._meta.db_table}.{field.column}")
    return found


def _ledger_balances():
    per_currency = LedgerEntry.objects.values("currency").annotate(total=Sum("amount"))
    per_transaction = (
        LedgerEntry.objects.values("transaction_id", "currency")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
    )
    return all(row["total"] == 0 for row in per_currency) and not per_transaction.exists()


def test_after_deletion_no_table_holds_the_email_name_or_ip(
    client, dora, alice, session, django_capture_on_commit_callbacks
):
    before = set(_leaks([EMAIL, NAME, IP]))
    assert before >= {  # the scan finds them where they are, encrypted or not
        "accounts_user.email",
        "accounts_loginsession.ip",
        "account_emailaddress.email",
        "payments_ledgertransaction.memo",
        "payments_stripeevent.payload",
        "livestream_roomevent.payload",
        "livestream_roomevent.ip",
        "moderation_expertverification.credentials",
        "marketplace_creatorprofile.display_name",
    }
    _spend_wallet(dora, alice)
    with django_capture_on_commit_callbacks(execute=True):
        deletion = account_deletion_request(user=dora)
    AccountDeletion.objects.filter(pk=deletion.pk).update(due_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert account_deletions_run() == [deletion.pk]

    assert _leaks([EMAIL, NAME, IP]) == []
    dora.refresh_from_db()
    assert not dora.is_active and not dora.has_usable_password() and dora.deleted_at
    assert not LoginSession.objects.filter(user=dora).exists()
    assert not Event.objects.filter(user=dora).exists()
    # Money: the open question was refunded, subscriptions stop, the ledger balances.
    assert not Question.objects.filter(asker=dora, status=Question.Status.OPEN).exists()
    assert money.escrow_balance(user=dora, currency="CNY") == 0
    assert all(sub.cancel_at_period_end for sub in money.subscriptions_current(user=dora))
    assert LedgerAccount.objects.filter(owner=dora).exists()  # kept, pseudonymous
    customer_id = StripeCustomer.objects.get(user=dora).customer_id
    with pytest.raises(stripe.InvalidRequestError):  # erased at Stripe too
        gateway.client().v1.customers.retrieve(customer_id)
    assert _ledger_balances()
    # Public contributions stay, shown as by a deleted user.
    thread = Thread.objects.get(author=dora)
    client.force_login(alice.user)  # the host reads the session's discussion
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "deleted user" in page and "Will there be a replay?" in page
    chat = RoomEvent.objects.get(session=session, kind="chat", author=dora)
    assert chat.payload["user"]["name"] == "deleted user"
    assert chat.payload["text"] == "Hello from the back row"


def test_deletion_can_remove_contributions_instead(
    dora, alice, session, django_capture_on_commit_callbacks
):
    _spend_wallet(dora, alice)
    deletion = account_deletion_request(user=dora, contributions="remove")
    AccountDeletion.objects.filter(pk=deletion.pk).update(due_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert account_deletion_execute(deletion_id=deletion.pk)
    thread = Thread.objects.get(author=dora)
    assert thread.deleted_at is not None and thread.body == ""
    chat = RoomEvent.objects.get(session=session, kind="chat", author=dora)
    assert chat.deleted_at is not None and chat.payload["text"] == ""


def test_deletion_waits_out_the_grace_period_and_can_be_cancelled(client, bob):
    deletion = account_deletion_request(user=bob)
    assert (deletion.due_at - timezone.now()).days == 13  # 14 days, less a moment
    assert account_deletion_request(user=bob).pk == deletion.pk  # asked twice: one
    assert account_deletions_run() == []  # not due yet
    client.force_login(bob)
    assert "scheduled to be deleted" in client.get(reverse("accounts:privacy")).content.decode()
    client.post(reverse("accounts:deletion_cancel"))
    deletion.refresh_from_db()
    assert deletion.status == AccountDeletion.Status.CANCELLED
    bob.refresh_from_db()
    assert bob.is_active and bob.email == "bob@example.com"


def test_creator_with_earnings_is_told_what_to_settle_first(client, alice, dora):
    blockers = deletion_blockers(user=alice.user)
    assert any("earnings" in text for text in blockers)
    assert any("tickets sold" in text for text in blockers)
    assert any("subscribe to your channels" in text for text in blockers)
    with pytest.raises(ValidationError):
        account_deletion_request(user=alice.user)
    client.force_login(alice.user)
    page = client.get(reverse("accounts:privacy")).content.decode()
    assert 'data-testid="deletion-blockers"' in page and "request a payout first" in page
    response = client.post(
        reverse("accounts:deletion_request"), {"contributions": "anonymise", "confirm": "on"}
    )
    assert response.status_code == 400
    assert not AccountDeletion.objects.filter(user=alice.user).exists()


def test_a_deletion_that_fails_half_way_leaves_the_account_locked_and_is_retried(
    dora, alice, session, django_capture_on_commit_callbacks
):
    _spend_wallet(dora, alice)
    deletion = account_deletion_request(user=dora)
    AccountDeletion.objects.filter(pk=deletion.pk).update(due_at=timezone.now())

    def boom(user, remove):
        raise RuntimeError("object storage is down")

    personal_data.register("zz_failing", export=lambda user: [], erase=boom, order=60)
    try:
        assert not account_deletion_execute(deletion_id=deletion.pk)
    finally:
        personal_data.unregister("zz_failing")
    deletion.refresh_from_db()
    dora.refresh_from_db()
    assert deletion.status == AccountDeletion.Status.FAILED
    assert "object storage is down" in deletion.error
    assert not dora.is_active  # locked: nobody can use it meanwhile
    assert dora.email == EMAIL  # and not half-erased: everything rolled back
    assert Question.objects.filter(asker=dora, status=Question.Status.OPEN).exists()
    assert (
        RoomEvent.objects.get(session=session, kind="chat", author=dora).payload["user"]["name"]
        == NAME
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert account_deletions_run() == [deletion.pk]  # the next run retries
    dora.refresh_from_db()
    assert dora.deleted_at is not None and dora.email != EMAIL


def test_a_locked_account_cannot_log_in(client, bob):
    deletion = account_deletion_request(user=bob)
    AccountDeletion.objects.filter(pk=deletion.pk).update(due_at=timezone.now())
    bob.set_password("s3cret-pass")
    bob.save()
    assert account_deletion_execute(deletion_id=deletion.pk)
    assert not client.login(email="bob@example.com", password="s3cret-pass")


# --- consent --------------------------------------------------------------------------


def test_consent_changes_are_recorded_with_time_and_apply_at_once(client, bob):
    client.force_login(bob)
    assert consents_for(bob.pk) == {
        "personalisation": True,
        "analytics": True,
        "marketing": False,
    }
    client.post(reverse("accounts:privacy"), {"personalisation": "on", "marketing": "on"})
    assert consents_for(bob.pk) == {
        "personalisation": True,
        "analytics": False,
        "marketing": True,
    }
    records = list(ConsentRecord.objects.filter(user=bob).order_by("purpose"))
    assert [(r.purpose, r.granted) for r in records] == [
        ("analytics", False),
        ("marketing", True),
    ]
    assert all(r.created_at for r in records)
    assert "History of your choices" in client.get(reverse("accounts:privacy")).content.decode()


@pytest.mark.parametrize("purpose", ["analytics", "personalisation"])
def test_consent_off_stops_every_tracking_path(
    client, bob, alice_channel, purpose, django_capture_on_commit_callbacks
):
    """Watch time, clicks, impressions and views: recorded with consent, not without."""
    from recommend.features import items_load
    from recommend.models import VariantDailyStat
    from recommend.selectors import ShownList

    session = LiveSessionFactory(channel=alice_channel)
    item = items_load([f"channel:{alice_channel.pk}"])[f"channel:{alice_channel.pk}"]
    click_url = ShownList(source="for_you", variant="blend", algorithm="x").click_url(item)
    client.force_login(bob)

    def track():
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("recommend:watch"), {"session": session.pk, "seconds": "30"})
            recommend.event_record(user=bob, kind="impression", value=4, variant="blend")
            assert client.get(click_url).status_code == 302
        stat = VariantDailyStat.objects.filter(variant="blend").first()
        kinds = sorted(Event.objects.filter(user=bob).values_list("kind", flat=True))
        return kinds, (stat.impressions, stat.clicks) if stat else (0, 0)

    kinds_on, counters_on = track()
    assert kinds_on == ["click", "watch"] and counters_on == (4, 1)  # consent on: recorded
    with django_capture_on_commit_callbacks(execute=True):
        consent_set(user=bob, purpose=purpose, granted=False)
    assert not Event.objects.filter(user=bob).exists()  # withdrawn: forgotten at once
    kinds_off, counters_off = track()
    assert kinds_off == []
    if purpose == "analytics":
        assert counters_off == counters_on  # not even counted anonymously per variant


def test_export_holds_the_anonymous_tipper_switch_and_the_payout_account(
    bob, django_capture_on_commit_callbacks
):
    from livestream.models import TipLeaderboardOptOut
    from payments.models import ConnectedAccount

    TipLeaderboardOptOut.objects.create(user=bob)
    ConnectedAccount.objects.create(user=bob, stripe_account_id="acct_bob", payouts_enabled=True)
    with django_capture_on_commit_callbacks(execute=True):
        export = data_export_request(user=bob)
    export.refresh_from_db()
    archive = _export_zip(export)
    assert len(json.loads(archive.read("tip_leaderboard_opt_out.json"))) == 1
    account = json.loads(archive.read("connected_stripe_account.json"))
    assert account == [
        {
            "stripe_account_id": "acct_bob",
            "details_submitted": False,
            "payouts_enabled": True,
            "created_at": account[0]["created_at"],
        }
    ]
