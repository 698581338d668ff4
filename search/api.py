"""GET /api/v1/search/?q=...&kind=...: the search page's results as JSON, best first
per kind. Snippets are cut from public text only (never a paid body or an answer)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core import api_serializers
from core.api_query import QueryIntegerField, query_params
from search import selectors


class SearchQuery(api_serializers.Serializer):
    q = serializers.CharField(max_length=selectors.MAX_QUERY, help_text="What to look for.")
    kind = serializers.ChoiceField(
        choices=sorted(selectors.KINDS), required=False, help_text="One kind only."
    )
    limit = QueryIntegerField(
        required=False, min_value=1, max_value=50, help_text="Results per kind (1-50)."
    )


class HitOutputSerializer(api_serializers.Serializer):
    kind = serializers.CharField()
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.CharField()
    snippet = serializers.CharField(allow_blank=True)
    picture = serializers.CharField(allow_blank=True)  # "" without one
    meta = serializers.CharField(allow_blank=True)


class SearchOutputSerializer(api_serializers.Serializer):
    query = serializers.CharField()
    terms = serializers.ListField(child=serializers.CharField())
    counts = serializers.DictField(child=serializers.IntegerField())
    results = HitOutputSerializer(many=True)


class SearchApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[SearchQuery],
        responses=SearchOutputSerializer,
        summary="Search courses, sessions, channels, creators, lessons, articles, threads "
        "and answers",
    )
    def get(self, request):
        params = query_params(request, SearchQuery)
        found = selectors.search(
            query=params["q"], kind=params.get("kind"), limit=params.get("limit", 10)
        )
        results = [
            {**vars(hit), "snippet": selectors.snippet(hit.text, found["terms"])}
            for hits in found["hits"].values()
            for hit in hits
        ]
        payload = {
            "query": params["q"], "terms": found["terms"], "counts": found["counts"],
            "results": results,
        }  # fmt: skip
        return Response(SearchOutputSerializer(payload).data)
