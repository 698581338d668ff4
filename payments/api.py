"""REST API for money: wallet, top-ups, earnings, payouts (buying and tipping:
marketplace/purchase_api.py).

Amounts are integers in minor units with an ISO currency code. Every endpoint acts
for the logged-in user only; someone else's top-up or purchase is a 404.
"""

from django.conf import settings
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from core import api_serializers
from core.api_fields import amount_field
from core.api_query import QueryIntegerField, query_params
from core.money import supported_currencies
from payments import selectors, services
from payments.models import LedgerAccount, LedgerEntry, Payout, Purchase, TopUp

Kind = LedgerAccount.Kind


def authenticated_user(request: Request) -> User:
    """The user of a request behind IsAuthenticated (typed for mypy)."""
    user = request.user
    assert isinstance(user, User), "the view needs IsAuthenticated"
    return user


class BalanceSerializer(api_serializers.Serializer):
    currency = serializers.CharField()
    balance = serializers.IntegerField()


class EntrySerializer(api_serializers.ModelSerializer):
    kind = serializers.CharField(source="transaction.kind")
    memo = serializers.CharField(source="transaction.memo")
    created_at = serializers.DateTimeField(source="transaction.created_at")

    class Meta:
        model = LedgerEntry
        fields = ("id", "kind", "amount", "currency", "memo", "created_at")


class AccountOutputSerializer(api_serializers.Serializer):
    balances = BalanceSerializer(many=True)
    history = EntrySerializer(many=True)


class AccountPageSerializer(api_serializers.Serializer):
    """Balances and one page of history, in DRF's page wrapper (`?page=2`)."""

    count = serializers.IntegerField(help_text="Entries in the whole history.")
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = AccountOutputSerializer()


class PageQuery(api_serializers.Serializer):
    page = QueryIntegerField(
        required=False, min_value=1, max_value=10**9, help_text="Page of history."
    )


def _account_response(request: Request, kind: str) -> Response:
    query_params(request, PageQuery)
    paginator = PageNumberPagination()
    history = paginator.paginate_queryset(
        selectors.account_history(user=authenticated_user(request), kind=kind), request
    )
    return paginator.get_paginated_response(
        {
            "balances": BalanceSerializer(
                selectors.balances(user=authenticated_user(request), kind=kind), many=True
            ).data,
            "history": EntrySerializer(history, many=True).data,
        }
    )


class WalletApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[PageQuery], responses=AccountPageSerializer, tags=["money"])
    def get(self, request: Request) -> Response:
        return _account_response(request, Kind.WALLET)


class EarningsApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[PageQuery], responses=AccountPageSerializer, tags=["money"])
    def get(self, request: Request) -> Response:
        return _account_response(request, Kind.EARNINGS)


class TopUpInputSerializer(api_serializers.Serializer):
    amount = amount_field(
        minimum=lambda: settings.PAYMENTS_MIN_TOP_UP,
        maximum=lambda: settings.PAYMENTS_MAX_TOP_UP,
        help_text="Minor units: 990 is 9.90.",
    )
    currency = serializers.ChoiceField(choices=supported_currencies())


class PayoutInputSerializer(api_serializers.Serializer):
    amount = amount_field(
        minimum=lambda: settings.PAYMENTS_MIN_PAYOUT,
        maximum=lambda: settings.MARKETPLACE_MAX_PRICE_MINOR,
        help_text="Minor units: 990 is 9.90.",
    )
    currency = serializers.ChoiceField(choices=supported_currencies())


class TopUpOutputSerializer(api_serializers.ModelSerializer):
    class Meta:
        model = TopUp
        fields = ("id", "amount", "currency", "status", "failure_message", "created_at")


class TopUpListApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=TopUpInputSerializer, responses={201: TopUpOutputSerializer}, tags=["money"]
    )
    def post(self, request: Request) -> Response:
        data = TopUpInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        top_up = services.top_up_start(user=authenticated_user(request), **data.validated_data)
        return Response(TopUpOutputSerializer(top_up).data, status=status.HTTP_201_CREATED)


class TopUpPayApi(APIView):
    """Pay a pending top-up with a card token made by Stripe.js."""

    permission_classes = [IsAuthenticated]

    class TopUpPayInputSerializer(api_serializers.Serializer):
        payment_method = serializers.CharField(max_length=100)

    @extend_schema(
        request=TopUpPayInputSerializer,
        responses={
            200: TopUpOutputSerializer,
            402: OpenApiResponse(
                TopUpOutputSerializer, description="The card was declined: the failed top-up."
            ),
        },
        tags=["money"],
    )
    def post(self, request: Request, pk: int) -> Response:
        top_up = get_object_or_404(TopUp, pk=pk, user=authenticated_user(request))
        data = self.TopUpPayInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        top_up = services.top_up_pay(
            top_up=top_up, payment_method=data.validated_data["payment_method"]
        )
        code = status.HTTP_200_OK if top_up.status == TopUp.Status.SUCCEEDED else 402
        return Response(TopUpOutputSerializer(top_up).data, status=code)


class PurchaseOutputSerializer(api_serializers.ModelSerializer):
    class Meta:
        model = Purchase
        fields = (
            "id", "title", "course", "live_session", "amount", "currency", "method",
            "status", "refunded_amount", "created_at", "paid_at",
        )  # fmt: skip


class PayoutApi(APIView):
    permission_classes = [IsAuthenticated]

    class PayoutOutputSerializer(api_serializers.ModelSerializer):
        class Meta:
            model = Payout
            fields = ("id", "amount", "currency", "status", "reason", "requested_at", "decided_at")

    @extend_schema(responses=PayoutOutputSerializer(many=True), tags=["money"])
    def get(self, request: Request) -> Response:
        return Response(
            self.PayoutOutputSerializer(
                selectors.payouts_for(user=authenticated_user(request)), many=True
            ).data
        )

    @extend_schema(
        request=PayoutInputSerializer,
        responses={201: PayoutOutputSerializer},
        tags=["money"],
        description=f"Request a payout of available earnings (at least "
        f"{settings.PAYMENTS_MIN_PAYOUT} minor units).",
    )
    def post(self, request: Request) -> Response:
        data = PayoutInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payout = services.payout_request(creator=authenticated_user(request), **data.validated_data)
        return Response(self.PayoutOutputSerializer(payout).data, status=status.HTTP_201_CREATED)
