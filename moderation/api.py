"""Reports over HTTP: POST /api/v1/moderation/reports/ {content_type, object_id, reason}."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core import api_serializers
from moderation import services
from moderation.views import content_get


class ReportInput(api_serializers.Serializer):
    content_type = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    object_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    reason = serializers.CharField(max_length=1000)


class ReportApi(APIView):
    """Report a piece of content (any kind moderation looks after). One per user."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=ReportInput,
        responses={201: inline_serializer("ReportCreated", {"id": serializers.IntegerField()})},
    )
    def post(self, request):
        data = ReportInput(data=request.data)
        data.is_valid(raise_exception=True)
        obj = content_get(data.validated_data["content_type"], data.validated_data["object_id"])
        try:
            report = services.report_submit(
                reporter=request.user, obj=obj, reason=data.validated_data["reason"]
            )
        except ValidationError as exc:
            return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"id": report.pk}, status=status.HTTP_201_CREATED)
