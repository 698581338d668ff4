"""REST API: the "for you" list and similar items. Each response names the variant
and algorithm that produced it; every item carries a signed click URL, and the
response counts as one impression of the list."""

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core import api_serializers
from core.api_query import QueryIntegerField, query_params
from recommend import selectors, services
from recommend.items import KINDS, item_key


class ItemOutputSerializer(api_serializers.Serializer):
    key = serializers.CharField()
    kind = serializers.CharField()
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    url = serializers.CharField()
    click_url = serializers.CharField()
    reason = serializers.CharField(allow_blank=True)  # "Because you follow Data science"


class ListOutputSerializer(api_serializers.Serializer):
    source = serializers.CharField()  # type: ignore[assignment] # an output field named "source", not Field.source
    variant = serializers.CharField()
    algorithm = serializers.CharField()
    items = ItemOutputSerializer(many=True)


def _payload(shown: selectors.ShownList, request: HttpRequest) -> dict:
    if shown.items:
        services.event_record(
            user=None,
            kind="impression",
            value=len(shown.items),
            variant=shown.variant,
            request=request,
        )
    items = [
        {**vars(item), "url": item.url, "click_url": click_url, "reason": reason}
        for item, click_url, reason in shown.cards
    ]
    return {
        "source": shown.source,
        "variant": shown.variant,
        "algorithm": shown.algorithm,
        "items": items,
    }


class LimitQuery(api_serializers.Serializer):
    limit = QueryIntegerField(
        required=False, min_value=1, max_value=50, help_text="How many items (1-50)."
    )


def _limit(request) -> int:
    return query_params(request, LimitQuery).get("limit", settings.RECOMMEND_ROW_LENGTH)


class RecommendationsApi(APIView):
    """Recommendations for the caller: personalised when signed in and not opted out,
    popular items otherwise."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=[LimitQuery], responses=ListOutputSerializer)
    def get(self, request):
        shown = selectors.recommendations_for_user(user=request.user, n=_limit(request))
        return Response(ListOutputSerializer(_payload(shown, request._request)).data)


class SimilarApi(APIView):
    """Items similar to one channel, course or live session."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=[LimitQuery], responses=ListOutputSerializer)
    def get(self, request, kind: str, pk: int):
        key = item_key(kind, pk) if kind in KINDS else None
        if key is None:
            raise exceptions.NotFound(_("Kind must be channel, course or session."))
        shown = selectors.similar_for_item(item=key, user=request.user, n=_limit(request))
        if shown.anchor is None:
            raise exceptions.NotFound(_("No such item."))
        return Response(ListOutputSerializer(_payload(shown, request._request)).data)
