"""Hypothesis drives random sequences of money movements against the real ledger
and checks, after every step, what must always hold:

- every transaction sums to zero per currency;
- each balance equals the sum of its entries and what a simple model predicts, and
  every account's running balance (its row plus its shards) equals the sum of its entries;
- no wallet or earnings account is below zero;
- money in (card top-ups) equals money held plus money paid out,
over top-ups (with replays), tips (with repeated clicks), ticket purchases, partial
and full refunds, payout requests, approvals and rejections, and the escrow of paid
questions: holds (with double clicks), releases to the expert and refunds to the
asker (each hold settled once, whichever comes first and however often it is
retried), and unlock payments split between expert, asker and platform.
"""

import itertools

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from marketplace import purchases
from payments import ledger, services
from payments import selectors as payment_selectors
from payments.models import LedgerAccount, LedgerEntry, Purchase
from tests.factories import ChannelFactory, CourseFactory, CreatorFactory, UserFactory

Kind = LedgerAccount.Kind
CURRENCY = "CNY"
counter = itertools.count()

amounts = st.one_of(
    st.integers(min_value=-1000, max_value=50_000),
    st.sampled_from([0, 1, 99, 100, 10**7, 10**7 + 1]),
)


class LedgerMachine(RuleBasedStateMachine):
    @initialize()
    def people(self):
        # Each example starts on a rolled-back database: the system accounts cached by
        # the last one are gone (production never deletes an account).
        ledger.system_accounts_forget()
        run = next(counter)
        self.learners = [UserFactory(email=f"l{run}-{i}@example.com") for i in range(3)]
        self.creators = [
            CreatorFactory(user__email=f"c{run}-{i}@example.com").user for i in range(2)
        ]
        self.wallet = {u.pk: 0 for u in self.learners}
        self.earnings = {u.pk: 0 for u in self.creators}
        self.platform_before = self._platform_balance()
        self.platform = 0
        self.topped_up = 0
        self.tip_keys: dict[tuple[int, str], bool] = {}
        self.payment_intents = 0
        channel = ChannelFactory(creator=self.creators[0].creator_profile)
        self.courses = [
            CourseFactory(channel=channel, price_amount=price, currency=CURRENCY)
            for price in (900, 2500, 7000)
        ]
        self.purchases: dict[int, dict] = {}  # purchase pk -> {buyer, amount, fee, refunded}
        self.held = 0  # earnings set aside for requested payouts
        self.paid_out = 0
        self.payouts: list = []
        self.staff = UserFactory(email=f"staff{run}@example.com", is_staff=True)
        self.escrow = {u.pk: 0 for u in self.learners}
        self.holds: dict[str, dict] = {}  # hold key -> {payer, amount, settled}
        self.run = run
        self.unlocks: set[str] = set()

    def _platform_balance(self):
        account = LedgerAccount.objects.filter(
            kind=Kind.PLATFORM_REVENUE, currency=CURRENCY
        ).first()
        return ledger.balance(account) if account else 0

    @rule(who=st.integers(0, 2), amount=amounts, replays=st.integers(1, 3))
    def top_up(self, who, amount, replays):
        user = self.learners[who]
        self.payment_intents += 1
        pi = f"pi_{user.pk}_{self.payment_intents}"
        valid = 1 <= amount <= 10**7
        for _ in range(replays):  # webhooks and browser returns repeat themselves
            try:
                services.wallet_top_up_credit(
                    user=user, amount=amount, currency=CURRENCY, payment_intent_id=pi
                )
            except ValidationError:
                assert not valid
        if valid:
            self.wallet[user.pk] += amount
            self.topped_up += amount

    @rule(
        who=st.integers(0, 2), to=st.integers(0, 1), amount=amounts, key=st.sampled_from("abcdef")
    )
    def tip(self, who, to, amount, key):
        tipper, creator = self.learners[who], self.creators[to]
        try:
            services.tip_send(
                tipper=tipper, creator=creator, amount=amount, currency=CURRENCY, client_key=key
            )
        except ValidationError:
            assert (tipper.pk, key) not in self.tip_keys
            assert not (100 <= amount <= 10**7) or amount > self.wallet[tipper.pk]
            return
        if (tipper.pk, key) in self.tip_keys:
            return  # a repeated click: the first tip stands, nothing moves
        self.tip_keys[(tipper.pk, key)] = True
        fee = services.platform_fee(amount=amount, income="tip")
        self.wallet[tipper.pk] -= amount
        self.earnings[creator.pk] += amount - fee
        self.platform += fee

    @rule(who=st.integers(0, 2), which=st.integers(0, 2))
    def buy(self, who, which):
        buyer, course = self.learners[who], self.courses[which]
        owned = any(
            p["buyer"] == buyer.pk and p["course"] == course.pk and p["refunded"] < p["amount"]
            for p in self.purchases.values()
        )
        try:
            purchase = purchases.purchase_with_wallet(buyer=buyer, course=course)
        except ValidationError:
            assert owned or self.wallet[buyer.pk] < course.price_amount
            return
        assert not owned and self.wallet[buyer.pk] >= course.price_amount
        self.purchases[purchase.pk] = {
            "buyer": buyer.pk, "course": course.pk, "amount": purchase.amount,
            "fee": purchase.fee, "refunded": 0,
        }  # fmt: skip
        self.wallet[buyer.pk] -= purchase.amount
        self.earnings[self.creators[0].pk] += purchase.amount - purchase.fee
        self.platform += purchase.fee

    @rule(pick=st.integers(0, 50), amount=amounts)
    def refund(self, pick, amount):
        if not self.purchases:
            return
        pk = sorted(self.purchases)[pick % len(self.purchases)]
        state = self.purchases[pk]
        purchase = Purchase.objects.get(pk=pk)
        fee_part = state["fee"] * amount // state["amount"] if amount > 0 else 0
        creator = self.creators[0].pk
        try:
            services.purchase_refund(
                purchase=purchase, amount=amount, refunded_by=self.staff,
                expected_refunded=state["refunded"],
            )  # fmt: skip
        except ValidationError:
            assert (
                not (1 <= amount <= state["amount"] - state["refunded"])
                or self.earnings[creator] < amount - fee_part
            )
            return
        state["refunded"] += amount
        self.wallet[state["buyer"]] += amount
        self.earnings[creator] -= amount - fee_part
        self.platform -= fee_part

    @rule(to=st.integers(0, 1), amount=amounts)
    def request_payout(self, to, amount):
        creator = self.creators[to]
        try:
            payout = services.payout_request(creator=creator, amount=amount, currency=CURRENCY)
        except ValidationError:
            minimum = django_settings.PAYMENTS_MIN_PAYOUT
            assert amount < minimum or amount > 10**7 or amount > self.earnings[creator.pk]
            return
        self.earnings[creator.pk] -= amount
        self.held += amount
        self.payouts.append(payout)

    @rule(approve=st.booleans())
    def decide_payout(self, approve):
        if not self.payouts:
            return
        payout = self.payouts.pop(0)
        if approve:
            services.payout_approve(payout=payout, approved_by=self.staff)
            self.paid_out += payout.amount
        else:
            services.payout_reject(payout=payout, rejected_by=self.staff, reason="no")
            self.earnings[payout.creator_id] += payout.amount
        self.held -= payout.amount

    @rule(who=st.integers(0, 2), amount=amounts, clicks=st.integers(1, 2))
    def question_hold(self, who, amount, clicks):
        asker = self.learners[who]
        key = f"qa:ask:test-{self.run}-{len(self.holds)}"
        for _ in range(clicks):  # a double click holds once
            try:
                services.escrow_hold(
                    payer=asker, amount=amount, currency=CURRENCY, key=key,
                    reference=("qa.question", key), memo="question",
                    short_field=None,
                )  # fmt: skip
            except ValidationError:
                assert not (1 <= amount <= 10**7) or amount > self.wallet[asker.pk]
                return
        self.holds[key] = {"payer": asker.pk, "amount": amount, "settled": False}
        self.wallet[asker.pk] -= amount
        self.escrow[asker.pk] += amount

    @rule(pick=st.integers(0, 50), to=st.integers(0, 1), answered=st.booleans(),
          retries=st.integers(1, 3))  # fmt: skip
    def question_settle(self, pick, to, answered, retries):
        if not self.holds:
            return
        key = sorted(self.holds)[pick % len(self.holds)]
        hold = self.holds[key]
        expert = self.creators[to]
        settle_key = key.replace("qa:ask:", "qa:settle:")
        for _ in range(retries):  # a retried job, or an answer racing the deadline
            if answered:
                moved = services.escrow_release(
                    hold_key=key, payee=expert, income="question", key=settle_key, memo="answer"
                )
                assert moved.amount == hold["amount"]
            else:
                services.escrow_refund(hold_key=key, key=settle_key, memo="refund")
        if hold["settled"]:
            return  # the settle key had moved the money already: nothing moves again
        hold["settled"] = True
        self.escrow[hold["payer"]] -= hold["amount"]
        if answered:
            fee = services.platform_fee(amount=hold["amount"], income="question")
            self.earnings[expert.pk] += hold["amount"] - fee
            self.platform += fee
        else:
            self.wallet[hold["payer"]] += hold["amount"]

    @rule(reader=st.integers(0, 2), asker=st.integers(0, 2), to=st.integers(0, 1),
          clicks=st.integers(1, 2))  # fmt: skip
    def unlock(self, reader, asker, to, clicks):
        payer, sharer, expert = self.learners[reader], self.learners[asker], self.creators[to]
        price = django_settings.QA_UNLOCK_PRICE
        key = f"qa:unlock:test-{self.run}-{to}-{asker}:{payer.pk}"
        first = key not in self.unlocks
        for _ in range(clicks):
            try:
                split = services.payment_split(
                    payer=payer, amount=price, currency=CURRENCY, income="question_unlock",
                    earner=expert, sharer=sharer,
                    earner_share_bps=django_settings.QA_UNLOCK_EXPERT_SHARE_BPS,
                    key=key, reference=("qa.question", key), memo="unlock",
                    short_message="short %(detail)s",
                )  # fmt: skip
            except ValidationError:
                assert first and self.wallet[payer.pk] < price
                return
        if not first:
            return  # unlocked before under this key: nothing moves again
        self.unlocks.add(key)
        assert split.fee + split.earner_share + split.sharer_share == price
        assert split.fee == services.platform_fee(amount=price, income="question_unlock")
        self.wallet[payer.pk] -= price
        self.wallet[sharer.pk] += split.sharer_share
        self.earnings[expert.pk] += split.earner_share
        self.platform += split.fee

    @invariant()
    def balances_match_the_model(self):
        if not hasattr(self, "wallet"):
            return
        for user in self.learners:
            assert (
                payment_selectors.wallet_balance(user=user, currency=CURRENCY)
                == self.wallet[user.pk]
            )
        for user in self.creators:
            account = ledger.account_get(kind=Kind.EARNINGS, currency=CURRENCY, owner=user)
            assert ledger.balance(account) == self.earnings[user.pk]
        for user in self.learners:
            assert (
                payment_selectors.escrow_balance(user=user, currency=CURRENCY)
                == self.escrow[user.pk]
            )
        assert self._platform_balance() - self.platform_before == self.platform
        # Money in equals money held plus money paid out: nothing created, nothing lost.
        held = sum(self.wallet.values()) + sum(self.earnings.values()) + self.platform + self.held
        held += sum(self.escrow.values())
        assert held + self.paid_out == self.topped_up

    @invariant()
    def running_balances_equal_the_sum_of_entries(self):
        assert payment_selectors.ledger_mismatches() == []
        sums = dict(LedgerEntry.objects.values_list("account_id").annotate(total=Sum("amount")))
        for account in LedgerAccount.objects.annotate(current=ledger.balance_expression()):
            assert account.current == sums.get(account.pk, 0), account

    @invariant()
    def ledger_rules_hold(self):
        unbalanced = (
            LedgerEntry.objects.values("transaction_id", "currency")
            .annotate(total=Sum("amount"))
            .exclude(total=0)
        )
        assert not unbalanced.exists()
        assert (LedgerEntry.objects.aggregate(t=Sum("amount"))["t"] or 0) == 0
        negative = (
            LedgerEntry.objects.filter(account__kind__in=LedgerAccount.NON_NEGATIVE)
            .values("account_id")
            .annotate(total=Sum("amount"))
            .filter(total__lt=0)
        )
        assert not negative.exists()


@pytest.mark.django_db
def test_ledger_invariants_hold_over_random_money_movements():
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=50,  # 40 x 50 = 2,000 steps
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
            derandomize=True,
        ),
    )
