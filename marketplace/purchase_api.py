"""REST API for buying and tipping: tickets from the wallet, tips to a channel.

They start from the catalogue (a course slug, a channel slug, a live session id), so
they live here; payments moves the money. Same paths and names as before.
"""

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core import api_serializers
from core.api_fields import amount_field
from core.money import supported_currencies
from marketplace import purchases, selectors
from payments import selectors as payment_selectors
from payments import services as payment_services
from payments.api import PurchaseOutputSerializer, authenticated_user
from payments.models import Tip


@extend_schema_field(OpenApiTypes.INT)
class LiveSessionField(serializers.PrimaryKeyRelatedField):
    """A live session by id (livestream registers the kind: marketplace cannot import it)."""

    def get_queryset(self) -> QuerySet[Any]:
        return purchases.product_kind("live_session").objects()


class PurchaseListApi(APIView):
    permission_classes = [IsAuthenticated]

    class PurchaseInputSerializer(api_serializers.Serializer):
        course = serializers.SlugRelatedField(
            slug_field="slug",
            queryset=selectors.courses_public(),
            required=False,
        )
        live_session = LiveSessionField(required=False)
        coupon_code = serializers.CharField(
            required=False, allow_blank=True, max_length=32, help_text="A coupon code to apply."
        )

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if ("course" in attrs) == ("live_session" in attrs):
                raise serializers.ValidationError("Name exactly one course or live_session.")
            return attrs

    @extend_schema(responses=PurchaseOutputSerializer(many=True), tags=["money"])
    def get(self, request: Request) -> Response:
        bought = payment_selectors.purchases_for(user=authenticated_user(request))[:100]
        return Response(PurchaseOutputSerializer(bought, many=True).data)

    @extend_schema(
        request=PurchaseInputSerializer,
        responses={201: PurchaseOutputSerializer},
        tags=["money"],
        description="Buy a ticket from the wallet.",
    )
    def post(self, request: Request) -> Response:
        data = self.PurchaseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        purchase = purchases.purchase_with_wallet(
            buyer=authenticated_user(request), **data.validated_data
        )
        return Response(PurchaseOutputSerializer(purchase).data, status=status.HTTP_201_CREATED)


class PurchaseInputSchema(OpenApiSerializerExtension):
    """Declares what PurchaseInputSerializer.validate holds a body to: exactly one of
    `course` and `live_session` (one request shape each)."""

    target_class = PurchaseListApi.PurchaseInputSerializer

    def map_serializer(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        mapped = auto_schema._map_basic_serializer(self.target, direction)
        properties = mapped["properties"]
        shared = {k: v for k, v in properties.items() if k not in ("course", "live_session")}

        def one(name: str, other: str) -> dict[str, Any]:
            return {
                "type": "object",
                "properties": {name: properties[name], **shared},
                "required": [name],
                "not": {"required": [other]},
            }

        return {"oneOf": [one("course", "live_session"), one("live_session", "course")]}


class TipApi(APIView):
    permission_classes = [IsAuthenticated]

    class TipInputSerializer(api_serializers.Serializer):
        channel = serializers.SlugRelatedField(
            slug_field="slug", queryset=selectors.channels_public().select_related("creator")
        )
        amount = amount_field(
            minimum=lambda: settings.PAYMENTS_MIN_TIP,
            maximum=lambda: settings.MARKETPLACE_MAX_PRICE_MINOR,
            help_text="Minor units.",
        )
        currency = serializers.ChoiceField(choices=supported_currencies())
        message = serializers.CharField(max_length=200, required=False, allow_blank=True)
        client_key = serializers.CharField(
            max_length=64, help_text="Any unique string per tip: a retry with it tips once."
        )
        live_session = LiveSessionField(required=False, allow_null=True)

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            # A tip sent "from" a session shows in that session's room: it must be
            # a session of the creator tipped.
            session = attrs.get("live_session")
            if session is not None and session.channel.creator_id != attrs["channel"].creator_id:
                raise serializers.ValidationError(
                    {"live_session": [_("That session is not the tipped creator's.")]}
                )
            return attrs

    class TipOutputSerializer(api_serializers.ModelSerializer):
        class Meta:
            model = Tip
            fields = ("id", "amount", "currency", "fee", "message", "live_session", "created_at")

    @extend_schema(request=TipInputSerializer, responses={201: TipOutputSerializer}, tags=["money"])
    def post(self, request: Request) -> Response:
        data = self.TipInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        channel = fields.pop("channel")
        tip = payment_services.tip_send(
            tipper=authenticated_user(request), creator=channel.creator.user, **fields
        )
        return Response(self.TipOutputSerializer(tip).data, status=status.HTTP_201_CREATED)


# Included under api/v1/ by config/urls.py.
urlpatterns = [
    path("purchases/", PurchaseListApi.as_view(), name="api_purchases"),
    path("tips/", TipApi.as_view(), name="api_tips"),
]
